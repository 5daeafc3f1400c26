//! The future event list: a 4-ary min-heap ordered by time, then by insertion order.
//!
//! Ties at the same microsecond are broken by a sequence number, so the order of
//! simultaneous events is the order they were scheduled in — never an accident
//! of the heap's layout. The (time, sequence) key is unique, so any correct
//! heap pops the same events in the same order: the layout is free to be fast.
//!
//! Why not `std::collections::BinaryHeap`: every event of a run passes through
//! here twice (push, pop), and the heap was a fifth of the engine's work.
//! - A 4-ary heap is half as deep as a binary one (a few hundred pending
//!   events: 4 levels instead of 8), and the smallest of four children is
//!   found without a data-dependent branch.
//! - An entry keeps its time and sequence as two `u64`s, not one `u128`, whose
//!   16-byte alignment padded each entry from 40 bytes to 48.
//! - A pop leaves a hole at the root instead of filling it at once, because
//!   the event it hands out usually schedules another (an arrival the next
//!   arrival, a finished step the next step): that push drops into the hole
//!   and sinks to its place, one walk down the heap where filling the hole
//!   with the last entry and then adding the new one at the bottom took two.

use crate::sim::kernel::time::Micros;

/// Children per node.
const ARITY: usize = 4;

/// An event with its order key.
#[derive(Clone, Copy)]
struct Entry<E> {
    at: Micros,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// True when `self` comes out first: earlier, or at the same time and
    /// scheduled first. Two words compared in turn, not one `u128`: times
    /// almost never tie, so the branch on them is predicted, where a `u128`
    /// comparison and select is several instructions on x86-64 and more in
    /// wasm, which has no 128-bit integers.
    #[inline(always)]
    fn before(&self, other: &Self) -> bool {
        if self.at != other.at {
            self.at < other.at
        } else {
            self.seq < other.seq
        }
    }
}

/// A priority queue of events keyed by simulated time, FIFO among equal times.
pub struct EventQueue<E> {
    /// The heap: `heap[0]` is the earliest; the children of `i` are
    /// `ARITY * i + 1 ..= ARITY * i + ARITY`.
    heap: Vec<Entry<E>>,
    /// `heap[0]` was popped and holds nothing: the next push fills it, or the
    /// next look at the queue moves the last entry there.
    hole: bool,
    next_seq: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: Vec::with_capacity(1024),
            hole: false,
            next_seq: 0,
        }
    }

    /// Schedules `event` at time `at`.
    #[inline]
    pub fn push(&mut self, at: Micros, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry { at, seq, event };
        if self.hole {
            self.hole = false;
            self.sink(entry);
        } else {
            self.heap.push(entry);
            self.rise(entry);
        }
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<Micros> {
        if self.hole {
            // The root's children head the heap's subtrees.
            let children = &self.heap[1..self.heap.len().min(ARITY + 1)];
            children.iter().map(|e| e.at).min()
        } else {
            self.heap.first().map(|e| e.at)
        }
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Micros, E)> {
        self.fill_hole();
        let top = *self.heap.first()?;
        self.hole = true;
        Some((top.at, top.event))
    }

    /// Removes and returns the earliest event if it is due strictly before `until`.
    #[inline]
    pub fn pop_before(&mut self, until: Micros) -> Option<(Micros, E)> {
        self.fill_hole();
        let top = *self.heap.first()?;
        if top.at >= until {
            return None;
        }
        self.hole = true;
        Some((top.at, top.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len() - self.hole as usize
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes the hole a pop left, if no push filled it: the last entry takes
    /// its place.
    #[inline]
    fn fill_hole(&mut self) {
        if !self.hole {
            return;
        }
        self.hole = false;
        let last = self.heap.pop().expect("a hole is in a non-empty heap");
        if !self.heap.is_empty() {
            self.sink_from_bottom(last);
        }
    }

    /// The earliest child of `parent`, if it has children.
    #[inline(always)]
    fn smallest_child(heap: &[Entry<E>], parent: usize) -> Option<usize> {
        let first = ARITY * parent + 1;
        if first + ARITY <= heap.len() {
            // Four children: a small tournament (keys are unique, so the
            // earliest is one entry, whatever the order of comparisons).
            let c = &heap[first..first + ARITY];
            let a = if c[1].before(&c[0]) { 1 } else { 0 };
            let b = if c[3].before(&c[2]) { 3 } else { 2 };
            Some(first + if c[b].before(&c[a]) { b } else { a })
        } else if first < heap.len() {
            // The last parent, with fewer children.
            let mut best = first;
            for c in first + 1..heap.len() {
                if heap[c].before(&heap[best]) {
                    best = c;
                }
            }
            Some(best)
        } else {
            None
        }
    }

    /// Puts `entry`, just appended, in its place: moves parents down into the
    /// hole until its parent is earlier.
    #[inline]
    fn rise(&mut self, entry: Entry<E>) {
        let last = self.heap.len() - 1;
        self.rise_from(last, entry);
    }

    /// Puts `entry` in the hole at `hole`, or above it: moves parents down
    /// into the hole until its parent is earlier.
    #[inline(always)]
    fn rise_from(&mut self, mut hole: usize, entry: Entry<E>) {
        let heap = &mut self.heap[..];
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if !entry.before(&heap[parent]) {
                break;
            }
            heap[hole] = heap[parent];
            hole = parent;
        }
        heap[hole] = entry;
    }

    /// Puts `entry` in the hole at the root: moves the smallest child up while
    /// it is earlier than `entry`. A newly scheduled event is often among the
    /// earliest (the next arrival), so it stops after a level or two.
    #[inline]
    fn sink(&mut self, entry: Entry<E>) {
        let heap = &mut self.heap[..];
        let mut hole = 0;
        while let Some(child) = Self::smallest_child(heap, hole) {
            if entry.before(&heap[child]) {
                break;
            }
            heap[hole] = heap[child];
            hole = child;
        }
        heap[hole] = entry;
    }

    /// Puts `entry` (the heap's former last entry) in the hole at the root:
    /// walks the hole down along the smallest children to a leaf, then back up
    /// to where `entry` belongs. The last entry is usually among the latest,
    /// so it belongs near the bottom: going straight down spares a comparison
    /// with it at every level, and the climb back is short.
    #[inline]
    fn sink_from_bottom(&mut self, entry: Entry<E>) {
        let heap = &mut self.heap[..];
        let mut hole = 0;
        while let Some(child) = Self::smallest_child(heap, hole) {
            heap[hole] = heap[child];
            hole = child;
        }
        self.rise_from(hole, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_fifo_among_ties() {
        let mut q = EventQueue::new();
        q.push(5, "c");
        q.push(1, "a");
        q.push(5, "d");
        q.push(3, "b");
        q.push(5, "e");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn pop_before_leaves_later_events() {
        let mut q = EventQueue::new();
        q.push(10, 'b');
        q.push(2, 'a');
        assert_eq!(q.pop_before(10), Some((2, 'a')));
        assert_eq!(q.pop_before(10), None);
        assert_eq!(q.len(), 1);
        assert_eq!(q.peek_time(), Some(10));
        assert_eq!(q.pop_before(11), Some((10, 'b')));
        assert!(q.is_empty());
        assert_eq!(q.peek_time(), None);
        assert_eq!(q.pop(), None);
    }

    /// Against a sorted reference, with pushes and pops interleaved the way a
    /// simulation does (each pop schedules a few events at or after its time),
    /// many ties, a queue that grows and shrinks, and a look at the earliest
    /// time between every two steps.
    #[test]
    fn matches_a_sorted_reference_under_interleaving() {
        let mut q = EventQueue::new();
        let mut reference: Vec<(Micros, u64)> = Vec::new();
        let mut seq = 0u64;
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut now = 0;
        for round in 0..20_000u64 {
            let pushes = if (round / 2_000) % 2 == 0 { 3 } else { 1 };
            for _ in 0..next() % (pushes + 1) {
                let at = now + next() % 50;
                q.push(at, seq);
                reference.push((at, seq));
                seq += 1;
            }
            reference.sort_unstable();
            assert_eq!(q.len(), reference.len());
            assert_eq!(q.peek_time(), reference.first().map(|e| e.0));
            if let Some((at, e)) = q.pop() {
                assert_eq!((at, e), reference.remove(0));
                now = at;
            }
        }
        while let Some(got) = q.pop() {
            assert_eq!(got, reference.remove(0));
        }
        assert!(reference.is_empty());
    }
}
