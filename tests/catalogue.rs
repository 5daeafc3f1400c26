//! One contract for every scenario in the catalogue, so a new scenario is
//! covered without a new test: names the link does not reserve, chart series
//! that exist, headline keys that are unique and have units, random valid
//! settings that run clean (exact ledger, no NaN, no negative figure, p50 ≤ p99),
//! the same seed giving the same figures (and, after a change at the start,
//! the same figures since it as over the whole run), a live change that acts as the same
//! value set from the start (or a parameter marked build-only), and a state that
//! stops growing over a long run, and a line whose label names a colour drawn
//! in it.
#![cfg(not(target_arch = "wasm32"))]

use resilience_lab::link::RESERVED_KEYS;
use resilience_lab::scenarios::units::unit_of;
use resilience_lab::scenarios::{
    self, Headline, Hue, ParamKind, ParamSpec, Params, Run, Scenario, SeriesExpr, TimedChange,
    Value,
};
use resilience_lab::sim::kernel::time::from_secs;
use resilience_lab::sim::{SimRng, SEC};

/// The most engine events one random run of the contract may take, so the
/// suite's time stays bounded whatever the random settings ask for.
const EVENT_BUDGET: u64 = 3_000_000;

fn series_names(e: &SeriesExpr) -> Vec<&str> {
    match e {
        SeriesExpr::Plain(n)
        | SeriesExpr::PerSecond(n)
        | SeriesExpr::Scaled(n, _)
        | SeriesExpr::State(n, _) => vec![n.as_str()],
        SeriesExpr::Ratio(a, b) => a.iter().chain(b).map(|s| s.as_str()).collect(),
    }
}

#[test]
fn no_parameter_uses_a_name_the_link_reserves() {
    for s in scenarios::catalogue() {
        for p in s.params {
            assert!(
                !RESERVED_KEYS.contains(&p.name) && !p.name.contains('.'),
                "{}: parameter '{}' is a name the link reserves",
                s.id,
                p.name
            );
        }
    }
}

#[test]
fn every_chart_series_exists_once_built() {
    for s in scenarios::catalogue() {
        let r = Run::new(s, s.default_params(), 1, Vec::new()).unwrap();
        let names = r.world().metrics().series_names();
        for chart in (s.charts)() {
            for line in &chart.lines {
                for n in series_names(&line.expr) {
                    assert!(
                        r.world().metrics().series(n).is_some(),
                        "{}: chart '{}' line '{}' reads '{n}', which the world does not record (it records {} series)",
                        s.id,
                        chart.title,
                        line.label,
                        names.len()
                    );
                }
            }
        }
    }
}

#[test]
fn a_line_whose_label_names_a_colour_is_drawn_in_it() {
    // Blue/green releases: a "Green" cluster drawn in blue misleads.
    let mut named = 0;
    for s in scenarios::catalogue() {
        for c in (s.charts)() {
            for l in &c.lines {
                let words: Vec<&str> = l.label.split(|ch: char| !ch.is_alphanumeric()).collect();
                for (word, hue) in [("Green", Hue::Green), ("Blue", Hue::Blue)] {
                    if words.contains(&word) {
                        named += 1;
                        assert_eq!(
                            l.hue,
                            Some(hue),
                            "{} / {} / {}: drawn in its colour",
                            s.id,
                            c.title,
                            l.label
                        );
                    }
                }
            }
        }
    }
    assert!(named >= 8, "only {named} lines name a colour");
}

#[test]
fn headline_keys_are_unique_and_each_has_a_unit() {
    for s in scenarios::catalogue() {
        let mut r = Run::new(s, s.default_params(), 1, Vec::new()).unwrap();
        r.advance_to(10 * SEC);
        let keys: Vec<&str> = r.headline().iter().map(|(k, _)| *k).collect();
        assert!(!keys.is_empty(), "{}: no headline figure", s.id);
        for (i, k) in keys.iter().enumerate() {
            assert!(
                !keys[..i].contains(k),
                "{}: headline '{k}' is given twice",
                s.id
            );
            assert!(
                unit_of(k).is_some(),
                "{}: headline '{k}' has no unit (name it in scenarios/units.rs)",
                s.id
            );
            let label = s.figure_label(k);
            assert!(
                label.is_some_and(|l| !l.is_empty() && !l.contains('_')),
                "{}: headline '{k}' has no written label in the scenario's FIGURES",
                s.id
            );
        }
        // And nothing written for a figure the scenario does not give.
        for (k, _) in s.figures {
            assert!(keys.contains(k), "{}: a label for no figure: '{k}'", s.id);
        }
    }
}

/// A random valid value for a parameter.
fn random_value(p: &ParamSpec, rng: &mut SimRng) -> Value {
    match &p.kind {
        ParamKind::Switch => Value::Switch(rng.chance(0.5)),
        ParamKind::Choice(c) => Value::Choice(c[rng.below(c.len() as u64) as usize]),
        ParamKind::Number {
            min,
            max,
            integer,
            off_allowed,
        } => {
            if *off_allowed && rng.chance(0.15) {
                return Value::Off;
            }
            // Half the draws near the ends of the range, where defects live.
            let u = rng.uniform();
            let u = if rng.chance(0.5) { u * u * u } else { u };
            let u = if rng.chance(0.5) { 1.0 - u } else { u };
            let x = min + (max - min) * u;
            let x = if *integer { x.round() } else { x };
            // As a link would carry it (six decimals at most).
            p.parse(&scenarios::schema::format_number(x))
                .unwrap_or(Value::Number(x))
        }
    }
}

fn random_params(s: &Scenario, rng: &mut SimRng) -> Params {
    let mut p = s.default_params();
    for spec in s.params {
        if rng.chance(0.6) {
            let v = random_value(spec, rng);
            p.set(spec.name, v).unwrap();
        }
    }
    p
}

/// What is wrong with a run's figures and ledger, if anything.
fn faults(r: &Run) -> Vec<String> {
    let mut out = Vec::new();
    let l = r.world().ledger();
    if !l.balances() {
        out.push(format!("the ledger does not balance: {l:?}"));
    }
    let h: Headline = r.headline();
    for (k, v) in &h {
        let Some(v) = v else { continue };
        if !v.is_finite() {
            out.push(format!("{k} is {v}"));
        } else if *v < 0.0 && !unit_of(k).is_some_and(|u| u.signed()) {
            out.push(format!("{k} is negative: {v}"));
        }
    }
    for (k, v) in &h {
        let (Some(rest), Some(p50)) = (k.strip_prefix("p50_"), v) else {
            continue;
        };
        let p99 = h
            .iter()
            .find(|(k2, _)| k2.strip_prefix("p99_") == Some(rest))
            .and_then(|(_, v)| *v);
        if let Some(p99) = p99 {
            if *p50 > p99 {
                out.push(format!("p50_{rest} {p50} > p99_{rest} {p99}"));
            }
        }
    }
    out
}

/// Runs as far as `until`, or as far as the event budget lets it.
fn run_bounded(s: &'static Scenario, p: Params, seed: u64, until: f64) -> Run {
    let mut r = Run::new(s, p, seed, Vec::new()).unwrap();
    r.advance_bounded(from_secs(until), EVENT_BUDGET);
    r
}

#[test]
fn random_valid_settings_and_seeds_run_clean() {
    let per_scenario = 12;
    let mut bad = Vec::new();
    for (i, s) in scenarios::catalogue().iter().enumerate() {
        let mut rng = SimRng::new(0xC0FFEE + i as u64);
        for k in 0..per_scenario {
            let p = random_params(s, &mut rng);
            let seed = rng.below(1 << 32);
            let until = s.duration_s.min(1_800.0);
            let r = run_bounded(s, p.clone(), seed, until);
            for f in faults(&r) {
                let set: Vec<String> = p
                    .non_defaults()
                    .map(|(sp, v)| format!("{}={v}", sp.name))
                    .collect();
                bad.push(format!(
                    "{} #{k} seed {seed} [{}] at {:.0} s: {f}",
                    s.id,
                    set.join(" "),
                    r.now() as f64 / 1e6
                ));
            }
        }
    }
    assert!(bad.is_empty(), "{} faults:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn the_same_seed_gives_the_same_figures() {
    for s in scenarios::catalogue() {
        let mut rng = SimRng::new(7);
        let p = random_params(s, &mut rng);
        let a = run_bounded(s, p.clone(), 42, 120.0);
        let b = run_bounded(s, p, 42, 120.0);
        assert_eq!(
            format!("{:?}", a.headline()),
            format!("{:?}", b.headline()),
            "{}",
            s.id
        );
        assert_eq!(a.now(), b.now(), "{}", s.id);
    }
}

/// Before any change a run has no figures since one; after a change made at
/// the start they are its whole-run figures, bit for bit: every headline
/// reads its span through the same code, and a span from a mark taken at 0
/// reads exactly what the whole run does.
#[test]
fn the_figures_since_a_change_at_the_start_are_the_whole_runs() {
    for s in scenarios::catalogue() {
        let until = from_secs(s.duration_s.min(300.0));
        let mut plain = Run::new(s, s.default_params(), 3, Vec::new()).unwrap();
        plain.advance_to(until);
        assert!(plain.headline_since_change().is_none(), "{}", s.id);
        let spec = s.params.iter().find(|p| p.live).expect("a live parameter");
        let change = TimedChange {
            at_us: 0,
            name: spec.name.to_string(),
            value: another_value(spec),
        };
        let mut r = Run::new(s, s.default_params(), 3, vec![change]).unwrap();
        r.advance_to(until);
        assert_eq!(
            format!("{:?}", r.headline_since_change().unwrap().1),
            format!("{:?}", r.headline()),
            "{}",
            s.id
        );
    }
}

/// Halfway between `a` and `b`, whole if the parameter is.
fn mid(p: &ParamSpec, a: f64, b: f64) -> f64 {
    let x = (a + b) / 2.0;
    match p.kind {
        ParamKind::Number { integer: true, .. } => x.round(),
        _ => (x * 1e3).round() / 1e3,
    }
}

/// A value other than the default, from the middle of what is allowed.
fn another_value(p: &ParamSpec) -> Value {
    another_value_from(p, &p.default)
}

/// A value other than `from`, from the middle of what is allowed.
fn another_value_from(p: &ParamSpec, from: &Value) -> Value {
    match (&p.kind, from) {
        (ParamKind::Switch, Value::Switch(b)) => Value::Switch(!b),
        (ParamKind::Choice(c), Value::Choice(d)) => {
            Value::Choice(c.iter().find(|x| *x != d).copied().unwrap_or(d))
        }
        (ParamKind::Number { min, max, .. }, Value::Off) => p
            .parse(&scenarios::schema::format_number(mid(p, *min, *max)))
            .unwrap(),
        (ParamKind::Number { min, max, .. }, Value::Number(d)) => {
            let x = if *d > (min + max) / 2.0 {
                mid(p, *min, *d)
            } else {
                mid(p, *d, *max)
            };
            p.parse(&scenarios::schema::format_number(x)).unwrap()
        }
        _ => unreachable!("{}: default of the wrong kind", p.name),
    }
}

/// The figures and the ledger of a run, as one comparable string.
fn outcome(r: &Run) -> String {
    format!("{:?} {:?}", r.headline(), r.world().ledger())
}

#[test]
fn every_live_parameter_acts_when_changed_while_running() {
    // A change the page makes once the run has started goes through the
    // scenario's `apply`; the same value set before the start goes through
    // `build`. Whenever the value set from the start changes the run, the same
    // change made live (at 0 s, so it has the whole run to show) must change
    // it too: an `apply` that forgets a parameter leaves the run as it was. A
    // parameter only `build` can honour is marked build-only, and the page
    // restarts the run to change it. (The two runs need not be equal: a
    // change of rate redraws the next arrival, and pods added live take
    // their start-up time.)
    let mut bad = Vec::new();
    let (mut checked, mut live) = (0, 0);
    for s in scenarios::catalogue() {
        let until = from_secs(s.duration_s.min(300.0));
        // Two starting points: the defaults, and every switch on and every
        // choice at its last option (so a breaker's settings matter).
        let mut all_on = s.default_params();
        for spec in s.params {
            match &spec.kind {
                ParamKind::Switch => all_on.set(spec.name, Value::Switch(true)).unwrap(),
                ParamKind::Choice(c) => all_on
                    .set(spec.name, Value::Choice(c[c.len() - 1]))
                    .unwrap(),
                _ => {}
            }
        }
        let bases: Vec<(Params, String)> = [s.default_params(), all_on]
            .into_iter()
            .map(|p| {
                let mut r = Run::new(s, p.clone(), 3, Vec::new()).unwrap();
                r.advance_to(until);
                (p, outcome(&r))
            })
            .collect();
        for spec in s.params.iter().filter(|p| p.live) {
            live += 1;
            for (base, plain) in &bases {
                let v = another_value_from(spec, base.get(spec.name));
                let mut built = base.clone();
                built.set(spec.name, v.clone()).unwrap();
                let mut a = Run::new(s, built, 3, Vec::new()).unwrap();
                a.advance_to(until);
                if outcome(&a) == *plain {
                    continue; // No effect from here: nothing to tell apart.
                }
                let change = TimedChange {
                    at_us: 0,
                    name: spec.name.to_string(),
                    value: v.clone(),
                };
                let mut b = Run::new(s, base.clone(), 3, vec![change]).unwrap();
                b.advance_to(until);
                checked += 1;
                if outcome(&b) == *plain {
                    bad.push(format!(
                        "{} {}={v}: set from the start it changes the run; changed live it does nothing",
                        s.id, spec.name
                    ));
                }
                break;
            }
        }
    }
    eprintln!("{checked} of {live} live parameters checked");
    // The rest act only later than 300 s (a fault's time) or only in a
    // corner of the settings; 48 of 67 could be told apart when written.
    assert!(checked >= 45, "only {checked} parameters could be checked");
    assert!(
        bad.is_empty(),
        "{} parameters do nothing live:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn a_build_only_parameter_cannot_be_changed_live() {
    for s in scenarios::catalogue() {
        for spec in s.params.iter().filter(|p| !p.live) {
            let change = TimedChange {
                at_us: 10 * SEC,
                name: spec.name.to_string(),
                value: another_value(spec),
            };
            let e = Run::new(s, s.default_params(), 1, vec![change])
                .err()
                .unwrap_or_else(|| panic!("{} {} changed live", s.id, spec.name));
            assert!(e.contains("from the start"), "{e}");
        }
    }
}

#[test]
fn a_long_run_stops_growing() {
    // What a run holds (requests, pending events, cache entries, broker
    // messages, locks, sessions) after two simulated hours is no more than
    // after one, give or take the load's own swings: a store that keeps
    // everything would double. A store with a cap stays within it.
    let mut bad = Vec::new();
    for s in scenarios::catalogue() {
        let mut r = Run::new(s, s.default_params(), 1, Vec::new()).unwrap();
        r.advance_to(from_secs(3_600.0));
        let one = r.world().footprint();
        r.advance_to(from_secs(7_200.0));
        let two = r.world().footprint();
        for (a, b) in one.iter().zip(&two) {
            let (store, x, y) = (a.store, a.items, b.items);
            match b.cap {
                // A store with a cap of its own (a day of idempotency keys,
                // the log's last lines) fills up to it, never past it.
                Some(cap) if y > cap => {
                    bad.push(format!("{}: {store} {y} over its cap {cap}", s.id))
                }
                Some(_) => {}
                None if (y as f64) > 1.3 * (x as f64) + 1_000.0 => {
                    bad.push(format!("{}: {store} {x} at 1 h, {y} at 2 h", s.id))
                }
                None => {}
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
