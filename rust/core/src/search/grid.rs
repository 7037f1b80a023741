//! A rank-quantile grid for k-nearest-neighbour search in two dimensions
//! under the max norm: the search structure of the most common k-NN job, the
//! joint space of a 1-D/1-D mutual information.
//!
//! Why not the k-d tree here: a tree build moves every row once per level
//! (17 levels at n = 10⁶), which costs more than all the queries together.
//! The grid is built in O(n) by a counting sort once the two columns are
//! sorted (which the marginal counts need anyway): column c's values are cut
//! into g blocks of equal count, so cells follow the data's copula and hold
//! about two points each wherever the data are.
//!
//! Exactness: a point outside the (2r+1)² block of cells around the query's
//! cell lies, in some column c, in a block beyond the ring, so its value is
//! at most `hi[c][b − r − 1]` (or at least `lo[c][b + r + 1]`), and its
//! distance is at least fl(q_c − hi[..]) (or fl(lo[..] − q_c)) by monotone
//! rounding. Once the k-th distance is at most that gap, no point outside
//! can be strictly closer, so the k-th distance found is exact.

use super::sorted::Sorted1D;
use super::topk::{fmax, with_k, TopK};
use super::{crowding, gap_beyond_ring, split_at_cuts, Neighbours};
use rayon::prelude::*;

/// Column-0 blocks per band, and cells per tile side, of the query order.
pub const BAND: usize = 16;

pub struct Grid {
    g: usize,
    /// per column, per block: smallest and largest value in the block
    lo: [Vec<f64>; 2],
    hi: [Vec<f64>; 2],
    /// CSR over cells (row-major, column 0 block major): cell -> [start, end)
    start: Vec<u32>,
    /// points in cell order: coordinates and original ids
    pts: Vec<[f64; 2]>,
    ids: Vec<u32>,
    /// cell-order position -> its cell's block in each column
    block: Vec<[u32; 2]>,
}

impl Grid {
    /// Build from the two columns `x`, `y` (length n each).
    pub fn new(x: &[f64], y: &[f64]) -> Self {
        let (sx, sy) = rayon::join(|| Sorted1D::from_slice(x), || Sorted1D::from_slice(y));
        Self::from_sorted(&sx, &sy)
    }

    /// Build from the two columns' sorted copies (as the marginal counters
    /// already hold them).
    ///
    /// Block b of a column holds the ranks r with ⌊r·g/n⌋ = b, i.e. ranks
    /// ⌈b·n/g⌉ .. ⌈(b+1)·n/g⌉. Cells are laid out column-0-block major, so
    /// the points of column-0 block b occupy exactly that rank range in cell
    /// order: each such row of cells is counting-sorted by its column-1
    /// blocks independently, in parallel.
    pub fn from_sorted(sx: &Sorted1D, sy: &Sorted1D) -> Self {
        let n = sx.len();
        let g = ((n as f64 / 2.0).sqrt().ceil() as usize).clamp(1, n.max(1));
        let first: Vec<usize> = (0..=g).map(|b| (b * n).div_ceil(g)).collect();
        let bounds =
            |vals: &[f64]| -> (Vec<f64>, Vec<f64>) { (0..g).map(|b| (vals[first[b]], vals[first[b + 1] - 1])).unzip() };
        let ((lo0, hi0), (lo1, hi1)) =
            if n == 0 { ((vec![], vec![]), (vec![], vec![])) } else { (bounds(sx.values()), bounds(sy.values())) };
        let mut start = vec![0u32; g * g + 1];
        start[g * g] = n as u32;
        let mut pts = vec![[0.0; 2]; n];
        let mut ids = vec![0u32; n];
        let mut block = vec![[0u32; 2]; n];
        let (order_x, vals_x, rank_y, vals_y) = (sx.order(), sx.values(), sy.ranks(), sy.values());
        start[..g * g]
            .par_chunks_mut(g)
            .zip(split_at_cuts(&mut pts, &first))
            .zip(split_at_cuts(&mut ids, &first))
            .zip(split_at_cuts(&mut block, &first))
            .enumerate()
            .for_each(|(bx, (((st, pts), ids), block))| {
                let ranks = first[bx]..first[bx + 1];
                // each point's rank in column 1, read once (a random access);
                // its values come from the sorted copies, column 0's in order
                let ry: Vec<u32> = order_x[ranks.clone()].iter().map(|&i| rank_y[i as usize]).collect();
                let by = |r: u32| (r as usize * g / n) as u32;
                let mut fill = vec![0u32; g + 1];
                for &r in &ry {
                    fill[by(r) as usize + 1] += 1;
                }
                for b in 0..g {
                    fill[b + 1] += fill[b];
                    st[b] = first[bx] as u32 + fill[b];
                }
                for ((&i, &xv), &r) in order_x[ranks.clone()].iter().zip(&vals_x[ranks]).zip(&ry) {
                    let b = by(r);
                    let p = fill[b as usize] as usize;
                    fill[b as usize] += 1;
                    pts[p] = [xv, vals_y[r as usize]];
                    ids[p] = i;
                    block[p] = [bx as u32, b];
                }
            });
        Grid { g, lo: [lo0, lo1], hi: [hi0, hi1], start, pts, ids, block }
    }

    /// Original id of the point at cell-order position `p`.
    #[inline]
    pub fn original(&self, p: u32) -> usize {
        self.ids[p as usize] as usize
    }
    #[inline]
    pub fn point(&self, p: u32) -> &[f64; 2] {
        &self.pts[p as usize]
    }

    /// The k nearest neighbours (max norm) of the point at cell-order
    /// position `p`, as (distance, position) sorted by distance, skipping
    /// positions for which `skip` is true (the caller skips p itself). The
    /// caller guarantees at least k positions that are not skipped.
    pub fn knn<F: Fn(u32) -> bool>(&self, p: u32, k: usize, skip: &F, out: &mut Neighbours) {
        out.clear();
        if k == 0 {
            return;
        }
        // k slots, unfilled ones at infinite distance: the hot loop then
        // compares with out[k - 1] without checking how many are filled
        out.resize(k, (f64::INFINITY, u32::MAX));
        let q = self.pts[p as usize];
        let b = self.block[p as usize];
        let g = self.g;
        let best = &mut out[..];
        let mut worst = f64::INFINITY;
        // Grow a rectangle of cells [x0, x1] x [y0, y1] from the query's
        // own cell, one strip at a time on the side whose unseen points are
        // nearest: every unseen point lies beyond some side, at a distance
        // of at least that side's gap (the values of the next block, by
        // monotone rounding), so once the k-th distance is at most the
        // smallest gap, no unseen point is strictly closer. Growing the
        // nearest side first keeps the scanned area close to the k-NN ball
        // even where cells are far from square.
        let (mut x0, mut x1, mut y0, mut y1) = (b[0] as usize, b[0] as usize, b[1] as usize, b[1] as usize);
        self.scan(x0, y0, y1, &q, skip, best, &mut worst);
        let gap_lo = |c: usize, blk: usize| if blk > 0 { q[c] - self.hi[c][blk - 1] } else { f64::INFINITY };
        let gap_hi = |c: usize, blk: usize| if blk + 1 < g { self.lo[c][blk + 1] - q[c] } else { f64::INFINITY };
        let mut gaps = [gap_lo(0, x0), gap_hi(0, x1), gap_lo(1, y0), gap_hi(1, y1)];
        loop {
            let mut side = 0;
            for s in 1..4 {
                if gaps[s] < gaps[side] {
                    side = s;
                }
            }
            let m = gaps[side];
            if m == f64::INFINITY || worst <= m {
                return; // every cell seen, or no unseen point can be closer
            }
            match side {
                0 => {
                    x0 -= 1;
                    self.scan(x0, y0, y1, &q, skip, best, &mut worst);
                    gaps[0] = gap_lo(0, x0);
                }
                1 => {
                    x1 += 1;
                    self.scan(x1, y0, y1, &q, skip, best, &mut worst);
                    gaps[1] = gap_hi(0, x1);
                }
                2 => {
                    y0 -= 1;
                    for cx in x0..=x1 {
                        self.scan(cx, y0, y0, &q, skip, best, &mut worst);
                    }
                    gaps[2] = gap_lo(1, y0);
                }
                _ => {
                    y1 += 1;
                    for cx in x0..=x1 {
                        self.scan(cx, y1, y1, &q, skip, best, &mut worst);
                    }
                    gaps[3] = gap_hi(1, y1);
                }
            }
        }
    }

    /// The k-th nearest-neighbour distance of the point at position `p`
    /// (itself excluded) when the 3 x 3 block of cells around it certifies
    /// it, else None (the caller then runs [`knn`](Self::knn)). Algorithm 1
    /// needs only this distance, so the k best are kept as plain distances
    /// by a branch-free insertion, and the three runs of cells are scanned
    /// without the rectangle's bookkeeping: most queries end here.
    pub fn kth_distance_3x3(&self, p: u32, k: usize) -> Option<f64> {
        // S = k + 1 slots: see kth_3x3
        with_k!(k, K => self.kth_3x3::<{ K + 1 }>(p), else None)
    }

    /// [`kth_distance_3x3`](Self::kth_distance_3x3) for k = S − 1. The
    /// query is scanned with the others: its distance 0 is the smallest of
    /// all, so the S-th smallest distance with it is the k-th without it,
    /// duplicates included, and the hot loop needs no test for it.
    #[inline(always)]
    fn kth_3x3<const S: usize>(&self, p: u32) -> Option<f64> {
        let q = self.pts[p as usize];
        let b = self.block[p as usize];
        let g = self.g;
        let (bx, by) = (b[0] as usize, b[1] as usize);
        let mut best = TopK::<S>::new(f64::INFINITY);
        let (y0, y1) = (by.saturating_sub(1), (by + 1).min(g - 1));
        for cx in bx.saturating_sub(1)..=(bx + 1).min(g - 1) {
            let s = self.start[cx * g + y0] as usize;
            let e = self.start[cx * g + y1 + 1] as usize;
            for pt in &self.pts[s..e] {
                best.push(fmax((pt[0] - q[0]).abs(), (pt[1] - q[1]).abs()));
            }
        }
        let worst = best.kth();
        let gap = gap_beyond_ring(&q, [bx, by], &self.lo, &self.hi, g);
        (worst <= gap && worst < f64::INFINITY).then_some(worst)
    }

    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn scan<F: Fn(u32) -> bool>(
        &self,
        cx: usize,
        y0: usize,
        y1: usize,
        q: &[f64; 2],
        skip: &F,
        best: &mut [(f64, u32)],
        worst: &mut f64,
    ) {
        // cells (cx, y0..=y1) are contiguous in the CSR layout
        let s = self.start[cx * self.g + y0] as usize;
        let e = self.start[cx * self.g + y1 + 1] as usize;
        let k = best.len();
        for (t, p) in (s..e).zip(&self.pts[s..e]) {
            let dist = (p[0] - q[0]).abs().max((p[1] - q[1]).abs());
            if dist < *worst && !skip(t as u32) {
                // insertion into the sorted k slots; among equal distances
                // the one seen first stays first
                let mut at = k - 1;
                while at > 0 && best[at - 1].0 > dist {
                    best[at] = best[at - 1];
                    at -= 1;
                }
                best[at] = (dist, t as u32);
                *worst = best[k - 1].0;
            }
        }
    }

    /// Cell-order positions cutting the grid into bands of [`BAND`]
    /// column-0 blocks (first 0, last n): contiguous position ranges that
    /// are visited tile by tile (see [`visit_band`](Self::visit_band)).
    pub fn band_cuts(&self) -> Vec<usize> {
        let g = self.g;
        let mut cuts: Vec<usize> = (0..g).step_by(BAND).map(|bx| self.start[bx * g] as usize).collect();
        cuts.push(self.ids.len());
        cuts
    }

    /// The positions of band `b` in tile order: BAND x BAND blocks of cells
    /// at a time. Queries in a tile have nearby values in both columns, so
    /// the marginal counts that follow each query stay within a small part
    /// of both sorted columns (cell order alone sweeps the whole column-1
    /// range once per column-0 block).
    pub fn visit_band(&self, b: usize, out: &mut Vec<u32>) {
        out.clear();
        let g = self.g;
        let (bx0, bx1) = (b * BAND, ((b + 1) * BAND).min(g));
        for by0 in (0..g).step_by(BAND) {
            let by1 = (by0 + BAND).min(g);
            for bx in bx0..bx1 {
                out.extend(self.start[bx * g + by0]..self.start[bx * g + by1]);
            }
        }
    }

    /// Mean number of points sharing a cell with a point: Σ_cells count² / n.
    /// About 2–4 for data with a smooth copula; it grows like √n when the
    /// data concentrate on a curve (|correlation| → 1), where the grid's
    /// search cost would grow with it and the k-d tree is the better choice.
    pub fn crowding(&self) -> f64 {
        crowding(&self.start, self.ids.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::lcg;

    #[test]
    fn crowding_flags_data_on_a_curve() {
        let mut s = 3u64;
        let n = 4000;
        let x: Vec<f64> = (0..n).map(|_| lcg(&mut s)).collect();
        let spread: Vec<f64> = (0..n).map(|_| lcg(&mut s)).collect();
        let on_curve: Vec<f64> = x.iter().map(|v| v * v).collect();
        assert!(Grid::new(&x, &spread).crowding() < 8.0);
        assert!(Grid::new(&x, &on_curve).crowding() > 32.0);
    }

    #[test]
    fn knn_matches_brute_force() {
        let mut s = 17u64;
        for &(n, quant) in &[(2usize, false), (3, false), (50, true), (400, false), (2000, true), (3000, false)] {
            let x: Vec<f64> =
                (0..n).map(|_| if quant { (lcg(&mut s) * 10.0).floor() } else { lcg(&mut s).powi(3) }).collect();
            let y: Vec<f64> =
                x.iter().map(|v| if quant { (v + lcg(&mut s) * 5.0).floor() } else { v + 0.1 * lcg(&mut s) }).collect();
            let grid = Grid::new(&x, &y);
            let mut position = vec![0u32; n];
            for t in 0..n as u32 {
                position[grid.original(t)] = t;
            }
            let mut out = Vec::new();
            let mut certified = 0;
            for (i, k) in (0..n).zip([4, 1, 2, 3, 5, 6, 7, 8].into_iter().cycle()) {
                // every k the 3x3 shortcut is compiled for
                let k = k.min(n - 1);
                let p = position[i];
                grid.knn(p, k, &|t| t == p, &mut out);
                let mut all: Vec<f64> =
                    (0..n).filter(|&j| j != i).map(|j| (x[i] - x[j]).abs().max((y[i] - y[j]).abs())).collect();
                all.sort_by(f64::total_cmp);
                let got: Vec<f64> = out.iter().map(|o| o.0).collect();
                assert_eq!(got, all[..k].to_vec(), "n={n} i={i}");
                if let Some(e) = grid.kth_distance_3x3(p, k) {
                    assert_eq!(e, all[k - 1], "3x3 shortcut, n={n} i={i}");
                    certified += 1;
                }
                for &(dd, t) in &out {
                    let j = grid.original(t);
                    assert_eq!(dd, (x[i] - x[j]).abs().max((y[i] - y[j]).abs()));
                }
            }
            if n >= 400 {
                assert!(certified > n / 2, "the 3x3 shortcut certified only {certified} of {n}");
            }
        }
    }
}
