//! The landing page: the bare address shows the catalogue as cards (title,
//! the lesson in one line, the story it retells, and a preview of its system
//! drawn from the scenario's own world), and three lines on how the lab
//! works. A card is a link to its scenario. Plain DOM (`dom`), built once.

use web_sys::Element;

use super::dom::{html, svg, with_text};
use super::topology;
use crate::scenarios::{self, Run};

/// Writes the landing page into `root` (once: the catalogue does not change).
pub fn build(root: &Element) {
    if root.first_child().is_some() {
        return;
    }
    let intro = html(root, "div", &[("class", "landing-intro")]);
    with_text(
        html(&intro, "h1", &[("id", "landing-h")]),
        "Microservices that fail, in your browser",
    );
    for line in [
        "Each scenario is a small production system — services, threads, pods, queues, caches, locks — simulated in this page, event by event.",
        "Press Play, then flip a toggle while it runs (a timeout, a circuit breaker, more pods): the charts and figures answer, and the change is marked on them.",
        "Copy the link to replay exactly what you saw, here or with the lab command. Nothing is sent anywhere.",
    ] {
        with_text(html(&intro, "p", &[]), line);
    }
    with_text(
        html(&intro, "p", &[("class", "help")]),
        "\"Story 151\" names the production story a scenario retells: fifteen real incidents and migrations, numbered 151 to 165, each reproduced with its own numbers.",
    );
    let list = html(
        root,
        "ul",
        &[("class", "cards"), ("aria-labelledby", "landing-h")],
    );
    for s in scenarios::catalogue() {
        let item = html(&list, "li", &[]);
        let href = format!("#v=1&s={}", s.id);
        let card = html(&item, "a", &[("class", "card"), ("href", &href)]);
        with_text(html(&card, "h2", &[]), s.title);
        with_text(html(&card, "p", &[("class", "card-lesson")]), s.lesson);
        if let Some(n) = s.story {
            with_text(
                html(&card, "p", &[("class", "card-story")]),
                &format!("story {n}"),
            );
        }
        // The system as the full lab draws it, at rest: a picture, not a
        // control, so it is hidden from assistive technology.
        let preview = svg(
            &card,
            "svg",
            &[
                ("class", "card-preview"),
                ("aria-hidden", "true"),
                ("focusable", "false"),
            ],
        );
        if let Ok(run) = Run::new(s, s.default_params(), 1, Vec::new()) {
            topology::preview(&svg(&preview, "g", &[]), &run.world().topology());
        }
    }
}
