//! Joint symbol counts: the histogram of the distinct rows of a set of
//! integer columns, reduced to its profile (how many symbols were seen
//! exactly c times, for each c), which is all the estimators read.
//!
//! Small joint ranges are counted directly (one histogram per thread,
//! summed: O(N + R) for a range of R codes); larger ones by sorting 64-bit
//! keys (O(N log N)), columns whose combined range overflows 64 bits being
//! first replaced by their ranks. Counts are integers and every reduction
//! runs in code order, so the profile does not depend on the thread count.

use crate::{Error, Interrupt, Result};
use rayon::prelude::*;

/// A borrowed row-major matrix of integer symbols: `n` samples by `d`
/// columns; a row is one joint symbol.
#[derive(Clone, Copy, Debug)]
pub struct Symbols<'a> {
    pub data: &'a [i64],
    pub n: usize,
    pub d: usize,
}

impl<'a> Symbols<'a> {
    pub fn new(data: &'a [i64], n: usize, d: usize) -> Result<Self> {
        if data.len() != n * d {
            return Err(Error::invalid("data", format!("buffer of {} values cannot hold {n} x {d}", data.len())));
        }
        Ok(Self { data, n, d })
    }
}

/// One column of a [`Symbols`]: element i is `data[i * stride + offset]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Column<'a> {
    pub data: &'a [i64],
    pub stride: usize,
    pub offset: usize,
}

impl Column<'_> {
    #[inline]
    fn get(&self, i: usize) -> i64 {
        self.data[i * self.stride + self.offset]
    }
}

/// The count profile of a sample: `classes` holds (c, m) pairs, c ascending,
/// m > 0 symbols having been seen exactly c times; `n` = Σ c m.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub n: u64,
    pub classes: Vec<(u64, u64)>,
}

impl Profile {
    /// Number of distinct symbols observed.
    pub fn observed(&self) -> u64 {
        self.classes.iter().map(|&(_, m)| m).sum()
    }

    /// The profile of a list of counts (zeros are skipped).
    pub fn from_counts(counts: &[u64]) -> Self {
        let mut t = Tally::new();
        for &c in counts {
            t.add(c, 1);
        }
        t.into_profile()
    }
}

/// Counts below this are tallied in an array, larger ones listed and sorted.
const SMALL: usize = 1 << 12;

/// The profile under construction: how many symbols have each count.
struct Tally {
    small: Vec<u64>,
    large: Vec<u64>,
}

impl Tally {
    fn new() -> Self {
        Tally { small: vec![0; SMALL], large: Vec::new() }
    }

    /// `m` more symbols seen `c` times each.
    #[inline]
    fn add(&mut self, c: u64, m: u64) {
        if c == 0 {
        } else if (c as usize) < SMALL {
            self.small[c as usize] += m;
        } else {
            self.large.extend(std::iter::repeat_n(c, m as usize));
        }
    }

    fn merge(&mut self, other: Tally) {
        for (a, b) in self.small.iter_mut().zip(other.small) {
            *a += b;
        }
        self.large.extend(other.large);
    }

    fn into_profile(mut self) -> Profile {
        let mut classes: Vec<(u64, u64)> =
            self.small.iter().enumerate().filter(|(_, &m)| m > 0).map(|(c, &m)| (c as u64, m)).collect();
        self.large.sort_unstable();
        run_lengths(&self.large, |c, m| classes.push((c, m)));
        let n = classes.iter().map(|&(c, m)| c * m).sum();
        Profile { n, classes }
    }
}

/// Call `f(value, run length)` for each run of equal values of a sorted slice.
fn run_lengths(v: &[u64], mut f: impl FnMut(u64, u64)) {
    let mut i = 0;
    while i < v.len() {
        let mut j = i + 1;
        while j < v.len() && v[j] == v[i] {
            j += 1;
        }
        f(v[i], (j - i) as u64);
        i = j;
    }
}

const CHUNK: usize = 1 << 15;

fn chunks(n: usize) -> usize {
    n.div_ceil(CHUNK)
}

/// Smallest and largest value of a column.
fn min_max(col: Column<'_>, n: usize, irq: &Interrupt) -> Result<(i64, i64)> {
    let parts: Vec<(i64, i64)> = (0..chunks(n))
        .into_par_iter()
        .map(|c| {
            let (mut lo, mut hi) = (i64::MAX, i64::MIN);
            if irq.is_raised() {
                return (lo, hi);
            }
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                let v = col.get(i);
                lo = lo.min(v);
                hi = hi.max(v);
            }
            (lo, hi)
        })
        .collect();
    irq.check()?;
    Ok(parts.iter().fold((i64::MAX, i64::MIN), |(a, b), &(lo, hi)| (a.min(lo), b.max(hi))))
}

/// Histogram bins (across all threads together) up to which the direct count is used.
pub(crate) fn dense_limit(n: usize) -> u128 {
    (4 * n as u128).clamp(1 << 20, 1 << 26)
}

/// Smallest value and number of possible values (max - min + 1) of a column.
pub(crate) fn column_range(col: Column<'_>, n: usize, irq: &Interrupt) -> Result<(i64, u128)> {
    let (lo, hi) = min_max(col, n, irq)?;
    Ok((lo, (hi as i128 - lo as i128) as u128 + 1))
}

/// Product of the column ranges (saturating: u128::MAX when it overflows).
pub(crate) fn total_range(sizes: &[u128]) -> u128 {
    sizes.iter().try_fold(1u128, |acc, &s| acc.checked_mul(s)).unwrap_or(u128::MAX)
}

/// Whether the direct histogram serves columns of these ranges.
pub(crate) fn is_dense(sizes: &[u128], n: usize) -> bool {
    total_range(sizes) <= dense_limit(n) && n <= u32::MAX as usize
}

/// The count profile of the distinct rows of `cols` (n rows each), whose
/// minima and ranges are given.
pub(crate) fn profile(cols: &[Column<'_>], mins: &[i64], sizes: &[u128], n: usize, irq: &Interrupt) -> Result<Profile> {
    if n == 0 {
        return Ok(Profile { n: 0, classes: Vec::new() });
    }
    if is_dense(sizes, n) {
        let h = histogram(cols, mins, sizes, n, irq)?;
        return Ok(histogram_profile(&h));
    }
    let keys = if total_range(sizes) <= u64::MAX as u128 {
        radix_keys(cols, mins, sizes, n, irq)?
    } else {
        ranked_keys(cols, mins, sizes, n, irq)?
    };
    sorted_profile(keys, irq)
}

/// The profile of a histogram (tallied per block of bins in parallel, the
/// blocks merged in order).
pub(crate) fn histogram_profile(h: &[u32]) -> Profile {
    let tallies: Vec<Tally> = h
        .par_chunks(CHUNK)
        .map(|b| {
            let mut t = Tally::new();
            for &c in b {
                t.add(c as u64, 1);
            }
            t
        })
        .collect();
    let mut total = Tally::new();
    for t in tallies {
        total.merge(t);
    }
    total.into_profile()
}

/// The histogram over some blocks of a mixed-radix histogram: `blocks` are
/// the radices of its digit blocks (first block fastest), `keep` says which
/// blocks stay; the others are summed out.
pub(crate) fn marginal(h: &[u32], blocks: &[usize], keep: &[bool]) -> Vec<u32> {
    let mut stride = Vec::with_capacity(blocks.len());
    let mut size = 1usize;
    for (&b, &k) in blocks.iter().zip(keep) {
        stride.push(if k { size } else { 0 });
        if k {
            size *= b;
        }
    }
    let mut out = vec![0u32; size];
    let mut digit = vec![0usize; blocks.len()];
    let mut key = 0usize;
    for &c in h {
        out[key] += c;
        // odometer step over the digit blocks
        for j in 0..blocks.len() {
            digit[j] += 1;
            key += stride[j];
            if digit[j] < blocks[j] {
                break;
            }
            key -= stride[j] * digit[j];
            digit[j] = 0;
        }
    }
    out
}

/// Mixed-radix code of row i: Σ_j (v_j - min_j) Π_{l<j} size_l, which fits u64.
#[inline]
fn code(cols: &[Column<'_>], mins: &[i64], sizes: &[u128], i: usize) -> u64 {
    let mut key = 0u64;
    for j in (0..cols.len()).rev() {
        key = key.wrapping_mul(sizes[j] as u64).wrapping_add(cols[j].get(i).wrapping_sub(mins[j]) as u64);
    }
    key
}

/// The direct histogram of the rows' mixed-radix codes (columns whose
/// ranges pass [`is_dense`]).
pub(crate) fn histogram(
    cols: &[Column<'_>],
    mins: &[i64],
    sizes: &[u128],
    n: usize,
    irq: &Interrupt,
) -> Result<Vec<u32>> {
    let bins = total_range(sizes) as usize;
    // one histogram per part; the parts are few enough that their bins fit
    // the same budget as one large histogram
    let parts = rayon::current_num_threads().min(chunks(n)).min((dense_limit(n) as usize / bins).max(1)).max(1);
    let step = n.div_ceil(parts);
    let hists: Vec<Vec<u32>> = (0..parts)
        .into_par_iter()
        .map(|p| {
            let mut h = vec![0u32; bins];
            let (lo, hi) = (p * step, ((p + 1) * step).min(n));
            let mut i = lo;
            while i < hi {
                if irq.is_raised() {
                    break;
                }
                let end = (i + CHUNK).min(hi);
                if cols.len() == 1 {
                    let (c, m) = (cols[0], mins[0]);
                    for r in i..end {
                        h[c.get(r).wrapping_sub(m) as usize] += 1;
                    }
                } else if cols.len() == 2 {
                    let (a, b, ma, mb, sa) = (cols[0], cols[1], mins[0], mins[1], sizes[0] as u64);
                    for r in i..end {
                        let key = (b.get(r).wrapping_sub(mb) as u64) * sa + a.get(r).wrapping_sub(ma) as u64;
                        h[key as usize] += 1;
                    }
                } else {
                    for r in i..end {
                        h[code(cols, mins, sizes, r) as usize] += 1;
                    }
                }
                i = end;
            }
            h
        })
        .collect();
    irq.check()?;
    // the parts' counts summed bin by bin into the first (the total is n,
    // below 2^32, so u32 holds every sum)
    let mut hists = hists.into_iter();
    let mut out = hists.next().unwrap_or_else(|| vec![0u32; bins]);
    let rest: Vec<Vec<u32>> = hists.collect();
    if !rest.is_empty() {
        out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, o)| {
            for h in &rest {
                for (k, v) in o.iter_mut().enumerate() {
                    *v += h[c * CHUNK + k];
                }
            }
        });
    }
    Ok(out)
}

fn radix_keys(cols: &[Column<'_>], mins: &[i64], sizes: &[u128], n: usize, irq: &Interrupt) -> Result<Vec<u64>> {
    let mut keys = vec![0u64; n];
    keys.par_chunks_mut(CHUNK).enumerate().for_each(|(c, k)| {
        if irq.is_raised() {
            return;
        }
        for (r, key) in k.iter_mut().enumerate() {
            *key = code(cols, mins, sizes, c * CHUNK + r);
        }
    });
    irq.check()?;
    Ok(keys)
}

/// Keys for columns whose combined range overflows 64 bits: columns are
/// folded in one at a time, and whenever the next product would overflow,
/// the keys so far (and the column, if needed) are replaced by their ranks,
/// which are below n.
fn ranked_keys(cols: &[Column<'_>], mins: &[i64], sizes: &[u128], n: usize, irq: &Interrupt) -> Result<Vec<u64>> {
    let offset = |j: usize| -> Vec<u64> { (0..n).map(|i| cols[j].get(i).wrapping_sub(mins[j]) as u64).collect() };
    let mut keys = offset(0);
    let mut range = sizes[0];
    for (j, &size_j) in sizes.iter().enumerate().skip(1) {
        let (mut col, mut size) = (offset(j), size_j);
        if range.checked_mul(size).is_none_or(|p| p > u64::MAX as u128) {
            let (k, r) = ranks(&keys, irq)?;
            keys = k;
            range = r as u128;
            if range * size > u64::MAX as u128 {
                let (c, s) = ranks(&col, irq)?;
                col = c;
                size = s as u128;
            }
        }
        for (key, &v) in keys.iter_mut().zip(&col) {
            *key = *key * size as u64 + v;
        }
        range *= size;
        irq.check()?;
    }
    Ok(keys)
}

/// Dense ranks 0..r of the distinct values of `v`, and r.
fn ranks(v: &[u64], irq: &Interrupt) -> Result<(Vec<u64>, u64)> {
    let mut pairs: Vec<(u64, usize)> = v.iter().enumerate().map(|(i, &k)| (k, i)).collect();
    pairs.par_sort_unstable();
    irq.check()?;
    let mut out = vec![0u64; v.len()];
    let mut r = 0u64;
    for (i, &(k, idx)) in pairs.iter().enumerate() {
        if i > 0 && k != pairs[i - 1].0 {
            r += 1;
        }
        out[idx] = r;
    }
    Ok((out, r + u64::from(!v.is_empty())))
}

fn sorted_profile(mut keys: Vec<u64>, irq: &Interrupt) -> Result<Profile> {
    keys.par_sort_unstable();
    irq.check()?;
    let mut t = Tally::new();
    run_lengths(&keys, |_, m| t.add(m, 1));
    Ok(t.into_profile())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lcg;
    use std::collections::HashMap;

    fn brute(rows: &[Vec<i64>]) -> Vec<u64> {
        let mut m: HashMap<&Vec<i64>, u64> = HashMap::new();
        for r in rows {
            *m.entry(r).or_default() += 1;
        }
        let mut v: Vec<u64> = m.into_values().collect();
        v.sort_unstable();
        v
    }

    fn check(data: &[i64], n: usize, d: usize) {
        let cols: Vec<Column<'_>> = (0..d).map(|j| Column { data, stride: d, offset: j }).collect();
        let irq = Interrupt::new();
        let (mins, sizes): (Vec<i64>, Vec<u128>) = cols.iter().map(|&c| column_range(c, n, &irq).unwrap()).unzip();
        let got = profile(&cols, &mins, &sizes, n, &irq).unwrap();
        let rows: Vec<Vec<i64>> = (0..n).map(|i| data[i * d..(i + 1) * d].to_vec()).collect();
        assert_eq!(got, Profile::from_counts(&brute(&rows)));
    }

    #[test]
    fn every_path_counts_like_a_hash_map() {
        let mut s = 7u64;
        let n = 5000;
        // small range (direct), wide range (sorted keys), huge range (ranked keys)
        for (d, spread) in [(1usize, 10.0), (2, 40.0), (1, 1e12), (2, 1e9), (3, 4e18)] {
            let data: Vec<i64> = (0..n * d).map(|_| ((lcg(&mut s) - 0.5) * spread) as i64).collect();
            check(&data, n, d);
        }
        // a few distinct values at the extremes of i64
        let ext: Vec<i64> =
            (0..n * 2).map(|i| if (i * 7) % 3 == 0 { i64::MIN } else { i64::MAX - (i % 2) as i64 }).collect();
        check(&ext, n, 2);
    }

    #[test]
    fn marginals_sum_out_blocks() {
        // blocks of radix 2 (fastest), 3, 2: h[a + 2 b + 6 c] = a + 10 b + 100 c
        let h: Vec<u32> = (0..12).map(|k| (k % 2 + 10 * (k / 2 % 3) + 100 * (k / 6)) as u32).collect();
        let b = marginal(&h, &[2, 3, 2], &[false, true, false]);
        // Σ over a, c of (a + 10 b + 100 c) = 1*2 + 40 b + 200*2... per b: 4 terms
        let want: Vec<u32> =
            (0..3).map(|b| (0..2).flat_map(|a| (0..2).map(move |c| a + 10 * b + 100 * c)).sum()).collect();
        assert_eq!(b, want);
        let ac = marginal(&h, &[2, 3, 2], &[true, false, true]);
        let want: Vec<u32> =
            (0..4).map(|k| (0..3).map(|b| (k % 2) as u32 + 10 * b + 100 * (k / 2) as u32).sum()).collect();
        assert_eq!(ac, want);
        assert_eq!(marginal(&h, &[2, 3, 2], &[true, true, true]), h);
    }

    #[test]
    fn profile_tallies_counts() {
        let p = Profile::from_counts(&[3, 1, 0, 3, 2, 1, 1]);
        assert_eq!(p.n, 11);
        assert_eq!(p.classes, vec![(1, 3), (2, 1), (3, 2)]);
        assert_eq!(p.observed(), 6);
        let big = Profile::from_counts(&[1, 1_000_000, 5000, 1_000_000]);
        assert_eq!(big.classes, vec![(1, 1), (5000, 1), (1_000_000, 2)]);
    }
}
