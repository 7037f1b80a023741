use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Everything that can go wrong in the core. The bindings map
/// `InvalidArgument` to `ValueError`, `Cancelled` to `KeyboardInterrupt` and
/// `Internal` to `RuntimeError`.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A caller error, naming the offending argument.
    InvalidArgument { arg: String, msg: String },
    /// The computation was stopped through its [`Interrupt`].
    Cancelled,
    /// A broken invariant inside the core (a bug, reported instead of a panic).
    Internal(String),
}

impl Error {
    pub fn invalid(arg: &str, msg: impl Into<String>) -> Self {
        Error::InvalidArgument { arg: arg.to_string(), msg: msg.into() }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::InvalidArgument { arg, msg } => write!(f, "{arg}: {msg}"),
            Error::Cancelled => write!(f, "computation interrupted"),
            Error::Internal(m) => write!(f, "internal error in infoflux-core: {m}"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// A flag the bindings raise when Python receives a signal; long loops check
/// it between chunks of work and return [`Error::Cancelled`].
///
/// It also tallies the k-NN queries whose k-th neighbour distance is zero
/// (exact ties in the joint space, where the KSG estimators are undefined),
/// and the queries made: the estimators count them in their radius pass,
/// and the bindings report the tally (a `RuntimeWarning`).
#[derive(Debug, Default)]
pub struct Interrupt {
    raised: AtomicBool,
    zero_radii: AtomicUsize,
    queries: AtomicUsize,
}

impl Interrupt {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn raise(&self) {
        self.raised.store(true, Ordering::Relaxed);
    }
    pub fn is_raised(&self) -> bool {
        self.raised.load(Ordering::Relaxed)
    }
    pub fn check(&self) -> Result<()> {
        if self.is_raised() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
    /// Add `zero` queries with a zero k-th neighbour distance out of `queries`.
    pub fn tally_radii(&self, zero: usize, queries: usize) {
        if zero > 0 {
            self.zero_radii.fetch_add(zero, Ordering::Relaxed);
        }
        self.queries.fetch_add(queries, Ordering::Relaxed);
    }
    /// (queries with a zero k-th neighbour distance, queries) so far.
    pub fn radii_tally(&self) -> (usize, usize) {
        (self.zero_radii.load(Ordering::Relaxed), self.queries.load(Ordering::Relaxed))
    }
}
