//! The scenario catalogue: one module per production story.
//!
//! A scenario is data plus assembly: its parameter schema, charts, narrative and
//! guided steps, and a `build` that puts engine parts together into a world and
//! schedules its fault timeline. Architecture invariant: a scenario file holds no
//! mechanism — when a story needs a new behaviour, it goes into `sim` as a
//! general part.

pub mod api_versioning;
pub mod bot_scraping;
pub mod breaker_params;
pub mod cap_tradeoff;
pub mod cascading_failure;
pub mod chaos;
pub mod charts;
pub mod compare;
pub mod contract_testing;
pub mod dinner_rush;
pub mod distributed_deadlock;
pub mod export;
pub mod figures;
pub mod guide;
pub mod memory_leak;
pub mod model;
pub mod n_plus_one;
pub mod params;
pub mod payment_outage;
pub mod queueing_basics;
pub mod retry_storm;
pub mod run;
pub mod schema;
pub mod slow_query;
pub mod strangler_fig;
pub mod tv_spike;
pub mod units;
pub mod webhook_duplicates;
pub mod work;

pub use guide::{Apply, Expect, GuidedStep};
pub use model::{Headline, Model};
pub use params::Params;
pub use run::{Run, TimedChange};
pub use schema::{ChartSpec, Hue, LineSpec, ParamKind, ParamSpec, SeriesExpr, Value};

use crate::sim::{World, WorldConfig, MS};

/// Buckets a scenario's series keep beyond its default run.
const SERIES_MARGIN: usize = 60;

/// One entry of the catalogue.
pub struct Scenario {
    /// Stable identifier used in links and on the command line.
    pub id: &'static str,
    pub title: &'static str,
    /// The production story it reproduces, if any.
    pub story: Option<u32>,
    /// The lesson in one line.
    pub lesson: &'static str,
    /// The story in a few sentences, in the lab's own words.
    pub narrative: &'static str,
    /// A guided tour of 3–5 steps.
    pub guide: &'static [GuidedStep],
    pub params: &'static [ParamSpec],
    /// Each headline figure's key and the label the page shows for it.
    pub figures: &'static [(&'static str, &'static str)],
    /// Charts, in display order.
    pub charts: fn() -> Vec<ChartSpec>,
    /// Default run length, simulated seconds.
    pub duration_s: f64,
    /// Default speed in the page: simulated seconds per wall second.
    pub speed: f64,
    /// Metric bucket width, milliseconds.
    pub bucket_ms: u64,
    /// Assembles a world from parameter values and a seed.
    pub build: fn(&Params, u64) -> Box<dyn Model>,
}

impl Scenario {
    /// The label of headline figure `key`, as the scenario writes it.
    pub fn figure_label(&self, key: &str) -> Option<&'static str> {
        self.figures
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, l)| *l)
    }

    /// Every parameter at its default.
    pub fn default_params(&self) -> Params {
        Params::defaults(self.schema())
    }

    /// Every parameter: the scenario's own, then the chaos parameters of
    /// each of its services (`chaos.rs`).
    pub fn schema(&self) -> &'static [ParamSpec] {
        chaos::schema(self)
    }

    /// An empty world for this scenario, from `seed`: buckets of its
    /// `bucket_ms`, and series that keep at least its whole default run and
    /// [`SERIES_MARGIN`] buckets more (a run continued a little past its
    /// default end still keeps its start).
    pub fn world(&self, seed: u64) -> World {
        let config = WorldConfig::default();
        let run_buckets =
            (self.duration_s * 1e3 / self.bucket_ms as f64).ceil() as usize + SERIES_MARGIN;
        World::new(
            seed,
            WorldConfig {
                bucket_us: self.bucket_ms * MS,
                series_capacity: config.series_capacity.max(run_buckets),
                ..config
            },
        )
    }
}

/// Every scenario, in catalogue order.
pub fn catalogue() -> &'static [Scenario] {
    static ALL: [Scenario; 16] = [
        queueing_basics::SCENARIO,
        payment_outage::SCENARIO,
        memory_leak::SCENARIO,
        n_plus_one::SCENARIO,
        dinner_rush::SCENARIO,
        bot_scraping::SCENARIO,
        slow_query::SCENARIO,
        strangler_fig::SCENARIO,
        distributed_deadlock::SCENARIO,
        retry_storm::SCENARIO,
        cap_tradeoff::SCENARIO,
        tv_spike::SCENARIO,
        cascading_failure::SCENARIO,
        webhook_duplicates::SCENARIO,
        contract_testing::SCENARIO,
        api_versioning::SCENARIO,
    ];
    &ALL
}

/// The scenario with this id, or a message naming what exists.
pub fn find(id: &str) -> Result<&'static Scenario, String> {
    let all = catalogue();
    all.iter().find(|s| s.id == id).ok_or_else(|| {
        let ids: Vec<&str> = all.iter().map(|s| s.id).collect();
        let hint = params::did_you_mean(id, &ids)
            .map(|n| format!(" — did you mean '{n}'?"))
            .unwrap_or_default();
        format!(
            "unknown scenario '{}'{hint} (known: {})",
            schema::quote(id),
            ids.join(", ")
        )
    })
}
