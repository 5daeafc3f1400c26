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
    "b.servers=14",
    "b.servers=0",
    "b.seed=3",
    "b.service_dist=constant",
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
            let mut again = encode(st.scenario, &st.params, st.seed, &st.changes, st.t_us);
            if let Some(b) = &st.b {
                again += &link::encode_b(&st.params, b);
            }
            let d2 = decode(&again);
            assert!(
                d2.problems.is_empty(),
                "{input:?} -> {again} -> {:?}",
                d2.problems
            );
            let st2 = d2.state.unwrap();
            assert_eq!(
                (st2.seed, st2.t_us, &st2.params, &st2.b, &st2.changes),
                (st.seed, st.t_us, &st.params, &st.b, &st.changes)
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
    let (st, all) = decode_known("#v=1&s=queueing-basics&servers=12&t=70000000");
    assert!(
        all.contains("70000000 simulated seconds is more than a link may ask for: at most 63115200 (two years)"),
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
fn an_ab_link_gives_b_as_a_with_its_b_keys_on_top_and_round_trips() {
    // B's keys may come before A's: B is A's parameters, wherever they stand.
    let (st, all) = decode_known(
        "#v=1&s=cascading-failure&seed=4&b.bulkhead=on&timeout_ms=2000&b.chaos.core-api.pods_down=1&at=90:circuit_breaker=on&t=120",
    );
    assert_eq!(all, "");
    let b = st.b.clone().expect("a B");
    assert_eq!(b.num("timeout_ms"), Some(2000.0), "A's value carries to B");
    assert!(b.on("bulkhead") && !st.params.on("bulkhead"));
    assert_eq!(b.f("chaos.core-api.pods_down"), 1.0);
    let again = encode(st.scenario, &st.params, st.seed, &st.changes, st.t_us)
        + &link::encode_b(&st.params, &b);
    assert_eq!(
        again,
        "#v=1&s=cascading-failure&seed=4&timeout_ms=2000&at=90:circuit_breaker=on&t=120&b.bulkhead=on&b.chaos.core-api.pods_down=1"
    );
    let (st2, all) = decode_known(&again);
    assert_eq!(all, "");
    assert_eq!(
        (st2.params, st2.b, st2.changes),
        (st.params, st.b, st.changes)
    );
    // No b. key, or only ones that leave B as A: no comparison.
    assert!(decode_known("#v=1&s=cascading-failure").0.b.is_none());
    let (st, all) = decode_known("#v=1&s=cascading-failure&bulkhead=on&b.bulkhead=on");
    assert_eq!((st.b, all.as_str()), (None, ""));
}

#[test]
fn every_kind_of_bad_b_key_is_named_for_b_and_the_rest_applies() {
    let (st, all) = decode_known(
        "#v=1&s=queueing-basics&servers=12&b.servrs=3&b.servers=0&b.seed=5&b.at=60:servers=2&b.t=30&b.step=1&b.=1&b.service_dist=constant&b.service_dist=CONSTANT&t=60",
    );
    for needle in [
        "B: unknown parameter 'servrs' — did you mean 'servers'?",
        "B: '0' is not allowed for servers",
        "B: 'b.seed' cannot differ: B shares A's seed, timed changes, t and view",
        "B: 'b.at' cannot differ",
        "B: 'b.t' cannot differ",
        "B: 'b.step' cannot differ",
        "B: unknown parameter ''",
        "B: 'service_dist' is given more than once; the last one is used",
        "B: 'CONSTANT' is not allowed for service_dist",
    ] {
        assert!(all.contains(needle), "{needle:?} not in:\n{all}");
    }
    // What was valid applies: A whole, B's one good value on A's.
    assert_eq!(
        (st.seed, st.t_us, st.params.f("servers")),
        (1, Some(60 * SEC), 12.0)
    );
    let b = st.b.expect("the valid b. key applies");
    assert_eq!(
        (b.f("servers"), b.choice("service_dist")),
        (12.0, "constant")
    );
    // Only bad b. keys: A opens alone.
    let (st, all) = decode_known("#v=1&s=queueing-basics&b.servers=0&b.seed=2");
    assert!(st.b.is_none() && all.contains("B: "), "{all}");
}

#[test]
fn an_ab_link_asks_for_at_most_the_work_cap_for_both_halves_together() {
    // 100,000 rps for 400 s is 80 million events: one run may, two may not.
    let (st, all) = decode_known("#v=1&s=queueing-basics&arrival_rps=100000&t=400");
    assert_eq!((all.as_str(), st.t_us), ("", Some(400 * SEC)));
    let (st, all) = decode_known("#v=1&s=queueing-basics&arrival_rps=100000&b.servers=20&t=400");
    assert!(
        all.contains("running A and B to 400 s would take about 160 million simulation events, more than a link may ask for: at most 100 million (for these parameters, about 250 s)"),
        "{all}"
    );
    assert_eq!(st.t_us, None, "the run opens at 0");
    assert!(st.b.is_some(), "and still compares");
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
    assert!(t.ab_states > 200, "A/B links too: {t:?}");
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

/// `embed=1` asks for the compact view an iframe shows: the charts by number
/// (the first two by default), at most three controls, and the run itself
/// untouched. The view rides along in the link the page writes.
#[test]
fn an_embed_link_names_its_charts_and_controls() {
    let (st, all) = decode_known(
        "#v=1&s=queueing-basics&servers=12&embed=1&charts=3,1&controls=servers,arrival_rps",
    );
    assert!(all.is_empty(), "{all}");
    let e = st.view.embed.clone().expect("an embedded view");
    assert_eq!(e.charts, vec![3, 1]);
    assert_eq!(e.controls, vec!["servers", "arrival_rps"]);
    assert!(e.shows_chart(0) && e.shows_chart(2) && !e.shows_chart(1));
    assert_eq!(st.params.f("servers"), 12.0, "the run's parameters apply");
    assert_eq!(
        st.view.fragment(),
        "&embed=1&charts=3,1&controls=servers,arrival_rps"
    );
    // Nothing named: the first two charts, no control.
    let (st, all) = decode_known("#v=1&s=queueing-basics&embed=1");
    assert!(all.is_empty(), "{all}");
    let e = st.view.embed.expect("an embedded view");
    assert!(e.shows_chart(0) && e.shows_chart(1) && !e.shows_chart(2));
    assert!(e.controls.is_empty());
    let (st, _) = decode_known("#v=1&s=queueing-basics");
    assert_eq!(st.view.embed, None, "the full lab by default");
}

/// A wrong chart number, an unknown control, too many of either, or
/// `charts=` without `embed=1`: each is a problem saying what is allowed,
/// and the rest of the link still applies.
#[test]
fn a_broken_embed_link_says_what_is_allowed() {
    let n = (scenarios::find("queueing-basics").unwrap().charts)().len();
    let (st, all) =
        decode_known("#v=1&s=queueing-basics&embed=1&charts=9,x,2&controls=sevrers,servers&seed=4");
    assert!(
        all.contains(&format!(
            "charts: '9' is not a chart of this scenario: use numbers from 1 to {n}; ignored"
        )),
        "{all}"
    );
    assert!(all.contains("charts: 'x' is not a chart"), "{all}");
    assert!(
        all.contains("controls: unknown parameter 'sevrers' — did you mean 'servers'?"),
        "{all}"
    );
    let e = st.view.embed.expect("still embedded");
    assert_eq!((e.charts, e.controls), (vec![2], vec!["servers"]));
    assert_eq!(st.seed, 4);

    let (st, all) = decode_known(
        "#v=1&s=queueing-basics&embed=1&controls=servers,arrival_rps,service_ms,service_dist",
    );
    assert!(
        all.contains("controls: at most 3 in an embedded view; the first 3 are shown"),
        "{all}"
    );
    let e = st.view.embed.expect("still embedded");
    assert_eq!(e.controls, vec!["servers", "arrival_rps", "service_ms"]);

    let (st, all) = decode_known("#v=1&s=queueing-basics&charts=1&controls=servers");
    assert!(
        all.contains("charts= applies only with embed=1; ignored"),
        "{all}"
    );
    assert!(
        all.contains("controls= applies only with embed=1; ignored"),
        "{all}"
    );
    assert_eq!(st.view.embed, None);
    let (st, all) = decode_known("#v=1&s=queueing-basics&embed=yes");
    assert!(
        all.contains("embed 'yes' is not 1 or 0; the full lab opens"),
        "{all}"
    );
    assert_eq!(st.view.embed, None);
}
