//! k-nearest-neighbour estimators: KSG mutual information (algorithms 1 and
//! 2), Frenzel–Pompe conditional mutual information, Kozachenko–Leonenko
//! entropy. All return *local* (per-sample) values in nats; the estimate is
//! their mean.
//!
//! References: A. Kraskov, H. Stögbauer, P. Grassberger, "Estimating mutual
//! information", Phys. Rev. E 69, 066138 (2004); S. Frenzel, B. Pompe,
//! "Partial mutual information for coupling analysis of multivariate time
//! series", PRL 99, 204101 (2007); L. F. Kozachenko, N. N. Leonenko, Probl.
//! Inf. Transm. 23, 95 (1987). Algorithm-2 CMI follows J. T. Lizier's JIDT.
//!
//! Conventions (shared by JIDT, scikit-learn, NPEET, infomeasure):
//! distances are max norms over each variable's columns, the joint distance
//! the max over variables; the point itself is excluded from every search and
//! count. Algorithm 1 counts strictly inside ε_i (the k-th joint-neighbour
//! distance), algorithm 2 counts `≤` the per-variable extents of the k joint
//! neighbours.

use crate::search::boxgrid::BoxGrid;
use crate::search::brute::{Blocked, KnnRow};
use crate::search::grid::Grid;
use crate::search::grid3::Grid3;
use crate::search::kdtree::{Euclidean, KdTree, MaxNorm, Metric, COUNT_LEAF, LEAF, LEAN_COUNT_LEAF};
use crate::search::sorted::Sorted1D;
use crate::search::{split_at_cuts, Neighbours};
use crate::special::{digamma, ln_gamma, DigammaTable};
use crate::{Error, Interrupt, MatRef, Result};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::OnceLock;

/// KSG algorithm 1 or 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    One,
    Two,
}

impl Algorithm {
    pub fn from_int(a: u8) -> Result<Self> {
        match a {
            1 => Ok(Algorithm::One),
            2 => Ok(Algorithm::Two),
            _ => Err(Error::invalid("algorithm", format!("must be 1 or 2, got {a}"))),
        }
    }
}

/// Norm for the Kozachenko–Leonenko entropy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    Max,
    Euclidean,
}

/// Which samples may not be each other's neighbours besides the point itself:
/// a Theiler window `|i − j| ≤ window` within the same trial (dynamic
/// correlation exclusion). `trial` holds the trial id of each sample (samples
/// of one trial contiguous); `None` means one trial.
#[derive(Clone, Copy, Debug, Default)]
pub struct Exclusion<'a> {
    pub window: usize,
    pub trial: Option<&'a [u32]>,
}

impl Exclusion<'_> {
    #[inline]
    fn excludes(&self, i: usize, j: usize) -> bool {
        i == j || (self.window > 0 && i.abs_diff(j) <= self.window && self.trial.is_none_or(|t| t[i] == t[j]))
    }
    /// Samples j ≠ i inside the window (candidates to subtract from counts).
    fn window_of(&self, i: usize, n: usize) -> impl Iterator<Item = usize> + '_ {
        let lo = i.saturating_sub(self.window);
        let hi = (i + self.window + 1).min(n);
        (lo..hi).filter(move |&j| j != i && self.excludes(i, j))
    }
    fn n_excluded(&self, i: usize, n: usize) -> usize {
        if self.window == 0 {
            0
        } else {
            self.window_of(i, n).count()
        }
    }
}

/// Whether a sample counts itself within radius `r`: always, unless a
/// strict radius is 0 (exact duplicates with algorithm 1: then nothing is
/// strictly closer than ε = 0).
#[inline]
pub(crate) fn self_inside(r: f64, strict: bool) -> bool {
    if strict {
        0.0 < r
    } else {
        0.0 <= r
    }
}

/// Counting structure for one marginal space: a sorted copy for one column,
/// the rank grid with a summed-area table for two (see `boxgrid`), a k-d
/// tree otherwise. Built once and shareable across computations that count
/// in the same space (transfer-entropy sources and surrogates).
pub(crate) enum Counter {
    Sorted(Sorted1D),
    Box(BoxGrid),
    Tree(KdTree),
    /// many columns: blocked brute force (see [`brute_counts`])
    Brute(Blocked),
}

/// Largest `BoxGrid::crowding` at which the grid counts faster than the
/// tree (about 2 for a smooth copula; it grows like √n near a curve).
const BOX_CROWDING: f64 = 16.0;

impl Counter {
    pub fn new(m: MatRef<'_>) -> Self {
        if m.d == 1 {
            Counter::Sorted(Sorted1D::from_slice(m.data))
        } else if m.d == 2 && m.n >= 64 {
            let a: Vec<f64> = (0..m.n).map(|i| m.data[2 * i]).collect();
            let b: Vec<f64> = (0..m.n).map(|i| m.data[2 * i + 1]).collect();
            Self::box_or_tree(BoxGrid::new(&a, &b), || m.data.to_vec())
        } else if brute_counts(m.n, m.d) {
            Counter::Brute(Blocked::new(m))
        } else {
            Counter::Tree(KdTree::with_leaf(m, COUNT_LEAF))
        }
    }

    /// The counter of the 2-D space of columns `a`, `b`, given their
    /// ascending orders (ids by value), which saves sorting them again.
    pub fn from_sorted_pair(a: &[f64], b: &[f64], order_a: Vec<u32>, order_b: Vec<u32>) -> Result<Self> {
        let n = a.len();
        if b.len() != n || order_a.len() != n || order_b.len() != n {
            return Err(Error::Internal("columns and orders differ in length".into()));
        }
        let rows = || a.iter().zip(b).flat_map(|(u, v)| [*u, *v]).collect::<Vec<f64>>();
        Ok(if n >= 64 {
            Self::box_or_tree(BoxGrid::from_orders(a, b, order_a, order_b), rows)
        } else {
            Self::new(MatRef { data: &rows(), n, d: 2 })
        })
    }

    /// `rows`: the space's row-major data, wanted only for the tree.
    fn box_or_tree(grid: BoxGrid, rows: impl FnOnce() -> Vec<f64>) -> Self {
        // keep the counts O(n log n) in all when the data lie near a curve
        if grid.crowding() <= BOX_CROWDING {
            Counter::Box(grid)
        } else {
            let n = grid.len();
            let data = rows();
            Counter::Tree(KdTree::with_leaf(MatRef { data: &data, n, d: 2 }, COUNT_LEAF))
        }
    }

    /// Ascending order of each of this counter's columns, where it holds one.
    pub fn orders(&self) -> Vec<Option<&[u32]>> {
        match self {
            Counter::Sorted(s) => vec![Some(s.order())],
            Counter::Box(g) => vec![Some(g.order(0)), Some(g.order(1))],
            Counter::Tree(t) => vec![None; t.dim()],
            Counter::Brute(b) => vec![None; b.dim()],
        }
    }

    /// Count of j ≠ i within the per-column radii `r`, for the sample at
    /// position `pos` of this counter's order.
    pub(crate) fn count(&self, pos: usize, r: &[f64], strict: bool) -> usize {
        let with_self = match self {
            Counter::Sorted(s) => s.count_at_rank(pos, r[0], strict),
            Counter::Box(g) => g.count_at(pos, r, strict),
            Counter::Tree(t) => t.count_point(pos as u32, r, strict),
            Counter::Brute(b) => brute_count_one(b, pos, r, strict),
        };
        with_self - r.iter().all(|&rc| self_inside(rc, strict)) as usize
    }
    /// Position in this counter's natural order of sample `i`.
    #[inline]
    pub(crate) fn position(&self, i: usize) -> usize {
        match self {
            Counter::Sorted(s) => s.ranks()[i] as usize,
            Counter::Box(g) => g.position(i),
            Counter::Tree(t) => t.position(i) as usize,
            Counter::Brute(_) => i,
        }
    }
    /// The sample at position `pos` of this counter's natural order.
    fn at(&self, pos: usize) -> usize {
        match self {
            Counter::Sorted(s) => s.original(pos),
            Counter::Box(g) => g.original(pos),
            Counter::Tree(t) => t.original(pos as u32),
            Counter::Brute(_) => pos,
        }
    }

    fn passes(&self, i: usize, j: usize, r: &[f64], strict: bool) -> bool {
        let cmp = |a: f64, b: f64, rc: f64| {
            let t = (a - b).abs();
            if strict {
                t < rc
            } else {
                t <= rc
            }
        };
        match self {
            Counter::Sorted(s) => cmp(s.value(j), s.value(i), r[0]),
            Counter::Box(g) => {
                let (pi, pj) = (g.point(g.position(i)), g.point(g.position(j)));
                cmp(pj[0], pi[0], r[0]) && cmp(pj[1], pi[1], r[1])
            }
            Counter::Tree(t) => {
                let (pi, pj) = (t.point(t.position(i)), t.point(t.position(j)));
                (0..t.dim()).all(|c| cmp(pj[c], pi[c], r[c]))
            }
            Counter::Brute(b) => (0..b.dim()).all(|c| cmp(b.coord(j, c), b.coord(i, c), r[c])),
        }
    }
}

/// One brute-force count, out of line: its scan of every point dwarfs a
/// call, and kept out of `Counter::count` it lets the grid and tree counts
/// inline there as they do without it.
#[inline(never)]
fn brute_count_one(b: &Blocked, pos: usize, r: &[f64], strict: bool) -> usize {
    let mut c = [0u32];
    b.count_block(&[pos], r, strict, &mut c);
    c[0] as usize
}

/// Copy the given joint columns into their own row-major matrix.
fn gather(joint: MatRef<'_>, cols: &[usize]) -> Vec<f64> {
    let mut out = Vec::with_capacity(joint.n * cols.len());
    for i in 0..joint.n {
        let row = joint.row(i);
        out.extend(cols.iter().map(|&c| row[c]));
    }
    out
}

/// Specification of one k-NN computation in a joint space.
pub struct KnnSpec<'a> {
    /// The joint data, samples by columns.
    pub joint: MatRef<'a>,
    /// Column ranges of the variables (X, Y[, Z]) in the joint space.
    pub groups: Vec<Range<usize>>,
    /// Marginal spaces to count in, each a list of group ids.
    pub spaces: Vec<Vec<usize>>,
    pub k: usize,
    pub algorithm: Algorithm,
    pub exclusion: Exclusion<'a>,
}

impl<'a> KnnSpec<'a> {
    /// A copy (the groups and spaces cloned).
    fn clone_shape(&self) -> Self {
        KnnSpec {
            joint: self.joint,
            groups: self.groups.clone(),
            spaces: self.spaces.clone(),
            k: self.k,
            algorithm: self.algorithm,
            exclusion: self.exclusion,
        }
    }
}

/// The joint-space neighbour search: the rank grid in two or three
/// dimensions, where building a tree would cost more than the queries (see
/// `grid`, `grid3`), blocked brute force in many dimensions (see
/// [`brute_joint`]), the k-d tree otherwise.
enum JointSearch {
    Tree(KdTree),
    Grid(Grid),
    Grid3(Grid3),
    Brute(BruteJoint),
}

/// The brute-force joint search: the points blocked for the scan, their
/// rows (in sample order, which is this search's order) for the radius
/// pass, and a k-d tree built only if some query needs it (algorithm 2
/// with a tie at the k-th distance: which tied neighbours the k best hold
/// changes the per-variable radii, and the tree's choice is the answer).
struct BruteJoint {
    blocked: Blocked,
    rows: Vec<f64>,
    tree: OnceLock<KdTree>,
}

impl BruteJoint {
    fn tree(&self) -> &KdTree {
        let d = self.blocked.dim();
        self.tree.get_or_init(|| KdTree::new(MatRef { data: &self.rows, n: self.blocked.len(), d }))
    }
}

/// Which joint search and counters to use: the measured choice, or, as a
/// test aid, `INFOFLUX_SEARCH=tree` (never brute force) or `brute` (brute
/// force wherever the k-d tree would otherwise serve: joint spaces of 4 or
/// more columns, counting spaces of 3 or more), read once per process.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SearchChoice {
    Measured,
    Tree,
    Brute,
}

fn search_choice() -> SearchChoice {
    static CHOICE: OnceLock<SearchChoice> = OnceLock::new();
    *CHOICE.get_or_init(|| match std::env::var("INFOFLUX_SEARCH").as_deref() {
        Ok("tree") => SearchChoice::Tree,
        Ok("brute") => SearchChoice::Brute,
        _ => SearchChoice::Measured,
    })
}

/// Whether the joint k-NN search of n samples in d columns is brute force.
///
/// Measured (MI of two d/2-column Gaussians, k = 3, one thread, AMD EPYC
/// Zen 5 with AVX-512; seconds of the whole estimate, tree / brute force,
/// `benches/bench_crossover.py`):
///
/// | n, d | 8 | 12 | 14 | 16 | 20 | 24 | 32 |
/// |---|---|---|---|---|---|---|---|
/// | 2 000 | 0.0053 / 0.0084 | 0.0086 / 0.0097 | 0.0102 / 0.0106 | 0.0139 / 0.0110 | 0.0192 / 0.0136 | 0.0232 / 0.0158 | 0.033 / 0.0185 |
/// | 10 000 | 0.045 / 0.134 | 0.103 / 0.158 | 0.146 / 0.192 | 0.221 / 0.210 | 0.365 / 0.234 | 0.522 / 0.254 | 0.855 / 0.345 |
/// | 30 000 | | 0.62 / 1.45 | 0.93 / 1.60 | 1.50 / 1.76 | 2.87 / 1.78 | 4.17 / 2.20 | 6.71 / 2.74 |
/// | 100 000 | | | | | 23.9 / 18.0 | 47.4 / 22.4 | |
///
/// Brute force costs n² whatever the data; the tree's share of points a
/// query must visit falls as n grows, so the crossover dimension rises
/// with n. Above 3·10⁵ samples the tree stays whatever the dimension
/// (brute force would take hours there, and the tree holds one copy of the
/// points where brute force holds two; the 32-column bound there was
/// measured with an older tree and kernel).
fn brute_joint(n: usize, d: usize) -> bool {
    match search_choice() {
        SearchChoice::Tree => false,
        SearchChoice::Brute => d >= 4,
        SearchChoice::Measured => (d >= 16 && n <= 15_000) || (d >= 20 && n <= 100_000) || (d >= 32 && n <= 300_000),
    }
}

/// Whether the box counts of n samples in a d-column marginal space are
/// brute force: where the joint search of two such variables is (the
/// table of [`brute_joint`] times the estimate with both chosen together).
fn brute_counts(n: usize, d: usize) -> bool {
    match search_choice() {
        SearchChoice::Tree => false,
        SearchChoice::Brute => d >= 3,
        SearchChoice::Measured => brute_joint(n, 2 * d),
    }
}

/// Queries per unit of parallel work of the brute-force search (each
/// scans all n points: a few milliseconds at n = 10⁴).
const BRUTE_UNIT: usize = 256;

/// Joint dimensions served by a rank grid (from this many samples up).
fn grid_joint(joint: MatRef<'_>) -> bool {
    (joint.d == 2 || joint.d == 3) && joint.n >= 64
}

/// Largest `Grid3::crowding` at which the 3-D grid searches faster than the
/// tree (about 2 for a smooth copula).
pub(crate) const GRID3_CROWDING: f64 = 16.0;

impl JointSearch {
    /// `sorted`: the joint columns' sorted copies where a 1-D counter
    /// already holds them (saves re-sorting for the 2-D grid); `orders`: per
    /// joint column, its ascending order where any counter holds one (the
    /// same for the 3-D grid).
    fn new(joint: MatRef<'_>, sorted: [Option<&Sorted1D>; 2], orders: &[Option<&[u32]>]) -> Self {
        if brute_joint(joint.n, joint.d) {
            let blocked = Blocked::new(joint);
            return JointSearch::Brute(BruteJoint { blocked, rows: joint.data.to_vec(), tree: OnceLock::new() });
        }
        if joint.d == 2 && joint.n >= 64 {
            let grid = match sorted {
                [Some(sx), Some(sy)] if sx.len() == joint.n && sy.len() == joint.n => Grid::from_sorted(sx, sy),
                _ => {
                    let col = |c: usize| (0..joint.n).map(|i| joint.data[2 * i + c]).collect::<Vec<f64>>();
                    Grid::new(&col(0), &col(1))
                }
            };
            // keep the search O(n log n) when the data lie near a curve
            if grid.crowding() <= 32.0 {
                JointSearch::Grid(grid)
            } else {
                JointSearch::Tree(KdTree::new(joint))
            }
        } else if joint.d == 3 && joint.n >= 64 {
            let cols: Vec<Vec<f64>> = (0..3).map(|c| (0..joint.n).map(|i| joint.data[3 * i + c]).collect()).collect();
            let cols = [&cols[0][..], &cols[1][..], &cols[2][..]];
            let grid = match orders {
                // (a given counter over other rows would hold orders of another length)
                [Some(o0), Some(o1), Some(o2)] if [o0, o1, o2].iter().all(|o| o.len() == joint.n) => {
                    Grid3::from_orders(cols, [o0, o1, o2])
                }
                _ => Grid3::new(cols),
            };
            if grid.crowding() <= GRID3_CROWDING {
                JointSearch::Grid3(grid)
            } else {
                JointSearch::Tree(KdTree::new(joint))
            }
        } else {
            JointSearch::Tree(KdTree::new(joint))
        }
    }
    #[inline]
    fn original(&self, t: u32) -> usize {
        match self {
            JointSearch::Tree(s) => s.original(t),
            JointSearch::Grid(s) => s.original(t),
            JointSearch::Grid3(s) => s.original(t),
            JointSearch::Brute(_) => t as usize,
        }
    }
    #[inline]
    fn point(&self, t: u32) -> &[f64] {
        match self {
            JointSearch::Tree(s) => s.point(t),
            JointSearch::Grid(s) => &s.point(t)[..],
            JointSearch::Grid3(s) => &s.point(t)[..],
            JointSearch::Brute(s) => {
                let d = s.blocked.dim();
                &s.rows[t as usize * d..][..d]
            }
        }
    }
    /// Positions cutting the search order into units of parallel work.
    fn cuts(&self, n: usize) -> Vec<usize> {
        match self {
            JointSearch::Grid(s) => s.band_cuts(),
            JointSearch::Brute(_) => (0..n).step_by(BRUTE_UNIT).chain(std::iter::once(n)).collect(),
            _ => (0..n).step_by(CHUNK).chain(std::iter::once(n)).collect(),
        }
    }
    /// The positions of unit `b` (between `cuts[b]` and `cuts[b + 1]`) in
    /// the order to query them.
    fn visit(&self, b: usize, cuts: &[usize], out: &mut Vec<u32>) {
        match self {
            JointSearch::Grid(s) => s.visit_band(b, out),
            _ => {
                out.clear();
                out.extend(cuts[b] as u32..cuts[b + 1] as u32);
            }
        }
    }
    #[inline]
    fn knn<F: Fn(u32) -> bool>(&self, t: u32, k: usize, skip: &F, out: &mut Neighbours) {
        match self {
            JointSearch::Tree(s) => s.knn_point::<MaxNorm, F>(t, k, skip, out),
            JointSearch::Grid(s) => s.knn(t, k, skip, out),
            JointSearch::Grid3(s) => s.knn(t, k, skip, out),
            JointSearch::Brute(s) => {
                // one query at a time: the tree (the radius pass scans
                // whole units by brute force)
                let tree = s.tree();
                tree.knn_point::<MaxNorm, _>(tree.position(t as usize), k, &|u| skip(tree.original(u) as u32), out);
                for p in out.iter_mut() {
                    p.1 = tree.original(p.1) as u32;
                }
            }
        }
    }
}

/// Rows per unit of parallel work: large enough to amortise scheduling,
/// small enough that an interrupt is noticed within milliseconds.
const CHUNK: usize = 2048;

/// Core of every KSG-type estimator: for each sample, find its k nearest
/// neighbours in the joint space (max norm) and count the samples within the
/// matching radius in each marginal space. `local` turns the counts (one per
/// space, self and excluded samples removed) into the sample's local value.
pub fn knn_local_values<F>(spec: &KnnSpec<'_>, interrupt: &Interrupt, local: F) -> Result<Vec<f64>>
where
    F: Fn(&[usize]) -> f64 + Sync,
{
    let none: Vec<Option<&Counter>> = vec![None; spec.spaces.len()];
    knn_local_values_with(spec, &none, interrupt, local)
}

/// Columns of each counting space of `spec`, in joint-column order.
fn space_columns(spec: &KnnSpec<'_>) -> Vec<Vec<usize>> {
    spec.spaces.iter().map(|s| s.iter().flat_map(|&g| spec.groups[g].clone()).collect()).collect()
}

/// One counter per counting space of `spec` (`None` where `skip` is set).
fn build_counters_where(spec: &KnnSpec<'_>, skip: &[bool]) -> Vec<Option<Counter>> {
    space_columns(spec)
        .par_iter()
        .zip(skip)
        .map(|(cols, &skip)| {
            (!skip).then(|| {
                let data = gather(spec.joint, cols);
                Counter::new(MatRef { data: &data, n: spec.joint.n, d: cols.len() })
            })
        })
        .collect()
}

/// As [`knn_local_values`] with some counters given (one entry per space,
/// built from the same rows as `spec.joint`, columns in space order); the
/// missing ones are built here, alongside the joint search structure.
pub(crate) fn knn_local_values_with<F>(
    spec: &KnnSpec<'_>,
    given: &[Option<&Counter>],
    interrupt: &Interrupt,
    local: F,
) -> Result<Vec<f64>>
where
    F: Fn(&[usize]) -> f64 + Sync,
{
    let KnnSpec { joint, ref spaces, k, exclusion, .. } = *spec;
    let n = joint.n;
    check_k(k, n, &exclusion)?;
    if given.len() != spaces.len() {
        return Err(Error::Internal("one counter entry per space expected".into()));
    }
    let (tree, built) = search_structures(spec, given);
    let counters: Vec<&Counter> = given
        .iter()
        .zip(&built)
        .map(|(g, b)| g.or(b.as_ref()).ok_or_else(|| Error::Internal("counter missing".into())))
        .collect::<Result<_>>()?;
    interrupt.check()?;
    let layout = RowLayout::new(spec, &sorted_of(&counters));
    let rows = radii_pass(spec, &tree, &layout, interrupt, &local)?;
    // sample -> its position in the joint order
    let mut jpos = vec![0u32; n];
    for t in 0..n as u32 {
        jpos[tree.original(t)] = t;
    }
    drop(tree);
    let counts = count_pass(spec, &counters, &layout, &rows, &jpos, interrupt)?;
    let orders: Vec<Option<&Counter>> = counters.iter().map(|&c| Some(c)).collect();
    Ok(value_pass(n, &orders, &layout, &rows, &jpos, &counts, &local))
}

/// The joint search structure of `spec`, and the counters missing from
/// `given` (`None` where one is given).
fn search_structures(spec: &KnnSpec<'_>, given: &[Option<&Counter>]) -> (JointSearch, Vec<Option<Counter>>) {
    let KnnSpec { joint, ref groups, ref spaces, .. } = *spec;
    let skip: Vec<bool> = given.iter().map(|c| c.is_some()).collect();
    if grid_joint(joint) {
        // the grids reuse the counters' sorted columns: build those first
        let built = build_counters_where(spec, &skip);
        let mut sorted: [Option<&Sorted1D>; 2] = [None, None];
        for ((space, g), b) in spaces.iter().zip(given).zip(&built) {
            if let (Some(Counter::Sorted(srt)), [gr]) = (g.or(b.as_ref()), space.as_slice()) {
                if groups[*gr].len() == 1 && groups[*gr].start < 2 {
                    sorted[groups[*gr].start] = Some(srt);
                }
            }
        }
        let mut orders: Vec<Option<&[u32]>> = vec![None; joint.d];
        for ((cols, g), b) in space_columns(spec).iter().zip(given).zip(&built) {
            if let Some(ctr) = g.or(b.as_ref()) {
                for (&c, o) in cols.iter().zip(ctr.orders()) {
                    orders[c] = orders[c].or(o);
                }
            }
        }
        let tree = JointSearch::new(joint, sorted, &orders);
        (tree, built)
    } else {
        rayon::join(|| JointSearch::new(joint, [None, None], &[]), || build_counters_where(spec, &skip))
    }
}

/// What the radius pass keeps per query, in joint order: its local value
/// when every space is counted there, else `w` slots of [its radius
/// (algorithm 1) or radii per group, its fused counts].
struct RowLayout<'c> {
    /// per space: (joint column, group, sorted counter) where the radius
    /// pass counts it
    fused: Vec<Option<(usize, usize, &'c Sorted1D)>>,
    n_fused: usize,
    all_fused: bool,
    /// radii kept per query
    keep_rad: usize,
    /// slots per query
    w: usize,
}

/// Per counter, its sorted copy where it is one.
fn sorted_of<'c>(counters: &[&'c Counter]) -> Vec<Option<&'c Sorted1D>> {
    counters.iter().map(|c| if let Counter::Sorted(s) = c { Some(s) } else { None }).collect()
}

impl<'c> RowLayout<'c> {
    /// A copy (the fused list cloned).
    fn clone_shape(&self) -> Self {
        RowLayout { fused: self.fused.clone(), ..*self }
    }

    /// `sorted`: per space, its counter where it is a sorted copy.
    fn new(spec: &KnnSpec<'_>, sorted: &[Option<&'c Sorted1D>]) -> Self {
        let KnnSpec { ref groups, ref spaces, algorithm, exclusion, .. } = *spec;
        let g_n = groups.len();
        let strict = algorithm == Algorithm::One;
        // One-column spaces with a sorted counter are counted right after each
        // query, from the query's own value and radius: no radii to store and
        // gather back, and in joint-search order the queries' values move
        // slowly, so the value index stays cached. (Theiler windows need the
        // counter's order; those spaces go through the count pass.)
        let cols = space_columns(spec);
        let fused: Vec<Option<(usize, usize, &Sorted1D)>> = sorted
            .iter()
            .zip(spaces)
            .zip(&cols)
            .map(|((srt, space), c)| match (srt, c.as_slice()) {
                (Some(srt), &[col]) if exclusion.window == 0 => Some((col, space[0], *srt)),
                _ => None,
            })
            .collect();
        let n_fused = fused.iter().flatten().count();
        let all_fused = n_fused == spaces.len();
        // algorithm 1 has one radius for every group: keep it once, which
        // halves the rows that the count pass gathers from at random (a
        // history-1 TE at 10^5 then fits them in L2)
        let keep_rad = if all_fused {
            0
        } else if strict {
            1
        } else {
            g_n
        };
        let w = if all_fused { 1 } else { keep_rad + n_fused };
        RowLayout { fused, n_fused, all_fused, keep_rad, w }
    }
}

/// Pass 1, in joint-search order (neighbouring queries share cells and
/// nodes): the radius of every sample in every variable group, and the
/// fused spaces' counts (or the local value, when all are fused).
fn radii_pass<F>(
    spec: &KnnSpec<'_>,
    tree: &JointSearch,
    layout: &RowLayout<'_>,
    interrupt: &Interrupt,
    local: &F,
) -> Result<Vec<f64>>
where
    F: Fn(&[usize]) -> f64 + Sync,
{
    let KnnSpec { joint, ref groups, k, algorithm, exclusion, .. } = *spec;
    let RowLayout { ref fused, n_fused, all_fused, keep_rad, w } = *layout;
    let n = joint.n;
    let g_n = groups.len();
    let strict = algorithm == Algorithm::One;
    let mut rows = vec![0.0f64; n * w];
    let cuts = tree.cuts(n);
    let row_cuts: Vec<usize> = cuts.iter().map(|c| c * w).collect();
    split_at_cuts(&mut rows, &row_cuts).into_par_iter().enumerate().try_for_each_init(
        || (Vec::with_capacity(k + 1), vec![0.0f64; g_n], Vec::new(), vec![0usize; n_fused], Vec::new()),
        |(nbrs, rad, visit, cnt, unit): &mut (Neighbours, Vec<f64>, Vec<u32>, Vec<usize>, Vec<Neighbours>),
         (b, out)|
         -> Result<()> {
            interrupt.check()?;
            tree.visit(b, &cuts, visit);
            // brute force answers the whole unit at once (k + 1 best for
            // algorithm 2, to see ties at the k-th distance)
            let brute = if let JointSearch::Brute(s) = &tree {
                let kk = if algorithm == Algorithm::Two { k + 1 } else { k };
                let range = cuts[b]..cuts[b + 1];
                if exclusion.window == 0 {
                    s.blocked.knn_block(range, kk, &|i, j| i == j, unit);
                } else {
                    s.blocked.knn_block(range, kk, &|i, j| exclusion.excludes(i, j), unit);
                }
                true
            } else {
                false
            };
            // queries whose k-th neighbour is at distance 0 (exact ties)
            let mut zero = 0usize;
            for &t in visit.iter() {
                let o = &mut out[(t as usize - cuts[b]) * w..][..w];
                let i = tree.original(t);
                let q = tree.point(t);
                // algorithm 1 needs only the k-th distance: the 2-D grid's
                // 3 x 3 shortcut gives it for most queries, the 3-D grid's
                // k-th distance search for all (k ≤ MAX_K)
                let eps = match (&tree, algorithm, exclusion.window) {
                    (JointSearch::Grid(gr), Algorithm::One, 0) => gr.kth_distance_3x3(t, k),
                    (JointSearch::Grid3(gr), Algorithm::One, 0) => gr.kth_distance(t, k),
                    _ => None,
                };
                let row = brute.then(|| KnnRow { best: &unit[t as usize - cuts[b]] });
                if let Some(e) = eps {
                    rad.fill(e);
                } else if let Some(row) = row.as_ref().filter(|r| !(algorithm == Algorithm::Two && r.tied(k))) {
                    nbrs.clear();
                    nbrs.extend_from_slice(&row.best[..k]);
                } else if exclusion.window == 0 {
                    tree.knn(t, k, &|u| u == t, nbrs);
                } else {
                    tree.knn(t, k, &|u| exclusion.excludes(i, tree.original(u)), nbrs);
                }
                let kth = eps.unwrap_or_else(|| nbrs[k - 1].0);
                zero += (kth == 0.0) as usize;
                if !kth.is_finite() {
                    // |a - b| overflowed: no count would mean anything
                    return Err(Error::invalid(
                        "x",
                        "differences between samples overflow float64 (values near ±1.8e308): rescale the data",
                    ));
                }
                match algorithm {
                    Algorithm::One if eps.is_some() => {}
                    Algorithm::One => rad.fill(nbrs[k - 1].0),
                    Algorithm::Two => {
                        for (e, cols) in rad.iter_mut().zip(groups) {
                            *e = 0.0;
                            for &(_, u) in nbrs.iter() {
                                let p = tree.point(u);
                                for c in cols.clone() {
                                    *e = e.max((p[c] - q[c]).abs());
                                }
                            }
                        }
                    }
                }
                for (c, &(col, g, srt)) in cnt.iter_mut().zip(fused.iter().flatten()) {
                    *c = srt.count_value(q[col], rad[g], strict) - self_inside(rad[g], strict) as usize;
                }
                if all_fused {
                    o[0] = local(cnt);
                } else {
                    o[..keep_rad].copy_from_slice(&rad[..keep_rad]);
                    for (slot, &c) in o[keep_rad..].iter_mut().zip(cnt.iter()) {
                        *slot = c as f64;
                    }
                }
            }
            interrupt.tally_radii(zero, visit.len());
            Ok(())
        },
    )?;
    Ok(rows)
}

/// Pass 2, for the spaces not fused into pass 1, in each space's own order
/// (sorted values or its tree's order): consecutive queries then touch the
/// same cached part of the counting structure. Counts stay in that order
/// (`None` for a fused space).
fn count_pass(
    spec: &KnnSpec<'_>,
    counters: &[&Counter],
    layout: &RowLayout<'_>,
    rows: &[f64],
    jpos: &[u32],
    interrupt: &Interrupt,
) -> Result<Vec<Option<Vec<u32>>>> {
    let KnnSpec { joint, ref groups, ref spaces, algorithm, exclusion, .. } = *spec;
    let RowLayout { ref fused, w, .. } = *layout;
    let n = joint.n;
    let strict = algorithm == Algorithm::One;
    let mut counts: Vec<Option<Vec<u32>>> = Vec::with_capacity(spaces.len());
    for (s, ctr) in counters.iter().enumerate() {
        if fused[s].is_some() {
            counts.push(None);
            continue;
        }
        let col_group: Vec<usize> = spaces[s].iter().flat_map(|&g| groups[g].clone().map(move |_| g)).collect();
        let nc = col_group.len();
        let mut cs = vec![0u32; n];
        // a brute-force count scans all n points per query: units of
        // BRUTE_UNIT queries, as in the radius pass, keep every thread busy
        // to the end (n = 10^4 would be 5 chunks of CHUNK on 2 threads)
        let unit = if matches!(ctr, Counter::Brute(_)) { BRUTE_UNIT } else { CHUNK };
        cs.par_chunks_mut(unit).enumerate().try_for_each_init(
            || vec![0.0f64; unit * nc],
            |r, (c, out)| -> Result<()> {
                interrupt.check()?;
                let base = c * unit;
                // radii gathered first: one loop of independent loads
                // instead of a cache miss inside every count
                for (pos, rr) in (base..base + out.len()).zip(r.chunks_exact_mut(nc)) {
                    let t = jpos[ctr.at(pos)] as usize;
                    for (x, &g) in rr.iter_mut().zip(&col_group) {
                        *x = rows[t * w + if strict { 0 } else { g }];
                    }
                }
                if let Counter::Brute(bc) = ctr {
                    // the chunk's counts in one blocked scan (self included)
                    let queries: Vec<usize> = (base..base + out.len()).collect();
                    bc.count_block(&queries, &r[..out.len() * nc], strict, out);
                }
                for ((o, pos), rr) in out.iter_mut().zip(base..).zip(r.chunks_exact(nc)) {
                    let mut cnt = match ctr {
                        Counter::Brute(_) => *o as usize - rr.iter().all(|&rc| self_inside(rc, strict)) as usize,
                        _ => ctr.count(pos, rr, strict),
                    };
                    if exclusion.window > 0 {
                        let i = ctr.at(pos);
                        cnt -= exclusion.window_of(i, n).filter(|&j| ctr.passes(i, j, rr, strict)).count();
                    }
                    *o = cnt as u32;
                }
                Ok(())
            },
        )?;
        counts.push(Some(cs));
    }

    Ok(counts)
}

/// Pass 3: local values in sample order, from the radius pass's rows and
/// the count pass's counts (each in its counter's order, or in sample
/// order where `orders` has no counter).
fn value_pass<F>(
    n: usize,
    orders: &[Option<&Counter>],
    layout: &RowLayout<'_>,
    rows: &[f64],
    jpos: &[u32],
    counts: &[Option<Vec<u32>>],
    local: &F,
) -> Vec<f64>
where
    F: Fn(&[usize]) -> f64 + Sync,
{
    let RowLayout { all_fused, keep_rad, w, .. } = *layout;
    if all_fused {
        return (0..n).into_par_iter().with_min_len(CHUNK).map(|i| rows[jpos[i] as usize]).collect();
    }
    (0..n)
        .into_par_iter()
        .with_min_len(CHUNK)
        .map_init(
            || vec![0usize; counts.len()],
            |buf, i| {
                let t = jpos[i] as usize;
                let mut f = t * w + keep_rad;
                for ((b, cs), ctr) in buf.iter_mut().zip(counts).zip(orders) {
                    *b = match cs {
                        Some(cs) => cs[ctr.map_or(i, |c| c.position(i))] as usize,
                        None => {
                            f += 1;
                            rows[f - 1] as usize
                        }
                    };
                }
                local(buf)
            },
        )
        .collect()
}

fn check_k(k: usize, n: usize, exclusion: &Exclusion<'_>) -> Result<()> {
    if k < 1 {
        return Err(Error::invalid("k", "must be at least 1"));
    }
    if n == 0 {
        return Err(Error::invalid("x", "no samples"));
    }
    // every sample needs k candidates outside its exclusion window
    let worst = (0..n).map(|i| exclusion.n_excluded(i, n)).max().unwrap_or(0);
    if k + worst >= n {
        return Err(Error::invalid(
            "k",
            format!(
                "k={k} needs more than {} samples (got {n}{})",
                k + worst,
                if worst > 0 { ", after the Theiler window" } else { "" }
            ),
        ));
    }
    Ok(())
}

fn hstack(parts: &[MatRef<'_>]) -> Result<(Vec<f64>, Vec<Range<usize>>)> {
    let n = parts[0].n;
    if let Some(p) = parts.iter().find(|p| p.n != n) {
        return Err(Error::invalid("y", format!("all variables need the same number of samples ({n} vs {})", p.n)));
    }
    let d: usize = parts.iter().map(|p| p.d).sum();
    let mut groups = Vec::new();
    let mut o = 0;
    for p in parts {
        groups.push(o..o + p.d);
        o += p.d;
    }
    let mut joint = Vec::with_capacity(n * d);
    // NaN or inf would break the searches' ordering (the pipeline refuses
    // them; a direct caller gets the error here)
    let mut finite = vec![true; parts.len()];
    for i in 0..n {
        for (p, ok) in parts.iter().zip(finite.iter_mut()) {
            let row = p.row(i);
            *ok &= row.iter().fold(true, |a, v| a & v.is_finite());
            joint.extend_from_slice(row);
        }
    }
    if let Some(bad) = finite.iter().position(|ok| !ok) {
        return Err(Error::invalid(["x", "y", "z"].get(bad).unwrap_or(&"z"), "contains NaN or infinity"));
    }
    Ok((joint, groups))
}

/// Local KSG mutual information I(X;Y), nats.
///
/// Algorithm 1: i_t = ψ(k) + ψ(N) − ψ(n_x+1) − ψ(n_y+1), counts strict.
/// Algorithm 2: i_t = ψ(k) − 1/k + ψ(N) − ψ(n_x) − ψ(n_y), counts `≤`.
pub fn mutual_info_local(
    x: MatRef<'_>,
    y: MatRef<'_>,
    k: usize,
    algorithm: Algorithm,
    exclusion: Exclusion<'_>,
    interrupt: &Interrupt,
) -> Result<Vec<f64>> {
    let (joint, groups) = hstack(&[x, y])?;
    let n = x.n;
    let spec = KnnSpec {
        joint: MatRef { data: &joint, n, d: x.d + y.d },
        groups,
        spaces: vec![vec![0], vec![1]],
        k,
        algorithm,
        exclusion,
    };
    knn_local_values(&spec, interrupt, mi_local_formula(k, algorithm, n))
}

/// The preprocessing of [`crate::prep::preprocess`] for the variables of
/// one estimate: variable j (X, Y, Z in order) draws its noise from stream
/// j of `seed`.
#[derive(Clone, Copy, Debug)]
pub struct Prep {
    pub normalize: bool,
    pub noise: f64,
    pub seed: u64,
}

impl Prep {
    fn is_identity(&self) -> bool {
        !self.normalize && self.noise == 0.0
    }
}

/// Joint matrices of at least this many values (64 MiB) are estimated in
/// phases by [`knn_local_values_lean`] where a k-d tree searches them.
const LEAN_VALUES: usize = 1 << 23;

/// The variables side by side in one row-major matrix, each preprocessed
/// there as [`Prep`] says (the floats `prep::preprocess` gives each on its
/// own), and the column range of each.
fn joint_prepared(parts: &[MatRef<'_>], prep: &Prep) -> Result<(Vec<f64>, Vec<Range<usize>>)> {
    let (mut joint, groups) = hstack(parts)?;
    let (n, d) = (parts[0].n, groups.last().map_or(0, |g| g.end));
    if !prep.is_identity() {
        for (j, g) in groups.iter().enumerate() {
            crate::prep::preprocess_columns(
                &mut joint,
                n,
                d,
                g.start,
                g.len(),
                prep.normalize,
                prep.noise,
                prep.seed,
                j as u64,
            )?;
        }
        // the core's preprocessing keeps finite data finite at any magnitude;
        // kept as the unprepared path checks it
        for (j, g) in groups.iter().enumerate() {
            if !joint.chunks_exact(d).all(|row| row[g.clone()].iter().all(|v| v.is_finite())) {
                return Err(Error::invalid(["x", "y", "z"].get(j).unwrap_or(&"z"), "contains NaN or infinity"));
            }
        }
    }
    Ok((joint, groups))
}

/// The columns of the groups `space` of the variables `parts`, side by
/// side and preprocessed as in [`joint_prepared`] (the same floats).
fn space_prepared(parts: &[MatRef<'_>], space: &[usize], prep: &Prep) -> Result<Vec<f64>> {
    let sel: Vec<MatRef<'_>> = space.iter().map(|&g| parts[g]).collect();
    let (mut data, groups) = hstack(&sel)?;
    let (n, d) = (parts[0].n, groups.last().map_or(0, |g| g.end));
    if !prep.is_identity() {
        for (&j, g) in space.iter().zip(&groups) {
            crate::prep::preprocess_columns(
                &mut data,
                n,
                d,
                g.start,
                g.len(),
                prep.normalize,
                prep.noise,
                prep.seed,
                j as u64,
            )?;
        }
    }
    Ok(data)
}

/// Local KSG mutual information I(X;Y), nats, of the variables as given,
/// preprocessed here as `prep` says: the values [`mutual_info_local`]
/// gives for `x` and `y` preprocessed by `prep::preprocess` (streams 0
/// and 1). A large estimate (see `lean_joint`) preprocesses straight
/// into the joint matrix, without holding those copies beside it, and runs
/// in phases (see `knn_local_values_lean`).
pub fn mutual_info_local_prep(
    x: MatRef<'_>,
    y: MatRef<'_>,
    prep: Prep,
    k: usize,
    algorithm: Algorithm,
    exclusion: Exclusion<'_>,
    interrupt: &Interrupt,
) -> Result<Vec<f64>> {
    let parts = [x, y];
    let (n, d) = (x.n, x.d + y.d);
    if !lean_joint(n, d) {
        // small enough to hold twice: each variable preprocessed in a copy
        // of its own, where the column passes run at unit stride (strided
        // in the joint matrix they cost some 8% of a 1-D MI at 10^6)
        let owned: Vec<Option<Vec<f64>>> = parts
            .iter()
            .enumerate()
            .map(|(j, m)| {
                (!prep.is_identity())
                    .then(|| {
                        let mut v = m.data.to_vec();
                        crate::prep::preprocess(&mut v, m.n, m.d, prep.normalize, prep.noise, prep.seed, j as u64)
                            .map(|_| v)
                    })
                    .transpose()
            })
            .collect::<Result<_>>()?;
        let mat = |j: usize| owned[j].as_deref().map_or(parts[j], |v| MatRef { data: v, n: parts[j].n, d: parts[j].d });
        interrupt.check()?;
        return mutual_info_local(mat(0), mat(1), k, algorithm, exclusion, interrupt);
    }
    let (joint, groups) = joint_prepared(&parts, &prep)?;
    // the searches' builds do not poll: stop before them if asked to
    interrupt.check()?;
    let local = mi_local_formula(k, algorithm, n);
    let spaces = vec![vec![0], vec![1]];
    let space_data = |s: usize| space_prepared(&parts, &[s], &prep);
    knn_local_values_lean(joint, groups, spaces, k, algorithm, exclusion, &space_data, interrupt, local)
}

/// Whether the k-NN estimate of n samples in d joint columns runs in
/// phases: where the k-d tree searches the joint space and the data are
/// large. As a test aid, `INFOFLUX_PHASES=always` (whatever the size) or
/// `never`, read once per process.
fn lean_joint(n: usize, d: usize) -> bool {
    static PHASES: OnceLock<Option<bool>> = OnceLock::new();
    let forced = *PHASES.get_or_init(|| match std::env::var("INFOFLUX_PHASES").as_deref() {
        Ok("always") => Some(true),
        Ok("never") => Some(false),
        _ => None,
    });
    let large = forced.unwrap_or(n.saturating_mul(d) >= LEAN_VALUES);
    large && !grid_joint(MatRef { data: &[], n, d }) && !brute_joint(n, d)
}

/// [`knn_local_values`] in phases, for data too large to hold several
/// times: the joint k-d tree is built in the joint buffer itself
/// ([`KdTree::from_vec`]: no copy, one point layout), the radius pass
/// runs, the tree is dropped, and only then is each counting space built
/// (from `space_data(s)`, the columns of space s, preprocessed as in the
/// joint buffer), counted and dropped in turn. At most one search
/// structure is alive at a time: the peak is about the joint matrix plus
/// O(n) integers, against about five copies of the data for
/// [`knn_local_values`]. The counts are the same integers and the k-th
/// distances the same floats, so are the values.
#[allow(clippy::too_many_arguments)] // a KnnSpec whose joint matrix is owned, plus the spaces' source
fn knn_local_values_lean<F>(
    joint: Vec<f64>,
    groups: Vec<Range<usize>>,
    spaces: Vec<Vec<usize>>,
    k: usize,
    algorithm: Algorithm,
    exclusion: Exclusion<'_>,
    space_data: &(dyn Fn(usize) -> Result<Vec<f64>> + Sync),
    interrupt: &Interrupt,
    local: F,
) -> Result<Vec<f64>>
where
    F: Fn(&[usize]) -> f64 + Sync,
{
    let d = groups.last().map_or(0, |g| g.end);
    let n = joint.len().checked_div(d).unwrap_or(0);
    check_k(k, n, &exclusion)?;
    // the passes read only the joint matrix's shape from the spec: the
    // points live in the tree
    let spec = KnnSpec { joint: MatRef { data: &[], n, d }, groups, spaces, k, algorithm, exclusion };
    let cols = space_columns(&spec);
    // one-column spaces: a sorted copy (two n-vectors), fused into the radius pass
    let sorted: Vec<Option<Counter>> = cols
        .iter()
        .enumerate()
        .map(|(s, c)| -> Result<Option<Counter>> {
            if c.len() != 1 {
                return Ok(None);
            }
            let data = space_data(s)?;
            Ok(Some(Counter::new(MatRef { data: &data, n, d: 1 })))
        })
        .collect::<Result<_>>()?;
    let sorted_refs: Vec<Option<&Sorted1D>> =
        sorted.iter().map(|c| if let Some(Counter::Sorted(s)) = c { Some(s) } else { None }).collect();
    interrupt.check()?;
    let tree = KdTree::from_vec(joint, n, d, LEAF);
    crate::search::release_free_memory();
    let search = JointSearch::Tree(tree);
    let layout = RowLayout::new(&spec, &sorted_refs);
    let rows = radii_pass(&spec, &search, &layout, interrupt, &local)?;
    let jpos = match search {
        JointSearch::Tree(t) => t.into_positions(),
        _ => return Err(Error::Internal("the lean search is a tree".into())),
    };
    // per space, the counts in sample order (None where fused)
    let mut counts: Vec<Option<Vec<u32>>> = Vec::with_capacity(cols.len());
    for (s, c) in cols.iter().enumerate() {
        // the previous structure (the joint tree first) is gone: its
        // build's and its own pages go back before the next is built
        crate::search::release_free_memory();
        if layout.fused[s].is_some() {
            counts.push(None);
            continue;
        }
        let owned;
        let ctr = match &sorted[s] {
            Some(ctr) => ctr,
            None => {
                interrupt.check()?;
                owned = counter_from_vec(space_data(s)?, n, c.len());
                &owned
            }
        };
        // count_pass over this one space
        let one = KnnSpec { spaces: vec![spec.spaces[s].clone()], ..spec.clone_shape() };
        let one_layout = RowLayout { fused: vec![None], ..layout.clone_shape() };
        let cs = count_pass(&one, &[ctr], &one_layout, &rows, &jpos, interrupt)?.pop().flatten();
        let cs = cs.ok_or_else(|| Error::Internal("count pass gave no counts".into()))?;
        let mut by_sample = vec![0u32; n];
        for (pos, &v) in cs.iter().enumerate() {
            by_sample[ctr.at(pos)] = v;
        }
        counts.push(Some(by_sample));
    }
    // the last space's structure, before the values' allocations
    crate::search::release_free_memory();
    let orders: Vec<Option<&Counter>> = vec![None; cols.len()];
    Ok(value_pass(n, &orders, &layout, &rows, &jpos, &counts, &local))
}

/// The counter of a marginal space of n samples in d columns from its own
/// row-major copy: a lean k-d tree in that buffer where a tree counts (see
/// [`KdTree::from_vec`]), else [`Counter::new`]'s choice.
fn counter_from_vec(data: Vec<f64>, n: usize, d: usize) -> Counter {
    if d >= 3 && !brute_counts(n, d) {
        Counter::Tree(KdTree::from_vec(data, n, d, LEAN_COUNT_LEAF))
    } else {
        Counter::new(MatRef { data: &data, n, d })
    }
}

/// The local MI value from the counts (n_x, n_y), self excluded.
pub fn mi_local_formula(k: usize, algorithm: Algorithm, n: usize) -> impl Fn(&[usize]) -> f64 + Sync {
    let psi_k = digamma(k as f64);
    let psi_n = digamma(n as f64);
    let tab = DigammaTable::new(n + 2);
    let kf = k as f64;
    move |c: &[usize]| match algorithm {
        Algorithm::One => psi_k + psi_n - tab.psi(c[0] + 1) - tab.psi(c[1] + 1),
        Algorithm::Two => psi_k - 1.0 / kf + psi_n - tab.psi(c[0]) - tab.psi(c[1]),
    }
}

/// Local conditional mutual information I(X;Y|Z), nats.
///
/// Algorithm 1 (Frenzel–Pompe): ψ(k) − ψ(n_xz+1) − ψ(n_yz+1) + ψ(n_z+1).
/// Algorithm 2 (JIDT): ψ(k) − 2/k + ψ(n_z) − ψ(n_xz) − ψ(n_yz) + 1/n_xz + 1/n_yz.
pub fn conditional_mutual_info_local(
    x: MatRef<'_>,
    y: MatRef<'_>,
    z: MatRef<'_>,
    k: usize,
    algorithm: Algorithm,
    exclusion: Exclusion<'_>,
    interrupt: &Interrupt,
) -> Result<Vec<f64>> {
    let (joint, groups) = hstack(&[x, y, z])?;
    let n = x.n;
    cmi_from_joint(MatRef { data: &joint, n, d: x.d + y.d + z.d }, groups, k, algorithm, exclusion, interrupt)
}

/// Conditional MI on a prepared joint matrix whose column groups are X, Y, Z
/// (the transfer-entropy path builds its embedding straight into one).
pub fn cmi_from_joint(
    joint: MatRef<'_>,
    groups: Vec<Range<usize>>,
    k: usize,
    algorithm: Algorithm,
    exclusion: Exclusion<'_>,
    interrupt: &Interrupt,
) -> Result<Vec<f64>> {
    let spec = KnnSpec { joint, groups, spaces: vec![vec![0, 2], vec![1, 2], vec![2]], k, algorithm, exclusion };
    knn_local_values(&spec, interrupt, cmi_local_formula(k, algorithm, joint.n))
}

/// The local CMI value from the counts (n_xz, n_yz, n_z), self excluded.
pub fn cmi_local_formula(k: usize, algorithm: Algorithm, n: usize) -> impl Fn(&[usize]) -> f64 + Sync {
    let psi_k = digamma(k as f64);
    let tab = DigammaTable::new(n + 2);
    let kf = k as f64;
    move |c: &[usize]| match algorithm {
        Algorithm::One => psi_k - tab.psi(c[0] + 1) - tab.psi(c[1] + 1) + tab.psi(c[2] + 1),
        Algorithm::Two => {
            let (nxz, nyz) = (c[0] as f64, c[1] as f64);
            psi_k - 2.0 / kf + tab.psi(c[2]) - tab.psi(c[0]) - tab.psi(c[1]) + 1.0 / nxz + 1.0 / nyz
        }
    }
}

/// Local Kozachenko–Leonenko entropy, nats:
/// h_i = ψ(N) − ψ(k) + ln c_d + d·ln(2ρ_i), ρ_i the distance to the k-th
/// neighbour and c_d the volume of the unit-*diameter* ball of the norm
/// (1 for the max norm, π^{d/2}/(Γ(d/2+1)·2^d) for the Euclidean norm).
pub fn entropy_local(x: MatRef<'_>, k: usize, norm: Norm, interrupt: &Interrupt) -> Result<Vec<f64>> {
    let n = x.n;
    check_k(k, n, &Exclusion::default())?;
    let d = x.d as f64;
    let ln_cd = match norm {
        Norm::Max => 0.0,
        Norm::Euclidean => d / 2.0 * std::f64::consts::PI.ln() - ln_gamma(d / 2.0 + 1.0) - d * 2f64.ln(),
    };
    let base = digamma(n as f64) - digamma(k as f64) + ln_cd;
    let value = |rho: Radius| match rho {
        Radius::Zero => f64::NAN,
        // the plain formula wherever 2ρ is a finite float
        Radius::Plain(rho) if (2.0 * rho).is_finite() => base + d * (2.0 * rho).ln(),
        Radius::Plain(rho) => base + d * (std::f64::consts::LN_2 + rho.ln()),
        Radius::Log(ln_rho) => base + d * (std::f64::consts::LN_2 + ln_rho),
    };
    let values = if brute_entropy(n, x.d, norm) {
        kl_radii_brute(x, k, norm, interrupt, value)?
    } else {
        kl_radii_tree(x, k, norm, interrupt, 0.0, value)?
    };
    let zero = values.iter().filter(|v| v.is_nan()).count();
    interrupt.tally_radii(zero, n);
    if zero > 0 {
        return Err(Error::invalid(
            "x",
            format!(
                "duplicate samples: {zero} of {n} samples have a zero distance to their k-th neighbour (k={k}), \
                 so the entropy is -inf; add noise (noise > 0) or raise k"
            ),
        ));
    }
    Ok(values)
}

/// Whether the k-th neighbour distances of the entropy of n samples in d
/// columns come from a brute-force scan ([`kl_radii_brute`]) rather than
/// the k-d tree; `INFOFLUX_SEARCH` forces either, as for the joint searches
/// (`brute`: every dimension).
///
/// Measured (entropy of n samples of d independent standard normal
/// columns, k = 3, one thread, two shared cores of an AMD EPYC; seconds
/// tree / brute force, each pair from one run, the load varying between
/// runs):
///
/// | norm, n | d = 8 | 10 | 12 | 16 | 20 | 32 |
/// |---|---|---|---|---|---|---|
/// | max, 2 000 | 0.010 / 0.012 | 0.015 / 0.012 | 0.021 / 0.012 | 0.023 / 0.016 | 0.028 / 0.019 | |
/// | max, 10 000 | 0.077 / 0.129 | 0.155 / 0.181 | 0.196 / 0.155 | 0.296 / 0.178 | 0.584 / 0.338 | 1.23 / 0.459 |
/// | max, 30 000 | | | 1.33 / 1.65 | 3.38 / 2.38 | 9.19 / 3.44 (d = 24) | |
/// | max, 100 000 | | | | 41.7 / 14.3 | | |
/// | Euclidean, 2 000 | 0.009 / 0.004 | | 0.010 / 0.006 | 0.023 / 0.015 | 0.016 / 0.008 | |
/// | Euclidean, 10 000 | 0.064 / 0.063 | 0.134 / 0.108 | 0.214 / 0.104 | 0.387 / 0.126 | 0.522 / 0.143 | 0.813 / 0.237 |
/// | Euclidean, 30 000 | 0.291 / 0.537 | | 1.43 / 0.827 | 3.05 / 1.19 | | |
/// | Euclidean, 100 000 | | | 10.2 / 7.71 | | | |
///
/// The max norm's search alone crosses over at about 12 columns (a whole
/// KSG estimate, whose counts also run on the tree, later: see
/// [`brute_joint`]); the tree prunes less under the Euclidean norm (a
/// Euclidean k-th distance reaches further along each axis than a max-norm
/// one), so brute force wins there from 10 dimensions up to 10⁵ samples.
/// Beyond 3·10⁵ samples the tree stays.
fn brute_entropy(n: usize, d: usize, norm: Norm) -> bool {
    match search_choice() {
        SearchChoice::Tree => false,
        SearchChoice::Brute => true,
        SearchChoice::Measured => match norm {
            Norm::Max => (d >= 12 && n <= 15_000) || (d >= 16 && n <= 100_000) || (d >= 32 && n <= 300_000),
            Norm::Euclidean => (d >= 10 && n <= 100_000) || (d >= 32 && n <= 300_000),
        },
    }
}

/// `f` of every sample's k-th neighbour distance from the k-d tree, in
/// sample order (`fill`: any value, overwritten).
fn kl_radii_tree<T: Copy + Send>(
    x: MatRef<'_>,
    k: usize,
    norm: Norm,
    interrupt: &Interrupt,
    fill: T,
    f: impl Fn(Radius) -> T + Sync,
) -> Result<Vec<T>> {
    let n = x.n;
    let tree = KdTree::new(x);
    let chunks: Vec<Result<Vec<T>>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            interrupt.check()?;
            let mut nbrs = Vec::with_capacity(k + 1);
            let range = c * CHUNK..((c + 1) * CHUNK).min(n);
            Ok(range.map(|t| f(kl_radius(&tree, t as u32, k, norm, &mut nbrs))).collect())
        })
        .collect();
    let chunks = chunks.into_iter().collect::<Result<Vec<_>>>()?;
    let mut out = vec![fill; n];
    let mut t = 0u32;
    for chunk in chunks {
        for v in chunk {
            out[tree.original(t)] = v;
            t += 1;
        }
    }
    Ok(out)
}

/// `f` of every sample's k-th neighbour distance (in sample order) from a
/// brute-force scan, the same floats as [`kl_radii_tree`]: the max norm
/// from [`Blocked::knn_block`], the Euclidean norm from `Blocked::kth_block`, both exact k-th
/// distances folded column by column as the tree folds them, and the
/// queries whose distances leave the float range scanned again with the
/// tree's rescaled metrics.
fn kl_radii_brute<T: Send>(
    x: MatRef<'_>,
    k: usize,
    norm: Norm,
    interrupt: &Interrupt,
    f: impl Fn(Radius) -> T + Sync,
) -> Result<Vec<T>> {
    use crate::search::brute_l2::kth_scan;
    use crate::search::kdtree::{EuclideanDown, EuclideanUp, MaxNormDown, RESCALE_LOG2};
    let n = x.n;
    let shift = RESCALE_LOG2 as f64 * std::f64::consts::LN_2;
    let units: Vec<std::ops::Range<usize>> = (0..n).step_by(BRUTE_UNIT).map(|u| u..(u + BRUTE_UNIT).min(n)).collect();
    let chunks: Vec<Result<Vec<T>>> = match norm {
        Norm::Max => {
            let blocked = Blocked::new(x);
            units
                .into_par_iter()
                .map_init(Vec::new, |out, unit| {
                    interrupt.check()?;
                    blocked.knn_block(unit.clone(), k, &|i, j| i == j, out);
                    Ok(unit
                        .zip(out.iter())
                        .map(|(i, best)| {
                            let r = best.get(k - 1).map_or(f64::INFINITY, |p| p.0);
                            if r.is_finite() {
                                if r == 0.0 {
                                    Radius::Zero
                                } else {
                                    Radius::Plain(r)
                                }
                            } else {
                                // a difference overflowed
                                Radius::Log(kth_scan::<MaxNormDown>(x, i, k).ln() + shift)
                            }
                        })
                        .map(&f)
                        .collect())
                })
                .collect()
        }
        Norm::Euclidean => {
            let blocked = Blocked::new(x);
            let (lo, hi) = euclidean_safe();
            units
                .into_par_iter()
                .map_init(
                    || (Vec::new(), Vec::new(), Vec::new()),
                    |(queries, kth, best), unit| {
                        interrupt.check()?;
                        queries.clear();
                        queries.extend(unit);
                        kth.resize(queries.len(), 0.0);
                        blocked.kth_block::<Euclidean>(queries, k, kth, best);
                        let mut radii: Vec<Radius> =
                            kth.iter()
                                .map(|&s| {
                                    if s >= lo && s <= hi {
                                        Radius::Plain(Euclidean::finish(s))
                                    } else {
                                        Radius::Zero
                                    }
                                })
                                .collect();
                        // the rare queries outside the safe range, again with rescaled differences
                        for scale_up in [true, false] {
                            let at: Vec<usize> =
                                (0..kth.len()).filter(|&q| if scale_up { kth[q] < lo } else { kth[q] > hi }).collect();
                            if at.is_empty() {
                                continue;
                            }
                            let again: Vec<usize> = at.iter().map(|&q| queries[q]).collect();
                            let mut s = vec![0.0; at.len()];
                            if scale_up {
                                blocked.kth_block::<EuclideanUp>(&again, k, &mut s, best);
                            } else {
                                blocked.kth_block::<EuclideanDown>(&again, k, &mut s, best);
                            }
                            for (&q, &s) in at.iter().zip(&s) {
                                radii[q] = match (scale_up, s == 0.0) {
                                    (true, true) => Radius::Zero,
                                    (true, false) => Radius::Log(0.5 * s.ln() - shift),
                                    (false, _) => Radius::Log(0.5 * s.ln() + shift),
                                };
                            }
                        }
                        Ok(radii.into_iter().map(&f).collect())
                    },
                )
                .collect()
        }
    };
    Ok(chunks.into_iter().collect::<Result<Vec<_>>>()?.into_iter().flatten().collect())
}

/// The distance from a sample to its k-th neighbour, for the
/// Kozachenko–Leonenko entropy.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Radius {
    /// exact ties: the distance is 0
    Zero,
    Plain(f64),
    /// the natural log of a distance outside the float range
    Log(f64),
}

/// Squared Euclidean k-th distances outside [2^-900, 2^1000] may have lost
/// digits to underflow (or overflowed): those queries are searched again
/// with the differences rescaled (see `kdtree::EuclideanUp`). Inside, the
/// terms that underflow are below the rounding of the sum.
fn euclidean_safe() -> (f64, f64) {
    (2f64.powi(-900), 2f64.powi(1000))
}

/// The k-th neighbour distance of tree position `t`, exact at any
/// magnitude: the plain search, whose results stand for every distance
/// that neither overflows nor (squared) underflows, else a search with
/// rescaled coordinates.
#[inline]
fn kl_radius(tree: &KdTree, t: u32, k: usize, norm: Norm, nbrs: &mut Neighbours) -> Radius {
    use crate::search::kdtree::{EuclideanDown, EuclideanUp, MaxNormDown, RESCALE_LOG2};
    let skip = |u: u32| u == t;
    let kth = |nbrs: &Neighbours| nbrs.get(k - 1).map_or(f64::INFINITY, |p| p.0);
    let shift = RESCALE_LOG2 as f64 * std::f64::consts::LN_2;
    match norm {
        Norm::Max => {
            tree.knn_point::<MaxNorm, _>(t, k, &skip, nbrs);
            let r = kth(nbrs);
            if r.is_finite() {
                return if r == 0.0 { Radius::Zero } else { Radius::Plain(r) };
            }
            // a difference overflowed
            tree.knn_point::<MaxNormDown, _>(t, k, &skip, nbrs);
            Radius::Log(kth(nbrs).ln() + shift)
        }
        Norm::Euclidean => {
            tree.knn_point::<Euclidean, _>(t, k, &skip, nbrs);
            let s = kth(nbrs);
            let (lo, hi) = euclidean_safe();
            if s >= lo && s <= hi {
                return Radius::Plain(Euclidean::finish(s));
            }
            if s < lo {
                tree.knn_point::<EuclideanUp, _>(t, k, &skip, nbrs);
                let s = kth(nbrs);
                return if s == 0.0 { Radius::Zero } else { Radius::Log(0.5 * s.ln() - shift) };
            }
            tree.knn_point::<EuclideanDown, _>(t, k, &skip, nbrs);
            Radius::Log(0.5 * kth(nbrs).ln() + shift)
        }
    }
}

/// The two entropy paths give the same radii, so the same estimates bit
/// for bit, at every magnitude.
#[cfg(test)]
mod entropy_paths {
    use super::*;
    use crate::testing::lcg;

    #[test]
    fn tree_and_brute_force_radii_agree() {
        let mut s = 5u64;
        for d in [1usize, 2, 3, 5, 8, 12, 17, 24, 40, 64] {
            for kind in 0..7 {
                let n = [300, 700][(d + kind) % 2];
                let x: Vec<f64> = (0..n * d)
                    .map(|e| match kind {
                        0 => lcg(&mut s) + lcg(&mut s),
                        1 => (lcg(&mut s) * 3.0).floor(),
                        2 => ((e / d) % 4) as f64 * 50.0 + 1e-3 * lcg(&mut s),
                        3 => (std::f64::consts::PI * (lcg(&mut s) - 0.5)).tan(),
                        // squared k-th distances below the safe range / above it
                        4 => lcg(&mut s) * 1e-160,
                        5 => lcg(&mut s) * 1e160,
                        // differences that overflow
                        _ => (lcg(&mut s) - 0.5) * 1.7e308 * 1.8,
                    })
                    .collect();
                let m = MatRef { data: &x, n, d };
                for norm in [Norm::Max, Norm::Euclidean] {
                    for k in [1, 2, 4, 10] {
                        let irq = Interrupt::new();
                        let tree = kl_radii_tree(m, k, norm, &irq, Radius::Zero, |r| r).unwrap();
                        let brute = kl_radii_brute(m, k, norm, &irq, |r| r).unwrap();
                        assert_eq!(tree, brute, "d={d} kind={kind} {norm:?} k={k}");
                    }
                }
            }
        }
    }
}

/// KSG mutual information between every pair of columns of `data` (n × p),
/// parallel across pairs. Returns the p × p matrix (row-major) with the
/// diagonal set to NaN (the MI of a column with itself is infinite).
pub fn mutual_info_matrix(data: MatRef<'_>, k: usize, algorithm: Algorithm, interrupt: &Interrupt) -> Result<Vec<f64>> {
    let (n, p) = (data.n, data.d);
    check_k(k, n, &Exclusion::default())?;
    let cols: Vec<Vec<f64>> = (0..p).map(|c| (0..n).map(|i| data.data[i * p + c]).collect()).collect();
    // one sorted copy per column, shared by the p - 1 pairs it appears in
    let counters: Vec<Counter> = cols.par_iter().map(|c| Counter::new(MatRef { data: c, n, d: 1 })).collect();
    let pairs: Vec<(usize, usize)> = (0..p).flat_map(|a| (a + 1..p).map(move |b| (a, b))).collect();
    // a pair costs its joint copy and search structure before its passes
    // check the interrupt: check it first, so that a stopped matrix does
    // not build one for every remaining pair, and stop at the first error
    let vals: Vec<f64> = pairs
        .par_iter()
        .map(|&(a, b)| {
            interrupt.check()?;
            let joint: Vec<f64> = cols[a].iter().zip(&cols[b]).flat_map(|(u, v)| [*u, *v]).collect();
            let spec = KnnSpec {
                joint: MatRef { data: &joint, n, d: 2 },
                groups: vec![0..1, 1..2],
                spaces: vec![vec![0], vec![1]],
                k,
                algorithm,
                exclusion: Exclusion::default(),
            };
            knn_local_values_with(
                &spec,
                &[Some(&counters[a]), Some(&counters[b])],
                interrupt,
                mi_local_formula(k, algorithm, n),
            )
            .map(|v| crate::mean(&v))
        })
        .collect::<Result<_>>()?;
    let mut m = vec![f64::NAN; p * p];
    for (&(a, b), v) in pairs.iter().zip(vals) {
        m[a * p + b] = v;
        m[b * p + a] = v;
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::lcg;

    /// Brute-force O(n²) KSG, written straight from the formulas.
    fn brute_mi(x: &[f64], y: &[f64], k: usize, alg: Algorithm) -> f64 {
        let n = x.len();
        let mut total = 0.0;
        for i in 0..n {
            let mut d: Vec<(f64, usize)> =
                (0..n).filter(|&j| j != i).map(|j| ((x[i] - x[j]).abs().max((y[i] - y[j]).abs()), j)).collect();
            d.sort_by(|a, b| a.0.total_cmp(&b.0));
            match alg {
                Algorithm::One => {
                    let e = d[k - 1].0;
                    let nx = (0..n).filter(|&j| j != i && (x[i] - x[j]).abs() < e).count();
                    let ny = (0..n).filter(|&j| j != i && (y[i] - y[j]).abs() < e).count();
                    total +=
                        digamma(k as f64) + digamma(n as f64) - digamma(nx as f64 + 1.0) - digamma(ny as f64 + 1.0);
                }
                Algorithm::Two => {
                    let ex = d[..k].iter().map(|p| (x[i] - x[p.1]).abs()).fold(0.0, f64::max);
                    let ey = d[..k].iter().map(|p| (y[i] - y[p.1]).abs()).fold(0.0, f64::max);
                    let nx = (0..n).filter(|&j| j != i && (x[i] - x[j]).abs() <= ex).count();
                    let ny = (0..n).filter(|&j| j != i && (y[i] - y[j]).abs() <= ey).count();
                    total += digamma(k as f64) - 1.0 / k as f64 + digamma(n as f64)
                        - digamma(nx as f64)
                        - digamma(ny as f64);
                }
            }
        }
        total / n as f64
    }

    #[test]
    fn mi_matches_brute_force() {
        let mut s = 3u64;
        for &(n, noise) in &[(10usize, 0.5), (57, 0.5), (400, 0.5), (3000, 0.5), (3000, 1e-9)] {
            // the last case lies on a curve: the joint search falls back to the tree
            let x: Vec<f64> = (0..n).map(|_| lcg(&mut s)).collect();
            let y: Vec<f64> = x.iter().map(|v| v + noise * lcg(&mut s)).collect();
            for k in [1, 3, 6] {
                for alg in [Algorithm::One, Algorithm::Two] {
                    let loc = mutual_info_local(
                        MatRef { data: &x, n, d: 1 },
                        MatRef { data: &y, n, d: 1 },
                        k,
                        alg,
                        Exclusion::default(),
                        &Interrupt::new(),
                    )
                    .unwrap();
                    let want = brute_mi(&x, &y, k, alg);
                    assert!((crate::mean(&loc) - want).abs() < 1e-12, "n={n} k={k} {alg:?}");
                }
            }
        }
    }

    #[test]
    fn bad_k_is_an_error() {
        let x = [0.0, 1.0, 2.0];
        let m = MatRef { data: &x, n: 3, d: 1 };
        assert!(mutual_info_local(m, m, 3, Algorithm::One, Exclusion::default(), &Interrupt::new()).is_err());
        assert!(mutual_info_local(m, m, 0, Algorithm::One, Exclusion::default(), &Interrupt::new()).is_err());
        assert!(entropy_local(m, 3, Norm::Max, &Interrupt::new()).is_err());
    }

    /// Variables of `d` columns: quantised (ties in every column, algorithm
    /// 2's hard case), or smooth with a little dependence.
    fn lean_data(n: usize, d: usize, quantised: bool, s: &mut u64) -> Vec<f64> {
        (0..n * d).map(|_| if quantised { (lcg(s) * 5.0).floor() } else { lcg(s) }).collect()
    }

    #[test]
    fn lean_phases_give_the_same_values() {
        let mut s = 11u64;
        let trial: Vec<u32> = (0..900).map(|i| (i / 300) as u32).collect();
        for &(n, dims) in &[(900usize, [3usize, 2, 2]), (700, [1, 4, 2]), (800, [2, 2, 1])] {
            for quantised in [false, true] {
                let parts: Vec<Vec<f64>> = dims.iter().map(|&d| lean_data(n, d, quantised, &mut s)).collect();
                let mats: Vec<MatRef<'_>> = parts.iter().zip(dims).map(|(p, d)| MatRef { data: p, n, d }).collect();
                for (spaces, g_n) in [(vec![vec![0], vec![1]], 2), (vec![vec![0, 2], vec![1, 2], vec![2]], 3)] {
                    let (joint, groups) = hstack(&mats[..g_n]).unwrap();
                    let d = groups.last().unwrap().end;
                    // the phases serve joint spaces that a k-d tree searches
                    assert!(d >= 4 && !brute_joint(n, d));
                    for alg in [Algorithm::One, Algorithm::Two] {
                        for exclusion in [
                            Exclusion::default(),
                            Exclusion { window: 2, trial: None },
                            Exclusion { window: 1, trial: Some(&trial[..n]) },
                        ] {
                            let k = 3;
                            let spec = KnnSpec {
                                joint: MatRef { data: &joint, n, d },
                                groups: groups.clone(),
                                spaces: spaces.clone(),
                                k,
                                algorithm: alg,
                                exclusion,
                            };
                            let counts = |c: &[usize]| c.iter().enumerate().map(|(j, &v)| (v << (12 * j)) as f64).sum();
                            let want = knn_local_values(&spec, &Interrupt::new(), counts).unwrap();
                            let space_data = |sp: usize| {
                                let sel: Vec<MatRef<'_>> = spaces[sp].iter().map(|&g| mats[g]).collect();
                                Ok(hstack(&sel)?.0)
                            };
                            let got = knn_local_values_lean(
                                joint.clone(),
                                groups.clone(),
                                spaces.clone(),
                                k,
                                alg,
                                exclusion,
                                &space_data,
                                &Interrupt::new(),
                                counts,
                            )
                            .unwrap();
                            assert_eq!(got, want, "n={n} dims={dims:?} {alg:?} q={quantised} w={}", exclusion.window);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn prepared_mi_equals_mi_of_preprocessed_arrays() {
        let mut s = 5u64;
        let n = 3000;
        let mut x = lean_data(n, 3, false, &mut s);
        // a constant column and a tiny-scale one (preprocessed on a rescaled copy)
        for i in 0..n {
            x[i * 3 + 1] = 2.5;
            x[i * 3 + 2] *= 1e-160;
        }
        let y: Vec<f64> = (0..n * 2).map(|i| x[(i / 2) * 3] * 3.0 + lcg(&mut s)).collect();
        let (xm, ym) = (MatRef { data: &x, n, d: 3 }, MatRef { data: &y, n, d: 2 });
        for prep in [
            Prep { normalize: true, noise: 1e-10, seed: 7 },
            Prep { normalize: false, noise: 1e-3, seed: 9 },
            Prep { normalize: true, noise: 0.0, seed: 0 },
            Prep { normalize: false, noise: 0.0, seed: 0 },
        ] {
            let (mut px, mut py) = (x.clone(), y.clone());
            if !prep.is_identity() {
                crate::prep::preprocess(&mut px, n, 3, prep.normalize, prep.noise, prep.seed, 0).unwrap();
                crate::prep::preprocess(&mut py, n, 2, prep.normalize, prep.noise, prep.seed, 1).unwrap();
            }
            for alg in [Algorithm::One, Algorithm::Two] {
                let want = mutual_info_local(
                    MatRef { data: &px, n, d: 3 },
                    MatRef { data: &py, n, d: 2 },
                    3,
                    alg,
                    Exclusion::default(),
                    &Interrupt::new(),
                )
                .unwrap();
                let got = mutual_info_local_prep(xm, ym, prep, 3, alg, Exclusion::default(), &Interrupt::new());
                assert_eq!(got.unwrap(), want, "{prep:?} {alg:?}");
            }
            // the phases' marginal columns are the joint buffer's
            let (joint, _) = joint_prepared(&[xm, ym], &prep).unwrap();
            let (sx, sy) =
                (space_prepared(&[xm, ym], &[0], &prep).unwrap(), space_prepared(&[xm, ym], &[1], &prep).unwrap());
            for i in 0..n {
                assert_eq!(&joint[i * 5..i * 5 + 3], &sx[i * 3..i * 3 + 3]);
                assert_eq!(&joint[i * 5 + 3..i * 5 + 5], &sy[i * 2..i * 2 + 2]);
            }
        }
    }

    #[test]
    fn interrupt_stops() {
        let x: Vec<f64> = (0..10_000).map(|i| (i as f64).sin()).collect();
        let m = MatRef { data: &x, n: x.len(), d: 1 };
        let stop = Interrupt::new();
        stop.raise();
        assert_eq!(mutual_info_local(m, m, 3, Algorithm::One, Exclusion::default(), &stop), Err(Error::Cancelled));
    }
}
