//! PyO3 bindings of infoflux-core: conversion, error mapping and GIL release.
//! No algorithm lives here; each family registers its functions from its own
//! module.

use pyo3::prelude::*;

mod discrete;
mod engine;
mod knn;
mod lnc;
mod markov;
mod mec;
mod prep;
mod select;
mod te;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    knn::register(m)?;
    te::register(m)?;
    mec::register(m)?;
    markov::register(m)?;
    prep::register(m)?;
    discrete::register(m)?;
    select::register(m)?;
    lnc::register(m)?;
    Ok(())
}
