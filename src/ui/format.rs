//! Numbers, clocks and speeds the way a person reads them.

use crate::scenarios::units::{stem, unit_of, Unit};
use crate::scenarios::Scenario;
use crate::sim::kernel::decimal::{clamp, fixed, trimmed};
use crate::sim::Micros;

/// A measured figure with about three significant digits: `0.0512`, `6.73`,
/// `912`, `12,400`.
pub fn figure(x: f64) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    let a = x.abs();
    if a >= 10_000.0 {
        grouped(x.round())
    } else if a >= 100.0 {
        fixed(x, 0)
    } else if a >= 10.0 {
        fixed(x, 1)
    } else if a >= 1.0 || a == 0.0 {
        fixed(x, 2)
    } else {
        let digits = clamp(2.0 - a.log10().floor(), 2.0, 8.0) as usize;
        fixed(x, digits)
    }
}

/// A count: whole, with thousands separators (`20`, `871,946`).
pub fn count(x: f64) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    grouped(x.round())
}

/// A whole number with thousands separators: `1,234,567`.
fn grouped(x: f64) -> String {
    let s = fixed(x.abs(), 0);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// A number for the page's markup (SVG coordinates, a font size, an
/// opacity, a control's value): at most three decimals, no trailing zeros.
pub fn num(x: f64) -> String {
    trimmed(x, 3)
}

/// A tick label on a value axis: short (`1.2k`, `0.05`, `350`).
pub fn tick(x: f64) -> String {
    let a = x.abs();
    if a >= 1e6 {
        format!("{}M", trimmed(x / 1e6, 1))
    } else if a >= 1e4 {
        format!("{}k", trimmed(x / 1e3, 1))
    } else if a >= 10.0 || a == 0.0 {
        trimmed(x, 0)
    } else if a >= 1.0 {
        trimmed(x, 1)
    } else {
        trimmed(x, 3)
    }
}

/// The simulated clock: `4:05.3`, `1:02:03`, `3 d 04:05:06`.
pub fn clock(us: Micros) -> String {
    let tenths = us / 100_000;
    let s = tenths / 10;
    let (d, h, m, sec) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    if d > 0 {
        format!("{d} d {h:02}:{m:02}:{sec:02}")
    } else if h > 0 {
        format!("{h}:{m:02}:{sec:02}")
    } else {
        format!("{m}:{sec:02}.{}", tenths % 10)
    }
}

/// A speed in simulated time per wall second: `20×`, `5 min/s`, `2 h/s`.
pub fn speed(x: f64) -> String {
    if x >= 86_400.0 {
        format!("{} d/s", trimmed(x / 86_400.0, 1))
    } else if x >= 3_600.0 {
        format!("{} h/s", trimmed(x / 3_600.0, 1))
    } else if x >= 60.0 {
        format!("{} min/s", trimmed(x / 60.0, 1))
    } else {
        format!("{}×", trimmed(x, 2))
    }
}

/// Seconds in a week, and in a calendar month on average (365.25 / 12 days).
const WEEK_S: f64 = 7.0 * 86_400.0;
const MONTH_S: f64 = 365.25 / 12.0 * 86_400.0;

/// A time-axis unit chosen for a span: (seconds per unit, short name). Long
/// horizons read as a calendar: days up to four weeks, weeks up to half a
/// year, months beyond.
pub fn time_unit(span_s: f64) -> (f64, &'static str) {
    if span_s <= 180.0 {
        (1.0, "s")
    } else if span_s <= 3.0 * 3_600.0 {
        (60.0, "min")
    } else if span_s <= 3.0 * 86_400.0 {
        (3_600.0, "h")
    } else if span_s <= 4.0 * WEEK_S {
        (86_400.0, "d")
    } else if span_s <= 6.0 * MONTH_S {
        (WEEK_S, "wk")
    } else {
        (MONTH_S, "mo")
    }
}

/// How a headline figure is shown, from the unit its name ends with
/// (`scenarios::units`: rates are fractions 0..1; times in the unit the name gives).
pub struct FigureStyle {
    pub label: String,
    pub unit: &'static str,
    /// Multiplier from the value to what is shown (100 for a fraction as %).
    pub scale: f64,
    /// A count: shown without decimals.
    pub whole: bool,
}

impl FigureStyle {
    /// A headline value as the panel shows it: scaled, and whole for a count.
    pub fn show(&self, x: f64) -> String {
        let x = x * self.scale;
        if self.whole {
            count(x)
        } else {
            figure(x)
        }
    }

    /// A value and its unit as the headline shows them: as [`show`](Self::show),
    /// but a time in ms of `at` or more (10 s, or the larger end of a range
    /// shown together) in seconds (`15.2 s`, not `15,200 ms`).
    pub fn show_in(&self, x: f64, at: f64) -> (String, &'static str) {
        if self.unit == "ms" && at.abs() >= 10_000.0 {
            (figure(x / 1_000.0), "s")
        } else {
            (self.show(x), self.unit)
        }
    }
}

/// Label, unit and scale for a headline key such as `p99_latency_ms`
/// (`scenarios::units`: rates are fractions 0..1, shown as percentages).
pub fn figure_style(scenario: &Scenario, key: &str) -> FigureStyle {
    let unit = unit_of(key);
    FigureStyle {
        // As the scenario writes it; a key's words only for a figure it
        // does not label (the catalogue's contract test allows none).
        label: scenario
            .figure_label(key)
            .map_or_else(|| words(stem(key)), String::from),
        unit: unit.map_or("", Unit::symbol),
        scale: unit.map_or(1.0, Unit::scale),
        whole: unit.is_some_and(Unit::whole),
    }
}

fn words(key: &str) -> String {
    let mut s = key.replace('_', " ");
    // A symbol such as p99 or p50 keeps its small letter. Keys are ASCII
    // (`scenarios::units`): an ASCII capital keeps the page free of the Unicode
    // case tables that `str::to_uppercase` brings.
    let symbol = s.chars().nth(1).is_some_and(|c| c.is_ascii_digit());
    if !symbol {
        if let Some(first) = s.get_mut(..1) {
            first.make_ascii_uppercase();
        }
    }
    s
}
