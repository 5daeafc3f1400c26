//! What a run will cost before it runs: the engine events its client
//! populations offer up to a time (`sim::traffic::offered`), with its timed
//! changes taken into account.
//!
//! Front ends use it to refuse a run too long to finish in reasonable time
//! (`link.rs` caps what a share link may ask for) without running it.

use crate::sim::kernel::sort::sort_by_key;
use crate::sim::Micros;

use super::params::Params;
use super::run::TimedChange;
use super::Scenario;

/// The engine events offered from 0 to `until` (`World::offered_events`): the
/// scenario built with `initial`, the rate integrated between changes, each
/// change applied (in time order) as the run would apply it.
pub fn offered_events(
    scenario: &Scenario,
    initial: &Params,
    seed: u64,
    changes: &[TimedChange],
    until: Micros,
) -> f64 {
    let mut model = (scenario.build)(initial, seed);
    let mut params = initial.clone();
    let mut sorted: Vec<&TimedChange> = changes.iter().filter(|c| c.at_us < until).collect();
    sort_by_key(&mut sorted, |c| (c.at_us, 0));
    let mut total = 0.0;
    let mut from = 0;
    for c in sorted {
        total += model.world().offered_events(from, c.at_us);
        from = c.at_us;
        if params.set(&c.name, c.value.clone()).is_ok() {
            model.apply(&params, &c.name);
        }
    }
    total + model.world().offered_events(from, until)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{self, Value};
    use crate::sim::SEC;

    #[test]
    fn the_rate_and_its_changes_set_the_work() {
        let s = scenarios::find("queueing-basics").unwrap();
        let p = s.default_params();
        // An arrival and one step of work a request.
        let at_900 = offered_events(s, &p, 1, &[], 100 * SEC);
        assert!((at_900 - 180_000.0).abs() < 1e-6, "{at_900}");
        let change = TimedChange {
            at_us: 50 * SEC,
            name: "arrival_rps".into(),
            value: Value::Number(100.0),
        };
        let changed = offered_events(s, &p, 1, &[change], 100 * SEC);
        assert!((changed - 100_000.0).abs() < 1e-6, "{changed}");
    }
}
