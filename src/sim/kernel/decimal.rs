//! Numbers with a fixed count of decimals (`1050`, `0.3`, `12.07`), for log
//! lines and the page's figures, without the standard library's float
//! formatting (`{}`, `{:?}`, `{:.1}` on an `f64`): its algorithms and tables
//! cost the page's wasm about five kilobytes gzipped, for text whose last
//! digit nobody checks against a decimal expansion. Nothing the page runs
//! formats an `f64` any other way (`scripts/wasm-size.sh` fails if core's
//! float formatting is in the wasm): the engine's messages use [`trimmed`],
//! and [`clamp`] stands in for `f64::clamp`, whose check formats its bounds.
//!
//! The value is scaled and rounded (ties to even) in `f64`, so a value whose
//! exact binary expansion lies within a rounding error of a tie can round the
//! other way than `format!("{x:.1}")` would; every other value prints as it
//! does. A value too large to scale within 2^53 prints its whole part
//! exactly (`format!` would give its shortest digits and then zeros: the
//! same number).

/// `x` with `decimals` digits after the point (none and no point for 0).
pub fn fixed(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    let mut out = String::new();
    if x.is_sign_negative() && x != 0.0 {
        out.push('-');
    }
    if x.is_infinite() {
        out.push_str("inf");
        return out;
    }
    let decimals = decimals.min(15);
    let scale = 10u64.pow(decimals as u32);
    let a = x.abs();
    let scaled = (a * scale as f64).round_ties_even();
    let (whole, frac) = if scaled < 9_007_199_254_740_992.0 {
        let n = scaled as u64;
        (whole_digits((n / scale) as f64), n % scale)
    } else {
        // The whole part is exact in `f64`; the fraction, scaled, is below 2^53.
        let (w, f) = (
            a.trunc(),
            ((a - a.trunc()) * scale as f64).round_ties_even() as u64,
        );
        if f >= scale {
            (whole_digits(w + 1.0), 0)
        } else {
            (whole_digits(w), f)
        }
    };
    if whole == "0" && frac == 0 && out == "-" {
        out.clear(); // never "-0.0"
    }
    out.push_str(&whole);
    if decimals > 0 {
        out.push('.');
        let frac = frac.to_string();
        for _ in frac.len()..decimals {
            out.push('0');
        }
        out.push_str(&frac);
    }
    out
}

/// `x` with at most `decimals` digits after the point, trailing zeros (and
/// a bare point) dropped: `12`, `0.85`, `15.625`.
pub fn trimmed(x: f64, decimals: usize) -> String {
    let s = fixed(x, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `x` held to `lo..=hi`, as `f64::clamp` does (NaN stays NaN), without its
/// panic on `lo > hi`, whose message formats both bounds.
pub fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

/// The decimal digits of a whole number `w` (0 ≤ w, integral), exactly.
fn whole_digits(w: f64) -> String {
    if w < 18_446_744_073_709_551_616.0 {
        return (w as u64).to_string();
    }
    // w = m × 2^e: m doubled e times in base-10^9 limbs, least significant first.
    let bits = w.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32 - 1075;
    let m = (bits & ((1 << 52) - 1)) | (1 << 52);
    const BASE: u64 = 1_000_000_000;
    let mut limbs = vec![m % BASE, m / BASE % BASE, m / BASE / BASE];
    for _ in 0..e {
        let mut carry = 0;
        for l in limbs.iter_mut() {
            let v = *l * 2 + carry;
            *l = v % BASE;
            carry = v / BASE;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut out = limbs.last().copied().unwrap_or(0).to_string();
    for l in limbs.iter().rev().skip(1) {
        let s = l.to_string();
        for _ in s.len()..9 {
            out.push('0');
        }
        out.push_str(&s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{clamp, fixed, trimmed};

    #[test]
    fn prints_as_format_does_away_from_ties() {
        let values = [
            0.0,
            1.0,
            -1.0,
            0.3,
            2.25,
            12.07,
            999.96,
            1050.0,
            1024.4,
            0.0512,
            -1.049,
            6.734,
            123_456.78,
            1e-9,
            99.94,
            0.1 + 0.2,
            37.5e3,
            4.0 / 3.0,
        ];
        for x in values {
            for d in 0..=6 {
                assert_eq!(fixed(x, d), format!("{x:.d$}"), "{x} to {d} decimals");
            }
        }
    }

    #[test]
    fn ties_round_to_even_and_no_negative_zero() {
        assert_eq!(fixed(0.5, 0), "0");
        assert_eq!(fixed(1.5, 0), "2");
        assert_eq!(fixed(2.5, 0), "2");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(format!("{:.1}", -0.04), "-0.0"); // which the page never wants
    }

    #[test]
    fn huge_and_odd_values_print_the_same_number() {
        for x in [
            1e300,
            -1e300,
            2f64.powi(64),
            1.5e19,
            123_456_789_012_345.67,
            9_007_199_254.740_993,
            f64::MAX,
        ] {
            for d in [0, 2, 6] {
                let s = fixed(x, d);
                let back: f64 = s.parse().unwrap();
                assert!(
                    (back - x).abs() <= 0.5 / 10f64.powi(d as i32),
                    "{x} {d}: {s}"
                );
            }
        }
        assert_eq!(fixed(2f64.powi(64), 0), "18446744073709551616");
        assert_eq!(fixed(1e22, 1), "10000000000000000000000.0");
        assert_eq!(fixed(f64::NAN, 1), "NaN");
        assert_eq!(fixed(f64::INFINITY, 1), "inf");
        assert_eq!(fixed(f64::NEG_INFINITY, 1), "-inf");
    }

    #[test]
    fn trimmed_drops_trailing_zeros() {
        assert_eq!(trimmed(12.0, 3), "12");
        assert_eq!(trimmed(0.85, 3), "0.85");
        assert_eq!(trimmed(15.625, 3), "15.625");
        assert_eq!(trimmed(-0.0001, 3), "0");
        assert_eq!(trimmed(1050.0, 0), "1050");
    }

    #[test]
    fn clamp_is_f64_clamp() {
        for x in [-2.0, 0.0, 0.5, 1.0, 3.0, f64::NAN, f64::INFINITY] {
            let (a, b) = (clamp(x, 0.0, 1.0), x.clamp(0.0, 1.0));
            assert!(a == b || (a.is_nan() && b.is_nan()), "{x}");
        }
    }

    #[test]
    fn a_random_value_is_within_half_a_last_digit() {
        let mut rng = crate::sim::SimRng::new(5);
        for _ in 0..10_000 {
            let x = (rng.uniform() - 0.5) * 10f64.powi(rng.below(12) as i32 - 4);
            for d in 0..=4 {
                let back: f64 = fixed(x, d).parse().unwrap();
                let half = 0.5 / 10f64.powi(d as i32);
                assert!(
                    (back - x).abs() <= half * (1.0 + 1e-9),
                    "{x} {d}: {}",
                    fixed(x, d)
                );
            }
        }
    }
}
