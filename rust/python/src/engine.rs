//! The one way into the core: run a closure on a rayon pool of the requested
//! size in a worker thread while the calling thread, detached from the
//! interpreter, waits for it and checks for Python signals every 20 ms.
//! Errors map to Python exceptions here, and a panic in the core becomes a
//! `RuntimeError` instead of crossing into Python.

use infoflux_core::{Error, Interrupt};
use numpy::{PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyRuntimeWarning, PyValueError};
use pyo3::prelude::*;
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

/// Pools cached at once, most recently used first; see [`pool`].
const POOLS_KEPT: usize = 4;

/// The threads a cached pool other than the newest may add to the cache:
/// this many per core.
const OLD_POOL_THREADS_PER_CORE: usize = 4;

/// A pool of `n_threads` workers. Building one costs a thread spawn per
/// worker, so recent pools are kept: at most [`POOLS_KEPT`] of them, and
/// besides the newest at most 4 threads per core in all (a loop over many
/// thread counts would otherwise keep every pool's threads alive). A pool
/// dropped from the cache ends its threads once its last computation
/// returns.
fn pool(n_threads: usize) -> Result<Arc<rayon::ThreadPool>, Error> {
    type Cache = Mutex<Vec<(usize, Arc<rayon::ThreadPool>)>>;
    static POOLS: OnceLock<Cache> = OnceLock::new();
    let mut pools =
        POOLS.get_or_init(Default::default).lock().map_err(|_| Error::Internal("pool cache poisoned".into()))?;
    if let Some(at) = pools.iter().position(|(n, _)| *n == n_threads) {
        let hit = pools.remove(at);
        let p = hit.1.clone();
        pools.insert(0, hit);
        return Ok(p);
    }
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(n_threads)
            .thread_name(|i| format!("infoflux-{i}"))
            .build()
            .map_err(|e| Error::Internal(format!("cannot start threads: {e}")))?,
    );
    pools.insert(0, (n_threads, p.clone()));
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut budget = OLD_POOL_THREADS_PER_CORE * cores;
    let mut kept = 1;
    while kept < pools.len() && kept < POOLS_KEPT && pools[kept].0 <= budget {
        budget -= pools[kept].0;
        kept += 1;
    }
    pools.truncate(kept);
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
    run_with(py, n_threads, &Interrupt::new(), f)
}

/// [`run`] for a k-NN estimate of the variables `names` (as the user knows
/// them): a `RuntimeWarning` reports the samples whose k-th neighbour is
/// at distance zero (exact ties, where the KSG estimators are undefined).
/// `over` says what the count covers beyond one estimate, if anything.
pub fn run_estimate<T, F>(py: Python<'_>, n_threads: Option<i64>, names: &str, over: &str, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&Interrupt) -> Result<T, Error> + Send,
{
    let interrupt = Interrupt::new();
    let out = run_with(py, n_threads, &interrupt, f)?;
    let (zero, queries) = interrupt.radii_tally();
    if zero > 0 {
        let msg = format!(
            "{names}: {zero} of {queries} samples{over} have a zero distance to their k-th nearest neighbour \
             (exact ties), where the KSG estimate is undefined, so the result is not meaningful; add noise \
             (noise > 0, as by default) to break the ties"
        );
        let msg = std::ffi::CString::new(msg).unwrap_or_default();
        let category = py.get_type::<PyRuntimeWarning>();
        PyErr::warn(py, category.as_any(), &msg, user_stacklevel(py))?;
    }
    Ok(out)
}

/// The stack level of the innermost frame outside the infoflux package, so
/// that a warning points at the user's call rather than at the pipeline.
fn user_stacklevel(py: Python<'_>) -> i32 {
    let level = || -> PyResult<i32> {
        let mut frame = py.import("sys")?.call_method1("_getframe", (0,))?;
        let mut level = 1;
        loop {
            let name: String = frame.getattr("f_globals")?.get_item("__name__")?.extract().unwrap_or_default();
            if !(name == "infoflux" || name.starts_with("infoflux.")) {
                return Ok(level);
            }
            let back = frame.getattr("f_back")?;
            if back.is_none() {
                return Ok(level);
            }
            frame = back;
            level += 1;
        }
    };
    level().unwrap_or(1)
}

fn run_with<T, F>(py: Python<'_>, n_threads: Option<i64>, interrupt: &Interrupt, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&Interrupt) -> Result<T, Error> + Send,
{
    let nt = threads(n_threads)?;
    let pool = pool(nt).map_err(to_py)?;
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel();
        // Receiver is not Sync; the lock only satisfies `detach`'s bounds.
        let rx = Mutex::new(rx);
        let irq = interrupt;
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

/// The bytes of memory available to a new allocation, where the system
/// says (Linux's `MemAvailable`); None elsewhere.
pub fn memory_available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Refuse a result of `count` values of `bytes_each` bytes that cannot fit
/// in the available memory, naming the argument that asks for it.
pub fn check_result_size(count: Option<usize>, bytes_each: usize, arg: &str, what: &str) -> PyResult<()> {
    let bytes = count.and_then(|c| c.checked_mul(bytes_each)).map(|b| b as u64);
    match (bytes, memory_available()) {
        (None, _) => Err(PyValueError::new_err(format!("{arg}: {what} would not fit in the address space"))),
        (Some(b), Some(avail)) if b > avail => Err(PyValueError::new_err(format!(
            "{arg}: {what} needs {b} bytes, more than the {avail} bytes of memory available"
        ))),
        _ => Ok(()),
    }
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
