//! Stable sorting through one shared routine.
//!
//! `slice::sort_by_key` compiles a copy of core's sort for every element type
//! and key closure: about 3.5 KB of the page's wasm each, a dozen of them. Here
//! every sort orders `(Key, position)` pairs with the one sort compiled for
//! them, then moves the items into that order. The positions make the keys
//! distinct, so ties keep their order: the result is `sort_by_key`'s exactly.

/// A sort key: ordered by the first number, then by the second.
pub type Key = (u64, u64);

/// Sorts `v` by `key`, keeping the order of items with equal keys.
pub fn sort_by_key<T>(v: &mut Vec<T>, key: impl Fn(&T) -> Key) {
    if v.len() < 2 {
        return;
    }
    let order = order(v.iter().map(key).collect());
    let mut slots: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    v.extend(
        order
            .into_iter()
            .map(|i| slots[i as usize].take().expect("each position once")),
    );
}

/// Sorts numbers in `f64::total_cmp`'s order.
pub fn sort_f64(v: &mut Vec<f64>) {
    sort_by_key(v, |x| (total_order(*x), 0));
}

/// `x` as a number whose order is `f64::total_cmp`'s: the bits of a negative
/// number flipped (a larger magnitude sorts lower), the sign bit of a positive
/// one set (it sorts above every negative).
pub fn total_order(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The positions of `keys` in sorted order, ties in position order.
fn order(keys: Vec<Key>) -> Vec<u32> {
    let mut pairs: Vec<(Key, u32)> = keys.into_iter().zip(0..).collect();
    pairs.sort_unstable();
    pairs.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        let mut x = 12345u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in [0, 1, 2, 3, 10, 33, 200] {
            let v: Vec<(u64, u64, usize)> = (0..n).map(|i| (next() % 4, next() % 3, i)).collect();
            let mut ours = v.clone();
            sort_by_key(&mut ours, |e| (e.0, e.1));
            let mut std = v.clone();
            std.sort_by_key(|e| (e.0, e.1));
            assert_eq!(ours, std);
        }
    }

    #[test]
    fn orders_floats_as_total_cmp() {
        let xs = [
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            1.5,
            -1.5,
            1e-310,
            -1e-310,
            f64::MAX,
            f64::MIN,
            3.0,
            2.0,
        ];
        for a in xs {
            for b in xs {
                assert_eq!(
                    total_order(a).cmp(&total_order(b)),
                    a.total_cmp(&b),
                    "{a} {b}"
                );
            }
        }
        let mut ours = xs.to_vec();
        sort_f64(&mut ours);
        let mut std = xs.to_vec();
        std.sort_by(f64::total_cmp);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&ours), bits(&std));
    }
}
