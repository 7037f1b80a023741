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
//! Y∪Z space also gets sorted neighbour lists (`search::nblists`): with one source
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

mod candidates;
mod lists;
mod single;
mod surrogates;

pub use candidates::{cmi_candidates, numpy_mean, numpy_pairwise_sum};
pub use single::TargetSide;
pub use surrogates::{many_sources, surrogate_order, surrogate_orders, SourceEstimates, SurrogateMethod};

// `&[0..n]`: the trials of a series of one trial
#[allow(clippy::single_range_in_vec_init)]
#[cfg(test)]
mod tests {
    use super::lists::{ListedSource, LIST_LEN};
    use super::*;
    use crate::knn::{Algorithm, Exclusion};
    use crate::random::SplitMix64;
    use crate::search::sorted::Sorted1D;
    use crate::{Interrupt, MatRef};

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
            let (xm, ym, zm) =
                (MatRef { data: &x, n, d: 1 }, MatRef { data: &y, n, d: 1 }, MatRef { data: &z, n, d: 1 });
            let target = TargetSide::new(ym, zm).unwrap();
            let sorted = target.source_order(xm);
            let perm =
                surrogate_order(SurrogateMethod::Permutation, &[0..n], &mut SplitMix64::new(5, n as u64)).unwrap();
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
                        .local_values_sorted(
                            xm,
                            Some(&perm),
                            sorted.as_deref(),
                            k,
                            alg,
                            Exclusion::default(),
                            &Interrupt::new(),
                        )
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
                            let Some(lists) = target.neighbour_lists_of(len, &Interrupt::new()).unwrap() else {
                                continue;
                            };
                            let irq = Interrupt::new();
                            let got = target.local_values_listed(&lists, xm, None, sorted.as_deref(), k, &irq).unwrap();
                            assert_eq!(got, brute_cmi(&x, &y, &z, k, alg), "listed n={n} kind={kind} k={k} len={len}");
                            let got = target
                                .local_values_listed(&lists, xm, Some(&perm), sorted.as_deref(), k, &irq)
                                .unwrap();
                            assert_eq!(
                                got,
                                brute_cmi(&xp, &y, &z, k, alg),
                                "listed surrogate n={n} kind={kind} k={k} len={len}"
                            );
                            // lanes side by side: the source, its surrogate, and
                            // a reversed copy, in one scan
                            let sorted1d = Sorted1D::from_order(&x, sorted.clone().unwrap());
                            let rev: Vec<u32> = (0..n as u32).rev().collect();
                            let xr: Vec<f64> = x.iter().rev().copied().collect();
                            let lanes = [None, Some(&perm[..]), Some(&rev[..])].map(|order| ListedSource {
                                x: xm,
                                order,
                                sorted: &sorted1d,
                            });
                            let got = target.local_values_listed_lanes(&lists, &lanes, k, &irq).unwrap();
                            assert_eq!(
                                got,
                                vec![
                                    brute_cmi(&x, &y, &z, k, alg),
                                    brute_cmi(&xp, &y, &z, k, alg),
                                    brute_cmi(&xr, &y, &z, k, alg)
                                ],
                                "lanes n={n} kind={kind} k={k} len={len}"
                            );
                            listed += 1;
                        }
                    }
                }
            }
        }
        assert!(listed >= 12, "list path exercised {listed} times");
    }
}
