//! The event log: notable things with their simulated time, newest first,
//! bounded to the last [`SHOWN`] entries.

use leptos::prelude::*;
use web_sys::Element;

use super::dom::{effect, html, set_text, with_text};
use super::format;
use super::lab::Lab;
use crate::sim::LogLevel;

/// Entries shown at most.
const SHOWN: usize = 60;

/// Builds the panel in `section`: the rows are drawn with plain DOM calls
/// (`dom`), anew when an entry is written or the run is rebuilt: at most a few
/// times a second, and at most [`SHOWN`] rows.
pub fn build(section: &Element, lab: Lab) {
    let head = html(section, "div", &[("class", "section-head")]);
    with_text(html(&head, "h2", &[("id", "log-h")]), "Event log");
    let count = html(&head, "span", &[("class", "muted log-count")]);
    let empty = with_text(
        html(section, "p", &[("class", "muted empty")]),
        "Nothing has happened yet.",
    );
    // Focusable, so the keyboard can scroll it (WCAG 2.1.1).
    let ol = html(
        section,
        "ol",
        &[
            ("class", "log-list"),
            ("tabindex", "0"),
            ("aria-labelledby", "log-h"),
        ],
    );
    // (build, entries ever written): the rows change only when this does.
    let mut drawn = None;
    effect(move || {
        let written = (lab.build.get(), lab.read(|r| r.world().log().written()));
        if drawn == Some(written) {
            return;
        }
        drawn = Some(written);
        let n = written.1;
        set_text(
            &count,
            &if n as usize > SHOWN {
                format!("latest {SHOWN} of {n}")
            } else {
                format!("{n}")
            },
        );
        let _ = empty.toggle_attribute_with_force("hidden", n != 0);
        ol.set_text_content(None);
        lab.peek(|r| {
            for e in r.world().log().entries().rev().take(SHOWN) {
                let level = match e.level {
                    LogLevel::Info => "info",
                    LogLevel::Warn => "warn",
                    LogLevel::Error => "error",
                };
                let class = if e.marker {
                    format!("level-{level} marker")
                } else {
                    format!("level-{level}")
                };
                let li = html(&ol, "li", &[("class", &class)]);
                with_text(html(&li, "time", &[]), &format::clock(e.at_us));
                with_text(html(&li, "span", &[("class", "level")]), level);
                with_text(html(&li, "span", &[("class", "text")]), &e.text);
            }
        });
    });
}
