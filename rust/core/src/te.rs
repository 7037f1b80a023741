//! Transfer entropy with the KSG estimator, and its surrogate tests.
//!
//! TE(X→Y) = I(source past ; target next | target past [, conditions]) is a
//! conditional mutual information estimated by one neighbour search in the
//! full joint space (Frenzel–Pompe / KSG form, as JIDT's
//! `TransferEntropyCalculatorKraskov`). The embedding itself (which samples
//! form each vector) is index plumbing done by the caller; this module gets
//! the three embedded blocks: X = source past, Y = target next, Z = target
//! past plus conditions, one row per time step.
//!
//! Everything on the target side (the Y∪Z and Z counting spaces) is the same
//! for every source and every surrogate of a source, so it is built once and
//! shared: a network of p sources with S surrogates each builds 2 target
//! structures per target instead of 2·p·(S+1).
//!
//! For many TEs against one target (a network, or surrogates), the target's
//! Y∪Z space also gets sorted neighbour lists (`nblists`): with one source
//! column and KSG algorithm 1, each query's joint k-NN search and its Y∪Z
//! count become one short scan of its list, and no joint structure is built
//! per surrogate; the few queries past their lists are answered by a scan
//! of the source's sorted values. Eight TEs (any sources or surrogates) go
//! through the lists together, one lane each of a vector register, so each
//! list is read once for eight. The counts, and so every value, are those
//! of the joint-grid path, bit for bit.
//!
//! With one column each (history 1), the source side needs no sorting per
//! surrogate either: a surrogate's source column is the source's values
//! reordered by a permutation, so its ascending order is the source's order
//! mapped through the inverse permutation, O(n). Together with the target's
//! orders, that builds the X∪Z box counter and the 3-D joint grid by
//! counting sorts alone.
//!
//! References: T. Schreiber, "Measuring information transfer", PRL 85, 461
//! (2000); Frenzel & Pompe, PRL 99, 204101 (2007); J. T. Lizier, JIDT,
//! Front. Robot. AI 1, 11 (2014); surrogates: M. Lindner et al., "TRENTOOL",
//! BMC Neurosci. 12, 119 (2011).

use crate::knn::{cmi_local_formula, knn_local_values_with, self_inside, Algorithm, Counter, Exclusion, KnnSpec};
use crate::search::boxgrid::RankBox;
use crate::search::nblists::{LaneRow, NeighbourLists, LANES};
use crate::search::sorted::Sorted1D;
use crate::search::sorted_order;
use crate::search::topk::{fmax, with_k, TopK, MAX_K};
use crate::random::SplitMix64;
use crate::{Error, Interrupt, MatRef, Result};
use rayon::prelude::*;
use std::ops::Range;

/// How surrogate sources are made from the embedded source rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurrogateMethod {
    /// Random permutation of the source-past vectors over all rows (JIDT's
    /// `computeSignificance`): destroys every temporal relation to the target.
    Permutation,
    /// Circular shift of the source rows within each trial by a random
    /// offset in [n/10, n − n/10]: keeps the source's own dynamics.
    TimeShift,
    /// Random reordering of contiguous blocks of `block` rows within each
    /// trial: keeps dynamics shorter than a block.
    Block(usize),
}

/// Row order of one surrogate source: surrogate row r takes source row perm[r].
pub fn surrogate_order(method: SurrogateMethod, trials: &[Range<usize>], rng: &mut SplitMix64) -> Result<Vec<u32>> {
    let n = trials.last().map_or(0, |t| t.end);
    let mut perm: Vec<u32> = (0..n as u32).collect();
    match method {
        SurrogateMethod::Permutation => {
            for i in (1..n).rev() {
                perm.swap(i, rng.below(i + 1));
            }
        }
        SurrogateMethod::TimeShift => {
            for t in trials {
                let len = t.len();
                if len < 3 {
                    return Err(Error::invalid("method", "time-shift surrogates need at least 3 samples per trial"));
                }
                let lo = (len / 10).max(1);
                let shift = lo + rng.below(len - 2 * lo + 1);
                for (r, p) in perm[t.clone()].iter_mut().enumerate() {
                    *p = (t.start + (r + shift) % len) as u32;
                }
            }
        }
        SurrogateMethod::Block(b) => {
            if b == 0 {
                return Err(Error::invalid("block_size", "must be at least 1"));
            }
            for t in trials {
                let blocks: Vec<Range<usize>> =
                    (t.start..t.end).step_by(b).map(|s| s..(s + b).min(t.end)).collect();
                if blocks.len() < 2 {
                    return Err(Error::invalid("block_size", format!("block_size={b} leaves fewer than 2 blocks in a trial of {} samples", t.len())));
                }
                let mut order: Vec<usize> = (0..blocks.len()).collect();
                for i in (1..order.len()).rev() {
                    order.swap(i, rng.below(i + 1));
                }
                let mut r = t.start;
                for bi in order {
                    for src in blocks[bi].clone() {
                        perm[r] = src as u32;
                        r += 1;
                    }
                }
            }
        }
    }
    Ok(perm)
}

/// Row orders of `n_surrogates` surrogates, surrogate s drawn from stream
/// `first_stream + s` of `seed` (the streams `many_sources` gives source i's
/// surrogates when `first_stream = i·(S+1) + 1`): row-major (S, n), the same
/// for any thread count. The array-API backend takes its orders from here.
pub fn surrogate_orders(
    method: SurrogateMethod,
    trials: &[Range<usize>],
    n_surrogates: usize,
    seed: u64,
    first_stream: u64,
    interrupt: &Interrupt,
) -> Result<Vec<u32>> {
    let n = trials.last().map_or(0, |t| t.end);
    let mut out = vec![0u32; n_surrogates * n];
    if n == 0 {
        return Ok(out);
    }
    out.par_chunks_mut(n).enumerate().try_for_each(|(s, row)| -> Result<()> {
        interrupt.check()?;
        let mut rng = SplitMix64::new(seed, first_stream + s as u64);
        row.copy_from_slice(&surrogate_order(method, trials, &mut rng)?);
        Ok(())
    })?;
    Ok(out)
}

/// One source block of the list path: its rows reordered by `order` (a
/// surrogate) or as given, and the sorted copy of the unreordered rows
/// (shared by all of its surrogates: reordering the rows relabels the
/// samples, not the sorted values).
#[derive(Clone, Copy)]
pub(crate) struct ListedSource<'a> {
    pub x: MatRef<'a>,
    pub order: Option<&'a [u32]>,
    pub sorted: &'a Sorted1D,
}

/// The target side of a transfer-entropy computation, shared by every source
/// and surrogate: Y (target next), Z (target past and conditions) and their
/// counting structures.
pub struct TargetSide<'a> {
    y: MatRef<'a>,
    z: MatRef<'a>,
    yz: Counter,
    zc: Counter,
}

/// Below this many rows the grids are not used (see `knn`), nor sorted
/// orders worth passing around.
const GRID_MIN_ROWS: usize = 64;

/// Entries per sample in a target's neighbour lists (see `nblists`), at
/// most. With a surrogate source (independent of the target) a query at
/// k = 4 scans about 66 entries on average (n = 10⁴, Gaussian AR data);
/// where the source is sparse it needs more: 6% of queries run past 128
/// entries, 3% past 192, 2% past 256, to be answered by the source scan.
/// 192 takes a third fewer instructions than 128 per surrogate (the
/// fallback's share), 256 measured no faster than 192.
const LIST_LEN: usize = 192;
/// Fewest entries worth building: shorter lists send too many queries to
/// the source scan (a third of them at 64 entries, past LIST_MAX_MISSES).
const LIST_MIN_LEN: usize = 128;
/// Most memory the lists of one target may take (12 bytes an entry): n up
/// to about 29,000 gets the full length, up to 43,000 a shorter one; larger
/// targets use the joint grid.
const LIST_BYTES: usize = 64 << 20;
/// Fewest transfer entropies against one target for which the lists pay:
/// building them takes 45-90 ms for n = 10⁴ on two cores, and each TE
/// through them (eight lanes a scan) about 2.3 ms instead of 5 (measured,
/// one source with 10, 15, 30 and 100 surrogates: 15 is about even).
const LIST_MIN_TES: usize = 16;
/// Above this fraction of queries past their lists, a TE is recomputed by
/// the joint grid instead of answering the rest one by one.
const LIST_MAX_MISSES: f64 = 0.125;
/// Samples per unit of parallel work in the list path.
const LIST_CHUNK: usize = 1024;

/// The joint rows (Z, X, Y): Z first, so that a history-1 TE's 3-D grid
/// takes Z's blocks as its outermost axis and queries in grid order move
/// slowly in Z, where pass 1 counts the Z marginal from the sorted column
/// (its value index then stays cached: 3-5% faster per TE at 10⁵ and 10⁶).
fn joint_rows(x: MatRef<'_>, order: Option<&[u32]>, y: MatRef<'_>, z: MatRef<'_>) -> Vec<f64> {
    let d = x.d + y.d + z.d;
    let mut joint = Vec::with_capacity(x.n * d);
    for r in 0..x.n {
        let xr = order.map_or(r, |o| o[r] as usize);
        joint.extend_from_slice(z.row(r));
        joint.extend_from_slice(x.row(xr));
        joint.extend_from_slice(y.row(r));
    }
    joint
}

impl<'a> TargetSide<'a> {
    pub fn new(y: MatRef<'a>, z: MatRef<'a>) -> Result<Self> {
        if y.n != z.n {
            return Err(Error::invalid("target", "target blocks differ in length"));
        }
        if y.d == 1 && z.d == 1 && y.n >= GRID_MIN_ROWS {
            // Z's sorted copy holds the order the Y∪Z grid needs
            let (oy, zs) = rayon::join(|| sorted_order(y.data), || Sorted1D::from_slice(z.data));
            let yz = Counter::from_sorted_pair(y.data, z.data, oy, zs.order().to_vec())?;
            return Ok(TargetSide { y, z, yz, zc: Counter::Sorted(zs) });
        }
        let mut yzd = Vec::with_capacity(y.n * (y.d + z.d));
        for r in 0..y.n {
            yzd.extend_from_slice(y.row(r));
            yzd.extend_from_slice(z.row(r));
        }
        let (yz, zc) = rayon::join(|| Counter::new(MatRef { data: &yzd, n: y.n, d: y.d + z.d }), || Counter::new(z));
        Ok(TargetSide { y, z, yz, zc })
    }

    /// Z's ascending order when the X∪Z counter can be built from sorted
    /// columns (one source column, one Z column).
    fn z_order(&self, x: MatRef<'_>) -> Option<&[u32]> {
        match (&self.zc, x.d, self.y.d, x.n >= GRID_MIN_ROWS) {
            (Counter::Sorted(s), 1, 1, true) => Some(s.order()),
            _ => None,
        }
    }

    /// The ascending order of source block `x` where [`local_values_sorted`]
    /// (Self::local_values_sorted) can use it; compute it once per source
    /// and share it across the source's surrogates.
    pub fn source_order(&self, x: MatRef<'_>) -> Option<Vec<u32>> {
        self.z_order(x).map(|_| sorted_order(x.data))
    }

    /// Whether the neighbour-list path serves source block `x` (history-1
    /// target without conditions, one source column, KSG algorithm 1, no
    /// Theiler window) and the lists fit in memory.
    pub fn lists_apply(&self, x: MatRef<'_>, k: usize, algorithm: Algorithm, exclusion: Exclusion<'_>) -> bool {
        // (z_order holds for one source and one target column)
        algorithm == Algorithm::One
            && exclusion.window == 0
            && self.z_order(x).is_some()
            && k <= MAX_K
            && self.list_len() >= LIST_MIN_LEN
            // (16-bit ranks in the X∪Z counts; LIST_BYTES keeps n lower anyway)
            && self.y.n <= u16::MAX as usize
    }

    /// Entries per sample of this target's lists: LIST_LEN, or fewer to
    /// keep within LIST_BYTES.
    fn list_len(&self) -> usize {
        LIST_LEN.min(LIST_BYTES / (12 * self.y.n.max(1)))
    }

    /// The target's neighbour lists in the Y∪Z space, `None` where the data
    /// are too tied or too concentrated for them to pay.
    pub(crate) fn neighbour_lists(&self, interrupt: &Interrupt) -> Result<Option<NeighbourLists>> {
        self.neighbour_lists_of(self.list_len(), interrupt)
    }

    fn neighbour_lists_of(&self, len: usize, interrupt: &Interrupt) -> Result<Option<NeighbourLists>> {
        NeighbourLists::new(self.y.data, self.z.data, len, interrupt)
    }

    /// The source column reordered by `order` (a surrogate) or as given,
    /// and its ascending order derived from `x_sorted` (the unreordered
    /// source's) without sorting again.
    fn reordered_source(x: MatRef<'_>, order: Option<&[u32]>, x_sorted: &[u32]) -> (Vec<f64>, Vec<u32>) {
        match order {
            None => (x.data.to_vec(), x_sorted.to_vec()),
            Some(perm) => {
                // surrogate row r holds source row perm[r]
                let mut inv = vec![0u32; x.n];
                for (r, &src) in perm.iter().enumerate() {
                    inv[src as usize] = r as u32;
                }
                (perm.iter().map(|&src| x.data[src as usize]).collect(), x_sorted.iter().map(|&i| inv[i as usize]).collect())
            }
        }
    }

    /// As [`local_values_sorted`](Self::local_values_sorted), through the
    /// target's neighbour `lists` (where [`lists_apply`](Self::lists_apply)).
    #[cfg(test)]
    pub(crate) fn local_values_listed(
        &self,
        lists: &NeighbourLists,
        x: MatRef<'_>,
        order: Option<&[u32]>,
        x_sorted: Option<&[u32]>,
        k: usize,
        interrupt: &Interrupt,
    ) -> Result<Vec<f64>> {
        let ox = x_sorted.ok_or_else(|| Error::Internal("neighbour lists need the source's order".into()))?;
        let sorted = Sorted1D::from_order(x.data, ox.to_vec());
        let mut v = self.local_values_listed_lanes(lists, &[ListedSource { x, order, sorted: &sorted }], k, interrupt)?;
        v.pop().ok_or_else(|| Error::Internal("no lane".into()))
    }

    /// Local values of up to [`LANES`] sources (or surrogates) at once
    /// through the target's neighbour `lists`: the joint k-NN search and the
    /// Y∪Z count of every lane come from one scan of each sample's list
    /// (see [`NeighbourLists::kth_and_count_lanes`]); the few samples whose
    /// list runs out are answered by a scan of the lane's sorted source
    /// values, and a lane with too many of them goes to the joint grid. The
    /// counts, and so the values, are the joint-grid path's, bit for bit.
    pub(crate) fn local_values_listed_lanes(
        &self,
        lists: &NeighbourLists,
        sources: &[ListedSource<'_>],
        k: usize,
        interrupt: &Interrupt,
    ) -> Result<Vec<Vec<f64>>> {
        let n = self.y.n;
        let Counter::Sorted(zs) = &self.zc else {
            return Err(Error::Internal("neighbour lists need a sorted target column".into()));
        };
        if sources.is_empty() || sources.len() > LANES || lists.len() < k {
            return Err(Error::Internal("neighbour lists take 1 to LANES sources".into()));
        }
        for src in sources {
            let (x, order) = (src.x, src.order);
            if self.z_order(x).is_none() || x.n != n || src.sorted.len() != n || order.is_some_and(|o| o.len() != n) {
                return Err(Error::Internal("neighbour lists need one sorted source column of the target's length".into()));
            }
        }
        // a lane's sample j holds source row perm[j]: its value, and its
        // rank among the (shared) sorted values
        let row_of = |s: usize, j: usize| sources[s].order.map_or(j, |o| o[j] as usize);
        // The Z and X∪Z counts from rank runs: the samples within ε of a
        // value in one column are a run of its sorted order, and the X∪Z
        // count is the number of samples of one run whose rank in the
        // other column falls in the other run
        let xz: Vec<RunCounter> = (0..sources.len())
            .map(|s| {
                let rank = sources[s].sorted.ranks();
                RunCounter::new(|j| rank[row_of(s, j)], zs.ranks())
            })
            .collect();
        // each sample's lanes side by side; spare lanes repeat lane 0, so
        // they never lengthen a scan
        let lanes = sources.len();
        let rows: Vec<LaneRow> = (0..n)
            .map(|j| {
                LaneRow(std::array::from_fn(|s| {
                    let s = if s < lanes { s } else { 0 };
                    sources[s].x.data[row_of(s, j)]
                }))
            })
            .collect();
        let formula = cmi_local_formula(k, Algorithm::One, n);
        let z = self.z.data;
        let value = |s: usize, i: usize, eps: f64, nyz: usize| {
            let own = self_inside(eps, true) as usize;
            let zr = zs.range_value(z[i], eps, true);
            // the same ranks the lane's own sorted copy would give
            let xr = sources[s].sorted.range_value(rows[i].0[s], eps, true);
            formula(&[xz[s].count(xr, zr) - own, nyz, zr.1 - zr.0 - own])
        };
        // out[i·LANES + s]: lane s's value at sample i
        let mut out = vec![0.0f64; n * LANES];
        let misses: Vec<Vec<(usize, usize, f64)>> = out
            .par_chunks_mut(LIST_CHUNK * LANES)
            .enumerate()
            .map(|(c, o)| -> Result<Vec<(usize, usize, f64)>> {
                interrupt.check()?;
                let mut miss = Vec::new();
                for (i, slots) in (c * LIST_CHUNK..).zip(o.chunks_exact_mut(LANES)) {
                    lists.prefetch(i + 4);
                    let answers = lists.kth_and_count_lanes(i, &rows, k, n).ok_or_else(|| Error::Internal(format!("k = {k} past the list path's")))?;
                    for (s, (slot, a)) in slots.iter_mut().zip(answers).take(lanes).enumerate() {
                        match a {
                            Ok((eps, nyz)) => *slot = value(s, i, eps, nyz),
                            Err(bound) => miss.push((s, i, bound)),
                        }
                    }
                }
                Ok(miss)
            })
            .collect::<Result<_>>()?;
        let misses: Vec<(usize, usize, f64)> = misses.into_iter().flatten().collect();
        let mut values: Vec<Vec<f64>> = (0..lanes).map(|s| out.iter().skip(s).step_by(LANES).copied().collect()).collect();
        drop(out);
        for (s, vs) in values.iter_mut().enumerate() {
            let lane_misses: Vec<(usize, f64)> = misses.iter().filter(|m| m.0 == s).map(|m| (m.1, m.2)).collect();
            if lane_misses.is_empty() {
                continue;
            }
            let src = &sources[s];
            let by_joint_grid = || self.local_values_sorted(src.x, src.order, Some(src.sorted.order()), k, Algorithm::One, Exclusion::default(), interrupt);
            if lane_misses.len() as f64 > LIST_MAX_MISSES * n as f64 {
                *vs = by_joint_grid()?;
                continue;
            }
            // The few queries past their lists lie where the source is
            // sparse (its tails): there a scan of the source's sorted values
            // outward from the query, stopping once |x_j − x_i| reaches the
            // k-th distance, meets few samples. The list's k-th distance
            // bounds the scan from the start: samples at least that far
            // cannot change ε.
            let xv = src.sorted.values();
            // the lane's ranks and sorted order (sample ids by rank)
            let rank: Vec<u32> = (0..n).map(|j| src.sorted.ranks()[row_of(s, j)]).collect();
            let mut oxs = vec![0u32; n];
            for (j, &r) in rank.iter().enumerate() {
                oxs[r as usize] = j as u32;
            }
            let (y, zc) = (self.y.data, self.z.data);
            let fixed: Vec<Option<(usize, f64)>> = lane_misses
                .par_chunks(LIST_CHUNK)
                .map(|chunk| -> Result<Vec<Option<(usize, f64)>>> {
                    interrupt.check()?;
                    Ok(chunk
                        .iter()
                        .map(|&(i, bound)| {
                            let eps = source_scan(xv, rank[i] as usize, i, &oxs, rows[i].0[s], y, zc, bound, k)?;
                            let nyz = self.yz.count(self.yz.position(i), &[eps, eps], true);
                            Some((i, value(s, i, eps, nyz)))
                        })
                        .collect())
                })
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect();
            // a scan that met too many samples: recompute by the joint grid
            if fixed.iter().any(|f| f.is_none()) {
                *vs = by_joint_grid()?;
                continue;
            }
            for (i, v) in fixed.into_iter().flatten() {
                vs[i] = v;
            }
        }
        Ok(values)
    }

    /// Local CMI values I(X;Y|Z) for source block `x`, its rows reordered by
    /// `order` (a surrogate) or as given.
    pub fn local_values(
        &self,
        x: MatRef<'_>,
        order: Option<&[u32]>,
        k: usize,
        algorithm: Algorithm,
        exclusion: Exclusion<'_>,
        interrupt: &Interrupt,
    ) -> Result<Vec<f64>> {
        let sorted = self.source_order(x);
        self.local_values_sorted(x, order, sorted.as_deref(), k, algorithm, exclusion, interrupt)
    }

    /// As [`local_values`](Self::local_values), given the ascending order of
    /// the (unreordered) source rows from [`source_order`](Self::source_order).
    #[allow(clippy::too_many_arguments)]
    pub fn local_values_sorted(
        &self,
        x: MatRef<'_>,
        order: Option<&[u32]>,
        x_sorted: Option<&[u32]>,
        k: usize,
        algorithm: Algorithm,
        exclusion: Exclusion<'_>,
        interrupt: &Interrupt,
    ) -> Result<Vec<f64>> {
        if x.n != self.y.n {
            return Err(Error::invalid("source", format!("source has {} rows, target {}", x.n, self.y.n)));
        }
        if order.is_some_and(|o| o.len() != x.n) || x_sorted.is_some_and(|o| o.len() != x.n) {
            return Err(Error::Internal("row order of the wrong length".into()));
        }
        let (dx, dy, dz) = (x.d, self.y.d, self.z.d);
        let joint = joint_rows(x, order, self.y, self.z);
        let spec = KnnSpec {
            joint: MatRef { data: &joint, n: x.n, d: dx + dy + dz },
            // groups X, Y, Z over the joint columns (Z, X, Y)
            groups: vec![dz..dz + dx, dz + dx..dz + dx + dy, 0..dz],
            spaces: vec![vec![0, 2], vec![1, 2], vec![2]],
            k,
            algorithm,
            exclusion,
        };
        let xz = match (self.z_order(x), x_sorted) {
            (Some(oz), Some(ox)) => {
                let (xs, o) = Self::reordered_source(x, order, ox);
                Some(Counter::from_sorted_pair(&xs, self.z.data, o, oz.to_vec())?)
            }
            // built alongside the joint search
            _ => None,
        };
        let counters = [xz.as_ref(), Some(&self.yz), Some(&self.zc)];
        knn_local_values_with(&spec, &counters, interrupt, cmi_local_formula(k, algorithm, x.n))
    }
}

/// Runs up to this long are counted by a scan (see [`RunCounter`]), about
/// a microsecond at most; past it, by a `RankBox`. At 4096 one or two
/// outlying queries (ε of a standard deviation) sent nearly every
/// surrogate at n = 10⁴ to a RankBox build, 6% of the time of a TE.
const RUN_SCAN_MAX: usize = 16384;

/// The X∪Z count of the list path, #{j : rank_x(j) ∈ [x0, x1), rank_z(j) ∈
/// [z0, z1)}, for the rank runs of a query's two intervals. Each column's
/// samples are laid out in the other's order once per surrogate as 16-bit
/// ranks (two gathers), and a count scans the shorter run for ranks inside
/// the other: a contiguous, vectorised pass over a few hundred u16 at
/// n = 10⁴, where a `RankBox` reads scattered strips and must be built
/// (about a third of a millisecond, every surrogate). Long runs (tied or
/// concentrated data) go to a `RankBox`, built the first time one is met.
struct RunCounter {
    /// x rank of the sample at each z rank, and z rank of the one at each x rank
    x_by_z: Vec<u16>,
    z_by_x: Vec<u16>,
    rank_box: std::sync::OnceLock<RankBox>,
    /// longest run scanned (RUN_SCAN_MAX; tests lower it)
    scan_max: usize,
}

impl RunCounter {
    /// From each sample's rank in the two columns (sample id → rank, each a
    /// permutation of 0..n); n at most u16::MAX.
    fn new(rank_x: impl Fn(usize) -> u32, rank_z: &[u32]) -> Self {
        let n = rank_z.len();
        debug_assert!(n <= u16::MAX as usize);
        let (mut x_by_z, mut z_by_x) = (vec![0u16; n], vec![0u16; n]);
        for (j, &rz) in rank_z.iter().enumerate() {
            let rx = rank_x(j);
            x_by_z[rz as usize] = rx as u16;
            z_by_x[rx as usize] = rz as u16;
        }
        RunCounter { x_by_z, z_by_x, rank_box: Default::default(), scan_max: RUN_SCAN_MAX }
    }

    /// The RankBox of the same (x rank, z rank) pairs, the samples taken in
    /// z order (a count does not depend on the samples' ids).
    fn rank_box(&self) -> RankBox {
        let rx: Vec<u32> = self.x_by_z.iter().map(|&r| r as u32).collect();
        let rz: Vec<u32> = (0..rx.len() as u32).collect();
        RankBox::new(&rx, &rz)
    }

    #[inline]
    fn count(&self, x: (usize, usize), z: (usize, usize)) -> usize {
        let (lx, lz) = (x.1.saturating_sub(x.0), z.1.saturating_sub(z.0));
        if lx.min(lz) > self.scan_max {
            return self.rank_box.get_or_init(|| self.rank_box()).count(x, z);
        }
        if lz <= lx {
            count_in(&self.x_by_z[z.0..z.0 + lz], x)
        } else {
            count_in(&self.z_by_x[x.0..x.0 + lx], z)
        }
    }
}

/// #{v ∈ run : lo ≤ v < hi} (hi ≤ u16::MAX), one unsigned comparison a value:
/// v − lo < hi − lo, wrapping.
#[inline]
fn count_in(run: &[u16], (lo, hi): (usize, usize)) -> usize {
    let (lo, len) = (lo as u16, hi.saturating_sub(lo) as u16);
    let chunks = run.chunks_exact(8);
    let tail: usize = chunks.remainder().iter().map(|&v| (v.wrapping_sub(lo) < len) as usize).sum();
    tail + count_in_chunks(chunks, lo, len)
}

/// The chunks' share of [`count_in`], eight values a step in SSE2 (every
/// x86-64 has it): the compiler's own vectorisation of this loop measured
/// seven times slower (it widens the counts). Each 16-bit lane gains at
/// most one a step: no overflow for runs up to 8·32767, far past
/// RUN_SCAN_MAX.
#[cfg(target_arch = "x86_64")]
#[inline]
fn count_in_chunks(chunks: std::slice::ChunksExact<'_, u16>, lo: u16, len: u16) -> usize {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of x86-64; each load reads one whole chunk of
    // eight u16 (16 bytes), unaligned loads allowed
    unsafe {
        // unsigned d < len as a signed comparison of both biased by 2¹⁵
        let bias = _mm_set1_epi16(i16::MIN);
        let (vlo, vlen) = (_mm_set1_epi16(lo as i16), _mm_set1_epi16((len ^ 0x8000) as i16));
        let mut acc = _mm_setzero_si128();
        for c in chunks {
            let v = _mm_loadu_si128(c.as_ptr() as *const __m128i);
            let d = _mm_xor_si128(_mm_sub_epi16(v, vlo), bias);
            // the mask is −1 in lanes inside
            acc = _mm_sub_epi16(acc, _mm_cmplt_epi16(d, vlen));
        }
        let s = _mm_madd_epi16(acc, _mm_set1_epi16(1));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b01_00_11_10));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
        _mm_cvtsi128_si32(s) as usize
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn count_in_chunks(chunks: std::slice::ChunksExact<'_, u16>, lo: u16, len: u16) -> usize {
    chunks.flatten().filter(|&&v| v.wrapping_sub(lo) < len).count()
}

/// Most samples a fallback scan of the source's sorted values may visit
/// before the whole TE goes to the joint grid instead (keeps every query
/// O(1) in the list path's worst case).
const SCAN_MAX: usize = 4096;

/// The k-th smallest joint distance from sample `i` (source value `qx`,
/// rank `ri` in the source's ascending values `xv`, ids `ox`) to every other
/// sample, given `bound`, a joint distance within which k samples are known
/// to lie (so ε ≤ bound): only samples strictly closer than the current
/// k-th distance in the source column are visited. `None` past SCAN_MAX
/// samples (or for k past MAX_K).
#[allow(clippy::too_many_arguments)]
fn source_scan(xv: &[f64], ri: usize, i: usize, ox: &[u32], qx: f64, y: &[f64], z: &[f64], bound: f64, k: usize) -> Option<f64> {
    with_k!(k, K => source_scan_k::<K>(xv, ri, i, ox, qx, y, z, bound), else None)
}

#[allow(clippy::too_many_arguments)]
fn source_scan_k<const K: usize>(xv: &[f64], ri: usize, i: usize, ox: &[u32], qx: f64, y: &[f64], z: &[f64], bound: f64) -> Option<f64> {
    let mut top = TopK::<K>::new(bound);
    let (qy, qz) = (y[i], z[i]);
    let visit = |j: u32| {
        let j = j as usize;
        fmax((y[j] - qy).abs(), (z[j] - qz).abs())
    };
    // below the query, then above: two runs instead of a merge, whose
    // which-side branch the predictor cannot learn; the second run starts
    // with the first's k-th distance. fl(q − v) for v ≤ q is the
    // |fl(v − q)| a direct distance takes.
    let mut budget = SCAN_MAX;
    let (below, above) = (&ox[..ri], &ox[ri + 1..]);
    for (&v, &j) in xv[..ri].iter().rev().zip(below.iter().rev()) {
        let dx = qx - v;
        if dx >= top.kth() {
            break;
        }
        budget = budget.checked_sub(1)?;
        top.push(fmax(dx, visit(j)));
    }
    for (&v, &j) in xv[ri + 1..].iter().zip(above) {
        let dx = v - qx;
        if dx >= top.kth() {
            break;
        }
        budget = budget.checked_sub(1)?;
        top.push(fmax(dx, visit(j)));
    }
    Some(top.kth())
}

/// Estimates for many sources against one target, each with `n_surrogates`
/// surrogate estimates. Returns, per source, (estimate, surrogate estimates).
/// Sources and surrogates run in parallel; surrogate s of source i draws its
/// order from stream (seed, i·(S+1) + s), independent of scheduling.
#[allow(clippy::too_many_arguments)]
pub fn many_sources(
    target: &TargetSide<'_>,
    sources: &[MatRef<'_>],
    k: usize,
    algorithm: Algorithm,
    exclusion: Exclusion<'_>,
    trials: &[Range<usize>],
    n_surrogates: usize,
    method: SurrogateMethod,
    seed: u64,
    interrupt: &Interrupt,
) -> Result<Vec<(f64, Vec<f64>)>> {
    let per = n_surrogates + 1;
    // each source sorted once, for itself and all its surrogates
    let sorted: Vec<Option<Vec<u32>>> = sources.par_iter().map(|x| target.source_order(*x)).collect();
    let lists = (sources.len() * per >= LIST_MIN_TES && sources.iter().all(|x| target.lists_apply(*x, k, algorithm, exclusion)))
        .then(|| target.neighbour_lists(interrupt))
        .transpose()?
        .flatten();
    let tasks: Vec<(usize, usize)> = (0..sources.len()).flat_map(|i| (0..per).map(move |s| (i, s))).collect();
    let surrogate = |i: usize, s: usize| -> Result<Option<Vec<u32>>> {
        if s == 0 {
            return Ok(None);
        }
        let mut rng = SplitMix64::new(seed, (i * per + s) as u64);
        surrogate_order(method, trials, &mut rng).map(Some)
    };
    let values: Vec<Result<f64>> = match &lists {
        // LANES tasks a batch, any sources: every lane is just a column
        // scanned against the same lists
        Some(l) => {
            // the sorted copies the lanes share (lists_apply: each source has an order)
            let sorted1d: Vec<Sorted1D> = sources
                .par_iter()
                .zip(&sorted)
                .map(|(x, o)| o.as_ref().map(|o| Sorted1D::from_order(x.data, o.clone())).ok_or_else(|| Error::Internal("list path without a source order".into())))
                .collect::<Result<_>>()?;
            tasks
                .par_chunks(LANES)
                .map(|batch| -> Result<Vec<Result<f64>>> {
                    interrupt.check()?;
                    let orders = batch.iter().map(|&(i, s)| surrogate(i, s)).collect::<Result<Vec<_>>>()?;
                    let lanes: Vec<ListedSource<'_>> = batch
                        .iter()
                        .zip(&orders)
                        .map(|(&(i, _), o)| ListedSource { x: sources[i], order: o.as_deref(), sorted: &sorted1d[i] })
                        .collect();
                    let loc = target.local_values_listed_lanes(l, &lanes, k, interrupt)?;
                    Ok(loc.iter().map(|v| Ok(crate::mean(v))).collect())
                })
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect()
        }
        None => tasks
            .par_iter()
            .map(|&(i, s)| {
                interrupt.check()?;
                let order = surrogate(i, s)?;
                let loc = target.local_values_sorted(sources[i], order.as_deref(), sorted[i].as_deref(), k, algorithm, exclusion, interrupt)?;
                Ok(crate::mean(&loc))
            })
            .collect(),
    };
    let mut out = Vec::with_capacity(sources.len());
    let mut it = values.into_iter();
    for _ in 0..sources.len() {
        let est = it.next().ok_or_else(|| Error::Internal("missing estimate".into()))??;
        let surr = (0..n_surrogates).map(|_| it.next().ok_or_else(|| Error::Internal("missing surrogate".into()))?).collect::<Result<Vec<f64>>>()?;
        out.push((est, surr));
    }
    Ok(out)
}

/// p-value of an estimate against its surrogates: (#(surrogate ≥ observed) + 1) / (S + 1).
pub fn p_value(estimate: f64, surrogates: &[f64]) -> f64 {
    let ge = surrogates.iter().filter(|&&s| s >= estimate).count();
    (ge + 1) as f64 / (surrogates.len() + 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogate_orders_rows_are_the_streams_orders() {
        let trials = [0..37, 37..80];
        for method in [SurrogateMethod::Permutation, SurrogateMethod::TimeShift, SurrogateMethod::Block(6)] {
            let all = surrogate_orders(method, &trials, 5, 99, 11, &Interrupt::new()).unwrap();
            for (s, row) in all.chunks(80).enumerate() {
                let one = surrogate_order(method, &trials, &mut SplitMix64::new(99, 11 + s as u64)).unwrap();
                assert_eq!(row, &one[..]);
            }
        }
    }

    #[test]
    fn surrogate_orders_are_permutations() {
        let trials = vec![0..50, 50..120];
        for method in [SurrogateMethod::Permutation, SurrogateMethod::TimeShift, SurrogateMethod::Block(7)] {
            let mut rng = SplitMix64::new(42, 3);
            let p = surrogate_order(method, &trials, &mut rng).unwrap();
            let mut sorted = p.clone();
            sorted.sort();
            assert_eq!(sorted, (0..120).collect::<Vec<u32>>());
            assert_ne!(p, (0..120).collect::<Vec<u32>>());
            if method != SurrogateMethod::Permutation {
                // rows stay inside their trial
                assert!(p[..50].iter().all(|&r| r < 50));
            }
        }
        assert!(surrogate_order(SurrogateMethod::Block(100), &trials, &mut SplitMix64::new(1, 1)).is_err());
    }

    #[test]
    fn run_counts_match_brute_force() {
        let mut s = 3u64;
        // ranks of at most u16::MAX samples (lists_apply)
        let n = u16::MAX as usize;
        let vals: Vec<u16> = (0..n).map(|_| (crate::testing::lcg(&mut s) * n as f64) as u16).collect();
        for _ in 0..2000 {
            let len = (crate::testing::lcg(&mut s) * 300.0) as usize;
            let start = (crate::testing::lcg(&mut s) * (n - len) as f64) as usize;
            let lo = (crate::testing::lcg(&mut s) * n as f64) as usize;
            let hi = (lo + (crate::testing::lcg(&mut s) * 3000.0) as usize).min(n);
            let run = &vals[start..start + len];
            let want = run.iter().filter(|&&v| (lo..hi).contains(&(v as usize))).count();
            assert_eq!(count_in(run, (lo, hi)), want, "len={len} lo={lo} hi={hi}");
        }
        // the ends of the rank range, and empty intervals
        let run: Vec<u16> = (0..40).map(|i| if i % 2 == 0 { 0 } else { (n - 1) as u16 }).collect();
        assert_eq!(count_in(&run, (0, n)), 40);
        assert_eq!(count_in(&run, (0, 1)), 20);
        assert_eq!(count_in(&run, (n - 1, n)), 20);
        assert_eq!(count_in(&run, (5, 5)), 0);
    }

    #[test]
    fn run_counter_matches_brute_force() {
        let mut s = 9u64;
        let n = 3000;
        let perm = |s: &mut u64| {
            let mut p: Vec<u32> = (0..n as u32).collect();
            for i in (1..n).rev() {
                p.swap(i, (crate::testing::lcg(s) * (i + 1) as f64) as usize);
            }
            p
        };
        let (rx, rz) = (perm(&mut s), perm(&mut s));
        for scan_max in [RUN_SCAN_MAX, 40] {
            let mut c = RunCounter::new(|j| rx[j], &rz);
            c.scan_max = scan_max;
            for _ in 0..500 {
                let iv = |s: &mut u64| {
                    let a = (crate::testing::lcg(s) * n as f64) as usize;
                    (a, (a + (crate::testing::lcg(s) * 200.0) as usize).min(n))
                };
                let (x, z) = (iv(&mut s), iv(&mut s));
                let want = (0..n).filter(|&j| (x.0..x.1).contains(&(rx[j] as usize)) && (z.0..z.1).contains(&(rz[j] as usize))).count();
                assert_eq!(c.count(x, z), want, "x={x:?} z={z:?} scan_max={scan_max}");
            }
            // a short scan limit sends most counts to the RankBox
            assert_eq!(c.rank_box.get().is_some(), scan_max < 200);
        }
    }

    /// A network's batches of lanes mix sources and surrogates, and some
    /// lanes answer queries past their lists by the source scan or go
    /// whole to the joint grid: every value must still be the joint grid's.
    #[test]
    fn many_sources_through_lists_equal_the_joint_grid() {
        let mut s = 17u64;
        let n = 3000;
        let z: Vec<f64> = (0..n).map(|_| crate::testing::lcg(&mut s) - 0.5).collect();
        let y: Vec<f64> = z.iter().map(|v| 0.5 * v + crate::testing::lcg(&mut s) - 0.5).collect();
        // a smooth source, a Cauchy one (6% of queries past their lists, in
        // its tails: the source scan), a fifth power (half the queries:
        // the joint grid) and a coarsely quantised one (many tied values)
        let sources: Vec<Vec<f64>> = vec![
            (0..n).map(|_| crate::testing::lcg(&mut s)).collect(),
            (0..n).map(|_| 0.05 * (std::f64::consts::PI * (crate::testing::lcg(&mut s) - 0.5)).tan()).collect(),
            (0..n).map(|_| (crate::testing::lcg(&mut s) - 0.5).powi(5) * 1e3).collect(),
            (0..n).map(|_| (crate::testing::lcg(&mut s) * 4.0).floor()).collect(),
        ];
        let (ym, zm) = (MatRef { data: &y, n, d: 1 }, MatRef { data: &z, n, d: 1 });
        let target = TargetSide::new(ym, zm).unwrap();
        let xs: Vec<MatRef<'_>> = sources.iter().map(|x| MatRef { data: x, n, d: 1 }).collect();
        let irq = Interrupt::new();
        assert!(xs.iter().all(|x| target.lists_apply(*x, 4, Algorithm::One, Exclusion::default())));
        let (surr, seed) = (12, 99);
        let got = many_sources(&target, &xs, 4, Algorithm::One, Exclusion::default(), &[0..n], surr, SurrogateMethod::Permutation, seed, &irq).unwrap();
        for (i, x) in xs.iter().enumerate() {
            let sorted = target.source_order(*x);
            for sidx in 0..=surr {
                let order = (sidx > 0).then(|| surrogate_order(SurrogateMethod::Permutation, &[0..n], &mut SplitMix64::new(seed, (i * (surr + 1) + sidx) as u64)).unwrap());
                let want = crate::mean(&target.local_values_sorted(*x, order.as_deref(), sorted.as_deref(), 4, Algorithm::One, Exclusion::default(), &irq).unwrap());
                let have = if sidx == 0 { got[i].0 } else { got[i].1[sidx - 1] };
                assert_eq!(have, want, "source {i} surrogate {sidx}");
            }
        }
    }

    #[test]
    fn p_value_counts_ties_as_exceedances() {
        assert_eq!(p_value(1.0, &[0.0, 1.0, 2.0]), 0.75);
        assert_eq!(p_value(5.0, &[0.0; 9]), 0.1);
    }

    #[test]
    fn shared_target_equals_direct_cmi() {
        let mut s = 11u64;
        let n = 300;
        let mut u = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64) / ((1u64 << 53) as f64)
        };
        let x: Vec<f64> = (0..n).map(|_| u()).collect();
        let z: Vec<f64> = (0..n).map(|_| u()).collect();
        let y: Vec<f64> = (0..n).map(|i| x[i] + z[i] + u()).collect();
        let (xm, ym, zm) = (MatRef { data: &x, n, d: 1 }, MatRef { data: &y, n, d: 1 }, MatRef { data: &z, n, d: 1 });
        for alg in [Algorithm::One, Algorithm::Two] {
            let direct = crate::knn::conditional_mutual_info_local(xm, ym, zm, 4, alg, Exclusion::default(), &Interrupt::new()).unwrap();
            let target = TargetSide::new(ym, zm).unwrap();
            let shared = target.local_values(xm, None, 4, alg, Exclusion::default(), &Interrupt::new()).unwrap();
            assert_eq!(direct, shared);
        }
    }
    /// Brute-force O(n²) local CMI I(X;Y|Z) of 1-D blocks, straight from
    /// the formulas (KSG 1: Frenzel–Pompe; KSG 2: JIDT's form).
    fn brute_cmi(x: &[f64], y: &[f64], z: &[f64], k: usize, alg: Algorithm) -> Vec<f64> {
        let n = x.len();
        let f = crate::knn::cmi_local_formula(k, alg, n);
        (0..n)
            .map(|i| {
                let d = |a: &[f64], j: usize| (a[j] - a[i]).abs();
                let mut nb: Vec<(f64, usize)> =
                    (0..n).filter(|&j| j != i).map(|j| (d(x, j).max(d(y, j)).max(d(z, j)), j)).collect();
                nb.sort_by(|a, b| a.0.total_cmp(&b.0));
                let (rx, ry, rz) = match alg {
                    Algorithm::One => (nb[k - 1].0, nb[k - 1].0, nb[k - 1].0),
                    Algorithm::Two => {
                        let ext = |a: &[f64]| nb[..k].iter().map(|p| d(a, p.1)).fold(0.0, f64::max);
                        (ext(x), ext(y), ext(z))
                    }
                };
                let inside = |v: f64, r: f64| if alg == Algorithm::One { v < r } else { v <= r };
                let cnt = |p: &dyn Fn(usize) -> bool| (0..n).filter(|&j| j != i && p(j)).count();
                let nxz = cnt(&|j| inside(d(x, j), rx) && inside(d(z, j), rz));
                let nyz = cnt(&|j| inside(d(y, j), ry) && inside(d(z, j), rz));
                let nz = cnt(&|j| inside(d(z, j), rz));
                f(&[nxz, nyz, nz])
            })
            .collect()
    }

    #[test]
    fn te_and_surrogates_match_brute_force() {
        let mut s = 41u64;
        let mut u = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64) / ((1u64 << 53) as f64)
        };
        let mut listed = 0;
        // (n, kind): 0 smooth, 1 quantised (many exact ties), 2 on a curve
        // (the grids fall back to trees), 3 smooth with a curve in X∪Z only
        for &(n, kind) in &[(6usize, 0), (30, 1), (50, 0), (200, 1), (700, 0), (700, 2), (1500, 3), (1500, 1)] {
            let x: Vec<f64> = (0..n).map(|_| if kind == 1 { (u() * 6.0).floor() } else { u() }).collect();
            let z: Vec<f64> = x
                .iter()
                .map(|v| match kind {
                    1 => (u() * 5.0).floor(),
                    2 | 3 => v * v + 1e-9 * u(),
                    _ => u(),
                })
                .collect();
            let y: Vec<f64> = (0..n)
                .map(|i| match kind {
                    1 => ((x[i] + z[i]) * 0.5 + u() * 3.0).floor(),
                    2 => z[i] * 0.5 + 1e-9 * u(),
                    _ => x[i] + z[i] + u(),
                })
                .collect();
            let (xm, ym, zm) = (MatRef { data: &x, n, d: 1 }, MatRef { data: &y, n, d: 1 }, MatRef { data: &z, n, d: 1 });
            let target = TargetSide::new(ym, zm).unwrap();
            let sorted = target.source_order(xm);
            let perm = surrogate_order(SurrogateMethod::Permutation, &[0..n], &mut SplitMix64::new(5, n as u64)).unwrap();
            let xp: Vec<f64> = perm.iter().map(|&r| x[r as usize]).collect();
            for k in [1, 4] {
                for alg in [Algorithm::One, Algorithm::Two] {
                    let got = target.local_values(xm, None, k, alg, Exclusion::default(), &Interrupt::new()).unwrap();
                    let want = brute_cmi(&x, &y, &z, k, alg);
                    // on ties algorithm 2 depends on which of the tied
                    // neighbours are taken: compare it on tie-free data only
                    if !(kind == 1 && alg == Algorithm::Two) {
                        assert_eq!(got, want, "n={n} kind={kind} k={k} {alg:?}");
                    }
                    let got = target
                        .local_values_sorted(xm, Some(&perm), sorted.as_deref(), k, alg, Exclusion::default(), &Interrupt::new())
                        .unwrap();
                    if !(kind == 1 && alg == Algorithm::Two) {
                        assert_eq!(got, brute_cmi(&xp, &y, &z, k, alg), "surrogate n={n} kind={kind} k={k} {alg:?}");
                    }
                    // the neighbour-list path: lists long enough for every
                    // query, short enough that some queries fall back to the
                    // source scan, and so short that most do (recomputed by
                    // the joint grid)
                    if alg == Algorithm::One && target.lists_apply(xm, k, alg, Exclusion::default()) {
                        for len in [LIST_LEN, 24, 8] {
                            let Some(lists) = target.neighbour_lists_of(len, &Interrupt::new()).unwrap() else { continue };
                            let irq = Interrupt::new();
                            let got = target.local_values_listed(&lists, xm, None, sorted.as_deref(), k, &irq).unwrap();
                            assert_eq!(got, brute_cmi(&x, &y, &z, k, alg), "listed n={n} kind={kind} k={k} len={len}");
                            let got = target.local_values_listed(&lists, xm, Some(&perm), sorted.as_deref(), k, &irq).unwrap();
                            assert_eq!(got, brute_cmi(&xp, &y, &z, k, alg), "listed surrogate n={n} kind={kind} k={k} len={len}");
                            // lanes side by side: the source, its surrogate, and
                            // a reversed copy, in one scan
                            let sorted1d = Sorted1D::from_order(&x, sorted.clone().unwrap());
                            let rev: Vec<u32> = (0..n as u32).rev().collect();
                            let xr: Vec<f64> = x.iter().rev().copied().collect();
                            let lanes = [None, Some(&perm[..]), Some(&rev[..])].map(|order| ListedSource { x: xm, order, sorted: &sorted1d });
                            let got = target.local_values_listed_lanes(&lists, &lanes, k, &irq).unwrap();
                            assert_eq!(got, vec![brute_cmi(&x, &y, &z, k, alg), brute_cmi(&xp, &y, &z, k, alg), brute_cmi(&xr, &y, &z, k, alg)], "lanes n={n} kind={kind} k={k} len={len}");
                            listed += 1;
                        }
                    }
                }
            }
        }
        assert!(listed >= 12, "list path exercised {listed} times");
    }
}
