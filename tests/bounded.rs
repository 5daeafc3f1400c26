//! Nothing grows without bound: an overload fills bounded queues and is refused,
//! and a long run keeps a window of idempotency keys, not every key ever seen.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use resilience_lab::scenarios::{self, Run};
use resilience_lab::sim::data::table::MAX_KEYS;
use resilience_lab::sim::kernel::time::from_secs;
use resilience_lab::sim::topology::service::DEFAULT_QUEUE_CAP;

/// Live requests and queued requests of queueing-basics' one service.
fn live_and_queued(r: &Run) -> (usize, u32) {
    let w = r.world();
    (w.requests_alive(), w.services()[0].queued(0))
}

#[test]
fn a_hundredfold_overload_fills_the_backlog_and_is_refused_not_stored() {
    let s = scenarios::find("queueing-basics").unwrap();
    let mut p = s.default_params();
    p.set_text("arrival_rps", "100000").unwrap();
    let servers = p.f("servers") as usize;
    let mut r = Run::new(s, p, 3, Vec::new()).unwrap();
    let bound = servers + DEFAULT_QUEUE_CAP as usize;
    let mut most = 0;
    for minute in 1..=3 {
        r.advance_to(from_secs(60.0 * minute as f64));
        let (live, queued) = live_and_queued(&r);
        assert!(
            live <= bound && queued <= DEFAULT_QUEUE_CAP,
            "minute {minute}: {live} requests alive, {queued} queued (bound {bound})"
        );
        most = most.max(live);
    }
    // The backlog really filled (so the bound, not luck, kept memory flat) …
    assert!(most > bound / 2, "only {most} alive at most");
    // … and the excess shows as rejections, which the ledger balances.
    let l = r.world().ledger();
    assert!(l.balances());
    assert!(
        l.rejected as f64 > 0.9 * l.arrived as f64,
        "{} of {} rejected",
        l.rejected,
        l.arrived
    );
    let rejected = r
        .world()
        .metrics()
        .counter_total("service.pool.workers.rejected");
    assert_eq!(rejected, l.rejected as f64, "counted on the pool's series");
}

#[test]
fn a_stable_load_never_reaches_the_backlog() {
    // 98 % busy, the hardest stable load the guide asks for: nothing refused.
    let r = run("queueing-basics", &[("arrival_rps", "980")], 1, 3_600.0);
    assert_eq!(r.world().ledger().rejected, 0);
}

#[test]
fn a_long_retry_storm_keeps_a_window_of_keys_and_the_same_double_charges() {
    // 1,000 charges a second: past a million keys the oldest are forgotten.
    let r = run("retry-storm", &[], 1, 1_200.0);
    let w = r.world();
    let t = w
        .tables()
        .iter()
        .find(|t| t.name == "charges")
        .expect("charges");
    assert!(t.distinct_keys() <= MAX_KEYS, "{}", t.distinct_keys());
    assert!(t.forgotten() > 100_000, "forgot only {}", t.forgotten());
    assert_eq!(
        t.distinct_keys() as u64 + t.forgotten(),
        t.rows() - w.metrics().counter_total("charges.duplicates") as u64,
        "every new key is remembered or counted as forgotten"
    );
    // Retries come back within seconds, so forgetting keys a quarter of an
    // hour old hides none: about one charge in a hundred loses its answer
    // (`lost_response_rate` 0.01) and is charged again.
    let share = fig(&r, "double_charges") / w.ledger().arrived as f64;
    assert!((0.008..0.012).contains(&share), "double charges {share}");
}
