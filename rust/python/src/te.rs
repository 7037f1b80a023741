//! Bindings of transfer entropy: the embedded blocks arrive from
//! `infoflux._te` (validated, contiguous float64); results go back as arrays.

use crate::engine::{mat, run, to_py};
use infoflux_core::knn::{self, Algorithm, Exclusion};
use infoflux_core::te::{many_sources, SurrogateMethod, TargetSide};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

fn trial_ranges(lengths: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut o = 0;
    lengths
        .iter()
        .map(|&l| {
            let r = o..o + l;
            o += l;
            r
        })
        .collect()
}

fn trial_ids(lengths: &[usize]) -> Vec<u32> {
    lengths.iter().enumerate().flat_map(|(t, &l)| std::iter::repeat(t as u32).take(l)).collect()
}

fn method(name: &str, block_size: usize) -> PyResult<SurrogateMethod> {
    match name {
        "permutation" => Ok(SurrogateMethod::Permutation),
        "time_shift" => Ok(SurrogateMethod::TimeShift),
        "block" => Ok(SurrogateMethod::Block(block_size)),
        other => Err(PyValueError::new_err(format!(
            "method: must be 'permutation', 'time_shift' or 'block', got {other:?}"
        ))),
    }
}

/// Local TE values: I(X;Y|Z) per embedded row, with a Theiler window that
/// never crosses trial boundaries.
#[pyfunction]
#[pyo3(signature = (x, y, z, k, algorithm_, window, trial_lengths, n_threads))]
#[allow(clippy::too_many_arguments)]
fn te_local<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    z: PyReadonlyArray2<'py, f64>,
    k: usize,
    algorithm_: u8,
    window: usize,
    trial_lengths: Vec<usize>,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let alg = Algorithm::from_int(algorithm_).map_err(to_py)?;
    let (xm, ym, zm) = (mat(&x, "source")?, mat(&y, "target")?, mat(&z, "target")?);
    let ids = trial_ids(&trial_lengths);
    let v = run(py, n_threads, |irq| {
        knn::conditional_mutual_info_local(xm, ym, zm, k, alg, Exclusion { window, trial: Some(&ids) }, irq)
    })?;
    Ok(v.into_pyarray(py))
}

/// TE from each source block in `xs` to one target (blocks y, z), with
/// surrogates. Returns (estimates (p,), surrogate estimates (p, S)).
#[pyfunction]
#[pyo3(signature = (xs, y, z, k, algorithm_, window, trial_lengths, n_surrogates, method_, block_size, seed, n_threads))]
#[allow(clippy::too_many_arguments)]
fn te_many<'py>(
    py: Python<'py>,
    xs: Vec<PyReadonlyArray2<'py, f64>>,
    y: PyReadonlyArray2<'py, f64>,
    z: PyReadonlyArray2<'py, f64>,
    k: usize,
    algorithm_: u8,
    window: usize,
    trial_lengths: Vec<usize>,
    n_surrogates: usize,
    method_: &str,
    block_size: usize,
    seed: u64,
    n_threads: Option<i64>,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray2<f64>>)> {
    let alg = Algorithm::from_int(algorithm_).map_err(to_py)?;
    let m = method(method_, block_size)?;
    let (ym, zm) = (mat(&y, "target")?, mat(&z, "target")?);
    let sources = xs.iter().map(|a| mat(a, "source")).collect::<PyResult<Vec<_>>>()?;
    let ids = trial_ids(&trial_lengths);
    let ranges = trial_ranges(&trial_lengths);
    let res = run(py, n_threads, |irq| {
        let target = TargetSide::new(ym, zm)?;
        many_sources(&target, &sources, k, alg, Exclusion { window, trial: Some(&ids) }, &ranges, n_surrogates, m, seed, irq)
    })?;
    let est: Vec<f64> = res.iter().map(|r| r.0).collect();
    let mut surr = numpy::ndarray::Array2::<f64>::zeros((res.len(), n_surrogates));
    for (i, r) in res.iter().enumerate() {
        for (s, v) in r.1.iter().enumerate() {
            surr[[i, s]] = *v;
        }
    }
    Ok((est.into_pyarray(py), surr.into_pyarray(py)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(te_local, m)?)?;
    m.add_function(wrap_pyfunction!(te_many, m)?)?;
    Ok(())
}
