//! Bindings of the preprocessing (normalisation and tie-breaking noise).

use crate::engine::{mat, run};
use infoflux_core::{prep, MatRef};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// Normalise and/or add noise to each (n, d) array, returning new arrays;
/// array j draws its noise from stream j of `seed` (required when
/// `noise > 0`, unused otherwise).
#[pyfunction]
#[pyo3(signature = (*, arrays, normalize, noise, seed = None, n_threads = None))]
fn preprocess<'py>(
    py: Python<'py>,
    arrays: Vec<PyReadonlyArray2<'py, f64>>,
    normalize: bool,
    noise: f64,
    seed: Option<u64>,
    n_threads: Option<i64>,
) -> PyResult<Vec<Bound<'py, PyArray2<f64>>>> {
    let seed = match seed {
        Some(s) => s,
        None if noise > 0.0 => return Err(PyValueError::new_err("seed: required with noise > 0")),
        // no noise is drawn, so no stream is read
        None => 0,
    };
    let mats: Vec<MatRef<'_>> = arrays.iter().map(|a| mat(a, "x")).collect::<PyResult<_>>()?;
    let out = run(py, n_threads, |_| {
        mats.iter()
            .enumerate()
            .map(|(j, m)| {
                let mut v = m.data.to_vec();
                prep::preprocess(&mut v, m.n, m.d, normalize, noise, seed, j as u64).map(|_| v)
            })
            .collect::<Result<Vec<Vec<f64>>, _>>()
    })?;
    out.into_iter()
        .zip(&mats)
        .map(|(v, m)| {
            Array2::from_shape_vec((m.n, m.d), v)
                .map(|a| a.into_pyarray(py))
                .map_err(|e| PyRuntimeError::new_err(e.to_string()))
        })
        .collect()
}

/// The standard normal noise `preprocess` adds to an (n, d) array drawn
/// from stream `stream` of `seed` (for the array-API backend, which uploads
/// it).
#[pyfunction]
#[pyo3(signature = (*, n, d, seed, stream, n_threads = None))]
fn noise<'py>(
    py: Python<'py>,
    n: usize,
    d: usize,
    seed: u64,
    stream: u64,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let v = run(py, n_threads, |_| {
        let mut v = vec![0.0; n * d];
        prep::noise(&mut v, d, seed, stream);
        Ok(v)
    })?;
    Array2::from_shape_vec((n, d), v).map(|a| a.into_pyarray(py)).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(preprocess, m)?)?;
    m.add_function(wrap_pyfunction!(noise, m)?)?;
    Ok(())
}
