//! The headline panel: the scenario's headline figures, live.
//!
//! Each figure carries its exact value in `data-value` (as JSON would print it)
//! so the browser tests can compare runs without rounding.

use leptos::prelude::*;

use super::format;
use super::lab::Lab;

#[component]
pub fn Headline() -> impl IntoView {
    let lab = Lab::from_context();
    let figures = Memo::new(move |_| lab.read(|r| r.headline()));
    let names = Memo::new(move |_| figures.with(|f| f.iter().map(|(k, _)| *k).collect::<Vec<_>>()));
    view! {
        <section class="headline" aria-labelledby="headline-h">
            <h2 id="headline-h" class="visually-hidden">"Headline figures"</h2>
            <dl>
                <For
                    each=move || names.get()
                    key=|k| *k
                    children=move |key: &'static str| {
                        let style = format::figure_style(key);
                        let value = move || {
                            figures.with(|f| f.iter().find(|(k, _)| *k == key).and_then(|(_, v)| *v))
                        };
                        let unit = style.unit;
                        let label = style.label.clone();
                        let shown = move || value().filter(|x| x.is_finite()).map(|x| style.show(x));
                        view! {
                            <div class="figure" data-name=key data-value=move || value().map_or("null".into(), |x| format!("{x:?}"))>
                                <dt title=key>{label}</dt>
                                <dd>
                                    <span class="value">{move || shown().unwrap_or_else(|| "—".into())}</span>
                                    <span class="unit">{move || value().filter(|x| x.is_finite()).map(|_| unit)}</span>
                                </dd>
                            </div>
                        }
                    }
                />
            </dl>
        </section>
    }
}
