//! What a run holds in memory, counted by store: the figures a test watches to
//! prove that nothing grows without bound over a long run (`tests/catalogue.rs`).

use super::world::World;

/// One store's contents: how many items it holds now and, for a store with a
/// declared cap, the most it may hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Held {
    pub store: &'static str,
    pub items: usize,
    pub cap: Option<usize>,
}

fn held(store: &'static str, items: usize, cap: Option<usize>) -> Held {
    Held { store, items, cap }
}

impl World {
    /// Items held now in each store that a run can fill, by name: live
    /// requests, pending events, log lines, idempotency keys, cache and
    /// key-value entries, broker messages, lock-table entries, database
    /// sessions and a release pipeline's releases in flight. Chart series
    /// are rings of fixed capacity and are not listed.
    pub fn footprint(&self) -> Vec<Held> {
        let mut v = vec![
            held("requests alive", self.kernel.requests.len(), None),
            held("events pending", self.kernel.queue.len(), None),
            held(
                "log lines",
                self.kernel.log.entries().count(),
                Some(self.kernel.log.capacity()),
            ),
        ];
        v.extend(
            self.data
                .held()
                .into_iter()
                .map(|(s, n, cap)| held(s, n, cap)),
        );
        for p in &self.topology.pipelines {
            let cap = p.spec().max_in_flight;
            v.push(held("pipeline releases", p.in_flight(), Some(cap)));
        }
        v
    }
}
