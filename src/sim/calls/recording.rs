//! Which outcomes of an attempt a policy counts, as Resilience4j's exception
//! predicates do.
//!
//! An attempt ends in one [`Outcome`]: a success, an error (a 5xx, a failed
//! dependency, a pod gone), a rejection (turned away without being worked on: a
//! 429 from a rate limiter, a full queue, a full bulkhead) or a timeout.
//!
//! - A breaker's [`Recording`] says, for each kind of failure, whether it counts
//!   as a failure (`recordExceptions`, the default for all of them), as a success
//!   (an exception outside a `recordExceptions` list), or not at all
//!   (`ignoreExceptions`: neither a failure nor a success; a half-open breaker
//!   gives the probe's permit back).
//! - A retry's [`RetryOn`] says which failed attempts are retried
//!   (`retryExceptions` / `ignoreExceptions`; by default every one). A failure
//!   that is not retried ends the call at once, as an ignored exception is
//!   rethrown at once.
//!
//! A rejection is often the caller's own doing — a 429 for going over a quota —
//! and says nothing about the callee's health: `Recording { rejected:
//! Counts::Ignored, .. }` keeps it out of the breaker's failure rate, and
//! `RetryOn { rejected: false, .. }` keeps a retry from hammering the quota.

use crate::sim::kernel::request::Outcome;

/// What a breaker makes of one kind of outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counts {
    /// Recorded as a failure (Resilience4j's default for every exception).
    AsFailure,
    /// Recorded as a success (an exception not in `recordExceptions`).
    AsSuccess,
    /// Not recorded at all (`ignoreExceptions`).
    Ignored,
}

/// Which outcomes a breaker records, and as what. A success always counts as a
/// success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recording {
    /// An error answer (5xx, a failed dependency, a pod gone).
    pub error: Counts,
    /// A rejection (429, a full queue, a full bulkhead).
    pub rejected: Counts,
    /// A timeout.
    pub timed_out: Counts,
}

impl Recording {
    /// Every failure counts as a failure: Resilience4j's default.
    pub fn all_failures() -> Self {
        Recording {
            error: Counts::AsFailure,
            rejected: Counts::AsFailure,
            timed_out: Counts::AsFailure,
        }
    }

    /// What the breaker makes of `outcome`.
    pub fn counts(&self, outcome: Outcome) -> Counts {
        match outcome {
            Outcome::Ok => Counts::AsSuccess,
            Outcome::Error => self.error,
            Outcome::Rejected => self.rejected,
            Outcome::TimedOut => self.timed_out,
        }
    }
}

impl Default for Recording {
    fn default() -> Self {
        Recording::all_failures()
    }
}

/// Which failed attempts a retry retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryOn {
    /// Retry an error answer.
    pub error: bool,
    /// Retry a rejection.
    pub rejected: bool,
    /// Retry a timeout.
    pub timed_out: bool,
}

impl RetryOn {
    /// Every failure is retried: Resilience4j's default.
    pub fn all() -> Self {
        RetryOn {
            error: true,
            rejected: true,
            timed_out: true,
        }
    }

    /// Whether an attempt that ended with `outcome` is retried (never a success).
    pub fn retries(&self, outcome: Outcome) -> bool {
        match outcome {
            Outcome::Ok => false,
            Outcome::Error => self.error,
            Outcome::Rejected => self.rejected,
            Outcome::TimedOut => self.timed_out,
        }
    }
}

impl Default for RetryOn {
    fn default() -> Self {
        RetryOn::all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_every_failure_counts_and_is_retried() {
        let (r, o) = (Recording::default(), RetryOn::default());
        for out in [Outcome::Error, Outcome::Rejected, Outcome::TimedOut] {
            assert_eq!(r.counts(out), Counts::AsFailure);
            assert!(o.retries(out));
        }
        assert_eq!(r.counts(Outcome::Ok), Counts::AsSuccess);
        assert!(!o.retries(Outcome::Ok));
    }

    #[test]
    fn a_rejection_can_be_ignored_and_not_retried() {
        let r = Recording {
            rejected: Counts::Ignored,
            ..Recording::all_failures()
        };
        let o = RetryOn {
            rejected: false,
            ..RetryOn::all()
        };
        assert_eq!(r.counts(Outcome::Rejected), Counts::Ignored);
        assert_eq!(r.counts(Outcome::Error), Counts::AsFailure);
        assert!(!o.retries(Outcome::Rejected) && o.retries(Outcome::TimedOut));
    }
}
