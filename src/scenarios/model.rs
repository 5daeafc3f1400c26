//! What a built scenario is: a world plus the handles its toggles act on.

use crate::sim::{Span, World};

use super::params::Params;

/// A headline figure: a key that names its unit (`units.rs`) and a value (`None` when the run
/// cannot define it, e.g. no request in its window).
pub type Headline = Vec<(&'static str, Option<f64>)>;

/// A scenario assembled into a running world.
pub trait Model {
    /// The world.
    fn world(&self) -> &World;
    /// The world, mutably (front ends step it).
    fn world_mut(&mut self) -> &mut World;
    /// Applies the current value of parameter `name` (just changed in `params`)
    /// to the running world, at the world's current time.
    fn apply(&mut self, params: &Params, name: &str);
    /// The scenario's headline figures as of now, over span `v`: the whole
    /// run, or since the last change. Every figure reads the metrics through
    /// `v`, so one code gives both; a figure that reads a part's state instead
    /// (pods now, a high-water mark) is the same over any span, and the
    /// scenario's file says so.
    fn headline(&self, params: &Params, v: &Span) -> Headline;
    /// When a fault that grows out of the load is due, in simulated seconds,
    /// by the scenario's own arithmetic from its parameters: not planned, so
    /// not marked on the charts, but the page's "next event" (and Play's skip
    /// over a quiet lead-in) goes to a few seconds before it as before a
    /// planned one. None by default.
    fn expected(&self, _params: &Params) -> Vec<f64> {
        Vec::new()
    }
    /// The fault timeline as (simulated second, label), past and future, for
    /// chart markers before the events happen.
    fn timeline(&self) -> Vec<(f64, String)> {
        self.world()
            .timeline()
            .into_iter()
            .map(|(t, l)| (t as f64 / 1e6, l.to_string()))
            .collect()
    }
}
