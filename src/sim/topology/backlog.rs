//! A full accept backlog: what happens to a connection that finds no room.
//!
//! A pod's pool that declares no queue bound has the kernel's accept backlog
//! ([`DEFAULT_QUEUE_CAP`](super::service::DEFAULT_QUEUE_CAP)). When that
//! backlog is full, Linux (with `tcp_abort_on_overflow` at its default, 0)
//! does not refuse the connection: it drops the SYN, counts a
//! `ListenOverflows`, and the client's kernel sends the SYN again after its
//! retransmission timeout, 1 s at first and doubling each time. After
//! `tcp_syn_retries` (6) retransmissions, 127 s in all, `connect` fails with
//! `ETIMEDOUT`. So a caller that meets a hung service with a full backlog is
//! not told "no" quickly: it waits, and usually its own timeout ends the wait
//! first. That wait is what turns one hung dependency into threads held
//! upstream (cascading-failure).
//!
//! Who meets the backlog:
//! - a service calling another service's pods directly (`Origin::Call`): its
//!   attempt is dropped and retransmitted here;
//! - a client's request comes through the load balancer in front of the pods,
//!   which answers at once when the chosen pod cannot take it (Envoy's pending
//!   request overflow, an ALB's 503): a rejection, as before;
//! - a broker's delivery or a call kept in its caller's pod is refused at once.
//!
//! A dropped attempt keeps its request alive and nothing else: it holds no
//! worker, no place in a queue and no pod. When its caller gives up (timeout,
//! or the caller's pod died) the next retransmission finds it detached and
//! forgets it, so the number waiting is bounded by the callers' own workers.

use crate::sim::kernel::time::Micros;

/// Linux's initial SYN retransmission timeout (`TCP_TIMEOUT_INIT`, 1 s).
pub const SYN_RTO_US: Micros = 1_000_000;

/// Linux's default `net.ipv4.tcp_syn_retries`: retransmissions before
/// `connect` gives up (after 1 + 2 + 4 + 8 + 16 + 32 + 64 = 127 s).
pub const SYN_RETRIES: u8 = 6;

/// How long after the `sent`-th retransmission (0: the first SYN) the next
/// one goes, or, after the last, `connect` gives up: 1 s, doubling.
pub fn syn_wait_us(sent: u8) -> Micros {
    SYN_RTO_US << sent.min(SYN_RETRIES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_gives_up_after_127_seconds_as_linux_does() {
        let total: Micros = (0..=SYN_RETRIES).map(syn_wait_us).sum();
        assert_eq!(total, 127_000_000);
        assert_eq!(syn_wait_us(0), 1_000_000);
        assert_eq!(syn_wait_us(5), 32_000_000);
    }
}
