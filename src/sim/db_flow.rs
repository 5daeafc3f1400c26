//! How a request's data-access step moves through a [`Database`]: connection,
//! round trip, CPU, next query, release; and how writes reach the replicas.
//!
//! The request keeps its worker (and its place in its handler) for the whole
//! step; it carries on with its next step when the last query is answered, or
//! fails if no connection frees up within the acquire timeout. A request whose
//! client gave up is still served: the database does not know.

use super::database::{Database, DatabaseSpec, DbJob, Role, Session, StmtMetrics};
use super::orm::DataAccess;
use super::request::{Outcome, ReqRef};
use super::world::{Event, World};

/// Something a database is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DbEvent {
    /// The round trip of the session's current query is over: it reaches the CPU.
    RoundTrip { db: u16, session: u32 },
    /// The next CPU completion of a node (stale if the token moved on).
    Cpu { db: u16, node: u16, token: u32 },
    /// A session waiting for a connection gives up (stale if the generation moved on).
    AcquireTimeout { db: u16, session: u32, gen: u32 },
    /// The oldest write shipped to a replica arrives there.
    Ship { db: u16, node: u16 },
}

impl World {
    /// Adds a database; returns its index. Node slots for up to `replica_slots`
    /// replicas are made now (inactive beyond `spec.replicas`) so that their
    /// series exist from the start and replicas can be added while running.
    pub fn add_database(&mut self, spec: DatabaseSpec, replica_slots: u32) -> u32 {
        assert!(
            self.databases.iter().all(|d| d.spec.name != spec.name),
            "database '{}' added twice",
            spec.name
        );
        let active = spec.replicas;
        let mut s = spec;
        s.replicas = active.max(replica_slots);
        let mut db = Database::new(s, &mut self.metrics, self.now);
        for (i, n) in db.nodes.iter_mut().enumerate() {
            n.active = i as u32 <= active;
        }
        db.spec.replicas = active;
        self.databases.push(db);
        self.databases.len() as u32 - 1
    }

    /// Index of the database called `name`.
    pub fn database_index(&self, name: &str) -> Option<u32> {
        self.databases
            .iter()
            .position(|d| d.spec.name == name)
            .map(|i| i as u32)
    }

    /// Resizes every node of `db` to `cores` vCPUs from now on (vertical scaling;
    /// the lab skips the failover a real resize needs).
    pub fn db_set_cores(&mut self, db: u32, cores: u32) {
        let now = self.now;
        let d = &mut self.databases[db as usize];
        d.spec.cores = cores;
        for n in &mut d.nodes {
            n.cpu.set_cores(now, cores);
        }
        for node in 0..d.nodes.len() {
            self.db_node_changed(db as usize, node);
        }
    }

    /// Sets the number of active read replicas (at most the slots made by
    /// `add_database`). A removed replica takes no new reads and finishes what it has.
    pub fn db_set_replicas(&mut self, db: u32, replicas: u32) {
        let d = &mut self.databases[db as usize];
        let slots = d.nodes.len() as u32 - 1;
        let n = replicas.min(slots);
        for (i, node) in d.nodes.iter_mut().enumerate().skip(1) {
            node.active = i as u32 <= n;
        }
        d.spec.replicas = n;
    }

    /// Whether read-only data access goes to replicas.
    pub fn db_set_read_from_replicas(&mut self, db: u32, on: bool) {
        self.databases[db as usize].spec.read_from_replicas = on;
    }

    /// Starts a data-access step for request `r`.
    pub(crate) fn begin_data_access(&mut self, r: ReqRef, access: DataAccess) {
        let now = self.now;
        let req = self.requests.get(r).expect("alive");
        let (weight, handler) = (req.weight, req.handler);
        let di = access.db as usize;
        let d = &mut self.databases[di];
        let node = d.route(&access);
        let (slot, gen) = d.open(Session {
            req: r,
            handler,
            access,
            node: node as u16,
            next: 0,
            weight,
            waiting_since_us: now,
            query_start_us: now,
            has_connection: false,
        });
        let n = &mut d.nodes[node];
        if n.connections_busy < d.spec.max_connections {
            self.db_grant_connection(di, slot);
        } else {
            n.waiting.push_back(slot);
            let g = n.m.waiting;
            self.metrics.shift(g, now, 1.0);
            if let Some(t) = d.spec.acquire_timeout_us {
                let db = di as u16;
                let ev = DbEvent::AcquireTimeout {
                    db,
                    session: slot,
                    gen,
                };
                self.queue.push(now + t, Event::Db(ev));
            }
        }
    }

    /// Gives session `slot` a connection of its node and sends its first query.
    fn db_grant_connection(&mut self, di: usize, slot: u32) {
        let now = self.now;
        let d = &mut self.databases[di];
        let s = d.session(slot, None).expect("open session");
        s.has_connection = true;
        let (node, waited, w) = (s.node as usize, now - s.waiting_since_us, s.weight);
        let n = &mut d.nodes[node];
        n.connections_busy += 1;
        let (g, lat) = (n.m.connections, d.m.connection_wait);
        self.metrics.shift(g, now, 1.0);
        self.metrics.record(lat, waited, w);
        self.db_send_query(di, slot);
    }

    fn db_send_query(&mut self, di: usize, slot: u32) {
        let now = self.now;
        let d = &mut self.databases[di];
        let rtt = d.spec.rtt_us;
        d.session(slot, None).expect("open session").query_start_us = now;
        let ev = DbEvent::RoundTrip {
            db: di as u16,
            session: slot,
        };
        self.queue.push(now + rtt, Event::Db(ev));
    }

    /// Publishes a node's CPU gauge and (re)arms its next completion.
    fn db_node_changed(&mut self, di: usize, node: usize) {
        let n = &mut self.databases[di].nodes[node];
        let util = n.cpu.busy_cores() / n.cpu.cores() as f64;
        let g = n.m.cpu;
        let armed = n.cpu.arm();
        self.metrics.set(g, self.now, util);
        if let Some((t, token)) = armed {
            let ev = DbEvent::Cpu {
                db: di as u16,
                node: node as u16,
                token,
            };
            self.queue.push(t, Event::Db(ev));
        }
    }

    pub(crate) fn on_db_event(&mut self, e: DbEvent) {
        let now = self.now;
        match e {
            DbEvent::RoundTrip { db, session } => {
                let d = &mut self.databases[db as usize];
                let s = d.session(session, None).expect("open session");
                let q = s.access.query(s.next);
                let (node, w) = (s.node as usize, s.weight);
                d.nodes[node]
                    .cpu
                    .submit(now, q.cpu_us * w as f64, DbJob::Query(session));
                self.db_node_changed(db as usize, node);
            }
            DbEvent::Cpu { db, node, token } => {
                let (di, ni) = (db as usize, node as usize);
                let n = &mut self.databases[di].nodes[ni];
                if !n.cpu.is_current(token) {
                    return;
                }
                n.cpu.disarm();
                let mut done = Vec::new();
                n.cpu.take_done(now, &mut done);
                self.db_node_changed(di, ni);
                for job in done {
                    match job {
                        DbJob::Query(slot) => self.db_query_done(di, slot),
                        DbJob::Replay(commit_us) => {
                            let lag = self.databases[di].m.replication_lag;
                            self.metrics.record(lag, now - commit_us, 1);
                        }
                    }
                }
            }
            DbEvent::AcquireTimeout { db, session, gen } => {
                let di = db as usize;
                let d = &mut self.databases[di];
                let Some(s) = d.session(session, Some(gen)) else {
                    return;
                };
                if s.has_connection {
                    return;
                }
                let (node, r, w) = (s.node as usize, s.req, s.weight);
                let n = &mut d.nodes[node];
                n.waiting.retain(|&x| x != session);
                let g = n.m.waiting;
                let c = d.m.acquire_timeouts;
                d.close(session);
                self.metrics.shift(g, now, -1.0);
                self.metrics.add(c, w as f64);
                if self.requests.get(r).is_some() {
                    self.finish(r, Outcome::Error);
                }
            }
            DbEvent::Ship { db, node } => {
                let (di, ni) = (db as usize, node as usize);
                let n = &mut self.databases[di].nodes[ni];
                let (commit_us, cpu_us) = n.shipping.pop_front().expect("a write in transit");
                if n.active {
                    n.cpu.submit(now, cpu_us, DbJob::Replay(commit_us));
                    self.db_node_changed(di, ni);
                }
            }
        }
    }

    fn db_query_done(&mut self, di: usize, slot: u32) {
        let now = self.now;
        let d = &mut self.databases[di];
        let s = d.session(slot, None).expect("open session");
        let q = s.access.query(s.next);
        let (node, w, started, h) = (
            s.node as usize,
            s.weight as f64,
            s.query_start_us,
            s.handler,
        );
        s.next += 1;
        let more = s.next < s.access.queries();
        let m = d.m.clone();
        self.metrics.add(m.queries, w);
        self.metrics
            .add(if q.write { m.writes } else { m.reads }, w);
        self.metrics.add(m.rows_read, q.rows_read * w);
        self.metrics.record(m.query, now - started, w as u32);
        let st = self.db_stmt_metrics(di, h);
        self.metrics.add(st.calls, w);
        self.metrics.add(st.rows_read, q.rows_read * w);
        self.metrics.record(st.time, now - started, w as u32);
        let d = &mut self.databases[di];
        if q.write && node == 0 {
            let replay_us = q.cpu_us * w * d.spec.replay_factor;
            let ship = d.spec.ship_us;
            for (i, n) in d.nodes.iter_mut().enumerate() {
                if n.role == Role::Replica && n.active {
                    n.shipping.push_back((now, replay_us));
                    let ev = DbEvent::Ship {
                        db: di as u16,
                        node: i as u16,
                    };
                    self.queue.push(now + ship, Event::Db(ev));
                }
            }
        }
        if more {
            self.db_send_query(di, slot);
            return;
        }
        let s = self.databases[di].close(slot);
        self.metrics.add(m.fetches, w);
        self.metrics
            .add(m.fetch_queries, s.access.queries() as f64 * w);
        self.db_release_connection(di, node);
        if let Some(req) = self.requests.get_mut(s.req) {
            req.step += 1;
            self.run_steps(s.req);
        }
    }

    /// Registers the per-statement series of `handler` on `db` now, so that
    /// charts find them before the first query (they appear on first use anyway).
    pub fn db_track_statement(&mut self, db: u32, handler: u32) {
        self.db_stmt_metrics(db as usize, handler);
    }

    /// The per-statement series of handler `h`, registered on first use.
    fn db_stmt_metrics(&mut self, di: usize, h: u32) -> StmtMetrics {
        let d = &mut self.databases[di];
        if d.stmts.len() <= h as usize {
            d.stmts.resize(h as usize + 1, None);
        }
        if let Some(m) = d.stmts[h as usize] {
            return m;
        }
        let p = format!("{}.stmt.{}", d.spec.name, self.handlers[h as usize].name);
        let m = StmtMetrics {
            calls: self.metrics.counter(&format!("{p}.calls")),
            rows_read: self.metrics.counter(&format!("{p}.rows_read")),
            time: self.metrics.latency(&format!("{p}.time")),
        };
        self.databases[di].stmts[h as usize] = Some(m);
        m
    }

    fn db_release_connection(&mut self, di: usize, node: usize) {
        let now = self.now;
        let n = &mut self.databases[di].nodes[node];
        if let Some(next) = n.waiting.pop_front() {
            // The connection passes straight to the oldest waiter.
            n.connections_busy -= 1;
            let g = n.m.waiting;
            self.metrics.shift(g, now, -1.0);
            let g = self.databases[di].nodes[node].m.connections;
            self.metrics.shift(g, now, -1.0);
            self.db_grant_connection(di, next);
        } else {
            n.connections_busy -= 1;
            let g = n.m.connections;
            self.metrics.shift(g, now, -1.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::orm::Query;
    use crate::sim::*;

    /// A service whose one handler runs `access`, fed by `rate_rps` clients.
    fn world(db: DatabaseSpec, slots: u32, access: DataAccess, rate_rps: f64) -> World {
        let mut w = World::new(1, WorldConfig::default());
        w.add_database(db, slots);
        let s = w.add_service(ServiceSpec::new("app", 1, 1_000));
        let h = w.add_handler(Handler {
            name: "h".into(),
            service: s,
            pool: 0,
            steps: vec![Step::Db(access)],
        });
        w.add_client(ClientSpec::new("c", rate_rps, s, h));
        w
    }

    #[test]
    fn n_plus_one_pays_one_round_trip_per_query() {
        let db = DatabaseSpec::new("db", 8).rtt_us(3 * MS);
        let a = DataAccess::n_plus_one(0, Query::read(0.1, 100.0), Query::read(0.1, 1.0), 100);
        let mut w = world(db, 0, a, 1.0);
        w.step(60 * SEC);
        let h = w.metrics.series_histogram("app.latency").unwrap();
        let p50_ms = h.quantile(0.5).unwrap() / 1e3;
        assert!((p50_ms - 101.0 * 3.1).abs() < 8.0, "{p50_ms}");
        let per_fetch =
            w.metrics.counter_total("db.fetch_queries") / w.metrics.counter_total("db.fetches");
        assert_eq!(per_fetch, 101.0);
        let calls = w.metrics.counter_total("db.stmt.h.calls");
        assert_eq!(calls, w.metrics.counter_total("db.queries"));
        let rows = w.metrics.counter_total("db.stmt.h.rows_read");
        assert_eq!(rows, w.metrics.counter_total("db.rows_read"));
        assert!(w.ledger().balances());
    }

    #[test]
    fn cpu_utilisation_is_offered_load_over_cores() {
        // 400 queries/s × 10 ms on 8 cores: 50 % busy.
        let db = DatabaseSpec::new("db", 8);
        let mut w = world(db, 0, DataAccess::one(0, Query::read(10.0, 1.0)), 400.0);
        w.step(300 * SEC);
        let util = w
            .metrics
            .gauge_time_mean("db.primary.cpu", w.now())
            .unwrap();
        assert!((util - 0.5).abs() < 0.02, "{util}");
    }

    #[test]
    fn a_full_pool_makes_requests_wait_then_fail_after_the_acquire_timeout() {
        // One connection, queries of 100 ms, 20 per second: most must wait.
        let db = DatabaseSpec::new("db", 8)
            .max_connections(1)
            .acquire_timeout_us(500 * MS);
        let mut w = world(db, 0, DataAccess::one(0, Query::read(100.0, 1.0)), 20.0);
        w.step(60 * SEC);
        let l = w.ledger();
        assert!(l.failed > l.succeeded, "{l:?}");
        assert!(w.metrics.counter_total("db.acquire_timeouts") > 0.0);
        let waited = w.metrics.series_histogram("db.connection_wait").unwrap();
        assert!(waited.quantile(0.9).unwrap() > 100_000.0);
        assert!(w.databases[0].nodes[0].connections_busy <= 1);
    }

    #[test]
    fn replicas_take_the_reads_and_replay_the_writes_with_lag() {
        let mut db = DatabaseSpec::new("db", 4).replicas(2);
        db.ship_us = 20 * MS;
        let mut w = World::new(3, WorldConfig::default());
        let d = w.add_database(db, 3);
        let s = w.add_service(ServiceSpec::new("app", 1, 1_000));
        let read = w.add_handler(Handler {
            name: "read".into(),
            service: s,
            pool: 0,
            steps: vec![Step::Db(DataAccess::one(d, Query::read(5.0, 1.0)))],
        });
        let write = w.add_handler(Handler {
            name: "write".into(),
            service: s,
            pool: 0,
            steps: vec![Step::Db(DataAccess::one(d, Query::write(5.0, 1.0)))],
        });
        w.add_client(ClientSpec::new("r", 360.0, s, read));
        w.add_client(ClientSpec::new("w", 40.0, s, write));
        w.step(120 * SEC);
        let now = w.now();
        let cpu = |n: &str| {
            w.metrics
                .gauge_time_mean(&format!("db.{n}.cpu"), now)
                .unwrap()
        };
        // Primary: writes only, 40 × 5 ms / 4 cores = 5 %.
        assert!((cpu("primary") - 0.05).abs() < 0.01, "{}", cpu("primary"));
        // Each replica: half the reads (22.5 %) plus replay (0.3 × 5 %).
        assert!((cpu("replica1") - 0.24).abs() < 0.03, "{}", cpu("replica1"));
        assert_eq!(cpu("replica3"), 0.0);
        let lag = w.metrics.series_histogram("db.replication_lag").unwrap();
        let lag_ms = lag.quantile(0.5).unwrap() / 1e3;
        assert!((20.0..25.0).contains(&lag_ms), "{lag_ms}");
        // A third replica added live starts taking reads.
        w.db_set_replicas(d, 3);
        w.step(180 * SEC);
        assert!(
            w.metrics
                .gauge_time_mean("db.replica3.cpu", w.now())
                .unwrap()
                > 0.02
        );
    }

    #[test]
    fn more_cores_relieve_a_saturated_database() {
        // 500 × 10 ms = 5 cores of work on 4: the queue grows; on 8 it does not.
        let db = DatabaseSpec::new("db", 4);
        let mut w = world(db, 0, DataAccess::one(0, Query::read(10.0, 1.0)), 500.0);
        w.step(30 * SEC);
        let backlog = w.requests_alive();
        assert!(backlog > 500, "{backlog}");
        w.db_set_cores(0, 8);
        w.step(90 * SEC);
        assert!(w.requests_alive() < 100, "{}", w.requests_alive());
    }
}
