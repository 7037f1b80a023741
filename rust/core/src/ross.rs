//! Mutual information between a continuous variable and a discrete one by
//! the nearest-neighbour estimator of Ross (2014), as scikit-learn's
//! `mutual_info_classif` computes it:
//!
//! ```text
//! I = ψ(N) + <ψ(k_i)> − <ψ(N_i)> − <ψ(m_i)>
//! ```
//!
//! N_i is the size of sample i's class, k_i = min(k, N_i − 1), d_i the
//! distance (max norm over the continuous columns) from x_i to its k_i-th
//! nearest neighbour within its class, and m_i the number of samples of any
//! class, x_i included, at distance at most the largest float below d_i (0
//! when d_i = 0). Samples alone in their class have no neighbour: they are
//! left out, N included. Each mean is a sum in sample order, pairwise as
//! NumPy sums, divided by N, so in one dimension the value is
//! scikit-learn's to the last bits (it is not clipped at 0 here).
//!
//! One continuous column is served by sorted arrays: within its class the k
//! nearest values of a sample are a window of k + 1 consecutive sorted
//! values, and m_i is a count in the sorted column (`search::sorted`); the
//! one sort of the column also yields the per-class orders by a stable
//! pass. For classes of at most 2k + 1 samples scikit-learn's neighbour
//! search is a brute-force one on squared distances expanded as
//! (x_i² − 2 x_i x_j) + x_j², whose rounding can move the k-th distance by
//! an ulp; those classes take the same expression. Several columns use the
//! crate's k-d tree under the max norm (no scikit-learn counterpart).
//!
//! Reference: B. C. Ross, "Mutual information between discrete and
//! continuous data sets", PLoS ONE 9(2), e87357 (2014).

use crate::search::kdtree::{KdTree, MaxNorm, COUNT_LEAF};
use crate::search::sorted::Sorted1D;
use crate::search::Neighbours;
use crate::special::{digamma, DigammaTable};
use crate::{Error, Interrupt, MatRef, Result};
use rayon::prelude::*;

/// Samples per unit of parallel work within one column.
const CHUNK: usize = 4096;

/// Above this magnitude scikit-learn's squared distances overflow; its
/// brute-force convention is then not reproduced (exact distances instead).
const HUGE: f64 = 1e150;

/// Sum of `a` as NumPy's `np.sum` of a contiguous float64 array computes it
/// (pairwise, blocks of 128 summed in 8 lanes), so the means below round as
/// scikit-learn's do.
pub(crate) fn numpy_sum(a: &[f64]) -> f64 {
    0.0 + pairwise(a)
}

fn pairwise(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = -0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise(&a[..n2]) + pairwise(&a[n2..])
    }
}

fn numpy_mean(a: &[f64]) -> f64 {
    numpy_sum(a) / a.len() as f64
}

/// The largest float below `d` (toward zero), 0 for 0: "closer than d".
#[inline]
fn below(d: f64) -> f64 {
    if d > 0.0 {
        f64::from_bits(d.to_bits() - 1)
    } else {
        0.0
    }
}

/// The classes of the samples that have a neighbour in their class, and
/// the terms of the estimate that depend on the labels only.
struct Classes {
    /// original sample of each kept sample, ascending
    kept: Vec<u32>,
    /// dense class of each kept sample
    class: Vec<u32>,
    /// first slot of each dense class in a class-grouped layout (c + 1 entries)
    start: Vec<usize>,
    /// min(k, size − 1) per dense class
    kc: Vec<usize>,
    /// ψ(N) + <ψ(k_i)> − <ψ(N_i)>
    label_terms: f64,
}

impl Classes {
    fn new(labels: &[u32], n: usize, k: usize) -> Result<Self> {
        if labels.len() != n {
            return Err(Error::invalid(
                "labels",
                format!("has {} samples but x has {n}; both need the same number", labels.len()),
            ));
        }
        if n == 0 {
            return Err(Error::invalid("x", "no samples"));
        }
        if k < 1 {
            return Err(Error::invalid("k", "must be at least 1"));
        }
        let mut size = vec![0usize; n];
        for &l in labels {
            let slot = size.get_mut(l as usize).ok_or_else(|| {
                Error::invalid("labels", format!("class ids must lie in 0..{n} (the samples), got {l}"))
            })?;
            *slot += 1;
        }
        let mut dense = vec![u32::MAX; n];
        let mut start = vec![0usize];
        let mut kc = Vec::new();
        for (l, &s) in size.iter().enumerate() {
            if s > 1 {
                dense[l] = kc.len() as u32;
                kc.push(k.min(s - 1));
                start.push(start[start.len() - 1] + s);
            }
        }
        if kc.is_empty() {
            return Err(Error::invalid(
                "labels",
                "every class has a single sample, so no sample has a neighbour in its class (the estimator of Ross \
                 2014 needs a class with at least 2 samples)",
            ));
        }
        let kept: Vec<u32> = (0..n as u32).filter(|&i| size[labels[i as usize] as usize] > 1).collect();
        let class: Vec<u32> = kept.iter().map(|&i| dense[labels[i as usize] as usize]).collect();
        let nk = kept.len();
        let psi_k: Vec<f64> = class.iter().map(|&c| digamma(kc[c as usize] as f64)).collect();
        let psi_size: Vec<f64> = kept.iter().map(|&i| digamma(size[labels[i as usize] as usize] as f64)).collect();
        let label_terms = digamma(nk as f64) + numpy_mean(&psi_k) - numpy_mean(&psi_size);
        Ok(Classes { kept, class, start, kc, label_terms })
    }

    fn len(&self) -> usize {
        self.kept.len()
    }
}

fn check_finite(x: MatRef<'_>) -> Result<()> {
    if x.data.len() != x.n * x.d {
        return Err(Error::invalid("x", format!("buffer of {} values cannot hold {} x {}", x.data.len(), x.n, x.d)));
    }
    if x.d == 0 {
        return Err(Error::invalid("x", "has no columns"));
    }
    if x.data.iter().any(|v| !v.is_finite()) {
        return Err(Error::invalid("x", "contains NaN or infinity"));
    }
    Ok(())
}

/// The k-th distance of the sample at `at` of a class's sorted values: the
/// smallest, over the windows of `kc` + 1 consecutive values holding it, of
/// the farther end (fl(a − b) is monotone, so the rounded distances keep the
/// order of the exact ones).
#[inline]
fn window_kth(seg: &[f64], at: usize, kc: usize) -> f64 {
    let x = seg[at];
    let right = seg.len() - 1 - at;
    let mut best = f64::INFINITY;
    for a in 0..=kc.min(at) {
        let b = kc - a;
        if b <= right {
            best = best.min((x - seg[at - a]).max(seg[at + b] - x));
        }
    }
    best
}

/// The k-th distance as scikit-learn's brute-force search rounds it:
/// √max(0, (x_i² + (−2 x_i x_j)) + x_j²), the `kc`-th smallest over j ≠ i.
fn brute_kth(seg: &[f64], at: usize, kc: usize, buf: &mut Vec<f64>) -> f64 {
    let vi = seg[at];
    let sqi = vi * vi;
    buf.clear();
    buf.extend(seg.iter().enumerate().filter(|&(j, _)| j != at).map(|(_, &vj)| {
        let m = (sqi + -2.0 * (vi * vj)) + vj * vj;
        if m > 0.0 {
            m
        } else {
            0.0
        }
    }));
    let (_, kth, _) = buf.select_nth_unstable_by(kc - 1, f64::total_cmp);
    kth.sqrt()
}

/// The estimate for one column, `vals` holding the kept samples' values.
fn column(vals: &[f64], cl: &Classes, interrupt: &Interrupt) -> Result<f64> {
    let nk = vals.len();
    let srt = Sorted1D::from_slice(vals);
    // class-grouped layout, each class in ascending order of value: its
    // values, samples and ranks in the sorted column. Queries then run
    // class by class in ascending order, so their counts walk the sorted
    // column forwards (cache-friendly) instead of at random.
    let mut next = cl.start.clone();
    let (mut gv, mut gp, mut gr) = (vec![0.0f64; nk], vec![0u32; nk], vec![0u32; nk]);
    for (r, (&p, &v)) in srt.order().iter().zip(srt.values()).enumerate() {
        let c = cl.class[p as usize] as usize;
        let q = next[c];
        (gv[q], gp[q], gr[q]) = (v, p, r as u32);
        next[c] += 1;
    }
    // per class: whether scikit-learn searches it by brute force (k-th
    // neighbour index at least half the class) and its values stay below
    // the squares' overflow
    let brute: Vec<bool> = (0..cl.kc.len())
        .map(|c| {
            let seg = &gv[cl.start[c]..cl.start[c + 1]];
            cl.kc[c] >= seg.len() / 2 && seg.iter().all(|v| v.abs() <= HUGE)
        })
        .collect();
    let mut m = vec![0usize; nk];
    m.par_chunks_mut(CHUNK).enumerate().try_for_each_init(Vec::new, |buf, (b, out)| -> Result<()> {
        interrupt.check()?;
        let first = b * CHUNK;
        let mut c = cl.start.partition_point(|&s| s <= first) - 1;
        for (o, q) in out.iter_mut().zip(first..) {
            while q >= cl.start[c + 1] {
                c += 1;
            }
            let seg = &gv[cl.start[c]..cl.start[c + 1]];
            let at = q - cl.start[c];
            let d = if brute[c] { brute_kth(seg, at, cl.kc[c], buf) } else { window_kth(seg, at, cl.kc[c]) };
            *o = srt.count_at_rank(gr[q] as usize, below(d), false);
        }
        Ok(())
    })?;
    // the mean in sample order, as scikit-learn sums it
    let psi = DigammaTable::new(nk + 1);
    let mut psi_m = vec![0.0f64; nk];
    for (&p, &mq) in gp.iter().zip(&m) {
        psi_m[p as usize] = psi.psi(mq);
    }
    Ok(cl.label_terms - numpy_mean(&psi_m))
}

/// The estimate for several continuous columns at once (max norm), by the
/// crate's k-d trees: one per class for the k-th distances, one over all
/// kept samples for the counts.
fn multi(x: MatRef<'_>, cl: &Classes, interrupt: &Interrupt) -> Result<f64> {
    let (nk, d) = (cl.len(), x.d);
    // kept rows grouped by class, in sample order within each class
    let mut next = cl.start.clone();
    let mut grouped = vec![0u32; nk];
    for (p, &c) in cl.class.iter().enumerate() {
        grouped[next[c as usize]] = p as u32;
        next[c as usize] += 1;
    }
    let rows: Vec<f64> = cl.kept.iter().flat_map(|&i| x.row(i as usize).iter().copied()).collect();
    let all = MatRef { data: &rows, n: nk, d };
    let trees: Vec<KdTree> = (0..cl.kc.len())
        .into_par_iter()
        .map(|c| {
            let data: Vec<f64> = grouped[cl.start[c]..cl.start[c + 1]]
                .iter()
                .flat_map(|&p| all.row(p as usize).iter().copied())
                .collect();
            KdTree::new(MatRef { data: &data, n: cl.start[c + 1] - cl.start[c], d })
        })
        .collect();
    interrupt.check()?;
    let counter = KdTree::with_leaf(all, COUNT_LEAF);
    // the class-local index of each kept sample
    let mut local = vec![0u32; nk];
    for (q, &p) in grouped.iter().enumerate() {
        local[p as usize] = (q - cl.start[cl.class[p as usize] as usize]) as u32;
    }
    let psi = DigammaTable::new(nk + 1);
    let mut psi_m = vec![0.0f64; nk];
    psi_m.par_chunks_mut(CHUNK).enumerate().try_for_each_init(
        || (Neighbours::new(), vec![0.0f64; d]),
        |(nbrs, r), (b, out)| -> Result<()> {
            interrupt.check()?;
            for (o, p) in out.iter_mut().zip(b * CHUNK..) {
                let c = cl.class[p] as usize;
                let tree = &trees[c];
                let t = tree.position(local[p] as usize);
                tree.knn_point::<MaxNorm, _>(t, cl.kc[c], &|u| u == t, nbrs);
                let dist = nbrs.last().map(|v| v.0).ok_or_else(|| Error::Internal("no neighbour found".into()))?;
                r.fill(below(dist));
                *o = psi.psi(counter.count_point(counter.position(p), r, false));
            }
            Ok(())
        },
    )?;
    Ok(cl.label_terms - numpy_mean(&psi_m))
}

/// Ross's (2014) estimate of I(X; L), in nats, between the continuous
/// samples `x` (n × d, max norm for d > 1) and their class ids `labels`
/// (each in 0..n), with `k` within-class neighbours. Not clipped at 0.
pub fn ross_mutual_info(x: MatRef<'_>, labels: &[u32], k: usize, interrupt: &Interrupt) -> Result<f64> {
    let cl = Classes::new(labels, x.n, k)?;
    check_finite(x)?;
    if x.d == 1 {
        let vals: Vec<f64> = cl.kept.iter().map(|&i| x.data[i as usize]).collect();
        column(&vals, &cl, interrupt)
    } else {
        multi(x, &cl, interrupt)
    }
}

/// [`ross_mutual_info`] of each column of `x` (n × p) against the same
/// labels: the label terms are shared, the columns run in parallel, and
/// within each column its samples.
pub fn ross_mutual_info_columns(x: MatRef<'_>, labels: &[u32], k: usize, interrupt: &Interrupt) -> Result<Vec<f64>> {
    let cl = Classes::new(labels, x.n, k)?;
    check_finite(x)?;
    // the kept samples' columns, gathered in one pass over the rows
    let mut cols: Vec<Vec<f64>> = (0..x.d).map(|_| Vec::with_capacity(cl.len())).collect();
    for &i in &cl.kept {
        for (col, &v) in cols.iter_mut().zip(x.row(i as usize)) {
            col.push(v);
        }
    }
    cols.par_iter()
        .map(|vals| {
            interrupt.check()?;
            column(vals, &cl, interrupt)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lcg;

    /// The estimator from its definition, O(N²), max norm, exact distances.
    fn brute(x: &[f64], d: usize, labels: &[u32], k: usize) -> f64 {
        let n = labels.len();
        let size = |l: u32| labels.iter().filter(|&&m| m == l).count();
        let kept: Vec<usize> = (0..n).filter(|&i| size(labels[i]) > 1).collect();
        let dist = |i: usize, j: usize| (0..d).map(|c| (x[i * d + c] - x[j * d + c]).abs()).fold(0.0, f64::max);
        let (mut sk, mut sn, mut sm) = (vec![], vec![], vec![]);
        for &i in &kept {
            let ni = size(labels[i]);
            let ki = k.min(ni - 1);
            let mut within: Vec<f64> =
                kept.iter().filter(|&&j| j != i && labels[j] == labels[i]).map(|&j| dist(i, j)).collect();
            within.sort_by(f64::total_cmp);
            let t = below(within[ki - 1]);
            let m = kept.iter().filter(|&&j| dist(i, j) <= t).count();
            sk.push(digamma(ki as f64));
            sn.push(digamma(ni as f64));
            sm.push(digamma(m as f64));
        }
        digamma(kept.len() as f64) + numpy_mean(&sk) - numpy_mean(&sn) - numpy_mean(&sm)
    }

    fn data(n: usize, d: usize, classes: u32, seed: u64) -> (Vec<f64>, Vec<u32>) {
        let mut s = seed;
        let labels: Vec<u32> = (0..n).map(|_| (lcg(&mut s) * classes as f64) as u32).collect();
        let x = (0..n * d).map(|i| lcg(&mut s) + 0.3 * labels[i / d] as f64).collect();
        (x, labels)
    }

    #[test]
    fn multi_dim_equals_definition() {
        for (n, d, c, k) in [(200, 2, 3, 3), (150, 3, 5, 1), (120, 2, 40, 4)] {
            let (x, labels) = data(n, d, c, n as u64);
            let got = ross_mutual_info(MatRef { data: &x, n, d }, &labels, k, &Interrupt::new()).unwrap();
            let want = brute(&x, d, &labels, k);
            assert!((got - want).abs() < 1e-12, "{n} {d} {c} {k}: {got} vs {want}");
        }
    }

    #[test]
    fn one_column_equals_definition_for_large_classes() {
        // classes larger than 2k + 1 take exact distances
        for (n, c, k) in [(300, 3, 3), (500, 4, 7), (64, 2, 1)] {
            let (x, labels) = data(n, 1, c, 7 + n as u64);
            let got = ross_mutual_info(MatRef { data: &x, n, d: 1 }, &labels, k, &Interrupt::new()).unwrap();
            let want = brute(&x, 1, &labels, k);
            assert!((got - want).abs() < 1e-12, "{n} {c} {k}: {got} vs {want}");
        }
    }

    #[test]
    fn ties_and_singletons() {
        // repeated values (d_i = 0 counts the duplicates) and a class of one
        let x = [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 5.0, 5.0, 5.0, 9.0];
        let labels = [0, 0, 1, 1, 0, 0, 1, 2, 2, 2, 3];
        let got = ross_mutual_info(MatRef { data: &x, n: 11, d: 1 }, &labels, 1, &Interrupt::new()).unwrap();
        assert!((got - brute(&x, 1, &labels, 1)).abs() < 1e-12);
    }

    #[test]
    fn columns_equal_single_and_threads_agree() {
        let (n, p) = (3000, 4);
        let (x, labels) = data(n, p, 5, 11);
        let irq = Interrupt::new();
        let cols = ross_mutual_info_columns(MatRef { data: &x, n, d: p }, &labels, 3, &irq).unwrap();
        for (j, &v) in cols.iter().enumerate() {
            let col: Vec<f64> = (0..n).map(|i| x[i * p + j]).collect();
            let one = ross_mutual_info(MatRef { data: &col, n, d: 1 }, &labels, 3, &irq).unwrap();
            assert_eq!(v.to_bits(), one.to_bits());
        }
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let again = pool.install(|| ross_mutual_info_columns(MatRef { data: &x, n, d: p }, &labels, 3, &irq));
            assert_eq!(again.unwrap(), cols);
            let multi = pool.install(|| ross_mutual_info(MatRef { data: &x, n, d: p }, &labels, 3, &irq)).unwrap();
            let base = ross_mutual_info(MatRef { data: &x, n, d: p }, &labels, 3, &irq).unwrap();
            assert_eq!(multi.to_bits(), base.to_bits());
        }
    }

    #[test]
    fn numpy_sum_blocks() {
        // exact small integers: every order gives the same sum
        let v: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        assert_eq!(numpy_sum(&v), 499_500.0);
        assert_eq!(numpy_sum(&[]), 0.0);
    }

    #[test]
    fn bad_input() {
        let irq = Interrupt::new();
        let x = [0.0, 1.0, 2.0];
        let err = |r: Result<f64>| match r {
            Err(Error::InvalidArgument { arg, .. }) => arg,
            other => panic!("{other:?}"),
        };
        assert_eq!(err(ross_mutual_info(MatRef { data: &x, n: 3, d: 1 }, &[0, 1, 2], 3, &irq)), "labels");
        assert_eq!(err(ross_mutual_info(MatRef { data: &x, n: 3, d: 1 }, &[0, 0], 3, &irq)), "labels");
        assert_eq!(err(ross_mutual_info(MatRef { data: &x, n: 3, d: 1 }, &[0, 0, 7], 3, &irq)), "labels");
        assert_eq!(err(ross_mutual_info(MatRef { data: &x, n: 3, d: 1 }, &[0, 0, 1], 0, &irq)), "k");
        assert_eq!(err(ross_mutual_info(MatRef { data: &[], n: 0, d: 1 }, &[], 3, &irq)), "x");
        let nan = [0.0, f64::NAN, 2.0];
        assert_eq!(err(ross_mutual_info(MatRef { data: &nan, n: 3, d: 1 }, &[0, 0, 1], 3, &irq)), "x");
    }
}
