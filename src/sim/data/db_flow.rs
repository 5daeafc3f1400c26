//! How a request's data-access step moves through a [`Database`]: connection,
//! round trip, CPU, next query, release; and how writes reach the replicas.
//!
//! The request keeps its worker (and its place in its handler) for the whole
//! step; it carries on with its next step when the last query is answered, or
//! fails if no connection frees up within the acquire timeout. A request whose
//! client gave up is still served: the database does not know.

use crate::sim::data::database::{Database, DatabaseSpec, DbJob, Role, Session, StmtMetrics};
use crate::sim::data::event::{DataEvent, DbEvent};
use crate::sim::data::orm::DataAccess;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::DatabaseId;
use crate::sim::kernel::ids::HandlerId;
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;

impl World {
    /// Adds a database; returns its index. Node slots for up to `replica_slots`
    /// replicas are made now (inactive beyond `spec.replicas`) so that their
    /// series exist from the start and replicas can be added while running.
    pub fn add_database(&mut self, spec: DatabaseSpec, replica_slots: u32) -> DatabaseId {
        assert!(
            self.data.databases.iter().all(|d| d.spec.name != spec.name),
            "database '{}' added twice",
            spec.name
        );
        let active = spec.replicas;
        let mut s = spec;
        s.replicas = active.max(replica_slots);
        let mut db = Database::new(s, &mut self.kernel.metrics, self.kernel.now);
        for (i, n) in db.nodes.iter_mut().enumerate() {
            n.active = i as u32 <= active;
        }
        db.spec.replicas = active;
        self.data.databases.push(db);
        DatabaseId::new(self.data.databases.len() - 1)
    }

    /// Index of the database called `name`.
    pub fn database_index(&self, name: &str) -> Option<DatabaseId> {
        self.data
            .databases
            .iter()
            .position(|d| d.spec.name == name)
            .map(DatabaseId::new)
    }

    /// Resizes every node of `db` to `cores` vCPUs from now on (vertical scaling;
    /// the lab skips the failover a real resize needs).
    pub fn db_set_cores(&mut self, db: DatabaseId, cores: u32) {
        let now = self.kernel.now;
        let d = &mut self.data.databases[db.index()];
        d.spec.cores = cores;
        for n in &mut d.nodes {
            n.cpu.set_cores(now, cores);
        }
        for node in 0..d.nodes.len() {
            self.db_node_changed(db.index(), node);
        }
    }

    /// Sets the number of active read replicas (at most the slots made by
    /// `add_database`). A removed replica takes no new reads and finishes what it has.
    pub fn db_set_replicas(&mut self, db: DatabaseId, replicas: u32) {
        let d = &mut self.data.databases[db.index()];
        let slots = d.nodes.len() as u32 - 1;
        let n = replicas.min(slots);
        for (i, node) in d.nodes.iter_mut().enumerate().skip(1) {
            node.active = i as u32 <= n;
        }
        d.spec.replicas = n;
    }

    /// Whether read-only data access goes to replicas.
    pub fn db_set_read_from_replicas(&mut self, db: DatabaseId, on: bool) {
        self.data.databases[db.index()].spec.read_from_replicas = on;
    }

    /// Starts a data-access step for request `r`.
    pub(crate) fn begin_data_access(&mut self, r: ReqRef, mut access: DataAccess) {
        let now = self.kernel.now;
        if access.then_count > 0 && access.count_spread > 0.0 {
            let n = access.then_count as f64 * self.kernel.rng.spread(access.count_spread);
            access.then_count = n.round().clamp(1.0, u32::MAX as f64) as u32;
        }
        let req = self.kernel.requests.get(r).expect("alive");
        let (weight, handler) = (req.weight, req.handler);
        let di = access.db.index();
        let d = &mut self.data.databases[di];
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
            self.kernel.metrics.shift(g, now, 1.0);
            if let Some(t) = d.spec.acquire_timeout_us {
                let db = di as u16;
                let ev = DbEvent::AcquireTimeout {
                    db,
                    session: slot,
                    gen,
                };
                self.kernel
                    .schedule(now + t, Event::Data(DataEvent::Db(ev)));
            }
        }
    }

    /// Gives session `slot` a connection of its node and sends its first query.
    fn db_grant_connection(&mut self, di: usize, slot: u32) {
        let now = self.kernel.now;
        let d = &mut self.data.databases[di];
        let s = d.session(slot, None).expect("open session");
        s.has_connection = true;
        let (node, waited, w) = (s.node as usize, now - s.waiting_since_us, s.weight);
        let n = &mut d.nodes[node];
        n.connections_busy += 1;
        let (g, lat) = (n.m.connections, d.m.connection_wait);
        self.kernel.metrics.shift(g, now, 1.0);
        self.kernel.metrics.record(lat, waited, w);
        self.db_send_query(di, slot);
    }

    fn db_send_query(&mut self, di: usize, slot: u32) {
        let now = self.kernel.now;
        let d = &mut self.data.databases[di];
        let rtt = spread_us(d.spec.rtt_us, d.spec.rtt_spread, &mut self.kernel.rng);
        d.session(slot, None).expect("open session").query_start_us = now;
        let ev = DbEvent::RoundTrip {
            db: di as u16,
            session: slot,
        };
        self.kernel
            .schedule(now + rtt, Event::Data(DataEvent::Db(ev)));
    }

    /// Publishes a node's CPU gauge and (re)arms its next completion.
    fn db_node_changed(&mut self, di: usize, node: usize) {
        let n = &mut self.data.databases[di].nodes[node];
        let util = n.cpu.busy_cores() / n.cpu.cores() as f64;
        let g = n.m.cpu;
        let armed = n.cpu.arm();
        self.kernel.metrics.set(g, self.kernel.now, util);
        if let Some((t, token)) = armed {
            let ev = DbEvent::Cpu {
                db: di as u16,
                node: node as u16,
                token,
            };
            self.kernel.schedule(t, Event::Data(DataEvent::Db(ev)));
        }
    }

    pub(crate) fn on_db_event(&mut self, e: DbEvent) {
        let now = self.kernel.now;
        match e {
            DbEvent::RoundTrip { db, session } => {
                let d = &mut self.data.databases[db as usize];
                let s = d.session(session, None).expect("open session");
                let q = s.access.query(s.next);
                let (node, w) = (s.node as usize, s.weight);
                let cpu_us = q.cpu_us * self.kernel.rng.spread(q.cpu_spread);
                // A weighted statement is `w` real ones side by side.
                d.nodes[node]
                    .cpu
                    .submit_shares(now, cpu_us, w, DbJob::Query(session));
                self.db_node_changed(db as usize, node);
            }
            DbEvent::Cpu { db, node, token } => {
                let (di, ni) = (db as usize, node as usize);
                let n = &mut self.data.databases[di].nodes[ni];
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
                            let lag = self.data.databases[di].m.replication_lag;
                            self.kernel.metrics.record(lag, now - commit_us, 1);
                        }
                    }
                }
            }
            DbEvent::AcquireTimeout { db, session, gen } => {
                let di = db as usize;
                let d = &mut self.data.databases[di];
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
                self.kernel.metrics.shift(g, now, -1.0);
                self.kernel.metrics.add(c, w as f64);
                if self.kernel.requests.get(r).is_some() {
                    self.finish(r, Outcome::Error);
                }
            }
            DbEvent::Ship { db, node } => {
                let (di, ni) = (db as usize, node as usize);
                let n = &mut self.data.databases[di].nodes[ni];
                let (commit_us, cpu_us) = n.shipping.pop_front().expect("a write in transit");
                if n.active {
                    n.cpu.submit(now, cpu_us, DbJob::Replay(commit_us));
                    self.db_node_changed(di, ni);
                }
            }
        }
    }

    fn db_query_done(&mut self, di: usize, slot: u32) {
        let now = self.kernel.now;
        let d = &mut self.data.databases[di];
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
        self.kernel.metrics.add(m.queries, w);
        self.kernel
            .metrics
            .add(if q.write { m.writes } else { m.reads }, w);
        self.kernel.metrics.add(m.rows_read, q.rows_read * w);
        self.kernel.metrics.record(m.query, now - started, w as u32);
        let st = self.db_stmt_metrics(di, h);
        self.kernel.metrics.add(st.calls, w);
        self.kernel.metrics.add(st.rows_read, q.rows_read * w);
        self.kernel.metrics.record(st.time, now - started, w as u32);
        let d = &mut self.data.databases[di];
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
                    self.kernel
                        .schedule(now + ship, Event::Data(DataEvent::Db(ev)));
                }
            }
        }
        if more {
            self.db_send_query(di, slot);
            return;
        }
        let s = self.data.databases[di].close(slot);
        self.kernel.metrics.add(m.fetches, w);
        self.kernel
            .metrics
            .add(m.fetch_queries, s.access.queries() as f64 * w);
        self.db_release_connection(di, node);
        if let Some(req) = self.kernel.requests.get_mut(s.req) {
            req.step += 1;
            self.run_steps(s.req);
        }
    }

    /// Registers the per-statement series of `handler` on `db` now, so that
    /// charts find them before the first query (they appear on first use anyway).
    pub fn db_track_statement(&mut self, db: DatabaseId, handler: HandlerId) {
        self.db_stmt_metrics(db.index(), handler);
    }

    /// The per-statement series of handler `h`, registered on first use.
    fn db_stmt_metrics(&mut self, di: usize, h: HandlerId) -> StmtMetrics {
        let h = self.live_handler(h);
        let d = &mut self.data.databases[di];
        if d.stmts.len() <= h.index() {
            d.stmts.resize(h.index() + 1, None);
        }
        if let Some(m) = d.stmts[h.index()] {
            return m;
        }
        let p = format!(
            "{}.stmt.{}",
            d.spec.name,
            self.topology.handlers[h.index()].name
        );
        let m = StmtMetrics {
            calls: self.kernel.metrics.counter(&format!("{p}.calls")),
            rows_read: self.kernel.metrics.counter(&format!("{p}.rows_read")),
            time: self.kernel.metrics.latency(&format!("{p}.time")),
        };
        self.data.databases[di].stmts[h.index()] = Some(m);
        m
    }

    fn db_release_connection(&mut self, di: usize, node: usize) {
        let now = self.kernel.now;
        let n = &mut self.data.databases[di].nodes[node];
        if let Some(next) = n.waiting.pop_front() {
            // The connection passes straight to the oldest waiter.
            n.connections_busy -= 1;
            let g = n.m.waiting;
            self.kernel.metrics.shift(g, now, -1.0);
            let g = self.data.databases[di].nodes[node].m.connections;
            self.kernel.metrics.shift(g, now, -1.0);
            self.db_grant_connection(di, next);
        } else {
            n.connections_busy -= 1;
            let g = n.m.connections;
            self.kernel.metrics.shift(g, now, -1.0);
        }
    }
}

#[cfg(test)]
mod tests;

/// `mean_us` varied by a log-normal of shape `sigma` (exactly `mean_us` at 0).
fn spread_us(mean_us: Micros, sigma: f64, rng: &mut SimRng) -> Micros {
    if sigma == 0.0 {
        return mean_us;
    }
    (mean_us as f64 * rng.spread(sigma)).round() as Micros
}
