//! Colours for the canvas, read from the stylesheet's custom properties so the
//! charts, their HTML legends and the rest of the page share one palette (and
//! follow `prefers-color-scheme`). Lines use the Okabe–Ito colour-blind-safe set.

use std::cell::RefCell;

use crate::scenarios::schema::parse_decimal;

/// Line colours, in series order, when the stylesheet says nothing.
const LINES_LIGHT: [&str; 7] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000",
];

/// How many line colours there are (`--line-0` … `--line-6`).
pub const LINE_COLOURS: usize = LINES_LIGHT.len();

/// A colour of the canvas.
#[derive(Clone, Copy, PartialEq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// As the canvas takes it, with an opacity from 0 to 1.
    pub fn css(self, alpha: f64) -> String {
        format!(
            "rgba({},{},{},{})",
            self.0,
            self.1,
            self.2,
            super::format::num(alpha)
        )
    }
}

/// The canvas colours.
#[derive(Clone)]
pub struct Theme {
    pub dark: bool,
    /// The page's root font size in CSS px (it grows on big screens), so the
    /// charts' text grows with the page's.
    pub rem_px: f64,
    /// Multipliers of the charts' text and line widths (`--chart-text`,
    /// `--chart-line`: bigger in presenter mode).
    pub text_scale: f64,
    pub line_scale: f64,
    /// Whether the axes carry their descriptions (`--chart-compact: 1` leaves
    /// them out, for the lines' height, in presenter mode: the unit is in
    /// the chart's title).
    pub axis_names: bool,
    pub background: Rgb,
    pub text: Rgb,
    pub muted: Rgb,
    pub grid: Rgb,
    pub marker: Rgb,
    pub lines: Vec<Rgb>,
}

thread_local! {
    static CACHE: RefCell<Option<(Theme, f64, String)>> = const { RefCell::new(None) };
}

/// The current theme (re-read when the colour scheme changes).
pub fn current() -> Theme {
    let dark = prefers_dark();
    let window = web_sys::window();
    let width = window
        .as_ref()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .unwrap_or(0.0);
    // The root's classes (presenter mode) change the sizes.
    let class = window
        .and_then(|w| w.document()?.document_element())
        .map(|e| e.class_name())
        .unwrap_or_default();
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        match c.as_ref() {
            Some((t, w, k)) if t.dark == dark && *w == width && *k == class => t.clone(),
            _ => {
                let t = read(dark);
                *c = Some((t.clone(), width, class));
                t
            }
        }
    })
}

fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

fn read(dark: bool) -> Theme {
    let style = web_sys::window().and_then(|w| {
        let root = w.document()?.document_element()?;
        w.get_computed_style(&root).ok().flatten()
    });
    let var = |name: &str, fallback: &str| {
        style
            .as_ref()
            .and_then(|s| s.get_property_value(name).ok())
            .and_then(|v| parse_hex(v.trim()))
            .or_else(|| parse_hex(fallback))
            .unwrap_or(Rgb(0, 0, 0))
    };
    let number = |name: &str, fallback: f64| number(style.as_ref(), name).unwrap_or(fallback);
    let rem_px = number("font-size", 16.0);
    Theme {
        dark,
        rem_px,
        text_scale: number("--chart-text", 1.0),
        line_scale: number("--chart-line", 1.0),
        axis_names: number("--chart-compact", 0.0) == 0.0,
        background: var("--surface", "#ffffff"),
        text: var("--text", "#1d2330"),
        muted: var("--muted", "#5b6473"),
        grid: var("--grid", "#e3e7ee"),
        marker: var("--marker", "#3d4452"),
        lines: LINES_LIGHT
            .iter()
            .enumerate()
            .map(|(i, f)| var(&format!("--line-{i}"), f))
            .collect(),
    }
}

/// A positive number (`18px`, `1.5`) from a style property.
fn number(style: Option<&web_sys::CssStyleDeclaration>, name: &str) -> Option<f64> {
    let v = style?.get_property_value(name).ok()?;
    parse_decimal(v.trim().trim_end_matches("px")).filter(|x| x.is_finite() && *x > 0.0)
}

/// `#rgb` or `#rrggbb`.
fn parse_hex(s: &str) -> Option<Rgb> {
    let h = s.strip_prefix('#')?;
    let v = |i: usize, n: usize| u8::from_str_radix(h.get(i..i + n)?, 16).ok();
    match h.len() {
        6 => Some(Rgb(v(0, 2)?, v(2, 2)?, v(4, 2)?)),
        3 => Some(Rgb(v(0, 1)? * 17, v(1, 1)? * 17, v(2, 1)? * 17)),
        _ => None,
    }
}
