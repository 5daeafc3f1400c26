//! A release pipeline: providers ship new versions over weeks, and each
//! release passes the gates of its pipeline before production — an
//! end-to-end suite in a shared test environment, consumer-driven contract
//! checks, and chaos experiments.
//!
//! **Contracts.** A consumer service reads some fields of a provider's
//! response on one of its paths (a handler that calls the provider, then
//! [`Step::Expect`](crate::sim::Step::Expect)s its fields): a [`ContractSpec`]
//! names the consumer, the provider, the path and the fields, as a consumer
//! publishes its expectations to a Pact broker. Fields are bits of a `u32`.
//! The test environment runs each provider's deployed version; `Expect`
//! fails the request (the consumer cannot parse the answer) when that
//! version lacks a field the contract reads.
//!
//! **Releases.** Releases arrive as a Poisson stream (`releases_per_day`),
//! each from a provider drawn uniformly; a share `breaking_change_rate` of
//! them rename one response field that some consumer reads (drawn uniformly
//! among the fields the provider's contracts read). Each release goes
//! through the gates in order, in a pipeline of its own (releases of
//! different providers run side by side, as CI runs each service's build):
//! - **contract check** (`contracts`): the provider's build verifies every
//!   contract that names it against the new version, with no environment —
//!   red exactly when a contract's field is gone;
//! - **end-to-end suite** (`e2e`): the new version is deployed to the test
//!   environment for the suite's run and the suite's request runs there (a
//!   handler, usually a fan-out of calls through every service); red when
//!   it fails, for whatever reason — a consumer that cannot read the new
//!   answer, or a service of the environment that is down. The environment
//!   runs the release's version while its suite runs (a suite running at the
//!   same moment meets it too). A red suite is run again after
//!   `rerun_after_us`, up to `reruns` times, as a team does with a suite it
//!   knows to be flaky; one green run lets the release through;
//! - **chaos experiment** (`chaos`): once the release is out, the
//!   environment's paths to the provider get steady traffic (one request per
//!   path each `chaos_tick_us`, for `chaos_ticks` ticks) while a ready pod of
//!   the provider is killed every `kill_every` ticks and started again. A
//!   path request that had a call in flight in the killed pod and then
//!   failed is a **resilience defect found** (a call with no retry to take
//!   it to another pod), counted once per path. One experiment runs at a
//!   time; the releases that wait for one queue for it.
//!
//! A release that passes is promoted: if its version breaks a contract, a
//! breaking change has **escaped** to production; its consumers then adapt
//! (their contracts follow the new names). A release stopped by a gate is
//! blocked: **caught** if it was breaking, else blocked for nothing.
//!
//! A gate's red on a release with no breaking change is a **false red**.
//!
//! Series per pipeline `NAME`: `NAME.releases`, `.breaking`, `.caught`,
//! `.escaped`, `.blocked_clean` (releases with no breaking change blocked),
//! `.e2e_green`, `.e2e_red` (suite runs), `.clean_checks` (gate runs on
//! releases with no breaking change: suite runs and contract checks),
//! `.clean_e2e`, `.clean_e2e_green`, `.false_reds`, `.contract_checks`,
//! `.contract_red`, `.chaos_kills`, `.defects_found`, `.in_flight` (releases
//! in the pipeline).
//!
//! Bounds: at most `max_in_flight` releases are in the pipeline at once,
//! experiments waiting included (more are dropped, counted in `.dropped`);
//! one suite request per release; an experiment's requests are one per path
//! and tick, each ending at its own calls' outcomes.

use crate::sim::kernel::ids::{HandlerId, ServiceId};
use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::time::{Micros, HOUR, MIN, MS};

/// A consumer's expectations of a provider's response on one path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContractSpec {
    /// The consumer service, and its path (handler) that calls the provider.
    pub consumer: ServiceId,
    pub path: HandlerId,
    /// The provider whose response it reads.
    pub provider: ServiceId,
    /// The fields it reads, as bits.
    pub fields: u32,
}

/// The gates a release passes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gates {
    /// The end-to-end suite in the test environment.
    pub e2e: bool,
    /// Consumer-driven contract checks in the provider's build.
    pub contracts: bool,
    /// A chaos experiment after each release.
    pub chaos: bool,
}

/// A release pipeline and its contracts.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineSpec {
    /// Names the pipeline's series.
    pub name: String,
    /// The end-to-end suite: the service that runs it and its handler.
    pub suite: (ServiceId, HandlerId),
    pub contracts: Vec<ContractSpec>,
    pub gates: Gates,
    /// Releases a day, over every provider.
    pub releases_per_day: f64,
    /// Share of releases that rename a field some consumer reads.
    pub breaking_change_rate: f64,
    /// Times a red suite is run again, and the wait before each.
    pub reruns: u32,
    pub rerun_after_us: Micros,
    /// A chaos experiment: its ticks, their interval, a pod killed every
    /// `kill_every` ticks.
    pub chaos_ticks: u32,
    pub chaos_tick_us: Micros,
    pub kill_every: u32,
    /// Most releases in the pipeline at once.
    pub max_in_flight: usize,
}

impl PipelineSpec {
    /// A pipeline whose suite is `handler` of `service`, with no contract and
    /// no gate yet: 8 releases a day, none breaking, 2 reruns 30 minutes
    /// apart, experiments of 300 ticks of 100 ms with a kill every 50, 64
    /// releases in the pipeline at most.
    pub fn new(name: &str, service: ServiceId, handler: HandlerId) -> Self {
        PipelineSpec {
            name: name.to_string(),
            suite: (service, handler),
            contracts: Vec::new(),
            gates: Gates::default(),
            releases_per_day: 8.0,
            breaking_change_rate: 0.0,
            reruns: 2,
            rerun_after_us: 30 * MIN,
            chaos_ticks: 300,
            chaos_tick_us: 100 * MS,
            kill_every: 50,
            max_in_flight: 64,
        }
    }

    /// Adds a contract.
    pub fn contract(mut self, c: ContractSpec) -> Self {
        self.contracts.push(c);
        self
    }

    /// Sets the gates.
    pub fn gates(mut self, gates: Gates) -> Self {
        self.gates = gates;
        self
    }

    /// Sets the release rate and the share of breaking changes.
    pub fn releases(mut self, per_day: f64, breaking_change_rate: f64) -> Self {
        self.releases_per_day = per_day;
        self.breaking_change_rate = breaking_change_rate;
        self
    }

    /// Mean time between releases.
    pub fn mean_gap_us(&self) -> f64 {
        24.0 * HOUR as f64 / self.releases_per_day
    }
}

/// A release in the pipeline: its provider (index in the pipeline's
/// providers) and the field it renames, if it is a breaking change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleaseDraft {
    pub provider: u16,
    pub renamed: Option<u8>,
}

impl ReleaseDraft {
    /// The fields its version lacks that consumers read.
    pub fn missing(self) -> u32 {
        self.renamed.map_or(0, |b| 1 << b)
    }
}

/// A chaos experiment under way, on one provider.
#[derive(Clone, Debug, Default)]
pub(crate) struct Experiment {
    pub(crate) provider: u16,
    pub(crate) tick: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct PipelineMetrics {
    pub(crate) releases: CounterId,
    pub(crate) breaking: CounterId,
    pub(crate) caught: CounterId,
    pub(crate) escaped: CounterId,
    pub(crate) blocked_clean: CounterId,
    pub(crate) e2e_green: CounterId,
    pub(crate) e2e_red: CounterId,
    pub(crate) clean_checks: CounterId,
    pub(crate) clean_e2e: CounterId,
    pub(crate) clean_e2e_green: CounterId,
    pub(crate) false_reds: CounterId,
    pub(crate) contract_checks: CounterId,
    pub(crate) contract_red: CounterId,
    pub(crate) chaos_kills: CounterId,
    pub(crate) defects_found: CounterId,
    pub(crate) dropped: CounterId,
    pub(crate) in_flight: GaugeId,
}

/// A pipeline's live state.
pub struct Pipeline {
    pub(crate) spec: PipelineSpec,
    /// The providers, in the order their first contract names them.
    pub(crate) providers: Vec<ServiceId>,
    /// Per contract: its provider's index, the path request a kill hit (it
    /// had a call in flight in the killed pod), and whether its defect is
    /// found.
    pub(crate) paths: Vec<PathState>,
    /// Per provider, the fields its version deployed in the environment
    /// lacks (0 but while a breaking release is there).
    pub(crate) missing: Vec<u32>,
    /// The releases in the pipeline, by slot (a free slot is `None`).
    pub(crate) runs: Vec<Option<ReleaseRun>>,
    /// The experiment under way, and the providers waiting for one.
    pub(crate) experiment: Option<Experiment>,
    pub(crate) chaos_waiting: Vec<u16>,
    /// The release schedule's epoch (a changed rate draws it again).
    pub(crate) epoch: u32,
    pub(crate) m: PipelineMetrics,
}

/// The bit that marks a suite request's slot in its origin (the rest is the
/// release's slot); a path request's slot is its contract's index.
pub const SUITE: u32 = 1 << 31;

/// What a pipeline keeps of one contract's path.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PathState {
    pub(crate) provider: u16,
    pub(crate) hit: Option<ReqRef>,
    pub(crate) found: bool,
}

/// A release in the pipeline.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReleaseRun {
    pub(crate) draft: ReleaseDraft,
    pub(crate) reruns_left: u32,
    /// Its suite is running: the environment runs its version.
    pub(crate) suite_running: bool,
}

impl Pipeline {
    pub(crate) fn new(spec: PipelineSpec, m: PipelineMetrics) -> Self {
        let mut providers: Vec<ServiceId> = Vec::new();
        let paths = spec
            .contracts
            .iter()
            .map(|c| {
                let i = providers.iter().position(|&p| p == c.provider);
                let provider = i.unwrap_or_else(|| {
                    providers.push(c.provider);
                    providers.len() - 1
                }) as u16;
                PathState {
                    provider,
                    hit: None,
                    found: false,
                }
            })
            .collect();
        Pipeline {
            missing: vec![0; providers.len()],
            providers,
            paths,
            runs: Vec::new(),
            experiment: None,
            chaos_waiting: Vec::new(),
            epoch: 0,
            spec,
            m,
        }
    }

    /// The fields provider `p`'s consumers read, together.
    pub fn read_fields(&self, p: u16) -> u32 {
        self.contracts_of(p)
            .fold(0, |f, c| f | self.spec.contracts[c].fields)
    }

    /// The contracts naming provider `p`, by index.
    pub fn contracts_of(&self, p: u16) -> impl Iterator<Item = usize> + '_ {
        (0..self.paths.len()).filter(move |&c| self.paths[c].provider == p)
    }

    /// Draws the next release: its provider, and a breaking change to one of
    /// the fields its consumers read with probability `breaking_change_rate`.
    pub fn draw_release(&self, rng: &mut SimRng) -> Option<ReleaseDraft> {
        if self.providers.is_empty() {
            return None;
        }
        let provider = rng.below(self.providers.len() as u64) as u16;
        let fields = self.read_fields(provider);
        let renamed = (rng.chance(self.spec.breaking_change_rate) && fields != 0).then(|| {
            let k = rng.below(u64::from(fields.count_ones())) as usize;
            (0..32u8)
                .filter(|b| fields & (1 << b) != 0)
                .nth(k)
                .unwrap_or(0)
        });
        Some(ReleaseDraft { provider, renamed })
    }

    /// The contracts of `release`'s provider that its version breaks.
    pub fn broken_by(&self, release: ReleaseDraft) -> usize {
        let missing = release.missing();
        self.contracts_of(release.provider)
            .filter(|&c| self.spec.contracts[c].fields & missing != 0)
            .count()
    }

    /// True when contract `c`'s provider, as deployed in the environment,
    /// answers every field the contract reads.
    pub fn expectation_met(&self, c: usize) -> bool {
        let p = self.paths[c].provider as usize;
        self.spec.contracts[c].fields & self.missing[p] == 0
    }

    /// Releases in the pipeline, experiments waiting included.
    pub fn in_flight(&self) -> usize {
        self.runs.iter().flatten().count()
            + self.chaos_waiting.len()
            + usize::from(self.experiment.is_some())
    }

    /// Takes a free slot for `run`; `None` when `max_in_flight` are there.
    pub(crate) fn admit(&mut self, run: ReleaseRun) -> Option<u32> {
        if self.in_flight() >= self.spec.max_in_flight {
            return None;
        }
        let i = match self.runs.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                self.runs.push(None);
                self.runs.len() - 1
            }
        };
        self.runs[i] = Some(run);
        Some(i as u32)
    }

    /// Sets the fields provider `p`'s version in the environment lacks: those
    /// of the releases of `p` whose suites are running.
    pub(crate) fn redeploy(&mut self, p: u16) {
        self.missing[p as usize] = self
            .runs
            .iter()
            .flatten()
            .filter(|r| r.suite_running && r.draft.provider == p)
            .fold(0, |m, r| m | r.draft.missing());
    }

    /// The spec as it stands.
    pub fn spec(&self) -> &PipelineSpec {
        &self.spec
    }

    /// Resilience defects found so far (paths).
    pub fn defects_found(&self) -> usize {
        self.paths.iter().filter(|p| p.found).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> PipelineMetrics {
        let mut k = crate::sim::kernel::metrics::Metrics::new(MS, 8);
        let mut c = |n: &str| k.counter(n);
        PipelineMetrics {
            releases: c("a"),
            breaking: c("b"),
            caught: c("c"),
            escaped: c("d"),
            blocked_clean: c("e"),
            e2e_green: c("f"),
            e2e_red: c("g"),
            clean_checks: c("h"),
            clean_e2e: c("i"),
            clean_e2e_green: c("j"),
            false_reds: c("k"),
            contract_checks: c("l"),
            contract_red: c("m"),
            chaos_kills: c("n"),
            defects_found: c("o"),
            dropped: c("p"),
            in_flight: k.gauge("q", 0, 0.0),
        }
    }

    fn pipeline(rate: f64) -> Pipeline {
        let (a, b, c) = (ServiceId::new(0), ServiceId::new(1), ServiceId::new(2));
        let h = HandlerId::new(0);
        let spec = PipelineSpec::new("p", a, h)
            .contract(ContractSpec {
                consumer: a,
                path: h,
                provider: b,
                fields: 0b011,
            })
            .contract(ContractSpec {
                consumer: c,
                path: h,
                provider: b,
                fields: 0b100,
            })
            .contract(ContractSpec {
                consumer: a,
                path: h,
                provider: c,
                fields: 0b001,
            })
            .releases(8.0, rate);
        Pipeline::new(spec, metrics())
    }

    #[test]
    fn providers_and_the_fields_their_consumers_read() {
        let p = pipeline(0.0);
        assert_eq!(p.providers, vec![ServiceId::new(1), ServiceId::new(2)]);
        assert_eq!(p.read_fields(0), 0b111);
        assert_eq!(p.read_fields(1), 0b001);
        assert_eq!(p.contracts_of(0).collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn a_breaking_release_breaks_exactly_the_contracts_reading_its_field() {
        let mut p = pipeline(1.0);
        let r = ReleaseDraft {
            provider: 0,
            renamed: Some(2),
        };
        assert_eq!(p.broken_by(r), 1);
        assert_eq!(
            p.broken_by(ReleaseDraft {
                provider: 0,
                renamed: None
            }),
            0
        );
        p.missing[0] = r.missing();
        assert!(p.expectation_met(0));
        assert!(!p.expectation_met(1));
        assert!(p.expectation_met(2));
    }

    #[test]
    fn breaking_releases_come_at_their_rate_and_rename_a_field_someone_reads() {
        let p = pipeline(0.25);
        let mut rng = SimRng::new(9);
        let n = 20_000;
        let mut breaking = 0;
        for _ in 0..n {
            let r = p.draw_release(&mut rng).unwrap();
            if let Some(b) = r.renamed {
                breaking += 1;
                assert!(p.read_fields(r.provider) & (1 << b) != 0);
                assert!(p.broken_by(r) >= 1);
            }
        }
        let share = breaking as f64 / n as f64;
        assert!((share - 0.25).abs() < 0.01, "{share}");
    }
}
