//! The world's side of [`cdc`](super::cdc): adding a capture, starting and
//! stopping it, capturing the rows requests insert, and the sink tasks
//! applying them. A capture touches only the kernel and the data store, so
//! its glue is methods of [`DataStore`]; `World`'s methods are the doors.

use super::cdc::*;
use super::table::Inserted;
use crate::sim::data::change_log::Consumer;
use crate::sim::data::event::{CaptureEvent, DataEvent};
use crate::sim::data::store::DataStore;
use crate::sim::kernel::core::Kernel;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::{ChangeCaptureId, TableId};
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::world::World;

fn capture_event(e: CaptureEvent) -> Event {
    Event::Data(DataEvent::Capture(e))
}

impl DataStore {
    /// Adds a capture between two tables; its count of missing keys starts
    /// from what the tables hold now.
    pub(in crate::sim) fn add_change_capture(
        &mut self,
        k: &mut Kernel,
        spec: ChangeCaptureSpec,
    ) -> ChangeCaptureId {
        let n = &spec.name;
        let now = k.now;
        let m = &mut k.metrics;
        let cm = CaptureMetrics {
            captured: m.counter(&format!("{n}.captured")),
            applied: m.counter(&format!("{n}.applied")),
            dropped: m.counter(&format!("{n}.dropped")),
            lag: m.latency(&format!("{n}.lag")),
            backlog: m.gauge(&format!("{n}.backlog"), now, 0.0),
            missing: m.gauge(&format!("{n}.missing"), now, 0.0),
            running: m.gauge(&format!("{n}.running"), now, f64::from(spec.running)),
        };
        let (from, to) = (spec.from.index(), spec.to.index());
        let missing = self.tables[from]
            .keys()
            .filter(|key| !self.tables[to].holds(*key))
            .count();
        self.tables[from].watched = true;
        self.tables[to].watched = true;
        let mut c = ChangeCapture::new(spec, cm);
        c.shift_missing(missing as i64);
        k.metrics.set(cm.missing, now, missing as f64);
        self.captures.push(c);
        ChangeCaptureId::new(self.captures.len() - 1)
    }

    /// Starts or stops a capture; a task applying a batch finishes it.
    pub(in crate::sim) fn set_capture_running(
        &mut self,
        k: &mut Kernel,
        id: ChangeCaptureId,
        running: bool,
    ) {
        let c = &mut self.captures[id.index()];
        c.spec.running = running;
        k.metrics.set(c.m.running, k.now, f64::from(running));
        self.capture_dispatch(k, id);
    }

    /// After a row went into (or was refused by) watched table `table`:
    /// every capture reading it takes a row a request wrote onto its log
    /// (`by_request`; not one a capture applied), and every capture reading
    /// or writing it brings its count of missing keys up to date, keys the
    /// table forgot included.
    pub(in crate::sim::data) fn after_watched_insert(
        &mut self,
        k: &mut Kernel,
        table: TableId,
        key: u64,
        w: f64,
        what: Inserted,
        by_request: bool,
    ) {
        let forgotten = std::mem::take(&mut self.tables[table.index()].just_forgotten);
        for i in 0..self.captures.len() {
            let (from, to) = {
                let s = &self.captures[i].spec;
                (s.from, s.to)
            };
            if from != table && to != table {
                continue;
            }
            // The other table of the pair, and whether this one is the source.
            let (other, source) = if from == table {
                (&self.tables[to.index()], true)
            } else {
                (&self.tables[from.index()], false)
            };
            // A key the source gains or loses counts when the destination
            // lacks it; one the destination gains or loses, when the source
            // holds it.
            let counts = |key: u64| other.holds(key) != source;
            let mut shift: i64 = 0;
            for f in &forgotten {
                if counts(*f) {
                    shift += if source { -1 } else { 1 };
                }
            }
            if what == Inserted::New && counts(key) {
                shift += if source { 1 } else { -1 };
            }
            let c = &mut self.captures[i];
            if shift != 0 {
                c.shift_missing(shift);
                k.metrics.set(c.m.missing, k.now, c.missing() as f64);
            }
            if source && by_request && what != Inserted::Violation {
                let dropped = c.capture(k.now, w as u32, key, &mut k.rng);
                k.metrics.add(c.m.captured, w);
                k.metrics.add(c.m.dropped, dropped);
                self.capture_dispatch(k, ChangeCaptureId::new(i));
            }
        }
    }

    /// Hands fetchable changes to idle sink tasks while the capture runs;
    /// arranges a poll for the next change not fetchable yet.
    fn capture_dispatch(&mut self, k: &mut Kernel, id: ChangeCaptureId) {
        let now = k.now;
        let c = &mut self.captures[id.index()];
        if c.spec.running {
            let want = c.spec.tasks as usize;
            let tasks = &mut c.log.groups[0].consumers;
            if tasks.len() < want {
                tasks.resize_with(want, Consumer::default);
            }
            for t in 0..want {
                if !c.log.groups[0].consumers[t].is_idle() {
                    continue;
                }
                let batch = c.log.take_batch(0, now);
                if batch.is_empty() {
                    break;
                }
                let dt = c.apply_us(batch.len(), &mut k.rng);
                c.log.groups[0].consumers[t].batch = batch;
                let e = CaptureEvent::Applied {
                    capture: id,
                    task: t as u16,
                };
                k.schedule(now + dt, capture_event(e));
            }
            if let Some(due) = c.log.next_due(0).filter(|d| *d > now) {
                if c.poll_at.is_none_or(|p| p > due || p < now) {
                    c.poll_at = Some(due);
                    k.schedule(due, capture_event(CaptureEvent::Poll { capture: id }));
                }
            }
        }
        c.log.trim();
        let (g, b) = (c.m.backlog, c.backlog());
        k.metrics.set(g, now, b);
    }

    /// A sink task applied its batch: each row the destination lacks goes
    /// in (an upsert leaves the others as they are).
    fn on_capture_applied(&mut self, k: &mut Kernel, id: ChangeCaptureId, task: u16) {
        let now = k.now;
        let c = &mut self.captures[id.index()];
        let batch = std::mem::take(&mut c.log.groups[0].consumers[task as usize].batch);
        let (to, m) = (c.spec.to, c.m);
        for r in &batch {
            let w = r.weight as f64;
            if !self.tables[to.index()].holds(r.key) {
                let what = self.insert_row(k, to, r.key, w);
                self.after_watched_insert(k, to, r.key, w, what, false);
            }
            k.metrics.record(m.lag, now - r.acked_us, r.weight);
            k.metrics.add(m.applied, w);
        }
        self.capture_dispatch(k, id);
    }

    fn on_capture_poll(&mut self, k: &mut Kernel, id: ChangeCaptureId) {
        let c = &mut self.captures[id.index()];
        if c.poll_at == Some(k.now) {
            c.poll_at = None;
        }
        self.capture_dispatch(k, id);
    }
}

impl World {
    /// Adds a change data capture from one table to another; returns its id.
    pub fn add_change_capture(&mut self, spec: ChangeCaptureSpec) -> ChangeCaptureId {
        self.data.add_change_capture(&mut self.kernel, spec)
    }

    /// Starts or stops a capture (a stopped one resumes where it stopped).
    /// Logged, unmarked: the toggle that asks for it marks the charts.
    pub fn set_capture_running(&mut self, id: ChangeCaptureId, running: bool) {
        let c = &self.data.captures[id.index()];
        if c.spec.running == running {
            return;
        }
        let what = if running { "started" } else { "stopped" };
        let text = format!("Change data capture {} {what}", c.spec.name);
        self.data.set_capture_running(&mut self.kernel, id, running);
        self.note(LogLevel::Info, text, false);
    }

    /// A capture's state: its missing keys, its backlog.
    pub fn change_capture(&self, id: ChangeCaptureId) -> &ChangeCapture {
        &self.data.captures[id.index()]
    }

    pub(crate) fn on_capture_event(&mut self, e: CaptureEvent) {
        match e {
            CaptureEvent::Applied { capture, task } => {
                self.data
                    .on_capture_applied(&mut self.kernel, capture, task)
            }
            CaptureEvent::Poll { capture } => self.data.on_capture_poll(&mut self.kernel, capture),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    /// Writers inserting `rps` rows a second into table `a`, captured into
    /// table `b`.
    fn world(rps: f64, running: bool) -> (World, ChangeCaptureId) {
        let mut w = World::new(7, WorldConfig::default());
        let api = w.add_service(ServiceSpec::new("api", 1, 100));
        let a = w.add_table("a", true);
        let b = w.add_table("b", true);
        let write = w.add_handler(Handler::new(
            "write",
            api,
            vec![
                Step::Work(Dist::Constant { ms: 1.0 }),
                Step::Insert {
                    table: a,
                    on_duplicate: OnDuplicate::Fail,
                },
            ],
        ));
        w.add_client(ClientSpec::new("writers", rps, api, write));
        let spec = ChangeCaptureSpec::new("a_to_b", a, b);
        let cdc = w.add_change_capture(if running { spec } else { spec.stopped() });
        (w, cdc)
    }

    fn total(w: &World, name: &str) -> f64 {
        w.metrics().counter_total(name)
    }

    #[test]
    fn rows_written_to_the_source_reach_the_destination_after_a_lag() {
        let (mut w, cdc) = world(200.0, true);
        w.step(60 * SEC);
        let (a, b) = (total(&w, "a.rows"), total(&w, "b.rows"));
        assert!(a > 11_000.0, "{a}");
        // Only the last half second or so is still on its way.
        let missing = w.change_capture(cdc).missing() as f64;
        assert!(missing < 200.0 && a - b == missing, "{a} {b} {missing}");
        let lag = w.metrics().series_histogram("a_to_b.lag").unwrap();
        let (p50, p99) = (lag.quantile(0.5).unwrap(), lag.quantile(0.99).unwrap());
        // The wait for the next read (0–500 ms), Kafka (10 ms) and one batch
        // (about 25 ms).
        assert!((200e3..400e3).contains(&p50), "p50 {p50} µs");
        assert!((450e3..700e3).contains(&p99), "p99 {p99} µs");
        assert!(w.ledger().balances());
    }

    #[test]
    fn a_stopped_capture_leaves_rows_missing_until_it_is_started_again() {
        let (mut w, cdc) = world(100.0, false);
        w.step(30 * SEC);
        let written = total(&w, "a.rows");
        assert_eq!(total(&w, "b.rows"), 0.0);
        assert_eq!(w.change_capture(cdc).missing() as f64, written);
        assert_eq!(w.change_capture(cdc).backlog(), written);
        w.set_capture_running(cdc, true);
        w.step(40 * SEC);
        let c = w.change_capture(cdc);
        assert!(c.missing() < 100, "caught up from the log: {}", c.missing());
        assert_eq!(total(&w, "a_to_b.dropped"), 0.0);
        assert!(w
            .log()
            .entries()
            .any(|e| e.text == "Change data capture a_to_b started"));
    }

    #[test]
    fn two_captures_in_opposite_directions_keep_both_tables_in_step_without_echoes() {
        let mut w = World::new(3, WorldConfig::default());
        let api = w.add_service(ServiceSpec::new("api", 1, 100));
        let (a, b) = (w.add_table("a", true), w.add_table("b", true));
        for (name, table) in [("to_a", a), ("to_b", b)] {
            let h = w.add_handler(Handler::new(
                name,
                api,
                vec![Step::Insert {
                    table,
                    on_duplicate: OnDuplicate::Fail,
                }],
            ));
            w.add_client(ClientSpec::new(name, 50.0, api, h));
        }
        let ab = w.add_change_capture(ChangeCaptureSpec::new("ab", a, b));
        let ba = w.add_change_capture(ChangeCaptureSpec::new("ba", b, a));
        w.step(30 * SEC);
        w.set_client_rate(ClientId::new(0), 0.0);
        w.set_client_rate(ClientId::new(1), 0.0);
        w.step(35 * SEC);
        let (rows_a, rows_b) = (total(&w, "a.rows"), total(&w, "b.rows"));
        assert_eq!(rows_a, rows_b, "every row in both tables");
        assert_eq!(w.change_capture(ab).missing(), 0);
        assert_eq!(w.change_capture(ba).missing(), 0);
        // Each capture took only the rows requests wrote to its source.
        let written_a = w.client(ClientId::new(0)).ledger.succeeded as f64;
        assert_eq!(total(&w, "ab.captured"), written_a);
        assert_eq!(total(&w, "ab.captured") + total(&w, "ba.captured"), rows_a);
        assert_eq!(total(&w, "a.violations") + total(&w, "b.violations"), 0.0);
    }

    #[test]
    fn a_key_the_source_forgets_is_no_longer_missing() {
        let (mut w, cdc) = world(0.01, false);
        w.step(10 * HOUR);
        let before = w.change_capture(cdc).missing();
        assert!(before > 200, "{before}");
        w.set_client_rate(ClientId::new(0), 0.0);
        // The source remembers a key 24 hours; the next insert forgets the
        // older ones.
        w.step(34 * HOUR);
        w.set_client_rate(ClientId::new(0), 100.0);
        w.step(34 * HOUR + SEC);
        let after = w.change_capture(cdc).missing();
        assert!(after < 150, "{before} then {after}");
    }
}
