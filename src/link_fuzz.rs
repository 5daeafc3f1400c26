//! Hostile share links, for fuzzing the decoder: a seeded generator of
//! fragments (random bytes, huge numbers, repeated keys, long values,
//! percent-encoding tricks, `<script>` payloads, control characters) and the
//! checks every decode must pass. `benches/link_fuzz.rs` runs a million of them;
//! `tests/links.rs` a fast sample.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::link::{decode, encode, encode_b, MAX_PROBLEMS};
use crate::scenarios;
use crate::sim::SimRng;

/// The longest problem text accepted, in bytes: a message quotes at most 40
/// characters of input (`schema::quote`), so anything longer is a leak.
pub const MAX_PROBLEM_BYTES: usize = 600;

const HOSTILE_VALUES: &[&str] = &[
    "0",
    "-0",
    "-1",
    "1e308",
    "-1e308",
    "1e-320",
    "NaN",
    "inf",
    "-inf",
    "0x10",
    "1_000",
    "99999999999999999999999999999999",
    "18446744073709551615",
    "18446744073709551616",
    "4.9e-324",
    "1.",
    ".5",
    "+5",
    " 5",
    "on",
    "off",
    "true",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "%3Cscript%3E",
    "%00",
    "%0A%0D",
    "%1B%5B2J",
    "%E2%80%AE",
    "%C3%A9",
    "%C3",
    "%FF%FE",
    "%252F",
    "%%",
    "%2",
    "%zz",
    "+",
    "\u{0}\u{7}\u{1b}[31m",
    "\u{85}\u{2028}\u{202e}",
    "\r\n",
];

const KEYS: &[&str] = &[
    "v", "s", "seed", "t", "at", "", "=", "S", "v2", "%73", "b", "b.", "b.seed", "b.at", "b.t",
    "b.b.", "b%2Eseed",
];

const TIMES: &[&str] = &[
    "0",
    "1",
    "60",
    "3600",
    "86400",
    "604800",
    "604801",
    "63115200",
    "63115201",
    "1e9",
    "99999999999999999999",
    "-3",
    "3.5",
    "NaN",
    "",
];

/// Appends one `KEY=VALUE` piece to `s`.
fn piece(rng: &mut SimRng, s: &mut String, params: &[&str]) {
    let pick =
        |rng: &mut SimRng, list: &[&str]| list[rng.below(list.len() as u64) as usize].to_string();
    let key = if !params.is_empty() && rng.chance(0.6) {
        // A third of them B's half of an A/B comparison.
        let b = if rng.chance(0.3) { "b." } else { "" };
        format!("{b}{}", pick(rng, params))
    } else {
        pick(rng, KEYS)
    };
    let value = match rng.below(8) {
        0 | 1 => pick(rng, HOSTILE_VALUES),
        2 => pick(rng, TIMES),
        3 => format!("{}", rng.below(u64::MAX)),
        4 => {
            // A long value: repeated digits, letters or escapes.
            let unit = pick(rng, &["9", "a", "%41", "<", "\u{0}", "é"]);
            unit.repeat(1 + rng.below(3_000) as usize)
        }
        5 => format!(
            "{}:{}={}",
            pick(rng, TIMES),
            if params.is_empty() {
                "x".to_string()
            } else {
                pick(rng, params)
            },
            pick(rng, HOSTILE_VALUES)
        ),
        6 => {
            let ids: Vec<&str> = scenarios::catalogue().iter().map(|s| s.id).collect();
            pick(rng, &ids)
        }
        _ => random_text(rng, 20),
    };
    s.push_str(&key);
    if rng.chance(0.95) {
        s.push('=');
    }
    s.push_str(&value);
}

/// Up to `max` random characters from bytes, control characters and a few
/// multi-byte ones.
fn random_text(rng: &mut SimRng, max: u64) -> String {
    let n = rng.below(max + 1) as usize;
    let bytes: Vec<u8> = (0..n).map(|_| rng.below(256) as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One hostile fragment, decided by `rng` alone.
pub fn fragment(rng: &mut SimRng) -> String {
    if rng.chance(0.15) {
        return random_text(rng, 200);
    }
    let cat = scenarios::catalogue();
    let scenario = &cat[rng.below(cat.len() as u64) as usize];
    let params: Vec<&str> = scenario.schema().iter().map(|p| p.name).collect();
    let mut s = String::from(match rng.below(4) {
        0 => "",
        1 => "#",
        2 => "http://127.0.0.1:8080/#",
        _ => "https://example.org/lab/?q=1#",
    });
    if rng.chance(0.9) {
        s.push_str("v=1&s=");
        s.push_str(scenario.id);
        s.push('&');
    }
    let pieces = rng.below(12);
    for _ in 0..pieces {
        piece(rng, &mut s, &params);
        s.push(match rng.below(20) {
            0 => '#',
            1 => ';',
            _ => '&',
        });
    }
    if rng.chance(0.3) {
        // A whole piece repeated, as a key flood.
        let copy = s.clone();
        let times = 1 + rng.below(20) as usize;
        s = copy.repeat(times);
    }
    s
}

/// What the checks saw over a batch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub fragments: u64,
    /// Fragments that decoded to a state.
    pub states: u64,
    /// Of them, A/B comparisons (a `b` that differs from A).
    pub ab_states: u64,
    pub most_problems: usize,
    pub longest_problem: usize,
}

/// Decodes `input` and checks the result: no panic, at most
/// `MAX_PROBLEMS + 1` problems, each non-empty, at most
/// [`MAX_PROBLEM_BYTES`] long and free of control characters, and a state that
/// re-encodes (with B's half, [`encode_b`]) to a link decoding cleanly to the
/// same state, B included.
pub fn check(input: &str, tally: &mut Tally) -> Result<(), String> {
    let d = catch_unwind(AssertUnwindSafe(|| decode(input)))
        .map_err(|_| format!("decode panicked on {input:?}"))?;
    tally.fragments += 1;
    if d.problems.len() > MAX_PROBLEMS + 1 {
        return Err(format!("{} problems for {input:?}", d.problems.len()));
    }
    tally.most_problems = tally.most_problems.max(d.problems.len());
    for p in &d.problems {
        if p.is_empty() || p.len() > MAX_PROBLEM_BYTES || p.chars().any(char::is_control) {
            return Err(format!("bad problem text for {input:?}: {p:?}"));
        }
        tally.longest_problem = tally.longest_problem.max(p.len());
    }
    if let Some(st) = d.state {
        tally.states += 1;
        let mut again = encode(st.scenario, &st.params, st.seed, &st.changes, st.t_us);
        if let Some(b) = &st.b {
            tally.ab_states += 1;
            if *b == st.params {
                return Err(format!("{input:?} gives a B equal to A"));
            }
            again.push_str(&encode_b(&st.params, b));
        }
        let d2 = catch_unwind(AssertUnwindSafe(|| decode(&again)))
            .map_err(|_| format!("decode panicked on its own link {again:?}"))?;
        let st2 = d2
            .state
            .filter(|_| d2.problems.is_empty())
            .ok_or_else(|| format!("{input:?} re-encodes to {again:?}: {:?}", d2.problems))?;
        if (st2.seed, st2.t_us, &st2.params, &st2.b, &st2.changes)
            != (st.seed, st.t_us, &st.params, &st.b, &st.changes)
        {
            return Err(format!("{input:?} re-encodes to {again:?}, another state"));
        }
    }
    Ok(())
}

/// Generates and checks `n` fragments from `seed`; the first failure ends it.
pub fn run(n: u64, seed: u64) -> Result<Tally, String> {
    let mut rng = SimRng::new(seed);
    let mut tally = Tally::default();
    for _ in 0..n {
        let f = fragment(&mut rng);
        check(&f, &mut tally)?;
    }
    Ok(tally)
}
