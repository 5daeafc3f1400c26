//! The scenarios the browser tests open, each in a test of its own. Shared by
//! `tests/browser.rs`, which generates one test per entry, and the native
//! `tests/browser_scenarios.rs`, which fails when this list and the catalogue
//! differ: a new scenario cannot be left out of the browser tests unnoticed.

/// Calls `$then! { test_name: "scenario-id", … }` with every scenario; each test
/// is named after its scenario's id, with `_` for `-`.
macro_rules! browser_scenarios {
    ($then:ident) => {
        $then! {
            queueing_basics: "queueing-basics",
            payment_outage: "payment-outage",
            memory_leak: "memory-leak",
            n_plus_one: "n-plus-one",
            dinner_rush: "dinner-rush",
            bot_scraping: "bot-scraping",
            slow_query: "slow-query",
            strangler_fig: "strangler-fig",
            distributed_deadlock: "distributed-deadlock",
            retry_storm: "retry-storm",
            cap_tradeoff: "cap-tradeoff",
            contract_testing: "contract-testing",
            tv_spike: "tv-spike",
            cascading_failure: "cascading-failure",
            webhook_duplicates: "webhook-duplicates",
            api_versioning: "api-versioning",
        }
    };
}
