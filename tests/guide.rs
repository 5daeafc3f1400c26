//! Every guided step of every scenario, applied as the page's Apply does and
//! as its link replays: the figure its answer rests on lands in its range on
//! two seeds, its choices are a real question, and it speaks of the controls
//! in the words the page shows.
#![cfg(not(target_arch = "wasm32"))]

use resilience_lab::link;
use resilience_lab::scenarios::{self, guide, Run, Scenario};

/// The seeds every expectation is checked on.
const SEEDS: [u64; 2] = [1, 2];

fn headline_of(s: &'static Scenario, step: usize, seed: u64) -> Vec<(&'static str, Option<f64>)> {
    let g = &s.guide[step];
    let (params, changes, until) = guide::applied(s, g).expect("a step's state is valid");
    let mut r = Run::new(s, params.clone(), seed, changes).expect("the run starts");
    r.advance_to(until);
    r.model().headline(&params, &r.world().whole_run())
}

#[test]
fn every_step_is_a_question_with_two_to_four_choices_and_one_answer() {
    for s in scenarios::catalogue() {
        assert!(
            (3..=5).contains(&s.guide.len()),
            "{}: {} steps (3 to 5)",
            s.id,
            s.guide.len()
        );
        for (i, g) in s.guide.iter().enumerate() {
            let at = format!("{} step {}", s.id, i + 1);
            assert!(
                (2..=4).contains(&g.choices.len()),
                "{at}: {} choices (2 to 4)",
                g.choices.len()
            );
            assert!(g.correct < g.choices.len(), "{at}: no such right choice");
            for (k, c) in g.choices.iter().enumerate() {
                assert!(!c.trim().is_empty(), "{at}: an empty choice");
                assert!(
                    g.choices[..k].iter().all(|d| d != c),
                    "{at}: choice '{c}' twice"
                );
            }
            for text in [g.action, g.watch, g.predict, g.answer] {
                assert!(!text.trim().is_empty(), "{at}: an empty text");
            }
        }
    }
}

#[test]
fn every_step_names_its_controls_by_their_labels_and_only_controls_that_exist() {
    for s in scenarios::catalogue() {
        for (i, g) in s.guide.iter().enumerate() {
            let at = format!("{} step {}", s.id, i + 1);
            guide::applied(s, g).unwrap_or_else(|e| panic!("{at}: {e}"));
            let named = g
                .apply
                .set
                .iter()
                .map(|(n, _)| *n)
                .chain(g.apply.at.iter().map(|(_, n, _)| *n));
            for name in named {
                let spec = s
                    .params
                    .iter()
                    .find(|p| p.name == name)
                    .unwrap_or_else(|| panic!("{at}: no control '{name}'"));
                assert!(
                    g.action.contains(spec.label),
                    "{at}: the step changes {name} but its text does not name the control \"{}\": {}",
                    spec.label,
                    g.action
                );
            }
            // A key is not what the page shows: the text uses labels.
            for p in s.params.iter().filter(|p| p.name.contains('_')) {
                for text in [g.action, g.watch, g.predict, g.answer] {
                    assert!(
                        !text.contains(p.name),
                        "{at}: says '{}' where the page shows \"{}\"",
                        p.name,
                        p.label
                    );
                }
            }
        }
    }
}

#[test]
fn every_step_link_opens_cleanly_at_its_step() {
    for s in scenarios::catalogue() {
        for i in 0..s.guide.len() {
            let l = guide::step_link(s, i, 1).expect("a link");
            let d = link::decode(&l);
            assert!(
                d.problems.is_empty(),
                "{} step {}: {:?}",
                s.id,
                i + 1,
                d.problems
            );
            let st = d.state.expect("a state");
            assert_eq!(st.view.step, Some(i + 1));
            let (params, changes, until) = guide::applied(s, &s.guide[i]).unwrap();
            assert_eq!(
                (st.params, st.changes, st.t_us),
                (params, changes, Some(until))
            );
        }
    }
}

#[test]
fn every_expected_figure_lands_in_its_range_on_two_seeds() {
    let mut checked = 0;
    for s in scenarios::catalogue() {
        for (i, g) in s.guide.iter().enumerate() {
            let at = format!("{} step {}", s.id, i + 1);
            let e = g
                .expect
                .unwrap_or_else(|| panic!("{at}: no expected figure"));
            assert!(e.min <= e.max, "{at}: range {}..{}", e.min, e.max);
            for seed in SEEDS {
                let h = headline_of(s, i, seed);
                let v = h
                    .iter()
                    .find(|(k, _)| *k == e.figure)
                    .unwrap_or_else(|| panic!("{at}: no headline figure '{}'", e.figure))
                    .1
                    .unwrap_or_else(|| panic!("{at}: '{}' has no value", e.figure));
                assert!(
                    (e.min..=e.max).contains(&v),
                    "{at}, seed {seed}: {} = {v}, expected {} to {}",
                    e.figure,
                    e.min,
                    e.max
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 2 * 36, "only {checked} checks");
}

#[test]
fn every_step_looks_at_one_or_two_charts_of_its_scenario() {
    for s in scenarios::catalogue() {
        let titles: Vec<&str> = (s.charts)().iter().map(|c| c.title).collect();
        for (i, g) in s.guide.iter().enumerate() {
            let at = format!("{} step {}", s.id, i + 1);
            assert!(g.charts.len() <= 2, "{at}: presenter mode shows two charts");
            for t in g.charts {
                assert!(titles.contains(t), "{at}: no chart \"{t}\" in {titles:?}");
            }
        }
    }
}

#[test]
fn a_link_to_a_step_the_tour_lacks_opens_it_at_its_start() {
    let d = link::decode("#v=1&s=retry-storm&seed=1&step=99");
    assert_eq!(d.problems.len(), 1, "{:?}", d.problems);
    assert!(
        d.problems[0].contains("opens at its start"),
        "{:?}",
        d.problems
    );
    assert_eq!(d.state.expect("a state").view.step, Some(1));
}
