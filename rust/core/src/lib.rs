//! infoflux-core: the algorithms behind infoflux, in pure Rust (no Python).
//!
//! The public modules are the estimator families:
//!
//! - [`knn`]: k-NN estimators (KSG mutual information, Frenzel–Pompe
//!   conditional mutual information, Kozachenko–Leonenko entropy);
//! - [`te`]: transfer entropy on embedded blocks, with surrogate tests;
//! - [`mec`]: minimum-entropy couplings and their lower bounds;
//! - [`markov`]: Markov-chain subset selection;
//! - [`prep`]: normalisation and tie-breaking noise;
//! - [`ross`]: Ross's (2014) discrete–continuous mutual information;
//! - [`mixed`]: the mixed KSG of Gao et al. (2017) for discrete–continuous mixtures;
//!
//! beside [`error`] and [`random`] (the seeded streams behind surrogates and
//! noise). The neighbour-search structures live in the private `search`
//! module, which knows nothing of the families; `tests/module_graph.rs`
//! keeps the module graph acyclic.
//!
//! Every long computation takes an [`Interrupt`] so the bindings can stop it
//! on Ctrl-C, and runs on the rayon pool of the caller, so `pool.install(..)`
//! decides the thread count. Results never depend on the number of threads:
//! work is split into per-sample values that are reduced in a fixed order.

pub mod discrete;
pub mod error;
pub mod knn;
pub mod lnc;
pub mod markov;
pub mod mec;
pub mod mixed;
pub mod prep;
pub mod random;
pub mod ross;
pub(crate) mod search;
pub mod select;
pub(crate) mod special;
pub mod te;

pub use error::{Error, Interrupt, Result};

/// Helpers shared by the unit tests.
#[cfg(test)]
pub(crate) mod testing {
    /// A uniform draw in [0, 1) from a 64-bit LCG (Knuth's MMIX constants):
    /// reproducible test data without a dependency.
    pub fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((*seed >> 11) as f64) / ((1u64 << 53) as f64)
    }
}

/// A borrowed row-major matrix of `n` samples by `d` columns.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    pub data: &'a [f64],
    pub n: usize,
    pub d: usize,
}

impl<'a> MatRef<'a> {
    pub fn new(data: &'a [f64], n: usize, d: usize) -> Result<Self> {
        if data.len() != n * d {
            return Err(Error::invalid("data", format!("buffer of {} values cannot hold {n} x {d}", data.len())));
        }
        Ok(Self { data, n, d })
    }
    #[inline]
    pub fn row(&self, i: usize) -> &'a [f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }
}

/// Sum in a fixed order (pairwise, like NumPy) so the total does not depend on
/// how the per-sample values were scheduled across threads.
pub fn fixed_order_sum(v: &[f64]) -> f64 {
    if v.len() <= 128 {
        return v.iter().sum();
    }
    let mid = v.len() / 2;
    fixed_order_sum(&v[..mid]) + fixed_order_sum(&v[mid..])
}

pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        fixed_order_sum(v) / v.len() as f64
    }
}
