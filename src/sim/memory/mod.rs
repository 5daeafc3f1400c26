//! Memory: a pod's memory against its limit, retained sets with eviction, a
//! JVM-like garbage collector, and OOM kills with crash-loop back-off.

pub(crate) mod event;
pub mod gc;
mod gc_flow;
pub mod pod_memory;
mod pod_memory_flow;
pub mod restart;
mod restart_flow;
pub mod retained;
