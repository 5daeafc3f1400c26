//! Uptime: services that come and go on their own, as in a shared test
//! environment where someone else's deploy, a crashed dependency or an
//! expired certificate takes a service out for a while, then it is back.
//!
//! Each service of an [`UptimeSpec`] alternates up and down, independently
//! of the others: an alternating renewal process whose up and down times are
//! exponential, down times of mean `mean_down_us`, up times of mean
//! `mean_down_us × a / (1 − a)`, so that the long-run share of time up is the
//! availability `a`. A service starts up with probability `a` (the process's
//! stationary state) and, the durations being memoryless, its first period is
//! drawn like any other. A change of `a` redraws every service's current
//! period from now, which memorylessness allows.
//!
//! While down, every pod of the service is out (killed, its requests failed,
//! held out of the balancer); back up, each starts again and is ready after
//! the service's start-up time, which a test environment keeps short beside
//! the down times.
//!
//! Series per part `NAME`: `NAME.services_down` (services down now) and
//! `NAME.outages` (times a service went down).

use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::time::Micros;

/// Services that are each up a share `availability` of the time.
#[derive(Clone, Debug, PartialEq)]
pub struct UptimeSpec {
    /// Names the part's series.
    pub name: String,
    /// The services that come and go.
    pub services: Vec<ServiceId>,
    /// Long-run share of time each service is up, from 0 to 1 (1: never down).
    pub availability: f64,
    /// Mean length of an outage.
    pub mean_down_us: Micros,
}

impl UptimeSpec {
    /// `services`, each up `availability` of the time, outages of `mean_down_us` on average.
    pub fn new(
        name: &str,
        services: Vec<ServiceId>,
        availability: f64,
        mean_down_us: Micros,
    ) -> Self {
        UptimeSpec {
            name: name.to_string(),
            services,
            availability,
            mean_down_us,
        }
    }

    /// Mean length of an up period (infinite at availability 1).
    pub fn mean_up_us(&self) -> f64 {
        let a = self.availability.clamp(0.0, 1.0);
        self.mean_down_us as f64 * a / (1.0 - a)
    }

    /// Draws how long a period starting now lasts: an up one or a down one.
    /// `None`: for ever (up at availability 1, down at 0).
    pub fn draw_period(&self, rng: &mut SimRng, up: bool) -> Option<Micros> {
        let a = self.availability;
        if (up && a >= 1.0) || (!up && a <= 0.0) {
            return None;
        }
        if (up && a <= 0.0) || (!up && a >= 1.0) {
            return Some(0);
        }
        let mean = if up {
            self.mean_up_us()
        } else {
            self.mean_down_us as f64
        };
        Some((rng.exponential(mean) + 0.5) as Micros)
    }
}

/// The state of one service of the part.
#[derive(Clone, Debug, Default)]
pub(crate) struct Member {
    pub(crate) up: bool,
    /// Bumped when its pending change is redrawn, so the old one is stale.
    pub(crate) epoch: u32,
    /// The pods this part took down, to start again when it comes back.
    pub(crate) held: Vec<u32>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct UptimeMetrics {
    pub(crate) down: GaugeId,
    pub(crate) outages: CounterId,
}

/// A part's live state.
pub struct Uptime {
    pub(crate) spec: UptimeSpec,
    pub(crate) members: Vec<Member>,
    pub(crate) m: UptimeMetrics,
}

impl Uptime {
    /// Services down now.
    pub fn down(&self) -> usize {
        self.members.iter().filter(|m| !m.up).count()
    }

    /// The part's spec as it stands (its availability changes live).
    pub fn spec(&self) -> &UptimeSpec {
        &self.spec
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::MIN;

    #[test]
    fn up_and_down_periods_share_time_as_the_availability_says() {
        let spec = UptimeSpec::new("env", vec![], 0.99, 20 * MIN);
        assert!((spec.mean_up_us() - 99.0 * 20.0 * MIN as f64).abs() < 1.0);
        let mut rng = SimRng::new(7);
        let (mut up, mut down) = (0.0, 0.0);
        for _ in 0..20_000 {
            up += spec.draw_period(&mut rng, true).unwrap() as f64;
            down += spec.draw_period(&mut rng, false).unwrap() as f64;
        }
        let a = up / (up + down);
        assert!((a - 0.99).abs() < 0.002, "{a}");
    }

    #[test]
    fn availability_one_never_goes_down_and_zero_never_comes_back() {
        let mut rng = SimRng::new(1);
        let always = UptimeSpec::new("env", vec![], 1.0, MIN);
        assert_eq!(always.draw_period(&mut rng, true), None);
        let never = UptimeSpec::new("env", vec![], 0.0, MIN);
        assert_eq!(never.draw_period(&mut rng, false), None);
        assert_eq!(never.draw_period(&mut rng, true), Some(0));
    }
}
