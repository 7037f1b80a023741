//! Exact blocked brute-force k-th neighbour distances under the Euclidean
//! norm (and its rescaled forms), for the Kozachenko–Leonenko entropy in
//! many dimensions, where a k-d tree visits most of its leaves anyway (see
//! `brute` for the max norm and the reasons).
//!
//! Layout and scan as in `brute`: points in groups of [`LANES`], each group
//! column by column; a unit of queries passes over the points a tile of
//! groups at a time; each query keeps its k smallest distances and skips a
//! group once every lane's partial distance exceeds its current k-th.
//!
//! Exactness: a distance is the fold of the metric's `step` over the
//! columns in order, `s ← s + fl(q_c − p_c)²` for [`Euclidean`], the same
//! floats the k-d tree compares (`Metric::step`, which its block scans fold
//! the same way; |fl(a − b)| = |fl(b − a)|, and Rust never contracts
//! `a + b·c` into a fused multiply-add). Partial sums of non-negative terms
//! never decrease under rounding to nearest, so a partial sum above the
//! current k-th bounds the full one and skipping never drops a point that
//! could enter the k best. The k-th smallest value is the same float
//! whichever of several tied points a search keeps, so the answer does not
//! depend on the scan order (nor on the thread count). Padding lanes hold
//! NaN and are never offered (a metric's `step` need not propagate NaN).
//!
//! [`Euclidean`]: super::kdtree::Euclidean

use super::brute::{Blocked, LANES};
use super::kdtree::Metric;
use crate::MatRef;

// The points are `brute`'s [`Blocked`] layout, whose 16 lanes suit this scan
// too: four 256-bit registers of f64 per column, four independent sums
// whose additions overlap (each waits on the previous column's). Measured
// against 8 lanes (n = 10⁴, k = 3, relative to the max-norm scan on a
// loaded host, noisy): 10-40% faster at 20 and 40 columns, slower at 8,
// below the Euclidean crossover.

/// Groups per tile: 256 points, 40 KiB at 20 columns, kept in L1/L2 while
/// every query of a unit passes over it.
const TILE: usize = 16;

/// Columns accumulated between two early-exit tests.
const STEP: usize = 8;

/// The partial distances (metric `M`) of the group `pts` from `q`, or
/// `None` once no lane can be below `bound`.
#[inline(always)]
fn group_dist<M: Metric>(pts: &[f64], q: &[f64], bound: f64) -> Option<[f64; LANES]> {
    let d = q.len();
    let mut s = [0.0f64; LANES];
    let mut c = 0;
    while c < d {
        let end = (c + STEP).min(d);
        for (col, &qv) in pts[c * LANES..end * LANES].chunks_exact(LANES).zip(&q[c..end]) {
            for l in 0..LANES {
                s[l] = M::step(s[l], qv, col[l]);
            }
        }
        c = end;
        let mut any = false;
        for &v in &s {
            any |= v < bound;
        }
        if !any {
            return None;
        }
    }
    Some(s)
}

/// Insert `v` into the ascending list `best` of fixed length, dropping its
/// last entry (the caller has checked that `v` is below it).
#[inline]
fn insert(best: &mut [f64], v: f64) {
    let mut at = best.len() - 1;
    while at > 0 && best[at - 1] > v {
        best[at] = best[at - 1];
        at -= 1;
    }
    best[at] = v;
}

impl Blocked {
    /// For each point `queries[q]` of this set, the k-th smallest distance
    /// (metric `M`, in its comparable form: squared for the Euclidean norms)
    /// to the other points, into `out[q]`; +inf if fewer than k are finite.
    /// `best` is scratch space.
    pub fn kth_block<M: Metric>(&self, queries: &[usize], k: usize, out: &mut [f64], best: &mut Vec<f64>) {
        assert!(k >= 1 && out.len() == queries.len());
        best.clear();
        best.resize(queries.len() * k, f64::INFINITY);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has the feature the function is compiled for
            unsafe { self.kth_block_avx512::<M>(queries, k, best) };
        } else if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has the feature the function is compiled for
            unsafe { self.kth_block_avx2::<M>(queries, k, best) };
        } else {
            self.kth_block_g::<M>(queries, k, best);
        }
        #[cfg(not(target_arch = "x86_64"))]
        self.kth_block_g::<M>(queries, k, best);
        for (o, b) in out.iter_mut().zip(best.chunks_exact(k)) {
            *o = b[k - 1];
        }
    }

    /// The same floats as the portable build: Rust never fuses a multiply
    /// and an add on its own, so the squares and sums round as they do there.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn kth_block_avx512<M: Metric>(&self, queries: &[usize], k: usize, best: &mut [f64]) {
        self.kth_block_g::<M>(queries, k, best)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn kth_block_avx2<M: Metric>(&self, queries: &[usize], k: usize, best: &mut [f64]) {
        self.kth_block_g::<M>(queries, k, best)
    }

    #[inline(always)]
    fn kth_block_g<M: Metric>(&self, queries: &[usize], k: usize, best: &mut [f64]) {
        let d = self.dim();
        let mut q = vec![0.0f64; d];
        let groups = self.groups();
        for t0 in (0..groups).step_by(TILE) {
            let tile = t0..(t0 + TILE).min(groups);
            for (&i, b) in queries.iter().zip(best.chunks_exact_mut(k)) {
                for (c, qc) in q.iter_mut().enumerate() {
                    *qc = self.coord(i, c);
                }
                let mut kth = b[k - 1];
                for g in tile.clone() {
                    let Some(s) = group_dist::<M>(self.group(g), &q, kth) else { continue };
                    for (l, &dist) in s.iter().enumerate() {
                        let j = g * LANES + l;
                        if dist < kth && j != i && j < self.len() {
                            insert(b, dist);
                            kth = b[k - 1];
                        }
                    }
                }
            }
        }
    }
}

/// The k-th smallest distance (metric `M`, comparable form) from row `i` of
/// the row-major matrix `m` to its other rows, by a plain scan: for the
/// rare queries whose distances leave the float range.
pub(crate) fn kth_scan<M: Metric>(m: MatRef<'_>, i: usize, k: usize) -> f64 {
    let mut best = vec![f64::INFINITY; k];
    let q = m.row(i);
    for j in (0..m.n).filter(|&j| j != i) {
        let dist = m.row(j).iter().zip(q).fold(0.0, |acc, (&p, &qc)| M::step(acc, qc, p));
        if dist < best[k - 1] {
            insert(&mut best, dist);
        }
    }
    best[k - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::kdtree::{Euclidean, EuclideanDown, EuclideanUp, KdTree, MaxNorm, MaxNormDown};
    use crate::testing::lcg;

    /// Naive oracle: every distance of the fold of `step`, sorted.
    fn naive_kth<M: Metric>(x: &[f64], d: usize, i: usize, k: usize) -> f64 {
        let n = x.len() / d;
        let mut all: Vec<f64> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (0..d).fold(0.0, |acc, c| M::step(acc, x[i * d + c], x[j * d + c])))
            .collect();
        all.sort_by(f64::total_cmp);
        all[k - 1]
    }

    /// Smooth, tied (a few levels), clustered, heavy-tailed (Cauchy), tiny
    /// and huge magnitudes (squares under- and overflow).
    fn data(kind: usize, n: usize, d: usize, s: &mut u64) -> Vec<f64> {
        (0..n * d)
            .map(|e| match kind {
                0 => lcg(s),
                1 => (lcg(s) * 4.0).floor(),
                2 => ((e / d) % 3) as f64 * 10.0 + 0.01 * lcg(s),
                3 => (std::f64::consts::PI * (lcg(s) - 0.5)).tan(),
                4 => lcg(s) * 1e-170,
                _ => lcg(s) * 1e160,
            })
            .collect()
    }

    fn check<M: Metric>(x: &[f64], n: usize, d: usize, what: &str) {
        let m = MatRef { data: x, n, d };
        let b = Blocked::new(m);
        let tree = KdTree::new(m);
        let (mut out, mut best, mut nbrs) = (Vec::new(), Vec::new(), Vec::new());
        for k in 1..=10.min(n - 1) {
            // two units, as the callers split the queries
            for unit in [(0..n / 2).collect::<Vec<_>>(), (n / 2..n).collect()] {
                out.resize(unit.len(), 0.0);
                b.kth_block::<M>(&unit, k, &mut out, &mut best);
                for (&i, &got) in unit.iter().zip(&out) {
                    let want = naive_kth::<M>(x, d, i, k);
                    assert_eq!(got.to_bits(), want.to_bits(), "{what} d={d} k={k} i={i}");
                    assert_eq!(kth_scan::<M>(m, i, k).to_bits(), want.to_bits(), "{what} scan d={d} k={k} i={i}");
                    let t = tree.position(i);
                    tree.knn_point::<M, _>(t, k, &|u| u == t, &mut nbrs);
                    // (the tree may prune points at an infinite distance, then holding fewer than k)
                    let tree_kth = nbrs.get(k - 1).map_or(f64::INFINITY, |p| p.0);
                    assert_eq!(tree_kth.to_bits(), want.to_bits(), "{what} tree d={d} k={k} i={i}");
                }
            }
        }
    }

    #[test]
    fn kth_matches_a_naive_oracle_and_the_tree() {
        let mut s = 11u64;
        for d in [2usize, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 20, 24, 31, 33, 40, 48, 64] {
            for kind in 0..6 {
                let n = 45 + 2 * d + kind;
                let x = data(kind, n, d, &mut s);
                check::<Euclidean>(&x, n, d, &format!("euclidean kind={kind}"));
                match kind {
                    4 => check::<EuclideanUp>(&x, n, d, "up"),
                    5 => check::<EuclideanDown>(&x, n, d, "down"),
                    _ => check::<MaxNorm>(&x, n, d, &format!("max kind={kind}")),
                }
            }
        }
        let x = [1.7e308, -1.7e308, 1.0, 2.0, -5.0, 1e300];
        check::<MaxNormDown>(&x, 6, 1, "max down");
        check::<EuclideanDown>(&x, 3, 2, "euclidean down");
    }

    #[test]
    fn exact_duplicates_give_a_zero_kth() {
        let x = [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 3.0, 4.0];
        let b = Blocked::new(MatRef { data: &x, n: 4, d: 2 });
        let mut out = vec![0.0; 4];
        b.kth_block::<Euclidean>(&[0, 1, 2, 3], 2, &mut out, &mut Vec::new());
        assert_eq!(out, [0.0, 0.0, 0.0, 8.0]);
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::search::kdtree::{Euclidean, MaxNorm};
    use crate::testing::lcg;

    #[test]
    #[ignore]
    fn time_kernels() {
        for (n, d) in [(10_000usize, 8usize), (10_000, 20), (10_000, 40)] {
            let mut s = 1u64;
            let x: Vec<f64> = (0..n * d).map(|_| lcg(&mut s) + lcg(&mut s) + lcg(&mut s)).collect();
            let m = MatRef { data: &x, n, d };
            let b = Blocked::new(m);
            let l2 = &b;
            for rep in 0..2 {
                let t0 = std::time::Instant::now();
                let mut out = Vec::new();
                let mut a = 0.0;
                for u in (0..n).step_by(256) {
                    b.knn_block(u..(u + 256).min(n), 3, &|i, j| i == j, &mut out);
                    a += out.iter().map(|o| o[2].0).sum::<f64>();
                }
                let t1 = t0.elapsed();
                let t0 = std::time::Instant::now();
                let (mut kth, mut best) = (vec![0.0; 256], Vec::new());
                let mut c = 0.0;
                for u in (0..n).step_by(256) {
                    let q: Vec<usize> = (u..(u + 256).min(n)).collect();
                    kth.resize(q.len(), 0.0);
                    l2.kth_block::<MaxNorm>(&q, 3, &mut kth, &mut best);
                    c += kth.iter().sum::<f64>();
                }
                let t2 = t0.elapsed();
                let t0 = std::time::Instant::now();
                for u in (0..n).step_by(256) {
                    let q: Vec<usize> = (u..(u + 256).min(n)).collect();
                    kth.resize(q.len(), 0.0);
                    l2.kth_block::<Euclidean>(&q, 3, &mut kth, &mut best);
                }
                let t3 = t0.elapsed();
                assert_eq!(a, c);
                println!(
                    "n={n} d={d} rep={rep} knn_block {t1:?} kth_block<MaxNorm> {t2:?} kth_block<Euclidean> {t3:?}"
                );
            }
        }
    }
}
