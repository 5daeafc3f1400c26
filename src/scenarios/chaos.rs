//! Chaos parameters: four for each service of every scenario, generated from
//! the services its default build has, so a link, `lab run --set` and the
//! page inject faults into any service the same way they flip a toggle:
//!
//! - `chaos.SERVICE.latency_ms` — latency added on the way in (off, or ms);
//! - `chaos.SERVICE.fail_percent` — share of its OK answers that fail (0–100);
//! - `chaos.SERVICE.partitioned` — on: nothing reaches it;
//! - `chaos.SERVICE.pods_down` — pods killed and held down (0 restarts them).
//!
//! They act through the engine's chaos part (`sim/topology/chaos.rs`) on
//! whatever world a scenario built, never through scenario code: [`apply`]
//! is called by [`Run`](super::Run) for every `chaos.` name, at the start
//! for values that are not at their default and at once for a change.

use std::sync::OnceLock;

use crate::sim::{ServiceId, World, MS};

use super::params::Params;
use super::schema::{ParamSpec, Value};
use super::Scenario;

/// What every chaos parameter's name starts with.
pub const PREFIX: &str = "chaos.";

/// The most added latency, in ms (a minute: past any timeout in the stories).
pub const MAX_LATENCY_MS: f64 = 60_000.0;

/// The most pods held down (more than any service has; the engine holds
/// what there is).
pub const MAX_PODS_DOWN: f64 = 1_000.0;

/// True for a chaos parameter's name.
pub fn is_chaos(name: &str) -> bool {
    name.starts_with(PREFIX)
}

/// The four chaos parameters of each of `services`, in that order.
///
/// Their names and labels are made once per scenario and live for the whole
/// process, as the scenarios' own (`&'static`) ones do: see [`schema`].
pub fn params_for(services: &[String]) -> Vec<ParamSpec> {
    let text = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let mut out = Vec::with_capacity(services.len() * 4);
    for s in services {
        out.push(
            ParamSpec::number(
                text(format!("{PREFIX}{s}.latency_ms")),
                text(format!("{s}: added latency")),
                "ms",
                200.0,
                1.0,
                MAX_LATENCY_MS,
                "Chaos: every request or call to it waits this long on the way in (a network delay; it counts against the caller's timeout).",
            )
            .or_off(true)
            .advanced(),
        );
        out.push(
            ParamSpec::number(
                text(format!("{PREFIX}{s}.fail_percent")),
                text(format!("{s}: failing answers")),
                "%",
                0.0,
                0.0,
                100.0,
                "Chaos: this share of the answers it would give OK fail instead, after the work is done.",
            )
            .advanced(),
        );
        out.push(
            ParamSpec::switch(
                text(format!("{PREFIX}{s}.partitioned")),
                text(format!("{s}: partitioned")),
                false,
                "Chaos: nothing reaches it; callers' connection attempts get no answer until their own timeout.",
            )
            .advanced(),
        );
        out.push(
            ParamSpec::number(
                text(format!("{PREFIX}{s}.pods_down")),
                text(format!("{s}: pods killed")),
                "pods",
                0.0,
                0.0,
                MAX_PODS_DOWN,
                "Chaos: this many pods are killed now (their requests fail) and held down; back to 0 restarts them.",
            )
            .integer()
            .advanced(),
        );
    }
    out
}

/// Every parameter of `scenario`: its own, then the chaos parameters of the
/// services its default build has. Made once per scenario.
pub fn schema(scenario: &Scenario) -> &'static [ParamSpec] {
    static SCHEMAS: OnceLock<Vec<OnceLock<&'static [ParamSpec]>>> = OnceLock::new();
    let all = super::catalogue();
    let slots = SCHEMAS.get_or_init(|| all.iter().map(|_| OnceLock::new()).collect());
    let Some(i) = all.iter().position(|s| s.id == scenario.id) else {
        // Not in the catalogue (a test's own scenario): its own parameters.
        return scenario.params;
    };
    let scenario = &all[i];
    slots[i].get_or_init(|| {
        let model = (scenario.build)(&Params::defaults(scenario.params), 1);
        let names: Vec<String> = model
            .world()
            .services()
            .iter()
            .map(|s| s.spec.name.clone())
            .collect();
        let mut specs = scenario.params.to_vec();
        specs.extend(params_for(&names));
        Vec::leak(specs)
    })
}

/// Applies chaos parameter `name` (just set in `params`) to `world` now.
/// A service this run's world lacks (a parameter added one to the default
/// build's) is left alone.
pub fn apply(world: &mut World, params: &Params, name: &str) {
    let Some((service, what)) = name
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.rsplit_once('.'))
    else {
        return;
    };
    let Some(id) = find_service(world, service) else {
        return;
    };
    // The value as the schema made it (a number or off, a switch).
    let (x, on) = match params.get(name) {
        Value::Number(x) => (*x, true),
        Value::Switch(b) => (0.0, *b),
        _ => (0.0, false),
    };
    match what {
        "latency_ms" => world.set_chaos_latency(id, (x * MS as f64).round() as u64),
        "fail_percent" => world.set_chaos_failures(id, x / 100.0),
        "partitioned" => world.set_partitioned(id, on),
        "pods_down" => {
            world.set_pods_down(id, x as u32);
        }
        _ => {}
    }
}

/// Applies, at the start of a run, every chaos parameter not at its default.
pub fn apply_initial(world: &mut World, params: &Params) {
    for spec in params.specs().iter().filter(|s| is_chaos(s.name)) {
        if *params.get(spec.name) != spec.default {
            apply(world, params, spec.name);
        }
    }
}

fn find_service(world: &World, name: &str) -> Option<ServiceId> {
    world
        .service_ids()
        .find(|&id| world.services()[id.index()].spec.name == name)
}
