//! The world's side of [`keys`](super::keys): what scenarios call to add
//! and change it, and how requests and events meet it.

use crate::sim::kernel::ids::ClientId;
use crate::sim::kernel::world::World;

impl World {
    /// Draws the key of a request of population `c`.
    pub(crate) fn draw_key(&mut self, c: ClientId, weight: u32) -> u64 {
        let now = self.kernel.now;
        self.traffic.clients[c.index()]
            .keys
            .draw(now, weight, &mut self.kernel.rng)
    }

    /// Sessions active in population `c` (0 when it has no session keys).
    pub fn active_sessions(&self, c: u32) -> usize {
        self.traffic.clients[c as usize].keys.sessions()
    }
}
