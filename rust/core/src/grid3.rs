//! A rank-quantile grid for k-nearest-neighbour search in three dimensions
//! under the max norm: the joint space of a history-1 transfer entropy
//! (source past, target next, target past).
//!
//! The same idea as `grid.rs` one dimension up: each column's values are cut
//! into g blocks of equal count, so the g³ cells follow the data's copula
//! and hold a point or two each wherever the data are, and the build is a
//! counting sort once the columns are sorted (the marginal counters already
//! hold those orders) instead of a k-d tree's O(n log n) row moves. The
//! search scans rings of cells of growing Chebyshev cell-distance around
//! the query's cell; within a ring, a line of cells (fixed blocks in columns
//! 0 and 1) is skipped when its lower bound cannot beat the current k-th
//! distance. The grid idea for fixed-radius and k-NN search goes back to
//! J. L. Bentley, B. W. Weide, A. C. Yao, "Optimal expected-time algorithms
//! for closest point problems", ACM TOMS 6, 563 (1980).
//!
//! Exactness: a point outside the (2r+1)³ cells around the query's cell lies,
//! in some column c, in a block beyond the ring, so its value is at most
//! `hi[c][b − r − 1]` (or at least `lo[c][b + r + 1]`) and its distance is at
//! least fl(q_c − hi[..]) (or fl(lo[..] − q_c)) by monotone rounding; the
//! same bound, from a line's own blocks, justifies skipping a line. Only
//! candidates strictly closer than the k-th distance are kept (as in the
//! tree), so once the k-th distance is at most the bound, the k distances
//! found are exact.

use crate::boxgrid::quantile_blocks;
use crate::kdtree::{kth, sortable, Neighbours};

/// Points per cell on average: 1–2 keeps the first ring (27 cells) small
/// while it holds the k-th neighbour for k of a few (0.5 and 3 measured
/// slower on TE data, `knn_timing -- 100000 stages`).
const POINTS_PER_CELL: f64 = 1.5;

pub struct Grid3 {
    g: usize,
    lo: [Vec<f64>; 3],
    hi: [Vec<f64>; 3],
    /// CSR over cells, cell (b0, b1, b2) at (b0·g + b1)·g + b2
    start: Vec<u32>,
    pts: Vec<[f64; 3]>,
    ids: Vec<u32>,
    pos: Vec<u32>,
    block: Vec<[u16; 3]>,
}

// Per-column gap from q to the values [lo, hi], 0 inside: fl(lo − q) or
// fl(q − hi), the floats a point at the block's edge would give.
#[inline(always)]
fn gap(q: f64, lo: f64, hi: f64) -> f64 {
    (lo - q).max(q - hi).max(0.0)
}

impl Grid3 {
    pub fn new(cols: [&[f64]; 3]) -> Self {
        let order = |col: &[f64]| {
            let mut keys: Vec<(u64, u32)> = col.iter().enumerate().map(|(i, &v)| (sortable(v), i as u32)).collect();
            keys.sort_unstable();
            keys.into_iter().map(|k| k.1).collect::<Vec<u32>>()
        };
        let (o0, (o1, o2)) = rayon::join(|| order(cols[0]), || rayon::join(|| order(cols[1]), || order(cols[2])));
        Self::from_orders(cols, [&o0, &o1, &o2])
    }

    /// Build from the columns and their ascending orders (ids by value; any
    /// order of tied values will do).
    pub fn from_orders(cols: [&[f64]; 3], orders: [&[u32]; 3]) -> Self {
        let n = cols[0].len();
        let g = (((n as f64) / POINTS_PER_CELL).cbrt().ceil() as usize).clamp(1, n.max(1));
        let qb = |c: usize| quantile_blocks(cols[c], orders[c], g);
        let (b0, (b1, b2)) = rayon::join(|| qb(0), || rayon::join(|| qb(1), || qb(2)));
        let cell = |i: usize| (b0.0[i] as usize * g + b1.0[i] as usize) * g + b2.0[i] as usize;
        let mut start = vec![0u32; g * g * g + 1];
        for i in 0..n {
            start[cell(i) + 1] += 1;
        }
        for c in 0..g * g * g {
            start[c + 1] += start[c];
        }
        let mut fill = start.clone();
        let mut pts = vec![[0.0; 3]; n];
        let mut ids = vec![0u32; n];
        let mut pos = vec![0u32; n];
        let mut block = vec![[0u16; 3]; n];
        for i in 0..n {
            let c = cell(i);
            let p = fill[c] as usize;
            fill[c] += 1;
            pts[p] = [cols[0][i], cols[1][i], cols[2][i]];
            ids[p] = i as u32;
            pos[i] = p as u32;
            block[p] = [b0.0[i], b1.0[i], b2.0[i]];
        }
        Grid3 { g, lo: [b0.1, b1.1, b2.1], hi: [b0.2, b1.2, b2.2], start, pts, ids, pos, block }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    #[inline]
    pub fn original(&self, p: u32) -> usize {
        self.ids[p as usize] as usize
    }
    #[inline]
    pub fn position(&self, i: usize) -> u32 {
        self.pos[i]
    }
    #[inline]
    pub fn point(&self, p: u32) -> &[f64; 3] {
        &self.pts[p as usize]
    }

    /// Mean number of points sharing a cell with a point: about 1–3 for a
    /// smooth copula, growing with n when the data concentrate near a curve
    /// or surface, where the k-d tree is the better choice.
    pub fn crowding(&self) -> f64 {
        let n = self.ids.len().max(1) as f64;
        self.start.windows(2).map(|w| ((w[1] - w[0]) as f64).powi(2)).sum::<f64>() / n
    }

    /// The k nearest neighbours (max norm) of the point at cell-order
    /// position `p`, as (distance, position), ascending, skipping positions
    /// for which `skip` is true (the caller skips p itself).
    pub fn knn<F: Fn(u32) -> bool>(&self, p: u32, k: usize, skip: &F, out: &mut Neighbours) {
        out.clear();
        if k == 0 {
            return;
        }
        let q = self.pts[p as usize];
        let b = self.block[p as usize];
        let bq = [b[0] as isize, b[1] as isize, b[2] as isize];
        let g = self.g as isize;
        let gap_at = |c: usize, blk: isize| gap(q[c], self.lo[c][blk as usize], self.hi[c][blk as usize]);

        // Rings 0 and 1 together, as the 3×3 lines of cells along column 2,
        // nearest line first: the k-th distance then drops early, and the
        // farther lines (and the far cells of a line) are mostly skipped.
        let mut lines = [(0.0f64, 0usize); 9];
        let mut nl = 0;
        for c0 in (bq[0] - 1).max(0)..=(bq[0] + 1).min(g - 1) {
            let g0 = gap_at(0, c0);
            for c1 in (bq[1] - 1).max(0)..=(bq[1] + 1).min(g - 1) {
                let bound = g0.max(gap_at(1, c1));
                let mut at = nl;
                while at > 0 && lines[at - 1].0 > bound {
                    lines[at] = lines[at - 1];
                    at -= 1;
                }
                lines[at] = (bound, (c0 as usize * self.g + c1 as usize) * self.g);
                nl += 1;
            }
        }
        let (z_lo, z_hi) = (bq[2] >= 1, bq[2] + 1 < g);
        let gz_lo = if z_lo { gap_at(2, bq[2] - 1) } else { f64::INFINITY };
        let gz_hi = if z_hi { gap_at(2, bq[2] + 1) } else { f64::INFINITY };
        let bz = bq[2] as usize;
        for &(bound, line) in &lines[..nl] {
            let worst = kth(out, k);
            if !(bound < worst) {
                break; // lines are in ascending bound
            }
            let z0 = if gz_lo < worst { bz - 1 } else { bz };
            let z1 = if gz_hi < worst { bz + 1 } else { bz };
            self.scan(line + z0, line + z1, &q, k, skip, out);
        }

        let mut r: isize = 1;
        loop {
            if (0..3).all(|c| bq[c] - r <= 0 && bq[c] + r >= g - 1) {
                return; // every cell seen
            }
            if out.len() == k {
                let worst = out[k - 1].0;
                let mut bound = f64::INFINITY;
                let nb = r + 1;
                for c in 0..3 {
                    if bq[c] - nb >= 0 {
                        bound = bound.min(q[c] - self.hi[c][(bq[c] - nb) as usize]);
                    }
                    if bq[c] + nb < g {
                        bound = bound.min(self.lo[c][(bq[c] + nb) as usize] - q[c]);
                    }
                }
                if worst <= bound {
                    return;
                }
            }
            r += 1;
            // cells at Chebyshev cell-distance exactly r
            let (z0, z1) = ((bq[2] - r).max(0) as usize, (bq[2] + r).min(g - 1) as usize);
            for c0 in (bq[0] - r).max(0)..=(bq[0] + r).min(g - 1) {
                let g0 = gap_at(0, c0);
                if !(g0 < kth(out, k)) {
                    continue;
                }
                let edge0 = (c0 - bq[0]).abs() == r;
                for c1 in (bq[1] - r).max(0)..=(bq[1] + r).min(g - 1) {
                    if !(g0.max(gap_at(1, c1)) < kth(out, k)) {
                        continue;
                    }
                    let line = (c0 as usize * self.g + c1 as usize) * self.g;
                    if edge0 || (c1 - bq[1]).abs() == r {
                        self.scan(line + z0, line + z1, &q, k, skip, out);
                    } else {
                        // interior line of the ring: only its two end cells are new
                        if bq[2] - r >= 0 {
                            self.scan(line + z0, line + z0, &q, k, skip, out);
                        }
                        if bq[2] + r < g {
                            self.scan(line + z1, line + z1, &q, k, skip, out);
                        }
                    }
                }
            }
        }
    }

    /// Scan cells first..=last (consecutive in the CSR layout).
    #[inline]
    fn scan<F: Fn(u32) -> bool>(&self, first: usize, last: usize, q: &[f64; 3], k: usize, skip: &F, out: &mut Neighbours) {
        let (mut s, e) = (self.start[first] as usize, self.start[last + 1] as usize);
        let dist = |p: &[f64; 3]| (p[0] - q[0]).abs().max((p[1] - q[1]).abs()).max((p[2] - q[2]).abs());
        // filling up: every candidate not skipped is kept
        while out.len() < k && s < e {
            if !skip(s as u32) {
                insert(out, k, dist(&self.pts[s]), s as u32);
            }
            s += 1;
        }
        if s == e {
            return;
        }
        // full: only a candidate strictly closer than the k-th is kept, a
        // branch that is rarely taken once the list is good
        let mut worst = out[k - 1].0;
        for (t, p) in (s..e).zip(&self.pts[s..e]) {
            let d = dist(p);
            if d < worst && !skip(t as u32) {
                insert(out, k, d, t as u32);
                worst = out[k - 1].0;
            }
        }
    }
}

/// `offer` without the memmove call: k is a handful, so shifting by hand is
/// cheaper than the library's general copy.
#[inline(always)]
fn insert(out: &mut Neighbours, k: usize, dist: f64, t: u32) {
    if out.len() < k {
        out.push((dist, t));
    }
    let mut at = out.len() - 1;
    while at > 0 && out[at - 1].0 > dist {
        out[at] = out[at - 1];
        at -= 1;
    }
    out[at] = (dist, t);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((*seed >> 11) as f64) / ((1u64 << 53) as f64)
    }

    fn dist(a: &[f64; 3], b: &[f64; 3]) -> f64 {
        (a[0] - b[0]).abs().max((a[1] - b[1]).abs()).max((a[2] - b[2]).abs())
    }

    #[test]
    fn knn_matches_brute_force() {
        let mut s = 29u64;
        for &(n, quant) in &[(2usize, false), (3, true), (5, false), (50, true), (50, false), (400, true), (3000, false), (3000, true)] {
            let pts: Vec<[f64; 3]> = (0..n)
                .map(|_| {
                    let a = lcg(&mut s);
                    if quant {
                        [(a * 8.0).floor(), (a * 4.0 + lcg(&mut s) * 4.0).floor(), (lcg(&mut s) * 6.0).floor()]
                    } else {
                        [a.powi(3), a + 0.1 * lcg(&mut s), lcg(&mut s)]
                    }
                })
                .collect();
            let cols: Vec<Vec<f64>> = (0..3).map(|c| pts.iter().map(|p| p[c]).collect()).collect();
            let grid = Grid3::new([&cols[0], &cols[1], &cols[2]]);
            let mut out = Vec::new();
            for k in [1, 4] {
                let k = k.min(n - 1);
                for i in 0..n {
                    let p = grid.position(i);
                    assert_eq!(grid.original(p), i);
                    grid.knn(p, k, &|t| t == p, &mut out);
                    let mut all: Vec<f64> = (0..n).filter(|&j| j != i).map(|j| dist(&pts[i], &pts[j])).collect();
                    all.sort_by(f64::total_cmp);
                    let got: Vec<f64> = out.iter().map(|o| o.0).collect();
                    assert_eq!(got, all[..k].to_vec(), "n={n} i={i} k={k}");
                    for &(dd, t) in &out {
                        assert_eq!(dd, dist(&pts[i], &pts[grid.original(t)]));
                    }
                }
            }
        }
    }
}
