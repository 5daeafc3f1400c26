//! `api-versioning` (story 165): the User Profile API renames `firstname`
//! and `lastname` to a nested `name`. Web clients load the new app at once;
//! mobile installs update over months, some never. Changed in place, every
//! old app breaks; served as `/v1` beside `/v2`, nobody breaks until v1 is
//! deleted; an additive change (the new field beside the old ones) needs no
//! v2 at all.
//!
//! Calibration (once, from the story; the mechanism does the rest):
//! - 600 requests a second reach the profile API through the gateway: 40 %
//!   from the web app, 60 % from 10,000 simulated mobile installs (each a
//!   share of millions). Each simulated request stands for `request_weight`
//!   (50,000) real ones, so fifteen months run in about a minute and a half.
//! - Release 2.0 of both apps ships on day 7 with the server's change. The
//!   web app updates at once; each mobile install updates after a delay
//!   drawn with half-life `adoption_half_life_weeks` (6), and
//!   `never_update_percent` (1 %) never update.
//! - Apps 1.x parse `firstname` and `lastname`; apps 2.0 parse `name`. An
//!   answer lacking a field its parser needs is a client error.
//! - The gateway (2 pods) spends 0.5 ms and routes `/users` by the API
//!   version an app asks for: 1.x asks for v1, 2.0 for v2 (under
//!   `uri_versioning`; otherwise both reach the one API, v1). The profile
//!   service (3 pods × 200 threads) spends 12 ms (σ 0.4) and answers.
//! - `sunset_month` (12) months after the release v1 is deleted (under
//!   `uri_versioning`): its requests are answered 410 Gone.
//! - A month is 30 days; 457 days in all; one-day buckets.

use crate::sim::{
    AppReleaseSpec, CallSpec, ClientSpec, Dist, Handler, HandlerId, RoutePath, RouteRule, RouterId,
    RouterSpec, ServiceSpec, Span, Step, Target, TimedId, World, DAY, SEC,
};

use super::figures::{client_series, failure_share_between, share_between, total_between, FAILED};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, Hue, ParamSpec, SeriesExpr};
use super::Scenario;

/// The client populations: each app on each version.
const CLIENTS: [&str; 4] = ["web_1", "web_2", "mobile_1", "mobile_2"];
/// The answer's fields, a bit each.
const FIRSTNAME: u32 = 1;
const LASTNAME: u32 = 2;
const NAME: u32 = 4;
/// Requests a second in all, and the web app's share.
const RATE_RPS: f64 = 600.0;
const WEB_SHARE: f64 = 0.4;
const INSTALLS: u32 = 10_000;
const RELEASE_DAY: u64 = 7;
const MONTH_DAYS: u64 = 30;
/// The API versions' rules and backends.
const V1: u16 = 0;
const V2: u16 = 1;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice(
        "strategy",
        "Strategy",
        &["in_place", "uri_versioning", "additive"],
        "uri_versioning",
        "How 2.0 ships the rename: in place, as /v2 beside v1, or beside the old fields.",
    ),
    ParamSpec::number(
        "sunset_month",
        "Delete v1 at month",
        "",
        12.0,
        1.0,
        18.0,
        "When v1 is deleted (URI versioning): 410 Gone.",
    )
    .integer()
    .or_off(false),
    ParamSpec::number(
        "adoption_half_life_weeks",
        "Adoption half-life",
        "weeks",
        6.0,
        1.0,
        52.0,
        "Half the phones on 1.x update within each half-life.",
    )
    .build_only(),
    ParamSpec::number(
        "never_update_percent",
        "Never update",
        "%",
        1.0,
        0.0,
        20.0,
        "Phones that never update.",
    )
    .build_only(),
    ParamSpec::number(
        "request_weight",
        "Requests per simulated request",
        "",
        50_000.0,
        1_000.0,
        1_000_000.0,
        "Simulation detail; results do not depend on it.",
    )
    .integer()
    .advanced()
    .build_only(),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Set Strategy to in_place.",
        "Client errors by app version.",
        "On day 7 the field is renamed and 2.0 ships. What share of requests fail that day?",
        "About 60 %: every phone still on 1.x gets a 200 it cannot parse.",
        14.0 * 86_400.0,
    )
    .choices(&["None", "About 60 %", "All"], 1)
    .set(&[("strategy", "in_place")])
    .expect("client_error_rate_day1", 0.5, 0.66)
    .charts(&["Client errors by app version", "Requests by API version"]),
    GuidedStep::new(
        "Keep Strategy at uri_versioning.",
        "Share still on v1.",
        "v2 ships beside v1. What is v1's share in month 12?",
        "About 1 %, mostly phones that never update: v1 fades as phones update, and nobody breaks.",
        372.0 * 86_400.0,
    )
    .choices(&["Unchanged", "About 1 %", "Zero"], 1)
    .expect("v1_share_month_12", 0.002, 0.03)
    .charts(&["Requests by API version", "Share still on v1"]),
    GuidedStep::new(
        "Set Delete v1 at month to 3.",
        "Client errors by app version.",
        "v1 is deleted at month 3. Who breaks?",
        "The phones still on 1.x, about one in five: deleting v1 early breaks whoever is still on it.",
        120.0 * 86_400.0,
    )
    .choices(&["Nobody", "Phones on 1.x", "Everyone"], 1)
    .set(&[("sunset_month", "3")])
    .expect("errors_after_sunset", 6e7, 2.5e8)
    .charts(&["Client errors by app version", "Share still on v1"]),
    GuidedStep::new(
        "Set Strategy to additive.",
        "Requests by API version.",
        "name is added beside the old fields. Client errors? A v2?",
        "Neither: 1.x ignores the new field. An additive change is backward-compatible.",
        60.0 * 86_400.0,
    )
    .choices(&["Errors", "A v2", "Neither"], 2)
    .set(&[("strategy", "additive")])
    .expect("client_error_rate_day1", 0.0, 0.0)
    .charts(&["Requests by API version", "Client errors by app version"]),
];

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn charts() -> Vec<ChartSpec> {
    let per_s = |n: &str| SeriesExpr::PerSecond(n.to_string());
    vec![
        ChartSpec {
            title: "Requests by API version",
            unit: "req/s",
            lines: vec![
                line("v1", per_s("gateway.to.v1")).hue(Hue::Orange),
                line("v2", per_s("gateway.to.v2")).hue(Hue::Sky),
                line("410 Gone", per_s("gateway.gone"))
                    .hue(Hue::Vermillion)
                    .dashed(),
            ],
        },
        ChartSpec {
            title: "Client errors by app version",
            unit: "per second",
            lines: vec![
                line("mobile 1.x", per_s("mobile_1.error")).hue(Hue::Vermillion),
                line("web 1.x", per_s("web_1.error")).hue(Hue::Orange),
                line("mobile 2.0", per_s("mobile_2.error")).hue(Hue::Sky),
                line("web 2.0", per_s("web_2.error")).hue(Hue::Green),
            ],
        },
        ChartSpec {
            title: "Share still on v1",
            unit: "share",
            lines: vec![line(
                "requests to v1",
                SeriesExpr::Ratio(
                    names(&["gateway.to.v1"]),
                    names(&["gateway.to.v1", "gateway.to.v2"]),
                ),
            )
            .hue(Hue::Orange)],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("client_error_rate_day1", "Client errors, release day"),
    ("v1_share_month_12", "v1 share, month 12"),
    ("errors_after_sunset", "Errors after v1's deletion"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "api-versioning",
    title: "API versioning",
    story: Some(165),
    lesson: "v1 beside v2 until old clients fade; additive changes need no v2",
    narrative: "The User Profile API renames firstname and lastname to name. Web updates at \
        once; phones update over months, some never. In place, the change breaks every phone \
        on the old app. As /v1 beside /v2, v1 fades with adoption until it is deleted and \
        whoever is left gets 410 Gone. Adding the field beside the old ones breaks nobody.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 457.0 * 86_400.0,
    speed: 432_000.0,
    bucket_ms: 86_400_000,
    build,
};

struct VersioningModel {
    world: World,
    router: RouterId,
    /// The v1 handler, whose answer changes at the release.
    v1: HandlerId,
    release: Option<TimedId>,
    sunset: Option<TimedId>,
}

fn release_us() -> u64 {
    RELEASE_DAY * DAY
}

/// The day v1 is deleted, if `p` deletes it.
fn sunset_day(p: &Params) -> Option<u64> {
    let m = p.num("sunset_month")?;
    (p.choice("strategy") == "uri_versioning").then(|| RELEASE_DAY + m as u64 * MONTH_DAYS)
}

/// The fields v1 answers with from the release on, and where v2 requests go.
fn released(p: &Params) -> (u32, u16) {
    match p.choice("strategy") {
        "in_place" => (NAME, V1),
        "additive" => (FIRSTNAME | LASTNAME | NAME, V1),
        _ => (FIRSTNAME | LASTNAME, V2),
    }
}

fn api_steps(fields: u32) -> Vec<Step> {
    let work = Dist::LogNormal {
        median_ms: 12.0,
        sigma: 0.4,
    };
    vec![Step::Work(work), Step::Respond { fields }]
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let gateway = world.add_service(ServiceSpec::new("gateway", 2, 1_000));
    let api = world.add_service(ServiceSpec::new("profile", 3, 200));
    let v1 = world.add_handler(Handler::new("v1", api, api_steps(FIRSTNAME | LASTNAME)));
    let v2 = world.add_handler(Handler::new("v2", api, api_steps(NAME)));
    let call = |h| CallSpec::new(api, h).timeout_us(30 * SEC);
    let spec = RouterSpec::new("gateway", &["v1", "v2"])
        .path(RoutePath::new("/users", vec![call(v1), call(v2)]))
        .rule(RouteRule::new("v1", "/users", Target::Backend(V1)).version(1))
        .rule(RouteRule::new("v2", "/users", Target::Backend(released(p).1)).version(2));
    let router = world.add_router(spec);
    let step = world.route_step(router, "/users");
    let work = Step::Work(Dist::Constant { ms: 0.5 });
    let front = world.add_handler(Handler::new("users", gateway, vec![work, step]));

    let weight = p.f("request_weight") as u32;
    let mut ids = Vec::new();
    for (i, name) in CLIENTS.iter().enumerate() {
        let (version, parser) = if i % 2 == 0 {
            (1, FIRSTNAME | LASTNAME)
        } else {
            (2, NAME)
        };
        let spec = ClientSpec::new(name, 0.0, gateway, front)
            .api_version(version)
            .parses(parser)
            .timeout_us(10 * SEC)
            .weight(weight);
        ids.push(world.add_client(spec));
    }
    let at = release_us();
    let web = AppReleaseSpec::new("web", ids[0], ids[1], RATE_RPS * WEB_SHARE, at);
    world.add_app_release(web);
    let half_life = p.f("adoption_half_life_weeks") * 7.0 * DAY as f64;
    let mobile = AppReleaseSpec::new("mobile", ids[2], ids[3], RATE_RPS * (1.0 - WEB_SHARE), at)
        .adoption(
            INSTALLS,
            half_life as u64,
            p.f("never_update_percent") / 100.0,
        );
    world.add_app_release(mobile);

    let mut model = VersioningModel {
        world,
        router,
        v1,
        release: None,
        sunset: None,
    };
    model.schedule(p);
    Box::new(model)
}

impl VersioningModel {
    /// Schedules (again) the release's change of v1 and v1's deletion as `p`
    /// asks, or makes them now if their time has passed.
    fn schedule(&mut self, p: &Params) {
        if let Some(id) = self.release.take() {
            self.world.cancel(id);
        }
        if let Some(id) = self.sunset.take() {
            self.world.cancel(id);
        }
        let (fields, v2_to) = released(p);
        let (router, v1) = (self.router, self.v1);
        self.world
            .set_route_target(router, "v2", Target::Backend(v2_to));
        let now = self.world.now();
        let change = move |w: &mut World| w.set_steps(v1, api_steps(fields));
        if now < release_us() {
            let label = "2.0 released";
            self.release = Some(self.world.at(release_us(), label, Box::new(change)));
        } else {
            change(&mut self.world);
        }
        let sunset = sunset_day(p).map(|d| d * DAY);
        match sunset {
            Some(t) if t > now => {
                let gone = move |w: &mut World| w.set_route_gone(router, "v1", true);
                self.sunset = Some(self.world.at(t, "v1 deleted", Box::new(gone)));
                self.world.set_route_gone(router, "v1", false);
            }
            _ => self.world.set_route_gone(router, "v1", sunset.is_some()),
        }
    }
}

impl Model for VersioningModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        if name == "strategy" || name == "sunset_month" {
            self.schedule(p);
        }
    }

    fn headline(&self, p: &Params, v: &Span) -> Headline {
        let failed = client_series(&CLIENTS, &FAILED);
        let ok = client_series(&CLIENTS, &["ok"]);
        let both = names(&["gateway.to.v1", "gateway.to.v2"]);
        let (day1, month12) = (RELEASE_DAY, RELEASE_DAY + 11 * MONTH_DAYS);
        let end = v.buckets_closed();
        // The days since v1's deletion, once one has ended.
        let after = sunset_day(p).filter(|d| end > *d);
        vec![
            (
                "client_error_rate_day1",
                failure_share_between(v, &failed, &ok, day1, day1 + 1),
            ),
            (
                "v1_share_month_12",
                share_between(v, &both[..1], &both, month12, month12 + MONTH_DAYS),
            ),
            (
                "errors_after_sunset",
                after.map(|d| total_between(v, &failed, d, end)),
            ),
        ]
    }
}
