use std::sync::atomic::{AtomicBool, Ordering};

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
#[derive(Debug, Default)]
pub struct Interrupt(AtomicBool);

impl Interrupt {
    pub fn new() -> Self {
        Self(AtomicBool::new(false))
    }
    pub fn raise(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
    pub fn check(&self) -> Result<()> {
        if self.is_raised() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}
