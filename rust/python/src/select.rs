//! Bindings of the feature-selection primitives: mutual information of one
//! variable against many columns in one call (infoflux-core's `select`).
//! The columns arrive as the rows of a C-contiguous (p, n) array, prepared
//! once by `infoflux._mrmr`; `index` names the rows to compute.

use crate::engine::{mat, run, run_estimate, vec1};
use infoflux_core::select;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// KSG (algorithm 1) I(x; columns[j]) for each j in `index`, nats, unclipped.
#[pyfunction]
#[pyo3(signature = (*, x, columns, index, k, n_threads = None))]
fn ksg_mi_against_columns<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    columns: PyReadonlyArray2<'py, f64>,
    index: Vec<usize>,
    k: usize,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let xs = vec1(&x, "x")?;
    let cm = mat(&columns, "columns")?;
    let v = run_estimate(py, n_threads, "x, columns", " (over all columns)", |irq| {
        select::ksg_against_columns(xs, cm, &index, k, irq)
    })?;
    Ok(v.into_pyarray(py))
}

/// Frenzel-Pompe I(columns[j]; y | z) for each j in `index`, nats, unclipped.
#[pyfunction]
#[pyo3(signature = (*, y, z, columns, index, k, n_threads = None))]
fn ksg_cmi_against_columns<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f64>,
    z: PyReadonlyArray1<'py, f64>,
    columns: PyReadonlyArray2<'py, f64>,
    index: Vec<usize>,
    k: usize,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (ys, zs) = (vec1(&y, "y")?, vec1(&z, "z")?);
    let cm = mat(&columns, "columns")?;
    let v = run_estimate(py, n_threads, "y, z, columns", " (over all columns)", |irq| {
        select::ksg_cmi_against_columns(ys, zs, cm, &index, k, irq)
    })?;
    Ok(v.into_pyarray(py))
}

/// Plug-in I(x; columns[j]) of dense codes (0..n) for each j in `index`, nats.
#[pyfunction]
#[pyo3(signature = (*, x, columns, index, n_threads = None))]
fn plugin_mi_against_columns<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, i64>,
    columns: PyReadonlyArray2<'py, i64>,
    index: Vec<usize>,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let xs = x.as_slice().map_err(|_| PyValueError::new_err("x: expected a contiguous int64 array"))?;
    let err = || PyValueError::new_err("columns: expected a C-contiguous int64 array");
    if !columns.is_c_contiguous() {
        return Err(err());
    }
    let p = columns.shape()[0];
    if columns.shape()[1] != xs.len() {
        return Err(PyValueError::new_err(format!(
            "columns: each column needs {} samples (the length of x), got {}",
            xs.len(),
            columns.shape()[1]
        )));
    }
    let cs = columns.as_slice().map_err(|_| err())?;
    let v = run(py, n_threads, |irq| select::plugin_against_columns(xs, cs, p, &index, irq))?;
    Ok(v.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ksg_mi_against_columns, m)?)?;
    m.add_function(wrap_pyfunction!(ksg_cmi_against_columns, m)?)?;
    m.add_function(wrap_pyfunction!(plugin_mi_against_columns, m)?)?;
    Ok(())
}
