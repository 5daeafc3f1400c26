//! A CPU with `cores` cores that jobs share: a database server's cores, a pod's
//! event loop.
//!
//! Two disciplines:
//! - [`Discipline::ProcessorSharing`]: every job runs at once; with `k` cores and
//!   `n` jobs each progresses at `min(1, k/n)` of a core. This is how an OS
//!   time-slices many database backends over a few cores, and it is exact here:
//!   a virtual clock `V` advances at the per-job rate, a job submitted at `V0`
//!   with work `w` finishes when `V` reaches `V0 + w`, and the next completion
//!   is rescheduled whenever `n` changes. A job may hold several *shares*
//!   ([`Cpu::submit_shares`]): a weighted request standing for `s` real ones is
//!   `s` identical jobs that run side by side, so `n` counts shares, the job
//!   uses `s` times a single job's cores, and it takes as long as one real
//!   request would, not `s` times longer.
//! - [`Discipline::Fifo`]: at most `k` jobs run, each on a whole core, in the
//!   order they were submitted; the rest wait. A single-threaded event loop is
//!   `Fifo` with one core: a callback runs to completion before the next starts.
//!   A job of `s` shares runs its copies back to back on one core, so under
//!   FIFO a weighted request's latency grows with its weight: a model that
//!   weights requests shares its cores.
//!
//! The owner (a database node, a pod) schedules one wake-up event at
//! [`Cpu::next_done`], tagged with the token [`Cpu::arm`] hands out; a wake-up
//! whose token is stale is ignored. The CPU keeps the integral of busy cores
//! over time, so utilisation over any window is exact.

use std::collections::VecDeque;

use crate::sim::kernel::decimal::trimmed;
use crate::sim::kernel::ordered_map::{OrderedMap, PackedKey};
use crate::sim::kernel::sort::{sort_by_key, total_order};
use crate::sim::kernel::time::Micros;

/// How jobs share the cores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discipline {
    /// All jobs progress together at `min(1, cores / jobs)` each.
    ProcessorSharing,
    /// Up to `cores` jobs run to completion in submission order; others wait.
    Fifo,
}

/// Work below this (in core-microseconds) counts as done: the virtual clock is a
/// float and the wake-up time is rounded up to a whole microsecond.
const DONE_EPS: f64 = 1e-3;

/// A finish tag: ordered by the float's total order, then by submission.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Tag(f64, u64);
impl PackedKey for Tag {
    fn pack(self) -> u128 {
        (total_order(self.0), self.1).pack()
    }
}

/// A multi-core CPU shared by jobs of type `J`.
#[derive(Clone, Debug)]
pub struct Cpu<J> {
    cores: u32,
    discipline: Discipline,
    /// Processor sharing: the virtual clock (work done by each job so far,
    /// core-µs) and the jobs by finish tag.
    vtime: f64,
    ps_jobs: OrderedMap<Tag, (J, u32)>,
    /// Processor sharing: shares of the jobs on the CPU.
    ps_shares: u64,
    /// FIFO: jobs on a core with their end times, and jobs waiting with their work.
    running: Vec<(Micros, u64, J)>,
    waiting: VecDeque<(f64, u64, J)>,
    seq: u64,
    /// When the state was last brought up to date.
    last_us: Micros,
    /// Integral of busy cores over time, core-µs.
    busy_area: f64,
    token: u32,
    armed_at: Option<Micros>,
}

impl<J: Copy> Cpu<J> {
    /// An idle CPU.
    pub fn new(cores: u32, discipline: Discipline) -> Self {
        assert!(cores >= 1, "a CPU needs at least one core");
        Cpu {
            cores,
            discipline,
            vtime: 0.0,
            ps_jobs: OrderedMap::new(),
            ps_shares: 0,
            running: Vec::new(),
            waiting: VecDeque::new(),
            seq: 0,
            last_us: 0,
            busy_area: 0.0,
            token: 0,
            armed_at: None,
        }
    }

    /// Number of cores.
    pub fn cores(&self) -> u32 {
        self.cores
    }

    /// Jobs on the CPU (running or waiting for a core).
    pub fn jobs(&self) -> usize {
        self.ps_jobs.len() + self.running.len() + self.waiting.len()
    }

    /// Cores busy now (fractional never; at most `cores`).
    pub fn busy_cores(&self) -> f64 {
        match self.discipline {
            Discipline::ProcessorSharing => (self.ps_shares as f64).min(self.cores as f64),
            Discipline::Fifo => self.running.len() as f64,
        }
    }

    /// Integral of busy cores from the start to `now`, in core-microseconds.
    pub fn busy_area(&self, now: Micros) -> f64 {
        self.busy_area + self.busy_cores() * now.saturating_sub(self.last_us) as f64
    }

    /// Per-share speed under processor sharing, in core-µs of work per µs.
    fn ps_rate(&self) -> f64 {
        let n = self.ps_shares as f64;
        if n == 0.0 {
            0.0
        } else {
            (self.cores as f64 / n).min(1.0)
        }
    }

    /// Brings the virtual clock and the busy integral up to `now`.
    fn advance(&mut self, now: Micros) {
        debug_assert!(now >= self.last_us, "CPU moved back in time");
        let dt = now.saturating_sub(self.last_us) as f64;
        self.busy_area += self.busy_cores() * dt;
        if self.discipline == Discipline::ProcessorSharing {
            self.vtime += self.ps_rate() * dt;
        }
        self.last_us = now;
    }

    /// Puts a job needing `work_us` core-microseconds on the CPU at `now`.
    pub fn submit(&mut self, now: Micros, work_us: f64, job: J) {
        self.submit_shares(now, work_us, 1, job);
    }

    /// Puts a job of `shares` identical parts, each needing `work_us`
    /// core-microseconds, on the CPU at `now` (a weighted request). Under
    /// processor sharing the parts run side by side; under FIFO one after
    /// another on one core.
    pub fn submit_shares(&mut self, now: Micros, work_us: f64, shares: u32, job: J) {
        assert!(
            work_us.is_finite() && work_us >= 0.0,
            "bad work {}",
            trimmed(work_us, 3)
        );
        assert!(shares >= 1, "a job holds at least one share");
        self.advance(now);
        self.seq += 1;
        match self.discipline {
            Discipline::ProcessorSharing => {
                if self.ps_jobs.is_empty() {
                    // Rebase while idle so the float clock never grows large.
                    self.vtime = 0.0;
                }
                self.ps_shares += u64::from(shares);
                self.ps_jobs
                    .insert(Tag(self.vtime + work_us, self.seq), (job, shares));
            }
            Discipline::Fifo => {
                let work_us = work_us * f64::from(shares);
                if self.running.len() < self.cores as usize {
                    let end = now + work_us.ceil() as Micros;
                    self.running.push((end, self.seq, job));
                } else {
                    self.waiting.push_back((work_us, self.seq, job));
                }
            }
        }
    }

    /// When the next job will finish if nothing else changes.
    pub fn next_done(&self) -> Option<Micros> {
        match self.discipline {
            Discipline::ProcessorSharing => {
                let (tag, _) = self.ps_jobs.first()?;
                let left = (tag.0 - self.vtime).max(0.0);
                let dt = (left / self.ps_rate() - DONE_EPS).max(0.0).ceil();
                Some(self.last_us + dt as Micros)
            }
            Discipline::Fifo => self.running.iter().map(|r| r.0).min(),
        }
    }

    /// Moves the jobs finished by `now` into `out`, in the order they finished
    /// (ties: submission order), and starts waiting FIFO jobs on freed cores.
    pub fn take_done(&mut self, now: Micros, out: &mut Vec<J>) {
        self.advance(now);
        match self.discipline {
            Discipline::ProcessorSharing => {
                while let Some((tag, _)) = self.ps_jobs.first() {
                    if tag.0 > self.vtime + DONE_EPS {
                        break;
                    }
                    let (_, (job, shares)) = self.ps_jobs.pop_first().expect("peeked");
                    self.ps_shares -= u64::from(shares);
                    out.push(job);
                }
            }
            Discipline::Fifo => {
                let mut done: Vec<(Micros, u64, J)> = Vec::new();
                self.running.retain(|r| {
                    if r.0 <= now {
                        done.push(*r);
                        false
                    } else {
                        true
                    }
                });
                sort_by_key(&mut done, |r| (r.0, r.1));
                out.extend(done.iter().map(|r| r.2));
                self.fill_cores(now);
            }
        }
    }

    fn fill_cores(&mut self, now: Micros) {
        while self.running.len() < self.cores as usize {
            let Some((work, seq, job)) = self.waiting.pop_front() else {
                break;
            };
            self.running.push((now + work.ceil() as Micros, seq, job));
        }
    }

    /// Changes the number of cores from `now` on (vertical scaling). Under FIFO,
    /// jobs already on a core keep it; new cores take waiting jobs at once.
    pub fn set_cores(&mut self, now: Micros, cores: u32) {
        assert!(cores >= 1, "a CPU needs at least one core");
        self.advance(now);
        self.cores = cores;
        if self.discipline == Discipline::Fifo {
            self.fill_cores(now);
        }
    }

    /// If the next completion time changed since the last call, a fresh token and
    /// that time: the owner schedules a wake-up then and ignores older tokens.
    pub fn arm(&mut self) -> Option<(Micros, u32)> {
        let next = self.next_done();
        if next == self.armed_at {
            return None;
        }
        self.armed_at = next;
        self.token = self.token.wrapping_add(1);
        next.map(|t| (t, self.token))
    }

    /// True when `token` is the one of the wake-up now armed.
    pub fn is_current(&self, token: u32) -> bool {
        token == self.token
    }

    /// Forgets the armed wake-up (the owner is handling it now).
    pub fn disarm(&mut self) {
        self.armed_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::rng::SimRng;

    /// Drives a CPU alone: submits at the given times, returns (job, finish time).
    fn drive(mut cpu: Cpu<u32>, arrivals: &[(Micros, f64)]) -> Vec<(u32, Micros)> {
        let mut done = Vec::new();
        let mut out = Vec::new();
        let mut i = 0;
        loop {
            let next_arrival = arrivals.get(i).map(|a| a.0);
            match (next_arrival, cpu.next_done()) {
                (Some(a), Some(d)) if a < d => {
                    cpu.submit(a, arrivals[i].1, i as u32);
                    i += 1;
                }
                (Some(a), None) => {
                    cpu.submit(a, arrivals[i].1, i as u32);
                    i += 1;
                }
                (_, Some(d)) => {
                    cpu.take_done(d, &mut out);
                    done.extend(out.drain(..).map(|j| (j, d)));
                }
                (None, None) => return done,
            }
        }
    }

    #[test]
    fn processor_sharing_splits_cores_evenly() {
        // Two cores, four equal jobs at once: each runs at half speed.
        let cpu = Cpu::new(2, Discipline::ProcessorSharing);
        let done = drive(cpu, &[(0, 100.0), (0, 100.0), (0, 100.0), (0, 100.0)]);
        assert!(done.iter().all(|&(_, t)| t == 200), "{done:?}");
        // Fewer jobs than cores: each runs at full speed.
        let cpu = Cpu::new(4, Discipline::ProcessorSharing);
        let done = drive(cpu, &[(0, 100.0), (0, 50.0)]);
        assert_eq!(done, vec![(1, 50), (0, 100)]);
    }

    #[test]
    fn processor_sharing_reschedules_when_a_job_arrives() {
        // One core: a 100 µs job alone for 50 µs, then shares with a 20 µs job.
        // The short one needs 40 µs of wall time (half speed), ends at 90; the
        // long one has 30 µs left then, alone again: ends at 120.
        let cpu = Cpu::new(1, Discipline::ProcessorSharing);
        let done = drive(cpu, &[(0, 100.0), (50, 20.0)]);
        assert_eq!(done, vec![(1, 90), (0, 120)]);
    }

    #[test]
    fn a_job_of_several_shares_is_that_many_jobs_side_by_side() {
        // Four cores. One job of three shares and one plain job, 100 µs each:
        // four parts on four cores, all done at 100 µs, three cores' worth
        // used by the weighted job.
        let mut cpu: Cpu<u32> = Cpu::new(4, Discipline::ProcessorSharing);
        cpu.submit_shares(0, 100.0, 3, 1);
        cpu.submit(0, 100.0, 2);
        assert_eq!(cpu.busy_cores(), 4.0);
        assert_eq!(cpu.next_done(), Some(100));
        // Two cores and the same two jobs: four parts share two cores, so each
        // runs at half speed and both end at 200 µs, as four real jobs would.
        let mut cpu: Cpu<u32> = Cpu::new(2, Discipline::ProcessorSharing);
        cpu.submit_shares(0, 100.0, 3, 1);
        cpu.submit(0, 100.0, 2);
        assert_eq!(cpu.next_done(), Some(200));
        let mut out = Vec::new();
        cpu.take_done(200, &mut out);
        assert_eq!(out, vec![1, 2]);
        assert!((cpu.busy_area(200) - 400.0).abs() < 1e-6);
        assert_eq!(cpu.busy_cores(), 0.0);
        // FIFO runs the parts back to back on one core.
        let mut cpu: Cpu<u32> = Cpu::new(2, Discipline::Fifo);
        cpu.submit_shares(0, 100.0, 3, 1);
        assert_eq!(cpu.next_done(), Some(300));
    }

    #[test]
    fn fifo_runs_in_order_one_job_per_core() {
        let cpu = Cpu::new(1, Discipline::Fifo);
        let done = drive(cpu, &[(0, 100.0), (10, 20.0), (20, 5.0)]);
        assert_eq!(done, vec![(0, 100), (1, 120), (2, 125)]);
    }

    #[test]
    fn busy_area_is_the_integral_of_busy_cores() {
        let mut cpu: Cpu<u32> = Cpu::new(2, Discipline::ProcessorSharing);
        cpu.submit(0, 300.0, 1);
        cpu.submit(0, 300.0, 2);
        cpu.submit(0, 300.0, 3);
        // Three jobs on two cores: all busy until 450 µs.
        let mut out = Vec::new();
        cpu.take_done(450, &mut out);
        assert_eq!(out.len(), 3);
        assert!((cpu.busy_area(1_000) - 900.0).abs() < 1e-6);
        assert_eq!(cpu.busy_cores(), 0.0);
    }

    #[test]
    fn arm_hands_out_a_new_token_only_when_the_next_completion_moves() {
        let mut cpu: Cpu<u32> = Cpu::new(1, Discipline::Fifo);
        cpu.submit(0, 10.0, 1);
        let (t, tok) = cpu.arm().unwrap();
        assert_eq!(t, 10);
        cpu.submit(1, 10.0, 2); // waits: the next completion is still at 10
        assert!(cpu.arm().is_none());
        assert!(cpu.is_current(tok));
    }

    /// M/M/1-PS: mean response time is E[S] / (1 − ρ), whatever the job sizes.
    #[test]
    fn processor_sharing_matches_queueing_theory() {
        let mut rng = SimRng::new(7);
        let (mean_s, rho) = (1_000.0, 0.7);
        let mut t = 0.0;
        let arrivals: Vec<(Micros, f64)> = (0..200_000)
            .map(|_| {
                t += rng.exponential(mean_s / rho);
                (t as Micros, rng.exponential(mean_s))
            })
            .collect();
        let done = drive(Cpu::new(1, Discipline::ProcessorSharing), &arrivals);
        let mean_t: f64 = done
            .iter()
            .map(|&(j, end)| (end - arrivals[j as usize].0) as f64)
            .sum::<f64>()
            / done.len() as f64;
        let want = mean_s / (1.0 - rho);
        assert!((mean_t / want - 1.0).abs() < 0.05, "{mean_t} vs {want}");
    }
}
