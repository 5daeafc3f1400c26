//! The world's side of [`shedding`](super::shedding): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::shedding::*;
use crate::sim::kernel::ids::ShedRuleId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::next::Next;
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::kernel::world::World;

impl World {
    /// Adds a shedding rule; returns its index for `Step::Shed`.
    pub fn add_shed_rule(&mut self, spec: ShedRuleSpec) -> ShedRuleId {
        let shed = self.kernel.metrics.counter(&format!("{}.shed", spec.name));
        self.edge.shed_rules.push(ShedRule {
            spec,
            shed,
            last_shed_us: None,
        });
        ShedRuleId::new(self.edge.shed_rules.len() - 1)
    }

    /// Switches a rule on or off.
    pub fn set_shed_rule_enabled(&mut self, rule: ShedRuleId, enabled: bool) {
        self.edge.shed_rules[rule.index()].spec.enabled = enabled;
    }

    /// The `Step::Shed` step.
    pub(crate) fn shed_step(&mut self, r: ReqRef, rule: ShedRuleId) -> Next {
        let s = &self.edge.shed_rules[rule.index()];
        if !s.spec.enabled || !s.spec.when.iter().any(|&c| self.holds(c)) {
            return Next::Continue;
        }
        let now = self.kernel.now;
        let w = self.kernel.requests.get(r).expect("alive").weight as f64;
        let s = &mut self.edge.shed_rules[rule.index()];
        let starts = s.last_shed_us.is_none_or(|t| now - t > QUIET_US);
        s.last_shed_us = Some(now);
        let (id, skip, name) = (s.shed, s.spec.skip, s.spec.name.clone());
        self.kernel.metrics.add(id, w);
        if starts {
            self.note(
                LogLevel::Warn,
                format!("{name}: shedding low-priority work"),
                false,
            );
        }
        if skip == 0 {
            Next::End(Outcome::Rejected)
        } else {
            Next::Skip(skip)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::edge::signals::Signal;
    use crate::sim::*;

    /// Checkout (high priority) and browse (low priority) share one pool of 10
    /// workers that cannot take both at once.
    fn shop(shed: bool) -> World {
        let mut w = World::new(9, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("shop", 1, 10));
        let queued = Signal::Queued {
            service: s,
            pool: 0,
        };
        let rule = w.add_shed_rule(ShedRuleSpec {
            name: "browse-shed".into(),
            when: vec![Cond::Above(queued, 5.0)],
            skip: 0,
            enabled: shed,
        });
        let work = Step::Work(Dist::Exponential { mean_ms: 100.0 });
        let checkout = w.add_handler(Handler::new("checkout", s, vec![work.clone()]));
        let browse = w.add_handler(Handler::new("browse", s, vec![Step::Shed(rule), work]));
        w.add_client(ClientSpec::new("checkout", 60.0, s, checkout).timeout_us(2 * SEC));
        w.add_client(ClientSpec::new("browse", 60.0, s, browse).timeout_us(2 * SEC));
        w
    }

    #[test]
    fn shedding_low_priority_work_keeps_high_priority_work_fast() {
        let mut with = shop(true);
        let mut without = shop(false);
        with.step(300 * SEC);
        without.step(300 * SEC);
        let ok = |w: &World, c: usize| {
            let l = &w.traffic.clients[c].ledger;
            l.succeeded as f64 / l.ended() as f64
        };
        assert!(ok(&without, 0) < 0.5, "{}", ok(&without, 0));
        assert!(ok(&with, 0) > 0.97, "{}", ok(&with, 0));
        assert!(with.traffic.clients[1].ledger.rejected > 1_000);
        assert_eq!(with.traffic.clients[0].ledger.rejected, 0);
        assert!(with.metrics().counter_total("browse-shed.shed") > 1_000.0);
    }
}
