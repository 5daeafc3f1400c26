//! App releases and the clients that read their answers: installs adopting
//! a new version of an app, and the parser each version reads a response
//! body with.
//!
//! **Answers and parsers.** A handler's `Step::Respond { fields }` gives a
//! request's answer a body, a bit per field of a response schema
//! (`firstname`, `lastname`, a nested `name` …); a call's successful answer
//! hands its body to the caller, so a gateway answers with its backend's. A
//! client population may parse answers ([`ClientSpec::parses`]): a
//! successful answer whose body lacks a field the parser requires is a
//! *client error* — the server answered 200, the app could not read it. It
//! ends as an error in the population's ledger and counts in
//! `NAME.client_errors`. Extra fields are ignored, as a tolerant reader
//! ignores them: an additive change breaks no parser, a rename breaks every
//! parser of the old name.
//!
//! **Adoption.** A release moves `installs` installs of an app from the
//! population on the old version to the one on the new version. Each
//! install draws, once, when it updates: never, with probability `never`
//! (an abandoned phone, automatic updates off); otherwise the release time
//! plus an exponential delay whose half-life is `half_life_us` (0: at the
//! release, as a web app that every page load fetches anew). Half the
//! installs still on the old version update within each half-life, and
//! adoption is a random process: two seeds see different curves. The
//! installs send `rate_rps` in all, spread evenly, so the old population's
//! rate is that share of installs still on it. Each update re-sets both
//! populations' rates (`World::set_client_rate`), so the two send Poisson
//! traffic at the installs' current split.
//!
//! Bounds: at most [`MAX_INSTALLS`] installs per release; their update times
//! are drawn at build, kept sorted, and read with a cursor, so one event is
//! pending per release (the next update).
//!
//! A release keeps no series of its own: the two populations' series
//! (`OLD.arrived`, `NEW.arrived` …) show the split as it moves.
//!
//! [`ClientSpec::parses`]: crate::sim::traffic::client::ClientSpec::parses

use crate::sim::kernel::ids::ClientId;
use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::time::Micros;

/// Most installs a release simulates (each a share of the traffic).
pub const MAX_INSTALLS: u32 = 100_000;

/// An app release as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct AppReleaseSpec {
    /// Name, the prefix of its series (`"mobile"`).
    pub name: String,
    /// The populations on the old and on the new version.
    pub old: ClientId,
    pub new: ClientId,
    /// Requests per second the installs send in all.
    pub rate_rps: f64,
    /// Installs simulated (1 to [`MAX_INSTALLS`]).
    pub installs: u32,
    /// When the new version is released.
    pub release_us: Micros,
    /// Half-life of the update delay; 0: every updater updates at the release.
    pub half_life_us: Micros,
    /// Share of installs that never update, 0–1.
    pub never: f64,
}

impl AppReleaseSpec {
    /// `installs` installs sending `rate_rps` in all from population `old`,
    /// moving to `new` from `release_us` on, every one at once (a web app).
    pub fn new(
        name: &str,
        old: ClientId,
        new: ClientId,
        rate_rps: f64,
        release_us: Micros,
    ) -> Self {
        AppReleaseSpec {
            name: name.to_string(),
            old,
            new,
            rate_rps,
            installs: 1,
            release_us,
            half_life_us: 0,
            never: 0.0,
        }
    }

    /// The same release, adopted by `installs` installs with update delays of
    /// half-life `half_life_us`, a share `never` never updating.
    pub fn adoption(mut self, installs: u32, half_life_us: Micros, never: f64) -> Self {
        self.installs = installs;
        self.half_life_us = half_life_us;
        self.never = never;
        self
    }
}

/// A release's live state: the installs' update times and how many have
/// updated so far.
#[derive(Clone, Debug)]
pub struct AppRelease {
    pub(crate) spec: AppReleaseSpec,
    /// Update delays after the release (µs) of the installs that ever
    /// update, ascending.
    updates: Vec<f64>,
    /// How many of them have happened.
    updated: usize,
}

impl AppRelease {
    /// Draws every install's update time from `rng`.
    pub(crate) fn new(spec: AppReleaseSpec, rng: &mut SimRng) -> Self {
        assert!((1..=MAX_INSTALLS).contains(&spec.installs), "installs");
        assert!((0.0..=1.0).contains(&spec.never), "never");
        assert!(spec.rate_rps >= 0.0 && spec.rate_rps.is_finite(), "rate");
        let mean = spec.half_life_us as f64 / std::f64::consts::LN_2;
        let mut updates: Vec<f64> = Vec::new();
        for _ in 0..spec.installs {
            if rng.chance(spec.never) {
                continue;
            }
            let delay = if mean > 0.0 {
                rng.exponential(mean)
            } else {
                0.0
            };
            updates.push(delay);
        }
        crate::sim::kernel::sort::sort_f64(&mut updates);
        AppRelease {
            spec,
            updates,
            updated: 0,
        }
    }

    /// The declaration.
    pub fn spec(&self) -> &AppReleaseSpec {
        &self.spec
    }

    /// Installs still on the old version.
    pub fn on_old(&self) -> u32 {
        self.spec.installs - self.updated as u32
    }

    /// Installs that will never update.
    pub fn never_updating(&self) -> u32 {
        self.spec.installs - self.updates.len() as u32
    }

    /// Counts the updates due by `now`; true when any was.
    pub(crate) fn advance(&mut self, now: Micros) -> bool {
        let before = self.updated;
        while self.next_update().is_some_and(|t| t <= now) {
            self.updated += 1;
        }
        self.updated > before
    }

    /// The next update still to come.
    pub(crate) fn next_update(&self) -> Option<Micros> {
        let d = self.updates.get(self.updated)?;
        Some(self.spec.release_us.saturating_add(*d as Micros))
    }

    /// The rates of the old and the new population now.
    pub(crate) fn rates(&self) -> (f64, f64) {
        let old = self.on_old() as f64 / self.spec.installs as f64;
        (self.spec.rate_rps * old, self.spec.rate_rps * (1.0 - old))
    }
}

/// True when a body carrying `body` gives a parser requiring `required`
/// every field it needs.
pub fn parses(required: u32, body: u32) -> bool {
    required & !body == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::{DAY, SEC};

    fn release(installs: u32, half_life_us: Micros, never: f64, seed: u64) -> AppRelease {
        let spec = AppReleaseSpec::new("app", ClientId::new(0), ClientId::new(1), 100.0, SEC)
            .adoption(installs, half_life_us, never);
        AppRelease::new(spec, &mut SimRng::new(seed))
    }

    #[test]
    fn half_the_updaters_update_within_each_half_life() {
        let week = 7 * DAY;
        let mut r = release(20_000, week, 0.0, 3);
        assert!(!r.advance(0), "nobody updates before the release");
        assert_eq!(r.on_old(), 20_000);
        r.advance(SEC + week);
        let left = r.on_old() as f64 / 20_000.0;
        assert!((left - 0.5).abs() < 0.02, "{left}");
        r.advance(SEC + 3 * week);
        let left = r.on_old() as f64 / 20_000.0;
        assert!((left - 0.125).abs() < 0.01, "{left}");
        let (old, new) = r.rates();
        assert!((old + new - 100.0).abs() < 1e-9 && (old - 100.0 * left).abs() < 1e-9);
    }

    #[test]
    fn some_never_update_and_a_web_app_updates_at_once() {
        let mut r = release(10_000, 7 * DAY, 0.05, 4);
        r.advance(Micros::MAX);
        let never = r.never_updating();
        assert_eq!(r.on_old(), never, "only those who never update are left");
        assert!((400..600).contains(&never), "{never}");
        let mut web = release(1, 0, 0.0, 5);
        assert_eq!(web.next_update(), Some(SEC));
        assert!(web.advance(SEC));
        assert_eq!(web.rates(), (0.0, 100.0));
    }

    #[test]
    fn adoption_is_random_but_the_same_for_the_same_seed() {
        let left = |seed| {
            let mut r = release(2_000, 7 * DAY, 0.0, seed);
            r.advance(SEC + 7 * DAY);
            r.on_old()
        };
        assert_eq!(left(1), left(1));
        assert_ne!(left(1), left(2));
    }

    #[test]
    fn a_parser_needs_its_fields_and_ignores_others() {
        let (first, last, name) = (1, 2, 4);
        assert!(parses(first | last, first | last));
        assert!(parses(first | last, first | last | name), "additive");
        assert!(!parses(first | last, name), "renamed in place");
        assert!(parses(name, name | first));
    }
}
