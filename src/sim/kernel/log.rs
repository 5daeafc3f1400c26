//! The event log: notable things that happened, with their simulated time.
//!
//! Bounded: the oldest entries fall off. Entries marked as markers are also drawn
//! on charts as labelled vertical lines (a fault, a toggle flipped).

use std::collections::VecDeque;

use crate::sim::kernel::time::Micros;

/// How notable an entry is, for colouring in the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Info,
    Warn,
    Error,
}

/// One log entry.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub at_us: Micros,
    pub level: LogLevel,
    pub text: String,
    /// Drawn on charts as a vertical line.
    pub marker: bool,
}

/// A bounded log of entries, oldest first.
#[derive(Clone, Debug)]
pub struct EventLog {
    entries: VecDeque<LogEntry>,
    cap: usize,
    /// Entries ever written, including those that fell off.
    written: u64,
}

impl EventLog {
    /// A log keeping at most `cap` entries.
    pub fn new(cap: usize) -> Self {
        EventLog {
            entries: VecDeque::new(),
            cap: cap.max(1),
            written: 0,
        }
    }

    /// Appends an entry, dropping the oldest if full.
    pub fn push(&mut self, e: LogEntry) {
        if self.entries.len() == self.cap {
            self.entries.pop_front();
        }
        self.entries.push_back(e);
        self.written += 1;
    }

    /// The entries kept, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &LogEntry> {
        self.entries.iter()
    }

    /// The most entries kept.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Entries ever written.
    pub fn written(&self) -> u64 {
        self.written
    }
}
