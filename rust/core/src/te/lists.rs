//! The neighbour-list path: many transfer entropies against one target
//! read the target's sorted neighbour lists (`search::nblists`) instead of
//! building a joint structure each, up to [`LANES`] sources a scan; the X∪Z
//! and Z counts come from rank runs ([`RunCounter`]), and the few queries
//! past their lists from a scan of the source's sorted values.

use super::single::TargetSide;
use crate::knn::Counter;
use crate::knn::{cmi_local_formula, self_inside, Algorithm, Exclusion};
use crate::search::boxgrid::RankBox;
use crate::search::nblists::{LaneRow, NeighbourLists, LANES};
use crate::search::sorted::Sorted1D;
use crate::search::topk::{fmax, with_k, TopK, MAX_K};
use crate::{Error, Interrupt, MatRef, Result};
use rayon::prelude::*;

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

/// Entries per sample in a target's neighbour lists (see `search::nblists`), at
/// most. With a surrogate source (independent of the target) a query at
/// k = 4 scans about 66 entries on average (n = 10⁴, Gaussian AR data);
/// where the source is sparse it needs more: 6% of queries run past 128
/// entries, 3% past 192, 2% past 256, to be answered by the source scan.
/// 192 takes a third fewer instructions than 128 per surrogate (the
/// fallback's share); 256 is no faster than 192.
pub(super) const LIST_LEN: usize = 192;
/// Fewest entries worth building: shorter lists send too many queries to
/// the source scan (a third of them at 64 entries, past LIST_MAX_MISSES).
const LIST_MIN_LEN: usize = 128;
/// Most memory the lists of one target may take (12 bytes an entry): n up
/// to about 29,000 gets the full length, up to 43,000 a shorter one; larger
/// targets use the joint grid.
const LIST_BYTES: usize = 64 << 20;
/// Fewest transfer entropies against one target for which the lists pay:
/// a TE through them (eight lanes a scan) takes about half the time of one
/// by the joint grid, and at n = 10⁴ building them costs about what 15 TEs
/// save that way (one source with 15 surrogates: the two paths are even).
pub(super) const LIST_MIN_TES: usize = 16;
/// Above this fraction of queries past their lists, a TE is recomputed by
/// the joint grid instead of answering the rest one by one.
const LIST_MAX_MISSES: f64 = 0.125;
/// Samples per unit of parallel work in the list path.
const LIST_CHUNK: usize = 1024;

impl TargetSide<'_> {
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

    pub(super) fn neighbour_lists_of(&self, len: usize, interrupt: &Interrupt) -> Result<Option<NeighbourLists>> {
        NeighbourLists::new(self.y.data, self.z.data, len, interrupt)
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
        let mut v =
            self.local_values_listed_lanes(lists, &[ListedSource { x, order, sorted: &sorted }], k, interrupt)?;
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
                return Err(Error::Internal(
                    "neighbour lists need one sorted source column of the target's length".into(),
                ));
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
        // per chunk: its misses, and per lane the queries whose k-th
        // neighbour is at distance 0 (exact ties)
        type ChunkMisses = (Vec<(usize, usize, f64)>, [usize; LANES]);
        let chunks: Vec<ChunkMisses> = out
            .par_chunks_mut(LIST_CHUNK * LANES)
            .enumerate()
            .map(|(c, o)| -> Result<ChunkMisses> {
                interrupt.check()?;
                let mut miss = Vec::new();
                let mut zero = [0usize; LANES];
                for (i, slots) in (c * LIST_CHUNK..).zip(o.chunks_exact_mut(LANES)) {
                    lists.prefetch(i + 4);
                    let answers = lists
                        .kth_and_count_lanes(i, &rows, k, n)
                        .ok_or_else(|| Error::Internal(format!("k = {k} past the list path's")))?;
                    for (s, (slot, a)) in slots.iter_mut().zip(answers).take(lanes).enumerate() {
                        match a {
                            Ok((eps, nyz)) => {
                                zero[s] += (eps == 0.0) as usize;
                                *slot = value(s, i, eps, nyz)
                            }
                            Err(bound) => miss.push((s, i, bound)),
                        }
                    }
                }
                Ok((miss, zero))
            })
            .collect::<Result<_>>()?;
        let mut zero = [0usize; LANES];
        for (_, z) in &chunks {
            for (a, b) in zero.iter_mut().zip(z) {
                *a += b;
            }
        }
        let misses: Vec<(usize, usize, f64)> = chunks.into_iter().flat_map(|c| c.0).collect();
        let mut values: Vec<Vec<f64>> =
            (0..lanes).map(|s| out.iter().skip(s).step_by(LANES).copied().collect()).collect();
        drop(out);
        for (s, vs) in values.iter_mut().enumerate() {
            let lane_misses: Vec<(usize, f64)> = misses.iter().filter(|m| m.0 == s).map(|m| (m.1, m.2)).collect();
            if lane_misses.is_empty() {
                interrupt.tally_radii(zero[s], n);
                continue;
            }
            let src = &sources[s];
            let by_joint_grid = || {
                // (which tallies its own queries)
                self.local_values_sorted(
                    src.x,
                    src.order,
                    Some(src.sorted.order()),
                    k,
                    Algorithm::One,
                    Exclusion::default(),
                    interrupt,
                )
            };
            if lane_misses.len() as f64 > LIST_MAX_MISSES * n as f64 {
                *vs = by_joint_grid()?;
                continue;
            }
            let xv = src.sorted.values();
            // the lane's ranks and sorted order (sample ids by rank)
            let rank: Vec<u32> = (0..n).map(|j| src.sorted.ranks()[row_of(s, j)]).collect();
            let mut oxs = vec![0u32; n];
            for (j, &r) in rank.iter().enumerate() {
                oxs[r as usize] = j as u32;
            }
            let (y, zc) = (self.y.data, self.z.data);
            let fixed: Vec<Option<(usize, bool, f64)>> = lane_misses
                .par_chunks(LIST_CHUNK)
                .map(|chunk| -> Result<Vec<Option<(usize, bool, f64)>>> {
                    interrupt.check()?;
                    Ok(chunk
                        .iter()
                        .map(|&(i, bound)| {
                            let eps = source_scan(xv, rank[i] as usize, i, &oxs, rows[i].0[s], y, zc, bound, k)?;
                            let nyz = self.yz.count(self.yz.position(i), &[eps, eps], true);
                            Some((i, eps == 0.0, value(s, i, eps, nyz)))
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
            let mut lane_zero = zero[s];
            for (i, z, v) in fixed.into_iter().flatten() {
                lane_zero += z as usize;
                vs[i] = v;
            }
            interrupt.tally_radii(lane_zero, n);
        }
        Ok(values)
    }
}

/// Runs up to this long are counted by a scan (see [`RunCounter`]), about
/// a microsecond at most; past it, by a `RankBox`. A limit of 4096 would
/// send nearly every surrogate at n = 10⁴ to a RankBox build (one or two
/// outlying queries, with ε of a standard deviation, suffice), 6% of the
/// time of a TE.
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
/// x86-64 has it): the compiler's own vectorisation of this loop is about
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
fn source_scan(
    xv: &[f64],
    ri: usize,
    i: usize,
    ox: &[u32],
    qx: f64,
    y: &[f64],
    z: &[f64],
    bound: f64,
    k: usize,
) -> Option<f64> {
    with_k!(k, K => source_scan_k::<K>(xv, ri, i, ox, qx, y, z, bound), else None)
}

#[allow(clippy::too_many_arguments)]
fn source_scan_k<const K: usize>(
    xv: &[f64],
    ri: usize,
    i: usize,
    ox: &[u32],
    qx: f64,
    y: &[f64],
    z: &[f64],
    bound: f64,
) -> Option<f64> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
                let want = (0..n)
                    .filter(|&j| (x.0..x.1).contains(&(rx[j] as usize)) && (z.0..z.1).contains(&(rz[j] as usize)))
                    .count();
                assert_eq!(c.count(x, z), want, "x={x:?} z={z:?} scan_max={scan_max}");
            }
            // a short scan limit sends most counts to the RankBox
            assert_eq!(c.rank_box.get().is_some(), scan_max < 200);
        }
    }
}
