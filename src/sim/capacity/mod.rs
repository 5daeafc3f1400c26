//! Capacity: CPUs shared by jobs, work queued on a pod's CPU, and the Kubernetes
//! HPA arithmetic with the autoscaler that drives it.

pub mod autoscaler;
mod autoscaler_flow;
pub mod cpu;
pub(crate) mod event;
pub mod hpa;
pub mod hpa_metric;
mod hpa_metric_flow;
pub(crate) mod pod_cpu;
pub mod store;
