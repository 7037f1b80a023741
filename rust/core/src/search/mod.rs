//! The neighbour-search structures behind the estimators, and the
//! primitives they share. Nothing here knows about an estimator: the
//! families (`knn`, `te`) choose a structure per space and ask it for
//! k-th distances, neighbours or counts.
//!
//! - [`kdtree`]: k-d tree, any dimension, max or Euclidean norm;
//! - [`sorted`]: one sorted column with a value index (1-D counts);
//! - [`grid`], [`grid3`]: rank-quantile grids for k-NN search in 2-D / 3-D;
//! - [`boxgrid`]: rank grid with a summed-area table (2-D box counts);
//! - [`nblists`]: per-sample sorted neighbour lists in a fixed 2-D space;
//! - [`brute`]: blocked brute force for many dimensions (k-NN and counts);
//! - [`brute_l2`]: blocked brute force for the Euclidean k-th distance (entropy);
//! - [`topk`]: the k smallest of a stream of distances, in registers.
//!
//! Every structure answers with the same floats and integers a brute-force
//! loop over the same comparisons gives; each file says why.

pub(crate) mod boxgrid;
pub(crate) mod brute;
pub(crate) mod brute_l2;
pub(crate) mod grid;
pub(crate) mod grid3;
pub(crate) mod kdtree;
pub(crate) mod nblists;
pub(crate) mod sorted;
pub(crate) mod topk;

use rayon::slice::ParallelSliceMut;

/// Hand the free pages of the allocator's heaps back to the system. A
/// tree build frees temporaries of up to 16 bytes per point (sort keys,
/// moved rows) on the pool's threads; glibc keeps such pages in each
/// thread's arena, where later allocations of the calling thread cannot
/// reuse them, so a large estimate's peak would carry them as well.
/// Elsewhere a no-op.
pub(crate) fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory; it has no preconditions
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The `k` nearest neighbours found for one query: (comparable distance,
/// position in the structure's order), sorted ascending.
pub(crate) type Neighbours = Vec<(f64, u32)>;

/// The current k-th (largest kept) distance, infinite while fewer than k.
#[inline(always)]
pub(crate) fn kth(out: &Neighbours, k: usize) -> f64 {
    if out.len() == k {
        out[k - 1].0
    } else {
        f64::INFINITY
    }
}

/// Per-coordinate gap from q to the interval [lo, hi], 0 inside. Written with
/// max() so it compiles without branches; the values equal fl(lo − q) or
/// fl(q − hi), the same floats a point on the boundary would give.
#[inline(always)]
pub(crate) fn gap(q: f64, lo: f64, hi: f64) -> f64 {
    (lo - q).max(q - hi).max(0.0)
}

/// The radius test of every count: `dist < r` when STRICT (KSG algorithm 1),
/// `dist ≤ r` otherwise (algorithm 2).
#[inline(always)]
pub(crate) fn within<const STRICT: bool>(dist: f64, r: f64) -> bool {
    if STRICT {
        dist < r
    } else {
        dist <= r
    }
}

/// Map an f64 to a u64 with the same order as `f64::total_cmp`.
#[inline(always)]
pub(crate) fn sortable(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// First index in [0, n) where `pred` turns false (`pred` true then false),
/// found by galloping out from `hint` and then bisecting.
#[inline]
pub(crate) fn partition_point_from<P: Fn(usize) -> bool>(n: usize, hint: usize, pred: P) -> usize {
    let hint = hint.min(n);
    let (mut good, mut bad): (isize, isize); // pred(good) true (or -1), pred(bad) false (or n)
    if hint < n && pred(hint) {
        good = hint as isize;
        let mut step = 1isize;
        loop {
            let probe = good + step;
            if probe >= n as isize {
                bad = n as isize;
                break;
            }
            if pred(probe as usize) {
                good = probe;
                step *= 2;
            } else {
                bad = probe;
                break;
            }
        }
    } else {
        bad = hint as isize;
        let mut step = 1isize;
        loop {
            let probe = bad - step;
            if probe < 0 {
                good = -1;
                break;
            }
            if pred(probe as usize) {
                good = probe;
                break;
            } else {
                bad = probe;
                step *= 2;
            }
        }
    }
    while bad - good > 1 {
        let m = good + (bad - good) / 2;
        if pred(m as usize) {
            good = m
        } else {
            bad = m
        }
    }
    bad as usize
}

/// Split `s` into consecutive pieces at the ascending offsets `cuts`
/// (first 0, last s.len()), so each piece can be filled by its own thread.
pub(crate) fn split_at_cuts<'a, T>(mut s: &'a mut [T], cuts: &[usize]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(cuts.len().saturating_sub(1));
    for w in cuts.windows(2) {
        let (head, tail) = std::mem::take(&mut s).split_at_mut(w[1] - w[0]);
        out.push(head);
        s = tail;
    }
    out
}

/// Distance from `q`, in blocks `b` of a rank grid of g blocks per column,
/// below which no point of a block two or more away (in some column) can
/// lie: fl(q − hi) or fl(lo − q) of the nearest such block, by monotone
/// rounding. A k-th distance of the 3 x 3 cells around the query that is
/// at most this is the k-th distance of all points. (The 3-D grid makes the
/// same test as the first step of its box growth.)
#[inline(always)]
pub(crate) fn gap_beyond_ring<const D: usize>(
    q: &[f64; D],
    b: [usize; D],
    lo: &[Vec<f64>; D],
    hi: &[Vec<f64>; D],
    g: usize,
) -> f64 {
    let mut gap = f64::INFINITY;
    for c in 0..D {
        if b[c] >= 2 {
            gap = gap.min(q[c] - hi[c][b[c] - 2]);
        }
        if b[c] + 2 < g {
            gap = gap.min(lo[c][b[c] + 2] - q[c]);
        }
    }
    gap
}

/// Σ_cells count² / n over a CSR cell index `start` of n points: the mean
/// number of points sharing a cell with a point, the rank grids' measure of
/// whether the data crowd into few cells.
pub(crate) fn crowding(start: &[u32], n: usize) -> f64 {
    start.windows(2).map(|w| ((w[1] - w[0]) as f64).powi(2)).sum::<f64>() / n.max(1) as f64
}

/// Each id's block of `col` (g blocks of equal count, by rank in `order`),
/// and each block's smallest and largest value: its first and last in the
/// order, since the order sorts by `total_cmp` (−0.0 before 0.0, equal as
/// floats, so either serves as the bound).
pub(crate) fn quantile_blocks(col: &[f64], order: &[u32], g: usize) -> (Vec<u16>, Vec<f64>, Vec<f64>) {
    let n = order.len();
    if n == 0 {
        return (Vec::new(), vec![f64::INFINITY; g], vec![f64::NEG_INFINITY; g]);
    }
    let mut blk = vec![0u16; n];
    for (rank, &i) in order.iter().enumerate() {
        blk[i as usize] = (rank * g / n) as u16;
    }
    // block b holds the ranks r with r·g/n = b, non-empty for g <= n
    let first = |b: usize| (b * n).div_ceil(g);
    let lo = (0..g).map(|b| col[order[first(b)] as usize]).collect();
    let hi = (0..g).map(|b| col[order[first(b + 1) - 1] as usize]).collect();
    (blk, lo, hi)
}

/// Ids of `col` in ascending order of value (`f64::total_cmp` order).
pub(crate) fn sorted_order(col: &[f64]) -> Vec<u32> {
    let mut keys: Vec<(u64, u32)> = col.iter().enumerate().map(|(i, &v)| (sortable(v), i as u32)).collect();
    // the keys are distinct (ids break ties), so every sort gives the same
    // order: the parallel one is as reproducible as the sequential one
    if keys.len() >= 1 << 16 {
        keys.par_sort_unstable();
    } else {
        keys.sort_unstable();
    }
    keys.into_iter().map(|k| k.1).collect()
}
