//! Data access the way an ORM issues it: one query, or a parent query followed
//! by one query per row it returned (the N + 1 pattern), or one joined query.
//!
//! A [`DataAccess`] is a handler step ([`Step::Db`](crate::sim::topology::handler::Step::Db)).
//! The request takes one connection from the database's pool for the whole step
//! (one ORM session) and sends its queries one after another: each pays a
//! network round trip and its CPU on the database. N + 1 is therefore slow for
//! the plainest of reasons: N round trips in a row.

use crate::sim::kernel::decimal::trimmed;
use crate::sim::kernel::ids::DatabaseId;
/// One SQL statement as the database sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Query {
    /// CPU the statement needs on the database, microseconds (for one real
    /// request; a weighted request costs `weight` times as much).
    pub cpu_us: f64,
    /// Rows it reads (for the rows-read metric).
    pub rows_read: f64,
    /// True for a statement that writes (goes to the primary, is replicated).
    pub write: bool,
    /// Shape of the CPU's log-normal spread from one execution to the next
    /// (buffer-cache hits, plan noise), mean kept; 0: every execution costs
    /// `cpu_us`.
    pub cpu_spread: f64,
}

impl Query {
    /// A read costing `cpu_ms` of database CPU and reading `rows_read` rows.
    pub fn read(cpu_ms: f64, rows_read: f64) -> Self {
        Query {
            cpu_us: cpu_ms * 1_000.0,
            rows_read,
            write: false,
            cpu_spread: 0.0,
        }
    }

    /// A write costing `cpu_ms` of database CPU on the primary.
    pub fn write(cpu_ms: f64, rows_written: f64) -> Self {
        Query {
            cpu_us: cpu_ms * 1_000.0,
            rows_read: rows_written,
            write: true,
            cpu_spread: 0.0,
        }
    }

    /// A read whose cost comes from a plan of the query-cost model.
    pub fn planned(plan: &crate::sim::data::query_cost::Plan) -> Self {
        Query {
            cpu_us: plan.cpu_us,
            rows_read: plan.rows_read,
            write: false,
            cpu_spread: 0.0,
        }
    }

    /// Lets each execution's CPU vary around its mean (log-normal of shape
    /// `sigma`).
    pub fn spread(mut self, sigma: f64) -> Self {
        assert!(
            sigma.is_finite() && sigma >= 0.0,
            "bad spread {}",
            trimmed(sigma, 6)
        );
        self.cpu_spread = sigma;
        self
    }
}

/// A handler step's data access: `first`, then `then` repeated `then_count`
/// times, one after another on one connection of database `db`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DataAccess {
    /// The database (index in the world).
    pub db: DatabaseId,
    /// The first query.
    pub first: Query,
    /// The query repeated after it (one per parent row under N + 1).
    pub then: Query,
    /// How many times `then` runs (its mean when `count_spread` is set).
    pub then_count: u32,
    /// Shape of a log-normal spread of `then_count` from one request to the
    /// next (parents differ in their number of children), mean kept; 0: fixed.
    pub count_spread: f64,
}

impl DataAccess {
    /// A single query.
    pub fn one(db: DatabaseId, q: Query) -> Self {
        DataAccess {
            db,
            first: q,
            then: q,
            then_count: 0,
            count_spread: 0.0,
        }
    }

    /// The N + 1 pattern: a parent query, then `n` child queries, one per row.
    pub fn n_plus_one(db: DatabaseId, parent: Query, child: Query, n: u32) -> Self {
        DataAccess {
            db,
            first: parent,
            then: child,
            then_count: n,
            count_spread: 0.0,
        }
    }

    /// Lets the number of child queries vary from one request to the next
    /// around `then_count` (log-normal of shape `sigma`, at least one).
    pub fn count_spread(mut self, sigma: f64) -> Self {
        assert!(
            sigma.is_finite() && sigma >= 0.0,
            "bad spread {}",
            trimmed(sigma, 6)
        );
        self.count_spread = sigma;
        self
    }

    /// The fix: one query joining parent and children (`JOIN FETCH`).
    pub fn join_fetch(db: DatabaseId, joined: Query) -> Self {
        Self::one(db, joined)
    }

    /// Queries the step sends.
    pub fn queries(&self) -> u32 {
        1 + self.then_count
    }

    /// The `i`-th query (0 is the first).
    pub fn query(&self, i: u32) -> Query {
        if i == 0 {
            self.first
        } else {
            self.then
        }
    }

    /// True when any query writes: the whole step goes to the primary.
    pub fn writes(&self) -> bool {
        self.first.write || (self.then_count > 0 && self.then.write)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_plus_one_sends_one_parent_and_n_children() {
        let a = DataAccess::n_plus_one(
            DatabaseId::new(0),
            Query::read(1.0, 5_000.0),
            Query::read(0.2, 1.0),
            5_000,
        );
        assert_eq!(a.queries(), 5_001);
        assert_eq!(a.query(0).rows_read, 5_000.0);
        assert_eq!(a.query(4_999).rows_read, 1.0);
        assert!(!a.writes());
        let j = DataAccess::join_fetch(DatabaseId::new(0), Query::read(50.0, 10_000.0));
        assert_eq!(j.queries(), 1);
        assert!(DataAccess::one(DatabaseId::new(0), Query::write(1.0, 1.0)).writes());
    }
}
