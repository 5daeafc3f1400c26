//! Parameter schemas: the one source of truth for every toggle.
//!
//! The UI panel, the share link and the CLI's `--set` are all generated from a
//! scenario's [`ParamSpec`]s, so a parameter declared once shows up in all three,
//! with the same name, the same allowed values and the same error messages.

use std::fmt;

/// What kind of value a parameter takes.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamKind {
    /// `on` | `off`.
    Switch,
    /// One of the listed words.
    Choice(&'static [&'static str]),
    /// A plain decimal in `[min, max]`; whole numbers only when `integer`;
    /// `off` also accepted when `off_allowed` (a timeout that can be switched off,
    /// an event that may never happen).
    Number {
        min: f64,
        max: f64,
        integer: bool,
        off_allowed: bool,
    },
}

/// A parameter's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Switch(bool),
    Choice(&'static str),
    Number(f64),
    /// A number parameter switched off.
    Off,
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Switch(true) => f.write_str("on"),
            Value::Switch(false) | Value::Off => f.write_str("off"),
            Value::Choice(c) => f.write_str(c),
            Value::Number(x) => write!(f, "{}", format_number(*x)),
        }
    }
}

/// Untrusted text (from a link or the command line) made safe to quote in a
/// message: control characters shown as `\u{..}` escapes, so input can neither
/// forge a line nor move a terminal's cursor, and at most 40 characters shown.
pub fn quote(s: &str) -> String {
    let mut q = String::new();
    for c in s.chars().take(40) {
        if c.is_control() {
            q.extend(c.escape_unicode());
        } else {
            q.push(c);
        }
    }
    if s.chars().count() > 40 {
        q.push('…');
    }
    q
}

/// A number the way a person writes it: `2000`, `0.05`, never `2000.0`.
pub fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = crate::sim::kernel::decimal::fixed(x, 6);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A plain decimal (`2000`, `-0.05`, `.5`, `3.`): an optional sign, digits with
/// at most one point, no exponent, no `inf` or `nan`. Gives exactly what
/// `str::parse::<f64>` gives for such text (the nearest `f64`), and `None` for
/// anything else.
///
/// In the page the digits are read by the browser (`parseFloat`, which also
/// gives the nearest `f64`): Rust's own parser carries tables of powers of ten
/// that cost the page's wasm about 15 KB gzipped.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let plain = digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
        && digits.bytes().any(|b| b.is_ascii_digit());
    if !plain {
        return None;
    }
    #[cfg(target_arch = "wasm32")]
    {
        Some(js_sys::parse_float(text))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.parse().ok()
    }
}

/// One parameter of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSpec {
    /// Name used by the CLI, the link and the UI (`timeout_ms`).
    pub name: &'static str,
    /// Short label for the UI ("Call timeout").
    pub label: &'static str,
    pub kind: ParamKind,
    pub default: Value,
    /// Unit for display (`ms`, `rps`, `s`, `%`, or empty).
    pub unit: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// The number a number parameter stands at when it is not off: its
    /// default, or the number it was declared with when it is off by default
    /// (what the page's control comes back to when "off" is unticked); none
    /// for a switch or a choice.
    pub default_number: Option<f64>,
    /// Shown under "advanced" in the UI.
    pub advanced: bool,
    /// True when a change while running acts at once (through the scenario's
    /// `apply`); false for a build-only parameter, which shapes what is built
    /// (how many parts, what is wired to what) and so is set only from the
    /// start: a link or `Run` refuses it as a timed change, and the page
    /// restarts the run to change it.
    pub live: bool,
}

impl ParamSpec {
    /// An on/off switch.
    pub const fn switch(
        name: &'static str,
        label: &'static str,
        default: bool,
        help: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            label,
            kind: ParamKind::Switch,
            default: Value::Switch(default),
            unit: "",
            help,
            default_number: None,
            advanced: false,
            live: true,
        }
    }

    /// A choice among words; `default` must be one of them.
    pub const fn choice(
        name: &'static str,
        label: &'static str,
        choices: &'static [&'static str],
        default: &'static str,
        help: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            label,
            kind: ParamKind::Choice(choices),
            default: Value::Choice(default),
            unit: "",
            help,
            default_number: None,
            advanced: false,
            live: true,
        }
    }

    /// A number in a range.
    pub const fn number(
        name: &'static str,
        label: &'static str,
        unit: &'static str,
        default: f64,
        min: f64,
        max: f64,
        help: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            label,
            kind: ParamKind::Number {
                min,
                max,
                integer: false,
                off_allowed: false,
            },
            default: Value::Number(default),
            unit,
            help,
            default_number: Some(default),
            advanced: false,
            live: true,
        }
    }

    /// The same number parameter restricted to whole numbers.
    pub const fn integer(mut self) -> Self {
        if let ParamKind::Number {
            min,
            max,
            off_allowed,
            ..
        } = self.kind
        {
            self.kind = ParamKind::Number {
                min,
                max,
                integer: true,
                off_allowed,
            };
        }
        self
    }

    /// The same number parameter, also accepting `off`, with `off` as default when
    /// `default_off`.
    pub const fn or_off(mut self, default_off: bool) -> Self {
        if let ParamKind::Number {
            min, max, integer, ..
        } = self.kind
        {
            self.kind = ParamKind::Number {
                min,
                max,
                integer,
                off_allowed: true,
            };
        }
        if default_off {
            self.default = Value::Off;
        }
        self
    }

    /// Marks the parameter as advanced.
    pub const fn advanced(mut self) -> Self {
        self.advanced = true;
        self
    }

    /// Marks the parameter as build-only: it is set from the start of a run,
    /// never changed while one runs (see [`live`](Self::live)).
    pub const fn build_only(mut self) -> Self {
        self.live = false;
        self
    }

    /// `Ok` when the parameter may change while running; for a build-only
    /// one, why it cannot be a timed change, in plain words.
    pub fn check_live(&self) -> Result<(), String> {
        if self.live {
            return Ok(());
        }
        Err(format!(
            "{} ({}) shapes what the run builds, so it is set from the start, not changed while running: reset the run with it set",
            self.name, self.label
        ))
    }

    /// What values are allowed, in words, for error messages and help.
    pub fn allowed(&self) -> String {
        match &self.kind {
            ParamKind::Switch => "on or off".to_string(),
            ParamKind::Choice(c) => format!("one of {}", c.join(", ")),
            ParamKind::Number {
                min,
                max,
                integer,
                off_allowed,
            } => {
                let what = if *integer {
                    "a whole number"
                } else {
                    "a number"
                };
                let unit = if self.unit.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", self.unit)
                };
                let off = if *off_allowed { ", or off" } else { "" };
                format!(
                    "{what} from {} to {}{unit}{off}",
                    format_number(*min),
                    format_number(*max)
                )
            }
        }
    }

    /// Parses a value written as text (`on`, `lru`, `2000`, `off`).
    pub fn parse(&self, text: &str) -> Result<Value, String> {
        let t = text.trim();
        let bad = || {
            format!(
                "'{}' is not allowed for {}: use {}",
                quote(t),
                self.name,
                self.allowed()
            )
        };
        match &self.kind {
            ParamKind::Switch => match t {
                "on" | "true" | "1" => Ok(Value::Switch(true)),
                "off" | "false" | "0" => Ok(Value::Switch(false)),
                _ => Err(bad()),
            },
            ParamKind::Choice(cs) => cs
                .iter()
                .find(|c| **c == t)
                .map(|c| Value::Choice(c))
                .ok_or_else(bad),
            ParamKind::Number {
                min,
                max,
                integer,
                off_allowed,
            } => {
                if t == "off" {
                    return if *off_allowed {
                        Ok(Value::Off)
                    } else {
                        Err(bad())
                    };
                }
                // Plain decimals only: no hex, no exponents, no inf/nan.
                let plain = !t.is_empty()
                    && t.chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
                    && t.chars().any(|c| c.is_ascii_digit());
                let x = if plain { parse_decimal(t) } else { None };
                let Some(x) = x else {
                    return Err(bad());
                };
                if !x.is_finite() || x < *min || x > *max || (*integer && x.fract() != 0.0) {
                    return Err(bad());
                }
                Ok(Value::Number(x))
            }
        }
    }
}

/// A scenario's chart: a title, a unit for the y axis, and lines.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec {
    pub title: &'static str,
    pub unit: &'static str,
    pub lines: Vec<LineSpec>,
}

/// One line of a chart and how to compute it from the world's series.
#[derive(Clone, Debug, PartialEq)]
pub struct LineSpec {
    pub label: &'static str,
    pub expr: SeriesExpr,
    /// Its colour when the line's meaning names one (a "Green" cluster drawn
    /// green); `None`: the chart's next colour in order.
    pub hue: Option<Hue>,
    /// Drawn dashed, so a line that can lie on another stays visible.
    pub dashed: bool,
}

/// The page's line colours (the Okabe–Ito set, colour-blind safe), by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hue {
    Blue = 0,
    Vermillion = 1,
    Green = 2,
    Pink = 3,
    Orange = 4,
    Sky = 5,
    Black = 6,
}

impl LineSpec {
    /// The same line in colour `hue`.
    pub fn hue(mut self, hue: Hue) -> Self {
        self.hue = Some(hue);
        self
    }

    /// The same line, dashed.
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

/// A chart line.
pub fn line(label: &'static str, expr: SeriesExpr) -> LineSpec {
    LineSpec {
        label,
        expr,
        hue: None,
        dashed: false,
    }
}

/// A chart line that shows series `name` as it is.
pub fn plain(label: &'static str, name: &str) -> LineSpec {
    line(label, SeriesExpr::Plain(name.into()))
}

/// How a chart line is derived from metric series, bucket by bucket.
#[derive(Clone, Debug, PartialEq)]
pub enum SeriesExpr {
    /// A series as it is (gauge means, latency percentiles in ms).
    Plain(String),
    /// A counter divided by the bucket width in seconds: a rate per second.
    PerSecond(String),
    /// Sum of some counters divided by the sum of others (NaN where the
    /// denominator is 0): error rate, hit ratio.
    Ratio(Vec<String>, Vec<String>),
    /// A series times a constant (a fraction as a percentage …).
    Scaled(String, f64),
    /// A state held as a number (a breaker's 0/1/2, an autoscaler's −1/0/+1, a
    /// flag's 1/0), drawn as a coloured band rather than a line. The pairs name
    /// each value; the first is the quiet state, later ones are more notable.
    State(String, &'static [(i32, &'static str)]),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_only_in_range_and_plain() {
        let p =
            ParamSpec::number("timeout_ms", "Timeout", "ms", 2000.0, 1.0, 60000.0, "").or_off(true);
        assert_eq!(p.parse("2000"), Ok(Value::Number(2000.0)));
        assert_eq!(p.parse("off"), Ok(Value::Off));
        for bad in ["0", "60001", "1e3", "inf", "NaN", "", "abc", "0x10", "-5"] {
            let e = p.parse(bad).unwrap_err();
            assert!(e.contains("from 1 to 60000 (ms), or off"), "{bad}: {e}");
        }
        let i = ParamSpec::number("servers", "Servers", "", 10.0, 1.0, 100.0, "").integer();
        assert!(i.parse("2.5").is_err());
        assert_eq!(i.parse("3").unwrap().to_string(), "3");
    }

    #[test]
    fn choices_and_switches() {
        let c = ParamSpec::choice("d", "D", &["exponential", "constant"], "exponential", "");
        assert_eq!(c.parse("constant"), Ok(Value::Choice("constant")));
        assert!(c
            .parse("Constant")
            .unwrap_err()
            .contains("one of exponential, constant"));
        let s = ParamSpec::switch("bulkhead", "Bulkhead", false, "");
        assert_eq!(s.parse("on"), Ok(Value::Switch(true)));
        assert!(s.parse("yes").is_err());
        assert_eq!(format_number(0.05), "0.05");
    }

    #[test]
    fn decimals_parse_as_rust_does() {
        let long = format!("0.{}1", "0".repeat(400));
        for t in [
            "0", "-0", "+7", "2000", "0.05", ".5", "5.", "-.25", "00012.50", "0.1", "0.3",
            "9007199254740993", "123456789012345678901234567890", "1.7976931348623157",
            "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            &long,
        ] {
            assert_eq!(parse_decimal(t), t.parse::<f64>().ok(), "{t}");
            assert!(parse_decimal(t).is_some(), "{t}");
        }
        for t in [
            "", ".", "-", "+", "1..2", "1-2", "--1", "1e3", "inf", "NaN", "0x10", " 1", "1 ",
        ] {
            assert_eq!(parse_decimal(t), None, "{t}");
        }
    }
}
