//! Share links: the URL fragment that replays a run exactly.
//!
//! `#v=1&s=cascading-failure&seed=7&timeout_ms=2000&at=90:bulkhead=on&t=120`
//!
//! - `v` — link format version (this lab writes and reads 1);
//! - `s` — scenario id; `seed` — the world's seed;
//! - `NAME=VALUE` — a parameter that differs from its default;
//! - `at=SECONDS:NAME=VALUE` — a toggle flipped during the run, at that simulated
//!   second (repeatable);
//! - `t` — the simulated second the run was at when the link was made; the
//!   page replays the run up to it on opening;
//! - `b.NAME=VALUE` — an A/B comparison: a second run, B, with A's parameters
//!   and this one changed ([`encode_b`] writes one per parameter where B
//!   differs from A). B shares A's scenario, seed, timed changes, `t` and
//!   view, so there is no `b.seed`, `b.at` or `b.t`. A bad `b.` key is a
//!   problem like A's, prefixed `B: `, and the rest applies; `b` is `Some`
//!   only when B, so decoded, differs from A.
//!
//! A link can ask for only as much as the page can run in a few minutes:
//! `t` at most [`MAX_T_S`] simulated seconds, and at most [`MAX_EVENTS`]
//! engine events estimated up to `t` (`scenarios::work`), A's and B's
//! together when it compares two runs (the page runs both). A link asking
//! for more opens at 0 and says so; `lab run --link` refuses it. The estimate
//! counts what the clients offer, not the retries, calls and timers that
//! answer it, so a replay also stops for good after [`MAX_REPLAY_EVENTS`]
//! events actually run ([`replay_cap`]; A's and B's together) and says where
//! it stopped.
//!
//! Decoding is total: any string gives a [`Decoded`] with whatever could be
//! applied safely and a list of problems in plain words, never a panic.

use crate::scenarios::{self, params::unknown_param, work, Params, Scenario, TimedChange};
use crate::sim::kernel::sort::sort_by_key;
use crate::sim::kernel::time::{as_secs, from_secs, Micros};

/// The version this lab writes.
pub const VERSION: &str = "1";
/// Keys a link keeps for itself, now or in views to come (a guided step, the
/// presenter and embed views, an A/B half): no scenario parameter may use one,
/// nor a name with a dot (`b.NAME` is the second half of a comparison).
pub const RESERVED_KEYS: &[&str] = &[
    "v", "s", "seed", "t", "at", "step", "present", "embed", "charts", "controls", "b", "view",
];
/// Seed used when a link names none.
pub const DEFAULT_SEED: u64 = 1;
/// Longest link read; longer input is cut there (and that is a problem).
pub const MAX_LEN: usize = 16 * 1024;
/// Latest simulated second a link (or `lab run --duration`) may name: two
/// years, for the scenarios that play months of client adoption. What a run
/// may cost is bounded by [`MAX_EVENTS`], not by its span: long horizons
/// send weighted requests, few per simulated day.
pub const MAX_T_S: f64 = 2.0 * 365.25 * 86_400.0;
/// Most engine events (estimated, `World::offered_events`) a link may ask the
/// page to replay up to its `t`: about a minute of the engine natively (a few
/// million events a wall second), a few minutes in the page; fifteen times the
/// busiest default run.
pub const MAX_EVENTS: f64 = 100e6;

/// Most engine events a link's replay may actually run, whatever the estimate
/// said: twice [`MAX_EVENTS`] (across the catalogue under random settings, a
/// run takes 0.4 to 2 events per offered one; retry-storm with ten attempts
/// has the most).
pub const MAX_REPLAY_EVENTS: u64 = 2 * MAX_EVENTS as u64;

/// Whether a replay that has run `events` engine events to `reached` may go on
/// towards `until`: the error says where it stopped and why.
pub fn replay_cap(events: u64, cap: u64, reached: Micros, until: Micros) -> Result<(), String> {
    if events < cap || reached >= until {
        return Ok(());
    }
    Err(format!(
        "the replay stopped at {} s of the link's {} s: it had run {} simulation events, the most a link's replay may run",
        scenarios::schema::format_number(as_secs(reached).floor()),
        scenarios::schema::format_number(as_secs(until)),
        count_text(cap as f64)
    ))
}

/// What a link asks for.
pub struct LinkState {
    pub scenario: &'static Scenario,
    pub seed: u64,
    pub params: Params,
    /// B's parameters in an A/B comparison (A's with each `b.NAME=VALUE` on
    /// top); `None` when B would not differ from A.
    pub b: Option<Params>,
    pub changes: Vec<TimedChange>,
    /// Simulated time the run had reached, if given.
    pub t_us: Option<Micros>,
    /// How the page shows the run (not the run itself).
    pub view: View,
}

/// How a link asks the page to show its run: none of it changes a figure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// The guided step the page opens at, from 1 (`step=3`).
    pub step: Option<usize>,
    /// Presenter mode (`present=1`).
    pub present: bool,
    /// The compact view for an iframe (`embed=1`), and what it shows.
    pub embed: Option<Embed>,
}

/// Most charts and controls an embedded view shows: what fits a 640×400
/// iframe with the charts still readable.
pub const EMBED_MAX: usize = 3;

/// What an embedded view shows besides Play and the headline figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Embed {
    /// Charts by number, from 1 (`charts=1,3`); none named: the first two.
    pub charts: Vec<usize>,
    /// Parameters whose controls are shown (`controls=NAME,NAME`), none by default.
    pub controls: Vec<&'static str>,
}

impl Embed {
    /// Whether the chart at `index` (from 0) is shown.
    pub fn shows_chart(&self, index: usize) -> bool {
        if self.charts.is_empty() {
            index < 2
        } else {
            self.charts.contains(&(index + 1))
        }
    }
}

impl View {
    /// The view's part of a fragment (`&step=3&present=1`), empty for the default.
    pub fn fragment(&self) -> String {
        let mut s = String::new();
        if let Some(n) = self.step {
            s.push_str(&format!("&step={n}"));
        }
        if self.present {
            s.push_str("&present=1");
        }
        if let Some(e) = &self.embed {
            s.push_str("&embed=1");
            let charts: Vec<String> = e.charts.iter().map(|c| c.to_string()).collect();
            for (key, list) in [
                ("charts", charts.join(",")),
                ("controls", e.controls.join(",")),
            ] {
                if !list.is_empty() {
                    s.push_str(&format!("&{key}={list}"));
                }
            }
        }
        s
    }
}

/// The result of decoding: a state when a scenario could be identified, and the
/// problems found (empty for a clean link).
pub struct Decoded {
    pub state: Option<LinkState>,
    pub problems: Vec<String>,
}

/// Writes the fragment (with its leading `#`) for a run.
pub fn encode(
    scenario: &Scenario,
    params: &Params,
    seed: u64,
    changes: &[TimedChange],
    t_us: Option<Micros>,
) -> String {
    let mut s = format!("#v={VERSION}&s={}&seed={seed}", scenario.id);
    for (spec, v) in params.non_defaults() {
        s.push_str(&format!("&{}={}", spec.name, escape(&v.to_string())));
    }
    for c in changes {
        s.push_str(&format!(
            "&at={}:{}={}",
            secs_text(c.at_us),
            c.name,
            escape(&c.value.to_string())
        ));
    }
    if let Some(t) = t_us {
        s.push_str(&format!("&t={}", secs_text(t)));
    }
    s
}

/// B's half of a link (`&b.NAME=VALUE` for each parameter where `b` differs
/// from `a`, in schema order): appended to [`encode`]'s, it makes an A/B link.
/// Empty when they are equal.
pub fn encode_b(a: &Params, b: &Params) -> String {
    let mut s = String::new();
    for (spec, _, vb) in a.differences(b) {
        s.push_str(&format!("&b.{}={}", spec.name, escape(&vb.to_string())));
    }
    s
}

fn secs_text(us: Micros) -> String {
    scenarios::schema::format_number(us as f64 / 1e6)
}

fn escape(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-decodes; `None` on a broken escape or bytes that are not UTF-8.
fn unescape(v: &str) -> Option<String> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                // Exactly two hex digits: `%+3` is broken, not byte 3.
                let hex = v.get(i + 1..i + 3)?;
                if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

use crate::scenarios::schema::{parse_decimal, quote};

fn parse_secs(text: &str) -> Result<Micros, String> {
    let ok = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit() || c == '.')
        && text.chars().any(|c| c.is_ascii_digit());
    match parse_decimal(text) {
        Some(x) if ok && x.is_finite() && x <= MAX_T_S => Ok(from_secs(x)),
        Some(x) if ok && x > MAX_T_S => Err(format!(
            "{} simulated seconds is more than a link may ask for: at most {} (two years)",
            quote(text),
            MAX_T_S as u64
        )),
        _ => Err(format!(
            "'{}' is not a time: use seconds from 0 to {}",
            quote(text),
            MAX_T_S as u64
        )),
    }
}

/// A number of events in words: `3.2 million`, `950`.
fn count_text(n: f64) -> String {
    if n >= 1e6 {
        format!(
            "{} million",
            scenarios::schema::format_number((n / 1e5).round() / 10.0)
        )
    } else {
        format!("{}", n.round() as u64)
    }
}

/// Whether a run of `scenario` to `until` is within [`MAX_EVENTS`]; the
/// error names what was asked and how far this run may go.
pub fn check_work(
    scenario: &Scenario,
    params: &Params,
    seed: u64,
    changes: &[TimedChange],
    until: Micros,
) -> Result<(), String> {
    check_work_ab(scenario, params, None, seed, changes, until)
}

/// [`check_work`] for an A/B comparison: A's and B's events together are
/// within [`MAX_EVENTS`], since the page runs both.
pub fn check_work_ab(
    scenario: &Scenario,
    params: &Params,
    b: Option<&Params>,
    seed: u64,
    changes: &[TimedChange],
    until: Micros,
) -> Result<(), String> {
    let mut n = work::offered_events(scenario, params, seed, changes, until);
    if let Some(b) = b {
        n += work::offered_events(scenario, b, seed, changes, until);
    }
    if n <= MAX_EVENTS {
        return Ok(());
    }
    // The rate is near constant in most runs: scale the time to the cap.
    let allowed = (as_secs(until) * MAX_EVENTS / n).floor();
    Err(format!(
        "running {}to {} s would take about {} simulation events, more than a link may ask for: at most {} (for these parameters, about {} s)",
        if b.is_some() { "A and B " } else { "" },
        scenarios::schema::format_number(as_secs(until)),
        count_text(n),
        count_text(MAX_EVENTS),
        scenarios::schema::format_number(allowed)
    ))
}

/// The most problems a link reports; the rest are counted in one last line.
pub const MAX_PROBLEMS: usize = 10;

/// Decodes a link: a whole URL, a fragment with or without `#`, or anything else.
/// Problems are listed once each and at most [`MAX_PROBLEMS`] of them.
pub fn decode(input: &str) -> Decoded {
    let mut d = decode_all(input);
    let mut seen: Vec<String> = Vec::new();
    let mut repeats = 0;
    for p in d.problems.drain(..) {
        if seen.contains(&p) {
            repeats += 1;
        } else {
            seen.push(p);
        }
    }
    let more = seen.len().saturating_sub(MAX_PROBLEMS) + repeats;
    seen.truncate(MAX_PROBLEMS);
    if more > 0 {
        seen.push(format!("… and {more} more problems of the same kinds"));
    }
    d.problems = seen;
    d
}

fn decode_all(input: &str) -> Decoded {
    let mut problems = Vec::new();
    let mut input = input.trim();
    if input.len() > MAX_LEN {
        let mut cut = MAX_LEN;
        while !input.is_char_boundary(cut) {
            cut -= 1;
        }
        input = &input[..cut];
        problems.push(format!(
            "the link is longer than {MAX_LEN} characters; the rest was ignored"
        ));
    }
    let fragment = match input.find('#') {
        Some(i) => &input[i + 1..],
        None if input.contains("://") => "",
        None => input,
    };
    let mut pairs = Vec::new();
    for piece in fragment.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        match (unescape(k), unescape(v)) {
            (Some(k), Some(v)) => pairs.push((k, v)),
            _ => problems.push(format!(
                "'{}' has a broken %-escape and was ignored",
                quote(piece)
            )),
        }
    }
    let get = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    for key in VIEW_KEYS {
        if pairs.iter().filter(|(k, _)| k == key).count() > 1 {
            problems.push(format!(
                "'{key}' is given more than once; the last one is used"
            ));
        }
    }
    match get("v") {
        None | Some(VERSION) => {}
        Some(v) => problems.push(format!(
            "link version '{}' is not known (this lab reads v={VERSION}); read as v={VERSION}",
            quote(v)
        )),
    }
    let scenario = match get("s") {
        None => {
            if !fragment.is_empty() {
                problems.push("the link names no scenario (s=…)".to_string());
            }
            None
        }
        Some(id) => match scenarios::find(id) {
            Ok(s) => Some(s),
            Err(e) => {
                problems.push(e);
                None
            }
        },
    };
    let seed = match get("seed") {
        None => DEFAULT_SEED,
        Some(t) => match t.parse::<u64>() {
            Ok(x) if t.chars().all(|c| c.is_ascii_digit()) => x,
            _ => {
                problems.push(format!(
                    "seed '{}' is not a whole number from 0 to {}; seed {DEFAULT_SEED} is used",
                    quote(t),
                    u64::MAX
                ));
                DEFAULT_SEED
            }
        },
    };
    let mut t_us = match get("t") {
        None => None,
        Some(t) => match parse_secs(t) {
            Ok(0) => {
                problems.push(
                    "t=0 asks for no simulated time: give more than 0 seconds, or leave t out; ignored"
                        .to_string(),
                );
                None
            }
            Ok(x) => Some(x),
            Err(e) => {
                problems.push(format!("t: {e}; ignored"));
                None
            }
        },
    };
    let Some(scenario) = scenario else {
        return Decoded {
            state: None,
            problems,
        };
    };
    let mut view = View::default();
    if let Some(v) = get("step") {
        let n = scenario.guide.len();
        match v.parse::<usize>() {
            Ok(i) if (1..=n).contains(&i) && v.chars().all(|c| c.is_ascii_digit()) => {
                view.step = Some(i)
            }
            _ => {
                problems.push(format!(
                    "step '{}' is not a step of this tour: use 1 to {n}; the tour opens at its start",
                    quote(v)
                ));
                view.step = (n > 0).then_some(1);
            }
        }
    }
    match get("present") {
        None | Some("0") => {}
        Some("1") => view.present = true,
        Some(v) => problems.push(format!(
            "present '{}' is not 1 or 0; presenter mode stays off",
            quote(v)
        )),
    }
    view.embed = decode_embed(scenario, get, &mut problems);
    let mut params = scenario.default_params();
    let mut changes = Vec::new();
    let mut named: Vec<&str> = Vec::new();
    let mut b_pairs = Vec::new();
    for (k, v) in &pairs {
        match k.as_str() {
            k if VIEW_KEYS.contains(&k) => {}
            "at" => match parse_change(&params, v) {
                Ok(c) => changes.push(c),
                Err(e) => problems.push(format!("at={}: {e}; ignored", quote(v))),
            },
            k if k.starts_with("b.") => b_pairs.push((&k[2..], v.as_str())),
            name => set_param(&mut params, &mut named, name, v, "", &mut problems),
        }
    }
    // B: A's parameters (wherever they stood in the link) with B's on top.
    let mut b = params.clone();
    named.clear();
    for (name, v) in b_pairs {
        if RESERVED_KEYS.contains(&name) {
            problems.push(format!(
                "B: 'b.{}' cannot differ: B shares A's seed, timed changes, t and view; ignored",
                quote(name)
            ));
        } else {
            set_param(&mut b, &mut named, name, v, "B: ", &mut problems);
        }
    }
    let b = (b != params).then_some(b);
    sort_by_key(&mut changes, |c| (c.at_us, 0));
    if let Some(t) = t_us {
        if let Err(e) = check_work_ab(scenario, &params, b.as_ref(), seed, &changes, t) {
            problems.push(format!("t: {e}; ignored, the run opens at 0"));
            t_us = None;
        }
    }
    Decoded {
        state: Some(LinkState {
            scenario,
            seed,
            params,
            b,
            changes,
            t_us,
            view,
        }),
        problems,
    }
}

/// Sets parameter `name` of a link from its text, or says why not (`who`
/// prefixes the problem: `B: ` for B's half); a repeated name is a problem
/// and the last value is used.
fn set_param<'a>(
    params: &mut Params,
    named: &mut Vec<&'a str>,
    name: &'a str,
    v: &str,
    who: &str,
    problems: &mut Vec<String>,
) {
    if params.spec(name).is_ok() {
        if named.contains(&name) {
            problems.push(format!(
                "{who}'{}' is given more than once; the last one is used",
                quote(name)
            ));
        }
        named.push(name);
    }
    if let Err(e) = params
        .spec(name)
        .map_err(|_| unknown_param(params.specs(), &quote(name)))
        .and_then(|_| params.set_text(name, v))
    {
        problems.push(format!("{who}{e}; ignored"));
    }
}

/// The keys a link gives once, each read by the decoder itself.
const VIEW_KEYS: [&str; 9] = [
    "v", "s", "seed", "t", "step", "present", "embed", "charts", "controls",
];

/// The embedded view a link asks for (`embed=1`, `charts=`, `controls=`):
/// what is valid is kept, the rest is a problem in plain words.
fn decode_embed<'a>(
    scenario: &'static Scenario,
    get: impl Fn(&str) -> Option<&'a str>,
    problems: &mut Vec<String>,
) -> Option<Embed> {
    let on = match get("embed") {
        None | Some("0") => false,
        Some("1") => true,
        Some(v) => {
            problems.push(format!(
                "embed '{}' is not 1 or 0; the full lab opens",
                quote(v)
            ));
            false
        }
    };
    if !on {
        for key in ["charts", "controls"] {
            if get(key).is_some() {
                problems.push(format!("{key}= applies only with embed=1; ignored"));
            }
        }
        return None;
    }
    let list = |key| {
        get(key)
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter(|p| !p.is_empty())
    };
    let mut embed = Embed::default();
    let n = (scenario.charts)().len();
    for c in list("charts") {
        match c.parse::<usize>() {
            Ok(i) if (1..=n).contains(&i) && c.chars().all(|c| c.is_ascii_digit()) => {
                if !embed.charts.contains(&i) {
                    embed.charts.push(i)
                }
            }
            _ => problems.push(format!(
                "charts: '{}' is not a chart of this scenario: use numbers from 1 to {n}; ignored",
                quote(c)
            )),
        }
    }
    let specs = scenario.schema();
    for c in list("controls") {
        match specs.iter().find(|p| p.name == c) {
            Some(p) if !embed.controls.contains(&p.name) => embed.controls.push(p.name),
            Some(_) => {}
            None => problems.push(format!(
                "controls: {}; ignored",
                unknown_param(specs, &quote(c))
            )),
        }
    }
    for (key, len) in [
        ("charts", embed.charts.len()),
        ("controls", embed.controls.len()),
    ] {
        if len > EMBED_MAX {
            problems.push(format!(
                "{key}: at most {EMBED_MAX} in an embedded view; the first {EMBED_MAX} are shown"
            ));
        }
    }
    embed.charts.truncate(EMBED_MAX);
    embed.controls.truncate(EMBED_MAX);
    Some(embed)
}

fn parse_change(params: &Params, v: &str) -> Result<TimedChange, String> {
    let (t, rest) = v
        .split_once(':')
        .ok_or("write a change as at=SECONDS:NAME=VALUE")?;
    let (name, value) = rest
        .split_once('=')
        .ok_or("write a change as at=SECONDS:NAME=VALUE")?;
    let at_us = parse_secs(t)?;
    let spec = params
        .spec(name)
        .map_err(|_| unknown_param(params.specs(), &quote(name)))?;
    spec.check_live()?;
    let value = spec.parse(value)?;
    Ok(TimedChange {
        at_us,
        name: name.to_string(),
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_link_round_trips() {
        let s = scenarios::find("queueing-basics").unwrap();
        let mut p = s.default_params();
        p.set_text("servers", "12").unwrap();
        p.set_text("service_dist", "constant").unwrap();
        let changes = vec![TimedChange {
            at_us: 90_500_000,
            name: "arrival_rps".into(),
            value: p.spec("arrival_rps").unwrap().parse("950").unwrap(),
        }];
        let link = encode(s, &p, 7, &changes, Some(120_000_000));
        assert_eq!(link, "#v=1&s=queueing-basics&seed=7&servers=12&service_dist=constant&at=90.5:arrival_rps=950&t=120");
        let d = decode(&format!("http://127.0.0.1:8080/{link}"));
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let st = d.state.unwrap();
        assert_eq!((st.seed, st.t_us), (7, Some(120_000_000)));
        assert_eq!(st.params, p);
        assert_eq!(st.changes, changes);
    }

    #[test]
    fn problems_are_named_and_the_rest_applies() {
        let d = decode(
            "#v=1&s=queueing-basics&servrs=3&servers=4&arrival_rps=-1&at=x:servers=2&seed=abc",
        );
        let st = d.state.expect("scenario known");
        assert_eq!(st.params.f("servers"), 4.0);
        assert_eq!(st.seed, DEFAULT_SEED);
        let all = d.problems.join("\n");
        assert!(
            all.contains("unknown parameter 'servrs' — did you mean 'servers'?"),
            "{all}"
        );
        assert!(all.contains("'-1' is not allowed for arrival_rps"), "{all}");
        assert!(all.contains("at=x:servers=2"), "{all}");
        assert!(all.contains("seed 'abc'"), "{all}");
        assert_eq!(d.problems.len(), 4);
    }

    #[test]
    fn unknown_scenario_gives_no_state_and_a_hint() {
        let d = decode("#s=queueing-basic");
        assert!(d.state.is_none());
        assert!(
            d.problems[0].contains("did you mean 'queueing-basics'"),
            "{:?}",
            d.problems
        );
    }
}
