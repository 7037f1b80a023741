//! Bindings of transfer entropy: the embedded blocks arrive from the Python
//! pipeline (validated, contiguous float64); results go back as arrays.

use crate::engine::{check_result_size, mat, run, run_estimate};
use crate::knn::parse_algorithm;
use infoflux_core::knn::{self, Exclusion};
use infoflux_core::te::{
    cmi_candidates as core_cmi_candidates, many_sources, surrogate_orders as core_surrogate_orders, SurrogateMethod,
    TargetSide,
};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
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
    lengths.iter().enumerate().flat_map(|(t, &l)| std::iter::repeat_n(t as u32, l)).collect()
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
    let v = run_estimate(py, n_threads, "source, target", "", |irq| {
        knn::conditional_mutual_info_local(xm, ym, zm, k, alg, exclusion, irq)
    })?;
    Ok(v.into_pyarray(py))
}

/// TE from each source block in `xs` to one target (blocks y, z), each with
/// `n_surrogates` surrogates (which need `method` and `seed`). Returns a
/// (p, S + 1) array: per source its estimate, then its surrogate estimates.
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
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let alg = parse_algorithm(algorithm)?;
    let (m, seed) = if n_surrogates == 0 {
        // no surrogate is drawn: the method and the seed are not used
        (SurrogateMethod::Permutation, 0)
    } else {
        let name = method.ok_or_else(|| PyValueError::new_err("method: required with n_surrogates > 0"))?;
        let seed = seed.ok_or_else(|| PyValueError::new_err("seed: required with n_surrogates > 0"))?;
        (parse_method(name, block_size)?, seed)
    };
    let per = n_surrogates.checked_add(1);
    check_result_size(
        per.and_then(|p| p.checked_mul(xs.len())),
        std::mem::size_of::<f64>(),
        "n_surrogates",
        &format!("the estimates of {n_surrogates} surrogates for {} source(s)", xs.len()),
    )?;
    let (ym, zm) = (mat(&y, "target")?, mat(&z, "target")?);
    let sources = xs.iter().map(|a| mat(a, "source")).collect::<PyResult<Vec<_>>>()?;
    let ids = trial_ids(&trial_lengths);
    let ranges = trial_ranges(&trial_lengths);
    let exclusion = Exclusion { window: window.unwrap_or(0), trial: Some(&ids) };
    let over = if n_surrogates > 0 { " (over the estimates and their surrogates)" } else { "" };
    let res = run_estimate(py, n_threads, "source, target", over, |irq| {
        let target = TargetSide::new(ym, zm)?;
        many_sources(&target, &sources, k, alg, exclusion, &ranges, n_surrogates, m, seed, irq)
    })?;
    numpy::ndarray::Array2::from_shape_vec((sources.len(), res.per), res.values)
        .map(|a| a.into_pyarray(py))
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
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
    check_result_size(
        n_surrogates.checked_mul(n),
        std::mem::size_of::<u32>() + std::mem::size_of::<i64>(),
        "n_surrogates",
        &format!("the row orders of {n_surrogates} surrogates of {n} rows"),
    )?;
    let orders = run(py, n_threads, |irq| core_surrogate_orders(m, &ranges, n_surrogates, seed, first_stream, irq))?;
    let wide: Vec<i64> = orders.into_iter().map(i64::from).collect();
    numpy::ndarray::Array2::from_shape_vec((n_surrogates, n), wide)
        .map(|a| a.into_pyarray(py))
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

/// The conditional MI I(x; y | z) (I(x; y) when `z` is None) of every
/// candidate column block in `xs` and of its surrogates, candidate c's rows
/// reordered by each row of `orders[c]` ((S, n) int64, the same S for every
/// candidate): one (C, S + 1) array, per candidate its estimate then its
/// surrogates', each the mean of `cmi_local` (or `mi_local`) on the same
/// columns summed as NumPy sums, so equal to it bit for bit.
#[pyfunction]
#[pyo3(signature = (*, xs, orders, y, z = None, k, algorithm, n_threads = None))]
#[allow(clippy::too_many_arguments)] // one argument per keyword of the Python call
fn cmi_candidates<'py>(
    py: Python<'py>,
    xs: Vec<PyReadonlyArray2<'py, f64>>,
    orders: Vec<PyReadonlyArray2<'py, i64>>,
    y: PyReadonlyArray2<'py, f64>,
    z: Option<PyReadonlyArray2<'py, f64>>,
    k: usize,
    algorithm: u8,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let alg = parse_algorithm(algorithm)?;
    let ym = mat(&y, "y")?;
    let zm = z.as_ref().map(|a| mat(a, "z")).transpose()?;
    let cands = xs.iter().map(|a| mat(a, "xs")).collect::<PyResult<Vec<_>>>()?;
    if orders.len() != cands.len() {
        return Err(PyValueError::new_err(format!("orders: {} arrays for {} candidates", orders.len(), cands.len())));
    }
    let n = ym.n;
    let n_orders = orders.first().map_or(0, |o| o.shape()[0]);
    check_result_size(
        n_orders.checked_mul(n).and_then(|c| c.checked_mul(cands.len())),
        std::mem::size_of::<u32>(),
        "orders",
        &format!("the row orders of {} candidates", cands.len()),
    )?;
    let mut narrow: Vec<Vec<u32>> = Vec::with_capacity(orders.len());
    for (c, o) in orders.iter().enumerate() {
        let shape = o.shape();
        if shape[0] != n_orders || shape[1] != n {
            return Err(PyValueError::new_err(format!(
                "orders[{c}]: expected shape ({n_orders}, {n}), got ({}, {})",
                shape[0], shape[1]
            )));
        }
        let contiguous = || PyValueError::new_err(format!("orders[{c}]: expected a C-contiguous int64 array"));
        if !o.is_c_contiguous() {
            return Err(contiguous());
        }
        let flat = o.as_slice().map_err(|_| contiguous())?;
        let rows = flat
            .iter()
            .map(|&r| u32::try_from(r).ok().filter(|&r| (r as usize) < n))
            .collect::<Option<Vec<u32>>>()
            .ok_or_else(|| PyValueError::new_err(format!("orders[{c}]: row indices must lie in 0..{n}")))?;
        narrow.push(rows);
    }
    let refs: Vec<&[u32]> = narrow.iter().map(|o| &o[..]).collect();
    let over = if n_orders > 0 { " (over the estimates and their surrogates)" } else { "" };
    let res = run_estimate(py, n_threads, "xs, y, z", over, |irq| {
        core_cmi_candidates(ym, zm, &cands, &refs, n_orders, k, alg, irq)
    })?;
    numpy::ndarray::Array2::from_shape_vec((cands.len(), res.per), res.values)
        .map(|a| a.into_pyarray(py))
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(te_local, m)?)?;
    m.add_function(wrap_pyfunction!(te_many, m)?)?;
    m.add_function(wrap_pyfunction!(surrogate_orders, m)?)?;
    m.add_function(wrap_pyfunction!(cmi_candidates, m)?)?;
    Ok(())
}
