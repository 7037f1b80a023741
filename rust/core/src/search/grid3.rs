//! A rank-quantile grid for k-nearest-neighbour search in three dimensions
//! under the max norm: the joint space of a history-1 transfer entropy
//! (source past, target next, target past).
//!
//! The same idea as `grid.rs` one dimension up: each column's values are cut
//! into g blocks of equal count, so the g³ cells follow the data's copula
//! and hold a point or two each wherever the data are, and the build is a
//! counting sort once the columns are sorted (the marginal counters already
//! hold those orders) instead of a k-d tree's O(n log n) row moves. The
//! search grows a box of cells from the query's cell, one slab at a time on
//! the side whose unseen points are nearest; within a slab, a line of cells
//! (fixed blocks in columns 0 and 1) is skipped when its lower bound cannot
//! beat the current k-th distance. The grid idea for fixed-radius and k-NN
//! search goes back to J. L. Bentley, B. W. Weide, A. C. Yao, "Optimal
//! expected-time algorithms for closest point problems", ACM TOMS 6, 563
//! (1980).
//!
//! Exactness: a point outside the box of cells lies, in some column c, in a
//! block beyond the box, so its value is at most `hi[c][lo_c − 1]` (or at
//! least `lo[c][hi_c + 1]`) and its distance is at least fl(q_c − hi[..])
//! (or fl(lo[..] − q_c)) by monotone rounding; the same bound, from a line's
//! own blocks, justifies skipping a line. Only candidates strictly closer
//! than the k-th distance are kept (as in the tree), so once the k-th
//! distance is at most the smallest bound, the k distances found are exact.

use super::topk::{fmax, with_k, TopK};
use super::{crowding, gap, kth, quantile_blocks, sorted_order, split_at_cuts, Neighbours};
use rayon::prelude::*;

/// Points per cell on average: 1–2 keeps the searched box of cells small
/// while it holds the k-th neighbour for k of a few (0.5 and 3 search
/// slower on TE data).
const POINTS_PER_CELL: f64 = 1.5;

/// Samples from which the build's scatter runs in parallel parts.
const FILL_MIN: usize = 1 << 16;

pub struct Grid3 {
    g: usize,
    lo: [Vec<f64>; 3],
    hi: [Vec<f64>; 3],
    /// CSR over cells, cell (b0, b1, b2) at (b0·g + b1)·g + b2
    start: Vec<u32>,
    pts: Vec<[f64; 3]>,
    ids: Vec<u32>,
    block: Vec<[u16; 3]>,
}

impl Grid3 {
    pub fn new(cols: [&[f64]; 3]) -> Self {
        let (o0, (o1, o2)) =
            rayon::join(|| sorted_order(cols[0]), || rayon::join(|| sorted_order(cols[1]), || sorted_order(cols[2])));
        Self::from_orders(cols, [&o0, &o1, &o2])
    }

    /// Build from the columns and their ascending orders (ids by value; any
    /// order of tied values will do).
    pub fn from_orders(cols: [&[f64]; 3], orders: [&[u32]; 3]) -> Self {
        let parts = if cols[0].len() >= FILL_MIN { 2 * rayon::current_num_threads() } else { 1 };
        Self::from_orders_in_parts(cols, orders, parts)
    }

    fn from_orders_in_parts(cols: [&[f64]; 3], orders: [&[u32]; 3], parts: usize) -> Self {
        let n = cols[0].len();
        let g = (((n as f64) / POINTS_PER_CELL).cbrt().ceil() as usize).clamp(1, n.max(1));
        let qb = |c: usize| quantile_blocks(cols[c], orders[c], g);
        let (b0, (b1, b2)) = rayon::join(|| qb(0), || rayon::join(|| qb(1), || qb(2)));
        let cell = |i: usize| (b0.0[i] as usize * g + b1.0[i] as usize) * g + b2.0[i] as usize;
        let cells: Vec<u32> = (0..n).into_par_iter().with_min_len(FILL_MIN).map(|i| cell(i) as u32).collect();
        let mut start = vec![0u32; g * g * g + 1];
        for &c in &cells {
            start[c as usize + 1] += 1;
        }
        for c in 0..g * g * g {
            start[c + 1] += start[c];
        }
        // The scatter into the cells, memory bound at large n, in parts of
        // consecutive cells (disjoint runs of positions), each part reading
        // every sample's cell and placing its own: samples stay in id order
        // within a cell, as one sequential pass would place them.
        let first_cell: Vec<usize> =
            (0..=parts).map(|j| start.partition_point(|&s| (s as usize) < j * n / parts).min(g * g * g)).collect();
        let cuts: Vec<usize> = first_cell.iter().map(|&c| start[c] as usize).collect();
        let mut pts = vec![[0.0; 3]; n];
        let mut ids = vec![0u32; n];
        let mut block = vec![[0u16; 3]; n];
        let (pp, ip, bp) =
            (split_at_cuts(&mut pts, &cuts), split_at_cuts(&mut ids, &cuts), split_at_cuts(&mut block, &cuts));
        pp.into_par_iter().zip(ip).zip(bp).enumerate().for_each(|(j, ((pts, ids), block))| {
            let (c0, c1, base) = (first_cell[j], first_cell[j + 1], cuts[j]);
            let mut fill: Vec<u32> = start[c0..c1].iter().map(|&s| s - base as u32).collect();
            for (i, &c) in cells.iter().enumerate() {
                let c = c as usize;
                if (c0..c1).contains(&c) {
                    let f = &mut fill[c - c0];
                    let p = *f as usize;
                    *f += 1;
                    pts[p] = [cols[0][i], cols[1][i], cols[2][i]];
                    ids[p] = i as u32;
                    block[p] = [b0.0[i], b1.0[i], b2.0[i]];
                }
            }
        });
        Grid3 { g, lo: [b0.1, b1.1, b2.1], hi: [b0.2, b1.2, b2.2], start, pts, ids, block }
    }

    #[inline]
    pub fn original(&self, p: u32) -> usize {
        self.ids[p as usize] as usize
    }
    #[inline]
    pub fn point(&self, p: u32) -> &[f64; 3] {
        &self.pts[p as usize]
    }

    /// Mean number of points sharing a cell with a point: about 1–3 for a
    /// smooth copula, growing with n when the data concentrate near a curve
    /// or surface, where the k-d tree is the better choice.
    pub fn crowding(&self) -> f64 {
        crowding(&self.start, self.ids.len())
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
        let b = self.block[p as usize].map(|v| v as usize);
        let cell = (b[0] * self.g + b[1]) * self.g + b[2];
        let mut near = Keep { q, k, skip, out };
        near.scan(self, cell, cell);
        self.grow(&q, b, b, &mut near);
    }

    /// The k-th nearest-neighbour distance of the point at position `p`
    /// (itself excluded), for k in 1..=MAX_K (else None): all that
    /// algorithm 1 needs. As in the 2-D grid's shortcut, the k + 1 best
    /// distances (the query's own 0 among them) are kept by a branch-free
    /// insertion, first over the 3 x 3 x 3 block of cells around the query,
    /// which certifies about 94% of TE queries (the gap to the blocks two
    /// away); the rest grow that box on, as [`knn`](Self::knn) grows its box
    /// from the query's cell, keeping what the block found.
    pub fn kth_distance(&self, p: u32, k: usize) -> Option<f64> {
        with_k!(k, K => Some(self.kth_grow::<{ K + 1 }>(p)), else None)
    }

    #[inline(always)]
    fn kth_grow<const S: usize>(&self, p: u32) -> f64 {
        let q = self.pts[p as usize];
        let b = self.block[p as usize].map(|v| v as usize);
        let g = self.g;
        let (lo, hi) = (b.map(|v| v.saturating_sub(1)), b.map(|v| (v + 1).min(g - 1)));
        let mut near = Smallest { q, best: TopK::<S>::new(f64::INFINITY) };
        for c0 in lo[0]..=hi[0] {
            for c1 in lo[1]..=hi[1] {
                // cells (c0, c1, lo₂..=hi₂) are contiguous in the CSR layout
                let l = (c0 * g + c1) * g;
                near.scan(self, l + lo[2], l + hi[2]);
            }
        }
        self.grow(&q, lo, hi, &mut near);
        near.best.kth()
    }

    /// Grow the box of cells [lo_c, hi_c] per column around query `q`, whose
    /// cells `near` has seen, one slab at a time on the side whose unseen
    /// points are nearest, until `near`'s k-th distance is final: every
    /// unseen point lies beyond some side, at a distance of at least that
    /// side's gap (the values of the next block, by monotone rounding), so
    /// once the k-th distance is at most the smallest gap, no unseen point
    /// can be strictly closer. Within a new slab, a line of cells whose own
    /// blocks are already too far is skipped.
    #[inline(always)]
    fn grow<N: Nearest>(&self, q: &[f64; 3], mut lo: [usize; 3], mut hi: [usize; 3], near: &mut N) {
        let g = self.g;
        let line = |c0: usize, c1: usize| (c0 * g + c1) * g;
        let below = |c: usize, blk: usize| if blk > 0 { q[c] - self.hi[c][blk - 1] } else { f64::INFINITY };
        let above = |c: usize, blk: usize| if blk + 1 < g { self.lo[c][blk + 1] - q[c] } else { f64::INFINITY };
        let mut gaps =
            [below(0, lo[0]), above(0, hi[0]), below(1, lo[1]), above(1, hi[1]), below(2, lo[2]), above(2, hi[2])];
        let gap_at = |c: usize, blk: usize| gap(q[c], self.lo[c][blk], self.hi[c][blk]);
        loop {
            let mut side = 0;
            for s in 1..6 {
                if gaps[s] < gaps[side] {
                    side = s;
                }
            }
            let m = gaps[side];
            if m == f64::INFINITY || near.kth() <= m {
                return; // every cell seen, or no unseen point can be closer
            }
            let c = side / 2;
            let blk = if side % 2 == 0 {
                lo[c] -= 1;
                lo[c]
            } else {
                hi[c] += 1;
                hi[c]
            };
            gaps[side] = if side % 2 == 0 { below(c, blk) } else { above(c, blk) };
            if c < 2 {
                // a slab of lines along column 2
                let other = 1 - c;
                let gf = gap_at(c, blk);
                for o in lo[other]..=hi[other] {
                    if gf.max(gap_at(other, o)) < near.kth() {
                        let l = if c == 0 { line(blk, o) } else { line(o, blk) };
                        near.scan(self, l + lo[2], l + hi[2]);
                    }
                }
            } else {
                // a slab of single cells at column-2 block `blk`
                for c0 in lo[0]..=hi[0] {
                    let g0 = gap_at(0, c0);
                    for c1 in lo[1]..=hi[1] {
                        if g0.max(gap_at(1, c1)) < near.kth() {
                            let cell = line(c0, c1) + blk;
                            near.scan(self, cell, cell);
                        }
                    }
                }
            }
        }
    }

    /// Scan cells first..=last (consecutive in the CSR layout).
    #[inline]
    fn scan<F: Fn(u32) -> bool>(
        &self,
        first: usize,
        last: usize,
        q: &[f64; 3],
        k: usize,
        skip: &F,
        out: &mut Neighbours,
    ) {
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

/// What a box search keeps of the points it meets: the k nearest with
/// their positions ([`Grid3::knn`]), or only the k + 1 smallest distances
/// ([`Grid3::kth_distance`]).
trait Nearest {
    /// The k-th distance so far (∞ until k are kept).
    fn kth(&self) -> f64;
    /// Offer the points of cells first..=last (consecutive in the CSR layout).
    fn scan(&mut self, grid: &Grid3, first: usize, last: usize);
}

struct Keep<'a, F> {
    q: [f64; 3],
    k: usize,
    skip: &'a F,
    out: &'a mut Neighbours,
}

impl<F: Fn(u32) -> bool> Nearest for Keep<'_, F> {
    #[inline(always)]
    fn kth(&self) -> f64 {
        kth(self.out, self.k)
    }
    #[inline(always)]
    fn scan(&mut self, grid: &Grid3, first: usize, last: usize) {
        grid.scan(first, last, &self.q, self.k, self.skip, self.out);
    }
}

struct Smallest<const S: usize> {
    q: [f64; 3],
    best: TopK<S>,
}

impl<const S: usize> Nearest for Smallest<S> {
    #[inline(always)]
    fn kth(&self) -> f64 {
        self.best.kth()
    }
    #[inline(always)]
    fn scan(&mut self, grid: &Grid3, first: usize, last: usize) {
        let q = self.q;
        for pt in &grid.pts[grid.start[first] as usize..grid.start[last + 1] as usize] {
            self.best.push(fmax(fmax((pt[0] - q[0]).abs(), (pt[1] - q[1]).abs()), (pt[2] - q[2]).abs()));
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

    #[test]
    fn parallel_build_lays_out_as_sequential() {
        let mut s = 19u64;
        let n = 5000;
        // ties too (several samples to a cell, in id order)
        let cols: Vec<Vec<f64>> = (0..3).map(|_| (0..n).map(|_| (lcg(&mut s) * 300.0).floor()).collect()).collect();
        let orders: Vec<Vec<u32>> = cols.iter().map(|c| sorted_order(c)).collect();
        let build = |parts| {
            Grid3::from_orders_in_parts([&cols[0], &cols[1], &cols[2]], [&orders[0], &orders[1], &orders[2]], parts)
        };
        let one = build(1);
        for parts in [2, 3, 7] {
            let many = build(parts);
            assert_eq!(
                (&one.start, &one.pts, &one.ids, &one.block),
                (&many.start, &many.pts, &many.ids, &many.block),
                "parts={parts}"
            );
        }
    }

    use crate::testing::lcg;

    fn dist(a: &[f64; 3], b: &[f64; 3]) -> f64 {
        (a[0] - b[0]).abs().max((a[1] - b[1]).abs()).max((a[2] - b[2]).abs())
    }

    #[test]
    fn knn_matches_brute_force() {
        let mut s = 29u64;
        for &(n, quant) in
            &[(2usize, false), (3, true), (5, false), (50, true), (50, false), (400, true), (3000, false), (3000, true)]
        {
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
            let mut position = vec![0u32; n];
            for t in 0..n as u32 {
                position[grid.original(t)] = t;
            }
            let mut out = Vec::new();
            for k in [1, 2, 3, 4, 5, 6, 7, 8] {
                let k = k.min(n - 1);
                for i in 0..n {
                    let p = position[i];
                    grid.knn(p, k, &|t| t == p, &mut out);
                    let mut all: Vec<f64> = (0..n).filter(|&j| j != i).map(|j| dist(&pts[i], &pts[j])).collect();
                    all.sort_by(f64::total_cmp);
                    let got: Vec<f64> = out.iter().map(|o| o.0).collect();
                    assert_eq!(got, all[..k].to_vec(), "n={n} i={i} k={k}");
                    for &(dd, t) in &out {
                        assert_eq!(dd, dist(&pts[i], &pts[grid.original(t)]));
                    }
                    assert_eq!(grid.kth_distance(p, k), Some(all[k - 1]), "k-th distance, n={n} i={i} k={k}");
                }
            }
            assert_eq!(grid.kth_distance(0, super::super::topk::MAX_K + 1), None);
        }
    }
}
