//! Data: databases with replicas and connection pools, query plans, ORM access
//! patterns, caches, a Redis-like key-value store, tables with unique
//! constraints, row locks, an event broker, a store replicated over
//! several nodes, and change data capture from one table to another.

pub mod broker;
mod broker_flow;
pub mod cache;
pub(crate) mod cache_flow;
pub mod cdc;
mod cdc_flow;
pub(crate) mod change_log;
pub mod database;
pub(crate) mod db_flow;
pub(crate) mod event;
pub mod kv;
mod kv_flow;
pub mod locks;
mod locks_flow;
pub mod orm;
pub mod query_cost;
pub mod replicated;
mod replicated_flow;
pub mod store;
pub mod table;
mod table_flow;
