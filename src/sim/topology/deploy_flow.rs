//! The world's side of [`deploy`](super::deploy): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::deploy::*;
use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::world::World;

impl World {
    /// Deploys `release` to `service` now.
    pub fn deploy(&mut self, service: ServiceId, release: Release) {
        for (h, _) in &release.handlers {
            assert_eq!(
                self.topology.handlers[(*h).index()].service,
                service,
                "release '{}' changes a handler of another service",
                release.version
            );
        }
        let s = service.index();
        if self.topology.releases.len() <= s {
            self.topology
                .releases
                .resize_with(s + 1, ReleaseHistory::default);
        }
        let undo = Release {
            version: self.topology.releases[s].current.clone(),
            handlers: release
                .handlers
                .iter()
                .map(|(h, _)| (*h, self.topology.handlers[(*h).index()].steps.clone()))
                .collect(),
        };
        for (h, steps) in &release.handlers {
            self.set_steps(*h, steps.clone());
        }
        let hist = &mut self.topology.releases[s];
        hist.previous.push(undo);
        if hist.previous.len() > HISTORY {
            hist.previous.remove(0);
        }
        let from = std::mem::replace(&mut hist.current, release.version.clone());
        let name = &self.topology.services[s].spec.name;
        let from = if from.is_empty() { "initial" } else { &from };
        let text = format!("{name}: deployed {} (was {from})", release.version);
        self.note(LogLevel::Info, text, false);
    }

    /// Restores the version before the latest deploy; false if there is none.
    pub fn rollback(&mut self, service: ServiceId) -> bool {
        let s = service.index();
        let Some(undo) = self
            .topology
            .releases
            .get_mut(s)
            .and_then(|h| h.previous.pop())
        else {
            return false;
        };
        for (h, steps) in &undo.handlers {
            self.set_steps(*h, steps.clone());
        }
        let hist = &mut self.topology.releases[s];
        let from = std::mem::replace(&mut hist.current, undo.version.clone());
        let name = &self.topology.services[s].spec.name;
        let to = if undo.version.is_empty() {
            "initial"
        } else {
            &undo.version
        };
        let text = format!("{name}: rolled back {from} to {to}");
        self.note(LogLevel::Info, text, false);
        true
    }

    /// The version `service` runs now (empty: the one it was built with).
    pub fn version(&self, service: ServiceId) -> &str {
        self.topology
            .releases
            .get(service.index())
            .map_or("", |h| h.current.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Step;
    use crate::sim::{ClientSpec, Dist, Handler, ServiceSpec, WorldConfig, SEC};

    #[test]
    fn deploy_changes_steps_from_then_on_and_rollback_restores_them() {
        let mut w = World::new(1, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("svc", 1, 4));
        let h = w.add_handler(Handler::new(
            "h",
            s,
            vec![Step::Work(Dist::Constant { ms: 1.0 })],
        ));
        let c = w.add_client(ClientSpec::new("c", 100.0, s, h));
        w.step(10 * SEC);
        assert_eq!(w.traffic.clients[c.index()].ledger.failed, 0);
        w.deploy(
            s,
            Release {
                version: "v2".into(),
                handlers: vec![(h, vec![Step::FailWith { p: 1.0 }])],
            },
        );
        assert_eq!(w.version(s), "v2");
        w.step(20 * SEC);
        let failed = w.traffic.clients[c.index()].ledger.failed;
        assert!(failed > 800, "v2 fails everything: {failed}");
        assert!(w.rollback(s));
        assert_eq!(w.version(s), "");
        w.step(30 * SEC);
        assert_eq!(w.traffic.clients[c.index()].ledger.failed, failed);
        assert!(!w.rollback(s));
    }
}
