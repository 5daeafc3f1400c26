//! How client populations' requests ended over a span, from their outcome
//! counters (`CLIENT.ok`, `.error`, `.rejected`, `.timed_out`). Each counter
//! adds the same weights as the population's ledger, so over the whole run
//! these are the ledger's counts exactly, and since a change they are the
//! requests that ended since.

use super::{client_series, ENDED};
use crate::sim::kernel::metrics::Span;

/// Requests ended over a span, by outcome (weighted, whole numbers).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Outcomes {
    pub ok: f64,
    pub error: f64,
    pub rejected: f64,
    pub timed_out: f64,
}

impl Outcomes {
    /// The outcomes of `clients`' requests over span `v`, added together.
    pub fn of(v: &Span, clients: &[&str]) -> Outcomes {
        let mut n = [0.0; 4];
        // Client by client, each one's counters in `ENDED` order.
        for (i, name) in client_series(clients, &ENDED).iter().enumerate() {
            n[i % ENDED.len()] += v.counter_total(name);
        }
        let [ok, error, rejected, timed_out] = n;
        Outcomes {
            ok,
            error,
            rejected,
            timed_out,
        }
    }

    /// Requests that ended, in any way.
    pub fn ended(&self) -> f64 {
        self.ok + self.error + self.rejected + self.timed_out
    }

    /// Requests that ended without success.
    pub fn failed(&self) -> f64 {
        self.error + self.rejected + self.timed_out
    }

    /// Share of ended requests that did not succeed, if any ended.
    pub fn failure_rate(&self) -> Option<f64> {
        let e = self.ended();
        (e > 0.0).then(|| (e - self.ok) / e)
    }

    /// Share of ended requests that timed out, if any ended.
    pub fn timeout_rate(&self) -> Option<f64> {
        let e = self.ended();
        (e > 0.0).then(|| self.timed_out / e)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_series::{counted, whole};
    use super::*;

    #[test]
    fn outcomes_add_up_each_clients_counters() {
        let m = counted(&[
            ("a.ok", &[3.0, 3.0]),
            ("a.error", &[1.0, 0.0]),
            ("a.timed_out", &[0.0, 1.0]),
            ("b.ok", &[2.0, 0.0]),
            ("b.rejected", &[0.0, 2.0]),
        ]);
        let m = whole(&m);
        let o = Outcomes::of(&m, &["a", "b"]);
        assert_eq!(
            (o.ok, o.error, o.rejected, o.timed_out),
            (8.0, 1.0, 2.0, 1.0)
        );
        assert_eq!((o.ended(), o.failed()), (12.0, 4.0));
        assert_eq!(o.failure_rate(), Some(4.0 / 12.0));
        assert_eq!(o.timeout_rate(), Some(1.0 / 12.0));
        assert_eq!(Outcomes::of(&m, &["nobody"]).failure_rate(), None);
    }
}
