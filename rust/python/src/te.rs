//! Bindings of transfer entropy: the embedded blocks arrive from the Python
//! pipeline (validated, contiguous float64); results go back as arrays.

use crate::engine::{mat, run};
use crate::knn::parse_algorithm;
use infoflux_core::knn::{self, Exclusion};
use infoflux_core::te::{many_sources, surrogate_orders as core_surrogate_orders, SurrogateMethod, TargetSide};
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

/// The surrogate method; a block size is required by "block" and refused by
/// the others, so a value is never silently ignored.
fn parse_method(name: &str, block_size: Option<usize>) -> PyResult<SurrogateMethod> {
    match (name, block_size) {
        ("permutation", None) => Ok(SurrogateMethod::Permutation),
        ("time_shift", None) => Ok(SurrogateMethod::TimeShift),
        ("block", Some(b)) => Ok(SurrogateMethod::Block(b)),
        ("block", None) => Err(PyValueError::new_err("block_size: required by method 'block'")),
        ("permutation" | "time_shift", Some(_)) => Err(PyValueError::new_err(format!(
            "block_size: only method 'block' takes a block size, got method {name:?}"
        ))),
        (other, _) => {
            Err(PyValueError::new_err(format!("method: must be 'permutation', 'time_shift' or 'block', got {other:?}")))
        }
    }
}

/// Local TE values: I(X;Y|Z) per embedded row, with a Theiler window (None:
/// only the row itself is excluded) that never crosses trial boundaries.
#[pyfunction]
#[pyo3(signature = (*, x, y, z, k, algorithm, trial_lengths, window = None, n_threads = None))]
#[allow(clippy::too_many_arguments)] // one argument per keyword of the Python call
fn te_local<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    z: PyReadonlyArray2<'py, f64>,
    k: usize,
    algorithm: u8,
    trial_lengths: Vec<usize>,
    window: Option<usize>,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let alg = parse_algorithm(algorithm)?;
    let (xm, ym, zm) = (mat(&x, "source")?, mat(&y, "target")?, mat(&z, "target")?);
    let ids = trial_ids(&trial_lengths);
    let exclusion = Exclusion { window: window.unwrap_or(0), trial: Some(&ids) };
    let v = run(py, n_threads, |irq| knn::conditional_mutual_info_local(xm, ym, zm, k, alg, exclusion, irq))?;
    Ok(v.into_pyarray(py))
}

/// Per source: the estimate (p,) and its surrogate estimates (p, S).
type Estimates<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray2<f64>>);

/// TE from each source block in `xs` to one target (blocks y, z), each with
/// `n_surrogates` surrogates (which need `method` and `seed`). Returns
/// (estimates (p,), surrogate estimates (p, S)).
#[pyfunction]
#[pyo3(signature = (
    *, xs, y, z, k, algorithm, trial_lengths, window = None, n_surrogates = 0, method = None, block_size = None,
    seed = None, n_threads = None
))]
#[allow(clippy::too_many_arguments)] // one argument per keyword of the Python call
fn te_many<'py>(
    py: Python<'py>,
    xs: Vec<PyReadonlyArray2<'py, f64>>,
    y: PyReadonlyArray2<'py, f64>,
    z: PyReadonlyArray2<'py, f64>,
    k: usize,
    algorithm: u8,
    trial_lengths: Vec<usize>,
    window: Option<usize>,
    n_surrogates: usize,
    method: Option<&str>,
    block_size: Option<usize>,
    seed: Option<u64>,
    n_threads: Option<i64>,
) -> PyResult<Estimates<'py>> {
    let alg = parse_algorithm(algorithm)?;
    let (m, seed) = if n_surrogates == 0 {
        // no surrogate is drawn: the method and the seed are not used
        (SurrogateMethod::Permutation, 0)
    } else {
        let name = method.ok_or_else(|| PyValueError::new_err("method: required with n_surrogates > 0"))?;
        let seed = seed.ok_or_else(|| PyValueError::new_err("seed: required with n_surrogates > 0"))?;
        (parse_method(name, block_size)?, seed)
    };
    let (ym, zm) = (mat(&y, "target")?, mat(&z, "target")?);
    let sources = xs.iter().map(|a| mat(a, "source")).collect::<PyResult<Vec<_>>>()?;
    let ids = trial_ids(&trial_lengths);
    let ranges = trial_ranges(&trial_lengths);
    let exclusion = Exclusion { window: window.unwrap_or(0), trial: Some(&ids) };
    let res = run(py, n_threads, |irq| {
        let target = TargetSide::new(ym, zm)?;
        many_sources(&target, &sources, k, alg, exclusion, &ranges, n_surrogates, m, seed, irq)
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

/// Row orders of `n_surrogates` surrogates as (S, n) int64 (surrogate s
/// takes source row order[s, r] at row r), surrogate s drawn from stream
/// `first_stream + s` of `seed`: the orders `te_many` uses, for the
/// array-API backend, which reorders the source rows on its device.
#[pyfunction]
#[pyo3(signature = (*, method, trial_lengths, n_surrogates, seed, first_stream, block_size = None, n_threads = None))]
#[allow(clippy::too_many_arguments)] // one argument per keyword of the Python call
fn surrogate_orders<'py>(
    py: Python<'py>,
    method: &str,
    trial_lengths: Vec<usize>,
    n_surrogates: usize,
    seed: u64,
    first_stream: u64,
    block_size: Option<usize>,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let m = parse_method(method, block_size)?;
    let ranges = trial_ranges(&trial_lengths);
    let n: usize = trial_lengths.iter().sum();
    if u32::try_from(n).is_err() {
        return Err(PyValueError::new_err(format!("trial_lengths: {n} rows is beyond the supported 2^32")));
    }
    let orders = run(py, n_threads, |irq| core_surrogate_orders(m, &ranges, n_surrogates, seed, first_stream, irq))?;
    let wide: Vec<i64> = orders.into_iter().map(i64::from).collect();
    numpy::ndarray::Array2::from_shape_vec((n_surrogates, n), wide)
        .map(|a| a.into_pyarray(py))
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(te_local, m)?)?;
    m.add_function(wrap_pyfunction!(te_many, m)?)?;
    m.add_function(wrap_pyfunction!(surrogate_orders, m)?)?;
    Ok(())
}
