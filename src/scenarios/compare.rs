//! An A/B comparison: two runs of one scenario on one seed, with the same
//! timed changes, whose parameters differ (a link's `b.NAME=VALUE`). The page
//! and `lab run` share it: [`Pair`] advances both to the same simulated time,
//! [`rows`] sets their headline figures side by side with the difference.
//!
//! The two worlds share nothing, so each half is exactly the run it would be
//! alone (`tests/ab_compare.rs` holds A's figures to a plain run's).

use crate::sim::Micros;

use super::model::Headline;
use super::run::Run;

/// A headline figure of both runs: `diff` is B − A, `None` when either is
/// undefined (or not finite).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub name: &'static str,
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub diff: Option<f64>,
}

/// A's figures in their order, each beside B's figure of the same name.
pub fn rows(a: Headline, b: Headline) -> Vec<Row> {
    a.into_iter()
        .map(|(name, va)| {
            let va = va.filter(|x| x.is_finite());
            let vb = b
                .iter()
                .find(|(k, _)| *k == name)
                .and_then(|(_, v)| v.filter(|x| x.is_finite()));
            Row {
                name,
                a: va,
                b: vb,
                diff: va.zip(vb).map(|(x, y)| y - x),
            }
        })
        .collect()
}

/// A run, and while comparing B's run beside it, advanced in step. The page
/// keeps one (B comes and goes); `lab run` makes one per run.
pub struct Pair {
    pub a: Run,
    pub b: Option<Run>,
}

impl Pair {
    /// The simulated time both runs have reached.
    pub fn now(&self) -> Micros {
        self.b
            .as_ref()
            .map_or(self.a.now(), |b| b.now().min(self.a.now()))
    }

    /// Engine events both runs have processed.
    pub fn events(&self) -> u64 {
        let b = self.b.as_ref().map_or(0, |b| b.world().events_processed());
        self.a.world().events_processed() + b
    }

    /// Runs both to `until`, changes included.
    pub fn advance_to(&mut self, until: Micros) {
        self.a.advance_to(until);
        if let Some(b) = self.b.as_mut() {
            b.advance_to(until);
        }
    }

    /// The run that is behind (A when they are level): the one to step next.
    pub fn behind(&mut self) -> &mut Run {
        match self.b.as_mut() {
            Some(b) if b.now() < self.a.now() => b,
            _ => &mut self.a,
        }
    }

    /// Runs towards `until` with at most about `max_events` events: the run
    /// that is behind goes, so the two are never more than one call apart.
    /// Returns [`Pair::now`].
    pub fn advance_bounded(&mut self, until: Micros, max_events: u64) -> Micros {
        self.behind().advance_bounded(until, max_events);
        self.now()
    }

    /// Runs both towards `until` until they get there or have processed
    /// `max_events` more events between them; returns [`Pair::now`].
    pub fn advance_bounded_all(&mut self, until: Micros, max_events: u64) -> Micros {
        let stop = self.events().saturating_add(max_events);
        while self.now() < until && self.events() < stop {
            let left = stop - self.events();
            // Slices small enough that neither run gets far ahead of the other.
            self.advance_bounded(until, left.min(1 << 20));
        }
        self.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_give_b_minus_a_where_both_are_defined() {
        let a = vec![("x", Some(1.0)), ("y", None), ("z", Some(2.0))];
        let b = vec![("z", Some(5.0)), ("x", Some(0.25)), ("y", Some(3.0))];
        let r = rows(a, b);
        assert_eq!(r[0].diff, Some(-0.75));
        assert_eq!((r[1].a, r[1].b, r[1].diff), (None, Some(3.0), None));
        assert_eq!((r[2].name, r[2].diff), ("z", Some(3.0)));
        let nan = rows(vec![("x", Some(f64::NAN))], vec![("x", Some(1.0))]);
        assert_eq!((nan[0].a, nan[0].diff), (None, None));
    }
}
