//! The flags' glue: adding flags, flipping them (a gauge and a log line each
//! time), and the `Step::WhenFlag` decision. It borrows the kernel and the
//! edge store only; `World`'s methods are the doors scenarios and controllers
//! come in by.

use super::flags::*;
use crate::sim::edge::store::EdgeStore;
use crate::sim::kernel::core::Kernel;
use crate::sim::kernel::ids::FlagId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::next::Next;
use crate::sim::kernel::world::World;

impl EdgeStore {
    /// Adds a feature flag, on or off, with its gauge `flag.NAME`.
    pub(in crate::sim) fn add_flag(&mut self, k: &mut Kernel, name: &str, on: bool) -> FlagId {
        assert!(
            self.flags.iter().all(|f| f.name != name),
            "flag '{name}' added twice"
        );
        let gauge = k
            .metrics
            .gauge(&format!("flag.{name}"), k.now, f64::from(u8::from(on)));
        self.flags.push(Flag {
            name: name.to_string(),
            on,
            gauge,
            changed_at_us: None,
        });
        FlagId::new(self.flags.len() - 1)
    }

    /// Turns a flag on or off from now on; `why` goes into the log entry.
    pub(in crate::sim) fn set_flag(&mut self, k: &mut Kernel, flag: FlagId, on: bool, why: &str) {
        let f = &mut self.flags[flag.index()];
        if f.on == on {
            return;
        }
        f.on = on;
        f.changed_at_us = Some(k.now);
        let (g, name) = (f.gauge, f.name.clone());
        k.metrics.set(g, k.now, f64::from(u8::from(on)));
        let state = if on { "on" } else { "off" };
        k.note(LogLevel::Info, format!("flag {name} {state} ({why})"), true);
    }

    /// The `Step::WhenFlag` step: go on, or skip the `steps` it guards.
    pub(in crate::sim) fn when_flag_step(&self, flag: FlagId, steps: u16) -> Next {
        if self.flags[flag.index()].on {
            Next::Continue
        } else {
            Next::Skip(steps)
        }
    }
}

impl World {
    /// Adds a feature flag, on or off; returns its index.
    pub fn add_flag(&mut self, name: &str, on: bool) -> FlagId {
        self.edge.add_flag(&mut self.kernel, name, on)
    }

    /// Index of the flag called `name`.
    pub fn flag_index(&self, name: &str) -> Option<u32> {
        self.edge
            .flags()
            .iter()
            .position(|f| f.name == name)
            .map(|i| i as u32)
    }

    /// True while flag `flag` is on.
    pub fn flag_on(&self, flag: FlagId) -> bool {
        self.edge.flags()[flag.index()].is_on()
    }

    /// Turns a flag on or off from now on; `why` goes into the log entry.
    pub fn set_flag(&mut self, flag: FlagId, on: bool, why: &str) {
        self.edge.set_flag(&mut self.kernel, flag, on, why);
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
