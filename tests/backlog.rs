//! A full accept backlog behaves as Linux's: a service calling a pod directly
//! has its connection attempt dropped and retransmitted (1 s, doubling;
//! `connect` gives up after 127 s), so its own timeout ends the wait; a
//! client behind the load balancer is refused at once; an application's own
//! bounded queue refuses whoever knocks.
#![cfg(not(target_arch = "wasm32"))]

use resilience_lab::sim::*;

/// A `front` service (plenty of workers) calling a `back` service whose one
/// worker is held `work_ms` per request, with a listen backlog of 5.
struct Pair {
    w: World,
    front: ServiceId,
    back: ServiceId,
    page: HandlerId,
    serve: HandlerId,
}

fn pair(seed: u64, work_ms: f64, call_timeout_ms: Option<u64>) -> Pair {
    let mut w = World::new(seed, WorldConfig::default());
    let front = w.add_service(ServiceSpec::new("front", 1, 2_000));
    let back = w.add_service(ServiceSpec::new("back", 1, 1).backlog(5));
    let serve = w.add_handler(Handler::new(
        "serve",
        back,
        vec![Step::Work(Dist::Constant { ms: work_ms })],
    ));
    let mut call = CallSpec::new(back, serve);
    if let Some(t) = call_timeout_ms {
        call = call.timeout_us(t * MS);
    }
    let page = w.add_handler(Handler::new("page", front, vec![Step::Call(call)]));
    Pair {
        w,
        front,
        back,
        page,
        serve,
    }
}

fn p50_ms(w: &World, series: &str) -> f64 {
    w.metrics()
        .series_histogram(series)
        .and_then(|h| h.quantile(0.5))
        .expect("samples")
        / 1_000.0
}

#[test]
fn a_call_to_a_full_backlog_waits_for_its_timeout_instead_of_being_refused() {
    for seed in [1, 2, 3] {
        // 20 calls a second into a pod that answers one every 10 s.
        let mut p = pair(seed, 10_000.0, Some(2_000));
        p.w.add_client(ClientSpec::new("users", 20.0, p.front, p.page));
        p.w.step(60 * SEC);
        let (w, l) = (&p.w, p.w.ledger());
        assert_eq!(
            w.metrics().counter_total("back.pool.workers.rejected"),
            0.0,
            "nothing refused"
        );
        assert!(w.metrics().counter_total("back.listen_overflows") > 500.0);
        // The failures are the callers' 2 s timeouts, not fast refusals.
        assert!(l.failed as f64 > 0.9 * l.arrived as f64, "seed {seed}");
        let p50 = p50_ms(w, "users.error_latency");
        assert!(
            (1_990.0..2_010.0).contains(&p50),
            "seed {seed}: p50 {p50} ms"
        );
        // Dropped attempts whose callers gave up are forgotten at their next
        // retransmission: what stays alive is bounded by the callers waiting
        // (20/s for 2 s), their attempts (up to 3 s after the first SYN) and
        // the pod's six, not by the minute the run has lasted.
        let alive = w.requests_alive();
        assert!(
            alive < 20 * (2 + 3) * 3 / 2 + 6,
            "seed {seed}: {alive} alive"
        );
    }
}

#[test]
fn connect_gives_up_after_six_retransmissions_127_seconds() {
    // No timeout anywhere: the caller waits for the kernel to give up.
    let mut p = pair(4, 3_600_000.0, None);
    p.w.add_client(ClientSpec::new("users", 1.0, p.front, p.page));
    p.w.step(600 * SEC);
    let w = &p.w;
    let p50 = p50_ms(w, "users.error_latency");
    // (The histogram keeps latencies to within 0.5 %.)
    assert!((126_300.0..127_700.0).contains(&p50), "p50 {p50} ms");
    // Every failed attempt was dropped seven times: the SYN and six retries.
    let failed = w.ledger().failed as f64;
    assert!(failed > 300.0, "{failed}");
    let drops = w.metrics().counter_total("back.listen_overflows");
    let waiting = drops - 7.0 * failed;
    assert!(
        (0.0..7.0 * 130.0).contains(&waiting),
        "{drops} drops for {failed} failures"
    );
}

#[test]
fn a_retransmitted_attempt_gets_in_once_the_backlog_has_room() {
    // A burst of 20 calls a second for 5 s into a pod that serves 4 a second:
    // the backlog of 5 overflows, and the dropped attempts get in on a
    // retransmission once the burst is over.
    let mut p = pair(5, 250.0, None);
    p.w.add_client(
        ClientSpec::new("users", 20.0, p.front, p.page).profile(RateProfile::step(5 * SEC, 0.0)),
    );
    p.w.step(200 * SEC);
    let w = &p.w;
    let l = w.ledger();
    assert!(w.metrics().counter_total("back.listen_overflows") > 0.0);
    assert_eq!(l.rejected + l.timed_out, 0, "{l:?}");
    assert!(l.succeeded as f64 > 0.9 * l.arrived as f64, "{l:?}");
    // Some answers came only after a retransmission, a second or more later.
    let slowest = w
        .metrics()
        .series_histogram("users.latency")
        .and_then(|h| h.quantile(1.0))
        .unwrap();
    assert!(slowest > 1_000_000.0, "slowest {slowest} us");
}

#[test]
fn a_client_meeting_a_full_backlog_is_refused_at_once_by_the_balancer() {
    let mut p = pair(6, 10_000.0, Some(2_000));
    p.w.add_client(ClientSpec::new("direct", 20.0, p.back, p.serve));
    p.w.step(30 * SEC);
    let l = p.w.ledger();
    assert!(l.rejected as f64 > 0.9 * l.arrived as f64, "{l:?}");
    assert_eq!(p.w.metrics().counter_total("back.listen_overflows"), 0.0);
    let _ = p.back;
}

#[test]
fn an_application_queue_refuses_a_direct_call_at_once() {
    let mut w = World::new(7, WorldConfig::default());
    let front = w.add_service(ServiceSpec::new("front", 1, 2_000));
    let back = w.add_service(ServiceSpec::new("back", 1, 1).queue_cap(5));
    let serve = w.add_handler(Handler::new(
        "serve",
        back,
        vec![Step::Work(Dist::Constant { ms: 10_000.0 })],
    ));
    let page = w.add_handler(Handler::new(
        "page",
        front,
        vec![Step::Call(
            CallSpec::new(back, serve).timeout_us(2_000 * MS),
        )],
    ));
    w.add_client(ClientSpec::new("users", 20.0, front, page));
    w.step(30 * SEC);
    assert!(w.metrics().counter_total("back.pool.workers.rejected") > 400.0);
    assert_eq!(w.metrics().counter_total("back.listen_overflows"), 0.0);
    let p50 = p50_ms(&w, "users.error_latency");
    assert!(p50 < 5.0, "refused at once: p50 {p50} ms");
}
