//! The one way into the core: run a closure on a rayon pool of the requested
//! size in a worker thread while the calling thread, detached from the
//! interpreter, waits for it and checks for Python signals every 20 ms.
//! Errors map to Python exceptions here, and a panic in the core becomes a
//! `RuntimeError` instead of crossing into Python.

use infoflux_core::{Error, Interrupt};
use numpy::{PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

pub fn to_py(e: Error) -> PyErr {
    match e {
        Error::InvalidArgument { .. } => PyValueError::new_err(e.to_string()),
        Error::Cancelled => PyKeyboardInterrupt::new_err("infoflux computation interrupted"),
        Error::Internal(_) => PyRuntimeError::new_err(e.to_string()),
    }
}

/// Pools are cached per size: building one costs a thread spawn per worker.
fn pool(n_threads: usize) -> Result<Arc<rayon::ThreadPool>, Error> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let mut pools =
        POOLS.get_or_init(Default::default).lock().map_err(|_| Error::Internal("pool cache poisoned".into()))?;
    if let Some(p) = pools.get(&n_threads) {
        return Ok(p.clone());
    }
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(n_threads)
            .thread_name(|i| format!("infoflux-{i}"))
            .build()
            .map_err(|e| Error::Internal(format!("cannot start threads: {e}")))?,
    );
    pools.insert(n_threads, p.clone());
    Ok(p)
}

/// Resolve the user's `n_threads` (None or 0 = all cores, negative = all but |n|-1, like joblib).
pub fn threads(n_threads: Option<i64>) -> PyResult<usize> {
    let all = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as i64;
    let n = match n_threads {
        None | Some(0) => all,
        Some(n) if n > 0 => n,
        Some(n) => (all + 1 + n).max(1),
    };
    Ok(n.min(1024) as usize)
}

pub fn run<T, F>(py: Python<'_>, n_threads: Option<i64>, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&Interrupt) -> Result<T, Error> + Send,
{
    let nt = threads(n_threads)?;
    let pool = pool(nt).map_err(to_py)?;
    let interrupt = Interrupt::new();
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel();
        // Receiver is not Sync; the lock only satisfies `detach`'s bounds.
        let rx = Mutex::new(rx);
        let irq = &interrupt;
        let pool = &pool;
        s.spawn(move || {
            let r = catch_unwind(AssertUnwindSafe(|| pool.install(|| f(irq))));
            let _ = tx.send(r);
        });
        loop {
            let got = py.detach(|| {
                rx.lock().map_err(|_| mpsc::RecvTimeoutError::Disconnected)?.recv_timeout(Duration::from_millis(20))
            });
            match got {
                Ok(Ok(r)) => return r.map_err(to_py),
                Ok(Err(panic)) => {
                    let msg = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    return Err(PyRuntimeError::new_err(format!("internal error in infoflux (please report): {msg}")));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(e) = py.check_signals() {
                        interrupt.raise();
                        // wait for the worker to notice, so no borrowed data outlives the call
                        let _ = py.detach(|| rx.lock().ok().map(|r| r.recv().is_ok()));
                        return Err(e);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err("internal error in infoflux: worker vanished"))
                }
            }
        }
    })
}

/// A contiguous float64 (n, d) NumPy array as a core matrix view.
pub fn mat<'a>(a: &'a PyReadonlyArray2<'_, f64>, name: &str) -> PyResult<infoflux_core::MatRef<'a>> {
    let shape = a.shape();
    // as_slice also accepts Fortran order, whose buffer read as row-major
    // would be a silently transposed matrix
    let err = || PyValueError::new_err(format!("{name}: expected a C-contiguous float64 array"));
    if !a.is_c_contiguous() {
        return Err(err());
    }
    let data = a.as_slice().map_err(|_| err())?;
    Ok(infoflux_core::MatRef { data, n: shape[0], d: shape[1] })
}

pub fn vec1<'a>(a: &'a PyReadonlyArray1<'_, f64>, name: &str) -> PyResult<&'a [f64]> {
    a.as_slice().map_err(|_| PyValueError::new_err(format!("{name}: expected a contiguous float64 array")))
}
