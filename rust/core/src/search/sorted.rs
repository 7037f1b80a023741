//! One column, sorted, with a value index for exact O(1)-expected counts.
//!
//! The marginal counts of KSG, n_x(i) = #{j : |x_j − x_i| < ε_i} (or `≤`),
//! are two partition points in the sorted column. A binary or galloping
//! search costs ~10–20 unpredictable probes each; instead the column keeps a
//! *value index*: `nb ≈ n/4` equal-width buckets over [min, max] and, for each
//! bucket, where its values start in sorted order. A query maps its
//! threshold to a bucket by one multiply and scans the few values there.
//! The same buckets sort the column in O(n) expected time (a bucket sort,
//! each bucket finished by a comparison sort), so no O(n log n) sort is
//! paid on smooth densities; heavy-tailed data only make some buckets large,
//! which then fall back to comparison sorts and bisection: O(n log n) worst
//! case, never worse.
//!
//! Exactness: `bucket(v) = ⌊(v − min)·scale⌋` is a composition of monotone
//! float operations, so it is non-decreasing in v: every value in a lower
//! bucket is smaller than every value in a higher one, and the buckets'
//! concatenation is sorted. The counts never trust the bucket of the
//! threshold: a count is the partition point of a predicate on
//! `fl(v_j − q)`, monotone over the sorted array; the scan checks that the
//! predicate holds just before the bucket's first value, finds the flip
//! among the next few values, and otherwise gallops from there. So counts
//! are the integers a brute-force loop over the same float comparisons
//! gives.

use super::{partition_point_from, sortable, within};

/// Values past the threshold's bucket start that are scanned before a
/// count gallops instead.
const SCAN_MAX: usize = 32;

/// Values a count compares at a time (without a branch per value); the
/// sorted values are padded with this many +inf, which fail every count
/// predicate, so a block may run past the end.
const BLOCK: usize = 8;

/// The equal-width bucket map of a column's value range.
#[derive(Clone, Copy, Debug)]
struct ValueIndex {
    min: f64,
    scale: f64,
    nb: usize,
}

impl ValueIndex {
    fn fit(v: &[f64]) -> Self {
        let (mut lo, mut hi, mut finite) = (f64::INFINITY, f64::NEG_INFINITY, true);
        for &x in v {
            lo = lo.min(x);
            hi = hi.max(x);
            finite &= x.is_finite();
        }
        // about four values per bucket: the index (nb u32) then stays a
        // quarter of the column's size, faster than one value per bucket at
        // n = 10^6 (fewer cache misses) and as fast at 10^5
        let nb = (v.len() / 4).max(1);
        let scale = nb as f64 / (hi - lo);
        if !(finite && scale.is_finite() && scale > 0.0) || nb == 1 {
            // constant or non-finite columns: one bucket, a plain sort
            return ValueIndex { min: 0.0, scale: 0.0, nb: 1 };
        }
        ValueIndex { min: lo, scale, nb }
    }
    #[inline(always)]
    fn bucket(&self, x: f64) -> usize {
        // `as` saturates: values below min (and NaN) go to 0, above to the top
        (((x - self.min) * self.scale) as usize).min(self.nb - 1)
    }
}

pub struct Sorted1D {
    /// the values in ascending order, then [`BLOCK`] +inf
    vals: Vec<f64>,
    /// original row -> rank in `vals`
    rank: Vec<u32>,
    /// rank -> original row
    order: Vec<u32>,
    index: ValueIndex,
    /// bucket -> first rank of its values (nb + 1 entries)
    start: Vec<u32>,
}

impl Sorted1D {
    #[cfg(test)]
    pub fn new(col: impl Iterator<Item = f64>) -> Self {
        let v: Vec<f64> = col.collect();
        Self::from_slice(&v)
    }

    pub fn from_slice(v: &[f64]) -> Self {
        let n = v.len();
        let index = ValueIndex::fit(v);
        let nb = index.nb;
        let buckets: Vec<u32> = v.iter().map(|&x| index.bucket(x) as u32).collect();
        let mut start = vec![0u32; nb + 1];
        for &b in &buckets {
            start[b as usize + 1] += 1;
        }
        for b in 0..nb {
            start[b + 1] += start[b];
        }
        let mut fill = start.clone();
        let mut keys = vec![(0u64, 0u32); n];
        for (i, &b) in buckets.iter().enumerate() {
            let f = &mut fill[b as usize];
            keys[*f as usize] = (sortable(v[i]), i as u32);
            *f += 1;
        }
        drop((buckets, fill));
        // (key, row) pairs are distinct, so any correct sort gives one order:
        // ties in value are broken by row, as a global sort of the pairs would
        for b in 0..nb {
            let s = &mut keys[start[b] as usize..start[b + 1] as usize];
            if s.len() <= 16 {
                insertion_sort(s);
            } else {
                s.sort_unstable();
            }
        }
        // values decoded from the keys: a sequential pass instead of a
        // gather from the unsorted column
        let mut order = Vec::with_capacity(n);
        let mut vals = Vec::with_capacity(n + BLOCK);
        let mut rank = vec![0u32; n];
        for (r, &(key, i)) in keys.iter().enumerate() {
            order.push(i);
            vals.push(unsortable(key));
            rank[i as usize] = r as u32;
        }
        drop(keys);
        vals.resize(n + BLOCK, f64::INFINITY);
        Sorted1D { vals, rank, order, index, start }
    }

    /// From the column and its ascending order (ids by value, any order of
    /// ties), without sorting: O(n).
    pub fn from_order(v: &[f64], order: Vec<u32>) -> Self {
        let n = v.len();
        let index = ValueIndex::fit(v);
        let mut vals: Vec<f64> = Vec::with_capacity(n + BLOCK);
        vals.extend(order.iter().map(|&i| v[i as usize]));
        let mut rank = vec![0u32; n];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        // bucket b starts at the first rank whose value maps to b or above
        let mut start = vec![n as u32; index.nb + 1];
        let mut b = 0;
        for (r, &x) in vals.iter().enumerate() {
            let bx = index.bucket(x);
            while b <= bx {
                start[b] = r as u32;
                b += 1;
            }
        }
        vals.resize(n + BLOCK, f64::INFINITY);
        Sorted1D { vals, rank, order, index, start }
    }

    pub fn len(&self) -> usize {
        self.vals.len() - BLOCK
    }

    /// Sample ids in ascending order of value.
    pub fn order(&self) -> &[u32] {
        &self.order
    }
    /// Rank (position in sorted order) of every sample id.
    pub fn ranks(&self) -> &[u32] {
        &self.rank
    }
    /// The values in ascending order.
    pub fn values(&self) -> &[f64] {
        &self.vals[..self.len()]
    }

    /// The original row of rank `r`.
    #[inline]
    pub fn original(&self, r: usize) -> usize {
        self.order[r] as usize
    }

    pub fn value(&self, i: usize) -> f64 {
        self.vals[self.rank[i] as usize]
    }

    /// #{j : |v_j − v_i| < r} (strict) or ≤ r, the point i itself included
    /// when it qualifies (it does not for a strict count with r = 0).
    #[cfg(test)]
    pub fn count(&self, i: usize, r: f64, strict: bool) -> usize {
        self.count_at_rank(self.rank[i] as usize, r, strict)
    }

    /// As [`count`](Self::count) for the sample of rank `rank`.
    #[inline]
    pub fn count_at_rank(&self, rank: usize, r: f64, strict: bool) -> usize {
        let q = self.vals[rank];
        if strict {
            self.count_q::<true>(q, r)
        } else {
            self.count_q::<false>(q, r)
        }
    }

    /// #{j : |v_j − q| < r} (strict) or ≤ r for any value q.
    #[inline]
    pub fn count_value(&self, q: f64, r: f64, strict: bool) -> usize {
        if strict {
            self.count_q::<true>(q, r)
        } else {
            self.count_q::<false>(q, r)
        }
    }

    /// The ranks [lo, hi) of the values v with |fl(v − q)| < r (strict) or
    /// ≤ r: those samples form one run of the sorted order.
    #[inline]
    pub fn range_value(&self, q: f64, r: f64, strict: bool) -> (usize, usize) {
        if strict {
            self.range_q::<true>(q, r)
        } else {
            self.range_q::<false>(q, r)
        }
    }

    #[inline]
    fn count_q<const STRICT: bool>(&self, q: f64, r: f64) -> usize {
        let (lo, hi) = self.range_q::<STRICT>(q, r);
        hi.saturating_sub(lo)
    }

    #[inline]
    fn range_q<const STRICT: bool>(&self, q: f64, r: f64) -> (usize, usize) {
        let v = &self.vals;
        // Both predicates are monotone over the whole sorted array because
        // fl(a − b) is monotone in a and in b: "fl(v_j − q) within r" is true
        // then false, "fl(q − v_j) within r" false then true. The samples
        // within r are exactly those between the two partition points.
        let hi = self.partition(q + r, |j| within::<STRICT>(v[j] - q, r), |x| within::<STRICT>(x - q, r));
        let lo = self.partition(q - r, |j| !within::<STRICT>(q - v[j], r), |x| !within::<STRICT>(q - x, r));
        (lo, hi.max(lo))
    }

    /// First rank where `pred` (true then false over the sorted array)
    /// turns false; `t` is a value near the flip, `on_value` the same
    /// predicate applied to a value.
    ///
    /// From the first rank of `t`'s bucket, the values are compared
    /// [`BLOCK`] at a time and the passing ones counted: the passing ranks
    /// form a prefix of every block (the predicate is monotone, the padding
    /// fails it), so a count short of a full block is the flip, found
    /// without a branch per value.
    #[inline(always)]
    fn partition<P: Fn(usize) -> bool, V: Fn(f64) -> bool>(&self, t: f64, pred: P, on_value: V) -> usize {
        let n = self.len();
        let s = self.start[self.index.bucket(t)] as usize;
        if s > 0 && !pred(s - 1) {
            return partition_point_from(n, s - 1, pred);
        }
        let mut at = s;
        while at < s + SCAN_MAX {
            let block: &[f64; BLOCK] = self.vals[at..at + BLOCK].try_into().expect("padded");
            let passing = block.iter().map(|&x| on_value(x) as usize).sum::<usize>();
            if passing < BLOCK {
                return at + passing;
            }
            at += BLOCK;
        }
        partition_point_from(n, at, pred)
    }
}

/// Inverse of [`sortable`]: the f64 with exactly the original bits.
#[inline(always)]
fn unsortable(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

fn insertion_sort(s: &mut [(u64, u32)]) {
    for i in 1..s.len() {
        let x = s[i];
        let mut j = i;
        while j > 0 && s[j - 1] > x {
            s[j] = s[j - 1];
            j -= 1;
        }
        s[j] = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::lcg;

    fn brute(v: &[f64], q: f64, r: f64, strict: bool) -> usize {
        v.iter().filter(|&&x| if strict { (x - q).abs() < r } else { (x - q).abs() <= r }).count()
    }

    #[test]
    fn sorts_like_a_global_sort_and_counts_like_brute_force() {
        let mut s = 5u64;
        // smooth, quantised (ties), heavy-tailed (crowded buckets), constant,
        // tiny, and values with -0.0 / 0.0
        let cases: Vec<Vec<f64>> = vec![
            (0..3000).map(|_| lcg(&mut s) + lcg(&mut s)).collect(),
            (0..2000).map(|_| (lcg(&mut s) * 12.0).floor() / 4.0).collect(),
            (0..2000).map(|_| (std::f64::consts::PI * (lcg(&mut s) - 0.5)).tan().powi(3)).collect(),
            vec![1.5; 40],
            vec![2.0],
            vec![],
            vec![0.0, -0.0, 1.0, -1.0, 0.0, -0.0, 1e-300, -1e-300],
        ];
        for v in cases {
            let srt = Sorted1D::from_slice(&v);
            let mut pairs: Vec<(u64, u32)> = v.iter().enumerate().map(|(i, &x)| (sortable(x), i as u32)).collect();
            pairs.sort_unstable();
            let want: Vec<u32> = pairs.iter().map(|p| p.1).collect();
            assert_eq!(srt.order(), &want[..]);
            let bits: Vec<u64> = want.iter().map(|&i| v[i as usize].to_bits()).collect();
            assert_eq!(srt.values().iter().map(|x| x.to_bits()).collect::<Vec<_>>(), bits);
            for i in 0..v.len() {
                for _ in 0..4 {
                    let r = match (lcg(&mut s) * 4.0) as u32 {
                        0 => 0.0,
                        1 => (lcg(&mut s) * 8.0).floor() / 4.0,
                        2 => lcg(&mut s) * 1e-3,
                        _ => lcg(&mut s) * 50.0,
                    };
                    for strict in [true, false] {
                        assert_eq!(srt.count(i, r, strict), brute(&v, v[i], r, strict), "i={i} r={r} strict={strict}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_misleading_threshold_falls_back_to_galloping() {
        // the bucket of `t` only speeds the search up: any t gives the flip
        let mut s = 9u64;
        let v: Vec<f64> = (0..500).map(|_| lcg(&mut s) * 10.0).collect();
        let srt = Sorted1D::from_slice(&v);
        let vals = srt.values();
        for _ in 0..200 {
            let cut = lcg(&mut s) * 11.0 - 0.5;
            let want = vals.iter().filter(|&&x| x < cut).count();
            for t in [cut, cut - 3.0, cut + 3.0, -1e300, 1e300, 0.0] {
                assert_eq!(srt.partition(t, |j| vals[j] < cut, |x| x < cut), want);
            }
        }
    }

    #[test]
    fn partition_point_gallops_both_ways() {
        let v: Vec<usize> = (0..100).collect();
        for cut in [0, 1, 37, 99, 100] {
            for hint in [0, 5, 50, 99, 100, 500] {
                assert_eq!(partition_point_from(v.len(), hint, |j| v[j] < cut), cut);
            }
        }
    }
}
