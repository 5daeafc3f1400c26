//! The `lab` command as a user meets it: exit codes, one clear line on bad input,
//! and JSON with the keys the README promises.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

fn lab(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .output()
        .expect("lab runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fails_with(args: &[&str], needle: &str) {
    let (code, out, err) = lab(args);
    assert_ne!(code, 0, "{args:?} should fail");
    assert!(out.is_empty(), "{args:?} printed to stdout: {out}");
    assert!(
        err.contains(needle),
        "{args:?}: stderr {err:?} lacks {needle:?}"
    );
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
}

#[test]
fn list_and_params_describe_the_catalogue() {
    let (code, out, _) = lab(&["list"]);
    assert_eq!(code, 0);
    assert!(out.lines().any(|l| l == "queueing-basics\tQueueing basics"));
    let (code, out, _) = lab(&["params", "queueing-basics", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let servers = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "servers")
        .unwrap();
    for key in [
        "name", "label", "kind", "default", "min", "max", "unit", "help",
    ] {
        assert!(!servers[key].is_null(), "servers lacks {key}");
    }
    let dist = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "service_dist")
        .unwrap();
    assert_eq!(
        dist["choices"],
        serde_json::json!(["exponential", "constant"])
    );
}

#[test]
fn run_json_has_every_promised_key_and_a_balanced_ledger() {
    let (code, out, err) = lab(&[
        "run",
        "queueing-basics",
        "--set",
        "arrival_rps=500",
        "--seed",
        "3",
        "--duration",
        "60",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in [
        "scenario",
        "seed",
        "duration_s",
        "params",
        "requests",
        "headline",
        "events",
        "wall_ms",
    ] {
        assert!(!v[key].is_null(), "missing {key}");
    }
    assert_eq!(v["params"]["arrival_rps"], 500.0);
    assert_eq!(v["params"]["servers"], 10.0);
    let r = &v["requests"];
    let n = |k: &str| r[k].as_u64().unwrap();
    assert_eq!(
        n("arrived"),
        n("succeeded") + n("failed") + n("rejected") + n("timed_out") + n("in_flight")
    );
    assert!((n("arrived") as f64 / 60.0 - 500.0).abs() < 25.0);
    for key in [
        "mean_wait_ms",
        "mean_latency_ms",
        "mean_in_system",
        "throughput_rps",
        "utilization",
        "p99_latency_ms",
    ] {
        assert!(v["headline"][key].is_number(), "headline {key}");
    }
    assert!(v["events"].as_u64().unwrap() > 30_000);
}

#[test]
fn the_same_run_from_flags_and_from_its_link_gives_the_same_numbers() {
    let (_, link, _) = lab(&[
        "link",
        "queueing-basics",
        "--set",
        "servers=11",
        "--seed",
        "5",
    ]);
    assert_eq!(link.trim(), "#v=1&s=queueing-basics&seed=5&servers=11");
    let strip = |s: String| {
        let mut v: serde_json::Value = serde_json::from_str(&s).unwrap();
        v["wall_ms"] = serde_json::Value::Null;
        v
    };
    let (c1, a, _) = lab(&[
        "run",
        "queueing-basics",
        "--set",
        "servers=11",
        "--seed",
        "5",
        "--duration",
        "30",
        "--json",
    ]);
    let (c2, b, e) = lab(&[
        "run",
        "--link",
        &format!("http://localhost:8080/{}&t=30", link.trim()),
        "--json",
    ]);
    assert_eq!((c1, c2), (0, 0), "{e}");
    assert_eq!(strip(a), strip(b));
}

/// A link with a timed change also gives the figures since the last change;
/// the whole-run `headline` is as without it, and a run with no change has
/// no `since_last_change`.
#[test]
fn a_run_with_changes_gives_its_figures_since_the_last_one() {
    let run = |link: &str| {
        let (code, out, err) = lab(&["run", "--link", link, "--json"]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let plain = run("#v=1&s=queueing-basics&seed=2&t=60");
    assert!(plain.get("since_last_change").is_none());
    let changed = run("#v=1&s=queueing-basics&seed=2&at=20:servers=12&t=60");
    let since = &changed["since_last_change"];
    assert_eq!(since["at_s"], 20.0);
    let (wait, whole) = (
        since["headline"]["mean_wait_ms"].as_f64().unwrap(),
        changed["headline"]["mean_wait_ms"].as_f64().unwrap(),
    );
    // Two more servers cut the wait: since the change it is shorter than
    // over the whole run, which still holds the first 20 s.
    assert!(
        wait < whole,
        "{wait} ms since, {whole} ms over the whole run"
    );
    assert_eq!(
        since["headline"].as_object().unwrap().len(),
        changed["headline"].as_object().unwrap().len()
    );
}

/// What `lab run ARGS --csv FILE` writes, read back (the file removed).
fn csv_of(args: &[&str]) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("lab-csv-{}-{n}.csv", std::process::id()));
    let mut all = args.to_vec();
    all.extend(["--csv", path.to_str().unwrap()]);
    let (code, _, err) = lab(&all);
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    csv
}

#[test]
fn csv_holds_one_row_per_bucket() {
    let csv = csv_of(&["run", "queueing-basics", "--duration", "20"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("t_s,\"Throughput / arrivals (req/s)\""),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 21);
    assert!(lines[20].starts_with("20,"));
}

#[test]
fn bad_input_exits_non_zero_with_one_clear_line() {
    fails_with(
        &["run", "queueing-basic"],
        "unknown scenario 'queueing-basic' — did you mean 'queueing-basics'?",
    );
    fails_with(
        &["run", "queueing-basics", "--set", "srvers=3"],
        "unknown parameter 'srvers' — did you mean 'servers'?",
    );
    fails_with(
        &["run", "queueing-basics", "--set", "servers=0"],
        "'0' is not allowed for servers: use a whole number from 1 to 1000",
    );
    fails_with(
        &["run", "queueing-basics", "--set", "service_dist=normal"],
        "use one of exponential, constant",
    );
    fails_with(
        &["run", "queueing-basics", "--set", "servers"],
        "write NAME=VALUE",
    );
    fails_with(
        &["run", "queueing-basics", "--seed", "x"],
        "--seed 'x' is not a whole number",
    );
    fails_with(
        &["run", "queueing-basics", "--duration", "-5"],
        "--duration '-5' is not allowed",
    );
    fails_with(
        &["run", "queueing-basics", "--frobnicate"],
        "unknown option '--frobnicate'",
    );
    fails_with(
        &["run", "--link", "#s=queueing-basics&bulkhed=on"],
        "unknown parameter 'bulkhed'",
    );
    fails_with(
        &["run", "--link", "#s=queueing-basics", "--set", "servers=2"],
        "give no ID, --set or --seed",
    );
    fails_with(
        &["run", "queueing-basics", "--json=yes"],
        "--json takes no value",
    );
    fails_with(
        &["run", "--link", "#s=queueing-basics&t=0"],
        "t=0 asks for no simulated time",
    );
    fails_with(&["launch"], "unknown command 'launch'");
    fails_with(&[], "no command given");
}

/// Runs the binary with raw (possibly non-UTF-8) arguments.
fn lab_os(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .output()
        .expect("lab runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn bytes_that_are_not_utf8_give_one_line_not_a_panic() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let bad = OsStr::from_bytes(b"\xff");
    let set = OsStr::from_bytes(b"servers=\xff");
    for args in [
        vec![OsStr::new("run"), bad],
        vec![OsStr::new("params"), OsStr::from_bytes(b"\xfe")],
        vec![
            OsStr::new("run"),
            OsStr::new("queueing-basics"),
            OsStr::new("--set"),
            set,
        ],
        vec![
            OsStr::new("run"),
            OsStr::new("--link"),
            OsStr::from_bytes(b"#v=1&s=\xff"),
        ],
    ] {
        let (code, _, err) = lab_os(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("not valid UTF-8"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn control_characters_from_a_link_never_reach_the_terminal_raw() {
    for link in [
        "#v=1&s=queueing-basics&servers=1%0D%0Alab:+all+good",
        "#v=1&s=queueing-basics&servers=%1B[2J",
        "#v=1&s=queueing-basics&servers=%+3",
    ] {
        let (code, _, err) = lab(&["run", "--link", link]);
        assert_eq!(code, 2, "{link}: {err}");
        assert!(
            !err.chars().any(|c| c.is_control() && c != '\n'),
            "{link}: raw control character in {err:?}"
        );
        // The header line and one problem line: the value forged no line of its own.
        assert_eq!(err.trim_end().lines().count(), 2, "{link}: {err:?}");
        assert!(
            err.lines().nth(1).is_some_and(|l| l.starts_with("  '")),
            "{link}: {err:?}"
        );
    }
}

#[test]
fn a_huge_value_is_not_echoed_back_whole() {
    let link = format!("#v=1&s=queueing-basics&servers={}", "9".repeat(100 * 1024));
    let (code, _, err) = lab(&["run", "--link", &link]);
    assert_eq!(code, 2);
    assert!(err.len() < 2_000, "{} bytes of stderr", err.len());
}

#[test]
fn a_link_run_obeys_the_link_caps_however_its_length_is_given() {
    fails_with(
        &[
            "run",
            "--link",
            "#s=queueing-basics&arrival_rps=100000&t=3600",
        ],
        "more than a link may ask for: at most 100 million",
    );
    fails_with(
        &[
            "run",
            "--link",
            "#s=queueing-basics&arrival_rps=100000",
            "--duration",
            "3600",
        ],
        "the link's run is too long, so nothing was run",
    );
    fails_with(
        &["run", "queueing-basics", "--duration", "70000000"],
        "at most 63115200",
    );
}

#[test]
fn a_csv_file_that_cannot_be_written_fails_before_the_run() {
    // A day of retry-storm takes minutes; the refusal must come at once.
    let clock = std::time::Instant::now();
    let (code, out, err) = lab(&[
        "run",
        "retry-storm",
        "--duration",
        "86400",
        "--csv",
        "/nonexistent-dir/figures.csv",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("--csv '/nonexistent-dir/figures.csv' cannot be written"),
        "{err}"
    );
    assert!(err.contains("nothing was run"), "{err}");
    assert!(clock.elapsed().as_secs() < 20, "it ran first");
}

#[test]
fn guide_json_gives_each_step_with_a_link_whose_run_meets_its_expectation() {
    let (code, out, err) = lab(&["guide", "cascading-failure", "--json"]);
    assert_eq!(code, 0, "{err}");
    let steps: serde_json::Value = serde_json::from_str(&out).unwrap();
    let steps = steps.as_array().expect("a list");
    assert_eq!(steps.len(), 5);
    for (i, s) in steps.iter().enumerate() {
        assert_eq!(s["step"], i + 1);
        for key in ["do", "predict", "answer", "link"] {
            assert!(s[key].as_str().is_some_and(|t| !t.is_empty()), "{key}: {s}");
        }
        assert!(s.get("expect").is_some(), "expect is a key, null or not");
    }
    // Step 2 sets the timeout from the start; its link, run by `lab run
    // --link`, lands in the step's range.
    let s = &steps[1];
    let link = s["link"].as_str().unwrap();
    assert!(
        link.contains("timeout_ms=2000") && link.ends_with("&step=2"),
        "{link}"
    );
    let (code, out, err) = lab(&["run", "--link", link, "--json"]);
    assert_eq!(code, 0, "{err}");
    let run: serde_json::Value = serde_json::from_str(&out).unwrap();
    let e = &s["expect"];
    let v = run["headline"][e["figure"].as_str().unwrap()]
        .as_f64()
        .unwrap();
    assert!(
        e["min"].as_f64().unwrap() <= v && v <= e["max"].as_f64().unwrap(),
        "{v} outside {e}"
    );
    // The text form names each step, its link and its expectation.
    let (code, out, _) = lab(&["guide", "cascading-failure"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("1. "), "{out}");
    assert!(out.contains("link: #v=1&s=cascading-failure"), "{out}");
    assert!(
        out.contains("expect: login_success_after_fault from 0.4 to 0.9"),
        "{out}"
    );
    fails_with(&["guide"], "name a scenario");
    fails_with(
        &["guide", "cascading-failur"],
        "did you mean 'cascading-failure'",
    );
}

#[test]
fn a_link_opens_at_a_step_of_the_tour_or_says_which_steps_exist() {
    let (code, _, err) = lab(&[
        "run",
        "--link",
        "#s=cascading-failure&step=2&t=10",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    fails_with(
        &["run", "--link", "#s=cascading-failure&step=9&t=10"],
        "step '9' is not a step of this tour: use 1 to 5",
    );
}

/// `--json` of a run, its wall time cleared (the only figure that varies).
fn run_json(args: &[&str]) -> serde_json::Value {
    let (code, out, err) = lab(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    let mut v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for half in ["a", "b"] {
        if v.get(half).is_some() {
            v[half]["wall_ms"] = serde_json::Value::Null;
        }
    }
    if v.get("wall_ms").is_some() {
        v["wall_ms"] = serde_json::Value::Null;
    }
    v
}

#[test]
fn an_ab_link_prints_a_and_b_each_as_its_run_alone() {
    let link = "#v=1&s=retry-storm&seed=3&at=30:max_attempts=4&b.retry=backoff_jitter&b.circuit_breaker=on&t=90";
    let ab = run_json(&["run", "--link", link, "--json"]);
    assert_eq!(ab.as_object().unwrap().len(), 2, "only \"a\" and \"b\"");
    // Each half is the report of its run alone, whose link it gives.
    for half in ["a", "b"] {
        let alone = run_json(&[
            "run",
            "--link",
            ab[half]["link"].as_str().unwrap(),
            "--json",
        ]);
        assert_eq!(ab[half], alone, "{half}");
    }
    assert_eq!(ab["a"]["params"]["retry"], "fixed_1s");
    assert_eq!(ab["b"]["params"]["retry"], "backoff_jitter");
    assert_eq!(
        ab["b"]["changes"], ab["a"]["changes"],
        "B shares A's changes"
    );
    // The same pair from flags (without the timed change).
    let plain = [
        "run",
        "retry-storm",
        "--seed",
        "3",
        "--duration",
        "90",
        "--json",
    ];
    let b = ["--b", "retry=backoff_jitter", "--b", "circuit_breaker=on"];
    let flags = run_json(&[&plain[..], &b].concat());
    let plain = run_json(&plain);
    assert_eq!(flags["a"], plain);
    let (_, l, _) = lab(&[
        "link",
        "retry-storm",
        "--set",
        "max_attempts=4",
        "--b",
        "retry=none",
    ]);
    assert_eq!(
        l.trim(),
        "#v=1&s=retry-storm&seed=1&max_attempts=4&b.retry=none"
    );
}

#[test]
fn an_ab_run_prints_its_headline_in_columns_a_b_and_the_difference() {
    let (code, out, err) = lab(&[
        "run",
        "queueing-basics",
        "--duration",
        "60",
        "--set",
        "servers=11",
        "--b",
        "servers=12",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("B changes servers = 12\n"), "{out}");
    assert!(
        out.contains("requests A: arrived ") && out.contains("requests B: arrived "),
        "{out}"
    );
    let header = out
        .lines()
        .find(|l| l.trim_start().starts_with("A "))
        .expect(&out);
    let (a_at, b_at, d_at) = (
        header.find('A').unwrap(),
        header.find('B').unwrap(),
        header.find("B - A").unwrap(),
    );
    let row = out
        .lines()
        .find(|l| l.starts_with("mean_wait_ms "))
        .expect(&out);
    let cells: Vec<f64> = row
        .split_whitespace()
        .skip(1)
        .map(|c| c.parse().unwrap())
        .collect();
    assert!(
        (cells[1] - cells[0] - cells[2]).abs() < 2e-4,
        "B - A: {row}"
    );
    assert!(cells[2] < 0.0, "a twelfth server cuts the wait: {row}");
    // Right-aligned under their headings.
    for (end, cell) in [(a_at, 0), (b_at, 1), (d_at + 4, 2)] {
        let text = row.split_whitespace().nth(cell + 1).unwrap();
        let at = row.find(text).unwrap() + text.len() - 1;
        assert_eq!(at, end, "column {cell} of {row:?} under {header:?}");
    }
}

#[test]
fn an_ab_csv_holds_both_runs_b_named_with_its_prefix() {
    let run = ["run", "queueing-basics", "--duration", "20"];
    let csv = csv_of(&[&run[..], &["--b", "servers=12"]].concat());
    let lines: Vec<&str> = csv.lines().collect();
    let head: Vec<&str> = lines[0].split(',').collect();
    let n = (head.len() - 1) / 2;
    assert_eq!(head.len(), 2 * n + 1);
    for k in 1..=n {
        assert_eq!(
            head[n + k],
            head[k].replacen('"', "\"b.", 1),
            "{}",
            lines[0]
        );
    }
    assert_eq!(lines.len(), 21);
    // A's columns are the plain run's file, column for column.
    let alone = csv_of(&run);
    for (ab, a) in csv.lines().zip(alone.lines()) {
        let cells: Vec<&str> = ab.split(',').collect();
        assert_eq!(cells[..=n].join(","), a);
    }
    // B's differ: a twelfth server changes the latency lines.
    assert!(csv.lines().skip(1).any(|l| {
        let c: Vec<&str> = l.split(',').collect();
        c[1..=n] != c[n + 1..]
    }));
}

#[test]
fn run_help_shows_the_b_option() {
    let (code, out, _) = lab(&["run", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("[--b NAME=VALUE]...") && out.contains("B - A"),
        "{out}"
    );
}

#[test]
fn bad_b_input_exits_non_zero_with_one_clear_line() {
    let qb = "queueing-basics";
    let link = "#v=1&s=queueing-basics";
    let cases: [(&[&str], &str); 4] = [
        (
            &[qb, "--b", "servrs=3"],
            "queueing-basics: B: unknown parameter 'servrs'",
        ),
        (&[qb, "--b", "servers"], "--b 'servers': write NAME=VALUE"),
        (
            &["--link", link, "--b", "servers=3"],
            "--link already says what B changes (b.NAME=VALUE): give no --b with it",
        ),
        (
            &["--link", "#v=1&s=queueing-basics&b.seed=4"],
            "B: 'b.seed' cannot differ",
        ),
    ];
    for (args, needle) in cases {
        fails_with(&[&["run"], args].concat(), needle);
    }
}
