//! The problems a link had, listed until dismissed: the lab opens with whatever
//! was valid, never a blank page.

use leptos::prelude::*;

use super::lab::Lab;

#[component]
pub fn Problems() -> impl IntoView {
    let lab = Lab::from_context();
    // Shown only while there are problems (a closure rather than `<Show>`,
    // which costs the page's wasm a component of its own).
    move || {
        let problems = lab.problems.get();
        (!problems.is_empty()).then(|| {
            view! {
                <section id="lab-problems" class="problems" role="alert" aria-labelledby="problems-h">
                    <h2 id="problems-h">"This link had problems: the lab opened with what was valid"</h2>
                    <ul>
                        {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                    <button type="button" id="lab-problems-dismiss" on:click=move |_| lab.problems.set(Vec::new())>
                        "Dismiss"
                    </button>
                </section>
            }
        })
    }
}
