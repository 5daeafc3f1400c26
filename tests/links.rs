//! Share links: decoding is total (any string gives a state or clear problems,
//! never a panic), and what decodes cleanly re-encodes to the same run.
#![cfg(not(target_arch = "wasm32"))]

use resilience_lab::link::{self, decode, encode};
use resilience_lab::scenarios::{self, Run};
use resilience_lab::sim::kernel::time::from_secs;
use resilience_lab::sim::{SimRng, SEC};

const ALPHABET: &[u8] =
    b"#&=:%+.-_ 0123456789abcdefghijklmnopqrstuvwxyzv=s=seed=t=at=\xc3\xa9\x00\xff";
const PIECES: &[&str] = &[
    "v=1",
    "v=2",
    "s=queueing-basics",
    "s=nope",
    "seed=7",
    "seed=-1",
    "seed=99999999999999999999",
    "t=120",
    "t=1e9",
    "t=-3",
    "servers=12",
    "servers=0",
    "servers=2.5",
    "arrival_rps=950",
    "service_dist=constant",
    "service_dist=CONSTANT",
    "at=90:servers=12",
    "at=90:servrs=12",
    "at=:=",
    "at=5",
    "at=5:servers",
    "%zz",
    "%e2%82",
    "&",
    "=",
    "==",
    "#",
    "x=%41",
];

fn random_string(rng: &mut SimRng) -> String {
    let len = rng.below(80) as usize;
    if rng.chance(0.5) {
        let bytes: Vec<u8> = (0..len)
            .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize])
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        let n = rng.below(8) as usize;
        let mut s = String::from(if rng.chance(0.5) {
            "#"
        } else {
            "http://127.0.0.1:8080/#"
        });
        for _ in 0..n {
            s.push_str(PIECES[rng.below(PIECES.len() as u64) as usize]);
            s.push(if rng.chance(0.9) { '&' } else { '#' });
        }
        s
    }
}

#[test]
fn any_string_decodes_to_a_state_or_clear_problems() {
    let mut rng = SimRng::new(2024);
    for _ in 0..50_000 {
        let input = random_string(&mut rng);
        let d = decode(&input);
        for p in &d.problems {
            assert!(
                !p.is_empty() && p.len() < 600 && !p.contains('\n'),
                "bad problem text for {input:?}: {p:?}"
            );
        }
        if let Some(st) = d.state {
            // Whatever was applied is a valid state that re-encodes to itself.
            let again = encode(st.scenario, &st.params, st.seed, &st.changes, st.t_us);
            let d2 = decode(&again);
            assert!(
                d2.problems.is_empty(),
                "{input:?} -> {again} -> {:?}",
                d2.problems
            );
            let st2 = d2.state.unwrap();
            assert_eq!(
                (st2.seed, st2.t_us, &st2.params, &st2.changes),
                (st.seed, st.t_us, &st.params, &st.changes)
            );
        }
    }
}

#[test]
fn huge_and_hostile_inputs_do_not_panic() {
    let long = "#s=queueing-basics&".to_string() + &"servers=3&".repeat(10_000);
    let d = decode(&long);
    assert!(d.problems.iter().any(|p| p.contains("longer than")));
    assert_eq!(d.state.unwrap().params.f("servers"), 3.0);
    for s in [
        "",
        "#",
        "&&&",
        "#s=",
        "#s=queueing-basics&at=99999999999999999999999:servers=2",
        "#s=%",
        "javascript:alert(1)",
        "#s=<script>",
    ] {
        let _ = decode(s);
    }
}

#[test]
fn a_link_replays_the_same_numbers() {
    let s = scenarios::find("queueing-basics").unwrap();
    let mut a = Run::new(s, s.default_params(), 42, Vec::new()).unwrap();
    a.advance_to(50 * SEC);
    a.change_now("arrival_rps", scenarios::Value::Number(990.0))
        .unwrap();
    a.advance_to(90 * SEC);
    let link = encode(s, &a.initial, a.seed, a.changes(), Some(a.now()));
    let st = decode(&link).state.unwrap();
    let mut b = Run::new(st.scenario, st.params, st.seed, st.changes).unwrap();
    b.advance_to(st.t_us.unwrap());
    assert_eq!(a.headline(), b.headline());
    assert_eq!(a.world().ledger(), b.world().ledger());
}

#[test]
fn a_flood_of_problems_is_listed_once_each_and_capped() {
    let fragment = format!("#v=1&s=queueing-basics&{}", "x=1&".repeat(4_000));
    let d = decode(&fragment);
    assert!(
        d.problems.len() <= link::MAX_PROBLEMS + 1,
        "{:?}",
        d.problems
    );
    assert!(d.problems.last().unwrap().contains("more problems"));
    assert!(d.state.is_some(), "the rest of the link still applies");
}

#[test]
fn a_percent_escape_needs_two_hex_digits() {
    let d = decode("#v=1&s=queueing-basics&servers=%+3");
    assert!(
        d.problems.iter().any(|p| p.contains("broken %-escape")),
        "{:?}",
        d.problems
    );
}

#[test]
fn every_default_run_is_within_what_a_link_may_ask_for() {
    for s in scenarios::catalogue() {
        let p = s.default_params();
        let until = from_secs(s.duration_s);
        let n = scenarios::work::offered_events(s, &p, 1, &[], until);
        println!("{}: {n:.0} events to {} s", s.id, s.duration_s);
        assert!(s.duration_s <= link::MAX_T_S, "{}", s.id);
        assert!(
            link::check_work(s, &p, 1, &[], until).is_ok(),
            "{}: {n} events",
            s.id
        );
    }
}

/// Decodes a link that names a scenario; its problems joined in one string.
fn decode_known(fragment: &str) -> (link::LinkState, String) {
    let d = decode(fragment);
    let all = d.problems.join("\n");
    (d.state.expect("scenario known"), all)
}

#[test]
fn a_link_cannot_ask_for_more_simulated_time_than_the_cap() {
    let (st, all) = decode_known("#v=1&s=queueing-basics&servers=12&t=99000000");
    assert!(
        all.contains(
            "99000000 simulated seconds is more than a link may ask for: at most 63072000"
        ),
        "{all}"
    );
    assert_eq!(st.t_us, None);
    assert_eq!(st.params.f("servers"), 12.0, "the rest of the link applies");
    let (st, all) = decode_known("#v=1&s=queueing-basics&t=0");
    assert!(all.contains("t=0 asks for no simulated time"), "{all}");
    assert_eq!(st.t_us, None);
}

#[test]
fn a_link_cannot_ask_for_more_work_than_the_cap() {
    // An hour at 100,000 rps: about 720 million events.
    let (st, all) = decode_known("#v=1&s=queueing-basics&arrival_rps=100000&t=3600");
    assert!(
        all.contains("running to 3600 s would take about 720 million simulation events, more than a link may ask for: at most 100 million (for these parameters, about 500 s)"),
        "{all}"
    );
    assert_eq!(st.t_us, None, "the run opens at 0");
    assert_eq!(st.params.f("arrival_rps"), 100_000.0);
    // What the message allows is allowed.
    let (st, all) = decode_known("#v=1&s=queueing-basics&arrival_rps=100000&t=500");
    assert!(all.is_empty(), "{all}");
    assert_eq!(st.t_us, Some(500 * SEC));
    // Few requests, each with a hundred thousand queries (N + 1), for a week.
    let (_, all) = decode_known("#v=1&s=n-plus-one&items=100000&t=604800");
    assert!(all.contains("more than a link may ask for"), "{all}");
    // A rate raised by a timed change counts from when it is raised.
    let (_, all) = decode_known("#v=1&s=queueing-basics&at=10:arrival_rps=100000&t=3600");
    assert!(all.contains("more than a link may ask for"), "{all}");
    let (_, all) = decode_known("#v=1&s=queueing-basics&at=3500:arrival_rps=100000&t=3600");
    assert!(all.is_empty(), "{all}");
}

#[test]
fn a_repeated_parameter_is_named_and_the_last_one_is_used() {
    let (st, all) = decode_known("#v=1&s=queueing-basics&servers=3&servers=5&seed=2&seed=4");
    assert!(
        all.contains("'servers' is given more than once; the last one is used"),
        "{all}"
    );
    assert!(all.contains("'seed' is given more than once"), "{all}");
    assert_eq!((st.params.f("servers"), st.seed), (5.0, 4));
}

#[test]
fn twenty_thousand_hostile_links_decode_to_bounded_clean_problems() {
    let t = resilience_lab::link_fuzz::run(20_000, 7).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.fragments, 20_000);
    // The generator reaches both sides: links that open and problem floods.
    assert!(t.states > 5_000, "{t:?}");
    assert_eq!(t.most_problems, link::MAX_PROBLEMS + 1, "{t:?}");
}

#[test]
fn a_timed_change_of_a_build_only_parameter_is_a_problem() {
    let d = decode("v=1&s=webhook-duplicates&at=60:event_weight=5&t=120");
    let state = d.state.expect("the rest of the link still opens");
    assert!(state.changes.is_empty(), "the change was not applied");
    assert!(
        d.problems
            .iter()
            .any(|p| p.contains("event_weight") && p.contains("set from the start")),
        "{:?}",
        d.problems
    );
}

#[test]
fn a_replay_runs_at_most_its_event_cap_and_says_where_it_stopped() {
    // A retry storm: its retries and timers are events the estimate from the
    // clients' offer does not count, so the cap on events actually run holds.
    let (st, problems) =
        decode_known("#v=1&s=retry-storm&max_attempts=10&at=60:retry=immediate&t=300");
    assert_eq!(problems, "");
    let until = st.t_us.unwrap();
    let replay = |cap| {
        let mut r = Run::new(st.scenario, st.params.clone(), st.seed, st.changes.clone()).unwrap();
        let reached = r.advance_bounded_all(until, cap);
        let events = r.world().events_processed();
        (r, reached, link::replay_cap(events, cap, reached, until))
    };
    let (whole, reached, ok) = replay(u64::MAX);
    assert_eq!((reached, ok), (until, Ok(())));
    let all = whole.world().events_processed();
    let mut plain = Run::new(st.scenario, st.params.clone(), st.seed, st.changes.clone()).unwrap();
    plain.advance_to(until);
    assert_eq!(
        plain.headline(),
        whole.headline(),
        "the same run, changes included"
    );

    let (cut, reached, stopped) = replay(all / 3);
    assert!(reached < until, "stopped before {until}: {reached}");
    assert!(cut.world().events_processed() <= all / 3 + 1_000);
    let e = stopped.unwrap_err();
    assert!(
        e.contains("stopped at") && e.contains("of the link's 300 s"),
        "{e}"
    );
    assert!(link::MAX_REPLAY_EVENTS as f64 >= 2.0 * link::MAX_EVENTS);
}
