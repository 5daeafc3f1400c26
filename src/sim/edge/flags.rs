//! Feature flags: named switches that turn parts of handlers on and off while
//! the system runs (a dynamic widget, a personalised page).
//!
//! A handler guards optional steps with [`Step::WhenFlag`](super::Step::WhenFlag):
//! while the flag is off they are skipped and the request goes on without them.
//! Flags are flipped by the fault timeline, by a scenario's toggle, or by a
//! [`FlagController`](crate::sim::edge::flag_controller::FlagController). Each flag is a
//! gauge `flag.NAME` (1 = on, 0 = off) for a features on/off band, and each
//! change is logged.

use crate::sim::kernel::flow::Next;
use crate::sim::kernel::ids::FlagId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::metrics::GaugeId;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;

/// A feature flag's live state.
#[derive(Clone, Debug)]
pub struct Flag {
    /// Name (`"recommendations"`).
    pub name: String,
    on: bool,
    gauge: GaugeId,
    changed_at_us: Option<Micros>,
}

impl Flag {
    /// True while the feature is on.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// When the flag last changed, if it ever did.
    pub fn changed_at_us(&self) -> Option<Micros> {
        self.changed_at_us
    }
}

impl World {
    /// Adds a feature flag, on or off; returns its index.
    pub fn add_flag(&mut self, name: &str, on: bool) -> FlagId {
        assert!(
            self.edge.flags.iter().all(|f| f.name != name),
            "flag '{name}' added twice"
        );
        let gauge = self.kernel.metrics.gauge(
            &format!("flag.{name}"),
            self.kernel.now,
            f64::from(u8::from(on)),
        );
        self.edge.flags.push(Flag {
            name: name.to_string(),
            on,
            gauge,
            changed_at_us: None,
        });
        FlagId::new(self.edge.flags.len() - 1)
    }

    /// Index of the flag called `name`.
    pub fn flag_index(&self, name: &str) -> Option<u32> {
        self.edge
            .flags
            .iter()
            .position(|f| f.name == name)
            .map(|i| i as u32)
    }

    /// True while flag `flag` is on.
    pub fn flag_on(&self, flag: FlagId) -> bool {
        self.edge.flags[flag.index()].on
    }

    /// Turns a flag on or off from now on; `why` goes into the log entry.
    pub fn set_flag(&mut self, flag: FlagId, on: bool, why: &str) {
        let f = &mut self.edge.flags[flag.index()];
        if f.on == on {
            return;
        }
        f.on = on;
        f.changed_at_us = Some(self.kernel.now);
        let (g, name) = (f.gauge, f.name.clone());
        self.kernel
            .metrics
            .set(g, self.kernel.now, f64::from(u8::from(on)));
        let state = if on { "on" } else { "off" };
        self.note(LogLevel::Info, format!("flag {name} {state} ({why})"), true);
    }

    /// The `Step::WhenFlag` step.
    pub(crate) fn when_flag_step(&self, flag: FlagId, steps: u16) -> Next {
        if self.flag_on(flag) {
            Next::Continue
        } else {
            Next::Skip(steps)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    #[test]
    fn guarded_steps_run_only_while_the_flag_is_on() {
        let mut w = World::new(1, WorldConfig::default());
        let web = w.add_service(ServiceSpec::new("web", 1, 100));
        let db = w.add_service(ServiceSpec::new("db", 1, 100));
        let q = w.add_handler(Handler::new(
            "q",
            db,
            vec![Step::Work(Dist::Constant { ms: 10.0 })],
        ));
        let widget = w.add_flag("widget", true);
        let page = w.add_handler(Handler::new(
            "page",
            web,
            vec![
                Step::WhenFlag {
                    flag: widget,
                    steps: 2,
                },
                Step::Call(CallSpec::new(db, q)),
                Step::Call(CallSpec::new(db, q)),
                Step::Work(Dist::Constant { ms: 1.0 }),
            ],
        ));
        w.add_client(ClientSpec::new("u", 10.0, web, page));
        w.step(60 * SEC);
        let with = w.kernel.metrics.counter_total("db.completed");
        let sent = w.kernel.metrics.counter_total("u.ok");
        assert!((with - 2.0 * sent).abs() <= 2.0, "{with} {sent}");
        w.set_flag(widget, false, "test");
        w.step(120 * SEC);
        assert!(w.kernel.metrics.counter_total("db.completed") - with <= 2.0);
        assert!(w.kernel.metrics.counter_total("u.ok") > sent + 400.0);
        assert_eq!(
            w.kernel.metrics.series("flag.widget").unwrap().get(100),
            Some(0.0)
        );
        assert_eq!(
            w.kernel.metrics.series("flag.widget").unwrap().get(10),
            Some(1.0)
        );
        assert!(w
            .kernel
            .log
            .entries()
            .any(|e| e.text.starts_with("flag widget off")));
        assert_eq!(w.edge.flags[widget.index()].changed_at_us(), Some(60 * SEC));
    }
}
