//! The call lifecycle in small worlds: one caller, one callee, one policy at a time.

use crate::sim::*;

/// A world with an `api` (one pod, `api_workers` workers) whose handler `page`
/// makes `call` to `backend` (one pod, 100 workers) running `backend_steps`.
/// Returns (world, api, backend, backend handler, page handler).
fn world(backend_steps: Vec<Step>) -> (World, ServiceId, ServiceId, HandlerId, HandlerId) {
    let mut w = World::new(1, WorldConfig::default());
    let api = w.add_service(ServiceSpec::new("api", 1, 50));
    let backend = w.add_service(ServiceSpec::new("backend", 1, 100));
    let bh = w.add_handler(Handler::new("work", backend, backend_steps));
    let page = w.add_handler(Handler::new(
        "page",
        api,
        vec![Step::Work(Dist::Constant { ms: 1.0 })],
    ));
    (w, api, backend, bh, page)
}

fn set_call(w: &mut World, page: HandlerId, call: CallSpec) {
    w.topology.handlers[page.index()].steps =
        vec![Step::Work(Dist::Constant { ms: 1.0 }), Step::Call(call)];
}

fn total(w: &World, name: &str) -> f64 {
    w.kernel.metrics.counter_total(name)
}

#[test]
fn a_timeout_frees_the_caller_and_a_late_answer_is_dropped() {
    let (mut w, api, backend, bh, page) = world(vec![Step::Work(Dist::Constant { ms: 500.0 })]);
    let call = CallSpec::new(backend, bh)
        .timeout_us(100 * MS)
        .tolerate_failure();
    w.topology.handlers[page.index()].steps =
        vec![Step::Call(call), Step::Work(Dist::Constant { ms: 1000.0 })];
    w.add_client(ClientSpec::new("users", 10.0, api, page));
    w.step(20 * SEC);
    let l = w.ledger();
    // Each page takes 0.1 s (timeout) + 1 s of work: the late answer at 0.5 s
    // must not skip the caller past its second step.
    let lat = w.kernel.metrics.series_histogram("users.latency").unwrap();
    let p50 = lat.quantile(0.5).unwrap() / 1e3;
    assert!((p50 - 1100.0).abs() < 15.0, "p50 {p50} ms");
    assert!(l.succeeded > 150 && l.balances(), "{l:?}");
}

#[test]
fn every_attempt_reaches_the_callee_and_max_attempts_counts_the_first() {
    let (mut w, api, backend, bh, page) = world(vec![Step::FailWith { p: 1.0 }]);
    let retry = w.add_retry(
        "pay",
        RetryPolicy::new(3, Backoff::Fixed { delay_us: 100 * MS }),
    );
    set_call(&mut w, page, CallSpec::new(backend, bh).retry(retry));
    w.add_client(ClientSpec::new("users", 50.0, api, page));
    w.step(60 * SEC);
    w.set_client_rate(ClientId::new(0), 0.0);
    w.step(70 * SEC);
    let arrived = total(&w, "users.arrived");
    assert_eq!(total(&w, "backend.arrived"), 3.0 * arrived);
    assert_eq!(total(&w, "pay.attempts"), 3.0 * arrived);
    assert_eq!(total(&w, "pay.retries"), 2.0 * arrived);
    assert_eq!(total(&w, "pay.exhausted"), arrived);
    assert_eq!(w.ledger().failed as f64, arrived);
    let g = w.kernel.metrics.series("pay.retries_in_flight").unwrap();
    assert!(g.values().any(|v| v > 5.0), "retries were in flight");
    assert_eq!(g.values().last(), Some(0.0), "and all ended");
}

#[test]
fn a_retry_after_a_transient_failure_succeeds() {
    let (mut w, api, backend, bh, page) = world(vec![Step::FailWith { p: 0.5 }]);
    let retry = w.add_retry(
        "pay",
        RetryPolicy::new(
            4,
            Backoff::Exponential {
                base_us: 20 * MS,
                cap_us: SEC,
                multiplier: 2.0,
                jitter: Jitter::Full,
            },
        ),
    );
    set_call(&mut w, page, CallSpec::new(backend, bh).retry(retry));
    w.add_client(ClientSpec::new("users", 100.0, api, page));
    w.step(60 * SEC);
    let l = w.ledger();
    // Four tries at 50 %: 1/16 of calls fail.
    let fail = l.failed as f64 / l.ended() as f64;
    assert!((fail - 0.0625).abs() < 0.015, "{fail}");
    assert!(total(&w, "pay.retries_ok") > 0.0);
}

#[test]
fn an_open_breaker_fails_calls_at_once_without_touching_the_callee() {
    let (mut w, api, backend, bh, page) = world(vec![Step::Hang]);
    let breaker = w.add_breaker(BreakerSpec {
        window: SlidingWindow::Count(10),
        min_calls: 10,
        open_us: 10 * SEC,
        half_open_calls: 2,
        ..BreakerSpec::new("brk")
    });
    w.topology.handlers[page.index()].steps = vec![Step::Call(
        CallSpec::new(backend, bh).timeout_us(SEC).breaker(breaker),
    )];
    w.add_client(ClientSpec::new("users", 20.0, api, page));
    w.step(5 * SEC);
    assert_eq!(w.calls.breakers[0].state(), BreakerState::Open);
    let reached = total(&w, "backend.arrived");
    w.step(9 * SEC);
    assert_eq!(
        total(&w, "backend.arrived"),
        reached,
        "nothing reaches the callee"
    );
    let fast = w
        .kernel
        .metrics
        .series_histogram("users.error_latency")
        .unwrap();
    assert!(
        fast.quantile(0.5).unwrap() < 1_000.0,
        "refusals take no time"
    );
    // After the wait: half-open, two probes, which time out: open again.
    w.step(12 * SEC);
    assert_eq!(total(&w, "backend.arrived"), reached + 2.0);
    w.step(13 * SEC);
    assert_eq!(w.calls.breakers[0].state(), BreakerState::Open);
    assert!(w
        .kernel
        .log
        .entries()
        .any(|e| e.text.starts_with("brk opened") && e.marker));
}

#[test]
fn a_semaphore_bulkhead_caps_concurrent_calls_and_refuses_the_rest() {
    let (mut w, api, backend, bh, page) = world(vec![Step::Work(Dist::Constant { ms: 100.0 })]);
    let b = w.add_bulkhead(BulkheadSpec::new("bh", 5).max_wait_us(20 * MS));
    set_call(&mut w, page, CallSpec::new(backend, bh).bulkhead(b));
    // 45 rps × 0.1 s = 4.5 calls wanted at once on average, 5 permits: bursts
    // wait a little, or are refused.
    w.add_client(ClientSpec::new("users", 45.0, api, page));
    w.step(30 * SEC);
    let busy_max = w
        .kernel
        .metrics
        .series("bh.busy.max")
        .unwrap()
        .values()
        .fold(0.0, f64::max);
    assert_eq!(busy_max, 5.0);
    let backend_busy = w
        .kernel
        .metrics
        .series("backend.busy.max")
        .unwrap()
        .values()
        .fold(0.0, f64::max);
    assert!(backend_busy <= 5.0);
    let rejected = total(&w, "bh.rejected");
    let l = w.ledger();
    assert!(
        rejected > 0.0 && l.failed as f64 == rejected,
        "{rejected} {l:?}"
    );
    assert!(l.succeeded > l.failed, "{l:?}");
}

#[test]
fn an_in_process_call_runs_on_the_callers_small_pool_and_overflows_fast() {
    let mut w = World::new(2, WorldConfig::default());
    let api =
        w.add_service(ServiceSpec::new("api", 2, 50).pool(PoolSpec::new("side", 2).queue_cap(2)));
    let slow = w.add_handler(Handler::new("slow", api, vec![Step::Hang]).on_pool(1));
    let page = w.add_handler(Handler::new(
        "page",
        api,
        vec![Step::Call(CallSpec::new(api, slow).in_caller_pod())],
    ));
    w.add_client(ClientSpec::new("users", 10.0, api, page));
    w.step(20 * SEC);
    // Each pod: 2 hung on the side pool, 2 queued; every other call refused.
    assert_eq!(w.topology.services[0].busy(1), 4);
    assert_eq!(w.topology.services[0].queued(1), 4);
    assert_eq!(
        w.topology.services[0].busy(0),
        8,
        "callers waiting on the side pool"
    );
    let l = w.ledger();
    assert_eq!(l.failed as f64, total(&w, "api.pool.side.rejected"));
    assert!(l.failed > 150);
}

#[test]
fn a_lost_answer_makes_the_caller_retry_work_already_done() {
    let (mut w, api, backend, bh, page) = world(vec![]);
    let ledger = w.add_table("ledger", false);
    w.topology.handlers[bh.index()].steps = vec![
        Step::Work(Dist::Constant { ms: 5.0 }),
        Step::Insert {
            table: ledger,
            on_duplicate: OnDuplicate::Fail,
        },
    ];
    w.set_response_loss(backend, 0.2);
    let retry = w.add_retry("pay", RetryPolicy::new(2, Backoff::Immediate));
    set_call(
        &mut w,
        page,
        CallSpec::new(backend, bh).timeout_us(50 * MS).retry(retry),
    );
    w.add_client(ClientSpec::new("users", 100.0, api, page));
    w.step(60 * SEC);
    let lost = total(&w, "backend.responses_lost");
    let dups = total(&w, "ledger.duplicates");
    // Every lost first answer is retried and the work done again.
    assert!(
        (dups / total(&w, "users.arrived") - 0.2).abs() < 0.02,
        "{dups}"
    );
    assert!(lost > dups, "second answers are lost too: {lost} {dups}");
}

#[test]
fn a_redelivering_client_is_counted_once_and_its_receiver_can_deduplicate() {
    let (mut w, _api, backend, bh, _page) = world(vec![]);
    let seen = w.add_table("processed", true);
    let ledger = w.add_table("ledger", false);
    w.topology.handlers[bh.index()].steps = vec![
        Step::Insert {
            table: seen,
            on_duplicate: OnDuplicate::ReplyOk,
        },
        Step::Insert {
            table: ledger,
            on_duplicate: OnDuplicate::Fail,
        },
    ];
    w.set_response_loss(backend, 0.3);
    let retry = w.add_retry(
        "resend",
        RetryPolicy::new(4, Backoff::Fixed { delay_us: SEC }),
    );
    w.add_client(ClientSpec::new("events", 50.0, backend, bh).redelivery(retry, 200 * MS));
    w.step(120 * SEC);
    let l = w.ledger();
    assert!(l.balances());
    let events = total(&w, "events.arrived");
    let redeliveries = total(&w, "resend.retries");
    assert!((redeliveries / events - (0.3 + 0.09 + 0.027)).abs() < 0.04);
    assert_eq!(total(&w, "ledger.duplicates"), 0.0);
    assert_eq!(total(&w, "processed.violations"), redeliveries);
    assert_eq!(
        total(&w, "resend.retries_ok"),
        redeliveries,
        "every redelivery is answered 200"
    );
    // Only events whose every acknowledgement was lost fail: 0.3^4.
    assert!(l.failed as f64 / events < 0.02);
}
