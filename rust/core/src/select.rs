//! Mutual information of one variable against many columns in one call,
//! parallel across the columns: the pairwise terms of greedy feature
//! selection (mRMR, JMI, CMIM), where each step needs the information
//! between the feature just picked and every feature still in the running.
//!
//! - [`ksg_against_columns`]: KSG (algorithm 1) I(x; c_j) of a continuous
//!   x with continuous columns c_j;
//! - [`ksg_cmi_against_columns`]: Frenzel–Pompe I(c_j; y | z) of each
//!   continuous column with y given z;
//! - [`plugin_against_columns`]: the plug-in (maximum-likelihood) I(a; b_j)
//!   of discrete codes, from the contingency table.
//!
//! Every function returns the mean of the local values (nats), unclipped:
//! the caller decides about negative estimates. The columns arrive as the
//! rows of a (p, n) matrix and `index` picks the ones to compute, so that
//! the caller keeps one copy of its data for all steps. Each column's value
//! is computed on its own, in a fixed order, so the results do not depend
//! on the thread count.
//!
//! References: Kraskov, Stögbauer, Grassberger, Phys. Rev. E 69, 066138
//! (2004); Frenzel, Pompe, PRL 99, 204101 (2007).

use crate::knn::{self, Algorithm, Counter, Exclusion, KnnSpec};
use crate::{Error, Interrupt, MatRef, Result};
use rayon::prelude::*;

/// Row `j` of the (p, n) matrix `columns`, checked against `index` bounds.
fn column<'a>(columns: MatRef<'a>, j: usize) -> Result<&'a [f64]> {
    if j >= columns.n {
        return Err(Error::invalid("index", format!("column {j} out of range for {} columns", columns.n)));
    }
    Ok(columns.row(j))
}

fn check_finite(v: &[f64], name: &str) -> Result<()> {
    if v.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(Error::invalid(name, "contains NaN or infinity"))
    }
}

fn check_columns(columns: MatRef<'_>, index: &[usize], n: usize) -> Result<()> {
    if columns.d != n {
        return Err(Error::invalid(
            "columns",
            format!("each column needs {n} samples (the length of x), got {}", columns.d),
        ));
    }
    for &j in index {
        check_finite(column(columns, j)?, "columns")?;
    }
    Ok(())
}

/// KSG algorithm-1 mutual information (max norm, strict counts, the point
/// itself excluded) between `x` and each column `index[j]` of `columns`
/// ((p, n), one column per row): ψ(k) + ψ(N) − <ψ(n_x + 1)> − <ψ(n_c + 1)>,
/// nats, unclipped. The sorted copy of `x` is built once for all columns.
pub fn ksg_against_columns(
    x: &[f64],
    columns: MatRef<'_>,
    index: &[usize],
    k: usize,
    interrupt: &Interrupt,
) -> Result<Vec<f64>> {
    let n = x.len();
    check_finite(x, "x")?;
    check_columns(columns, index, n)?;
    let cx = Counter::new(MatRef { data: x, n, d: 1 });
    index
        .par_iter()
        .map(|&j| {
            interrupt.check()?;
            let c = columns.row(j);
            let joint: Vec<f64> = x.iter().zip(c).flat_map(|(u, v)| [*u, *v]).collect();
            let spec = KnnSpec {
                joint: MatRef { data: &joint, n, d: 2 },
                groups: vec![0..1, 1..2],
                spaces: vec![vec![0], vec![1]],
                k,
                algorithm: Algorithm::One,
                exclusion: Exclusion::default(),
            };
            knn::knn_local_values_with(
                &spec,
                &[Some(&cx), None],
                interrupt,
                knn::mi_local_formula(k, Algorithm::One, n),
            )
            .map(|v| crate::mean(&v))
        })
        .collect()
}

/// Frenzel–Pompe (KSG algorithm 1) conditional mutual information
/// I(c_j; y | z) of each column `index[j]` of `columns` with `y` given `z`:
/// ψ(k) − <ψ(n_cz + 1)> − <ψ(n_yz + 1)> + <ψ(n_z + 1)>, nats, unclipped.
/// The (y, z) and z counters are built once for all columns.
pub fn ksg_cmi_against_columns(
    y: &[f64],
    z: &[f64],
    columns: MatRef<'_>,
    index: &[usize],
    k: usize,
    interrupt: &Interrupt,
) -> Result<Vec<f64>> {
    let n = y.len();
    check_finite(y, "y")?;
    check_finite(z, "z")?;
    if z.len() != n {
        return Err(Error::invalid("z", format!("has {} samples, y has {n}", z.len())));
    }
    check_columns(columns, index, n)?;
    let yz: Vec<f64> = y.iter().zip(z).flat_map(|(u, v)| [*u, *v]).collect();
    let cyz = Counter::new(MatRef { data: &yz, n, d: 2 });
    let cz = Counter::new(MatRef { data: z, n, d: 1 });
    index
        .par_iter()
        .map(|&j| {
            interrupt.check()?;
            let c = columns.row(j);
            let joint: Vec<f64> = (0..n).flat_map(|i| [c[i], y[i], z[i]]).collect();
            let spec = KnnSpec {
                joint: MatRef { data: &joint, n, d: 3 },
                groups: vec![0..1, 1..2, 2..3],
                spaces: vec![vec![0, 2], vec![1, 2], vec![2]],
                k,
                algorithm: Algorithm::One,
                exclusion: Exclusion::default(),
            };
            knn::knn_local_values_with(
                &spec,
                &[None, Some(&cyz), Some(&cz)],
                interrupt,
                knn::cmi_local_formula(k, Algorithm::One, n),
            )
            .map(|v| crate::mean(&v))
        })
        .collect()
}

/// Codes of a discrete variable: the values must lie in `0..n` (the caller
/// relabels to dense codes), so that the alphabet size is at most n.
fn check_codes(v: &[i64], n: usize, name: &str) -> Result<usize> {
    let mut top = 0i64;
    for &c in v {
        if c < 0 || c as u64 >= n as u64 {
            return Err(Error::invalid(name, format!("codes must lie in 0..{n} (dense labels), got {c}")));
        }
        top = top.max(c);
    }
    Ok(top as usize + 1)
}

/// Σ n_ab/N (ln n_ab + ln N − ln n_a − ln n_b) over the nonzero cells,
/// visited in ascending (a, b) order.
fn plugin_mi(a: &[i64], b: &[i64], na: &[u64], ka: usize, kb: usize) -> f64 {
    let n = a.len();
    let mut nb = vec![0u64; kb];
    for &v in b {
        nb[v as usize] += 1;
    }
    if na.iter().filter(|&&c| c > 0).count() < 2 || nb.iter().filter(|&&c| c > 0).count() < 2 {
        return 0.0;
    }
    let cells: Vec<(u64, u64)> = if (ka as u128) * (kb as u128) <= (4 * n as u128).max(1 << 16) {
        let mut t = vec![0u64; ka * kb];
        for (&u, &v) in a.iter().zip(b) {
            t[u as usize * kb + v as usize] += 1;
        }
        t.iter().enumerate().filter(|(_, &c)| c > 0).map(|(key, &c)| (key as u64, c)).collect()
    } else {
        let mut keys: Vec<u64> = a.iter().zip(b).map(|(&u, &v)| u as u64 * kb as u64 + v as u64).collect();
        keys.sort_unstable();
        let mut out: Vec<(u64, u64)> = Vec::new();
        for key in keys {
            match out.last_mut() {
                Some((k, c)) if *k == key => *c += 1,
                _ => out.push((key, 1)),
            }
        }
        out
    };
    let nf = n as f64;
    let ln_n = nf.ln();
    let terms: Vec<f64> = cells
        .iter()
        .map(|&(key, c)| {
            let (i, j) = ((key / kb as u64) as usize, (key % kb as u64) as usize);
            let cf = c as f64;
            cf / nf * (cf.ln() + ln_n - (na[i] as f64).ln() - (nb[j] as f64).ln())
        })
        .collect();
    crate::fixed_order_sum(&terms)
}

/// Plug-in mutual information, nats, between the discrete codes `a`
/// (values in 0..n) and each column `index[j]` of `columns` ((p, n) codes):
/// Σ p_ab ln(p_ab / (p_a p_b)) from the contingency table; 0 where either
/// variable has a single value.
pub fn plugin_against_columns(
    a: &[i64],
    columns: &[i64],
    p: usize,
    index: &[usize],
    interrupt: &Interrupt,
) -> Result<Vec<f64>> {
    let n = a.len();
    if columns.len() != p * n {
        return Err(Error::invalid(
            "columns",
            format!("{} codes cannot hold {p} columns of {n} samples", columns.len()),
        ));
    }
    let ka = check_codes(a, n, "x")?;
    let mut na = vec![0u64; ka];
    for &v in a {
        na[v as usize] += 1;
    }
    index
        .par_iter()
        .map(|&j| {
            interrupt.check()?;
            if j >= p {
                return Err(Error::invalid("index", format!("column {j} out of range for {p} columns")));
            }
            let b = &columns[j * n..(j + 1) * n];
            let kb = check_codes(b, n, "columns")?;
            Ok(plugin_mi(a, b, &na, ka, kb))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lcg;

    fn data(n: usize, p: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut s = seed;
        let x: Vec<f64> = (0..n).map(|_| lcg(&mut s)).collect();
        let mut cols = Vec::with_capacity(n * p);
        for j in 0..p {
            for xi in &x {
                cols.push(xi * (j as f64) / p as f64 + lcg(&mut s));
            }
        }
        (x, cols)
    }

    #[test]
    fn ksg_equals_the_pair_estimate() {
        let (n, p) = (700, 5);
        let (x, cols) = data(n, p, 7);
        let m = MatRef { data: &cols, n: p, d: n };
        let idx = [4, 0, 2];
        let got = ksg_against_columns(&x, m, &idx, 3, &Interrupt::new()).unwrap();
        for (g, &j) in got.iter().zip(&idx) {
            let loc = knn::mutual_info_local(
                MatRef { data: &x, n, d: 1 },
                MatRef { data: m.row(j), n, d: 1 },
                3,
                Algorithm::One,
                Exclusion::default(),
                &Interrupt::new(),
            )
            .unwrap();
            assert_eq!(*g, crate::mean(&loc), "column {j}");
        }
    }

    #[test]
    fn cmi_equals_the_triple_estimate() {
        let (n, p) = (500, 4);
        let (y, cols) = data(n, p, 11);
        let (z, _) = data(n, 1, 12);
        let m = MatRef { data: &cols, n: p, d: n };
        let idx = [3, 1];
        let got = ksg_cmi_against_columns(&y, &z, m, &idx, 4, &Interrupt::new()).unwrap();
        for (g, &j) in got.iter().zip(&idx) {
            let loc = knn::conditional_mutual_info_local(
                MatRef { data: m.row(j), n, d: 1 },
                MatRef { data: &y, n, d: 1 },
                MatRef { data: &z, n, d: 1 },
                4,
                Algorithm::One,
                Exclusion::default(),
                &Interrupt::new(),
            )
            .unwrap();
            assert_eq!(*g, crate::mean(&loc), "column {j}");
        }
    }

    /// Plug-in MI straight from the definition, with the table in a map.
    fn brute_plugin(a: &[i64], b: &[i64]) -> f64 {
        use std::collections::BTreeMap;
        let n = a.len() as f64;
        let (mut ca, mut cb, mut cab) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        for (&u, &v) in a.iter().zip(b) {
            *ca.entry(u).or_insert(0.0) += 1.0;
            *cb.entry(v).or_insert(0.0) += 1.0;
            *cab.entry((u, v)).or_insert(0.0) += 1.0;
        }
        cab.iter().map(|(&(u, v), &c)| c / n * (c * n / (ca[&u] * cb[&v])).ln()).sum()
    }

    #[test]
    fn plugin_matches_the_definition() {
        let n = 1000;
        let mut s = 5u64;
        let a: Vec<i64> = (0..n).map(|_| (lcg(&mut s) * 7.0) as i64).collect();
        let mut cols = Vec::new();
        // a dense table, a sparse one (many symbols: the sorted path), a constant column
        cols.extend(a.iter().map(|&v| (v + (lcg(&mut s) * 3.0) as i64) % 5));
        cols.extend((0..n).map(|i| (i as i64 * 7919) % n as i64));
        cols.extend(std::iter::repeat_n(0, n));
        let got = plugin_against_columns(&a, &cols, 3, &[0, 1, 2], &Interrupt::new()).unwrap();
        for j in 0..2 {
            let want = brute_plugin(&a, &cols[j * n..(j + 1) * n]);
            assert!((got[j] - want).abs() < 1e-12, "column {j}: {} vs {want}", got[j]);
        }
        assert_eq!(got[2], 0.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        let (x, cols) = data(100, 2, 1);
        let m = MatRef { data: &cols, n: 2, d: 100 };
        let irq = Interrupt::new();
        assert!(ksg_against_columns(&x, m, &[2], 3, &irq).is_err());
        assert!(ksg_against_columns(&x[..99], m, &[0], 3, &irq).is_err());
        let mut bad = x.clone();
        bad[3] = f64::NAN;
        assert!(ksg_against_columns(&bad, m, &[0], 3, &irq).is_err());
        assert!(ksg_against_columns(&x, m, &[0], 100, &irq).is_err());
        let codes = vec![0i64, 1, 2, 5];
        assert!(plugin_against_columns(&codes, &[0, 1, 2, 3], 1, &[0], &irq).is_err());
        assert!(plugin_against_columns(&[0, 1, 2, 3], &[0, 1, 2, 3], 1, &[1], &irq).is_err());
        let stop = Interrupt::new();
        stop.raise();
        assert_eq!(ksg_against_columns(&x, m, &[0, 1], 3, &stop), Err(Error::Cancelled));
    }
}
