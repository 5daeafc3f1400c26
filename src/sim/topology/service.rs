//! Services, their pods, and the worker pools inside each pod.
//!
//! A service is a set of identical pods behind a load balancer. A pod has one or
//! more worker pools (threads, event-loop slots, connections); a handler runs on
//! one pool, holding one of its workers from start to finish. A pool with its own
//! small size is a thread-pool bulkhead. Each pool has a bounded FIFO queue; a
//! request that finds the queue full is rejected.
//!
//! No queue is unbounded: a pool that declares no bound gets
//! [`DEFAULT_QUEUE_CAP`] per pod, the accept backlog a Linux server gets by
//! default (`net.core.somaxconn`, 4096 since Linux 5.4, caps every listen
//! queue). A stable load never comes near it (an M/M/c queue at 98 % busy holds
//! a few hundred at its worst hour). What an overload does with a full backlog
//! depends on who knocks ([`backlog`](super::backlog)): a client's request is
//! turned away at once by the load balancer in front of the pods, and shows as
//! a rejection; a service calling a pod directly has its connection attempt
//! dropped, as Linux drops a SYN to a full listen queue, and waits for the
//! retransmission, so the caller's timeout, not a refusal, ends its wait. A
//! pool with a bound of its own (an application's bounded work queue) refuses
//! at once whoever knocks. Either way memory stays bounded.

use std::collections::VecDeque;

use crate::sim::capacity::cpu::{Cpu, Discipline};
use crate::sim::kernel::metrics::{CounterId, GaugeId, LatencyId};
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::time::Micros;
use crate::sim::topology::affinity::Affinity;

/// How a service picks a pod for an incoming request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balancer {
    /// Each ready pod in turn.
    RoundRobin,
    /// The ready pod with the fewest requests in it (ties: the lowest index).
    LeastConnections,
}

/// A worker pool as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolSpec {
    /// Name, for metrics and the UI (`"workers"`, `"resizer-bulkhead"`).
    pub name: String,
    /// Number of workers per pod.
    pub workers: u32,
    /// Queue bound per pod; `None` is the default accept backlog,
    /// [`DEFAULT_QUEUE_CAP`].
    pub queue_cap: Option<u32>,
    /// True when the bound is the listen socket's backlog (the default, or
    /// one set with [`backlog`](Self::backlog)): a direct connection to a full
    /// one is dropped and retransmitted. False for an application's own
    /// bounded queue ([`queue_cap`](Self::queue_cap)), which refuses at once.
    pub kernel_backlog: bool,
}

/// The queue bound per pod of a pool that declares none: Linux's default
/// `net.core.somaxconn` (4096 since kernel 5.4), the most connections a
/// listening socket keeps waiting to be accepted.
pub const DEFAULT_QUEUE_CAP: u32 = 4096;

impl PoolSpec {
    /// A pool with the default queue bound ([`DEFAULT_QUEUE_CAP`]).
    pub fn new(name: &str, workers: u32) -> Self {
        PoolSpec {
            name: name.to_string(),
            workers,
            queue_cap: None,
            kernel_backlog: true,
        }
    }

    /// The same pool with a bounded work queue of its own, which refuses a
    /// request at once when full (a thread pool's rejection policy).
    pub fn queue_cap(mut self, cap: u32) -> Self {
        self.queue_cap = Some(cap);
        self.kernel_backlog = false;
        self
    }

    /// The same pool with a listen backlog of `cap` instead of the kernel's
    /// default (the `backlog` argument of `listen`: Tomcat's `acceptCount`,
    /// nginx's `backlog=`): full, it drops connection attempts, which their
    /// senders retransmit (`backlog.rs`).
    pub fn backlog(mut self, cap: u32) -> Self {
        self.queue_cap = Some(cap.min(DEFAULT_QUEUE_CAP));
        self.kernel_backlog = true;
        self
    }
}

/// A service as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSpec {
    /// Name, unique in the world (`"core-api"`).
    pub name: String,
    /// Pods at the start of the run.
    pub pods: u32,
    /// The worker pools every pod has.
    pub pools: Vec<PoolSpec>,
    /// How requests are spread over pods.
    pub balancer: Balancer,
    /// The CPU of each pod, when `Step::Cpu` work should queue for cores
    /// (`pod_cpu.rs`); `None`: CPU steps just take their time.
    pub cpu: Option<PodCpuSpec>,
}

/// The CPU of one pod: `cores` shared by its requests' `Step::Cpu` work.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PodCpuSpec {
    /// Cores per pod (1 for a single-threaded event loop).
    pub cores: u32,
    /// How the work shares them (`Fifo` for an event loop, processor sharing for threads).
    pub discipline: Discipline,
}

impl ServiceSpec {
    /// A service of `pods` pods, each with one pool of `workers` workers.
    pub fn new(name: &str, pods: u32, workers: u32) -> Self {
        ServiceSpec {
            name: name.to_string(),
            pods,
            pools: vec![PoolSpec::new("workers", workers)],
            balancer: Balancer::RoundRobin,
            cpu: None,
        }
    }

    /// Adds a further pool (a bulkhead, a connection pool …).
    pub fn pool(mut self, pool: PoolSpec) -> Self {
        self.pools.push(pool);
        self
    }

    /// Gives the first pool a bounded work queue that refuses when full.
    pub fn queue_cap(mut self, cap: u32) -> Self {
        self.pools[0] = self.pools[0].clone().queue_cap(cap);
        self
    }

    /// Sets the first pool's listen backlog (see [`PoolSpec::backlog`]).
    pub fn backlog(mut self, cap: u32) -> Self {
        self.pools[0] = self.pools[0].clone().backlog(cap);
        self
    }

    /// Sets the balancer.
    pub fn balancer(mut self, b: Balancer) -> Self {
        self.balancer = b;
        self
    }
}

/// Life-cycle state of a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodState {
    /// Taking traffic.
    Ready,
    /// Starting up; ready at the given time.
    Starting { ready_at_us: Micros },
    /// Taking no new traffic; removed once empty.
    Draining,
    /// Gone (scaled in); the slot stays so that indices are stable.
    Gone,
}

/// A worker pool's live state in one pod.
#[derive(Clone, Debug, Default)]
pub struct Pool {
    /// Workers in this pod's pool.
    pub workers: u32,
    /// Workers busy now.
    pub busy: u32,
    /// Queue bound (`None`: unbounded; pods made from a `PoolSpec` are
    /// always bounded, see [`DEFAULT_QUEUE_CAP`]).
    pub queue_cap: Option<u32>,
    /// True when the bound is the kernel's accept backlog (the pool declared
    /// none): a direct connection attempt to a full one is dropped, not
    /// refused (see [`backlog`](super::backlog)).
    pub kernel_backlog: bool,
    /// Requests waiting for a worker, oldest first.
    pub queue: VecDeque<ReqRef>,
}

impl Pool {
    /// True when a worker is free.
    pub fn has_free_worker(&self) -> bool {
        self.busy < self.workers
    }

    /// True when the queue can take one more request.
    pub fn queue_has_room(&self) -> bool {
        self.queue_cap.is_none_or(|c| (self.queue.len() as u32) < c)
    }
}

/// One pod's live state.
#[derive(Clone, Debug)]
pub struct Pod {
    /// Life-cycle state.
    pub state: PodState,
    /// Its pools, in the order of the service's `pools`.
    pub pools: Vec<Pool>,
    /// Requests inside the pod (queued or being worked on).
    pub in_flight: u32,
    /// Its CPU, when the service declares one.
    pub cpu: Option<Cpu<ReqRef>>,
    /// Unique among the service's pods ever made: a pod slot reused after a
    /// scale-in holds a new pod, not the old one (session affinity needs this).
    pub uid: u32,
}

impl Pod {
    /// True when the pod takes traffic.
    pub fn is_ready(&self) -> bool {
        self.state == PodState::Ready
    }
}

/// Metric handles of a service.
#[derive(Clone, Debug)]
pub(crate) struct ServiceMetrics {
    pub busy: GaugeId,
    pub queued: GaugeId,
    pub in_system: GaugeId,
    pub pods_ready: GaugeId,
    pub pods_starting: GaugeId,
    pub completed: CounterId,
    /// Requests that reached the service (admitted, queued or turned away).
    pub arrived: CounterId,
    pub wait: LatencyId,
    pub latency: LatencyId,
    /// Busy workers per pool (summed over pods), in pool order.
    pub pool_busy: Vec<GaugeId>,
    /// Requests turned away by a full pool queue, in pool order.
    pub pool_rejected: Vec<CounterId>,
    /// Connection attempts dropped by a full accept backlog (Linux's
    /// `ListenOverflows`); each is retransmitted later (`backlog.rs`).
    pub listen_overflows: CounterId,
}

/// A service's live state.
#[derive(Clone, Debug)]
pub struct Service {
    /// The declaration it was built from (pool sizes there are the defaults for new pods).
    pub spec: ServiceSpec,
    /// Pods, by stable index.
    pub pods: Vec<Pod>,
    /// Round-robin cursor.
    pub(crate) rr_next: u32,
    pub(crate) m: ServiceMetrics,
    /// How long a new pod takes to become ready.
    pub startup_us: Micros,
    /// Arrival counters per request class, when counting is on (`class_counts.rs`).
    pub(crate) from_class: Option<Vec<Option<CounterId>>>,
    /// Pods made so far (the next pod's `uid`).
    pub(crate) pods_made: u32,
    /// Session pins, when the balancer is sticky (`affinity.rs`).
    pub affinity: Affinity,
    pub(crate) cpu_m: Option<PodCpuMetrics>,
    /// Probability that an answer to a caller is lost on the way back, after
    /// the work is done (see `World::set_response_loss`).
    pub response_loss: f64,
    pub(crate) lost: Option<CounterId>,
}

/// Metric handles of a service's pod CPUs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PodCpuMetrics {
    /// Busy cores summed over pods.
    pub busy: GaugeId,
    /// Cores of ready pods.
    pub cores: GaugeId,
}

impl Service {
    /// Number of pods taking traffic.
    pub fn ready_pods(&self) -> u32 {
        self.pods.iter().filter(|p| p.is_ready()).count() as u32
    }

    /// Number of pods starting up.
    pub fn starting_pods(&self) -> u32 {
        self.pods
            .iter()
            .filter(|p| matches!(p.state, PodState::Starting { .. }))
            .count() as u32
    }

    /// Busy workers of pool `pool`, summed over pods.
    pub fn busy(&self, pool: usize) -> u32 {
        self.pods.iter().map(|p| p.pools[pool].busy).sum()
    }

    /// Workers of pool `pool` in ready pods.
    pub fn capacity(&self, pool: usize) -> u32 {
        self.pods
            .iter()
            .filter(|p| p.is_ready())
            .map(|p| p.pools[pool].workers)
            .sum()
    }

    /// Requests queued in pool `pool`, summed over pods.
    pub fn queued(&self, pool: usize) -> u32 {
        self.pods
            .iter()
            .map(|p| p.pools[pool].queue.len() as u32)
            .sum()
    }

    pub(crate) fn new_pod(&mut self, state: PodState) -> Pod {
        self.pods_made += 1;
        Pod {
            cpu: self.spec.cpu.map(|c| Cpu::new(c.cores, c.discipline)),
            uid: self.pods_made,
            state,
            pools: self
                .spec
                .pools
                .iter()
                .map(|p| Pool {
                    workers: p.workers,
                    busy: 0,
                    queue_cap: Some(p.queue_cap.unwrap_or(DEFAULT_QUEUE_CAP)),
                    kernel_backlog: p.kernel_backlog,
                    queue: VecDeque::new(),
                })
                .collect(),
            in_flight: 0,
        }
    }

    /// Picks a ready pod by the balancer, if any pod is ready.
    #[inline]
    pub(crate) fn pick_pod(&mut self) -> Option<u32> {
        let n = self.pods.len() as u32;
        if n == 0 {
            return None;
        }
        match self.spec.balancer {
            Balancer::RoundRobin => {
                // From `rr_next` round the pods once, wrapping by a compare
                // rather than a division per pod (`rr_next` passes the end
                // only when pods went away since the last pick).
                let mut i = if self.rr_next < n {
                    self.rr_next
                } else {
                    self.rr_next % n
                };
                for _ in 0..n {
                    let next = if i + 1 == n { 0 } else { i + 1 };
                    if self.pods[i as usize].is_ready() {
                        self.rr_next = next;
                        return Some(i);
                    }
                    i = next;
                }
                None
            }
            Balancer::LeastConnections => self
                .pods
                .iter()
                .enumerate()
                .filter(|(_, p)| p.is_ready())
                .min_by_key(|(i, p)| (p.in_flight, *i))
                .map(|(i, _)| i as u32),
        }
    }
}
