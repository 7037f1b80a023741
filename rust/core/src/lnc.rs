//! The local non-uniformity correction (LNC) of k-NN mutual information
//! (S. Gao, G. Ver Steeg, A. Galstyan, "Efficient estimation of mutual
//! information for strongly dependent variables", AISTATS 2015).
//!
//! KSG-type estimators assume the density is uniform in the box around each
//! sample that holds its k nearest neighbours. Under strong dependence the
//! neighbours lie along a thin, tilted sheet, the box is mostly empty, and
//! the estimate falls far short of the truth. LNC measures the
//! non-uniformity per sample: with u_1..u_k the offsets of the k nearest
//! joint neighbours (max norm) from sample i,
//!
//! - V(i): the volume of the axis-aligned box centred on sample i that holds
//!   them, log V(i) = Σ_c log max_j |u_jc|;
//! - V̄(i): the volume of the box centred on sample i, aligned with the
//!   principal axes e_1..e_d of the neighbours (eigenvectors of the scatter
//!   matrix Σ_j u_j u_jᵀ), that holds them, log V̄(i) = Σ_a log max_j |u_j·e_a|;
//!
//! and the correction of sample i is log V(i) − log V̄(i) where
//! V̄(i) / V(i) < α (the box is markedly non-uniform), 0 elsewhere. The
//! corrected estimate is the KSG estimate plus the mean correction. Both
//! boxes are centred on the sample, so their common factor 2^d cancels.
//!
//! The principal box is full-dimensional only when the k offsets span the
//! joint space, so k must be at least the joint dimension.

use crate::error::{Error, Interrupt, Result};
use crate::search::kdtree::{KdTree, MaxNorm};
use crate::search::Neighbours;
use crate::MatRef;
use rayon::prelude::*;

/// Samples per parallel task: an interrupt is noticed within milliseconds.
const CHUNK: usize = 1024;

/// Jacobi sweeps before giving up on convergence (a symmetric matrix of
/// order d converges quadratically, in well under ten sweeps for d ≤ 100).
const MAX_SWEEPS: usize = 64;

/// Per-sample LNC corrections (nats) of the KSG mutual information between
/// `x` and `y` with `k` neighbours and threshold `alpha`, 0 < alpha < 1.
/// Adding their mean to the KSG estimate gives the LNC estimate; adding
/// them to the KSG local values gives local values whose mean it is.
///
/// A sample whose neighbours share a coordinate with it (V(i) = 0, possible
/// only with exact ties) is left uncorrected; one whose neighbours lie
/// exactly on a lower-dimensional plane that is not axis-aligned
/// (V̄(i) = 0 < V(i)) gets +inf, the mutual information of such a relation.
pub fn lnc_corrections(x: MatRef<'_>, y: MatRef<'_>, k: usize, alpha: f64, interrupt: &Interrupt) -> Result<Vec<f64>> {
    let n = x.n;
    if y.n != n {
        return Err(Error::invalid("y", format!("all variables need the same number of samples ({n} vs {})", y.n)));
    }
    // written so that NaN fails too
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid("lnc_alpha", format!("must lie in (0, 1), got {alpha}")));
    }
    let d = x.d + y.d;
    if d == 0 {
        return Err(Error::invalid("x, y", "need at least one column each"));
    }
    if k < d || k >= n {
        return Err(Error::invalid(
            "k",
            format!(
                "the local non-uniformity correction needs the joint dimension ({d}) <= k < n_samples ({n}), got k={k}"
            ),
        ));
    }
    let mut joint = Vec::with_capacity(n * d);
    for i in 0..n {
        joint.extend_from_slice(x.row(i));
        joint.extend_from_slice(y.row(i));
    }
    if joint.iter().any(|v| !v.is_finite()) {
        return Err(Error::invalid("x, y", "contain NaN or infinite values"));
    }
    let tree = KdTree::new(MatRef { data: &joint, n, d });
    let ln_alpha = alpha.ln();
    let mut out = vec![0.0; n];
    out.par_chunks_mut(CHUNK).enumerate().try_for_each_init(
        || Scratch::new(k, d),
        |s, (c, chunk)| -> Result<()> {
            interrupt.check()?;
            for (j, v) in chunk.iter_mut().enumerate() {
                let i = c * CHUNK + j;
                *v = s.correction(&tree, &joint[i * d..(i + 1) * d], tree.position(i), k, ln_alpha);
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Per-task buffers: the neighbour list, the k × d offsets, the d × d
/// scatter matrix and its eigenvectors.
struct Scratch {
    nb: Neighbours,
    u: Vec<f64>,
    a: Vec<f64>,
    v: Vec<f64>,
}

impl Scratch {
    fn new(k: usize, d: usize) -> Self {
        Scratch { nb: Vec::with_capacity(k), u: vec![0.0; k * d], a: vec![0.0; d * d], v: vec![0.0; d * d] }
    }

    /// The correction of the sample `q` at tree position `t`.
    fn correction(&mut self, tree: &KdTree, q: &[f64], t: u32, k: usize, ln_alpha: f64) -> f64 {
        let d = q.len();
        tree.knn_point::<MaxNorm, _>(t, k, &|p| p == t, &mut self.nb);
        let k = self.nb.len();
        for (r, &(_, p)) in self.nb.iter().enumerate() {
            for ((u, &pc), &qc) in self.u[r * d..(r + 1) * d].iter_mut().zip(tree.point(p)).zip(q) {
                *u = pc - qc;
            }
        }
        let u = &self.u[..k * d];
        let mut ln_v = 0.0;
        for c in 0..d {
            ln_v += (0..k).map(|r| u[r * d + c].abs()).fold(0.0, f64::max).ln();
        }
        if ln_v == f64::NEG_INFINITY {
            return 0.0;
        }
        // scatter matrix about the sample (its scale does not change the axes)
        for a in 0..d {
            for b in a..d {
                let s: f64 = (0..k).map(|r| u[r * d + a] * u[r * d + b]).sum();
                self.a[a * d + b] = s;
                self.a[b * d + a] = s;
            }
        }
        jacobi_eigenvectors(&mut self.a, &mut self.v, d);
        let mut ln_vbar = 0.0;
        for e in 0..d {
            let mut m = 0.0f64;
            for r in 0..k {
                let proj: f64 = (0..d).map(|c| u[r * d + c] * self.v[c * d + e]).sum();
                m = m.max(proj.abs());
            }
            ln_vbar += m.ln();
        }
        if ln_vbar < ln_v + ln_alpha {
            ln_v - ln_vbar
        } else {
            0.0
        }
    }
}

/// Eigenvectors of the symmetric d × d matrix `a` (row-major, destroyed)
/// by cyclic Jacobi rotations (Golub & Van Loan, "Matrix Computations",
/// §8.5): `v` receives them as columns, orthonormal to rounding. Jacobi is
/// accurate to the last digits for the small, possibly ill-scaled scatter
/// matrices here, and needs no dependency.
fn jacobi_eigenvectors(a: &mut [f64], v: &mut [f64], d: usize) {
    v.fill(0.0);
    for i in 0..d {
        v[i * d + i] = 1.0;
    }
    for _ in 0..MAX_SWEEPS {
        let mut off = 0.0;
        let mut diag = 0.0;
        for p in 0..d {
            diag += a[p * d + p] * a[p * d + p];
            for q in p + 1..d {
                off += a[p * d + q] * a[p * d + q];
            }
        }
        // converged once the off-diagonal part is below rounding of the diagonal
        if off <= f64::EPSILON * f64::EPSILON * diag * 1e-4 || off == 0.0 {
            return;
        }
        for p in 0..d {
            for q in p + 1..d {
                let apq = a[p * d + q];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (a[p * d + p], a[q * d + q]);
                // the rotation angle that zeroes a_pq, taking the smaller root
                // of t² + 2θt − 1 = 0 for stability
                let theta = (aqq - app) / (2.0 * apq);
                let t = if theta.abs() > 1e150 {
                    0.5 / theta
                } else {
                    theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt())
                };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for r in 0..d {
                    let (arp, arq) = (a[r * d + p], a[r * d + q]);
                    a[r * d + p] = c * arp - s * arq;
                    a[r * d + q] = s * arp + c * arq;
                }
                for r in 0..d {
                    let (apr, aqr) = (a[p * d + r], a[q * d + r]);
                    a[p * d + r] = c * apr - s * aqr;
                    a[q * d + r] = s * apr + c * aqr;
                }
                for r in 0..d {
                    let (vrp, vrq) = (v[r * d + p], v[r * d + q]);
                    v[r * d + p] = c * vrp - s * vrq;
                    v[r * d + q] = s * vrp + c * vrq;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lcg;

    fn random_sym(d: usize, seed: &mut u64) -> Vec<f64> {
        let m: Vec<f64> = (0..d * d).map(|_| lcg(seed) - 0.5).collect();
        let mut a = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                a[i * d + j] = (0..d).map(|r| m[r * d + i] * m[r * d + j]).sum();
            }
        }
        a
    }

    #[test]
    fn jacobi_diagonalises() {
        let mut seed = 7u64;
        for d in [1, 2, 3, 5, 10, 20] {
            let a0 = random_sym(d, &mut seed);
            let mut a = a0.clone();
            let mut v = vec![0.0; d * d];
            jacobi_eigenvectors(&mut a, &mut v, d);
            let scale: f64 = a0.iter().map(|x| x.abs()).fold(0.0, f64::max);
            // Vᵀ A V is diagonal and VᵀV = I
            for i in 0..d {
                for j in 0..d {
                    let vav: f64 =
                        (0..d).map(|r| (0..d).map(|c| v[r * d + i] * a0[r * d + c] * v[c * d + j]).sum::<f64>()).sum();
                    let vv: f64 = (0..d).map(|r| v[r * d + i] * v[r * d + j]).sum();
                    if i != j {
                        assert!(vav.abs() < 1e-12 * scale, "d={d} ({i},{j}) {vav}");
                        assert!(vv.abs() < 1e-12);
                    } else {
                        assert!((vv - 1.0).abs() < 1e-12);
                    }
                }
            }
        }
    }

    fn data(n: usize, noise: f64, seed: &mut u64) -> (Vec<f64>, Vec<f64>) {
        let x: Vec<f64> = (0..n).map(|_| lcg(seed)).collect();
        let y: Vec<f64> = x.iter().map(|v| v + noise * (lcg(seed) - 0.5)).collect();
        (x, y)
    }

    #[test]
    fn corrects_strong_dependence_only() {
        let mut seed = 3u64;
        let n = 2000;
        let irq = Interrupt::new();
        let (x, y) = data(n, 1e-5, &mut seed);
        let c = lnc_corrections(MatRef::new(&x, n, 1).unwrap(), MatRef::new(&y, n, 1).unwrap(), 5, 0.25, &irq).unwrap();
        let m = crate::mean(&c);
        assert!(m > 1.0, "strong dependence: {m}");
        // independent uniforms: the neighbourhoods are near uniform
        let z: Vec<f64> = (0..n).map(|_| lcg(&mut seed)).collect();
        let c = lnc_corrections(MatRef::new(&x, n, 1).unwrap(), MatRef::new(&z, n, 1).unwrap(), 5, 0.1, &irq).unwrap();
        let m = crate::mean(&c);
        assert!(m < 0.05, "independent: {m}");
        assert!(c.iter().all(|v| *v >= 0.0));
    }

    #[test]
    fn thread_count_invariant() {
        let mut seed = 11u64;
        let n = 5000;
        let (x, y) = data(n, 0.05, &mut seed);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                lnc_corrections(
                    MatRef::new(&x, n, 1).unwrap(),
                    MatRef::new(&y, n, 1).unwrap(),
                    4,
                    0.5,
                    &Interrupt::new(),
                )
                .unwrap()
            })
        };
        let one = run(1);
        assert_eq!(one, run(3));
    }

    #[test]
    fn rejects_bad_arguments() {
        let x = vec![0.0, 1.0, 2.0, 3.0, 4.0];
        let m = MatRef::new(&x, 5, 1).unwrap();
        let irq = Interrupt::new();
        for alpha in [0.0, 1.0, -0.5, f64::NAN] {
            assert!(lnc_corrections(m, m, 3, alpha, &irq).unwrap_err().to_string().contains("lnc_alpha"));
        }
        assert!(lnc_corrections(m, m, 1, 0.5, &irq).unwrap_err().to_string().contains("k"));
        assert!(lnc_corrections(m, m, 5, 0.5, &irq).is_err());
        let irq = Interrupt::new();
        irq.raise();
        assert!(matches!(lnc_corrections(m, m, 2, 0.5, &irq), Err(Error::Cancelled)));
    }
}
