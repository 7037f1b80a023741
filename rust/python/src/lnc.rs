//! Binding of the local non-uniformity correction of KSG mutual
//! information. Inputs arrive validated, contiguous and float64 from the
//! Python pipeline (`infoflux._lnc`), preprocessed as for `mi_local`.

use crate::engine::{mat, run};
use infoflux_core::lnc;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

/// Per-sample LNC corrections (nats) to add to the KSG local values.
#[pyfunction]
#[pyo3(signature = (*, x, y, k, alpha, n_threads = None))]
fn lnc_local<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    k: usize,
    alpha: f64,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (xm, ym) = (mat(&x, "x")?, mat(&y, "y")?);
    let v = run(py, n_threads, |irq| lnc::lnc_corrections(xm, ym, k, alpha, irq))?;
    Ok(v.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(lnc_local, m)?)?;
    Ok(())
}
