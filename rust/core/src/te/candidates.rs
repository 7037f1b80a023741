//! Many candidate columns against one shared (Y, Z), each with explicit
//! surrogate row orders: the statistical rounds of greedy network inference
//! (the maximum and minimum statistics over candidates and surrogates).
//!
//! The target side (Y, Z and their counting structures, and the neighbour
//! lists where they apply) is built once per call and shared by every
//! candidate and surrogate; all C·(S + 1) estimates run in parallel. Each
//! estimate is the mean of the same local values as the single estimators
//! (`knn::conditional_mutual_info_local`, or `knn::mutual_info_local` with
//! no Z), summed in NumPy's pairwise order ([`numpy_mean`]), so that it
//! equals what the Python estimators return bit for bit, for any thread
//! count.

use super::lists::{ListedSource, LIST_MIN_TES};
use super::single::TargetSide;
use super::surrogates::SourceEstimates;
use crate::knn::{
    cmi_local_formula, knn_local_values_with, mi_local_formula, self_inside, Algorithm, Counter, Exclusion, KnnSpec,
};
use crate::search::nblists::LANES;
use crate::search::sorted::Sorted1D;
use crate::search::topk::{fmax, with_k, TopK, MAX_K};
use crate::{Error, Interrupt, MatRef, Result};
use rayon::prelude::*;

/// The sum of `v` in the order of NumPy's pairwise summation of a
/// contiguous float64 array (`np.add.reduce`): blocks of at most 128 values
/// summed by eight interleaved accumulators, longer runs split in two at a
/// multiple of eight.
pub fn numpy_pairwise_sum(v: &[f64]) -> f64 {
    let n = v.len();
    if n < 8 {
        // NumPy starts from -0.0, so that a sum of -0.0 stays -0.0
        v.iter().fold(-0.0, |s, &x| s + x)
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&v[..8]);
        let whole = n - n % 8;
        for c in v[8..whole].chunks_exact(8) {
            for (a, b) in r.iter_mut().zip(c) {
                *a += b;
            }
        }
        let mut s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &v[whole..] {
            s += x;
        }
        s
    } else {
        let mut half = n / 2;
        half -= half % 8;
        numpy_pairwise_sum(&v[..half]) + numpy_pairwise_sum(&v[half..])
    }
}

/// `np.mean` of a contiguous float64 array: the reduction (started from
/// the additive identity 0) divided by the count.
pub fn numpy_mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    (0.0 + numpy_pairwise_sum(v)) / v.len() as f64
}

/// Whether `order` is a permutation of 0..n.
fn is_permutation(order: &[u32]) -> bool {
    let mut seen = vec![false; order.len()];
    order.iter().all(|&r| seen.get_mut(r as usize).is_some_and(|s| !std::mem::replace(s, true)))
}

/// Most bytes the sorted distance tables of one round may take (two tables
/// of n(n − 1) entries of 12 bytes): up to about 2,300 rows.
const TABLE_BYTES: usize = 128 << 20;

/// Every other sample of each query, sorted by its distance in the Y∪Z
/// space and in the Z space (max norm), for a target side with several Z
/// columns, where the neighbour lists of the one-column path do not apply.
/// Shared by every candidate and surrogate of a round: with them an
/// estimate needs no search structure of its own. Row i of a table holds
/// the n − 1 other samples, ascending by (distance, id).
struct DistanceTables {
    n: usize,
    yz_d: Vec<f64>,
    yz_id: Vec<u32>,
    z_d: Vec<f64>,
    z_id: Vec<u32>,
}

/// The max-norm distance between rows i and j of `m`: the largest
/// |m[j, c] − m[i, c]|, the distance every search structure compares.
#[inline]
fn row_dist(m: MatRef<'_>, i: usize, j: usize) -> f64 {
    m.row(i).iter().zip(m.row(j)).fold(0.0, |d, (a, b)| fmax(d, (b - a).abs()))
}

impl DistanceTables {
    /// The tables, `None` where they would exceed TABLE_BYTES.
    fn new(y: MatRef<'_>, z: MatRef<'_>, interrupt: &Interrupt) -> Result<Option<Self>> {
        let n = y.n;
        let entries = n.saturating_mul(n.saturating_sub(1));
        if n < 2 || entries.saturating_mul(24) > TABLE_BYTES || n > u32::MAX as usize {
            return Ok(None);
        }
        let w = n - 1;
        let (mut yz_d, mut yz_id, mut z_d, mut z_id) =
            (vec![0.0f64; entries], vec![0u32; entries], vec![0.0f64; entries], vec![0u32; entries]);
        let rows =
            yz_d.par_chunks_mut(w).zip(yz_id.par_chunks_mut(w)).zip(z_d.par_chunks_mut(w).zip(z_id.par_chunks_mut(w)));
        rows.enumerate().try_for_each(|(i, ((yzd, yzi), (zd, zi)))| -> Result<()> {
            if i % 256 == 0 {
                interrupt.check()?;
            }
            let mut by_z: Vec<(f64, u32)> = (0..n).filter(|&j| j != i).map(|j| (row_dist(z, i, j), j as u32)).collect();
            let mut by_yz: Vec<(f64, u32)> =
                by_z.iter().map(|&(dz, j)| (fmax(dz, row_dist(y, i, j as usize)), j)).collect();
            // distances are >= +0.0, whose bit patterns ascend with their values
            by_z.sort_unstable_by_key(|&(d, j)| (d.to_bits(), j));
            by_yz.sort_unstable_by_key(|&(d, j)| (d.to_bits(), j));
            for (t, (d, j)) in by_z.into_iter().enumerate() {
                zd[t] = d;
                zi[t] = j;
            }
            for (t, (d, j)) in by_yz.into_iter().enumerate() {
                yzd[t] = d;
                yzi[t] = j;
            }
            Ok(())
        })?;
        Ok(Some(DistanceTables { n, yz_d, yz_id, z_d, z_id }))
    }

    /// Local values of I(X; Y | Z), KSG algorithm 1, for the candidate
    /// rows `x` (row j of the estimate is row `order[j]` of `x`): per
    /// query, the k-th joint distance ε from a scan of its Y∪Z row (a
    /// sample's joint distance is at least its Y∪Z distance, so the scan
    /// stops at the first entry not closer than the current k-th), n_yz as
    /// the entries of the row closer than ε (at most a few steps back from
    /// where the scan stopped), n_z and n_xz from one scan of its Z row up
    /// to ε. The distances are those the joint search compares, so the
    /// counts, and the values, are the joint search's.
    fn local_values<const K: usize>(
        &self,
        x: MatRef<'_>,
        order: Option<&[u32]>,
        formula: &(impl Fn(&[usize]) -> f64 + Sync),
        interrupt: &Interrupt,
    ) -> Result<Vec<f64>> {
        let (n, dx) = (self.n, x.d);
        let mut xv = Vec::with_capacity(n * dx);
        for r in 0..n {
            xv.extend_from_slice(x.row(order.map_or(r, |o| o[r] as usize)));
        }
        if dx == 1 {
            // one column (every candidate but the omnibus test's): its distance inlined
            self.local_values_by::<K>(|i, j| (xv[j] - xv[i]).abs(), formula, interrupt)
        } else {
            let xm = MatRef { data: &xv, n, d: dx };
            self.local_values_by::<K>(|i, j| row_dist(xm, i, j), formula, interrupt)
        }
    }

    #[inline(always)]
    fn local_values_by<const K: usize>(
        &self,
        xdist: impl Fn(usize, usize) -> f64,
        formula: &(impl Fn(&[usize]) -> f64 + Sync),
        interrupt: &Interrupt,
    ) -> Result<Vec<f64>> {
        let (n, w) = (self.n, self.n - 1);
        let mut zero = 0usize;
        let mut out = vec![0.0f64; n];
        for (i, o) in out.iter_mut().enumerate() {
            if i % 4096 == 0 {
                interrupt.check()?;
            }
            let (yzd, yzi) = (&self.yz_d[i * w..(i + 1) * w], &self.yz_id[i * w..(i + 1) * w]);
            let mut top = TopK::<K>::new(f64::INFINITY);
            let mut stop = w;
            for (t, (&d, &j)) in yzd.iter().zip(yzi).enumerate() {
                if d >= top.kth() {
                    stop = t;
                    break;
                }
                top.push(fmax(d, xdist(i, j as usize)));
            }
            let eps = top.kth();
            zero += (eps == 0.0) as usize;
            // entries before `stop` were closer than the k-th distance of
            // their time, which may have shrunk since (the row ascends)
            let mut nyz = stop;
            while nyz > 0 && yzd[nyz - 1] >= eps {
                nyz -= 1;
            }
            let (zd, zi) = (&self.z_d[i * w..(i + 1) * w], &self.z_id[i * w..(i + 1) * w]);
            let (mut nz, mut nxz) = (0usize, 0usize);
            for (&d, &j) in zd.iter().zip(zi) {
                if d >= eps {
                    break;
                }
                nz += 1;
                nxz += (xdist(i, j as usize) < eps) as usize;
            }
            *o = formula(&[nxz, nyz, nz]);
        }
        interrupt.tally_radii(zero, n);
        Ok(out)
    }
}

/// Every other sample of each query sorted by its distance in Y, for the
/// mutual information of one-column candidates against one Y column.
struct YTable {
    n: usize,
    d: Vec<f64>,
    id: Vec<u32>,
}

impl YTable {
    fn new(y: &[f64], interrupt: &Interrupt) -> Result<Option<Self>> {
        let n = y.len();
        let entries = n.saturating_mul(n.saturating_sub(1));
        if n < 2 || entries.saturating_mul(12) > TABLE_BYTES || n > u32::MAX as usize {
            return Ok(None);
        }
        let w = n - 1;
        let (mut d, mut id) = (vec![0.0f64; entries], vec![0u32; entries]);
        d.par_chunks_mut(w).zip(id.par_chunks_mut(w)).enumerate().try_for_each(|(i, (dr, ir))| -> Result<()> {
            if i % 256 == 0 {
                interrupt.check()?;
            }
            let mut row: Vec<(f64, u32)> =
                (0..n).filter(|&j| j != i).map(|j| ((y[j] - y[i]).abs(), j as u32)).collect();
            // distances are >= +0.0, whose bit patterns ascend with their values
            row.sort_unstable_by_key(|&(d, j)| (d.to_bits(), j));
            for (t, (dv, j)) in row.into_iter().enumerate() {
                dr[t] = dv;
                ir[t] = j;
            }
            Ok(())
        })?;
        Ok(Some(YTable { n, d, id }))
    }

    /// Local values of I(X; Y), KSG algorithm 1, for the one-column
    /// candidate `x` reordered by `order`: the k-th joint distance ε from a
    /// scan of the query's Y row, n_y from where it stopped, n_x from the
    /// candidate's sorted values (the same multiset for every reordering).
    fn local_values<const K: usize>(
        &self,
        x: &[f64],
        sorted: &Sorted1D,
        order: Option<&[u32]>,
        formula: &(impl Fn(&[usize]) -> f64 + Sync),
        interrupt: &Interrupt,
    ) -> Result<Vec<f64>> {
        let (n, w) = (self.n, self.n - 1);
        let xv: Vec<f64> = (0..n).map(|r| x[order.map_or(r, |o| o[r] as usize)]).collect();
        let mut zero = 0usize;
        let mut out = vec![0.0f64; n];
        for (i, o) in out.iter_mut().enumerate() {
            if i % 4096 == 0 {
                interrupt.check()?;
            }
            let (yd, yi) = (&self.d[i * w..(i + 1) * w], &self.id[i * w..(i + 1) * w]);
            let mut top = TopK::<K>::new(f64::INFINITY);
            let mut stop = w;
            for (t, (&d, &j)) in yd.iter().zip(yi).enumerate() {
                if d >= top.kth() {
                    stop = t;
                    break;
                }
                top.push(fmax(d, (xv[j as usize] - xv[i]).abs()));
            }
            let eps = top.kth();
            zero += (eps == 0.0) as usize;
            let mut ny = stop;
            while ny > 0 && yd[ny - 1] >= eps {
                ny -= 1;
            }
            let own = self_inside(eps, true) as usize;
            let (lo, hi) = sorted.range_value(xv[i], eps, true);
            *o = formula(&[hi - lo - own, ny]);
        }
        interrupt.tally_radii(zero, n);
        Ok(out)
    }
}

/// I(X_c; Y | Z) of every candidate X_c (I(X_c; Y) when `z` is `None`),
/// and of each of its `n_orders` surrogates: candidate c's rows reordered
/// by row `s` of `orders[c]` (row-major (n_orders, n); surrogate row r
/// takes candidate row `orders[c][s·n + r]`). Returns (C, n_orders + 1)
/// row-major: per candidate its estimate, then its surrogates'. Every value
/// is [`numpy_mean`] of the local values of the single estimator on the
/// same (reordered) columns, with no Theiler window.
#[allow(clippy::too_many_arguments)]
pub fn cmi_candidates(
    y: MatRef<'_>,
    z: Option<MatRef<'_>>,
    candidates: &[MatRef<'_>],
    orders: &[&[u32]],
    n_orders: usize,
    k: usize,
    algorithm: Algorithm,
    interrupt: &Interrupt,
) -> Result<SourceEstimates> {
    let n = y.n;
    if orders.len() != candidates.len() {
        return Err(Error::invalid(
            "orders",
            format!("{} order sets for {} candidates", orders.len(), candidates.len()),
        ));
    }
    if let Some(zm) = z {
        if zm.n != n {
            return Err(Error::invalid("z", format!("z has {} rows, y {n}", zm.n)));
        }
    }
    let finite = |m: &MatRef<'_>| m.data.iter().all(|v| v.is_finite());
    if !finite(&y) || !z.as_ref().is_none_or(finite) {
        return Err(Error::invalid("y", "y or z contains NaN or infinity"));
    }
    for (c, (x, o)) in candidates.iter().zip(orders).enumerate() {
        if x.n != n {
            return Err(Error::invalid("xs", format!("candidate {c} has {} rows, y {n}", x.n)));
        }
        if !finite(x) {
            return Err(Error::invalid("xs", format!("candidate {c} contains NaN or infinity")));
        }
        if o.len() != n_orders * n {
            return Err(Error::invalid(
                "orders",
                format!("candidate {c}: {} entries, expected {n_orders} x {n}", o.len()),
            ));
        }
        if n > 0 && !o.chunks_exact(n).all(is_permutation) {
            return Err(Error::invalid("orders", format!("candidate {c}: a row order is not a permutation of 0..{n}")));
        }
    }
    let per = n_orders + 1;
    let total = candidates.len() * per;
    let order_of = |t: usize| -> (usize, Option<&[u32]>) {
        let (c, s) = (t / per, t % per);
        (c, (s > 0).then(|| &orders[c][(s - 1) * n..s * n]))
    };
    let mut values = vec![f64::NAN; total];
    let exclusion = Exclusion::default();
    let Some(z) = z else {
        let formula = mi_local_formula(k, algorithm, n);
        let one_column = y.d == 1 && candidates.iter().all(|x| x.d == 1);
        if one_column && algorithm == Algorithm::One && k <= MAX_K && k < n {
            if let Some(table) = YTable::new(y.data, interrupt)? {
                let sorted: Vec<Sorted1D> = candidates.par_iter().map(|x| Sorted1D::from_slice(x.data)).collect();
                values.par_iter_mut().enumerate().try_for_each(|(t, out)| -> Result<()> {
                    let (c, order) = order_of(t);
                    let (x, srt) = (candidates[c].data, &sorted[c]);
                    let loc =
                        with_k!(k, K => table.local_values::<K>(x, srt, order, &formula, interrupt), else unreachable!())?;
                    *out = numpy_mean(&loc);
                    Ok(())
                })?;
                return Ok(SourceEstimates { per, values });
            }
        }
        // mutual information: Y's counter shared, the joint (X, Y) rows as
        // `knn::mutual_info_local` lays them out
        let yc = Counter::new(y);
        values.par_iter_mut().enumerate().try_for_each(|(t, out)| -> Result<()> {
            interrupt.check()?;
            let (c, order) = order_of(t);
            let x = candidates[c];
            let mut joint = Vec::with_capacity(n * (x.d + y.d));
            for r in 0..n {
                joint.extend_from_slice(x.row(order.map_or(r, |o| o[r] as usize)));
                joint.extend_from_slice(y.row(r));
            }
            let spec = KnnSpec {
                joint: MatRef { data: &joint, n, d: x.d + y.d },
                groups: vec![0..x.d, x.d..x.d + y.d],
                spaces: vec![vec![0], vec![1]],
                k,
                algorithm,
                exclusion,
            };
            let loc = knn_local_values_with(&spec, &[None, Some(&yc)], interrupt, &formula)?;
            *out = numpy_mean(&loc);
            Ok(())
        })?;
        return Ok(SourceEstimates { per, values });
    };
    if z.d >= 2 && algorithm == Algorithm::One && k <= MAX_K && k < n {
        if let Some(tables) = DistanceTables::new(y, z, interrupt)? {
            let formula = cmi_local_formula(k, algorithm, n);
            values.par_iter_mut().enumerate().try_for_each(|(t, out)| -> Result<()> {
                let (c, order) = order_of(t);
                let x = candidates[c];
                let loc =
                    with_k!(k, K => tables.local_values::<K>(x, order, &formula, interrupt), else unreachable!())?;
                *out = numpy_mean(&loc);
                Ok(())
            })?;
            return Ok(SourceEstimates { per, values });
        }
    }
    let target = TargetSide::new(y, z)?;
    // each candidate sorted once, for itself and all its surrogates
    let sorted: Vec<Option<Vec<u32>>> = candidates.par_iter().map(|x| target.source_order(*x)).collect();
    let lists = (total >= LIST_MIN_TES && candidates.iter().all(|x| target.lists_apply(*x, k, algorithm, exclusion)))
        .then(|| target.neighbour_lists(interrupt))
        .transpose()?
        .flatten();
    match &lists {
        Some(l) => {
            let sorted1d: Vec<Sorted1D> = candidates
                .par_iter()
                .zip(&sorted)
                .map(|(x, o)| {
                    o.as_ref()
                        .map(|o| Sorted1D::from_order(x.data, o.clone()))
                        .ok_or_else(|| Error::Internal("list path without a candidate order".into()))
                })
                .collect::<Result<_>>()?;
            values.par_chunks_mut(LANES).enumerate().try_for_each(|(b, out)| -> Result<()> {
                interrupt.check()?;
                let lanes: Vec<ListedSource<'_>> = (b * LANES..b * LANES + out.len())
                    .map(|t| {
                        let (c, order) = order_of(t);
                        ListedSource { x: candidates[c], order, sorted: &sorted1d[c] }
                    })
                    .collect();
                let loc = target.local_values_listed_lanes(l, &lanes, k, interrupt)?;
                for (o, v) in out.iter_mut().zip(&loc) {
                    *o = numpy_mean(v);
                }
                Ok(())
            })?;
        }
        None => values.par_iter_mut().enumerate().try_for_each(|(t, out)| -> Result<()> {
            interrupt.check()?;
            let (c, order) = order_of(t);
            let loc = target.local_values_sorted(
                candidates[c],
                order,
                sorted[c].as_deref(),
                k,
                algorithm,
                exclusion,
                interrupt,
            )?;
            *out = numpy_mean(&loc);
            Ok(())
        })?,
    }
    Ok(SourceEstimates { per, values })
}

// `&[0..n]`: the trials of a series of one trial
#[allow(clippy::single_range_in_vec_init)]
#[cfg(test)]
mod tests {
    use super::*;
    use crate::knn::{conditional_mutual_info_local, mutual_info_local};
    use crate::random::SplitMix64;
    use crate::te::surrogates::{surrogate_order, SurrogateMethod};

    #[test]
    fn pairwise_sum_splits_like_numpy() {
        // exact small integers: the order cannot show, the value must
        for n in [0usize, 1, 7, 8, 9, 127, 128, 129, 1000] {
            let v: Vec<f64> = (0..n).map(|i| i as f64).collect();
            assert_eq!(numpy_pairwise_sum(&v), (n * n.saturating_sub(1) / 2) as f64);
        }
        // the order shows: 1e16 + 1 + 1 - 1e16 sequentially loses the ones,
        // NumPy's eight accumulators keep them apart
        let mut v = vec![0.0; 16];
        v[0] = 1e16;
        v[1] = 1.0;
        v[8] = 1.0;
        v[9] = -1e16;
        assert_eq!(numpy_pairwise_sum(&v), ((1e16 + 1.0) + (1.0 - 1e16)));
        assert_eq!(numpy_pairwise_sum(&[-0.0, -0.0]).to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn candidates_equal_the_single_estimators() {
        let mut s = 23u64;
        // (2400, 2), (5000, 0): past the distance tables' memory, the joint search
        for &(n, dz) in &[(40usize, 0usize), (300, 0), (300, 1), (3000, 1), (300, 2), (500, 3), (2400, 2), (5000, 0)] {
            let y: Vec<f64> = (0..n).map(|_| crate::testing::lcg(&mut s)).collect();
            let z: Vec<f64> = (0..n * dz).map(|_| crate::testing::lcg(&mut s)).collect();
            let xs: Vec<Vec<f64>> =
                (0..3).map(|c| (0..n).map(|i| y[i] * c as f64 * 0.3 + crate::testing::lcg(&mut s)).collect()).collect();
            let (ym, zm) = (MatRef { data: &y, n, d: 1 }, MatRef { data: &z, n, d: dz });
            let cands: Vec<MatRef<'_>> = xs.iter().map(|x| MatRef { data: x, n, d: 1 }).collect();
            let n_orders = 6;
            let orders: Vec<Vec<u32>> = (0..3)
                .map(|c| {
                    (0..n_orders)
                        .flat_map(|o| {
                            let mut rng = SplitMix64::new(7, (c * 100 + o) as u64);
                            surrogate_order(SurrogateMethod::Permutation, &[0..n], &mut rng).unwrap()
                        })
                        .collect()
                })
                .collect();
            let refs: Vec<&[u32]> = orders.iter().map(|o| &o[..]).collect();
            let irq = Interrupt::new();
            // k = 9: past the tables' and the lists' top-k, the joint search
            for k in [1, 4, 9] {
                let zopt = (dz > 0).then_some(zm);
                let got = cmi_candidates(ym, zopt, &cands, &refs, n_orders, k, Algorithm::One, &irq).unwrap();
                for (c, x) in xs.iter().enumerate() {
                    for sidx in 0..=n_orders {
                        let xr: Vec<f64> = match sidx {
                            0 => x.clone(),
                            _ => orders[c][(sidx - 1) * n..sidx * n].iter().map(|&r| x[r as usize]).collect(),
                        };
                        let xm = MatRef { data: &xr, n, d: 1 };
                        let ex = Exclusion::default();
                        let loc = if dz == 0 {
                            mutual_info_local(xm, ym, k, Algorithm::One, ex, &irq).unwrap()
                        } else {
                            conditional_mutual_info_local(xm, ym, zm, k, Algorithm::One, ex, &irq).unwrap()
                        };
                        let have = got.values[c * (n_orders + 1) + sidx];
                        assert_eq!(have.to_bits(), numpy_mean(&loc).to_bits(), "n={n} dz={dz} k={k} c={c} s={sidx}");
                    }
                }
            }
        }
    }

    #[test]
    fn bad_orders_are_refused() {
        let y = [0.1, 0.5, 0.3, 0.9, 0.2, 0.7];
        let ym = MatRef { data: &y, n: 6, d: 1 };
        let o = [0u32, 1, 2, 3, 4, 4];
        let irq = Interrupt::new();
        assert!(cmi_candidates(ym, None, &[ym], &[&o], 1, 1, Algorithm::One, &irq).is_err());
        assert!(cmi_candidates(ym, None, &[ym], &[&o[..5]], 1, 1, Algorithm::One, &irq).is_err());
        assert!(cmi_candidates(ym, None, &[ym], &[], 1, 1, Algorithm::One, &irq).is_err());
    }
}
