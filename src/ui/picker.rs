//! The scenario picker, and the story: the lesson, the narrative and the guided
//! tour, all from the scenario's own catalogue entry.

use leptos::prelude::*;

use super::lab::Lab;
use crate::scenarios;

#[component]
pub fn Picker() -> impl IntoView {
    let lab = Lab::from_context();
    let options = scenarios::catalogue()
        .iter()
        .map(|s| {
            let label = match s.story {
                Some(n) => format!("{} (story {n})", s.title),
                None => s.title.to_string(),
            };
            view! {
                <option value=s.id title=s.lesson selected=move || lab.scenario.get().0.id == s.id>
                    {label}
                </option>
            }
        })
        .collect_view();
    view! {
        <div class="picker">
            <label for="lab-scenario">"Scenario"</label>
            <select id="lab-scenario" aria-describedby="lab-lesson"
                prop:value=move || lab.scenario.get().0.id
                on:change=move |ev| lab.pick(&event_target_value(&ev))>
                {options}
            </select>
            <p id="lab-lesson" class="lesson">{move || lab.scenario.get().0.lesson}</p>
        </div>
    }
}

#[component]
pub fn Story() -> impl IntoView {
    let lab = Lab::from_context();
    move || {
        let s = lab.scenario.get().0;
        let steps = s
            .guide
            .iter()
            .map(|g| {
                view! {
                    <li>
                        <p><strong>"Do: "</strong>{g.action}</p>
                        <p><strong>"Watch: "</strong>{g.watch}</p>
                        <p><strong>"Predict: "</strong>{g.predict}</p>
                        <details><summary>"Answer"</summary><p>{g.answer}</p></details>
                    </li>
                }
            })
            .collect_view();
        let n = s.guide.len();
        view! {
            <section class="story" aria-labelledby="story-h">
                <h1 id="story-h">{s.title}</h1>
                <p class="narrative">{s.narrative}</p>
                {(n > 0).then(|| view! {
                    <details class="guide">
                        <summary>{format!("Guided tour: {n} steps")}</summary>
                        <ol>{steps}</ol>
                    </details>
                })}
            </section>
        }
    }
}
