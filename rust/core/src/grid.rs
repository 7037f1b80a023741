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

use crate::kdtree::{kth, offer, sortable, Neighbours};

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
    /// original id -> position in cell order
    pos: Vec<u32>,
    /// cell-order position -> its cell's block in each column
    block: Vec<[u32; 2]>,
}

impl Grid {
    /// Build from the two columns `x`, `y` (length n each).
    pub fn new(x: &[f64], y: &[f64]) -> Self {
        let order = |col: &[f64]| {
            let mut keys: Vec<(u64, u32)> = col.iter().enumerate().map(|(i, &v)| (sortable(v), i as u32)).collect();
            keys.sort_unstable();
            keys.into_iter().map(|k| k.1).collect::<Vec<u32>>()
        };
        let (ox, oy) = rayon::join(|| order(x), || order(y));
        Self::from_orders(x, y, &ox, &oy)
    }

    /// Build from the columns and their ascending orders (sample ids by
    /// value, as the marginal counters already hold them).
    pub fn from_orders(x: &[f64], y: &[f64], order_x: &[u32], order_y: &[u32]) -> Self {
        let n = x.len();
        let g = ((n as f64 / 2.0).sqrt().ceil() as usize).max(1);
        let mut lo = [vec![f64::INFINITY; g], vec![f64::INFINITY; g]];
        let mut hi = [vec![f64::NEG_INFINITY; g], vec![f64::NEG_INFINITY; g]];
        let mut block = vec![[0u32; 2]; n];
        for (c, (col, order)) in [(x, order_x), (y, order_y)].into_iter().enumerate() {
            for (rank, &i) in order.iter().enumerate() {
                let b = rank * g / n;
                let v = col[i as usize];
                block[i as usize][c] = b as u32;
                lo[c][b] = lo[c][b].min(v);
                hi[c][b] = hi[c][b].max(v);
            }
        }
        // counting sort of the points by cell
        let mut start = vec![0u32; g * g + 1];
        for b in &block {
            start[b[0] as usize * g + b[1] as usize + 1] += 1;
        }
        for c in 0..g * g {
            start[c + 1] += start[c];
        }
        let mut fill = start.clone();
        let mut pts = vec![[0.0; 2]; n];
        let mut ids = vec![0u32; n];
        let mut pos = vec![0u32; n];
        let mut blk = vec![[0u32; 2]; n];
        for i in 0..n {
            let cell = block[i][0] as usize * g + block[i][1] as usize;
            let p = fill[cell] as usize;
            fill[cell] += 1;
            pts[p] = [x[i], y[i]];
            ids[p] = i as u32;
            pos[i] = p as u32;
            blk[p] = block[i];
        }
        Grid { g, lo, hi, start, pts, ids, pos, block: blk }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
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
    /// position `p`, as (distance, position), skipping positions for which
    /// `skip` is true (the caller skips p itself).
    pub fn knn<F: Fn(u32) -> bool>(&self, p: u32, k: usize, skip: &F, out: &mut Neighbours) {
        out.clear();
        if k == 0 {
            return;
        }
        let q = self.pts[p as usize];
        let b = self.block[p as usize];
        let (bx, by) = (b[0] as isize, b[1] as isize);
        let g = self.g as isize;
        let mut r: isize = 0;
        loop {
            // cells at Chebyshev cell-distance exactly r
            let (x0, x1) = ((bx - r).max(0), (bx + r).min(g - 1));
            for cx in x0..=x1 {
                let edge_x = (cx - bx).abs() == r;
                let (y0, y1) = ((by - r).max(0), (by + r).min(g - 1));
                if edge_x {
                    self.scan(cx as usize, y0 as usize, y1 as usize, &q, k, skip, out);
                } else {
                    if by - r >= 0 {
                        self.scan(cx as usize, (by - r) as usize, (by - r) as usize, &q, k, skip, out);
                    }
                    if r > 0 && by + r < g {
                        self.scan(cx as usize, (by + r) as usize, (by + r) as usize, &q, k, skip, out);
                    }
                }
            }
            if bx - r <= 0 && by - r <= 0 && bx + r >= g - 1 && by + r >= g - 1 {
                return; // every cell seen
            }
            if out.len() == k {
                let worst = out[k - 1].0;
                let mut gap = f64::INFINITY;
                let nb = r + 1;
                for (c, &bc) in [bx, by].iter().enumerate() {
                    if bc - nb >= 0 {
                        gap = gap.min(q[c] - self.hi[c][(bc - nb) as usize]);
                    }
                    if bc + nb < g {
                        gap = gap.min(self.lo[c][(bc + nb) as usize] - q[c]);
                    }
                }
                if worst <= gap {
                    return;
                }
            }
            r += 1;
        }
    }

    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn scan<F: Fn(u32) -> bool>(&self, cx: usize, y0: usize, y1: usize, q: &[f64; 2], k: usize, skip: &F, out: &mut Neighbours) {
        // cells (cx, y0..=y1) are contiguous in the CSR layout
        let s = self.start[cx * self.g + y0];
        let e = self.start[cx * self.g + y1 + 1];
        for t in s..e {
            let p = &self.pts[t as usize];
            let dist = (p[0] - q[0]).abs().max((p[1] - q[1]).abs());
            if (dist < kth(out, k) || out.len() < k) && !skip(t) {
                offer(out, k, dist, t);
            }
        }
    }

    /// Mean number of points sharing a cell with a point: Σ_cells count² / n.
    /// About 2–4 for data with a smooth copula; it grows like √n when the
    /// data concentrate on a curve (|correlation| → 1), where the grid's
    /// search cost would grow with it and the k-d tree is the better choice.
    pub fn crowding(&self) -> f64 {
        let n = self.ids.len().max(1) as f64;
        self.start.windows(2).map(|w| ((w[1] - w[0]) as f64).powi(2)).sum::<f64>() / n
    }

    /// Position in cell order of original point `i`.
    #[inline]
    pub fn position(&self, i: usize) -> u32 {
        self.pos[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((*seed >> 11) as f64) / ((1u64 << 53) as f64)
    }

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
            let x: Vec<f64> = (0..n).map(|_| if quant { (lcg(&mut s) * 10.0).floor() } else { lcg(&mut s).powi(3) }).collect();
            let y: Vec<f64> = x.iter().map(|v| if quant { (v + lcg(&mut s) * 5.0).floor() } else { v + 0.1 * lcg(&mut s) }).collect();
            let grid = Grid::new(&x, &y);
            let mut out = Vec::new();
            for i in 0..n {
                let k = 4.min(n - 1);
                let p = grid.position(i);
                grid.knn(p, k, &|t| t == p, &mut out);
                let mut all: Vec<f64> =
                    (0..n).filter(|&j| j != i).map(|j| (x[i] - x[j]).abs().max((y[i] - y[j]).abs())).collect();
                all.sort_by(f64::total_cmp);
                let got: Vec<f64> = out.iter().map(|o| o.0).collect();
                assert_eq!(got, all[..k].to_vec(), "n={n} i={i}");
                for &(dd, t) in &out {
                    let j = grid.original(t);
                    assert_eq!(dd, (x[i] - x[j]).abs().max((y[i] - y[j]).abs()));
                }
            }
        }
    }
}
