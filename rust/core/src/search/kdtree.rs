//! Neighbour search for the k-NN estimators.
//!
//! Why a tree of our own rather than a crate: KSG needs three queries that the
//! k-d-tree crates do not offer together for a dimension known only at run
//! time: (1) the k nearest neighbours under the max norm *with their
//! positions* (algorithm 2 needs each neighbour's per-variable extent), (2) a
//! *count* of points inside an axis-aligned box whose half-widths differ per
//! column (algorithm 2, conditional MI), with the comparison strict (`<`,
//! algorithm 1) or not (`≤`, algorithm 2), evaluated on exactly the float
//! distances `|a − b|` the peers use, and (3) the same count minus a Theiler
//! window. Crates such as `kiddo` fix the dimension at compile time and return
//! the matching points as a `Vec`, so a count costs O(count) work and an
//! allocation; here a subtree whose bounding box lies wholly inside the box
//! is counted in O(1), and a count starts from the lowest ancestor that
//! encloses the query box. One-dimensional marginals, the common case, skip
//! the tree and gallop in a sorted copy ([`Sorted1D`]); the two-dimensional
//! joint space of a 1-D/1-D MI uses the rank grid of `grid.rs` instead: its
//! O(n) build replaces this tree's O(n log n) one, whose row moves cost more
//! than all the queries together at n = 10⁶.
//!
//! Exactness: every comparison is made on `fl(a − b)` values. Float
//! subtraction is monotone, so a bounding box that passes (or fails) the test
//! at its corners passes (or fails) it for every point inside: pruning never
//! changes a count, and counts are the same integers a brute-force loop gives.

use super::{gap, kth, sortable, within, Neighbours};
use crate::MatRef;
use std::sync::OnceLock;

/// Leaf sizes: the k-NN tree splits down to 8 points for the search that
/// decides ties (see `knn_point`); counting trees stop at 256 because a
/// leaf straddling the count box is scanned [`LANES`] points at a time in
/// the columns it straddles, cheaper than descending further (measured at
/// 3-7 dimensions: 64 and 128 leaves cost 4-8% more, 512 about as much).
/// A lean counting tree, which scans a block's rows in every column,
/// stops at 64.
pub const LEAF: usize = 8;
pub const COUNT_LEAF: usize = 256;
pub const LEAN_COUNT_LEAF: usize = 64;
const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Node {
    start: u32,
    end: u32,
    left: u32,
    right: u32,
}

/// The dimension of the hot loops: a compile-time constant for d <= 8, so
/// the per-coordinate loops unroll (the search at d = 2 runs 2-3 times faster),
/// and a run-time value otherwise.
pub trait Dim: Sync {
    fn get(runtime: usize) -> usize;
}
pub struct Fixed<const D: usize>;
pub struct Dyn;
impl<const D: usize> Dim for Fixed<D> {
    #[inline(always)]
    fn get(_: usize) -> usize {
        D
    }
}
impl Dim for Dyn {
    #[inline(always)]
    fn get(runtime: usize) -> usize {
        runtime
    }
}

/// Run `$body` with `$D` bound to the `Dim` type for dimension `$d`.
macro_rules! by_dim {
    ($d:expr, $D:ident => $body:expr) => {
        match $d {
            1 => {
                type $D = Fixed<1>;
                $body
            }
            2 => {
                type $D = Fixed<2>;
                $body
            }
            3 => {
                type $D = Fixed<3>;
                $body
            }
            4 => {
                type $D = Fixed<4>;
                $body
            }
            5 => {
                type $D = Fixed<5>;
                $body
            }
            6 => {
                type $D = Fixed<6>;
                $body
            }
            7 => {
                type $D = Fixed<7>;
                $body
            }
            8 => {
                type $D = Fixed<8>;
                $body
            }
            _ => {
                type $D = Dyn;
                $body
            }
        }
    };
}

/// Distance between two points, and the matching bounds against a box.
pub trait Metric: Sync {
    /// Distance in the metric's "comparable" form (squared for Euclidean);
    /// may stop early and return any value > `bound` once it exceeds it.
    fn dist(a: &[f64], b: &[f64], bound: f64, d: usize) -> f64;
    /// Lower bound on `dist(q, p)` for every p in the box [lo, hi].
    fn box_lower(q: &[f64], lo: &[f64], hi: &[f64], d: usize) -> f64;
    /// True if every point outside the box [lo, hi] is at distance > w.
    fn ball_inside(q: &[f64], w: f64, lo: &[f64], hi: &[f64], d: usize) -> bool;
    /// Comparable form back to a true distance.
    fn finish(d: f64) -> f64;
    /// One column's step of `dist` (`acc` starts at 0): query coordinate
    /// `a`, point coordinate `b`. Folding it over the columns in order gives
    /// the same float `dist` gives in full (no early exit), which lets the
    /// leaf scans run column by column over several points at once.
    fn step(acc: f64, a: f64, b: f64) -> f64;
}

/// The max (Chebyshev, L∞) norm: `max_c |a_c − b_c|`.
pub struct MaxNorm;
/// The Euclidean norm (compared squared, reported as a distance).
pub struct Euclidean;

impl Metric for MaxNorm {
    #[inline(always)]
    fn dist(a: &[f64], b: &[f64], bound: f64, d: usize) -> f64 {
        let (a, b) = (&a[..d], &b[..d]);
        if d <= 8 {
            let mut m = 0.0f64;
            for c in 0..d {
                m = m.max((a[c] - b[c]).abs());
            }
            return m;
        }
        let mut m = 0.0f64;
        for c in 0..d {
            m = m.max((a[c] - b[c]).abs());
            if m > bound {
                return m;
            }
        }
        m
    }
    #[inline(always)]
    fn box_lower(q: &[f64], lo: &[f64], hi: &[f64], d: usize) -> f64 {
        // the largest of 0, fl(lo_c − q_c) and fl(q_c − hi_c) over the
        // columns: `gap` folded in, its `max` written as comparisons (the
        // same value for the finite data compared here, fewer instructions).
        // Four running maxima (the lo and hi sides of even and odd columns)
        // instead of one: the largest is the same, and the chain of
        // dependent comparisons a box waits on is a quarter as long.
        let mut m = [0.0f64; 4];
        for c in 0..d {
            let (a, b) = (lo[c] - q[c], q[c] - hi[c]);
            let s = 2 * (c & 1);
            m[s] = if a > m[s] { a } else { m[s] };
            m[s + 1] = if b > m[s + 1] { b } else { m[s + 1] };
        }
        let (x, y) = (if m[1] > m[0] { m[1] } else { m[0] }, if m[3] > m[2] { m[3] } else { m[2] });
        if y > x {
            y
        } else {
            x
        }
    }
    #[inline(always)]
    fn ball_inside(q: &[f64], w: f64, lo: &[f64], hi: &[f64], d: usize) -> bool {
        // A point outside the box lies beyond lo or hi in some column c, so its
        // distance is at least fl(q_c − lo_c) or fl(hi_c − q_c) (monotone
        // rounding); strictly greater than w means it cannot enter the k best.
        // every column tested without a branch: the box usually holds the
        // ball (the search stops there), so a short circuit saves nothing
        (0..d).fold(true, |ok, c| ok & (q[c] - lo[c] > w) & (hi[c] - q[c] > w))
    }
    #[inline(always)]
    fn finish(d: f64) -> f64 {
        d
    }
    #[inline(always)]
    fn step(acc: f64, a: f64, b: f64) -> f64 {
        // `max` written as a comparison: the same value for the non-NaN
        // floats compared here, and it compiles to one vector instruction
        let t = (a - b).abs();
        if t > acc {
            t
        } else {
            acc
        }
    }
}

impl Metric for Euclidean {
    #[inline(always)]
    fn dist(a: &[f64], b: &[f64], _bound: f64, d: usize) -> f64 {
        let mut s = 0.0;
        for c in 0..d {
            s += (a[c] - b[c]) * (a[c] - b[c]);
        }
        s
    }
    #[inline(always)]
    fn step(acc: f64, a: f64, b: f64) -> f64 {
        acc + (a - b) * (a - b)
    }
    #[inline(always)]
    fn box_lower(q: &[f64], lo: &[f64], hi: &[f64], d: usize) -> f64 {
        let mut s = 0.0;
        for c in 0..d {
            let t = gap(q[c], lo[c], hi[c]);
            s += t * t;
        }
        // A lower bound in exact arithmetic; shrunk by a few ulps so rounding
        // of the sums can never prune a point at the boundary.
        s * (1.0 - 1e-12)
    }
    #[inline(always)]
    fn ball_inside(q: &[f64], w: f64, lo: &[f64], hi: &[f64], d: usize) -> bool {
        let w = w * (1.0 + 1e-12);
        (0..d).all(|c| {
            let (a, b) = (q[c] - lo[c], hi[c] - q[c]);
            a > 0.0 && b > 0.0 && a * a > w && b * b > w
        })
    }
    #[inline(always)]
    fn finish(d: f64) -> f64 {
        d.sqrt()
    }
}

/// log2 of the scale of the rescaled metrics below: 2^600 brings the
/// squares of differences down to 2^-1074 into the normal range, 2^-600
/// the squares of differences up to 2^1024 below overflow.
pub const RESCALE_LOG2: i32 = 600;

#[inline(always)]
fn up() -> f64 {
    2f64.powi(RESCALE_LOG2)
}
#[inline(always)]
fn down() -> f64 {
    2f64.powi(-RESCALE_LOG2)
}

/// The Euclidean norm of differences scaled by 2^600 (compared squared):
/// for a query whose k-th squared distance underflows. Every difference is
/// the same float `fl(a − b)` the plain metric takes, times a power of two,
/// so the order of the near points is exact; far ones overflow to +inf,
/// which keeps them out of the k best.
pub struct EuclideanUp;
/// The Euclidean norm of coordinates scaled by 2^-600 (compared squared):
/// for a query whose k-th squared distance overflows.
pub struct EuclideanDown;
/// The max norm of coordinates scaled by 2^-600: for a query whose k-th
/// distance overflows.
pub struct MaxNormDown;

impl Metric for EuclideanUp {
    #[inline(always)]
    fn dist(a: &[f64], b: &[f64], _bound: f64, d: usize) -> f64 {
        let mut s = 0.0;
        for c in 0..d {
            let t = (a[c] - b[c]) * up();
            s += t * t;
        }
        s
    }
    #[inline(always)]
    fn step(acc: f64, a: f64, b: f64) -> f64 {
        let t = (a - b) * up();
        acc + t * t
    }
    #[inline(always)]
    fn box_lower(q: &[f64], lo: &[f64], hi: &[f64], d: usize) -> f64 {
        let mut s = 0.0;
        for c in 0..d {
            let t = gap(q[c], lo[c], hi[c]) * up();
            s += t * t;
        }
        s * (1.0 - 1e-12)
    }
    #[inline(always)]
    fn ball_inside(q: &[f64], w: f64, lo: &[f64], hi: &[f64], d: usize) -> bool {
        let w = w * (1.0 + 1e-12);
        (0..d).all(|c| {
            let (a, b) = ((q[c] - lo[c]) * up(), (hi[c] - q[c]) * up());
            a > 0.0 && b > 0.0 && a * a > w && b * b > w
        })
    }
    #[inline(always)]
    fn finish(d: f64) -> f64 {
        d.sqrt()
    }
}

impl Metric for EuclideanDown {
    #[inline(always)]
    fn dist(a: &[f64], b: &[f64], _bound: f64, d: usize) -> f64 {
        let mut s = 0.0;
        for c in 0..d {
            let t = a[c] * down() - b[c] * down();
            s += t * t;
        }
        s
    }
    #[inline(always)]
    fn step(acc: f64, a: f64, b: f64) -> f64 {
        let t = a * down() - b * down();
        acc + t * t
    }
    #[inline(always)]
    fn box_lower(q: &[f64], lo: &[f64], hi: &[f64], d: usize) -> f64 {
        let mut s = 0.0;
        for c in 0..d {
            let t = gap(q[c] * down(), lo[c] * down(), hi[c] * down());
            s += t * t;
        }
        s * (1.0 - 1e-12)
    }
    #[inline(always)]
    fn ball_inside(q: &[f64], w: f64, lo: &[f64], hi: &[f64], d: usize) -> bool {
        let w = w * (1.0 + 1e-12);
        (0..d).all(|c| {
            let (a, b) = (q[c] * down() - lo[c] * down(), hi[c] * down() - q[c] * down());
            a > 0.0 && b > 0.0 && a * a > w && b * b > w
        })
    }
    #[inline(always)]
    fn finish(d: f64) -> f64 {
        d.sqrt()
    }
}

impl Metric for MaxNormDown {
    #[inline(always)]
    fn dist(a: &[f64], b: &[f64], _bound: f64, d: usize) -> f64 {
        let mut m = 0.0f64;
        for c in 0..d {
            m = m.max((a[c] * down() - b[c] * down()).abs());
        }
        m
    }
    #[inline(always)]
    fn step(acc: f64, a: f64, b: f64) -> f64 {
        acc.max((a * down() - b * down()).abs())
    }
    #[inline(always)]
    fn box_lower(q: &[f64], lo: &[f64], hi: &[f64], d: usize) -> f64 {
        let mut m = 0.0f64;
        for c in 0..d {
            m = m.max(gap(q[c] * down(), lo[c] * down(), hi[c] * down()));
        }
        m
    }
    #[inline(always)]
    fn ball_inside(q: &[f64], w: f64, lo: &[f64], hi: &[f64], d: usize) -> bool {
        (0..d).all(|c| q[c] * down() - lo[c] * down() > w && hi[c] * down() - q[c] * down() > w)
    }
    #[inline(always)]
    fn finish(d: f64) -> f64 {
        d
    }
}

/// A k-d tree over the rows of a matrix, points stored in tree order.
pub struct KdTree {
    d: usize,
    pts: Vec<f64>,
    /// tree position -> original row
    idx: Vec<u32>,
    /// original row -> tree position; a lean tree inverts `idx` when first
    /// asked, so that a joint tree searched in tree order never holds it
    pos: OnceLock<Vec<u32>>,
    nodes: Vec<Node>,
    /// per node: lo[0..d] then hi[0..d]
    bbox: Vec<f64>,
    parent: Vec<u32>,
    /// tree position -> its block (see `soa`)
    block_of: Vec<u32>,
    /// The points again, block by block as structure of arrays. A block is
    /// a largest subtree of at most `block` points (a leaf of a counting
    /// tree; a few leaves of a k-NN tree); its m points hold column c at
    /// `soa[at + c·w ..][..m]` (`at = soa_at[node]`, w = m rounded up to
    /// [`LANES`], the tail padded with +inf), so a scan runs over [`LANES`]
    /// points at once, column by column, in vector registers.
    soa: Vec<f64>,
    /// per node: where its block starts in `soa`, [`NO_BLOCK`] if it is not one
    soa_at: Vec<usize>,
    /// Both trees number the blocks and their ancestors first, in their
    /// own preorder, then the nodes inside blocks, each block's in preorder
    /// (from `sub_first[block]` in a lean tree). A lean tree (see
    /// [`KdTree::from_vec`]) keeps the boxes of the former only (ids below
    /// `n_kept`); those inside a block are computed, the block's at once,
    /// when the tie-settling search first asks (`lo_any`, `hi_any`). The
    /// full tree keeps every box: `n_kept` is its node count.
    n_kept: usize,
    sub_first: Vec<u32>,
    sub_boxes: Vec<OnceLock<Vec<f64>>>,
}

/// Points per step of a block scan: one 512-bit or two 256-bit registers.
const LANES: usize = 8;
/// Columns whose straddling a block count records (beyond, every column
/// is tested: the same counts).
const MAX_TESTED: usize = 32;
const NO_BLOCK: usize = usize::MAX;

/// Points per block of a k-NN tree. The fast search scans whole blocks, so
/// it needs no tree below them; larger blocks cost more distances per
/// scan, smaller ones more node visits.
fn knn_block(d: usize) -> usize {
    if d <= 3 {
        32
    } else {
        64
    }
}

/// Insert a candidate into the sorted k-best list (k is small: a shift is
/// cheaper than a heap). The caller has checked it beats `kth`.
#[inline(always)]
pub fn offer(out: &mut Neighbours, k: usize, dist: f64, t: u32) {
    let mut at = out.len();
    while at > 0 && out[at - 1].0 > dist {
        at -= 1;
    }
    if out.len() == k {
        out.pop();
    }
    out.insert(at, (dist, t));
}

/// [`offer`] for the block search, which keeps k and notes whether
/// another point lies at the k-th distance (`tie`: the k nearest are then
/// not one set, and the leaf-by-leaf search decides). The caller has
/// checked that `dist` is at most the k-th, or that fewer than k are kept.
#[inline(always)]
fn offer_tied(out: &mut Neighbours, k: usize, dist: f64, t: u32, tie: &mut bool) {
    if out.len() < k {
        offer(out, k, dist, t);
        return;
    }
    let worst = out[k - 1].0;
    if dist == worst {
        *tie = true;
        return;
    }
    // the k-th evicted: still a tie only if the new k-th equals it
    offer(out, k, dist, t);
    *tie = out[k - 1].0 == worst;
}

/// Rows moved at once by a lean tree's build: a part of more values than
/// this is permuted in place, row by row along the permutation's cycles,
/// instead of through a copy of the part (2 MiB at most per thread).
const IN_PLACE_VALUES: usize = 1 << 18;

impl KdTree {
    pub fn new(m: MatRef<'_>) -> Self {
        Self::with_leaf(m, LEAF)
    }

    /// A tree whose leaves hold at most `leaf` points.
    pub fn with_leaf(m: MatRef<'_>, leaf: usize) -> Self {
        Self::assemble(m.data.to_vec(), m.n, m.d, leaf, false)
    }

    /// The tree of [`with_leaf`](Self::with_leaf) (the same shape, order,
    /// boxes and so the same answers to every query) over the row-major
    /// (n, d) points `data`, built in that buffer, for data too large to
    /// hold twice: the points are permuted in place (no copy of the
    /// input, no full-size temporary), kept once (row by row; the block
    /// scans read the rows instead of a second, blocked copy), and the
    /// boxes below the blocks are computed when a query first needs them
    /// (only the search that settles ties at the k-th distance does).
    pub fn from_vec(data: Vec<f64>, n: usize, d: usize, leaf: usize) -> Self {
        assert_eq!(data.len(), n * d, "from_vec: {} values for {n} x {d}", data.len());
        Self::assemble(data, n, d, leaf, true)
    }

    fn assemble(mut pts: Vec<f64>, n: usize, d: usize, leaf: usize, lean: bool) -> Self {
        let leaf = leaf.max(1);
        let block = if leaf == LEAF { knn_block(d).max(leaf) } else { leaf };
        let mut idx: Vec<u32> = (0..n as u32).collect();
        // The tree shape depends only on n (halving to leaves of <= LEAF
        // points), so every subtree's slot in the preorder node array is known
        // in advance and the two halves can be built in parallel into
        // disjoint slices. The shape, and so every result, is the same for
        // any number of threads.
        let total = if n == 0 { 0 } else { subtree_nodes(n, leaf) };
        let mut nodes = vec![Node { start: 0, end: 0, left: NONE, right: NONE }; total];
        // a lean tree keeps the boxes of the halving tree down to blocks
        let kept = if !lean {
            total
        } else if n == 0 {
            0
        } else {
            subtree_nodes(n, block)
        };
        let mut bbox = vec![0.0; kept * 2 * d];
        if n > 0 {
            // one buffer of sort keys for the whole build, split with the
            // points: per-node buffers, freed on the pool's threads, would
            // leave their pages in the allocator's per-thread arenas
            let mut keys = vec![(0u64, 0u32); n];
            let ctx = Build { d, leaf, lean: lean.then_some(block) };
            build(&ctx, &mut pts, &mut idx, &mut keys, 0, 0, &mut nodes, &mut bbox);
        }
        let mut parent = vec![NONE; total];
        for (id, nd) in nodes.iter().enumerate() {
            if nd.left != NONE {
                parent[nd.left as usize] = id as u32;
                parent[nd.right as usize] = id as u32;
            }
        }
        // blocks: nodes of at most `block` points whose parent holds more
        let mut soa_at = vec![NO_BLOCK; total];
        let mut block_of = vec![0u32; n];
        let mut at = 0;
        for (id, nd) in nodes.iter().enumerate() {
            let size = |v: u32| (nodes[v as usize].end - nodes[v as usize].start) as usize;
            let m = (nd.end - nd.start) as usize;
            if m <= block && (parent[id] == NONE || size(parent[id]) > block) {
                soa_at[id] = at;
                at += m.div_ceil(LANES) * LANES * d;
                block_of[nd.start as usize..nd.end as usize].fill(id as u32);
            }
        }
        // Both trees number the blocks and their ancestors first, in their
        // own preorder, then the nodes inside blocks: the block searches
        // and the counts walk only the former, which then lie together in
        // memory (in plain preorder each block's inner nodes would sit
        // between it and its sibling). A lean tree's boxes are already in
        // that order; the full tree's move with their nodes.
        {
            let (slot, n_first) = box_slots(&nodes, &parent, block);
            debug_assert!(!lean || n_first == kept, "a lean tree keeps one box per first id");
            // new ids: the first ones by slot (a lean tree's boxes' order), then the rest in preorder
            let mut new_id = slot;
            for (next, v) in (n_first as u32..).zip(new_id.iter_mut().filter(|v| **v == NONE)) {
                *v = next;
            }
            // moved in place, along the cycles of the renumbering: no second
            // copy of the node arrays at the build's peak
            let mut perm = new_id.clone();
            for i in 0..total {
                while perm[i] as usize != i {
                    let j = perm[i] as usize;
                    nodes.swap(i, j);
                    parent.swap(i, j);
                    soa_at.swap(i, j);
                    perm.swap(i, j);
                    if !lean {
                        let (a, b) = bbox.split_at_mut(j * 2 * d);
                        a[i * 2 * d..][..2 * d].swap_with_slice(&mut b[..2 * d]);
                    }
                }
            }
            drop(perm);
            let map = |v: u32| if v == NONE { NONE } else { new_id[v as usize] };
            for nd in nodes.iter_mut() {
                (nd.left, nd.right) = (map(nd.left), map(nd.right));
            }
            parent.iter_mut().for_each(|v| *v = map(*v));
            block_of.iter_mut().for_each(|v| *v = map(*v));
        }
        if lean {
            // each block's first inner node (its left child), where it has any
            let sub_first: Vec<u32> =
                (0..kept).map(|v| if soa_at[v] != NO_BLOCK { nodes[v].left } else { NONE }).collect();
            let sub_boxes = (0..kept).map(|_| OnceLock::new()).collect();
            return KdTree {
                d,
                pts,
                idx,
                pos: OnceLock::new(),
                nodes,
                bbox,
                parent,
                block_of,
                soa: Vec::new(),
                soa_at,
                n_kept: kept,
                sub_first,
                sub_boxes,
            };
        }
        let mut soa = vec![f64::INFINITY; at];
        for (id, nd) in nodes.iter().enumerate() {
            if soa_at[id] != NO_BLOCK {
                let (s, m) = (nd.start as usize, (nd.end - nd.start) as usize);
                let w = m.div_ceil(LANES) * LANES;
                let blk = &mut soa[soa_at[id]..][..w * d];
                for j in 0..m {
                    for c in 0..d {
                        blk[c * w + j] = pts[(s + j) * d + c];
                    }
                }
            }
        }
        let pos = OnceLock::from(invert(&idx));
        KdTree {
            d,
            pts,
            idx,
            pos,
            nodes,
            bbox,
            parent,
            block_of,
            soa,
            soa_at,
            n_kept: total,
            sub_first: Vec::new(),
            sub_boxes: Vec::new(),
        }
    }

    /// Whether the points are held row by row only (a lean tree): the
    /// block scans then read `pts`.
    #[inline(always)]
    fn rows_only(&self) -> bool {
        self.soa.is_empty()
    }

    /// `scan_block` of a lean tree, over the block's rows: the same points
    /// in the same order with the same distances, so the same k best and
    /// the same ties. (Out of line: the full tree's scan stays as small as
    /// without it.)
    #[inline(never)]
    fn scan_block_rows<M: Metric, D: Dim, F: Fn(u32) -> bool>(
        &self,
        node: usize,
        q: &[f64],
        k: usize,
        skip: &F,
        out: &mut Neighbours,
        tie: &mut bool,
    ) {
        self.scan_leaf::<true, M, D, F>(node, q, k, skip, out, tie);
    }

    /// `count_block` of a lean tree, over the block's rows.
    #[inline(never)]
    fn count_block_rows<const STRICT: bool, D: Dim>(&self, node: usize, q: &[f64], r: &[f64]) -> usize {
        let d = D::get(self.d);
        let nd = self.nodes[node];
        let rows = &self.pts[nd.start as usize * d..nd.end as usize * d];
        rows.chunks_exact(d).filter(|p| (0..d).all(|c| within::<STRICT>((p[c] - q[c]).abs(), r[c]))).count()
    }

    /// The tree position of every original row, giving up the tree.
    pub fn into_positions(mut self) -> Vec<u32> {
        // the points go first: the inverse is built in their place
        self.pts = Vec::new();
        self.pos.take().unwrap_or_else(|| invert(&self.idx))
    }

    pub fn is_empty(&self) -> bool {
        self.idx.is_empty()
    }
    pub fn dim(&self) -> usize {
        self.d
    }
    /// Original row index of tree position `t`.
    #[inline]
    pub fn original(&self, t: u32) -> usize {
        self.idx[t as usize] as usize
    }
    /// Tree position of original row `i`.
    #[inline]
    pub fn position(&self, i: usize) -> u32 {
        self.pos.get_or_init(|| invert(&self.idx))[i]
    }

    /// The leaf holding tree position `t`: down from its block, into the
    /// child whose position range holds t (a few steps; an n-sized table
    /// of leaves would cost 4 bytes per point at the lean tree's peak).
    #[inline(always)]
    fn leaf_of(&self, t: u32) -> usize {
        let mut node = self.block_of[t as usize] as usize;
        loop {
            let nd = self.nodes[node];
            if nd.left == NONE {
                return node;
            }
            node = if t < self.nodes[nd.left as usize].end { nd.left } else { nd.right } as usize;
        }
    }
    /// Coordinates of the point at tree position `t`.
    #[inline]
    pub fn point(&self, t: u32) -> &[f64] {
        let t = t as usize;
        &self.pts[t * self.d..(t + 1) * self.d]
    }
    /// The box of a node of the full tree, or of a block or an ancestor
    /// of one (every node that the block searches and the counts visit).
    #[inline]
    fn lo(&self, node: usize) -> &[f64] {
        &self.bbox[node * 2 * self.d..node * 2 * self.d + self.d]
    }
    #[inline]
    fn hi(&self, node: usize) -> &[f64] {
        &self.bbox[node * 2 * self.d + self.d..(node + 1) * 2 * self.d]
    }
    /// The box of any node, those inside a lean tree's blocks included (for
    /// the leaf-by-leaf search, which descends below the blocks).
    #[inline]
    fn lo_any(&self, node: usize) -> &[f64] {
        if node < self.n_kept {
            self.lo(node)
        } else {
            &self.lean_box(node)[..self.d]
        }
    }
    #[inline]
    fn hi_any(&self, node: usize) -> &[f64] {
        if node < self.n_kept {
            self.hi(node)
        } else {
            &self.lean_box(node)[self.d..]
        }
    }
    /// A lean tree's box of `node` (lo then hi): kept for a block or an
    /// ancestor of one; else computed with its block's others on first use.
    /// Cold: the full tree never comes here, and its hot loops stay laid
    /// out as they would with the panic of a failed bounds check.
    #[cold]
    #[inline(never)]
    fn lean_box(&self, node: usize) -> &[f64] {
        let w = 2 * self.d;
        let b = self.block_of[self.nodes[node].start as usize] as usize;
        let sub = self.sub_boxes[b].get_or_init(|| self.boxes_below(b));
        &sub[(node - self.sub_first[b] as usize) * w..][..w]
    }
    /// The boxes of the nodes below block `b` of a lean tree, in preorder
    /// (node ids from `sub_first[b]`): the extremes of each node's points,
    /// the values the full build stores.
    fn boxes_below(&self, b: usize) -> Vec<f64> {
        let d = self.d;
        let (nb, first) = (self.nodes[b], self.sub_first[b] as usize);
        let below = self.nodes[first..].iter().take_while(|nd| nd.start >= nb.start && nd.end <= nb.end).count();
        let mut out = vec![0.0; below * 2 * d];
        for (nd, bx) in self.nodes[first..first + below].iter().zip(out.chunks_exact_mut(2 * d)) {
            let (lo, hi) = bx.split_at_mut(d);
            extremes(&self.pts[nd.start as usize * d..nd.end as usize * d], d, lo, hi);
        }
        out
    }
    /// The block at `node`: its points' columns, its padded width, its size.
    #[inline(always)]
    fn block(&self, node: usize, d: usize) -> (&[f64], usize, usize) {
        let nd = self.nodes[node];
        let m = (nd.end - nd.start) as usize;
        let w = m.div_ceil(LANES) * LANES;
        (&self.soa[self.soa_at[node]..][..w * d], w, m)
    }

    /// The `k` nearest neighbours of the tree's own point at position `t`
    /// (tree positions, ascending by distance), skipping every position for
    /// which `skip` is true (the caller skips `t` itself). `out` is reused.
    ///
    /// Where several points tie at the k-th distance, the ones returned are
    /// those the leaf-by-leaf search below meets first (which matters for
    /// KSG algorithm 2, whose radii come from the neighbours themselves).
    /// The block search finds the k nearest distances, exact whatever the
    /// order of the search, and whether any other point lies at the k-th
    /// (it prunes only what lies strictly beyond the k-th, so it meets
    /// every such point). Without one, the k nearest are one set, the same
    /// one any search returns; with one (ties, rare outside discrete data)
    /// the leaf-by-leaf search decides. (Keeping k rather than k + 1, to
    /// see the ties, keeps the search radius at the k-th distance.)
    pub fn knn_point<M: Metric, F: Fn(u32) -> bool>(&self, t: u32, k: usize, skip: &F, out: &mut Neighbours) {
        out.clear();
        if k == 0 || self.is_empty() {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has the feature the function is compiled for
            unsafe { self.knn_point_avx512::<M, F>(t, k, skip, out) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has the feature the function is compiled for
            unsafe { self.knn_point_avx2::<M, F>(t, k, skip, out) };
            return;
        }
        self.knn_point_b::<M, F>(t, k, skip, out);
    }

    /// `knn_point` compiled for AVX-512: a block's 8 lanes in one register.
    /// The same float operations in the same order, so the same distances.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn knn_point_avx512<M: Metric, F: Fn(u32) -> bool>(&self, t: u32, k: usize, skip: &F, out: &mut Neighbours) {
        self.knn_point_b::<M, F>(t, k, skip, out);
    }

    /// `knn_point` compiled for AVX2: the block scans take 4 distances per
    /// instruction instead of 2. The same float operations in the same
    /// order (no fused multiply-adds), so the same distances.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn knn_point_avx2<M: Metric, F: Fn(u32) -> bool>(&self, t: u32, k: usize, skip: &F, out: &mut Neighbours) {
        self.knn_point_b::<M, F>(t, k, skip, out);
    }

    #[inline(always)]
    fn knn_point_b<M: Metric, F: Fn(u32) -> bool>(&self, t: u32, k: usize, skip: &F, out: &mut Neighbours) {
        by_dim!(self.d, D => {
            let mut tie = false;
            self.knn_blocks::<M, D, F>(t, k, skip, out, &mut tie);
            if tie {
                out.clear();
                self.knn_point_g::<M, D, F>(t, k, skip, out);
            }
        })
    }

    // Bottom-up search: scan the query's own leaf, then climb, visiting each
    // sibling subtree that could hold a closer point, and stop as soon as
    // the k-th distance ball lies strictly inside the current subtree's box
    // (no point outside it can then be closer). Most queries stop two or
    // three levels up instead of walking down from the root.
    fn knn_point_g<M: Metric, D: Dim, F: Fn(u32) -> bool>(&self, t: u32, k: usize, skip: &F, out: &mut Neighbours) {
        let d = D::get(self.d);
        let q = self.point(t);
        let mut node = self.leaf_of(t);
        self.scan_leaf::<false, M, D, F>(node, q, k, skip, out, &mut false);
        loop {
            if out.len() == k && M::ball_inside(q, out[k - 1].0, self.lo_any(node), self.hi_any(node), d) {
                return;
            }
            let parent = self.parent[node];
            if parent == NONE {
                return;
            }
            let p = self.nodes[parent as usize];
            let sibling = if p.left as usize == node { p.right } else { p.left } as usize;
            self.descend::<M, D, F>(sibling, q, k, skip, out);
            node = parent as usize;
        }
    }

    fn descend<M: Metric, D: Dim, F: Fn(u32) -> bool>(
        &self,
        node: usize,
        q: &[f64],
        k: usize,
        skip: &F,
        out: &mut Neighbours,
    ) {
        let d = D::get(self.d);
        // prune unless the box may hold a closer point; `!(a < b)` and not
        // `a >= b`, so that a NaN bound prunes too
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !(M::box_lower(q, self.lo_any(node), self.hi_any(node), d) < kth(out, k)) {
            return;
        }
        let nd = self.nodes[node];
        if nd.left == NONE {
            self.scan_leaf::<false, M, D, F>(node, q, k, skip, out, &mut false);
            return;
        }
        let (l, r) = (nd.left as usize, nd.right as usize);
        let dl = M::box_lower(q, self.lo_any(l), self.hi_any(l), d);
        let dr = M::box_lower(q, self.lo_any(r), self.hi_any(r), d);
        let (first, second) = if dl <= dr { (l, r) } else { (r, l) };
        self.descend::<M, D, F>(first, q, k, skip, out);
        self.descend::<M, D, F>(second, q, k, skip, out);
    }

    /// The points of `node` offered one by one: keeping the k nearest
    /// (`TIED` false, the leaf-by-leaf search), or also noting a point at
    /// the k-th distance in `tie` (`TIED` true, the block search).
    #[inline]
    fn scan_leaf<const TIED: bool, M: Metric, D: Dim, F: Fn(u32) -> bool>(
        &self,
        node: usize,
        q: &[f64],
        k: usize,
        skip: &F,
        out: &mut Neighbours,
        tie: &mut bool,
    ) {
        let d = D::get(self.d);
        let nd = self.nodes[node];
        for t in nd.start..nd.end {
            let worst = kth(out, k);
            let dist = M::dist(q, self.point(t), worst, d);
            let near = if TIED { dist <= worst } else { dist < worst };
            if (near || out.len() < k) && !skip(t) {
                if TIED {
                    offer_tied(out, k, dist, t, tie);
                } else {
                    offer(out, k, dist, t);
                }
            }
        }
    }

    /// The search of `knn_point_g` with whole blocks for leaves, each
    /// scanned [`LANES`] points at a time. Each sibling subtree is searched
    /// depth first, nearer child first, with a stack (one body, so that it
    /// inlines into the AVX2 copy; the tree's depth is at most 33).
    #[inline(always)]
    fn knn_blocks<M: Metric, D: Dim, F: Fn(u32) -> bool>(
        &self,
        t: u32,
        k: usize,
        skip: &F,
        out: &mut Neighbours,
        tie: &mut bool,
    ) {
        let d = D::get(self.d);
        let q = self.point(t);
        let mut node = self.block_of[t as usize] as usize;
        self.scan_block::<M, D, F>(node, q, k, skip, out, tie);
        let mut stack = [(0usize, 0.0f64); 64];
        loop {
            if out.len() == k && M::ball_inside(q, out[k - 1].0, self.lo(node), self.hi(node), d) {
                return;
            }
            let parent = self.parent[node];
            if parent == NONE {
                return;
            }
            let p = self.nodes[parent as usize];
            let sibling = if p.left as usize == node { p.right } else { p.left } as usize;
            // (cur, lb): a subtree whose box lies lb or more from q
            let (mut cur, mut lb) = (sibling, M::box_lower(q, self.lo(sibling), self.hi(sibling), d));
            let mut sp = 0;
            loop {
                // search only where `lb ≤ kth` (a point at the k-th
                // distance is a tie), false for a NaN bound too
                if lb <= kth(out, k) {
                    if self.soa_at[cur] != NO_BLOCK {
                        self.scan_block::<M, D, F>(cur, q, k, skip, out, tie);
                    } else {
                        let nd = self.nodes[cur];
                        let (l, r) = (nd.left as usize, nd.right as usize);
                        let dl = M::box_lower(q, self.lo(l), self.hi(l), d);
                        let dr = M::box_lower(q, self.lo(r), self.hi(r), d);
                        let ((first, d1), second) = if dl <= dr { ((l, dl), (r, dr)) } else { ((r, dr), (l, dl)) };
                        stack[sp] = second;
                        sp += 1;
                        (cur, lb) = (first, d1);
                        continue;
                    }
                }
                if sp == 0 {
                    break;
                }
                sp -= 1;
                (cur, lb) = stack[sp];
            }
            node = parent as usize;
        }
    }

    #[inline(always)]
    fn scan_block<M: Metric, D: Dim, F: Fn(u32) -> bool>(
        &self,
        node: usize,
        q: &[f64],
        k: usize,
        skip: &F,
        out: &mut Neighbours,
        tie: &mut bool,
    ) {
        if self.rows_only() {
            return self.scan_block_rows::<M, D, F>(node, q, k, skip, out, tie);
        }
        let d = D::get(self.d);
        let (blk, w, m) = self.block(node, d);
        let start = self.nodes[node].start;
        for j0 in (0..m).step_by(LANES) {
            // the full distances of LANES points (the padding's are +inf)
            let mut acc = [0.0f64; LANES];
            for c in 0..d {
                let col: &[f64; LANES] = blk[c * w + j0..][..LANES].try_into().expect("LANES values");
                let qc = q[c];
                for l in 0..LANES {
                    acc[l] = M::step(acc[l], qc, col[l]);
                }
            }
            let worst = kth(out, k);
            if out.len() == k && acc.iter().all(|&a| a > worst) {
                continue;
            }
            for (l, &dist) in acc.iter().enumerate().take(m - j0) {
                let t = start + (j0 + l) as u32;
                if (dist <= kth(out, k) || out.len() < k) && !skip(t) {
                    offer_tied(out, k, dist, t, tie);
                }
            }
        }
    }

    /// Number of points p with `|p_c − q_c| < r_c` (strict) or `≤ r_c` for
    /// every column c. The query point itself is counted if it is in the tree.
    #[cfg(test)]
    pub fn count_box(&self, q: &[f64], r: &[f64], strict: bool) -> usize {
        if self.nodes.is_empty() {
            return 0;
        }
        by_dim!(self.d, D => if strict {
            self.count_from::<true, D>(0, q, r)
        } else {
            self.count_from::<false, D>(0, q, r)
        })
    }

    /// As [`count_box`](Self::count_box) for the box centred on the tree's
    /// own point at position `t`. The count starts at the lowest ancestor of
    /// t's leaf whose bounding box strictly contains the query box: points
    /// outside that subtree lie beyond its box in some column, hence farther
    /// than r there (monotone rounding again), so the count is exact and
    /// skips the walk down from the root.
    pub fn count_point(&self, t: u32, r: &[f64], strict: bool) -> usize {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has the feature the function is compiled for
            return unsafe { self.count_point_avx512(t, r, strict) };
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has the feature the function is compiled for
            return unsafe { self.count_point_avx2(t, r, strict) };
        }
        self.count_point_g(t, r, strict)
    }

    /// `count_point` compiled for AVX-512: the same comparisons on the
    /// same floats, so the same counts.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn count_point_avx512(&self, t: u32, r: &[f64], strict: bool) -> usize {
        self.count_point_g(t, r, strict)
    }

    /// `count_point` compiled for AVX2: the leaf scans compare 4 points
    /// per instruction instead of 2. The same comparisons on the same
    /// floats, so the same counts.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn count_point_avx2(&self, t: u32, r: &[f64], strict: bool) -> usize {
        self.count_point_g(t, r, strict)
    }

    #[inline(always)]
    fn count_point_g(&self, t: u32, r: &[f64], strict: bool) -> usize {
        by_dim!(self.d, D => {
            let d = D::get(self.d);
            let q = self.point(t);
            let mut node = self.block_of[t as usize] as usize;
            loop {
                let (lo, hi) = (self.lo(node), self.hi(node));
                // (no short circuit, as in `MaxNorm::ball_inside`)
                if (0..d).fold(true, |ok, c| ok & (q[c] - lo[c] > r[c]) & (hi[c] - q[c] > r[c])) {
                    break;
                }
                match self.parent[node] {
                    NONE => break,
                    p => node = p as usize,
                }
            }
            if strict {
                self.count_from::<true, D>(node, q, r)
            } else {
                self.count_from::<false, D>(node, q, r)
            }
        })
    }

    /// The count in the subtree of `root`, walked depth first with a stack
    /// (one body, so that it inlines into the AVX2 copy; the tree's depth
    /// is at most 33 for u32 positions). A node wholly inside the box
    /// counts in O(1), one wholly outside in none; a block straddling the
    /// box is scanned.
    #[inline(always)]
    fn count_from<const STRICT: bool, D: Dim>(&self, root: usize, q: &[f64], r: &[f64]) -> usize {
        let d = D::get(self.d);
        // no distance passes a radius below 0 (or at 0 when strict)
        if !(0..d).all(|c| within::<STRICT>(0.0, r[c])) {
            return 0;
        }
        let mut stack = [0u32; 64];
        let mut sp = 0;
        let mut node = root;
        let mut cnt = 0;
        loop {
            let nd = self.nodes[node];
            let (lo, hi) = (self.lo(node), self.hi(node));
            let mut overlaps = true;
            let mut inside = true;
            for c in 0..d {
                // The box's nearest coordinate distance in column c is the
                // largest of fl(lo − q) = −fl(q − lo), fl(q − hi) and 0, its
                // farthest the larger of fl(q − lo) and fl(hi − q); a largest
                // value passes the (monotone) radius test iff all do, so the
                // tests run on the differences themselves, without the
                // NaN-aware `max` (the data are finite).
                let (a, b) = (q[c] - lo[c], hi[c] - q[c]);
                overlaps &= within::<STRICT>(-a, r[c]) & within::<STRICT>(-b, r[c]);
                inside &= within::<STRICT>(a, r[c]) & within::<STRICT>(b, r[c]);
            }
            if overlaps {
                if inside {
                    cnt += (nd.end - nd.start) as usize;
                } else if self.soa_at[node] != NO_BLOCK {
                    cnt += self.count_block::<STRICT, D>(node, q, r);
                } else {
                    stack[sp] = nd.right;
                    sp += 1;
                    node = nd.left as usize;
                    continue;
                }
            }
            if sp == 0 {
                return cnt;
            }
            sp -= 1;
            node = stack[sp] as usize;
        }
    }

    /// Points of a block inside the box, [`LANES`] points at a time, column
    /// by column. A column the whole block lies within (its
    /// farthest coordinate distance passes) passes for every point (monotone
    /// rounding), so it is not scanned: a block usually straddles the box in
    /// one or two columns only.
    #[inline(always)]
    fn count_block<const STRICT: bool, D: Dim>(&self, node: usize, q: &[f64], r: &[f64]) -> usize {
        if self.rows_only() {
            return self.count_block_rows::<STRICT, D>(node, q, r);
        }
        let d = D::get(self.d);
        let (blk, w, m) = self.block(node, d);
        let (lo, hi) = (self.lo(node), self.hi(node));
        // the columns the block straddles (a column it lies within passes
        // for every point)
        let mut test = [false; MAX_TESTED];
        for (c, t) in test.iter_mut().enumerate().take(d) {
            *t = !(within::<STRICT>(q[c] - lo[c], r[c]) && within::<STRICT>(hi[c] - q[c], r[c]));
        }
        // The padding lanes past m hold +inf in every column: they pass
        // exactly when every tested column passes +inf, and are then taken
        // off the sum once instead of being tested per group. (A column the
        // box straddles has a finite radius, or a strict test, so they do
        // not; the count does not rely on it.)
        let pad_passes = (0..d).all(|c| (c < MAX_TESTED && !test[c]) || within::<STRICT>(f64::INFINITY, r[c]));
        let padding = if pad_passes { w - m } else { 0 };
        // per lane, the points that pass: one sum per block, no per-point
        // store (a vector of 0/1 words stored and summed per scan cost more
        // than the comparisons)
        let mut acc = [0u64; LANES];
        for j0 in (0..w).step_by(LANES) {
            let mut ok = [true; LANES];
            for c in 0..d {
                if c < MAX_TESTED && !test[c] {
                    continue;
                }
                let (qc, rc) = (q[c], r[c]);
                for (o, &x) in ok.iter_mut().zip(&blk[c * w + j0..][..LANES]) {
                    *o &= within::<STRICT>((x - qc).abs(), rc);
                }
            }
            for (a, &o) in acc.iter_mut().zip(&ok) {
                *a += o as u64;
            }
        }
        acc.iter().sum::<u64>() as usize - padding
    }
}

/// What every node of one build shares: the dimension, the leaf size, and
/// for a lean tree its block size.
struct Build {
    d: usize,
    leaf: usize,
    lean: Option<usize>,
}

/// The inverse of a permutation of 0..n: `inv[p[t]] = t`.
fn invert(p: &[u32]) -> Vec<u32> {
    let mut inv = vec![0u32; p.len()];
    for (t, &i) in p.iter().enumerate() {
        inv[i as usize] = t as u32;
    }
    inv
}

/// Number of nodes of the halving tree over `len` points. Lengths at one
/// depth differ by at most one, so the memo-free recursion below touches
/// O(log len) distinct lengths but we keep it simple: it is called once per
/// internal node on the left half only, and halves quickly.
fn subtree_nodes(len: usize, leaf: usize) -> usize {
    if len <= leaf {
        return 1;
    }
    let l = len / 2;
    if len.is_multiple_of(2) {
        1 + 2 * subtree_nodes(l, leaf)
    } else {
        1 + subtree_nodes(l, leaf) + subtree_nodes(len - l, leaf)
    }
}

/// Per-column extremes of the row-major points `rows` into `lo` and `hi`.
fn extremes(rows: &[f64], d: usize, lo: &mut [f64], hi: &mut [f64]) {
    lo.fill(f64::INFINITY);
    hi.fill(f64::NEG_INFINITY);
    for row in rows.chunks_exact(d) {
        for c in 0..d {
            lo[c] = lo[c].min(row[c]);
            hi[c] = hi[c].max(row[c]);
        }
    }
}

/// The first ids: per node, its rank in preorder among the blocks and
/// their ancestors (the nodes whose parent holds more than `block`
/// points), [`NONE`] below a block; and the number of such nodes (a lean
/// tree's box slots).
fn box_slots(nodes: &[Node], parent: &[u32], block: usize) -> (Vec<u32>, usize) {
    let size = |v: u32| (nodes[v as usize].end - nodes[v as usize].start) as usize;
    let mut slot = vec![NONE; nodes.len()];
    let mut at = 0u32;
    for (id, s) in slot.iter_mut().enumerate() {
        if parent[id] == NONE || size(parent[id]) > block {
            *s = at;
            at += 1;
        }
    }
    (slot, at as usize)
}

/// Build the subtree over `pts`/`idx` (rows `offset..offset+len` of the whole
/// tree) into `nodes[0..]`, whose first entry has global id `base`;
/// `keys` (as long as `idx`) is scratch for the partitions.
///
/// `ctx.lean`: `None` for the full tree, whose `bbox` holds the boxes of this
/// subtree's nodes in preorder (renumbered after the build). `Some(block)`
/// for a lean one (see [`KdTree::from_vec`]): `bbox` holds the boxes of this
/// subtree's nodes of the halving tree down to `block` points (the blocks and their
/// ancestors) in their own preorder, and is empty below a block; and parts
/// of more than [`IN_PLACE_VALUES`] values are permuted in place.
#[allow(clippy::too_many_arguments)]
fn build(
    ctx: &Build,
    pts: &mut [f64],
    idx: &mut [u32],
    keys: &mut [(u64, u32)],
    offset: usize,
    base: usize,
    nodes: &mut [Node],
    bbox: &mut [f64],
) {
    let Build { d, leaf, lean } = *ctx;
    let len = idx.len();
    let mut own = Vec::new();
    let (lo, hi) = if bbox.is_empty() {
        own.resize(2 * d, 0.0);
        own.split_at_mut(d)
    } else {
        bbox[..2 * d].split_at_mut(d)
    };
    extremes(pts, d, lo, hi);
    nodes[0] = Node { start: offset as u32, end: (offset + len) as u32, left: NONE, right: NONE };
    if len <= leaf {
        return;
    }
    let mut split = 0;
    let mut widest = -1.0;
    for c in 0..d {
        if hi[c] - lo[c] > widest {
            widest = hi[c] - lo[c];
            split = c;
        }
    }
    // Partition rows around the median of the split column, moving whole
    // rows so the recursion below reads memory sequentially. Keys are the
    // order-preserving u64 image of each value, cheaper to compare than
    // f64::total_cmp and ordering identically.
    let mid = len / 2;
    for ((key, r), i) in keys.iter_mut().zip(pts.chunks_exact(d)).zip(0..len as u32) {
        *key = (sortable(r[split]), i);
    }
    keys.select_nth_unstable(mid);
    if lean.is_some() && len * d > IN_PLACE_VALUES {
        permute_rows(pts, idx, d, keys);
    } else {
        let mut moved = Vec::with_capacity(len * (d + 1));
        for &(_, r) in keys.iter() {
            let r = r as usize;
            moved.extend_from_slice(&pts[r * d..(r + 1) * d]);
        }
        pts.copy_from_slice(&moved);
        let new_idx: Vec<u32> = keys.iter().map(|&(_, r)| idx[r as usize]).collect();
        idx.copy_from_slice(&new_idx);
        drop((moved, new_idx));
    }

    let left_nodes = subtree_nodes(mid, leaf);
    nodes[0].left = (base + 1) as u32;
    nodes[0].right = (base + 1 + left_nodes) as u32;
    let (_, rest_nodes) = nodes.split_at_mut(1);
    let (l_nodes, r_nodes) = rest_nodes.split_at_mut(left_nodes);
    let left_boxes = match lean {
        None => left_nodes,
        // the children are blocks or above them
        Some(block) if len > block => subtree_nodes(mid, block),
        Some(_) => 0,
    };
    let rest_box: &mut [f64] =
        if bbox.is_empty() || (lean.is_some() && left_boxes == 0) { &mut [] } else { &mut bbox[2 * d..] };
    let (l_box, r_box) = rest_box.split_at_mut(left_boxes * 2 * d);
    let (l_pts, r_pts) = pts.split_at_mut(mid * d);
    let (l_idx, r_idx) = idx.split_at_mut(mid);
    let (l_keys, r_keys) = keys.split_at_mut(mid);
    if len > 8_192 {
        rayon::join(
            || build(ctx, l_pts, l_idx, l_keys, offset, base + 1, l_nodes, l_box),
            || build(ctx, r_pts, r_idx, r_keys, offset + mid, base + 1 + left_nodes, r_nodes, r_box),
        );
    } else {
        build(ctx, l_pts, l_idx, l_keys, offset, base + 1, l_nodes, l_box);
        build(ctx, r_pts, r_idx, r_keys, offset + mid, base + 1 + left_nodes, r_nodes, r_box);
    }
}

/// Move row `keys[p].1` of `pts` (and of `idx`) to row p for every p, in
/// place: each cycle of the permutation is followed from its first row,
/// which waits in a one-row buffer. `keys` is spent (its row ids marked).
fn permute_rows(pts: &mut [f64], idx: &mut [u32], d: usize, keys: &mut [(u64, u32)]) {
    let mut held = vec![0.0; d];
    for first in 0..keys.len() {
        let src = keys[first].1;
        if src == NONE || src as usize == first {
            continue;
        }
        held.copy_from_slice(&pts[first * d..(first + 1) * d]);
        let held_id = idx[first];
        let mut at = first;
        loop {
            let from = keys[at].1 as usize;
            keys[at].1 = NONE;
            if from == first {
                pts[at * d..(at + 1) * d].copy_from_slice(&held);
                idx[at] = held_id;
                break;
            }
            pts.copy_within(from * d..(from + 1) * d, at * d);
            idx[at] = idx[from];
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::sorted::Sorted1D;
    use crate::testing::lcg;

    fn brute_count(data: &[f64], d: usize, q: &[f64], r: &[f64], strict: bool) -> usize {
        data.chunks(d)
            .filter(|p| {
                p.iter()
                    .zip(q)
                    .zip(r)
                    .all(|((a, b), rc)| if strict { (a - b).abs() < *rc } else { (a - b).abs() <= *rc })
            })
            .count()
    }

    #[test]
    fn sortable_keys_order_like_total_cmp() {
        let v = [f64::NEG_INFINITY, -1e300, -1.0, -0.0, 0.0, 1e-310, 1.0, 2.5, f64::INFINITY];
        for w in v.windows(2) {
            assert!(sortable(w[0]) < sortable(w[1]));
        }
    }

    #[test]
    fn counts_and_knn_match_brute_force() {
        let mut s = 7u64;
        for &(n, d) in &[(1usize, 1usize), (5, 2), (50, 1), (300, 3), (1000, 2), (257, 5)] {
            // quantised values give many exact ties, the hard case for counting
            let data: Vec<f64> = (0..n * d).map(|_| (lcg(&mut s) * 20.0).floor() / 4.0).collect();
            let m = MatRef::new(&data, n, d).unwrap();
            let tree = KdTree::new(m);
            let mut out = Vec::new();
            for i in 0..n {
                let q = m.row(i);
                let r: Vec<f64> = (0..d).map(|_| (lcg(&mut s) * 8.0).floor() / 4.0).collect();
                for strict in [true, false] {
                    assert_eq!(tree.count_box(q, &r, strict), brute_count(&data, d, q, &r, strict));
                }
                if d == 1 {
                    let sorted = Sorted1D::new(data.iter().copied());
                    for strict in [true, false] {
                        assert_eq!(
                            sorted.count(i, r[0], strict),
                            brute_count(&data, d, q, &r, strict),
                            "i={i} r={}",
                            r[0]
                        );
                    }
                }
                let k = 3.min(n - 1);
                let ti = tree.position(i);
                tree.knn_point::<MaxNorm, _>(ti, k, &|t| t == ti, &mut out);
                let mut all: Vec<f64> =
                    (0..n).filter(|&j| j != i).map(|j| MaxNorm::dist(q, m.row(j), f64::INFINITY, d)).collect();
                all.sort_by(f64::total_cmp);
                let got: Vec<f64> = out.iter().map(|p| p.0).collect();
                assert_eq!(got, all[..k].to_vec());
                tree.knn_point::<Euclidean, _>(ti, k, &|t| t == ti, &mut out);
                let mut all: Vec<f64> =
                    (0..n).filter(|&j| j != i).map(|j| Euclidean::dist(q, m.row(j), f64::INFINITY, d)).collect();
                all.sort_by(f64::total_cmp);
                let got: Vec<f64> = out.iter().map(|p| p.0).collect();
                assert_eq!(got, all[..k].to_vec());
            }
        }
    }

    /// Data of the shapes that stress exactness: quantised (many exact ties
    /// in every column), clustered (dense blobs far apart), heavy-tailed
    /// (Cauchy-like, spans many orders of magnitude) and exact duplicates.
    fn hard_data(kind: usize, n: usize, d: usize, s: &mut u64) -> Vec<f64> {
        (0..n)
            .flat_map(|i| (0..d).map(move |c| (i, c)))
            .map(|(i, c)| match kind {
                0 => (lcg(s) * 6.0).floor(),
                1 => (i % 5) as f64 * 100.0 + (c as f64) + lcg(s) * 1e-3,
                2 => (std::f64::consts::PI * (lcg(s) - 0.5)).tan(),
                _ => ((i / 3) as f64 * 0.37 + c as f64).sin(),
            })
            .collect()
    }

    #[test]
    fn block_searches_match_brute_force_and_the_leaf_search() {
        let mut s = 19u64;
        // 33 and 40: more columns than a block count records as straddled
        for d in (2..=12usize).chain([33, 40]) {
            for kind in 0..4 {
                let n = [150, 700][(d + kind) % 2];
                let data = hard_data(kind, n, d, &mut s);
                let m = MatRef::new(&data, n, d).unwrap();
                let tree = KdTree::new(m);
                let counter = KdTree::with_leaf(m, COUNT_LEAF);
                let (mut out, mut leafwise) = (Vec::new(), Vec::new());
                for i in (0..n).step_by(3) {
                    let q = m.row(i);
                    let mut all: Vec<f64> =
                        (0..n).filter(|&j| j != i).map(|j| MaxNorm::dist(q, m.row(j), f64::INFINITY, d)).collect();
                    all.sort_by(f64::total_cmp);
                    let k = 1 + (i + d) % 10;
                    let ti = tree.position(i);
                    tree.knn_point::<MaxNorm, _>(ti, k, &|t| t == ti, &mut out);
                    let got: Vec<f64> = out.iter().map(|p| p.0).collect();
                    assert_eq!(got, all[..k].to_vec(), "d={d} kind={kind} i={i} k={k}");
                    // the same neighbours as the leaf-by-leaf search, ties included
                    leafwise.clear();
                    by_dim!(d, D => tree.knn_point_g::<MaxNorm, D, _>(ti, k, &|t| t == ti, &mut leafwise));
                    let ids = |v: &Neighbours| {
                        let mut t: Vec<u32> = v.iter().map(|p| p.1).collect();
                        t.sort_unstable();
                        t
                    };
                    assert_eq!(ids(&out), ids(&leafwise), "d={d} kind={kind} i={i} k={k}");
                    // a Theiler-like window: the points next to i in row order
                    let ti0 = ti as usize;
                    let near = |t: u32| tree.original(t).abs_diff(tree.original(ti0 as u32)) <= 2;
                    tree.knn_point::<MaxNorm, _>(ti, k, &near, &mut out);
                    leafwise.clear();
                    by_dim!(d, D => tree.knn_point_g::<MaxNorm, D, _>(ti, k, &near, &mut leafwise));
                    assert_eq!(
                        out.iter().map(|p| p.0).collect::<Vec<_>>(),
                        leafwise.iter().map(|p| p.0).collect::<Vec<_>>()
                    );
                    assert_eq!(ids(&out), ids(&leafwise), "window d={d} kind={kind} i={i} k={k}");
                    let e = all[k - 1];
                    let r: Vec<f64> = (0..d).map(|c| if c % 3 == 1 { e * 0.5 } else { e }).collect();
                    let tc = counter.position(i);
                    for strict in [true, false] {
                        let want = brute_count(&data, d, q, &r, strict);
                        assert_eq!(counter.count_point(tc, &r, strict), want, "d={d} kind={kind} i={i}");
                        assert_eq!(tree.count_point(ti, &r, strict), want, "d={d} kind={kind} i={i}");
                        assert_eq!(counter.count_box(q, &r, strict), want);
                    }
                }
            }
        }
    }

    #[test]
    fn lean_tree_answers_as_the_full_tree() {
        let mut s = 23u64;
        for &(n, d, leaf) in &[(3000usize, 5usize, LEAF), (2500, 12, LEAF), (4000, 4, COUNT_LEAF), (40, 3, LEAF)] {
            for kind in 0..4 {
                let data = hard_data(kind, n, d, &mut s);
                let m = MatRef::new(&data, n, d).unwrap();
                let full = KdTree::with_leaf(m, leaf);
                let lean = KdTree::from_vec(data.clone(), n, d, leaf);
                assert!(lean.rows_only() && !full.rows_only());
                assert_eq!(full.pts, lean.pts, "same order n={n} d={d} kind={kind}");
                assert_eq!(full.idx, lean.idx);
                // the same nodes (numbered otherwise) with the same boxes
                let mut pairs = vec![(0usize, 0usize)];
                while let Some((a, b)) = pairs.pop() {
                    let (na, nb) = (full.nodes[a], lean.nodes[b]);
                    assert_eq!((na.start, na.end), (nb.start, nb.end));
                    assert_eq!((full.lo_any(a), full.hi_any(a)), (lean.lo_any(b), lean.hi_any(b)), "box of node {a}");
                    assert_eq!(full.soa_at[a] != NO_BLOCK, lean.soa_at[b] != NO_BLOCK);
                    if na.left != NONE {
                        pairs.push((na.left as usize, nb.left as usize));
                        pairs.push((na.right as usize, nb.right as usize));
                    }
                }
                let (mut o1, mut o2) = (Vec::new(), Vec::new());
                for i in (0..n).step_by(7) {
                    let t = full.position(i);
                    assert_eq!(t, lean.position(i));
                    let k = 1 + i % 6;
                    full.knn_point::<MaxNorm, _>(t, k, &|u| u == t, &mut o1);
                    lean.knn_point::<MaxNorm, _>(t, k, &|u| u == t, &mut o2);
                    assert_eq!(o1, o2, "n={n} d={d} kind={kind} i={i} k={k}");
                    let r: Vec<f64> = (0..d).map(|c| o1[k - 1].0 * if c % 2 == 0 { 1.0 } else { 0.5 }).collect();
                    for strict in [true, false] {
                        assert_eq!(full.count_point(t, &r, strict), lean.count_point(t, &r, strict));
                    }
                }
            }
        }
        // a part large enough to be permuted in place
        let (n, d) = (70_000, 5);
        let data = hard_data(2, n, d, &mut s);
        let full = KdTree::with_leaf(MatRef::new(&data, n, d).unwrap(), LEAF);
        let lean = KdTree::from_vec(data, n, d, LEAF);
        assert!(n * d > IN_PLACE_VALUES);
        assert_eq!(full.pts, lean.pts);
        assert_eq!(full.idx, lean.idx);
        assert_eq!(lean.into_positions(), full.into_positions());
    }
}
