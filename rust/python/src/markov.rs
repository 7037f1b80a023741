//! Bindings of the Markov-chain core. `infoflux.markov` validates and
//! converts arguments (CSR arrays as int64/float64); everything here is
//! conversion and error mapping.

use crate::engine::{run, to_py, vec1};
use infoflux_core::markov::{check_csr, Chain, Refiner, StationaryOptions};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

fn ivec<'a>(a: &'a PyReadonlyArray1<'_, i64>, name: &str) -> PyResult<&'a [i64]> {
    a.as_slice().map_err(|_| PyValueError::new_err(format!("{name}: expected a contiguous int64 array")))
}

fn pairs<'py>(py: Python<'py>, v: Vec<(f64, f64)>) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let n = v.len();
    let flat: Vec<f64> = v.into_iter().flat_map(|(a, b)| [a, b]).collect();
    let arr =
        numpy::ndarray::Array2::from_shape_vec((n, 2), flat).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    Ok(arr.into_pyarray(py))
}

/// A validated chain held by the core (see `infoflux.markov.MarkovChain`).
#[pyclass(frozen, module = "infoflux._core")]
pub struct MarkovCore {
    chain: Chain,
}

type CsrOut<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>);

fn csr_out(py: Python<'_>, c: infoflux_core::markov::Csr) -> CsrOut<'_> {
    let ip: Vec<i64> = c.indptr.iter().map(|&v| v as i64).collect();
    let ind: Vec<i64> = c.indices.iter().map(|&v| v as i64).collect();
    (ip.into_pyarray(py), ind.into_pyarray(py), c.data.into_pyarray(py))
}

#[pymethods]
impl MarkovCore {
    #[new]
    #[pyo3(signature = (*, sizes, indptr, indices, data, pi=None, row_tol, pi_tol, max_iter, n_threads=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        sizes: Vec<usize>,
        indptr: PyReadonlyArray1<'_, i64>,
        indices: PyReadonlyArray1<'_, i64>,
        data: PyReadonlyArray1<'_, f64>,
        pi: Option<PyReadonlyArray1<'_, f64>>,
        row_tol: f64,
        pi_tol: f64,
        max_iter: usize,
        n_threads: Option<i64>,
    ) -> PyResult<Self> {
        let (ip, ind, dat) = (ivec(&indptr, "indptr")?, ivec(&indices, "indices")?, vec1(&data, "data")?);
        let pi_s = match &pi {
            Some(p) => Some(vec1(p, "pi")?),
            None => None,
        };
        // iterate well below the acceptance tolerance so the returned pi is accurate, not just acceptable
        let opts = StationaryOptions { tol: pi_tol.min(1e-13), max_iter };
        let chain = run(py, n_threads, |irq| Chain::from_csr(&sizes, ip, ind, dat, pi_s, row_tol, pi_tol, opts, irq))?;
        Ok(MarkovCore { chain })
    }

    fn pi<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.chain.pi().to_vec().into_pyarray(py)
    }

    #[getter]
    fn residual(&self) -> f64 {
        self.chain.residual()
    }

    #[getter]
    fn nnz(&self) -> usize {
        self.chain.nnz()
    }

    fn matrix<'py>(&self, py: Python<'py>) -> CsrOut<'py> {
        csr_out(py, self.chain.matrix())
    }

    /// (H(F_S), H(π^(S))) per set, shape (len(sets), 2).
    #[pyo3(signature = (*, sets, n_threads=None))]
    fn entropies<'py>(
        &self,
        py: Python<'py>,
        sets: Vec<Vec<usize>>,
        n_threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let v = run(py, n_threads, |irq| self.chain.entropies_many(&sets, irq))?;
        pairs(py, v)
    }

    /// (H(F_{S∪{j}}), H(π^(S∪{j}))) per candidate j, shape (len(candidates), 2).
    #[pyo3(signature = (*, set, candidates, n_threads=None))]
    fn entropies_extend<'py>(
        &self,
        py: Python<'py>,
        set: Vec<usize>,
        candidates: Vec<usize>,
        n_threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let v = run(py, n_threads, |irq| self.chain.entropies_extend(&set, &candidates, irq))?;
        pairs(py, v)
    }

    fn marginal<'py>(&self, py: Python<'py>, set: Vec<usize>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(self.chain.marginal(&set).map_err(to_py)?.into_pyarray(py))
    }

    /// P^(S) as CSR arrays plus π^(S).
    #[pyo3(signature = (*, set, n_threads=None))]
    fn projection<'py>(
        &self,
        py: Python<'py>,
        set: Vec<usize>,
        n_threads: Option<i64>,
    ) -> PyResult<(CsrOut<'py>, Bound<'py, PyArray1<f64>>)> {
        let (csr, pis) = run(py, n_threads, |irq| self.chain.projection(&set, irq))?;
        Ok((csr_out(py, csr), pis.into_pyarray(py)))
    }

    /// A partition refiner for greedy steps, starting from S = ∅.
    #[pyo3(signature = (*, n_threads=None))]
    fn refiner(&self, py: Python<'_>, n_threads: Option<i64>) -> PyResult<MarkovRefiner> {
        let r = run(py, n_threads, |_| Ok(Refiner::new(&self.chain)))?;
        Ok(MarkovRefiner { inner: r })
    }

    /// D(P‖L) in nats for L given as CSR arrays of the same order.
    #[pyo3(signature = (*, indptr, indices, data, n_threads=None))]
    fn kl_rate(
        &self,
        py: Python<'_>,
        indptr: PyReadonlyArray1<'_, i64>,
        indices: PyReadonlyArray1<'_, i64>,
        data: PyReadonlyArray1<'_, f64>,
        n_threads: Option<i64>,
    ) -> PyResult<f64> {
        let (ip, ind, dat) = (ivec(&indptr, "indptr")?, ivec(&indices, "indices")?, vec1(&data, "data")?);
        let n = self.chain.n_states();
        run(py, n_threads, |irq| {
            let (lp, li, ld) = check_csr("L", n, ip, ind, dat)?;
            self.chain.kl_rate(&lp, &li, &ld, irq)
        })
    }
}

/// Incremental entropies of S ∪ {j} for greedy selection.
#[pyclass(module = "infoflux._core")]
pub struct MarkovRefiner {
    inner: Refiner,
}

#[pymethods]
impl MarkovRefiner {
    /// Coordinates refined so far, in order of addition.
    fn set(&self) -> Vec<usize> {
        self.inner.set().to_vec()
    }

    /// (H(F_{S∪{j}}), H(π^(S∪{j}))) per candidate, shape (len(candidates), 2).
    #[pyo3(signature = (*, candidates, n_threads=None))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        candidates: Vec<usize>,
        n_threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let v = run(py, n_threads, |irq| self.inner.evaluate(&candidates, irq))?;
        pairs(py, v)
    }

    /// S ← S ∪ {j}.
    #[pyo3(signature = (*, j, n_threads=None))]
    fn add(&mut self, py: Python<'_>, j: usize, n_threads: Option<i64>) -> PyResult<()> {
        let inner = &mut self.inner;
        run(py, n_threads, |irq| inner.add(j, irq))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<MarkovCore>()?;
    m.add_class::<MarkovRefiner>()?;
    Ok(())
}
