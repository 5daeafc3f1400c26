//! Downloads made in the page, from memory only: the run's chart lines as CSV
//! (a `blob:` URL of [`export::csv`], the columns `lab run --csv` writes) and
//! a chart as PNG (a `data:` URL of its canvas as drawn). Nothing is fetched
//! or sent: the browser saves what the page holds (`scripts/page-origin.sh`
//! checks it under the page's policy).

use std::cell::RefCell;

use leptos::prelude::document;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlCanvasElement, HtmlElement, Url};

use super::lab::Lab;
use crate::scenarios::export;

thread_local! {
    /// The latest CSV's object URL, released when the next one is made.
    static LAST_URL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Saves `href` (a `blob:` or `data:` URL) as `name`, as a click on a
/// download link does.
fn save(name: &str, href: &str) {
    let Some(body) = document().body() else {
        return;
    };
    let Ok(a) = document().create_element("a") else {
        return;
    };
    let _ = a.set_attribute("href", href);
    let _ = a.set_attribute("download", name);
    let _ = a.set_attribute("hidden", "");
    let _ = body.append_child(&a);
    a.unchecked_ref::<HtmlElement>().click();
    a.remove();
}

/// A file name for the run: `queueing-basics-seed7-t120s`.
fn stem(lab: &Lab) -> String {
    lab.peek(|r| format!("{}-seed{}-t{}s", r.scenario.id, r.seed, r.now() / 1_000_000))
}

/// Every chart line of the run, one row per bucket, as a CSV file.
pub fn csv(lab: &Lab) {
    // While comparing, B's columns follow A's (as `lab run --csv` writes them).
    let text = lab.peek_both(|p| export::csv_ab(&p.a, p.b.as_ref()));
    let parts = js_sys::Array::of1(&text.into());
    let options = BlobPropertyBag::new();
    options.set_type("text/csv");
    let Ok(blob) = Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = Url::create_object_url_with_blob(&blob) else {
        return;
    };
    save(&format!("{}.csv", stem(lab)), &url);
    if let Some(old) = LAST_URL.with(|u| u.borrow_mut().replace(url)) {
        let _ = Url::revoke_object_url(&old);
    }
}

/// Chart `title` as drawn on `canvas`, as a PNG file.
pub fn png(lab: &Lab, canvas: &HtmlCanvasElement, title: &str) {
    let Ok(url) = canvas.to_data_url() else {
        return;
    };
    let slug: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>();
    save(&format!("{}-{}.png", stem(lab), slug.join("-")), &url);
}
