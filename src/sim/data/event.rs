//! What the data parts wait for: database round trips and CPU, lock waits,
//! broker deliveries, cache answers, replication and change capture.

use crate::sim::kernel::ids::{ChangeCaptureId, ReplicatedStoreId, TopicId};
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::time::Micros;

/// A moment a data part waits for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum DataEvent {
    /// Something a database waits for (`db_flow.rs`).
    Db(DbEvent),
    /// A request's row-lock wait that began at the given time reached the lock
    /// table's wait timeout (`locks.rs`).
    LockWaitTimeout(ReqRef, Micros),
    /// A broker topic may have a message due for delivery (`broker.rs`).
    BrokerPoll { topic: TopicId },
    /// A cache command's answer reaches the request, which skips `skip` steps
    /// (`cache_flow.rs`).
    CacheReply { req: ReqRef, skip: u16 },
    /// Something a replicated store waits for (`replicated_flow.rs`).
    Replica(ReplicaEvent),
    /// Something a change data capture waits for (`cdc_flow.rs`).
    Capture(CaptureEvent),
}

/// Something a change data capture is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CaptureEvent {
    /// Sink task `task` applied its batch to the destination.
    Applied { capture: ChangeCaptureId, task: u16 },
    /// A change on the capture's log may have become fetchable.
    Poll { capture: ChangeCaptureId },
}

/// Something a replicated store is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReplicaEvent {
    /// The current phase of the two-phase transaction in `slot` is over
    /// (every answer came, or the timeout passed).
    PhaseEnd { store: ReplicatedStoreId, slot: u32 },
    /// A consumer of node `node`'s group finished an attempt at its batch.
    Applied {
        store: ReplicatedStoreId,
        node: u16,
        consumer: u16,
    },
    /// A record of the store's log may have become fetchable.
    Poll { store: ReplicatedStoreId },
}

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
