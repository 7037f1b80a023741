//! Exact blocked brute-force search for high-dimensional spaces: the k
//! nearest neighbours under the max norm, and box counts, by comparing every
//! query with every point.
//!
//! From about a dozen dimensions on, a k-d tree's boxes no longer separate
//! near from far points (most of a box's volume lies near its faces), and a
//! query visits most leaves anyway, paying the tree walk on top. A plain
//! scan does the same O(n) work per query without the walk, in the order
//! the hardware likes best:
//!
//! - points are stored in groups of [`LANES`], each group column by column
//!   (two 64-byte lines per column), so one group's coordinate c is a few
//!   vector loads and a group is contiguous;
//! - a unit of queries scans the points a tile at a time (about
//!   [`TILE_BYTES`]: the tile stays in L1 while every query of the unit
//!   passes over it);
//! - each query keeps its current k-th distance; a group's max-norm
//!   distances accumulate column by column and stop once every lane's
//!   partial maximum is at least that k-th distance (no lane can enter the
//!   k best), tested after [`FIRST`] columns and then every [`STEP`] (see
//!   [`next_test`]), which in many dimensions stops most groups early;
//! - counts test the per-column radii the same way and stop once every
//!   lane has failed a column.
//!
//! The inner loops are portable code over fixed-width arrays that the
//! compiler turns into vector instructions; on x86-64 they are also
//! compiled for AVX2 and for AVX-512, the widest the CPU has picked at run
//! time ([`Isa`]). All paths compute the same floats in the same order of
//! points, so their results are identical.
//!
//! Exactness: a distance is `max_c |fl(p_c − q_c)|`, the same floats the
//! k-d tree compares (max is exact and |fl(a − b)| = |fl(b − a)|); a
//! partial maximum only grows, so stopping early never drops a point that
//! could enter the k best; counts apply `<` or `≤` per column exactly as the
//! tree's `count_point`. Padding lanes hold NaN, which no comparison
//! accepts. Each query scans the points in the same order whatever the
//! thread count, so its k best (ties included) are reproducible; which of
//! several points tied at the k-th distance a search keeps is
//! [`KnnRow::tied`]'s business for the caller.

use crate::MatRef;

/// Points per group: two 64-byte cache lines of f64 per column. Measured
/// (k-NN and counts, n = 10⁴, 20 and 10 columns): 16 lanes about 1.45×
/// faster than 8 and 2.5× faster than 4 (a group's early exit is one
/// branch for more points); 32 no faster with AVX2 (its 16 vector
/// registers no longer hold two columns of a group).
pub const LANES: usize = 16;

/// Bytes of points per tile: the tile stays in the 48 KiB L1 cache beside
/// the query's coordinates and lists (32 KiB measured as fast as 16 or
/// 64 KiB at 20 columns and faster than a fixed 16 groups at 50 or 100).
const TILE_BYTES: usize = 32 * 1024;

/// Groups per tile in `d` columns.
#[inline]
fn tile_groups(d: usize) -> usize {
    (TILE_BYTES / (d.max(1) * LANES * 8)).max(1)
}

/// Columns accumulated before a group's first early-exit test.
const FIRST: usize = 12;
/// Columns accumulated between two later tests.
const STEP: usize = 8;
/// Fewest columns worth a test before them: fewer are accumulated without.
const REST: usize = 6;

/// The column after which to test next a group whose columns up to `c`
/// are accumulated, of `d`. A test is a horizontal reduction and a branch
/// the predictor often loses (a mispredicted one costs more than
/// accumulating a few columns of 16 lanes), so tests are few: measured
/// (n = 10⁴, 20 columns k-NN and 10 columns counts) a first test
/// after 12 columns and none before a tail of under 6 are about 1.2× (k-NN)
/// and 1.4× (counts) faster than a test every 8 columns.
#[inline(always)]
fn next_test(c: usize, d: usize) -> usize {
    let e = if c == 0 { FIRST } else { c + STEP };
    if e + REST > d {
        d
    } else {
        e
    }
}

/// The max-norm distances from `q` of the group `pts` (its columns one
/// after the other, [`LANES`] values each), or `None` once no lane can be at
/// most `bound`.
#[inline(always)]
fn group_max(pts: &[f64], q: &[f64], bound: f64) -> Option<[f64; LANES]> {
    let d = q.len();
    let mut m = [0.0f64; LANES];
    let mut c = 0;
    while c < d {
        let end = next_test(c, d);
        accumulate(&mut m, &pts[c * LANES..end * LANES], &q[c..end]);
        c = end;
        let mut any = false;
        for &v in &m {
            any |= v <= bound;
        }
        if !any {
            return None;
        }
    }
    Some(m)
}

/// `a > b ? a : b`: one `maxpd` on x86 (which returns its second operand
/// when either is NaN, so a NaN `b` propagates). The distances it combines
/// are never NaN except in padding lanes, where every column is NaN.
#[inline(always)]
fn max(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

/// `m[l] = max(m[l], max_c |cols[c][l] − q[c]|)` over the columns `cols`
/// (each [`LANES`] values), two columns at a time: the running maxima then
/// wait on one `max` per two columns rather than per column. The maximum
/// of non-NaN values is exact in any order.
#[inline(always)]
fn accumulate(m: &mut [f64; LANES], cols: &[f64], q: &[f64]) {
    let mut pairs = cols.chunks_exact(2 * LANES);
    let mut qs = q.chunks_exact(2);
    for (two, qv) in (&mut pairs).zip(&mut qs) {
        let (a, b) = two.split_at(LANES);
        for l in 0..LANES {
            let u = (a[l] - qv[0]).abs();
            let v = (b[l] - qv[1]).abs();
            m[l] = max(m[l], max(u, v));
        }
    }
    if let (&[qv], a) = (qs.remainder(), pairs.remainder()) {
        for l in 0..LANES {
            m[l] = max(m[l], (a[l] - qv).abs());
        }
    }
}

/// The instruction sets a search can run on: [`Isa::Portable`] everywhere,
/// AVX2 and AVX-512 on the x86-64 CPUs that have them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Isa {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Isa {
    /// Every variant this build has, narrowest first.
    const ALL: &'static [Isa] = &[
        Isa::Portable,
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2,
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512,
    ];
    /// Whether this CPU has it.
    fn present(self) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
        }
    }
    /// The widest this CPU has.
    pub fn best() -> Isa {
        Self::ALL.iter().rev().copied().find(|isa| isa.present()).unwrap_or(Isa::Portable)
    }
    /// Every one this CPU has.
    #[cfg(test)]
    pub fn available() -> Vec<Isa> {
        Self::ALL.iter().copied().filter(|isa| isa.present()).collect()
    }
}

/// The points of one space in groups of [`LANES`], each group column-major.
pub(crate) struct Blocked {
    n: usize,
    d: usize,
    /// group g, column c, lane l at `(g * d + c) * LANES + l`; lanes past n
    /// hold NaN
    pts: Vec<f64>,
}

impl Blocked {
    pub fn new(m: MatRef<'_>) -> Self {
        let (n, d) = (m.n, m.d);
        let groups = n.div_ceil(LANES);
        let mut pts = vec![f64::NAN; groups * d * LANES];
        for i in 0..n {
            let (g, l) = (i / LANES, i % LANES);
            for (c, &v) in m.data[i * d..(i + 1) * d].iter().enumerate() {
                pts[(g * d + c) * LANES + l] = v;
            }
        }
        Blocked { n, d, pts }
    }
    pub fn len(&self) -> usize {
        self.n
    }
    pub fn dim(&self) -> usize {
        self.d
    }
    /// Coordinate `c` of point `j`.
    #[inline]
    pub fn coord(&self, j: usize, c: usize) -> f64 {
        self.pts[((j / LANES) * self.d + c) * LANES + j % LANES]
    }
    pub(super) fn groups(&self) -> usize {
        self.n.div_ceil(LANES)
    }
    #[inline(always)]
    pub(super) fn group(&self, g: usize) -> &[f64] {
        &self.pts[g * self.d * LANES..(g + 1) * self.d * LANES]
    }
}

/// One query's search result: its `kk` best (distance, point), ascending.
pub(crate) struct KnnRow<'a> {
    pub best: &'a [(f64, u32)],
}

impl KnnRow<'_> {
    /// Whether the k-th distance is shared by a point outside the k best
    /// (only known when the search kept k + 1): then which tied point the
    /// k best hold depends on the search order.
    pub fn tied(&self, k: usize) -> bool {
        self.best.len() > k && self.best[k].0 == self.best[k - 1].0
    }
}

/// Insert (dist, j) into the ascending list `out` of at most `kk` entries
/// (the caller has checked that it enters).
#[inline]
fn offer(out: &mut Vec<(f64, u32)>, kk: usize, dist: f64, j: u32) {
    let mut at = out.len();
    while at > 0 && out[at - 1].0 > dist {
        at -= 1;
    }
    if out.len() == kk {
        out.pop();
    }
    out.insert(at, (dist, j));
}

impl Blocked {
    /// The `kk` nearest points (max norm) of each of the points `queries`
    /// of this same set, skipping the pairs `skip(i, j)` is true for (the
    /// caller skips i itself). `out[q]` gets query q's list, ascending; a
    /// point enters the list as in the k-d tree's scan: when it is closer
    /// than the current kk-th, or the list is short.
    pub fn knn_block<F: Fn(usize, usize) -> bool>(
        &self,
        queries: std::ops::Range<usize>,
        kk: usize,
        skip: &F,
        out: &mut Vec<Vec<(f64, u32)>>,
    ) {
        self.knn_block_on(Isa::best(), queries, kk, skip, out)
    }

    /// [`Blocked::knn_block`] on the instruction set `isa`, which the CPU
    /// must have.
    pub(crate) fn knn_block_on<F: Fn(usize, usize) -> bool>(
        &self,
        isa: Isa,
        queries: std::ops::Range<usize>,
        kk: usize,
        skip: &F,
        out: &mut Vec<Vec<(f64, u32)>>,
    ) {
        out.resize_with(queries.len(), Vec::new);
        for o in out.iter_mut() {
            o.clear();
        }
        match isa {
            Isa::Portable => self.knn_block_g(queries, kk, skip, out),
            // SAFETY: the CPU has the feature the function is compiled for
            // (the caller's `isa`, from `Isa::best` or `Isa::available`)
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { self.knn_block_avx2(queries, kk, skip, out) },
            // SAFETY: as above
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { self.knn_block_avx512(queries, kk, skip, out) },
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn knn_block_avx2<F: Fn(usize, usize) -> bool>(
        &self,
        queries: std::ops::Range<usize>,
        kk: usize,
        skip: &F,
        out: &mut [Vec<(f64, u32)>],
    ) {
        self.knn_block_g(queries, kk, skip, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn knn_block_avx512<F: Fn(usize, usize) -> bool>(
        &self,
        queries: std::ops::Range<usize>,
        kk: usize,
        skip: &F,
        out: &mut [Vec<(f64, u32)>],
    ) {
        self.knn_block_g(queries, kk, skip, out)
    }

    #[inline(always)]
    fn knn_block_g<F: Fn(usize, usize) -> bool>(
        &self,
        queries: std::ops::Range<usize>,
        kk: usize,
        skip: &F,
        out: &mut [Vec<(f64, u32)>],
    ) {
        let d = self.d;
        let mut q = vec![0.0f64; d];
        let groups = self.groups();
        let per_tile = tile_groups(d);
        for t0 in (0..groups).step_by(per_tile) {
            let tile = t0..(t0 + per_tile).min(groups);
            for (i, best) in queries.clone().zip(out.iter_mut()) {
                for (c, qc) in q.iter_mut().enumerate() {
                    *qc = self.coord(i, c);
                }
                let mut kth = if best.len() == kk { best[kk - 1].0 } else { f64::INFINITY };
                for g in tile.clone() {
                    // a short list takes any finite distance: kth = ∞ then
                    let Some(m) = group_max(self.group(g), &q, kth) else { continue };
                    for (l, &dist) in m.iter().enumerate() {
                        let j = g * LANES + l;
                        if j < self.n && (dist < kth || (best.len() < kk && dist <= kth)) && !skip(i, j) {
                            offer(best, kk, dist, j as u32);
                            if best.len() == kk {
                                kth = best[kk - 1].0;
                            }
                        }
                    }
                }
            }
        }
    }

    /// For each query point `queries[q]` of this set with per-column radii
    /// `radii[q * d..][..d]`: the number of points p (itself included) with
    /// `|p_c − x_c| < r_c` (strict) or `≤ r_c` in every column c.
    pub fn count_block(&self, queries: &[usize], radii: &[f64], strict: bool, out: &mut [u32]) {
        self.count_block_on(Isa::best(), queries, radii, strict, out)
    }

    /// [`Blocked::count_block`] on the instruction set `isa`, which the CPU
    /// must have.
    pub(crate) fn count_block_on(&self, isa: Isa, queries: &[usize], radii: &[f64], strict: bool, out: &mut [u32]) {
        out.fill(0);
        match (isa, strict) {
            (Isa::Portable, true) => self.count_block_g::<true>(queries, radii, out),
            (Isa::Portable, false) => self.count_block_g::<false>(queries, radii, out),
            // SAFETY: the CPU has the feature the function is compiled for
            // (the caller's `isa`, from `Isa::best` or `Isa::available`)
            #[cfg(target_arch = "x86_64")]
            (Isa::Avx2, true) => unsafe { self.count_block_avx2::<true>(queries, radii, out) },
            // SAFETY: as above
            #[cfg(target_arch = "x86_64")]
            (Isa::Avx2, false) => unsafe { self.count_block_avx2::<false>(queries, radii, out) },
            // SAFETY: as above
            #[cfg(target_arch = "x86_64")]
            (Isa::Avx512, true) => unsafe { self.count_block_avx512::<true>(queries, radii, out) },
            // SAFETY: as above
            #[cfg(target_arch = "x86_64")]
            (Isa::Avx512, false) => unsafe { self.count_block_avx512::<false>(queries, radii, out) },
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn count_block_avx2<const STRICT: bool>(&self, queries: &[usize], radii: &[f64], out: &mut [u32]) {
        self.count_block_g::<STRICT>(queries, radii, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn count_block_avx512<const STRICT: bool>(&self, queries: &[usize], radii: &[f64], out: &mut [u32]) {
        self.count_block_g::<STRICT>(queries, radii, out)
    }

    #[inline(always)]
    fn count_block_g<const STRICT: bool>(&self, queries: &[usize], radii: &[f64], out: &mut [u32]) {
        let d = self.d;
        let mut q = vec![0.0f64; d];
        // runs of columns sharing a radius (one per variable in KSG), each
        // tested on its max-norm distance: max_c |x_c| < r ⟺ every |x_c| < r
        let mut runs: Vec<(usize, f64)> = Vec::with_capacity(d);
        let groups = self.groups();
        let per_tile = tile_groups(d);
        for t0 in (0..groups).step_by(per_tile) {
            let tile = t0..(t0 + per_tile).min(groups);
            for ((&i, r), o) in queries.iter().zip(radii.chunks_exact(d)).zip(out.iter_mut()) {
                for (c, qc) in q.iter_mut().enumerate() {
                    *qc = self.coord(i, c);
                }
                runs.clear();
                for c in 0..d {
                    if c + 1 == d || r[c + 1].to_bits() != r[c].to_bits() {
                        runs.push((c + 1, r[c]));
                    }
                }
                let mut cnt = 0u32;
                for g in tile.clone() {
                    cnt += group_count::<STRICT>(self.group(g), &q, &runs);
                }
                *o += cnt;
            }
        }
    }
}

/// How many lanes of the group `pts` lie within the radii of `runs` (end
/// column, radius) of `q`, stopping once none can.
#[inline(always)]
fn group_count<const STRICT: bool>(pts: &[f64], q: &[f64], runs: &[(usize, f64)]) -> u32 {
    let mut ok = [true; LANES];
    let mut c = 0;
    for &(end_run, r) in runs {
        let mut m = [0.0f64; LANES];
        while c < end_run {
            let end = next_test(c, end_run);
            accumulate(&mut m, &pts[c * LANES..end * LANES], &q[c..end]);
            c = end;
            let mut any = false;
            for l in 0..LANES {
                any |= ok[l] & super::within::<STRICT>(m[l], r);
            }
            if !any {
                return 0;
            }
        }
        for l in 0..LANES {
            ok[l] &= super::within::<STRICT>(m[l], r);
        }
    }
    ok.iter().map(|&b| b as u32).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lcg;

    /// Naive oracle: all distances, sorted.
    fn naive_kth(data: &[f64], d: usize, i: usize, k: usize, skip: &dyn Fn(usize, usize) -> bool) -> f64 {
        let n = data.len() / d;
        let mut ds: Vec<f64> = (0..n)
            .filter(|&j| !skip(i, j))
            .map(|j| (0..d).map(|c| (data[i * d + c] - data[j * d + c]).abs()).fold(0.0, f64::max))
            .collect();
        ds.sort_by(f64::total_cmp);
        ds[k - 1]
    }

    fn naive_count(data: &[f64], d: usize, i: usize, r: &[f64], strict: bool) -> u32 {
        let n = data.len() / d;
        (0..n)
            .filter(|&j| {
                (0..d).all(|c| {
                    let t = (data[j * d + c] - data[i * d + c]).abs();
                    if strict {
                        t < r[c]
                    } else {
                        t <= r[c]
                    }
                })
            })
            .count() as u32
    }

    /// Data sets of n points in d columns: smooth, tied (a few levels),
    /// clustered, heavy-tailed (Cauchy), huge (differences near 1e300),
    /// tiny (subnormal differences), signed zeros among a few levels.
    fn data(kind: usize, n: usize, d: usize, s: &mut u64) -> Vec<f64> {
        (0..n * d)
            .map(|e| match kind {
                0 => lcg(s),
                1 => (lcg(s) * 4.0).floor(),
                2 => ((e / d) % 3) as f64 * 10.0 + 0.01 * lcg(s),
                3 => (std::f64::consts::PI * (lcg(s) - 0.5)).tan(),
                4 => (lcg(s) - 0.5) * 1e300,
                5 => lcg(s) * 1e-305,
                _ => [0.0, -0.0, 1.0][(lcg(s) * 3.0) as usize],
            })
            .collect()
    }

    #[test]
    fn knn_and_counts_match_a_naive_oracle_on_every_isa() {
        let isas = Isa::available();
        let mut s = 7u64;
        for &d in &[2usize, 3, 5, 8, 12, 13, 17, 18, 19, 20, 25, 33, 64] {
            for kind in 0..7 {
                let n = 61 + d;
                let x = data(kind, n, d, &mut s);
                let b = Blocked::new(MatRef { data: &x, n, d });
                for window in [0usize, 3] {
                    let skip = move |i: usize, j: usize| i.abs_diff(j) <= window;
                    for k in 1..=10 {
                        // two units, as the callers split the queries
                        for unit in [0..n / 2, n / 2..n] {
                            let mut want_lists = Vec::new();
                            b.knn_block_on(Isa::Portable, unit.clone(), k + 1, &skip, &mut want_lists);
                            for (i, best) in unit.clone().zip(&want_lists) {
                                let want = naive_kth(&x, d, i, k, &skip);
                                assert_eq!(best[k - 1].0.to_bits(), want.to_bits(), "d={d} kind={kind} k={k}");
                                let row = KnnRow { best };
                                let next = naive_kth(&x, d, i, k + 1, &skip);
                                assert_eq!(row.tied(k), next == want);
                                for &(dist, j) in best.iter() {
                                    assert!(!skip(i, j as usize));
                                    let p = (0..d).map(|c| (x[i * d + c] - x[j as usize * d + c]).abs());
                                    assert_eq!(dist.to_bits(), p.fold(0.0, f64::max).to_bits());
                                }
                            }
                            // every path: the same lists, ties and their order included
                            for &isa in &isas {
                                let mut out = Vec::new();
                                b.knn_block_on(isa, unit.clone(), k + 1, &skip, &mut out);
                                for (got, want) in out.iter().zip(&want_lists) {
                                    let bits = |v: &Vec<(f64, u32)>| {
                                        v.iter().map(|p| (p.0.to_bits(), p.1)).collect::<Vec<_>>()
                                    };
                                    assert_eq!(bits(got), bits(want), "{isa:?} d={d} kind={kind} k={k}");
                                }
                            }
                        }
                    }
                }
                // counts at radii taken from the data (ties at the radius):
                // per column, one radius for all columns (algorithm 1), and
                // one per half (two variables of algorithm 2)
                let queries: Vec<usize> = (0..n).collect();
                let x = &x;
                let per_col: Vec<f64> =
                    (0..n).flat_map(|i| (0..d).map(move |c| (x[i * d + c] - x[((i + 5) % n) * d + c]).abs())).collect();
                let one: Vec<f64> =
                    per_col.chunks_exact(d).flat_map(|r| vec![r.iter().fold(0.0, |a, &b| f64::max(a, b)); d]).collect();
                let halves: Vec<f64> = per_col
                    .chunks_exact(d)
                    .flat_map(|r| {
                        let h = d / 2;
                        let (a, b) = r.split_at(h);
                        let ma = a.iter().fold(0.0, |u, &v| f64::max(u, v));
                        let mb = b.iter().fold(0.0, |u, &v| f64::max(u, v));
                        (0..d).map(move |c| if c < h { ma } else { mb })
                    })
                    .collect();
                for radii in [&per_col, &one, &halves] {
                    for strict in [true, false] {
                        for &isa in &isas {
                            let mut out = vec![0u32; n];
                            b.count_block_on(isa, &queries, radii, strict, &mut out);
                            for i in 0..n {
                                let want = naive_count(x, d, i, &radii[i * d..][..d], strict);
                                assert_eq!(out[i], want, "{isa:?} d={d} kind={kind}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn overflowing_differences_give_an_infinite_kth() {
        let x = [1.7e308, -1.7e308, 1.0, 2.0];
        let b = Blocked::new(MatRef { data: &x, n: 4, d: 1 });
        for isa in Isa::available() {
            let mut out = Vec::new();
            b.knn_block_on(isa, 0..4, 3, &|i, j| i == j, &mut out);
            assert_eq!(out[0].len(), 3);
            assert_eq!(out[0][2].0, f64::INFINITY);
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::testing::lcg;

    #[test]
    #[ignore]
    fn time_kernels() {
        let (n, d) = (10_000usize, 20usize);
        let mut s = 1u64;
        let x: Vec<f64> = (0..n * d).map(|_| lcg(&mut s) + lcg(&mut s) + lcg(&mut s)).collect();
        let b = Blocked::new(MatRef { data: &x, n, d });
        let t0 = std::time::Instant::now();
        let mut out = Vec::new();
        let mut eps = vec![0.0; n];
        for u in (0..n).step_by(256) {
            let r = u..(u + 256).min(n);
            b.knn_block(r.clone(), 3, &|i, j| i == j, &mut out);
            for (i, o) in r.zip(&out) {
                eps[i] = o[2].0;
            }
        }
        println!("knn {:?}", t0.elapsed());
        let x10: Vec<f64> = (0..n).flat_map(|i| x[i * d..i * d + 10].to_vec()).collect();
        let b10 = Blocked::new(MatRef { data: &x10, n, d: 10 });
        let radii: Vec<f64> = eps.iter().flat_map(|&e| [e; 10]).collect();
        let q: Vec<usize> = (0..n).collect();
        let mut c = vec![0u32; n];
        let t0 = std::time::Instant::now();
        b10.count_block(&q, &radii, true, &mut c);
        println!("count {:?} mean {}", t0.elapsed(), c.iter().map(|&v| v as f64).sum::<f64>() / n as f64);
    }
}
