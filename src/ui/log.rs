//! The event log: notable things with their simulated time, newest first,
//! bounded to the last [`SHOWN`] entries.

use leptos::html::Ol;
use leptos::prelude::*;

use super::dom::{html, set_text, with_text};
use super::format;
use super::lab::Lab;
use crate::sim::LogLevel;

/// Entries shown at most.
const SHOWN: usize = 60;

#[derive(Clone, Debug, PartialEq)]
struct Row {
    /// Position in everything ever written: stable while the entry is shown.
    key: u64,
    at_us: u64,
    level: LogLevel,
    text: String,
    marker: bool,
}

#[component]
pub fn EventLog() -> impl IntoView {
    let lab = Lab::from_context();
    // (build, entries ever written): the rows change only when this does.
    let written = Memo::new(move |_| (lab.build.get(), lab.read(|r| r.world().log().written())));
    let rows = Memo::new(move |_| {
        let _ = written.get();
        lab.peek(|r| {
            let log = r.world().log();
            let kept = log.entries().count() as u64;
            let first = log.written() - kept;
            let all: Vec<_> = log.entries().enumerate().collect();
            all.into_iter()
                .rev()
                .take(SHOWN)
                .map(|(i, e)| Row {
                    key: first + i as u64,
                    at_us: e.at_us,
                    level: e.level,
                    text: e.text.clone(),
                    marker: e.marker,
                })
                .collect::<Vec<_>>()
        })
    });
    // The rows are drawn with plain DOM calls (`dom`), anew when they change:
    // at most a few times a second, and at most SHOWN rows.
    let list = NodeRef::<Ol>::new();
    Effect::new(move |_| {
        let Some(ol) = list.get() else { return };
        // The count and the "nothing yet" line, found beside the list.
        let (_, n) = written.get();
        if let Some(section) = ol.parent_element() {
            let find = |sel: &str| section.query_selector(sel).ok().flatten();
            if let Some(count) = find(".log-count") {
                set_text(
                    &count,
                    &if n as usize > SHOWN {
                        format!("latest {SHOWN} of {n}")
                    } else {
                        format!("{n}")
                    },
                );
            }
            if let Some(empty) = find(".empty") {
                let _ = empty.toggle_attribute_with_force("hidden", n != 0);
            }
        }
        rows.with(|rows| {
            ol.set_text_content(None);
            for r in rows {
                let level = match r.level {
                    LogLevel::Info => "info",
                    LogLevel::Warn => "warn",
                    LogLevel::Error => "error",
                };
                let class = if r.marker {
                    format!("level-{level} marker")
                } else {
                    format!("level-{level}")
                };
                let li = html(&ol, "li", &[("class", &class)]);
                with_text(html(&li, "time", &[]), &format::clock(r.at_us));
                with_text(html(&li, "span", &[("class", "level")]), level);
                with_text(html(&li, "span", &[("class", "text")]), &r.text);
            }
        });
    });
    view! {
        <section class="log" aria-labelledby="log-h">
            <div class="section-head">
                <h2 id="log-h">"Event log"</h2>
                <span class="muted log-count"></span>
            </div>
            <p class="muted empty">"Nothing has happened yet."</p>
            // Focusable, so the keyboard can scroll it (WCAG 2.1.1).
            <ol class="log-list" tabindex="0" aria-labelledby="log-h" node_ref=list></ol>
        </section>
    }
}
