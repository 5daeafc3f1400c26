//! The problems a link had, listed until dismissed: the lab opens with whatever
//! was valid, never a blank page.
//!
//! Plain DOM (`dom`) in its place in the layout, written by the transport's
//! effect when the list changes.

use std::cell::RefCell;

use leptos::prelude::*;
use web_sys::Element;

use super::dom::{button, html, listen, with_text, Listener};
use super::lab::Lab;

/// The list's place in the page, and what it shows.
pub struct Problems {
    slot: Element,
    shown: RefCell<Vec<String>>,
    dismiss: RefCell<Option<Listener>>,
}

impl Problems {
    pub fn new(slot: Element) -> Problems {
        Problems {
            slot,
            shown: RefCell::new(Vec::new()),
            dismiss: RefCell::new(None),
        }
    }

    /// Lists the lab's problems, if any (tracking them).
    pub fn show(&self, lab: Lab) {
        let problems = lab.problems.get();
        if *self.shown.borrow() == problems {
            return;
        }
        self.slot.set_text_content(None);
        if !problems.is_empty() {
            let section = html(
                &self.slot,
                "section",
                &[
                    ("id", "lab-problems"),
                    ("class", "problems"),
                    ("role", "alert"),
                    ("aria-labelledby", "problems-h"),
                ],
            );
            with_text(
                html(&section, "h2", &[("id", "problems-h")]),
                "This link had problems: the lab opened with what was valid",
            );
            let ul = html(&section, "ul", &[]);
            for p in &problems {
                with_text(html(&ul, "li", &[]), p);
            }
            let dismiss = button(&section, &[("id", "lab-problems-dismiss")], "Dismiss");
            *self.dismiss.borrow_mut() = Some(listen(&dismiss, "click", move |_| {
                lab.problems.set(Vec::new())
            }));
        }
        *self.shown.borrow_mut() = problems;
    }
}
