//! What the data parts wait for: database round trips and CPU, lock waits,
//! broker deliveries, cache answers.

use crate::sim::data::db_flow::DbEvent;
use crate::sim::kernel::ids::TopicId;
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;

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
}

impl World {
    pub(crate) fn on_data_event(&mut self, e: DataEvent) {
        match e {
            DataEvent::Db(e) => self.on_db_event(e),
            DataEvent::LockWaitTimeout(r, since) => self.on_lock_wait_timeout(r, since),
            DataEvent::BrokerPoll { topic } => self.on_broker_poll(topic),
            DataEvent::CacheReply { req, skip } => self.on_cache_reply(req, skip),
        }
    }
}
