//! The world's side of [`backlog`](super::backlog): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::backlog::*;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::request::{Origin, Outcome, ReqRef};
use crate::sim::kernel::world::World;
use crate::sim::topology::event::TopologyEvent;

impl World {
    /// A full backlog dropped the connection attempt of `r` (`sent`
    /// retransmissions so far): its caller's kernel tries again later.
    pub(crate) fn drop_syn(&mut self, r: ReqRef, sent: u8) {
        let at = self.kernel.now + syn_wait_us(sent);
        self.kernel
            .schedule(at, Event::Topology(TopologyEvent::SynRetry(r, sent + 1)));
    }

    /// The `sent`-th retransmission of a dropped connection attempt: forgotten
    /// if its caller has given up, `ETIMEDOUT` after the last, else another
    /// knock on the backlog.
    pub(crate) fn on_syn_retry(&mut self, r: ReqRef, sent: u8) {
        let Some(req) = self.kernel.requests.get(r) else {
            return;
        };
        if matches!(req.origin, Origin::Detached) {
            // It never got in: nothing held, nothing to answer.
            self.kernel.requests.remove(r);
        } else if sent > SYN_RETRIES {
            self.finish(r, Outcome::TimedOut);
        } else {
            self.admit(r, sent);
        }
    }
}
