//! Memory: a pod's memory against its limit, retained sets with eviction, a
//! JVM-like garbage collector, and OOM kills with crash-loop back-off.

pub(crate) mod event;
pub mod gc;
pub mod pod_memory;
pub mod restart;
pub mod retained;
