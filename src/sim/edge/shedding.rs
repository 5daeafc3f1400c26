//! Priority shedding: drop low-priority work while a pool is overloaded, so the
//! work that matters keeps its workers.
//!
//! Priority comes from where the step stands: a [`Step::Shed`](super::Step::Shed)
//! is put in front of work that may be dropped (a low-priority route, an
//! optional widget's calls); high-priority handlers have no such step. While any
//! of the rule's conditions holds (a pool's queue too long, its head waiting too
//! long — see [`Signal`](crate::sim::edge::signals::Signal)), the step either rejects the
//! request at once (`skip == 0`: a 503 costs the server almost nothing) or skips
//! the `skip` optional steps after it (the page is served without the extra).
//!
//! Metrics: counter `NAME.shed` (weighted), and a log entry when shedding
//! starts after a quiet spell.

use crate::sim::edge::signals::Cond;
use crate::sim::kernel::flow::Next;
use crate::sim::kernel::ids::ShedRuleId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::metrics::CounterId;
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::kernel::time::{Micros, SEC};
use crate::sim::kernel::world::World;

/// A shedding rule as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ShedRuleSpec {
    /// Name, for metrics and the log (`"shed-recommendations"`).
    pub name: String,
    /// Shed while any of these holds.
    pub when: Vec<Cond>,
    /// 0: reject the request; n: skip the next n steps and go on.
    pub skip: u16,
    /// When false the step always lets the work through.
    pub enabled: bool,
}

/// A shedding rule's live state.
#[derive(Clone, Debug)]
pub struct ShedRule {
    /// The declaration.
    pub spec: ShedRuleSpec,
    shed: CounterId,
    last_shed_us: Option<Micros>,
}

/// A spell this long without shedding ends a shedding episode in the log.
const QUIET_US: Micros = 10 * SEC;

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
