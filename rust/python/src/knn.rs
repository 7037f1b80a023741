//! Bindings of the k-NN estimators. Inputs arrive validated, contiguous and
//! float64 from the Python pipeline (`infoflux._backend_rust`); outputs are
//! local values (the Python side takes the mean and converts units).

use crate::engine::{mat, run, run_estimate, to_py};
use infoflux_core::knn::{self, Algorithm, Exclusion, Norm};
use infoflux_core::{mixed, ross};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pub fn parse_algorithm(a: u8) -> PyResult<Algorithm> {
    Algorithm::from_int(a).map_err(to_py)
}

/// Local KSG mutual information; `window` is a Theiler window (None: only
/// the point itself is excluded from its neighbours).
#[pyfunction]
#[pyo3(signature = (*, x, y, k, algorithm, window = None, n_threads = None))]
fn mi_local<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    k: usize,
    algorithm: u8,
    window: Option<usize>,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let alg = parse_algorithm(algorithm)?;
    let (xm, ym) = (mat(&x, "x")?, mat(&y, "y")?);
    let exclusion = Exclusion { window: window.unwrap_or(0), trial: None };
    let v = run_estimate(py, n_threads, "x, y", "", |irq| knn::mutual_info_local(xm, ym, k, alg, exclusion, irq))?;
    Ok(v.into_pyarray(py))
}

/// Local KSG mutual information of `x` and `y` as given, normalised and/or
/// noised in the core as `preprocess` would (x from stream 0, y from
/// stream 1 of `seed`; `seed` is required when `noise > 0`): the values of
/// `mi_local` on `preprocess`'s arrays, without those copies, and in
/// phases for large data (bounded memory).
#[pyfunction]
#[pyo3(signature = (*, x, y, k, algorithm, normalize, noise, seed = None, window = None, n_threads = None))]
#[allow(clippy::too_many_arguments)] // one argument per keyword of the Python call
fn mi_local_prep<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    k: usize,
    algorithm: u8,
    normalize: bool,
    noise: f64,
    seed: Option<u64>,
    window: Option<usize>,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let alg = parse_algorithm(algorithm)?;
    let seed = match seed {
        Some(s) => s,
        None if noise > 0.0 => return Err(PyValueError::new_err("seed: required with noise > 0")),
        // no noise is drawn, so no stream is read
        None => 0,
    };
    let prep = knn::Prep { normalize, noise, seed };
    let (xm, ym) = (mat(&x, "x")?, mat(&y, "y")?);
    let exclusion = Exclusion { window: window.unwrap_or(0), trial: None };
    let v = run_estimate(py, n_threads, "x, y", "", |irq| {
        knn::mutual_info_local_prep(xm, ym, prep, k, alg, exclusion, irq)
    })?;
    Ok(v.into_pyarray(py))
}

/// Local Frenzel-Pompe conditional mutual information.
#[pyfunction]
#[pyo3(signature = (*, x, y, z, k, algorithm, window = None, n_threads = None))]
#[allow(clippy::too_many_arguments)] // one argument per keyword of the Python call
fn cmi_local<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    z: PyReadonlyArray2<'py, f64>,
    k: usize,
    algorithm: u8,
    window: Option<usize>,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let alg = parse_algorithm(algorithm)?;
    let (xm, ym, zm) = (mat(&x, "x")?, mat(&y, "y")?, mat(&z, "z")?);
    let exclusion = Exclusion { window: window.unwrap_or(0), trial: None };
    let v = run_estimate(py, n_threads, "x, y, z", "", |irq| {
        knn::conditional_mutual_info_local(xm, ym, zm, k, alg, exclusion, irq)
    })?;
    Ok(v.into_pyarray(py))
}

/// Local Kozachenko-Leonenko entropy.
#[pyfunction]
#[pyo3(signature = (*, x, k, metric, n_threads = None))]
fn entropy_local<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    k: usize,
    metric: &str,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let norm = match metric {
        "chebyshev" => Norm::Max,
        "euclidean" => Norm::Euclidean,
        other => {
            return Err(PyValueError::new_err(format!("metric: must be 'chebyshev' or 'euclidean', got {other:?}")))
        }
    };
    let xm = mat(&x, "x")?;
    let v = run(py, n_threads, |irq| knn::entropy_local(xm, k, norm, irq))?;
    Ok(v.into_pyarray(py))
}

/// KSG mutual information between every pair of columns of `x`.
#[pyfunction]
#[pyo3(signature = (*, x, k, algorithm, n_threads = None))]
fn mi_matrix<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    k: usize,
    algorithm: u8,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let alg = parse_algorithm(algorithm)?;
    let xm = mat(&x, "X")?;
    let p = xm.d;
    let v =
        run_estimate(py, n_threads, "X", " (over all column pairs)", |irq| knn::mutual_info_matrix(xm, k, alg, irq))?;
    let arr = numpy::ndarray::Array2::from_shape_vec((p, p), v)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    Ok(arr.into_pyarray(py))
}

/// Class ids (int64, each in 0..n) as the core's u32 labels.
fn class_ids(labels: &PyReadonlyArray1<'_, i64>) -> PyResult<Vec<u32>> {
    let ids = labels.as_slice().map_err(|_| PyValueError::new_err("labels: expected a contiguous int64 array"))?;
    ids.iter()
        .map(|&l| {
            u32::try_from(l).map_err(|_| {
                PyValueError::new_err(format!("labels: class ids must be integers in 0..n_samples, got {l}"))
            })
        })
        .collect()
}

/// Ross (2014) mutual information (nats, not clipped) between the
/// continuous samples `x` (n x d, max norm) and class ids `labels`.
#[pyfunction]
#[pyo3(signature = (*, x, labels, k, n_threads = None))]
fn ross_mutual_info<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    labels: PyReadonlyArray1<'py, i64>,
    k: usize,
    n_threads: Option<i64>,
) -> PyResult<f64> {
    let xm = mat(&x, "x")?;
    let ids = class_ids(&labels)?;
    run(py, n_threads, |irq| ross::ross_mutual_info(xm, &ids, k, irq))
}

/// [`ross_mutual_info`] of each column of `x` (n x p) against the same labels.
#[pyfunction]
#[pyo3(signature = (*, x, labels, k, n_threads = None))]
fn ross_mutual_info_columns<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    labels: PyReadonlyArray1<'py, i64>,
    k: usize,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let xm = mat(&x, "x")?;
    let ids = class_ids(&labels)?;
    let v = run(py, n_threads, |irq| ross::ross_mutual_info_columns(xm, &ids, k, irq))?;
    Ok(v.into_pyarray(py))
}

/// Local values of the mixed KSG mutual information (Gao et al. 2017), nats.
#[pyfunction]
#[pyo3(signature = (*, x, y, k, n_threads = None))]
fn mixed_mi_local<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    k: usize,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (xm, ym) = (mat(&x, "x")?, mat(&y, "y")?);
    let v = run(py, n_threads, |irq| mixed::mixed_mutual_info_local(xm, ym, k, irq))?;
    Ok(v.into_pyarray(py))
}

/// Local values of the mixed KSG conditional mutual information, nats.
#[pyfunction]
#[pyo3(signature = (*, x, y, z, k, n_threads = None))]
fn mixed_cmi_local<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    z: PyReadonlyArray2<'py, f64>,
    k: usize,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (xm, ym, zm) = (mat(&x, "x")?, mat(&y, "y")?, mat(&z, "z")?);
    let v = run(py, n_threads, |irq| mixed::mixed_conditional_mutual_info_local(xm, ym, zm, k, irq))?;
    Ok(v.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mi_local, m)?)?;
    m.add_function(wrap_pyfunction!(mi_local_prep, m)?)?;
    m.add_function(wrap_pyfunction!(cmi_local, m)?)?;
    m.add_function(wrap_pyfunction!(entropy_local, m)?)?;
    m.add_function(wrap_pyfunction!(mi_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(ross_mutual_info, m)?)?;
    m.add_function(wrap_pyfunction!(ross_mutual_info_columns, m)?)?;
    m.add_function(wrap_pyfunction!(mixed_mi_local, m)?)?;
    m.add_function(wrap_pyfunction!(mixed_cmi_local, m)?)?;
    Ok(())
}
