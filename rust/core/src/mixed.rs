//! The mixed KSG estimator of mutual information for any mixture of
//! discrete and continuous data (points with exact repeats, discrete and
//! continuous columns together), and its conditional analogue. Local
//! (per-sample) values in nats; the estimate is their mean.
//!
//! Mutual information (W. Gao, S. Kannan, S. Oh, P. Viswanath, "Estimating
//! mutual information for discrete-continuous mixtures", NeurIPS 2017): for
//! each sample i, ρ_i is the max-norm distance to its k-th nearest
//! neighbour in the joint space (X, Y); k̃_i = k when ρ_i > 0, else the
//! number of other samples at distance 0 (the repeats of sample i);
//! n_x(i) = #{j ≠ i : ‖x_j − x_i‖_∞ ≤ ρ_i}, n_y(i) likewise, and
//!
//! ```text
//! ξ_i = ψ(k̃_i) + ln N − ln(n_x(i) + 1) − ln(n_y(i) + 1).
//! ```
//!
//! Conditional mutual information I(X;Y|Z), built as O. C. Mesner and
//! C. R. Shalizi build theirs ("Conditional mutual information estimation
//! for mixed, discrete and continuous data", IEEE Trans. Inf. Theory 67(1),
//! 464–484, 2021): the same ρ_i and k̃_i in the joint space (X, Y, Z),
//! counts within ρ_i (≤, sample i excluded) in the (X,Z), (Y,Z) and Z
//! spaces, and the Frenzel–Pompe combination
//!
//! ```text
//! ξ_i = ψ(k̃_i) − ψ(n_xz(i) + 1) − ψ(n_yz(i) + 1) + ψ(n_z(i) + 1).
//! ```
//!
//! (Digamma rather than Gao et al.'s logarithms: ψ(n + 1) − ln(n + 1) is
//! about −1/(2n), a bias that does not cancel between the three counts.)
//! Both estimators are consistent as k grows; at small k a discrete
//! variable biases them downwards, since the k-th neighbour, at distance
//! exactly ρ_i, is counted (≤) in the spaces where the discrete
//! coordinates tie.
//!
//! The joint search is the crate's k-d tree under the max norm; counts are
//! made in a sorted column for one-column spaces and in a k-d tree
//! otherwise, on the same float differences |fl(a − b)| as the joint
//! distance, so they are the integers a brute-force loop gives.

use crate::search::kdtree::{KdTree, MaxNorm, COUNT_LEAF};
use crate::search::sorted::Sorted1D;
use crate::search::Neighbours;
use crate::special::{digamma, DigammaTable};
use crate::{Error, Interrupt, MatRef, Result};
use rayon::prelude::*;

/// Samples per unit of parallel work.
const CHUNK: usize = 2048;

/// A counting structure for one marginal space.
enum Space {
    Sorted(Sorted1D),
    Tree(KdTree),
}

impl Space {
    fn new(m: MatRef<'_>) -> Self {
        if m.d == 1 {
            Space::Sorted(Sorted1D::from_slice(m.data))
        } else {
            Space::Tree(KdTree::with_leaf(m, COUNT_LEAF))
        }
    }
    /// #{j ≠ i : ‖p_j − p_i‖_∞ ≤ r}; `r` holds one radius per column.
    fn count(&self, i: usize, r: &[f64]) -> usize {
        let with_self = match self {
            Space::Sorted(s) => s.count_at_rank(s.ranks()[i] as usize, r[0], false),
            Space::Tree(t) => t.count_point(t.position(i), &r[..t.dim()], false),
        };
        with_self - 1
    }
}

fn check(parts: &[(MatRef<'_>, &str)], k: usize) -> Result<usize> {
    let n = parts[0].0.n;
    for &(m, name) in parts {
        if m.data.len() != m.n * m.d {
            return Err(Error::invalid(
                name,
                format!("buffer of {} values cannot hold {} x {}", m.data.len(), m.n, m.d),
            ));
        }
        if m.n != n {
            return Err(Error::invalid(name, format!("has {} samples, the first variable {n}", m.n)));
        }
        if m.d == 0 {
            return Err(Error::invalid(name, "has no columns"));
        }
        if m.data.iter().any(|v| !v.is_finite()) {
            return Err(Error::invalid(name, "contains NaN or infinity"));
        }
    }
    if n == 0 {
        return Err(Error::invalid(parts[0].1, "no samples"));
    }
    if k < 1 {
        return Err(Error::invalid("k", "must be at least 1"));
    }
    if k >= n {
        return Err(Error::invalid("k", format!("k={k} needs more than {k} samples (got {n})")));
    }
    Ok(n)
}

/// Row-major copy of the given variables' columns side by side.
fn stack(parts: &[MatRef<'_>]) -> (Vec<f64>, usize) {
    let d: usize = parts.iter().map(|m| m.d).sum();
    let n = parts[0].n;
    let mut out = Vec::with_capacity(n * d);
    for i in 0..n {
        for m in parts {
            out.extend_from_slice(m.row(i));
        }
    }
    (out, d)
}

/// For each sample: k̃_i and the counts within ρ_i in each space (given as
/// lists of variables), turned into its local value by `value`.
fn local_values<F>(
    vars: &[MatRef<'_>],
    spaces: &[&[usize]],
    k: usize,
    interrupt: &Interrupt,
    value: F,
) -> Result<Vec<f64>>
where
    F: Fn(usize, &[usize]) -> f64 + Sync,
{
    let n = vars[0].n;
    let (joint, d) = stack(vars);
    let (tree, counters) = rayon::join(
        || KdTree::new(MatRef { data: &joint, n, d }),
        || {
            spaces
                .par_iter()
                .map(|s| {
                    let parts: Vec<MatRef<'_>> = s.iter().map(|&v| vars[v]).collect();
                    let (data, ds) = stack(&parts);
                    Space::new(MatRef { data: &data, n, d: ds })
                })
                .collect::<Vec<Space>>()
        },
    );
    interrupt.check()?;
    let mut out = vec![0.0f64; n];
    out.par_chunks_mut(CHUNK).enumerate().try_for_each_init(
        || (Neighbours::with_capacity(k + 1), vec![0.0f64; d], vec![0usize; spaces.len()]),
        |(nbrs, r, counts), (b, chunk)| -> Result<()> {
            interrupt.check()?;
            for (o, i) in chunk.iter_mut().zip(b * CHUNK..) {
                let t = tree.position(i);
                tree.knn_point::<MaxNorm, _>(t, k, &|u| u == t, nbrs);
                let rho = nbrs.last().map(|v| v.0).ok_or_else(|| Error::Internal("no neighbour found".into()))?;
                r.fill(rho);
                let kt = if rho > 0.0 { k } else { tree.count_point(t, r, false) - 1 };
                for (c, s) in counts.iter_mut().zip(&counters) {
                    *c = s.count(i, r);
                }
                *o = value(kt, counts);
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Local values of Gao et al.'s (2017) mixed KSG estimate of I(X;Y), nats.
pub fn mixed_mutual_info_local(x: MatRef<'_>, y: MatRef<'_>, k: usize, interrupt: &Interrupt) -> Result<Vec<f64>> {
    let n = check(&[(x, "x"), (y, "y")], k)?;
    let ln_n = (n as f64).ln();
    local_values(&[x, y], &[&[0], &[1]], k, interrupt, |kt, c| {
        digamma(kt as f64) + ln_n - ((c[0] + 1) as f64).ln() - ((c[1] + 1) as f64).ln()
    })
}

/// Local values of the mixed estimate of I(X;Y|Z), built as Mesner &
/// Shalizi (2021) build theirs, nats (module docs).
pub fn mixed_conditional_mutual_info_local(
    x: MatRef<'_>,
    y: MatRef<'_>,
    z: MatRef<'_>,
    k: usize,
    interrupt: &Interrupt,
) -> Result<Vec<f64>> {
    let n = check(&[(x, "x"), (y, "y"), (z, "z")], k)?;
    let psi = DigammaTable::new(n + 1);
    local_values(&[x, y, z], &[&[0, 2], &[1, 2], &[2]], k, interrupt, |kt, c| {
        psi.psi(kt) - psi.psi(c[0] + 1) - psi.psi(c[1] + 1) + psi.psi(c[2] + 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lcg;

    fn dist(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(u, v)| (u - v).abs()).fold(0.0, f64::max)
    }

    /// Gao et al.'s estimator from its definition, O(N²).
    fn brute_mi(x: &[f64], dx: usize, y: &[f64], dy: usize, k: usize) -> Vec<f64> {
        let n = x.len() / dx;
        let (xr, yr) = (|i: usize| &x[i * dx..(i + 1) * dx], |i: usize| &y[i * dy..(i + 1) * dy]);
        (0..n)
            .map(|i| {
                let mut d: Vec<f64> =
                    (0..n).filter(|&j| j != i).map(|j| dist(xr(i), xr(j)).max(dist(yr(i), yr(j)))).collect();
                d.sort_by(f64::total_cmp);
                let rho = d[k - 1];
                let kt = if rho > 0.0 { k } else { d.iter().filter(|&&v| v == 0.0).count() };
                let nx = (0..n).filter(|&j| j != i && dist(xr(i), xr(j)) <= rho).count();
                let ny = (0..n).filter(|&j| j != i && dist(yr(i), yr(j)) <= rho).count();
                digamma(kt as f64) + (n as f64).ln() - ((nx + 1) as f64).ln() - ((ny + 1) as f64).ln()
            })
            .collect()
    }

    #[test]
    fn equals_definition_on_mixtures() {
        let mut s = 17u64;
        let n = 400;
        // x: 2 columns, one discrete; y: zero-inflated continuous
        let x: Vec<f64> =
            (0..2 * n).map(|c| if c % 2 == 0 { (lcg(&mut s) * 4.0).floor() } else { lcg(&mut s) }).collect();
        let y: Vec<f64> = (0..n).map(|_| if lcg(&mut s) < 0.3 { 0.0 } else { lcg(&mut s) }).collect();
        for k in [1, 3, 7] {
            let got = mixed_mutual_info_local(
                MatRef { data: &x, n, d: 2 },
                MatRef { data: &y, n, d: 1 },
                k,
                &Interrupt::new(),
            )
            .unwrap();
            let want = brute_mi(&x, 2, &y, 1, k);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-12, "k={k}: {g} vs {w}");
            }
        }
    }

    fn m(data: &[f64]) -> MatRef<'_> {
        MatRef { data, n: data.len(), d: 1 }
    }

    /// Mesner & Shalizi's estimator from its definition, O(N²), 1-D variables.
    fn brute_cmi(x: &[f64], y: &[f64], z: &[f64], k: usize) -> Vec<f64> {
        let n = x.len();
        let d = |v: &[f64], i: usize, j: usize| (v[i] - v[j]).abs();
        (0..n)
            .map(|i| {
                let mut all: Vec<f64> =
                    (0..n).filter(|&j| j != i).map(|j| d(x, i, j).max(d(y, i, j)).max(d(z, i, j))).collect();
                all.sort_by(f64::total_cmp);
                let rho = all[k - 1];
                let kt = if rho > 0.0 { k } else { all.iter().filter(|&&v| v == 0.0).count() };
                let cnt = |f: &dyn Fn(usize) -> bool| (0..n).filter(|&j| j != i && f(j)).count();
                let nxz = cnt(&|j| d(x, i, j).max(d(z, i, j)) <= rho);
                let nyz = cnt(&|j| d(y, i, j).max(d(z, i, j)) <= rho);
                let nz = cnt(&|j| d(z, i, j) <= rho);
                digamma(kt as f64) - digamma((nxz + 1) as f64) - digamma((nyz + 1) as f64) + digamma((nz + 1) as f64)
            })
            .collect()
    }

    #[test]
    fn conditional_equals_definition_and_threads_agree() {
        let mut s = 5u64;
        let n = 500;
        let z: Vec<f64> = (0..n).map(|_| (lcg(&mut s) * 3.0).floor()).collect();
        let x: Vec<f64> = z.iter().map(|v| if lcg(&mut s) < 0.2 { 0.0 } else { v + lcg(&mut s) }).collect();
        let y: Vec<f64> = z.iter().map(|v| (v + 2.0 * lcg(&mut s)).floor()).collect();
        let irq = Interrupt::new();
        for k in [1, 4] {
            let got = mixed_conditional_mutual_info_local(m(&x), m(&y), m(&z), k, &irq).unwrap();
            for (g, w) in got.iter().zip(brute_cmi(&x, &y, &z, k)) {
                assert!((g - w).abs() < 1e-12, "k={k}: {g} vs {w}");
            }
        }
        let mi = mixed_mutual_info_local(m(&x), m(&y), 3, &irq).unwrap();
        let cmi = mixed_conditional_mutual_info_local(m(&x), m(&y), m(&z), 3, &irq).unwrap();
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            assert_eq!(pool.install(|| mixed_mutual_info_local(m(&x), m(&y), 3, &irq)).unwrap(), mi);
            let again = pool.install(|| mixed_conditional_mutual_info_local(m(&x), m(&y), m(&z), 3, &irq));
            assert_eq!(again.unwrap(), cmi);
        }
    }

    #[test]
    fn bad_input() {
        let irq = Interrupt::new();
        let a = [0.0, 1.0, 2.0];
        let arg = |r: Result<Vec<f64>>| match r {
            Err(Error::InvalidArgument { arg, .. }) => arg,
            other => panic!("{other:?}"),
        };
        let m3 = MatRef { data: &a, n: 3, d: 1 };
        let m2 = MatRef { data: &a[..2], n: 2, d: 1 };
        assert_eq!(arg(mixed_mutual_info_local(m3, m2, 1, &irq)), "y");
        assert_eq!(arg(mixed_mutual_info_local(m3, m3, 3, &irq)), "k");
        assert_eq!(arg(mixed_mutual_info_local(m3, m3, 0, &irq)), "k");
        let nan = [0.0, f64::NAN, 1.0];
        assert_eq!(arg(mixed_mutual_info_local(m3, MatRef { data: &nan, n: 3, d: 1 }, 1, &irq)), "y");
        assert_eq!(arg(mixed_conditional_mutual_info_local(m3, m3, m2, 1, &irq)), "z");
    }
}
