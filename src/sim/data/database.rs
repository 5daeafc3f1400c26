//! A relational database: a primary and read replicas, each a node with its own
//! CPU and connection pool.
//!
//! What a query experiences, in order:
//! 1. the connection pool of the node it is routed to (`max_connections` per
//!    node; when all are taken the request waits in FIFO order, up to
//!    `acquire_timeout`, like HikariCP or PgBouncer);
//! 2. a network round trip (`rtt`) per query;
//! 3. its CPU on the node's cores under processor sharing ([`Cpu`]): with `k`
//!    cores and `n` statements running, each progresses at `min(1, k/n)`. So a
//!    busy database slows every query down, smoothly, and its utilisation is a
//!    metric (`NAME.NODE.cpu`, busy cores / cores).
//!
//! Routing: a data access that writes goes to the primary; a read-only one goes
//! to the least-loaded active replica when `read_from_replicas` is on and a
//! replica exists, else to the primary. Replication: every committed write is
//! shipped to each active replica (`ship` delay) and replayed there, costing
//! `replay_factor` × its CPU; the time from commit to replay is the replication
//! lag (`NAME.replication_lag`), which grows when a replica's CPU is saturated.
//!
//! Per statement, like `pg_stat_statements`: every handler that queries the
//! database gets `NAME.stmt.HANDLER.calls`, `.rows_read` (counters) and
//! `.time` (query latency: round trip plus CPU), registered on first use.
//!
//! The glue that moves requests through a database lives in `db_flow.rs`.

use crate::sim::kernel::decimal::trimmed;
use crate::sim::kernel::ids::HandlerId;
use std::collections::VecDeque;

use crate::sim::capacity::cpu::{Cpu, Discipline};
use crate::sim::data::orm::DataAccess;
use crate::sim::kernel::metrics::{CounterId, GaugeId, LatencyId, Metrics};
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::time::{Micros, MS};

/// A database as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseSpec {
    /// Name, unique in the world; prefix of its metrics (`"db"`).
    pub name: String,
    /// vCPUs of every node.
    pub cores: u32,
    /// Read replicas at the start.
    pub replicas: u32,
    /// Connections per node.
    pub max_connections: u32,
    /// Network round trip of one query (its mean when `rtt_spread` is set).
    pub rtt_us: Micros,
    /// Shape of the round trip's log-normal spread around its mean
    /// ([`SimRng::spread`](crate::sim::kernel::rng::SimRng::spread)); 0: constant.
    pub rtt_spread: f64,
    /// How long a request waits for a connection before failing; `None` waits for ever.
    pub acquire_timeout_us: Option<Micros>,
    /// Whether read-only data access goes to replicas.
    pub read_from_replicas: bool,
    /// Delay before a replica receives a committed write.
    pub ship_us: Micros,
    /// Replica CPU to replay a write, as a share of the write's CPU on the primary.
    pub replay_factor: f64,
}

impl DatabaseSpec {
    /// A primary of `cores` vCPUs and 100 connections, 1 ms round trips, no replica.
    pub fn new(name: &str, cores: u32) -> Self {
        DatabaseSpec {
            name: name.to_string(),
            cores,
            replicas: 0,
            max_connections: 100,
            rtt_us: MS,
            rtt_spread: 0.0,
            acquire_timeout_us: None,
            read_from_replicas: true,
            ship_us: 5 * MS,
            replay_factor: 0.3,
        }
    }

    /// Sets the number of read replicas.
    pub fn replicas(mut self, n: u32) -> Self {
        self.replicas = n;
        self
    }

    /// Sets the connections per node.
    pub fn max_connections(mut self, n: u32) -> Self {
        assert!(n >= 1, "a pool needs a connection");
        self.max_connections = n;
        self
    }

    /// Sets the round trip per query.
    pub fn rtt_us(mut self, t: Micros) -> Self {
        self.rtt_us = t;
        self
    }

    /// Lets each round trip vary around `rtt_us` (log-normal of shape `sigma`,
    /// same mean): drivers, kernels and networks do not answer like clocks.
    pub fn rtt_spread(mut self, sigma: f64) -> Self {
        assert!(
            sigma.is_finite() && sigma >= 0.0,
            "bad spread {}",
            trimmed(sigma, 6)
        );
        self.rtt_spread = sigma;
        self
    }

    /// Sets how long a request waits for a connection.
    pub fn acquire_timeout_us(mut self, t: Micros) -> Self {
        self.acquire_timeout_us = Some(t);
        self
    }
}

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Takes writes and (without replicas) reads.
    Primary,
    /// Takes reads; replays the primary's writes.
    Replica,
}

/// Work on a node's CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbJob {
    /// A query of the session with this slot.
    Query(u32),
    /// Replaying a write committed on the primary at this time.
    Replay(Micros),
}

#[derive(Clone, Debug)]
pub(crate) struct NodeMetrics {
    pub cpu: GaugeId,
    pub connections: GaugeId,
    pub waiting: GaugeId,
}

/// One server of the database.
#[derive(Clone, Debug)]
pub struct DbNode {
    /// Primary or replica.
    pub role: Role,
    /// A removed replica takes no new sessions and no new writes to replay.
    pub active: bool,
    /// Its cores (processor sharing).
    pub cpu: Cpu<DbJob>,
    /// Connections in use.
    pub connections_busy: u32,
    /// Sessions waiting for a connection, oldest first.
    pub waiting: VecDeque<u32>,
    /// Writes on their way to this replica, oldest first: (commit time, replay CPU µs).
    pub(crate) shipping: VecDeque<(Micros, f64)>,
    pub(crate) m: NodeMetrics,
}

impl DbNode {
    /// Sessions on or waiting for this node: the routing load measure.
    pub fn load(&self) -> u32 {
        self.connections_busy + self.waiting.len() as u32
    }
}

/// One request's use of the database for one data-access step.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub req: ReqRef,
    /// The handler whose step this is (for per-statement series).
    pub handler: HandlerId,
    pub access: DataAccess,
    pub node: u16,
    /// Index of the query being sent or run.
    pub next: u32,
    pub weight: u32,
    pub waiting_since_us: Micros,
    pub query_start_us: Micros,
    pub has_connection: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct DbMetrics {
    pub queries: CounterId,
    pub reads: CounterId,
    pub writes: CounterId,
    pub rows_read: CounterId,
    pub fetches: CounterId,
    pub fetch_queries: CounterId,
    pub acquire_timeouts: CounterId,
    pub query: LatencyId,
    pub connection_wait: LatencyId,
    pub replication_lag: LatencyId,
}

/// Series of one statement (one handler's data access).
#[derive(Clone, Copy, Debug)]
pub(crate) struct StmtMetrics {
    pub calls: CounterId,
    pub rows_read: CounterId,
    pub time: LatencyId,
}

/// A database's live state.
#[derive(Clone, Debug)]
pub struct Database {
    /// The declaration (cores and replicas change with scaling).
    pub spec: DatabaseSpec,
    /// Node 0 is the primary; replicas follow, slots stable.
    pub nodes: Vec<DbNode>,
    /// Sessions by slot; `None` slots are free.
    pub(crate) sessions: Vec<Option<(u32, Session)>>,
    pub(crate) free: Vec<u32>,
    pub(crate) generation: u32,
    /// Where the next tie-break among replicas starts.
    rr_next: usize,
    /// Per-statement series by handler index, registered on first use.
    pub(crate) stmts: Vec<Option<StmtMetrics>>,
    pub(crate) m: DbMetrics,
}

/// Name of node `i` in metrics: `primary`, `replica1`, `replica2`, …
pub fn node_name(i: usize) -> String {
    if i == 0 {
        "primary".into()
    } else {
        format!("replica{i}")
    }
}

impl Database {
    /// Session slots in use (a slot is reused once its session ends).
    pub fn sessions_held(&self) -> usize {
        self.sessions.iter().filter(|s| s.is_some()).count()
    }

    /// A database with its metrics registered in `m`.
    pub(crate) fn new(spec: DatabaseSpec, m: &mut Metrics, now: Micros) -> Self {
        assert!(spec.cores >= 1 && spec.max_connections >= 1);
        let n = &spec.name;
        let dm = DbMetrics {
            queries: m.counter(&format!("{n}.queries")),
            reads: m.counter(&format!("{n}.reads")),
            writes: m.counter(&format!("{n}.writes")),
            rows_read: m.counter(&format!("{n}.rows_read")),
            fetches: m.counter(&format!("{n}.fetches")),
            fetch_queries: m.counter(&format!("{n}.fetch_queries")),
            acquire_timeouts: m.counter(&format!("{n}.acquire_timeouts")),
            query: m.latency(&format!("{n}.query")),
            connection_wait: m.latency(&format!("{n}.connection_wait")),
            replication_lag: m.latency(&format!("{n}.replication_lag")),
        };
        let mut db = Database {
            nodes: Vec::new(),
            sessions: Vec::new(),
            free: Vec::new(),
            generation: 0,
            rr_next: 0,
            stmts: Vec::new(),
            m: dm,
            spec,
        };
        db.add_node(Role::Primary, m, now);
        for _ in 0..db.spec.replicas {
            db.add_node(Role::Replica, m, now);
        }
        db
    }

    pub(crate) fn add_node(&mut self, role: Role, m: &mut Metrics, now: Micros) {
        let name = format!("{}.{}", self.spec.name, node_name(self.nodes.len()));
        self.nodes.push(DbNode {
            role,
            active: true,
            cpu: Cpu::new(self.spec.cores, Discipline::ProcessorSharing),
            connections_busy: 0,
            waiting: VecDeque::new(),
            shipping: VecDeque::new(),
            m: NodeMetrics {
                cpu: m.gauge(&format!("{name}.cpu"), now, 0.0),
                connections: m.gauge(&format!("{name}.connections"), now, 0.0),
                waiting: m.gauge(&format!("{name}.waiting"), now, 0.0),
            },
        });
    }

    /// Active replicas.
    pub fn replicas_active(&self) -> u32 {
        self.nodes
            .iter()
            .filter(|n| n.role == Role::Replica && n.active)
            .count() as u32
    }

    /// The node a data access goes to: the primary for writes, else the active
    /// replica with the fewest sessions (ties taken in turn).
    pub fn route(&mut self, access: &DataAccess) -> usize {
        if access.writes() || !self.spec.read_from_replicas {
            return 0;
        }
        let n = self.nodes.len();
        let start = self.rr_next;
        let best = (0..n)
            .map(|k| (start + k) % n)
            .filter(|&i| self.nodes[i].role == Role::Replica && self.nodes[i].active)
            .min_by_key(|&i| self.nodes[i].load());
        match best {
            Some(i) => {
                self.rr_next = (i + 1) % n;
                i
            }
            None => 0,
        }
    }

    /// Stores a session; returns its slot and generation.
    pub(crate) fn open(&mut self, s: Session) -> (u32, u32) {
        self.generation = self.generation.wrapping_add(1);
        let g = self.generation;
        match self.free.pop() {
            Some(i) => {
                self.sessions[i as usize] = Some((g, s));
                (i, g)
            }
            None => {
                self.sessions.push(Some((g, s)));
                (self.sessions.len() as u32 - 1, g)
            }
        }
    }

    /// The session in slot `i`, if its generation is `g` (any generation if `None`).
    pub(crate) fn session(&mut self, i: u32, g: Option<u32>) -> Option<&mut Session> {
        match self.sessions.get_mut(i as usize)? {
            Some((sg, s)) if g.is_none_or(|g| g == *sg) => Some(s),
            _ => None,
        }
    }

    /// Frees slot `i`.
    pub(crate) fn close(&mut self, i: u32) -> Session {
        let (_, s) = self.sessions[i as usize].take().expect("open session");
        self.free.push(i);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::data::orm::Query;
    use crate::sim::kernel::ids::DatabaseId;

    #[test]
    fn writes_go_to_the_primary_reads_to_the_least_loaded_replica() {
        let mut m = Metrics::new(MS, 10);
        let mut db = Database::new(DatabaseSpec::new("db", 4).replicas(2), &mut m, 0);
        let read = DataAccess::one(DatabaseId::new(0), Query::read(1.0, 1.0));
        let write = DataAccess::one(DatabaseId::new(0), Query::write(1.0, 1.0));
        assert_eq!(db.route(&write), 0);
        assert_eq!(db.route(&read), 1);
        assert_eq!(db.route(&read), 2);
        db.nodes[1].connections_busy = 3;
        assert_eq!(db.route(&read), 2);
        db.nodes[2].active = false;
        assert_eq!(db.route(&read), 1);
        db.spec.read_from_replicas = false;
        assert_eq!(db.route(&read), 0);
        assert!(m.series("db.replica2.cpu").is_some());
    }

    #[test]
    fn session_slots_are_reused_and_stale_generations_rejected() {
        let mut m = Metrics::new(MS, 10);
        let mut db = Database::new(DatabaseSpec::new("db", 1), &mut m, 0);
        let s = Session {
            req: ReqRef { idx: 0, gen: 0 },
            handler: HandlerId::new(0),
            access: DataAccess::one(DatabaseId::new(0), Query::read(1.0, 1.0)),
            node: 0,
            next: 0,
            weight: 1,
            waiting_since_us: 0,
            query_start_us: 0,
            has_connection: false,
        };
        let (i, g) = db.open(s.clone());
        db.close(i);
        let (j, g2) = db.open(s);
        assert_eq!(i, j);
        assert!(db.session(i, Some(g)).is_none());
        assert!(db.session(j, Some(g2)).is_some());
    }
}
