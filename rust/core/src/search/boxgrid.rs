//! Exact box counts in a two-dimensional counting space: the number of
//! samples j with |a_j − a_i| < r_a and |b_j − b_i| < r_b (`≤` for KSG
//! algorithm 2), the X∪Z and Y∪Z marginal counts of a history-1 transfer
//! entropy.
//!
//! Idea: a rank-quantile grid (each column cut into g blocks of equal count,
//! as in `grid.rs`) plus a summed-area table over its cells (F. C. Crow,
//! "Summed-area tables for texture mapping", SIGGRAPH 1984). In each column
//! the samples inside the radius form one interval of the sorted order, so
//! the blocks it meets are a run of blocks wholly inside, with at most one
//! partly-inside block at each end. The cells whose two blocks are both
//! wholly inside are counted in O(1) from the table; only the points of the
//! boundary strips are tested one by one. With cells of a point or two a
//! count of m points costs four short searches over the blocks, four table
//! reads and O(√m) point tests, with no tree descent; the build is a
//! counting sort, O(n) once the columns are sorted. Data near a curve crowd
//! the strips (about √n points each); the caller then uses the k-d tree.
//!
//! Exactness: the test of one column, fl(v − q) within r and fl(q − v)
//! within r, is monotone in v (float subtraction rounds monotonically), so a
//! block passes for all its values when it passes at its smallest and
//! largest value (`lo`, `hi`), and fails for all when it fails at either
//! end; both sides' tests together equal |fl(v − q)| within r, the test a
//! brute-force loop makes. Every counted point is thus one the brute force
//! counts, and every boundary point is tested with exactly that comparison.

use super::{crowding, partition_point_from, quantile_blocks, sorted_order, within};

/// Points per cell: smaller cells mean fewer boundary points to test but a
/// larger table (g² ≈ n / POINTS_PER_CELL); 0.5–2 perform alike on TE
/// data, 2 slightly ahead at n = 10⁴ and 10⁶. Each span search starts from
/// the query's own block: the radii vary too much from one query to the
/// next for the previous query's spans to be a better start.
const POINTS_PER_CELL: f64 = 2.0;

/// Blocks on each side of the query's own block that a span search tests
/// at once, without a branch per block (intervals of a few hundred points
/// reach a handful of blocks; wider ones gallop on from there).
const SPAN_WINDOW: usize = 8;

pub struct BoxGrid {
    g: usize,
    /// per column, per block: smallest value in the block, then
    /// [`SPAN_WINDOW`] +inf (blocks wholly right of every interval)
    lo: [Vec<f64>; 2],
    /// per column: [`SPAN_WINDOW`] −inf (blocks wholly left of every
    /// interval), then per block the largest value in the block
    hi: [Vec<f64>; 2],
    /// the points' values in the cells
    cells: Cells<[f64; 2]>,
    /// a-major position -> original id, and its blocks
    ids: Vec<u32>,
    block: Vec<[u16; 2]>,
    /// original id -> a-major position
    pos: Vec<u32>,
    /// both columns' ascending orders, kept so a joint search over the same
    /// columns need not sort them again
    orders: [Vec<u32>; 2],
}

impl BoxGrid {
    pub fn new(a: &[f64], b: &[f64]) -> Self {
        let (oa, ob) = rayon::join(|| sorted_order(a), || sorted_order(b));
        Self::from_orders(a, b, oa, ob)
    }

    /// Build from the two columns and their ascending orders (ids by value;
    /// any order of tied values will do).
    pub fn from_orders(a: &[f64], b: &[f64], order_a: Vec<u32>, order_b: Vec<u32>) -> Self {
        let n = a.len();
        let g = (((n as f64) / POINTS_PER_CELL).sqrt().ceil() as usize).clamp(1, n.max(1));
        // the passes below are scatters over n-sized arrays, memory bound at
        // large n: the independent ones run side by side
        let ((blk_a, lo_a, hi_a), (blk_b, lo_b, hi_b)) =
            rayon::join(|| quantile_blocks(a, &order_a, g), || quantile_blocks(b, &order_b, g));
        let mut ids = vec![0u32; n];
        let mut pos = vec![0u32; n];
        let mut block = vec![[0u16; 2]; n];
        let cells = Cells::new(
            n,
            g,
            |i| (blk_a[i] as usize, blk_b[i] as usize),
            |i| [a[i], b[i]],
            |i, p| {
                ids[p] = i as u32;
                pos[i] = p as u32;
                block[p] = [blk_a[i], blk_b[i]];
            },
        );
        let pad_lo = |mut lo: Vec<f64>| {
            lo.extend([f64::INFINITY; SPAN_WINDOW]);
            lo
        };
        let pad_hi = |hi: Vec<f64>| [f64::NEG_INFINITY; SPAN_WINDOW].into_iter().chain(hi).collect::<Vec<f64>>();
        let (lo, hi) = ([pad_lo(lo_a), pad_lo(lo_b)], [pad_hi(hi_a), pad_hi(hi_b)]);
        BoxGrid { g, lo, hi, cells, ids, block, pos, orders: [order_a, order_b] }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }
    /// Original id of the point at (a-major) position `p`.
    #[inline]
    pub fn original(&self, p: usize) -> usize {
        self.ids[p] as usize
    }
    #[inline]
    pub fn position(&self, i: usize) -> usize {
        self.pos[i] as usize
    }
    #[inline]
    pub fn point(&self, p: usize) -> &[f64; 2] {
        &self.cells.pts_a[p]
    }
    /// Ascending order (ids by value) of column `c`.
    pub fn order(&self, c: usize) -> &[u32] {
        &self.orders[c]
    }

    /// Mean number of points sharing a cell with a point (see
    /// `Grid::crowding`): large when the data lie near a curve, where the
    /// boundary strips hold about n/g points each and a tree counts faster.
    pub fn crowding(&self) -> f64 {
        crowding(&self.cells.start_a, self.ids.len())
    }

    /// Blocks of column `c` met by the interval around `q` of radius `r`:
    /// (first, first wholly inside, last wholly inside, last); the inner pair
    /// is crossed when no block is wholly inside. `own` is q's block, which
    /// the interval meets since q itself passes (the caller checks that r
    /// admits distance 0).
    ///
    /// "Block b is wholly left of the interval" is true then false over the
    /// blocks (false at `own`), "block b is not wholly right of it" true
    /// then false (true at `own`): each flip is found by counting the true
    /// ones among the [`SPAN_WINDOW`] blocks on its side of `own` (the
    /// padding keeps the pattern past the ends), and by galloping when the
    /// flip lies beyond them.
    #[inline]
    fn span<const STRICT: bool>(&self, c: usize, q: f64, r: f64, own: usize) -> [isize; 4] {
        const W: usize = SPAN_WINDOW;
        let (lo, hi) = (&self.lo[c], &self.hi[c]);
        let left = |h: f64| !within::<STRICT>(q - h, r);
        let not_right = |l: f64| within::<STRICT>(l - q, r);
        // blocks own + 1 − W ..= own, at hi[own + 1..] (hi is shifted by W)
        let win: &[f64; W] = hi[own + 1..own + 1 + W].try_into().expect("padded");
        let t = win.iter().map(|&h| left(h) as usize).sum::<usize>();
        let first =
            if t > 0 { own + 1 + t - W } else { partition_point_from(own + 1, own + 1 - W, |b| left(hi[b + W])) };
        let win: &[f64; W] = lo[own..own + W].try_into().expect("padded");
        let t = win.iter().map(|&l| not_right(l) as usize).sum::<usize>();
        let last = if t < W { own + t } else { partition_point_from(self.g, own + W, |b| not_right(lo[b])) } - 1;
        let f_in = if within::<STRICT>(q - lo[first], r) { first } else { first + 1 };
        let l_in = if within::<STRICT>(hi[last + W] - q, r) { last as isize } else { last as isize - 1 };
        [first as isize, f_in as isize, l_in, last as isize]
    }

    /// Number of points j (the query itself included when it qualifies) with
    /// |fl(a_j − a_p)| and |fl(b_j − b_p)| within `r` (strictly or not), for
    /// the point at a-major position `p`.
    pub fn count_at(&self, p: usize, r: &[f64], strict: bool) -> usize {
        if strict {
            self.count_g::<true>(p, r[0], r[1])
        } else {
            self.count_g::<false>(p, r[0], r[1])
        }
    }

    fn count_g<const STRICT: bool>(&self, p: usize, ra: f64, rb: f64) -> usize {
        // nothing is within a radius that excludes distance 0 (strict, r = 0)
        if !within::<STRICT>(0.0, ra) || !within::<STRICT>(0.0, rb) {
            return 0;
        }
        let q = self.cells.pts_a[p];
        let own = self.block[p];
        let sa = self.span::<STRICT>(0, q[0], ra, own[0] as usize);
        let sb = self.span::<STRICT>(1, q[1], rb, own[1] as usize);
        self.cells.count(sa, sb, |pts| {
            pts.iter()
                .filter(|t| within::<STRICT>((t[0] - q[0]).abs(), ra) & within::<STRICT>((t[1] - q[1]).abs(), rb))
                .count()
        })
    }
}

/// The cell layout both box counters share: the points in CSR over the g × g
/// cells twice, a-block major (cell (ba, bb) at ba·g + bb) and b-block major
/// (cell (bb, ba) at bb·g + ba), and a summed-area table over the cells.
struct Cells<P> {
    g: usize,
    start_a: Vec<u32>,
    pts_a: Vec<P>,
    start_b: Vec<u32>,
    pts_b: Vec<P>,
    /// sat[i·(g+1) + j] = number of points with a-block < i and b-block < j
    sat: Vec<u32>,
}

impl<P: Copy + Default + Send + Sync> Cells<P> {
    /// Lay out samples 0..n: `blocks(i)` is sample i's (a-block, b-block),
    /// `point(i)` what its cells keep of it, and `placed(i, p)` hears its
    /// a-major position. A counting sort; the passes are scatters over
    /// n-sized arrays, memory bound at large n, so the independent ones run
    /// side by side.
    fn new<B, Q, F>(n: usize, g: usize, blocks: B, point: Q, mut placed: F) -> Self
    where
        B: Fn(usize) -> (usize, usize) + Sync,
        Q: Fn(usize) -> P + Sync,
        F: FnMut(usize, usize) + Send,
    {
        let mut cnt = vec![0u32; g * g];
        for i in 0..n {
            let (ba, bb) = blocks(i);
            cnt[ba * g + bb] += 1;
        }
        let prefix = |major_a: bool| {
            let mut start = vec![0u32; g * g + 1];
            for x in 0..g {
                for y in 0..g {
                    let cell = if major_a { x * g + y } else { y * g + x };
                    start[x * g + y + 1] = start[x * g + y] + cnt[cell];
                }
            }
            start
        };
        // (a generic fn, not a closure: `placed` stays statically dispatched)
        fn fill<P: Copy + Default>(
            start: &[u32],
            g: usize,
            major_a: bool,
            blocks: &impl Fn(usize) -> (usize, usize),
            point: &impl Fn(usize) -> P,
            placed: &mut impl FnMut(usize, usize),
        ) -> Vec<P> {
            let n = *start.last().unwrap_or(&0) as usize;
            let mut fill = start.to_vec();
            let mut pts = vec![P::default(); n];
            for i in 0..n {
                let (ba, bb) = blocks(i);
                let c = if major_a { ba * g + bb } else { bb * g + ba };
                let p = fill[c] as usize;
                fill[c] += 1;
                pts[p] = point(i);
                placed(i, p);
            }
            pts
        }
        let sat = || {
            let mut sat = vec![0u32; (g + 1) * (g + 1)];
            for i in 0..g {
                let mut row = 0u32;
                for j in 0..g {
                    row += cnt[i * g + j];
                    sat[(i + 1) * (g + 1) + j + 1] = sat[i * (g + 1) + j + 1] + row;
                }
            }
            sat
        };
        let ((start_a, pts_a), ((start_b, pts_b), sat)) = rayon::join(
            || {
                let s = prefix(true);
                let f = fill(&s, g, true, &blocks, &point, &mut placed);
                (s, f)
            },
            || {
                rayon::join(
                    || {
                        let s = prefix(false);
                        let f = fill(&s, g, false, &blocks, &point, &mut |_, _| {});
                        (s, f)
                    },
                    sat,
                )
            },
        );
        Cells { g, start_a, pts_a, start_b, pts_b, sat }
    }

    /// The count of a box given each column's blocks, [first met, first
    /// wholly inside, last wholly inside, last met] (the inner pair crossed
    /// when none is wholly inside): the cells wholly inside in both columns
    /// from the table, the boundary strips by `test` (the points of a
    /// cell range that fall in the box).
    #[inline]
    fn count(&self, sa: [isize; 4], sb: [isize; 4], test: impl Fn(&[P]) -> usize) -> usize {
        let g = self.g;
        let [a0, a_in0, a_in1, a1] = sa;
        let [b0, b_in0, b_in1, b1] = sb;
        let (a_full, b_full) = (a_in0 <= a_in1, b_in0 <= b_in1);
        let mut count = 0usize;
        if a_full && b_full {
            let (w, s) = (g + 1, &self.sat);
            let (i0, i1, j0, j1) = (a_in0 as usize, a_in1 as usize + 1, b_in0 as usize, b_in1 as usize + 1);
            count += (s[i1 * w + j1] + s[i0 * w + j0] - s[i0 * w + j1] - s[i1 * w + j0]) as usize;
        }
        // each partly-inside a-block across every b-block met (this covers
        // the corner cells too)...
        let (b0u, b1u) = (b0 as usize, b1 as usize);
        let scan_a =
            |ba: usize| test(&self.pts_a[self.start_a[ba * g + b0u] as usize..self.start_a[ba * g + b1u + 1] as usize]);
        if a0 < a_in0 {
            count += scan_a(a0 as usize);
        }
        if a1 > a_in1 && !(a1 == a0 && a0 < a_in0) {
            count += scan_a(a1 as usize);
        }
        // ...and each partly-inside b-block across the wholly-inside a-blocks
        if a_full {
            let (i0, i1) = (a_in0 as usize, a_in1 as usize);
            let scan_b = |bb: usize| {
                test(&self.pts_b[self.start_b[bb * g + i0] as usize..self.start_b[bb * g + i1 + 1] as usize])
            };
            if b0 < b_in0 {
                count += scan_b(b0 as usize);
            }
            if b1 > b_in1 && !(b1 == b0 && b0 < b_in0) {
                count += scan_b(b1 as usize);
            }
        }
        count
    }
}

/// The count of `BoxGrid` in rank space: #{j : rank_a(j) ∈ [a0, a1),
/// rank_b(j) ∈ [b0, b1)}, for callers that already hold the rank runs of
/// their intervals (a sorted column gives them: the samples within a radius
/// of a value are one run of its order). The blocks are rank ranges, so the
/// blocks an interval meets, and those wholly inside, are arithmetic instead
/// of searches, and the boundary strips are tested by two integer
/// comparisons on 8-byte points.
pub struct RankBox {
    n: usize,
    /// each point's (rank_a, rank_b) in the cells
    cells: Cells<[u32; 2]>,
}

impl RankBox {
    /// From each sample's rank in the two columns (each a permutation of
    /// 0..n).
    pub fn new(rank_a: &[u32], rank_b: &[u32]) -> Self {
        let n = rank_a.len();
        let g = (((n as f64) / POINTS_PER_CELL).sqrt().ceil() as usize).clamp(1, n.max(1));
        let blk = |r: u32| r as usize * g / n.max(1);
        let cells = Cells::new(n, g, |i| (blk(rank_a[i]), blk(rank_b[i])), |i| [rank_a[i], rank_b[i]], |_, _| {});
        RankBox { n, cells }
    }

    /// Blocks of a rank run [lo, hi) (non-empty): (first met, first wholly
    /// inside, last wholly inside, last met); the inner pair is crossed when
    /// no block is wholly inside. Block b holds ranks [⌈b·n/g⌉, ⌈(b+1)·n/g⌉).
    #[inline(always)]
    fn span(&self, lo: usize, hi: usize) -> [isize; 4] {
        let (n, g) = (self.n, self.cells.g);
        let first_rank = |b: usize| (b * n).div_ceil(g);
        let (first, last) = (lo * g / n, (hi - 1) * g / n);
        let f_in = if first_rank(first) >= lo { first } else { first + 1 };
        let l_in = if first_rank(last + 1) <= hi { last as isize } else { last as isize - 1 };
        [first as isize, f_in as isize, l_in, last as isize]
    }

    /// #{j : rank_a(j) ∈ [a.0, a.1), rank_b(j) ∈ [b.0, b.1)}.
    pub fn count(&self, a: (usize, usize), b: (usize, usize)) -> usize {
        if a.0 >= a.1 || b.0 >= b.1 {
            return 0;
        }
        // r ∈ [lo, hi) as one unsigned comparison
        let (alo, alen, blo, blen) = (a.0 as u32, (a.1 - a.0) as u32, b.0 as u32, (b.1 - b.0) as u32);
        self.cells.count(self.span(a.0, a.1), self.span(b.0, b.1), |pts| {
            pts.iter().filter(|p| (p[0].wrapping_sub(alo) < alen) & (p[1].wrapping_sub(blo) < blen)).count()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::lcg;

    #[test]
    fn rank_counts_match_brute_force() {
        let mut s = 31u64;
        for &n in &[1usize, 2, 3, 7, 50, 401, 2000] {
            // a random permutation of 0..n as ranks
            let perm = |s: &mut u64| {
                let mut p: Vec<u32> = (0..n as u32).collect();
                for i in (1..n).rev() {
                    p.swap(i, (lcg(s) * (i + 1) as f64) as usize);
                }
                p
            };
            let (ra, rb) = (perm(&mut s), perm(&mut s));
            // independent ranks, and ranks on the diagonal (a curve)
            for rb in [rb, ra.clone()] {
                let grid = RankBox::new(&ra, &rb);
                for _ in 0..300 {
                    let iv = |s: &mut u64| {
                        let (u, v) = ((lcg(s) * (n + 1) as f64) as usize, (lcg(s) * (n + 1) as f64) as usize);
                        (u.min(v), u.max(v))
                    };
                    let (a, b) = (iv(&mut s), iv(&mut s));
                    let inside = |r: u32, iv: (usize, usize)| (iv.0..iv.1).contains(&(r as usize));
                    let want = (0..n).filter(|&j| inside(ra[j], a) && inside(rb[j], b)).count();
                    assert_eq!(grid.count(a, b), want, "n={n} a={a:?} b={b:?}");
                }
            }
        }
    }

    #[test]
    fn counts_match_brute_force() {
        let mut s = 23u64;
        for &(n, quant) in &[
            (1usize, false),
            (2, false),
            (3, true),
            (7, false),
            (50, true),
            (50, false),
            (400, true),
            (2000, false),
            (3000, true),
        ] {
            let a: Vec<f64> =
                (0..n).map(|_| if quant { (lcg(&mut s) * 12.0).floor() / 4.0 } else { lcg(&mut s).powi(3) }).collect();
            let b: Vec<f64> = a
                .iter()
                .map(|v| if quant { (v * 4.0 + lcg(&mut s) * 6.0).floor() / 4.0 } else { v + 0.2 * lcg(&mut s) })
                .collect();
            let grid = BoxGrid::new(&a, &b);
            for i in 0..n {
                let p = grid.position(i);
                assert_eq!(grid.original(p), i);
                for _ in 0..3 {
                    let r = if quant {
                        [(lcg(&mut s) * 6.0).floor() / 4.0, (lcg(&mut s) * 6.0).floor() / 4.0]
                    } else {
                        // radii equal to an actual distance: the boundary case
                        let j = (lcg(&mut s) * n as f64) as usize;
                        [(a[j] - a[i]).abs(), (b[(j + 1) % n] - b[i]).abs().max(lcg(&mut s) * 0.1)]
                    };
                    for strict in [true, false] {
                        let want = (0..n)
                            .filter(|&j| {
                                let (da, db) = ((a[j] - a[i]).abs(), (b[j] - b[i]).abs());
                                if strict {
                                    da < r[0] && db < r[1]
                                } else {
                                    da <= r[0] && db <= r[1]
                                }
                            })
                            .count();
                        assert_eq!(grid.count_at(p, &r, strict), want, "n={n} i={i} r={r:?} strict={strict}");
                    }
                }
            }
        }
    }
}
