//! What leaves the lab as text: every chart line as CSV (`lab run --csv` and
//! the page's "Download CSV" write it with [`csv`], so both give the same
//! columns), the rows the page's table views show ([`Columns`]), and numbers
//! in full ([`shortest`], [`exact`]).
//!
//! A number in full is its shortest decimal digits that read back as the
//! same `f64`, as Rust's `{}` and `{:?}` print it. The digits come from
//! Rust's own formatting natively and from the browser's in the page
//! (`Number.prototype.toString`, which gives the same shortest digits):
//! Rust's float formatting costs the page's wasm about five kilobytes
//! gzipped. One placing of the digits serves both, so the page's CSV and
//! headline values are the command line's, character for character (the
//! browser tests compare them).

use super::run::Run;
use super::schema::{format_number, ChartSpec};
use crate::scenarios::charts::eval_line;

/// Chart lines as columns over the buckets a run has closed: what the CSV
/// and the page's table views show.
pub struct Columns {
    /// One per line, in chart order.
    pub lines: Vec<Column>,
    /// Bucket width, seconds.
    pub width_s: f64,
    /// The first bucket any line has and one past the last closed.
    pub buckets: (u64, u64),
}

/// One chart line and its (bucket, value) pairs in bucket order.
pub struct Column {
    pub chart: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub values: Vec<(u64, f64)>,
}

impl Column {
    /// Its name in a CSV header: `Chart / line (unit)`.
    pub fn name(&self) -> String {
        format!("{} / {} ({})", self.chart, self.label, self.unit)
    }
}

impl Columns {
    /// Every line of `charts` in `run`.
    pub fn of(run: &Run, charts: &[ChartSpec]) -> Columns {
        let mut lines = Vec::new();
        for c in charts {
            for l in &c.lines {
                lines.push(Column {
                    chart: c.title,
                    label: l.label,
                    unit: c.unit,
                    values: eval_line(run, &l.expr),
                });
            }
        }
        let m = run.world().metrics();
        let first = lines
            .iter()
            .filter_map(|c| c.values.first().map(|p| p.0))
            .min()
            .unwrap_or(0);
        Columns {
            lines,
            width_s: m.bucket_us() as f64 / 1e6,
            buckets: (first, m.buckets_closed()),
        }
    }

    /// Line `k`'s value in bucket `i`, if it has one (NaN: a bucket without data).
    pub fn value(&self, k: usize, i: u64) -> Option<f64> {
        let v = &self.lines[k].values;
        // Lines are contiguous runs of buckets: look where `i` would be first.
        let at = v
            .first()
            .and_then(|p| i.checked_sub(p.0))
            .map(|d| d as usize);
        match at.and_then(|d| v.get(d)) {
            Some(p) if p.0 == i => Some(p.1),
            _ => v.iter().find(|p| p.0 == i).map(|p| p.1),
        }
    }

    /// The simulated time at the end of bucket `i`, seconds.
    pub fn end_s(&self, i: u64) -> f64 {
        (i + 1) as f64 * self.width_s
    }
}

/// Every chart line of `run`, one row per closed bucket: `t_s` (the bucket's
/// end, simulated seconds), then one column per line (`Chart / line (unit)`,
/// quoted), each value in full, empty where the bucket has none.
pub fn csv(run: &Run) -> String {
    csv_ab(run, None)
}

/// [`csv`] of an A/B pair: A's columns, then B's (run to the same time), each
/// named as A's with `b.` before it (`b.Chart / line (unit)`), in one row per
/// bucket. Without B it is [`csv`].
pub fn csv_ab(a: &Run, b: Option<&Run>) -> String {
    let charts = (a.scenario.charts)();
    let mut all = vec![("", Columns::of(a, &charts))];
    if let Some(b) = b {
        all.push(("b.", Columns::of(b, &charts)));
    }
    let mut out = String::from("t_s");
    for (prefix, cols) in &all {
        for c in &cols.lines {
            out.push_str(",\"");
            out.push_str(prefix);
            out.push_str(&c.name().replace('"', "'"));
            out.push('"');
        }
    }
    out.push('\n');
    let first = all.iter().map(|(_, c)| c.buckets.0).min().unwrap_or(0);
    let end = all.iter().map(|(_, c)| c.buckets.1).max().unwrap_or(0);
    for i in first..end {
        out.push_str(&format_number(all[0].1.end_s(i)));
        for (_, cols) in &all {
            for k in 0..cols.lines.len() {
                out.push(',');
                if let Some(x) = cols.value(k, i).filter(|x| x.is_finite()) {
                    out.push_str(&shortest(x));
                }
            }
        }
        out.push('\n');
    }
    out
}

/// `x` in full as `format!("{x}")` prints it: `0.1`, `70`, `0.0000001`.
pub fn shortest(x: f64) -> String {
    match Digits::of(x) {
        Ok(d) => d.plain(),
        Err(s) => s,
    }
}

/// `x` in full as `format!("{x:?}")` (and JSON) prints it: `0.1`, `70.0`,
/// `1e-7`, `1e16`.
pub fn exact(x: f64) -> String {
    let d = match Digits::of(x) {
        Ok(d) => d,
        Err(s) => return s,
    };
    let a = x.abs();
    if a == 0.0 || (1e-4..1e16).contains(&a) {
        let s = d.plain();
        if s.contains('.') {
            s
        } else {
            s + ".0"
        }
    } else {
        let mut s = String::from(if d.negative { "-" } else { "" });
        s.push_str(&d.digits[..1]);
        if d.digits.len() > 1 {
            s.push('.');
            s.push_str(&d.digits[1..]);
        }
        s.push('e');
        s.push_str(&d.exp.to_string());
        s
    }
}

/// A finite number as its shortest digits: `negative`, `d.ddd × 10^exp`.
struct Digits {
    negative: bool,
    /// No leading or trailing zeros but for zero itself (`"0"`).
    digits: String,
    exp: i32,
}

impl Digits {
    /// The digits of `x`, or the text of a NaN or an infinity.
    fn of(x: f64) -> Result<Digits, String> {
        if x.is_nan() {
            return Err("NaN".into());
        }
        if x.is_infinite() {
            return Err(if x > 0.0 { "inf" } else { "-inf" }.into());
        }
        Ok(Digits::parse(x.is_sign_negative(), &shortest_text(x.abs())))
    }

    /// From `123.45`, `0.0001`, `1.5e-7` or `1e+21` (no sign).
    fn parse(negative: bool, text: &str) -> Digits {
        let (mantissa, exp) = match text.split_once(['e', 'E']) {
            Some((m, e)) => (m, e.trim_start_matches('+').parse::<i32>().unwrap_or(0)),
            None => (text, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all: String = int.chars().chain(frac.chars()).collect();
        let lead = all.len() - all.trim_start_matches('0').len();
        let digits = all.trim_matches('0');
        if digits.is_empty() {
            return Digits {
                negative,
                digits: "0".into(),
                exp: 0,
            };
        }
        Digits {
            negative,
            digits: digits.into(),
            exp: exp + int.len() as i32 - 1 - lead as i32,
        }
    }

    /// Positional, no exponent: `0.00015`, `1500`, `-2.5`.
    fn plain(&self) -> String {
        let mut s = String::from(if self.negative { "-" } else { "" });
        let (d, n) = (&self.digits, self.digits.len() as i32);
        if self.exp < 0 {
            s.push_str("0.");
            s.extend(std::iter::repeat_n('0', (-self.exp - 1) as usize));
            s.push_str(d);
        } else if n <= self.exp + 1 {
            s.push_str(d);
            s.extend(std::iter::repeat_n('0', (self.exp + 1 - n) as usize));
        } else {
            let point = (self.exp + 1) as usize;
            s.push_str(&d[..point]);
            s.push('.');
            s.push_str(&d[point..]);
        }
        s
    }
}

/// The shortest digits of a finite `x ≥ 0`, in any of the forms
/// [`Digits::parse`] reads.
#[cfg(target_arch = "wasm32")]
fn shortest_text(x: f64) -> String {
    let n = js_sys::Number::from(x);
    let text = |s: Result<js_sys::JsString, _>| s.map(String::from).unwrap_or_default();
    let s = text(n.to_string_with_radix(10));
    // Where several numbers of that many digits read back as `x`, V8 does not
    // always give the nearest, as Rust does: `toPrecision` rounds exactly.
    let digits = Digits::parse(false, &s).digits.len();
    let nearest = text(n.to_precision(digits.clamp(1, 21) as u8));
    if js_sys::parse_float(&nearest) == x {
        nearest
    } else {
        s
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn shortest_text(x: f64) -> String {
    format!("{x:e}")
}

#[cfg(test)]
mod tests {
    use super::{exact, shortest, Digits};

    fn values() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.3,
            70.0,
            1e-4,
            9.9e-5,
            1e-7,
            1.5e-7,
            1e15,
            1e16,
            1e21,
            1.5e300,
            5e-324,
            123.456,
            -2.5,
            1e-5,
            0.000123,
            9007199254740993.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            2f64.powi(60),
            1.0 / 3.0,
        ];
        let mut rng = crate::sim::SimRng::new(11);
        for _ in 0..20_000 {
            let bits = (rng.uniform() * 2f64.powi(53)) as u64 * 2048 + rng.below(2048);
            let x = f64::from_bits(bits);
            if x.is_finite() {
                v.push(x);
            }
            v.push((rng.uniform() - 0.5) * 10f64.powi(rng.below(40) as i32 - 20));
        }
        v
    }

    #[test]
    fn numbers_print_as_display_and_debug_do() {
        for x in values() {
            assert_eq!(shortest(x), format!("{x}"), "{x:e}");
            assert_eq!(exact(x), format!("{x:?}"), "{x:e}");
        }
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!((shortest(x), exact(x)), (format!("{x}"), format!("{x:?}")));
        }
    }

    #[test]
    fn the_browsers_forms_read_as_rusts() {
        // What `Number.prototype.toString` gives.
        for (js, x) in [
            ("0.1", 0.1),
            ("70", 70.0),
            ("0.000001", 1e-6),
            ("1e-7", 1e-7),
            ("1.5e-7", 1.5e-7),
            ("1e+21", 1e21),
            ("1.2345e+300", 1.2345e300),
            ("123456789012345680000", 123456789012345680000.0),
            ("0", 0.0),
        ] {
            let d = Digits::parse(false, js);
            assert_eq!(d.plain(), format!("{x}"), "{js}");
        }
    }
}
