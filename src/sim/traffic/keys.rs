//! Request keys: which report, which account, which user session a request is
//! about. Caches look keys up; sticky load balancing pins a session key to a pod.
//!
//! A population without a [`KeySpec`] sends key 0 (no key). With
//! [`KeySpec::Fixed`] every request carries the same key (one scraper's API
//! key, the home page's URL). With [`KeySpec::Uniform`] each request is about one of `keys` things at random.
//! With [`KeySpec::Sessions`] requests come from user sessions: users arrive,
//! send requests for a while, and leave. A request opens a new session with
//! probability `weight / requests_per_session`, otherwise it belongs to a
//! random active session; a session lasts an exponential time of mean
//! `mean_length`. So the number of sessions follows the traffic (busier hour,
//! more users) and is bounded by `max_sessions`. Session keys carry their
//! population's index in their high bits, so two populations never share a user.

use crate::sim::kernel::ids::ClientId;
use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::time::Micros;

/// How a population's requests get their keys.
#[derive(Clone, Debug, PartialEq)]
pub enum KeySpec {
    /// Always this one key (one API key, one page).
    Fixed(u64),
    /// Keys 1..=keys, uniformly at random.
    Uniform {
        /// How many different keys.
        keys: u64,
    },
    /// User sessions that come and go.
    Sessions(SessionSpec),
}

/// A population of user sessions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SessionSpec {
    /// Real requests a session sends on average.
    pub requests_per_session: f64,
    /// Mean session length.
    pub mean_length_us: Micros,
    /// Sessions active at most (more arrivals join existing ones).
    pub max_sessions: usize,
}

/// Live key state of a population.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeySource {
    spec: Option<KeySpec>,
    /// Active sessions: (key, end time).
    active: Vec<(u64, Micros)>,
    next_key: u64,
}

impl KeySource {
    /// Key state of population number `client`.
    pub(crate) fn new(spec: Option<KeySpec>, client: ClientId) -> Self {
        KeySource {
            spec,
            active: Vec::new(),
            next_key: ((client.index() as u64 + 1) << 40) + 1,
        }
    }

    /// Active sessions (an upper estimate: some may have ended unnoticed).
    pub(crate) fn sessions(&self) -> usize {
        self.active.len()
    }

    /// The key of a request arriving at `now` standing for `weight` real ones.
    /// (Inlined where it is called, every arrival: without a key scheme it is
    /// a counter.)
    #[inline]
    pub(crate) fn draw(&mut self, now: Micros, weight: u32, rng: &mut SimRng) -> u64 {
        if self.spec.is_none() {
            // No key scheme: every logical request is its own key (what
            // deduplication and idempotency keys need), unique across populations.
            self.next_key += 1;
            return self.next_key - 1;
        }
        self.draw_by_scheme(now, weight, rng)
    }

    /// [`draw`](Self::draw) for a population with a key scheme.
    fn draw_by_scheme(&mut self, now: Micros, weight: u32, rng: &mut SimRng) -> u64 {
        let s = match &self.spec {
            None => unreachable!("draw handles populations without a key scheme"),
            Some(KeySpec::Fixed(k)) => return *k,
            Some(KeySpec::Uniform { keys }) => return 1 + rng.below((*keys).max(1)),
            Some(KeySpec::Sessions(s)) => *s,
        };
        // Probe two sessions for expiry: cheap, and keeps the list close to
        // the sessions really active.
        for _ in 0..2 {
            if self.active.is_empty() {
                break;
            }
            let i = rng.below(self.active.len() as u64) as usize;
            if self.active[i].1 <= now {
                self.active.swap_remove(i);
            }
        }
        let p_new = (weight as f64 / s.requests_per_session).min(1.0);
        let room = self.active.len() < s.max_sessions;
        if self.active.is_empty() || (room && rng.chance(p_new)) {
            let key = self.next_key;
            self.next_key += 1;
            let end = now + rng.exponential(s.mean_length_us as f64).round() as Micros;
            self.active.push((key, end.max(now + 1)));
            return key;
        }
        loop {
            let i = rng.below(self.active.len() as u64) as usize;
            let (key, end) = self.active[i];
            if end > now || self.active.len() == 1 {
                return key;
            }
            self.active.swap_remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::{MIN, SEC};

    #[test]
    fn a_fixed_key_draws_nothing() {
        let mut src = KeySource::new(Some(KeySpec::Fixed(42)), ClientId::new(0));
        let mut rng = SimRng::new(1);
        let before = rng.clone().uniform();
        assert!((0..10).all(|_| src.draw(0, 1, &mut rng) == 42));
        assert_eq!(rng.uniform(), before);
    }

    #[test]
    fn sessions_follow_the_traffic_and_reuse_keys() {
        // 100 requests/s, 50 requests per session of 10 minutes: 2 new sessions a
        // second, about 1,200 active.
        let mut k = KeySource::new(
            Some(KeySpec::Sessions(SessionSpec {
                requests_per_session: 50.0,
                mean_length_us: 10 * MIN,
                max_sessions: 100_000,
            })),
            ClientId::new(0),
        );
        let mut rng = SimRng::new(1);
        let mut t = 0;
        let mut keys = std::collections::BTreeSet::new();
        while t < 60 * MIN {
            t += 10 * SEC / 1_000;
            keys.insert(k.draw(t, 1, &mut rng));
        }
        let active = k.sessions() as f64;
        assert!((active / 1_200.0 - 1.0).abs() < 0.15, "{active}");
        assert!((keys.len() as f64 / 7_200.0 - 1.0).abs() < 0.05);
    }

    #[test]
    fn sessions_are_bounded_and_weights_keep_the_session_count() {
        let spec = SessionSpec {
            requests_per_session: 20.0,
            mean_length_us: 10 * MIN,
            max_sessions: 500,
        };
        let mut k = KeySource::new(Some(KeySpec::Sessions(spec)), ClientId::new(0));
        let mut rng = SimRng::new(2);
        for i in 0..100_000u64 {
            k.draw(i * 1_000, 1, &mut rng);
        }
        assert!(k.sessions() <= 500);
        // Weight 4 at a quarter of the rate: the same number of sessions.
        let spec = SessionSpec {
            max_sessions: 100_000,
            ..spec
        };
        let count = |w: u32, gap: u64| {
            let mut k = KeySource::new(Some(KeySpec::Sessions(spec)), ClientId::new(0));
            let mut rng = SimRng::new(3);
            for i in 0..(1_800_000_000 / gap) {
                k.draw(i * gap, w, &mut rng);
            }
            k.sessions() as f64
        };
        let (a, b) = (count(1, 10_000), count(4, 40_000));
        assert!((a / b - 1.0).abs() < 0.1, "{a} {b}");
        let mut none = KeySource::new(None, ClientId::new(0));
        let (a, b) = (none.draw(0, 1, &mut rng), none.draw(0, 1, &mut rng));
        assert_ne!(a, b, "without a key scheme every request is its own key");
    }
}
