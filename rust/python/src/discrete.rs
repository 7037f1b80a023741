//! Bindings of the discrete estimators. Symbols arrive validated as
//! C-contiguous int64 (n, d) arrays from `infoflux.discrete`; entropies go
//! back in nats (the Python side combines them and converts units).

use crate::engine::run;
use infoflux_core::discrete::{self, Alpha, Estimator, Symbols, Term};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

fn estimator(name: &str, alpha: Option<f64>, alpha_rule: Option<&str>) -> PyResult<Estimator> {
    Ok(match name {
        "plugin" => Estimator::Plugin,
        "miller_madow" => Estimator::MillerMadow,
        "grassberger" => Estimator::Grassberger,
        "grassberger1988" => Estimator::Grassberger1988,
        "shrinkage" => Estimator::Shrinkage,
        "chao_shen" => Estimator::ChaoShen,
        "nsb" => Estimator::Nsb,
        "bayes" => Estimator::Bayes(match (alpha, alpha_rule) {
            (Some(a), None) => Alpha::Value(a),
            (None, Some("inverse_alphabet")) => Alpha::InverseAlphabet,
            (None, Some("sqrt_n_over_alphabet")) => Alpha::SqrtNOverAlphabet,
            _ => return Err(PyValueError::new_err("alpha: estimator='bayes' needs one concentration")),
        }),
        other => return Err(PyValueError::new_err(format!("estimator: unknown discrete estimator {other:?}"))),
    })
}

fn symbols<'a>(a: &'a PyReadonlyArray2<'_, i64>, j: usize) -> PyResult<Symbols<'a>> {
    let err = || PyValueError::new_err(format!("variables[{j}]: expected a C-contiguous int64 array"));
    if !a.is_c_contiguous() {
        return Err(err());
    }
    let shape = a.shape();
    let data = a.as_slice().map_err(|_| err())?;
    Symbols::new(data, shape[0], shape[1]).map_err(crate::engine::to_py)
}

/// The entropy (nats) of each term; a term is (variable indices, alphabet
/// size or None, name for messages).
#[pyfunction]
#[pyo3(signature = (*, variables, terms, estimator, alpha = None, alpha_rule = None, n_threads = None))]
fn discrete_entropies<'py>(
    py: Python<'py>,
    variables: Vec<PyReadonlyArray2<'py, i64>>,
    terms: Vec<(Vec<usize>, Option<f64>, String)>,
    estimator: &str,
    alpha: Option<f64>,
    alpha_rule: Option<&str>,
    n_threads: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let est = self::estimator(estimator, alpha, alpha_rule)?;
    let vars: Vec<Symbols<'_>> = variables.iter().enumerate().map(|(j, a)| symbols(a, j)).collect::<PyResult<_>>()?;
    let terms: Vec<Term> = terms.into_iter().map(|(vars, alphabet, name)| Term { vars, alphabet, name }).collect();
    let h = run(py, n_threads, |irq| discrete::entropies(&vars, &terms, est, irq))?;
    Ok(h.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(discrete_entropies, m)?)?;
    Ok(())
}
