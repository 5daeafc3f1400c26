//! The world's side of [`app_release`](super::app_release): adding a release,
//! installs updating as their times come, and a client's parser reading the
//! answer that reaches it.

use super::app_release::{parses, AppRelease, AppReleaseSpec};
use super::event::TrafficEvent;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::{AppReleaseId, ClientId};
use crate::sim::kernel::request::{Outcome, Request};
use crate::sim::kernel::world::World;

impl World {
    /// Adds an app release: draws its installs' update times and sets both
    /// populations' rates to the installs' split now (every install on the
    /// old version before the release).
    pub fn add_app_release(&mut self, spec: AppReleaseSpec) -> AppReleaseId {
        let rel = AppRelease::new(spec, &mut self.kernel.rng);
        let id = AppReleaseId::new(self.traffic.releases.len());
        self.traffic.releases.push(rel);
        self.adopt(id, true);
        id
    }

    /// A release's installs and how far they have updated.
    pub fn app_release(&self, id: AppReleaseId) -> &AppRelease {
        &self.traffic.releases[id.index()]
    }

    /// Installs whose update time has come move to the new version; the
    /// populations' rates follow, and the next update is awaited.
    pub(crate) fn on_adoption(&mut self, id: AppReleaseId) {
        self.adopt(id, false);
    }

    /// Moves the installs due by now; sets the rates if any moved (or
    /// `always`), and awaits the next update.
    fn adopt(&mut self, id: AppReleaseId, always: bool) {
        let rel = &mut self.traffic.releases[id.index()];
        let moved = rel.advance(self.kernel.now) || always;
        let (old, new) = (rel.spec.old, rel.spec.new);
        let (old_rate, new_rate) = rel.rates();
        let next = rel.next_update();
        if moved {
            self.set_client_rate(old, old_rate);
            self.set_client_rate(new, new_rate);
        }
        if let Some(t) = next {
            let e = Event::Traffic(TrafficEvent::Adoption(id));
            self.kernel.schedule(t, e);
        }
    }

    /// The outcome client `c` sees for `req`'s answer: a success whose body
    /// its parser cannot read is a client error (counted).
    pub(crate) fn parse_answer(&mut self, c: ClientId, req: &Request, outcome: Outcome) -> Outcome {
        let client = &self.traffic.clients[c.index()];
        match (client.spec.parser, client.m.client_errors) {
            (Some(need), Some(n)) if outcome.is_ok() && !parses(need, req.body) => {
                self.kernel.metrics.add(n, req.weight as f64);
                Outcome::Error
            }
            _ => outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::traffic::app_release::AppReleaseSpec;
    use crate::sim::*;

    const FIRST: u32 = 1;
    const LAST: u32 = 2;
    const NAME: u32 = 4;

    /// A gateway calling a profile service that answers with `fields`; one
    /// client population on each app version, the old parsing first and last
    /// names, the new the nested name; `installs` installs adopting the new
    /// version from 1 s on with update delays of half-life `half_life`.
    fn world(fields: u32, half_life: Micros, weight: u32, seed: u64) -> World {
        let mut w = World::new(seed, WorldConfig::default());
        let gw = w.add_service(ServiceSpec::new("gw", 2, 1_000));
        let api = w.add_service(ServiceSpec::new("api", 2, 1_000));
        let profile = w.add_handler(Handler::new(
            "profile",
            api,
            vec![
                Step::Work(Dist::Constant { ms: 5.0 }),
                Step::Respond { fields },
            ],
        ));
        let call = Step::Call(CallSpec::new(api, profile));
        let front = w.add_handler(Handler::new("front", gw, vec![call]));
        let client = |name: &str, need| {
            ClientSpec::new(name, 0.0, gw, front)
                .parses(need)
                .weight(weight)
        };
        let old = w.add_client(client("app_1", FIRST | LAST));
        let new = w.add_client(client("app_2", NAME));
        let spec = AppReleaseSpec::new("app", old, new, 200.0, SEC).adoption(1_000, half_life, 0.1);
        w.add_app_release(spec);
        w
    }

    fn total(w: &World, name: &str) -> f64 {
        w.metrics().whole(w.now()).counter_total(name)
    }

    #[test]
    fn a_renamed_field_breaks_every_old_parser_and_only_those() {
        let mut w = world(NAME, 60 * SEC, 1, 1);
        w.step(120 * SEC);
        let old_errors = total(&w, "app_1.client_errors");
        assert_eq!(old_errors, total(&w, "app_1.error"));
        assert!(old_errors > 0.0);
        assert_eq!(
            total(&w, "app_1.ok"),
            0.0,
            "no old parser reads the new body"
        );
        assert_eq!(total(&w, "app_2.client_errors"), 0.0);
        assert!(total(&w, "app_2.ok") > 0.0);
        assert!(w.ledger().balances());
    }

    #[test]
    fn an_additive_change_breaks_no_parser() {
        let mut w = world(FIRST | LAST | NAME, 60 * SEC, 1, 2);
        w.step(120 * SEC);
        assert_eq!(w.ledger().failed, 0);
        assert!(total(&w, "app_1.ok") > 0.0 && total(&w, "app_2.ok") > 0.0);
    }

    #[test]
    fn traffic_moves_to_the_new_version_as_installs_update() {
        let mut w = world(FIRST | LAST | NAME, 100 * SEC, 1, 3);
        w.step(SEC);
        assert_eq!(total(&w, "app_2.arrived"), 0.0, "nobody before the release");
        w.step(1_001 * SEC);
        let (old, new) = (total(&w, "app_1.arrived"), total(&w, "app_2.arrived"));
        // After ten half-lives only those who never update (10 %) are left.
        let late_old = {
            let before = old;
            w.step(1_201 * SEC);
            total(&w, "app_1.arrived") - before
        };
        assert!(new > old, "{old} {new}");
        assert!(
            (late_old / (200.0 * 200.0) - 0.1).abs() < 0.04,
            "{late_old}"
        );
    }

    #[test]
    fn the_shares_do_not_depend_on_the_request_weight() {
        let share = |weight| {
            let mut w = world(NAME, 100 * SEC, weight, 7);
            w.step(301 * SEC);
            let errors = total(&w, "app_1.client_errors") + total(&w, "app_2.client_errors");
            let ended = w.ledger().ended() as f64;
            errors / ended
        };
        let (one, ten) = (share(1), share(10));
        assert!((one - ten).abs() < 0.03, "{one} {ten}");
    }
}
