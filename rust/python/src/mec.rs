//! Bindings of minimum-entropy coupling. Inputs arrive validated, contiguous
//! and float64 from `infoflux.mec`; entropies come back in bits (the Python
//! side converts units). Indices go out as int64 arrays.

use crate::engine::{mat, run, to_py, vec1};
use infoflux_core::mec::{self, Bounds, Coupling};
use infoflux_core::{Interrupt, MatRef};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyList;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Short computations run detached from the interpreter without the
/// worker-thread round trip of `engine::run`; a panic still becomes a
/// RuntimeError instead of crossing into Python.
fn quick<T: Send, F: FnOnce() -> infoflux_core::Result<T> + Send>(py: Python<'_>, f: F) -> PyResult<T> {
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(r) => r.map_err(to_py),
        Err(_) => Err(PyRuntimeError::new_err("internal error in infoflux (please report): panic in the MEC core")),
    }
}

fn slices<'a>(ms: &'a [PyReadonlyArray1<'_, f64>]) -> PyResult<Vec<&'a [f64]>> {
    ms.iter().enumerate().map(|(j, a)| vec1(a, &format!("marginals[{j}]"))).collect()
}

fn idx_arrays<'py>(py: Python<'py>, c: &Coupling) -> PyResult<Bound<'py, PyList>> {
    let arrs: Vec<Bound<'py, PyArray1<i64>>> =
        c.index.iter().map(|v| v.iter().map(|&i| i as i64).collect::<Vec<i64>>().into_pyarray(py)).collect();
    PyList::new(py, arrs)
}

fn bounds_tuple(b: &Bounds) -> (f64, f64, f64) {
    (b.majorization, b.profile, b.majorize_profile)
}

/// The core's bound on H(T) in bits. `None` means no bound (an infinite
/// rate): the core takes finite rates only, and the largest finite one is
/// met by every encoder, so EBIM keeps the identity.
fn rate_bound(rate_bits: Option<f64>) -> f64 {
    rate_bits.unwrap_or(f64::MAX)
}

type CouplingOut<'py> = (Bound<'py, PyList>, Bound<'py, PyArray1<f64>>, f64);

#[pyfunction]
#[pyo3(signature = (*, marginals, with_bounds, n_threads=None))]
#[allow(clippy::type_complexity)]
fn mec_greedy<'py>(
    py: Python<'py>,
    marginals: Vec<PyReadonlyArray1<'py, f64>>,
    with_bounds: bool,
    n_threads: Option<i64>,
) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyArray1<f64>>, f64, Option<(f64, f64, f64)>)> {
    let ms = slices(&marginals)?;
    let total: usize = ms.iter().map(|p| p.len()).sum();
    // small problems (one per generated token, say) stay on this thread: a
    // worker thread round trip would cost more than the coupling
    let (c, b) = if total <= mec::SMALL {
        quick(py, || mec::greedy_with_bounds(&ms, with_bounds, &Interrupt::new()))?
    } else {
        run(py, n_threads, |irq| mec::greedy_with_bounds(&ms, with_bounds, irq))?
    };
    let e = c.entropy();
    let idx = idx_arrays(py, &c)?;
    Ok((idx, c.mass.into_pyarray(py), e, b.as_ref().map(bounds_tuple)))
}

#[pyfunction]
#[pyo3(signature = (*, marginals))]
fn mec_bounds(py: Python<'_>, marginals: Vec<PyReadonlyArray1<'_, f64>>) -> PyResult<(f64, f64, f64)> {
    let ms = slices(&marginals)?;
    let b = quick(py, || mec::bounds(&ms))?;
    Ok(bounds_tuple(&b))
}

#[pyfunction]
#[pyo3(signature = (*, marginals))]
fn mec_meet<'py>(py: Python<'py>, marginals: Vec<PyReadonlyArray1<'py, f64>>) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let ms = slices(&marginals)?;
    let z = quick(py, || mec::meet(&ms))?;
    Ok(z.into_pyarray(py))
}

#[pyfunction]
#[pyo3(signature = (*, p, q))]
fn mec_one_bit<'py>(
    py: Python<'py>,
    p: PyReadonlyArray1<'py, f64>,
    q: PyReadonlyArray1<'py, f64>,
) -> PyResult<CouplingOut<'py>> {
    let (ps, qs) = (vec1(&p, "p")?, vec1(&q, "q")?);
    let c = quick(py, || mec::one_bit(ps, qs))?;
    let e = c.entropy();
    Ok((idx_arrays(py, &c)?, c.mass.into_pyarray(py), e))
}

#[pyfunction]
#[pyo3(signature = (*, p_x, rate_bits))]
#[allow(clippy::type_complexity)]
fn mec_ebim<'py>(
    py: Python<'py>,
    p_x: PyReadonlyArray1<'py, f64>,
    rate_bits: Option<f64>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>, f64)> {
    let p = vec1(&p_x, "p_x")?;
    let rate = rate_bound(rate_bits);
    let r = quick(py, || mec::ebim(p, rate))?;
    let mapping: Vec<i64> = r.mapping.iter().map(|&t| t as i64).collect();
    Ok((mapping.into_pyarray(py), r.p_t.into_pyarray(py), r.h_t))
}

/// Returns (mapping, p_t, h_t, decoder, decoder_bounds, mi_xy, joint) with
/// each coupling as (index list, masses, entropy).
#[pyfunction]
#[pyo3(signature = (*, p_x, p_y, rate_bits))]
#[allow(clippy::type_complexity)]
fn mec_bottleneck<'py>(
    py: Python<'py>,
    p_x: PyReadonlyArray1<'py, f64>,
    p_y: PyReadonlyArray1<'py, f64>,
    rate_bits: Option<f64>,
) -> PyResult<(
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<f64>>,
    f64,
    CouplingOut<'py>,
    (f64, f64, f64),
    f64,
    CouplingOut<'py>,
)> {
    let (px, py_) = (vec1(&p_x, "p_x")?, vec1(&p_y, "p_y")?);
    let rate = rate_bound(rate_bits);
    let work = || {
        let r = mec::bottleneck(px, py_, rate)?;
        let j = mec::compose(px, &r.encoder, &r.decoder)?;
        Ok((r, j))
    };
    let (r, joint) =
        if px.len() + py_.len() <= mec::SMALL { quick(py, work)? } else { run(py, Some(1), |_irq| work())? };
    let mapping: Vec<i64> = r.encoder.mapping.iter().map(|&t| t as i64).collect();
    let de = r.decoder.entropy();
    let je = joint.entropy();
    let dec = (idx_arrays(py, &r.decoder)?, r.decoder.mass.clone().into_pyarray(py), de);
    let jo = (idx_arrays(py, &joint)?, joint.mass.clone().into_pyarray(py), je);
    Ok((
        mapping.into_pyarray(py),
        r.encoder.p_t.clone().into_pyarray(py),
        r.encoder.h_t,
        dec,
        bounds_tuple(&r.decoder_bounds),
        r.mi_xy,
        jo,
    ))
}

/// Returns (offsets, index list, masses, entropy per row, bounds (B, 3)).
#[pyfunction]
#[pyo3(signature = (*, marginals, with_bounds, n_threads=None))]
#[allow(clippy::type_complexity)]
fn mec_greedy_batch<'py>(
    py: Python<'py>,
    marginals: Vec<PyReadonlyArray2<'py, f64>>,
    with_bounds: bool,
    n_threads: Option<i64>,
) -> PyResult<(
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyList>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray2<f64>>,
)> {
    let ms: Vec<MatRef<'_>> =
        marginals.iter().enumerate().map(|(j, a)| mat(a, &format!("marginals[{j}]"))).collect::<PyResult<_>>()?;
    let b = run(py, n_threads, |irq| mec::greedy_batch(&ms, with_bounds, irq))?;
    let offsets: Vec<i64> = b.offsets.iter().map(|&o| o as i64).collect();
    let nb = b.entropy.len();
    let flat: Vec<f64> = b.bounds.iter().flat_map(|x| [x.majorization, x.profile, x.majorize_profile]).collect();
    let bnd =
        numpy::ndarray::Array2::from_shape_vec((nb, 3), flat).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    Ok((
        offsets.into_pyarray(py),
        idx_arrays(py, &b.cells)?,
        b.cells.mass.into_pyarray(py),
        b.entropy.into_pyarray(py),
        bnd.into_pyarray(py),
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mec_greedy, m)?)?;
    m.add_function(wrap_pyfunction!(mec_bounds, m)?)?;
    m.add_function(wrap_pyfunction!(mec_meet, m)?)?;
    m.add_function(wrap_pyfunction!(mec_one_bit, m)?)?;
    m.add_function(wrap_pyfunction!(mec_ebim, m)?)?;
    m.add_function(wrap_pyfunction!(mec_bottleneck, m)?)?;
    m.add_function(wrap_pyfunction!(mec_greedy_batch, m)?)?;
    Ok(())
}
