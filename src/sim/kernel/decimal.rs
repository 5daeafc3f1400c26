//! Numbers with a fixed count of decimals (`1050`, `0.3`, `12.07`), for log
//! lines and the page's figures, without the standard library's exact
//! float formatting (`{:.1}`): its algorithms and tables cost the page's wasm
//! about five kilobytes gzipped, for text whose last digit nobody checks
//! against a decimal expansion.
//!
//! The value is scaled and rounded (ties to even) in `f64`, so a value whose
//! exact binary expansion lies within a rounding error of a tie can round the
//! other way than `format!("{x:.1}")` would; every other value prints as it
//! does. Beyond 2^53 after scaling the shortest form (`{}`) is used.

/// `x` with `decimals` digits after the point (none and no point for 0).
pub fn fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let decimals = decimals.min(15);
    let scale = 10u64.pow(decimals as u32);
    let scaled = (x.abs() * scale as f64).round_ties_even();
    if scaled >= 9_007_199_254_740_992.0 {
        return format!("{x}");
    }
    let n = scaled as u64;
    let mut out = String::new();
    if x.is_sign_negative() && n > 0 {
        out.push('-');
    }
    out.push_str(&(n / scale).to_string());
    if decimals > 0 {
        out.push('.');
        let frac = (n % scale).to_string();
        for _ in frac.len()..decimals {
            out.push('0');
        }
        out.push_str(&frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fixed;

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
    fn huge_and_odd_values_fall_back_to_the_shortest_form() {
        assert_eq!(fixed(1e300, 2), format!("{}", 1e300));
        assert_eq!(fixed(f64::NAN, 1), "NaN");
        assert_eq!(fixed(f64::INFINITY, 1), "inf");
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
