//! The `lab` command's logic, kept in the library so tests can call it without
//! spawning a process. `src/bin/lab.rs` only passes arguments and prints.
//!
//! ```text
//! lab list                                  one scenario a line: ID<TAB>title
//! lab params ID [--json]                    the parameter schema
//! lab run ID [--set NAME=VALUE]... [--b NAME=VALUE]... [--seed N] [--duration SECONDS] [--json] [--csv FILE]
//! lab run --link 'URL or #fragment'         run exactly what a share link encodes
//! lab link ID [--set NAME=VALUE]... [--b NAME=VALUE]... [--seed N]   print the share-link fragment
//! lab guide ID [--seed N] [--json]          the guided steps, each with its link and expectation
//! ```
//!
//! `--b NAME=VALUE` (or a link's `b.NAME=VALUE`) compares two runs: A with
//! the `--set` values, B with A's and the `--b` ones on top, same seed and
//! changes, run to the same end. The text gives the headline in columns A, B
//! and B − A; `--json` gives `{"a": REPORT, "b": REPORT}`, each the report of
//! a plain run (its `link` replays that half alone); `--csv` writes both runs'
//! lines in one file, B's named as A's with `b.` before them.
//!
//! Bad input never panics: it ends in one line naming what was wrong and what is
//! allowed, and a non-zero exit.

use std::fmt::Write as _;

use serde_json::{json, Map, Value as Json};

use crate::link;
use crate::scenarios::schema::quote;
use crate::scenarios::{self, compare, Headline, ParamKind, Params, Run, Scenario, Value};
use crate::sim::kernel::time::{as_secs, from_secs, Micros};

/// What a command produced: text for stdout, and files to write.
#[derive(Debug, Default)]
pub struct Output {
    pub stdout: String,
    pub files: Vec<(String, String)>,
}

/// The usage text.
pub const USAGE: &str = "usage:
  lab list                                  one scenario a line: ID<TAB>title
  lab params ID [--json]                    the parameter schema
  lab run ID [--set NAME=VALUE]... [--b NAME=VALUE]... [--seed N] [--duration SECONDS] [--json] [--csv FILE]
  lab run --link 'URL or #fragment'         run exactly what a share link encodes
  lab link ID [--set NAME=VALUE]... [--b NAME=VALUE]... [--seed N]   print the share-link fragment
  lab guide ID [--seed N] [--json]          the guided steps, each with its link and expectation
  --b NAME=VALUE compares A (the --set values) with B (A's and this on top), same
  seed, side by side: headline columns A, B, B - A; --json {\"a\": …, \"b\": …};
  --csv both runs' columns, B's named \"b.\" and A's name; a link's b.NAME=VALUE does the same";

/// The most characters of a message shown before the usage text: a message
/// echoes input back, and input can be as long as a link.
const MESSAGE_MAX: usize = 800;

/// Arguments as strings, or the one line saying which argument is not UTF-8.
pub fn args_from_os(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<Vec<String>, String> {
    args.into_iter()
        .enumerate()
        .map(|(i, a)| {
            a.into_string().map_err(|a| {
                format!(
                    "argument {} is not valid UTF-8 text: '{}' (arguments are scenario ids, NAME=VALUE pairs and links, in plain text)",
                    i + 1,
                    quote(&a.to_string_lossy())
                )
            })
        })
        .collect()
}

/// An error message made safe for a terminal, as a last line of defence (every
/// message already quotes input with `quote`): control characters other than
/// the message's own line breaks are shown as `\u{..}` escapes, and the message
/// before the usage text is capped, so input can neither move the cursor nor
/// flood the screen. The usage text that some messages end with is kept whole.
pub fn clean_message(msg: &str) -> String {
    let (head, usage) = match msg.find("\nusage:") {
        Some(i) => (&msg[..i], &msg[i..]),
        None => (msg, ""),
    };
    let mut out = String::new();
    for (shown, c) in head.chars().enumerate() {
        if shown >= MESSAGE_MAX {
            out.push_str(&format!(
                "… ({} more characters)",
                head.chars().count() - shown
            ));
            break;
        }
        if c.is_control() && c != '\n' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out + usage
}

/// Runs the command; `Err` is the one line to print on stderr (exit code 2).
pub fn main_with(args: &[String]) -> Result<Output, String> {
    let (cmd, rest) = args
        .split_first()
        .ok_or_else(|| format!("no command given\n{USAGE}"))?;
    if rest.iter().any(|a| a == "--help") {
        // `lab run --help` and the like: the usage, which covers every command.
        return Ok(text(format!("{USAGE}\n")));
    }
    match cmd.as_str() {
        "list" => {
            no_more(rest)?;
            let mut out = String::new();
            for s in scenarios::catalogue() {
                let _ = writeln!(out, "{}\t{}", s.id, s.title);
            }
            Ok(text(out))
        }
        "params" => params_cmd(rest),
        "run" => run_cmd(rest),
        "link" => link_cmd(rest),
        "guide" => guide_cmd(rest),
        "help" | "--help" | "-h" => Ok(text(format!("{USAGE}\n"))),
        other => Err(format!(
            "unknown command '{}' (allowed: list, params, run, link, guide)",
            quote(other)
        )),
    }
}

fn text(s: String) -> Output {
    Output {
        stdout: s,
        files: Vec::new(),
    }
}

fn no_more(rest: &[String]) -> Result<(), String> {
    match rest.first() {
        None => Ok(()),
        Some(a) => Err(format!("unexpected argument '{}'\n{USAGE}", quote(a))),
    }
}

/// Options shared by `run` and `link`.
#[derive(Default)]
struct Opts {
    id: Option<String>,
    sets: Vec<(String, String)>,
    /// B's `--b NAME=VALUE` pairs, applied on top of A's.
    b_sets: Vec<(String, String)>,
    seed: Option<u64>,
    duration_s: Option<f64>,
    json: bool,
    csv: Option<String>,
    link: Option<String>,
}

fn parse_opts(rest: &[String], allowed: &[&str]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") && f != "--set" && f != "--b" => {
                (f, Some(v.to_string()))
            }
            _ => (a.as_str(), None),
        };
        if flag.starts_with("--") && !allowed.contains(&flag) {
            return Err(format!(
                "unknown option '{}' (allowed here: {})",
                quote(flag),
                allowed.join(", ")
            ));
        }
        let mut value = |what: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{flag} needs {what}"))
        };
        match flag {
            "--set" | "--b" => {
                let kv = value("NAME=VALUE")?;
                let (k, v) = kv
                    .split_once('=')
                    .ok_or_else(|| format!("{flag} '{}': write NAME=VALUE", quote(&kv)))?;
                let sets = if flag == "--b" {
                    &mut o.b_sets
                } else {
                    &mut o.sets
                };
                sets.push((k.to_string(), v.to_string()));
            }
            "--seed" => {
                let v = value("a whole number")?;
                o.seed = Some(v.parse().map_err(|_| {
                    format!(
                        "--seed '{}' is not a whole number from 0 to {}",
                        quote(&v),
                        u64::MAX
                    )
                })?);
            }
            "--duration" => {
                let v = value("seconds")?;
                let d: f64 = v.parse().ok().filter(|d: &f64| d.is_finite() && *d > 0.0 && *d <= link::MAX_T_S).ok_or_else(|| {
                    format!("--duration '{}' is not allowed: use simulated seconds, more than 0 and at most {}", quote(&v), link::MAX_T_S as u64)
                })?;
                o.duration_s = Some(d);
            }
            "--json" => {
                if inline.is_some() {
                    return Err("--json takes no value: write --json alone".to_string());
                }
                o.json = true
            }
            "--csv" => o.csv = Some(value("a file name")?),
            "--link" => o.link = Some(value("a link")?),
            _ if a.starts_with('-') => {
                return Err(format!(
                    "unknown option '{}' (allowed here: {})",
                    quote(a),
                    allowed.join(", ")
                ))
            }
            _ if o.id.is_none() => o.id = Some(a.clone()),
            _ => return Err(format!("unexpected argument '{}'\n{USAGE}", quote(a))),
        }
    }
    Ok(o)
}

/// The scenario, A's parameters, and B's when `--b` gives any.
fn scenario_and_params(o: &Opts) -> Result<(&'static Scenario, Params, Option<Params>), String> {
    let id =
        o.id.as_deref()
            .ok_or_else(|| format!("name a scenario (see `lab list`)\n{USAGE}"))?;
    let s = scenarios::find(id)?;
    let mut p = s.default_params();
    for (k, v) in &o.sets {
        p.set_text(k, v).map_err(|e| format!("{id}: {e}"))?;
    }
    if o.b_sets.is_empty() {
        return Ok((s, p, None));
    }
    let mut b = p.clone();
    for (k, v) in &o.b_sets {
        b.set_text(k, v).map_err(|e| format!("{id}: B: {e}"))?;
    }
    Ok((s, p, Some(b)))
}

fn params_cmd(rest: &[String]) -> Result<Output, String> {
    let o = parse_opts(rest, &["--json"])?;
    let id =
        o.id.as_deref()
            .ok_or_else(|| format!("name a scenario (see `lab list`)\n{USAGE}"))?;
    let s = scenarios::find(id)?;
    if o.json {
        let list: Vec<Json> = s.schema().iter().map(param_json).collect();
        return Ok(text(format!(
            "{}\n",
            serde_json::to_string_pretty(&list).expect("json")
        )));
    }
    let mut out = String::new();
    for p in s.schema() {
        let _ = writeln!(
            out,
            "{}\t{}\tdefault {}\t{}\t{}{}",
            p.name,
            p.label,
            p.default,
            p.allowed(),
            p.help,
            if p.live {
                ""
            } else {
                " (set from the start only)"
            }
        );
    }
    Ok(text(out))
}

fn param_json(p: &scenarios::ParamSpec) -> Json {
    let mut m = Map::new();
    m.insert("name".into(), json!(p.name));
    m.insert("label".into(), json!(p.label));
    let (kind, default) = match (&p.kind, &p.default) {
        (ParamKind::Switch, _) => ("switch", json!(p.default.to_string())),
        (ParamKind::Choice(c), _) => {
            m.insert("choices".into(), json!(c));
            ("choice", json!(p.default.to_string()))
        }
        (
            ParamKind::Number {
                min,
                max,
                integer,
                off_allowed,
            },
            d,
        ) => {
            m.insert("min".into(), json!(min));
            m.insert("max".into(), json!(max));
            m.insert("off_allowed".into(), json!(off_allowed));
            let dv = match d {
                Value::Number(x) => json!(x),
                _ => json!("off"),
            };
            (if *integer { "integer" } else { "number" }, dv)
        }
    };
    m.insert("kind".into(), json!(kind));
    m.insert("default".into(), default);
    m.insert("unit".into(), json!(p.unit));
    m.insert("help".into(), json!(p.help));
    m.insert("advanced".into(), json!(p.advanced));
    m.insert("live".into(), json!(p.live));
    Json::Object(m)
}

/// `lab guide ID [--seed N] [--json]`: each step with the link that opens the
/// lab in the state its Apply produces and the figure its answer rests on
/// (which `lab run --link LINK --json` prints in its `headline`).
fn guide_cmd(rest: &[String]) -> Result<Output, String> {
    let o = parse_opts(rest, &["--seed", "--json"])?;
    let id =
        o.id.as_deref()
            .ok_or_else(|| format!("name a scenario (see `lab list`)\n{USAGE}"))?;
    let s = scenarios::find(id)?;
    let seed = o.seed.unwrap_or(link::DEFAULT_SEED);
    let mut steps = Vec::new();
    let mut out = String::new();
    for (i, g) in s.guide.iter().enumerate() {
        let link = scenarios::guide::step_link(s, i, seed)?;
        let expect = g.expect.map_or(
            Json::Null,
            |e| json!({"figure": e.figure, "min": e.min, "max": e.max}),
        );
        if o.json {
            steps.push(json!({
                "step": i + 1,
                "do": g.action,
                "watch": g.watch,
                "predict": g.predict,
                "choices": g.choices,
                "correct": g.correct,
                "answer": g.answer,
                "link": link,
                "expect": expect,
            }));
            continue;
        }
        let _ = writeln!(out, "{}. {}", i + 1, g.action);
        let _ = writeln!(out, "   watch: {}", g.watch);
        let _ = writeln!(out, "   predict: {}", g.predict);
        for (k, c) in g.choices.iter().enumerate() {
            let mark = if k == g.correct { '*' } else { ' ' };
            let _ = writeln!(out, "     {mark} {c}");
        }
        let _ = writeln!(out, "   answer: {}", g.answer);
        let _ = writeln!(out, "   link: {link}");
        if let Some(e) = g.expect {
            let _ = writeln!(
                out,
                "   expect: {} from {} to {}",
                e.figure,
                scenarios::schema::format_number(e.min),
                scenarios::schema::format_number(e.max)
            );
        }
    }
    if o.json {
        return Ok(text(format!(
            "{}\n",
            serde_json::to_string_pretty(&steps).expect("json")
        )));
    }
    Ok(text(out))
}

fn link_cmd(rest: &[String]) -> Result<Output, String> {
    let o = parse_opts(rest, &["--set", "--b", "--seed"])?;
    let (s, p, b) = scenario_and_params(&o)?;
    let b_half = b.map_or(String::new(), |b| link::encode_b(&p, &b));
    Ok(text(format!(
        "{}{b_half}\n",
        link::encode(s, &p, o.seed.unwrap_or(link::DEFAULT_SEED), &[], None)
    )))
}

fn run_cmd(rest: &[String]) -> Result<Output, String> {
    let o = parse_opts(
        rest,
        &[
            "--set",
            "--b",
            "--seed",
            "--duration",
            "--json",
            "--csv",
            "--link",
        ],
    )?;
    let (scenario, params, b, seed, changes, until) = if let Some(l) = &o.link {
        if o.id.is_some() || !o.sets.is_empty() || o.seed.is_some() {
            return Err("--link already says the scenario, parameters and seed: give no ID, --set or --seed with it".into());
        }
        if !o.b_sets.is_empty() {
            return Err(
                "--link already says what B changes (b.NAME=VALUE): give no --b with it".into(),
            );
        }
        let d = link::decode(l);
        if !d.problems.is_empty() {
            return Err(format!(
                "the link has problems, so nothing was run:\n  {}",
                d.problems.join("\n  ")
            ));
        }
        let st = d.state.ok_or("the link names no scenario (s=…)")?;
        let until = o
            .duration_s
            .map(from_secs)
            .or(st.t_us)
            .unwrap_or(from_secs(st.scenario.duration_s));
        // A link obeys the same caps whatever says how far to run it.
        link::check_work_ab(
            st.scenario,
            &st.params,
            st.b.as_ref(),
            st.seed,
            &st.changes,
            until,
        )
        .map_err(|e| format!("the link's run is too long, so nothing was run: {e}"))?;
        (st.scenario, st.params, st.b, st.seed, st.changes, until)
    } else {
        let (s, p, b) = scenario_and_params(&o)?;
        let until = from_secs(o.duration_s.unwrap_or(s.duration_s));
        let seed = o.seed.unwrap_or(link::DEFAULT_SEED);
        (s, p, b, seed, Vec::new(), until)
    };
    if let Some(path) = &o.csv {
        // Fail now, not after the whole run: the file is written at the end.
        std::fs::File::create(path).map_err(|e| {
            format!(
                "--csv '{}' cannot be written ({e}), so nothing was run",
                quote(path)
            )
        })?;
    }
    let clock = std::time::Instant::now();
    // One run, or an A/B pair.
    let mut runs = compare::Pair {
        b: b.map(|b| Run::new(scenario, b, seed, changes.clone()))
            .transpose()?,
        a: Run::new(scenario, params, seed, changes)?,
    };
    if o.link.is_some() {
        // What the link's estimate missed (retries, calls, timers) is capped
        // too, for A and B together.
        let cap = link::MAX_REPLAY_EVENTS;
        let reached = runs.advance_bounded_all(until, cap);
        link::replay_cap(runs.events(), cap, reached, until)
            .map_err(|e| format!("the link's run is too long, so it was stopped: {e}"))?;
    } else {
        runs.advance_to(until);
    }
    let wall_ms = clock.elapsed().as_secs_f64() * 1e3;
    let mut out = Output::default();
    let (a, b) = (&runs.a, runs.b.as_ref());
    if let Some(path) = &o.csv {
        out.files
            .push((path.clone(), scenarios::export::csv_ab(a, b)));
    }
    out.stdout = match (o.json, b) {
        (true, None) => json_text(&report(a, until, wall_ms)),
        (true, Some(b)) => json_text(&json!({
            "a": report(a, until, wall_ms),
            "b": report(b, until, wall_ms),
        })),
        (false, None) => summary(a, until, wall_ms),
        (false, Some(b)) => summary_ab(a, b, until, wall_ms),
    };
    Ok(out)
}

fn json_text(j: &Json) -> String {
    format!("{}\n", serde_json::to_string_pretty(j).expect("json"))
}

/// The `--json` report (README: "The `lab` command").
pub fn report(run: &Run, until: Micros, wall_ms: f64) -> Json {
    let w = run.world();
    let l = w.ledger();
    let mut params = Map::new();
    for (spec, v) in run.initial.iter() {
        params.insert(spec.name.into(), value_json(v));
    }
    let changes: Vec<Json> = run
        .changes()
        .iter()
        .map(|c| json!({"at_s": as_secs(c.at_us), "name": c.name, "value": value_json(&c.value)}))
        .collect();
    let mut report = json!({
        "scenario": run.scenario.id,
        "seed": run.seed,
        "duration_s": as_secs(until),
        "params": params,
        "changes": changes,
        "requests": {
            "arrived": l.arrived, "succeeded": l.succeeded, "failed": l.failed,
            "rejected": l.rejected, "timed_out": l.timed_out, "in_flight": l.in_flight,
        },
        "headline": headline_json(run.headline()),
        "events": w.events_processed(),
        "wall_ms": (wall_ms * 1000.0).round() / 1000.0,
        "link": link::encode(run.scenario, &run.initial, run.seed, run.changes(), Some(until)),
    });
    // A run with timed changes also gives its figures since the last one.
    if let Some((at, figures)) = run.headline_since_change() {
        report["since_last_change"] = json!({
            "at_s": as_secs(at),
            "headline": headline_json(figures),
        });
    }
    report
}

/// Headline figures as a JSON object (an undefined figure is null).
fn headline_json(figures: Headline) -> Json {
    let mut headline = Map::new();
    for (k, v) in figures {
        headline.insert(
            k.into(),
            v.filter(|x| x.is_finite()).map_or(Json::Null, |x| json!(x)),
        );
    }
    Json::Object(headline)
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::Number(x) => json!(x),
        other => json!(other.to_string()),
    }
}

fn summary(run: &Run, until: Micros, wall_ms: f64) -> String {
    let w = run.world();
    let l = w.ledger();
    let mut out = format!(
        "{} seed {} — {} simulated s in {:.0} ms ({} events)\n",
        run.scenario.id,
        run.seed,
        as_secs(until),
        wall_ms,
        w.events_processed()
    );
    let _ = writeln!(
        out,
        "requests: arrived {} ok {} failed {} rejected {} timed out {} in flight {}",
        l.arrived, l.succeeded, l.failed, l.rejected, l.timed_out, l.in_flight
    );
    write_figures(&mut out, run.headline());
    if let Some((at, figures)) = run.headline_since_change() {
        let _ = writeln!(out, "since the last change, at {} s:", as_secs(at));
        write_figures(&mut out, figures);
    }
    out
}

/// An A/B pair's text: the parameters B changes, each run's ledger, and the
/// headline in columns A, B and B − A.
fn summary_ab(a: &Run, b: &Run, until: Micros, wall_ms: f64) -> String {
    let (wa, wb) = (a.world(), b.world());
    let mut out = format!(
        "{} seed {} — A and B, {} simulated s each, in {:.0} ms ({} + {} events)\nB changes {}\n",
        a.scenario.id,
        a.seed,
        as_secs(until),
        wall_ms,
        wa.events_processed(),
        wb.events_processed(),
        changed(&a.initial, &b.initial).join(", ")
    );
    for (half, l) in [("A", wa.ledger()), ("B", wb.ledger())] {
        let _ = writeln!(
            out,
            "requests {half}: arrived {} ok {} failed {} rejected {} timed out {} in flight {}",
            l.arrived, l.succeeded, l.failed, l.rejected, l.timed_out, l.in_flight
        );
    }
    write_columns(&mut out, a.headline(), b.headline());
    if let (Some((at, fa)), Some((_, fb))) = (a.headline_since_change(), b.headline_since_change())
    {
        let _ = writeln!(out, "since the last change, at {} s:", as_secs(at));
        write_columns(&mut out, fa, fb);
    }
    out
}

/// `NAME = VALUE` of each parameter where `b` differs from `a`.
fn changed(a: &Params, b: &Params) -> Vec<String> {
    a.iter()
        .zip(b.iter())
        .filter(|(x, y)| x.1 != y.1)
        .map(|((spec, _), (_, v))| format!("{} = {v}", spec.name))
        .collect()
}

/// Headline rows under `A`, `B` and `B - A`, names padded to the longest.
fn write_columns(out: &mut String, a: Headline, b: Headline) {
    let rows = compare::rows(a, b);
    let w = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let _ = writeln!(out, "{:w$}  {:>14}  {:>14}  {:>14}", "", "A", "B", "B - A");
    let cell = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{x:.4}"));
    for r in rows {
        let diff = r.diff.map_or("n/a".to_string(), |x| format!("{x:+.4}"));
        let _ = writeln!(
            out,
            "{:w$}  {:>14}  {:>14}  {diff:>14}",
            r.name,
            cell(r.a),
            cell(r.b)
        );
    }
}

fn write_figures(out: &mut String, figures: Headline) {
    for (k, v) in figures {
        let _ = writeln!(
            out,
            "{k}: {}",
            v.map_or("n/a".to_string(), |x| format!("{x:.4}"))
        );
    }
}
