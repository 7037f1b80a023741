//! Sorted neighbour lists in a fixed two-dimensional space: for every sample
//! i, its L nearest other samples under the max norm, nearest first, with
//! their distances.
//!
//! Built once for a transfer-entropy target, in its (target next, target
//! past) space, they serve every source and every surrogate of that target:
//! a joint distance is max(|x_j − x_i|, d_ij) with d_ij read from the list,
//! so the joint k-NN search of a history-1 TE becomes a scan of i's list that
//! stops at the first entry with d_ij at least the current k-th distance
//! (no later entry, and no sample off the list once the scan gets that far,
//! can be closer). The same scan leaves the Y∪Z count of KSG algorithm 1,
//! #{j : d_ij < ε_i}, as a position in the list. The lists trade memory
//! (12·L bytes a sample) for a search without a per-surrogate joint
//! structure; a query whose list runs out before it certifies its k-th
//! distance is reported, and the caller answers it another way.
//!
//! Exactness: d_ij is the same float a direct computation gives
//! (max(|fl(a_j − a_i)|, |fl(b_j − b_i)|)), and the max with the third
//! column's distance is exact, so joint distances equal the brute-force
//! ones bit for bit.

use super::topk::{fmax, with_k};
use super::{quantile_blocks, sorted_order};
use crate::{Error, Interrupt, Result};
use rayon::prelude::*;

pub struct NeighbourLists {
    len: usize,
    /// per sample, `len` neighbour ids, nearest first
    ids: Vec<u32>,
    /// their distances, ascending
    dist: Vec<f64>,
}

/// Cache lines of distances fetched ahead per query (8 entries a line). A
/// query of eight lanes reads about 110 entries at k = 4, n = 10⁴, but 8
/// lines are faster than 14: the rest stream in behind them.
const PREFETCH_LINES: usize = 8;

/// Most samples (times the list length) one query's square may gather.
const SQUARE_MAX: usize = 64;

/// Samples per unit of parallel work while building.
const CHUNK: usize = 256;

impl NeighbourLists {
    /// The `len` (at most n − 1) nearest neighbours of every sample of the
    /// two columns `a`, `b`, ties in distance by id.
    ///
    /// Through a rank grid (each column cut into blocks of equal count,
    /// about 2 samples a cell): a query gathers the samples of a square of
    /// cells around its own, keeps the `len` nearest (selection, then a sort
    /// of those), and is done when the len-th distance is at most the
    /// distance to the nearest cell outside the square (by monotone
    /// rounding, fl(q − hi) of the next block bounds every sample beyond
    /// it); otherwise a second square, of the blocks within that distance,
    /// holds the answer. O(len) expected per sample on a
    /// smooth copula. Near a curve, or with many tied values, the square
    /// must grow large before it certifies: then, past `SQUARE_MAX`·len
    /// samples for one query, `None` (the caller searches without lists).
    /// Checks `interrupt` every CHUNK samples.
    pub fn new(a: &[f64], b: &[f64], len: usize, interrupt: &Interrupt) -> Result<Option<Self>> {
        let n = a.len();
        let len = len.min(n.saturating_sub(1));
        let mut ids = vec![0u32; n * len];
        let mut dist = vec![0.0f64; n * len];
        if len == 0 {
            return Ok(Some(NeighbourLists { len, ids, dist }));
        }
        let (oa, ob) = rayon::join(|| sorted_order(a), || sorted_order(b));
        let g = ((n as f64 / 2.0).sqrt().ceil() as usize).clamp(1, n);
        let ((blk_a, lo_a, hi_a), (blk_b, lo_b, hi_b)) =
            rayon::join(|| quantile_blocks(a, &oa, g), || quantile_blocks(b, &ob, g));
        let cell = |i: usize| blk_a[i] as usize * g + blk_b[i] as usize;
        let mut start = vec![0u32; g * g + 1];
        for i in 0..n {
            start[cell(i) + 1] += 1;
        }
        for c in 0..g * g {
            start[c + 1] += start[c];
        }
        let mut fill = start.clone();
        let mut pts = vec![(0.0f64, 0.0f64, 0u32); n];
        for i in 0..n {
            let f = &mut fill[cell(i)];
            pts[*f as usize] = (a[i], b[i], i as u32);
            *f += 1;
        }
        // a first square of side 2r + 1 cells holding about 1.5·len samples;
        // it grows a ring at a time
        let r0 = (((1.5 * len as f64 / 2.0).sqrt() - 1.0) / 2.0).ceil().max(1.0) as usize;
        let cap = SQUARE_MAX * len;
        let built =
            ids.par_chunks_mut(CHUNK * len).zip(dist.par_chunks_mut(CHUNK * len)).enumerate().try_for_each_init(
                Vec::<(u64, u32)>::new,
                |buf, (c, (ic, dc))| -> std::result::Result<(), Option<Error>> {
                    interrupt.check().map_err(Some)?;
                    for (i, (il, dl)) in (c * CHUNK..).zip(ic.chunks_exact_mut(len).zip(dc.chunks_exact_mut(len))) {
                        let (qa, qb) = (a[i], b[i]);
                        let (ca, cb) = (blk_a[i] as usize, blk_b[i] as usize);
                        // first a square holding at least len samples (doubled
                        // until it does); if its len-th distance is not
                        // certified, that distance still bounds the answer, so a
                        // second square of every block within it holds it all
                        let mut r = r0;
                        let mut sq;
                        loop {
                            sq = (ca.saturating_sub(r), (ca + r).min(g - 1), cb.saturating_sub(r), (cb + r).min(g - 1));
                            let (a0, a1, b0, b1) = sq;
                            let held: usize =
                                (a0..=a1).map(|x| (start[x * g + b1 + 1] - start[x * g + b0]) as usize).sum();
                            if held > len || (a0 == 0 && b0 == 0 && a1 == g - 1 && b1 == g - 1) {
                                break;
                            }
                            r *= 2;
                        }
                        for round in 0..2 {
                            let (a0, a1, b0, b1) = sq;
                            buf.clear();
                            for x in a0..=a1 {
                                let span = start[x * g + b0] as usize..start[x * g + b1 + 1] as usize;
                                for &(pa, pb, j) in &pts[span] {
                                    if j as usize != i {
                                        // distances are >= +0, where the bits order as the values
                                        buf.push((fmax((pa - qa).abs(), (pb - qb).abs()).to_bits(), j));
                                    }
                                }
                            }
                            if buf.len() > cap {
                                return Err(None);
                            }
                            // (the square holds every other sample when it
                            // holds fewer than len + 1)
                            buf.select_nth_unstable(len - 1);
                            let kth = f64::from_bits(buf[len - 1].0);
                            let whole = a0 == 0 && b0 == 0 && a1 == g - 1 && b1 == g - 1;
                            let below =
                                |lo: usize, hi: &[f64], q: f64| if lo > 0 { q - hi[lo - 1] } else { f64::INFINITY };
                            let above =
                                |up: usize, lo: &[f64], q: f64| if up + 1 < g { lo[up + 1] - q } else { f64::INFINITY };
                            let gap = below(a0, &hi_a, qa)
                                .min(above(a1, &lo_a, qa))
                                .min(below(b0, &hi_b, qb))
                                .min(above(b1, &lo_b, qb));
                            if round == 1 || whole || kth <= gap {
                                let best = &mut buf[..len];
                                best.sort_unstable();
                                for ((si, sd), &(d, j)) in il.iter_mut().zip(dl.iter_mut()).zip(best.iter()) {
                                    *si = j;
                                    *sd = f64::from_bits(d);
                                }
                                break;
                            }
                            // the blocks holding a value within kth of q
                            let met = |lo: &[f64], hi: &[f64], q: f64| {
                                let first = hi.partition_point(|&h| q - h > kth);
                                let last = lo.partition_point(|&l| l - q <= kth);
                                (first, last.max(first + 1) - 1)
                            };
                            let ((a0, a1), (b0, b1)) = (met(&lo_a, &hi_a, qa), met(&lo_b, &hi_b, qb));
                            sq = (a0, a1, b0, b1);
                        }
                    }
                    Ok(())
                },
            );
        match built {
            Ok(()) => Ok(Some(NeighbourLists { len, ids, dist })),
            Err(None) => Ok(None),
            Err(Some(e)) => Err(e),
        }
    }

    /// Entries per sample.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether the lists hold every other sample (n − 1 entries each).
    pub fn complete(&self, n: usize) -> bool {
        self.len + 1 >= n
    }

    /// Ask for the start of sample i's list ahead of its query: queries
    /// visit the lists in sample order, a few hundred bytes each, too short
    /// a run for the hardware prefetchers to pick up (a surrogate TE at
    /// n = 10⁴ takes about 15% longer without it).
    #[inline]
    pub fn prefetch(&self, i: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let s = i * self.len;
            if s + self.len <= self.ids.len() {
                let (d, ids) = (self.dist[s..].as_ptr() as *const i8, self.ids[s..].as_ptr() as *const i8);
                // SAFETY: a prefetch is a hint that never faults, and the
                // addresses lie inside the lists anyway
                unsafe {
                    for line in 0..PREFETCH_LINES {
                        _mm_prefetch::<_MM_HINT_T0>(d.add(64 * line));
                    }
                    for line in 0..PREFETCH_LINES.div_ceil(2) {
                        _mm_prefetch::<_MM_HINT_T0>(ids.add(64 * line));
                    }
                }
            }
        }
    }

    /// Sample i's neighbour ids and distances, nearest first.
    #[inline]
    pub fn of(&self, i: usize) -> (&[u32], &[f64]) {
        let s = i * self.len;
        (&self.ids[s..s + self.len], &self.dist[s..s + self.len])
    }
}

/// Third columns scanned together by [`NeighbourLists::kth_and_count_lanes`]:
/// the surrogates of a network share a target's lists, so one pass over a
/// list serves eight of them, in two 256-bit registers (or four 128-bit
/// ones) per step.
pub const LANES: usize = 8;

/// One sample's value in each of [`LANES`] third columns, a cache line: the
/// scan fetches all lanes of a neighbour with one load.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(64))]
pub struct LaneRow(pub [f64; LANES]);

/// Per lane, (ε, count) or the bound of a list that ran out (see
/// [`NeighbourLists::kth_and_count_lanes`]).
pub type LaneAnswer = std::result::Result<(f64, usize), f64>;

impl NeighbourLists {
    /// For each of the [`LANES`] third columns of `x` (lane s of sample j is
    /// `x[j].0[s]`): the k-th smallest joint distance ε = max(|x_j − x_i|,
    /// d_ij) over j ≠ i, and #{j : d_ij < ε}, for k in
    /// 1..=[`MAX_K`](crate::topk::MAX_K) (`None` past it). Where the list
    /// runs out before a lane's ε is certified (see the module notes), that
    /// lane's error holds its k-th distance over the list: an upper bound of
    /// ε, reached by k samples. `n` is the number of samples, to know a
    /// complete list. Each lane is answered as if alone: the scan runs until
    /// no lane can improve, so its length is the longest of the lanes' own
    /// scans, and a lane whose scan has ended gains nothing from the entries
    /// after (none beats its k-th).
    #[inline]
    pub fn kth_and_count_lanes(&self, i: usize, x: &[LaneRow], k: usize, n: usize) -> Option<[LaneAnswer; LANES]> {
        let (ids, dist) = self.of(i);
        let (eps, m) = scan_lanes(ids, dist, x, &x[i].0, k)?;
        // off the list, every sample is at least the last entry's distance away
        let last = dist.last().copied().unwrap_or(f64::INFINITY);
        let complete = self.complete(n);
        Some(eps.map(|e| {
            if m == ids.len() && !(complete || e <= last) {
                Err(e)
            } else {
                // the entries before the stop, ascending, hold every d_ij < ε
                Ok((e, dist[..m].partition_point(|&d| d < e)))
            }
        }))
    }
}

/// The k-th smallest joint distance of each lane over the list (ids, dist)
/// of a query with lane values `q`, and the number of entries scanned: the
/// scan stops at the first entry whose d_ij reaches every lane's k-th.
/// Compiled for AVX2 (two 256-bit registers a step), picked at run time,
/// and for the x86-64 baseline (four SSE2 registers). No AVX-512 build: it
/// is no faster here.
fn scan_lanes(ids: &[u32], dist: &[f64], x: &[LaneRow], q: &[f64; LANES], k: usize) -> Option<([f64; LANES], usize)> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has the feature the function is compiled for
        return unsafe { scan_lanes_avx2(ids, dist, x, q, k) };
    }
    with_k!(k, K => Some(scan_lanes_k::<K>(ids, dist, x, q)), else None)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn scan_lanes_avx2(
    ids: &[u32],
    dist: &[f64],
    x: &[LaneRow],
    q: &[f64; LANES],
    k: usize,
) -> Option<([f64; LANES], usize)> {
    with_k!(k, K => Some(scan_lanes_k::<K>(ids, dist, x, q)), else None)
}

/// Entries between two updates of the scan's stopping distance (the
/// largest k-th over the lanes, a horizontal reduction); a stale one is
/// larger, so the scan only runs a little past where it could stop.
const STOP_EVERY: usize = 4;

#[inline(always)]
fn scan_lanes_k<const K: usize>(ids: &[u32], dist: &[f64], x: &[LaneRow], q: &[f64; LANES]) -> ([f64; LANES], usize) {
    // top[l][s]: lane s's l-th smallest so far, each lane a TopK
    let mut top = [[f64::INFINITY; LANES]; K];
    let mut stop = f64::INFINITY;
    let mut m = 0;
    for (&j, &d2) in ids.iter().zip(dist) {
        if d2 >= stop {
            break;
        }
        let row = &x[j as usize].0;
        let mut carry = [0.0f64; LANES];
        for s in 0..LANES {
            carry[s] = fmax((row[s] - q[s]).abs(), d2);
        }
        for t in top.iter_mut() {
            for s in 0..LANES {
                let lo = if carry[s] < t[s] { carry[s] } else { t[s] };
                carry[s] = if carry[s] < t[s] { t[s] } else { carry[s] };
                t[s] = lo;
            }
        }
        m += 1;
        if m % STOP_EVERY == 0 {
            stop = top[K - 1].iter().fold(0.0, |a, &b| fmax(a, b));
        }
    }
    (top[K - 1], m)
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::topk::MAX_K;
    use crate::testing::lcg;

    #[test]
    fn kth_and_count_match_brute_force() {
        let mut s = 3u64;
        for &(n, quant, len) in &[
            (2usize, false, 8),
            (5, true, 8),
            (60, false, 8),
            (60, true, 64),
            (500, false, 24),
            (500, false, 13),
            (500, true, 16),
            (3000, false, 128),
            (3000, true, 128),
        ] {
            let f = |s: &mut u64| if quant { (lcg(s) * 40.0).floor() } else { lcg(s) };
            let a: Vec<f64> = (0..n).map(|_| f(&mut s)).collect();
            // b follows a closely (a sparse copula away from the diagonal)
            let b: Vec<f64> =
                a.iter().map(|&v| if quant { (v + f(&mut s)) / 2.0 } else { v * v * v + 0.05 * f(&mut s) }).collect();
            // lanes: independent columns, the last a copy of the first (as
            // spare lanes are)
            let mut x: Vec<Vec<f64>> = (0..LANES - 1).map(|_| (0..n).map(|_| f(&mut s)).collect()).collect();
            x.push(x[0].clone());
            let rows: Vec<LaneRow> = (0..n).map(|j| LaneRow(std::array::from_fn(|l| x[l][j]))).collect();
            let lists = NeighbourLists::new(&a, &b, len, &Interrupt::new()).unwrap();
            // each list: distinct samples at the nearest distances, in order
            let lists = lists.expect("smooth or lightly tied data get lists");
            for i in 0..n {
                let d2 = |j: usize| (a[j] - a[i]).abs().max((b[j] - b[i]).abs());
                let mut all: Vec<f64> = (0..n).filter(|&j| j != i).map(d2).collect();
                all.sort_by(f64::total_cmp);
                let (ids, dist) = lists.of(i);
                assert_eq!(dist, &all[..lists.len()], "n={n} i={i}");
                let mut seen: Vec<u32> = ids.to_vec();
                seen.sort();
                seen.dedup();
                assert_eq!(seen.len(), ids.len());
                assert!(ids.iter().zip(dist).all(|(&j, &d)| j as usize != i && d2(j as usize) == d));
            }
            let mut answered = 0;
            for i in 0..n {
                let d2 = |j: usize| (a[j] - a[i]).abs().max((b[j] - b[i]).abs());
                let joint: Vec<Vec<f64>> = x
                    .iter()
                    .map(|x| {
                        let mut v: Vec<f64> =
                            (0..n).filter(|&j| j != i).map(|j| d2(j).max((x[j] - x[i]).abs())).collect();
                        v.sort_by(f64::total_cmp);
                        v
                    })
                    .collect();
                for k in [1usize, 4, 8] {
                    let k = k.min(n - 1);
                    let answers = lists.kth_and_count_lanes(i, &rows, k, n).unwrap();
                    // every instruction set's build of the scan gives the same
                    let (ids, dist) = lists.of(i);
                    let scanned = scan_lanes(ids, dist, &rows, &rows[i].0, k);
                    assert_eq!(
                        scanned,
                        with_k!(k, K => Some(scan_lanes_k::<K>(ids, dist, &rows, &rows[i].0)), else None)
                    );
                    #[cfg(target_arch = "x86_64")]
                    if std::arch::is_x86_feature_detected!("avx2") {
                        // SAFETY: the CPU has the feature
                        assert_eq!(scanned, unsafe { scan_lanes_avx2(ids, dist, &rows, &rows[i].0, k) });
                    }
                    for (l, answer) in answers.into_iter().enumerate() {
                        let kth = joint[l][k - 1];
                        match answer {
                            Ok((eps, c)) => {
                                answered += 1;
                                assert_eq!(eps, kth, "n={n} i={i} k={k} lane {l}");
                                assert_eq!(
                                    c,
                                    (0..n).filter(|&j| j != i && d2(j) < eps).count(),
                                    "n={n} i={i} k={k} lane {l}"
                                );
                            }
                            Err(bound) => {
                                // a bound reached by k samples, past the list
                                assert!(!lists.complete(n) && bound >= kth && bound > *lists.of(i).1.last().unwrap());
                            }
                        }
                    }
                }
            }
            assert!(lists.kth_and_count_lanes(0, &rows, MAX_K + 1, n).is_none());
            assert!(answered > 0);
        }
    }
}
