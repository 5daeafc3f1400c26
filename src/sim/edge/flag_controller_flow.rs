//! The world's side of [`flag_controller`](super::flag_controller): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::flag_controller::*;
use crate::sim::edge::event::EdgeEvent;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::FlagControllerId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::world::World;

impl World {
    /// Adds a flag controller and schedules its first look; returns its index.
    pub fn add_flag_controller(&mut self, spec: FlagControllerSpec) -> FlagControllerId {
        assert!(
            spec.period_us > 0,
            "'{}': period must be positive",
            spec.name
        );
        assert!(
            spec.flags
                .iter()
                .all(|&(f, _)| f.index() < self.edge.flags.len()),
            "'{}': no such flag",
            spec.name
        );
        let gauge =
            self.kernel
                .metrics
                .gauge(&format!("{}.shedding", spec.name), self.kernel.now, 0.0);
        let period = spec.period_us;
        self.edge.flag_controllers.push(FlagController {
            spec,
            shedding: false,
            calm_since_us: None,
            gauge,
        });
        let i = FlagControllerId::new(self.edge.flag_controllers.len() - 1);
        self.kernel.schedule(
            self.kernel.now + period,
            Event::Edge(EdgeEvent::FlagControllerTick(i)),
        );
        i
    }

    /// Switches a controller on or off. Switched off, it sets its flags back
    /// to their normal values.
    pub fn set_flag_controller_enabled(&mut self, controller: FlagControllerId, enabled: bool) {
        let c = &mut self.edge.flag_controllers[controller.index()];
        c.spec.enabled = enabled;
        if !enabled && c.shedding {
            self.restore_flags(controller, "controller switched off");
        }
    }

    pub(crate) fn on_flag_controller_tick(&mut self, i: FlagControllerId) {
        let now = self.kernel.now;
        let c = &self.edge.flag_controllers[i.index()];
        let period = c.spec.period_us;
        self.kernel
            .schedule(now + period, Event::Edge(EdgeEvent::FlagControllerTick(i)));
        if !c.spec.enabled {
            return;
        }
        if !c.shedding {
            if let Some(&cond) = c.spec.shed_when.iter().find(|&&k| self.holds(k)) {
                self.shed_flags(i, &cond.to_string());
            }
            return;
        }
        let calm = c.spec.restore_when.iter().all(|&k| self.holds(k));
        let after = c.spec.restore_after_us;
        let c = &mut self.edge.flag_controllers[i.index()];
        if !calm {
            c.calm_since_us = None;
            return;
        }
        let since = *c.calm_since_us.get_or_insert(now);
        if now - since >= after {
            self.restore_flags(i, "calm");
        }
    }

    fn shed_flags(&mut self, i: FlagControllerId, why: &str) {
        let c = &mut self.edge.flag_controllers[i.index()];
        c.shedding = true;
        c.calm_since_us = None;
        let (g, flags, name) = (c.gauge, c.spec.flags.clone(), c.spec.name.clone());
        self.kernel.metrics.set(g, self.kernel.now, 1.0);
        self.note(
            LogLevel::Warn,
            format!("{name}: shedding features ({why})"),
            false,
        );
        for (f, shed_value) in flags {
            self.set_flag(f, shed_value, &name);
        }
    }

    fn restore_flags(&mut self, i: FlagControllerId, why: &str) {
        let c = &mut self.edge.flag_controllers[i.index()];
        c.shedding = false;
        c.calm_since_us = None;
        let (g, flags, name) = (c.gauge, c.spec.flags.clone(), c.spec.name.clone());
        self.kernel.metrics.set(g, self.kernel.now, 0.0);
        self.note(
            LogLevel::Info,
            format!("{name}: features restored ({why})"),
            false,
        );
        for (f, shed_value) in flags {
            self.set_flag(f, !shed_value, &name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::edge::signals::Signal;
    use crate::sim::*;

    /// One pod of 4 workers; an optional 40 ms step behind a flag; the load
    /// quadruples at 60 s for a minute. The base work alone fits, the
    /// optional work does not.
    fn world(enabled: bool) -> (World, FlagId, FlagId) {
        let mut w = World::new(3, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("web", 1, 4));
        let extra = w.add_flag("extra", true);
        let fallback = w.add_flag("fallback", false);
        let h = w.add_handler(Handler::new(
            "page",
            s,
            vec![
                Step::Work(Dist::Exponential { mean_ms: 10.0 }),
                Step::WhenFlag {
                    flag: extra,
                    steps: 1,
                },
                Step::Work(Dist::Exponential { mean_ms: 40.0 }),
            ],
        ));
        w.add_client(ClientSpec::new("u", 30.0, s, h).profile(RateProfile::spike(
            60 * SEC,
            SEC,
            4.0,
            60 * SEC,
            SEC,
        )));
        let queued = Signal::Queued {
            service: s,
            pool: 0,
        };
        w.add_flag_controller(FlagControllerSpec {
            name: "shedder".into(),
            flags: vec![(extra, false), (fallback, true)],
            shed_when: vec![Cond::Above(queued, 20.0)],
            // Room for the optional work: it is four times the base work.
            restore_when: vec![
                Cond::AtMost(queued, 2.0),
                Cond::AtMost(
                    Signal::Utilisation {
                        service: s,
                        pool: 0,
                    },
                    0.2,
                ),
            ],
            restore_after_us: 20 * SEC,
            period_us: SEC,
            enabled,
        });
        (w, extra, fallback)
    }

    #[test]
    fn sheds_under_pressure_and_restores_after_a_calm_spell() {
        let (mut w, extra, fallback) = world(true);
        w.step(60 * SEC);
        assert!(w.flag_on(extra));
        w.step(70 * SEC);
        assert!(!w.flag_on(extra), "shed within seconds of the surge");
        assert!(w.flag_on(fallback), "the fallback is on while shedding");
        assert!(
            w.signal(Signal::Queued {
                service: ServiceId::new(0),
                pool: 0
            }) < 50.0
        );
        w.step(120 * SEC);
        assert!(!w.flag_on(extra), "held off while the surge lasts");
        w.step(200 * SEC);
        assert!(w.flag_on(extra), "restored once calm");
        assert!(!w.flag_on(fallback));
        let shed_s = w
            .kernel
            .metrics
            .gauge_time_mean("shedder.shedding", w.now())
            .unwrap()
            * 200.0;
        assert!((60.0..=100.0).contains(&shed_s), "{shed_s}");
    }

    #[test]
    fn a_disabled_controller_leaves_the_flags_alone() {
        let (mut w, extra, _) = world(false);
        w.step(120 * SEC);
        assert!(w.flag_on(extra));
        assert!(
            w.signal(Signal::Queued {
                service: ServiceId::new(0),
                pool: 0
            }) > 500.0
        );
    }
}
