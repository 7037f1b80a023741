//! Entropy estimators for discrete (integer or categorical) data, and the
//! mutual informations built from them.
//!
//! A sample is one or more [`Symbols`] matrices of the same length; an
//! entropy [`Term`] names some of them, whose rows taken together are its
//! joint symbols. [`entropies`] counts each term's joint symbols
//! ([`counting`]: a direct histogram or a sort, in parallel) and applies
//! one [`Estimator`] to the counts. Mutual information and its conditional
//! forms are sums of such entropies, formed by the caller:
//! I(X;Y) = H(X) + H(Y) − H(X,Y) and
//! I(X;Y|Z) = H(X,Z) + H(Y,Z) − H(Z) − H(X,Y,Z).
//!
//! Results are in nats and do not depend on the number of threads: counts
//! are integers, and each estimator is a sum over the count profile in a
//! fixed order.

pub mod counting;
pub mod estimators;
mod nsb;

pub use counting::{Profile, Symbols};
pub use estimators::{Alpha, Estimator};

use crate::{Error, Interrupt, Result};
use counting::Column;

/// One joint entropy to estimate: the variables (indices into the
/// `Symbols` list) whose rows form its symbols, the alphabet size of those
/// joint symbols (None: the number observed) and a name for messages.
#[derive(Clone, Debug)]
pub struct Term {
    pub vars: Vec<usize>,
    pub alphabet: Option<f64>,
    pub name: String,
}

/// The count profile of a term's joint symbols.
pub fn profile(vars: &[Symbols<'_>], term: &[usize], irq: &Interrupt) -> Result<Profile> {
    let mut cols = Vec::new();
    let mut n = None;
    for &v in term {
        let s = vars.get(v).ok_or_else(|| Error::Internal(format!("term names variable {v} of {}", vars.len())))?;
        if *n.get_or_insert(s.n) != s.n {
            return Err(Error::invalid("data", "variables of different lengths"));
        }
        cols.extend((0..s.d).map(|j| Column { data: s.data, stride: s.d, offset: j }));
    }
    let n = n.ok_or_else(|| Error::Internal("a term without variables".into()))?;
    counting::profile(&cols, n, irq)
}

fn check_estimator(est: &Estimator) -> Result<()> {
    if let Estimator::Bayes(Alpha::Value(a)) = est {
        if !(a.is_finite() && *a >= 0.0) {
            return Err(Error::invalid("alpha", format!("must be a finite number >= 0, got {a}")));
        }
    }
    Ok(())
}

/// The entropy in nats of each term, by one estimator. An alphabet smaller
/// than the number of distinct symbols seen is an error naming
/// `alphabet_size`; so is one that is not a finite number >= 1.
pub fn entropies(vars: &[Symbols<'_>], terms: &[Term], est: Estimator, irq: &Interrupt) -> Result<Vec<f64>> {
    check_estimator(&est)?;
    let mut out = Vec::with_capacity(terms.len());
    for t in terms {
        let p = profile(vars, &t.vars, irq)?;
        if p.n == 0 {
            return Err(Error::invalid("data", format!("{} is empty", t.name)));
        }
        let seen = p.observed() as f64;
        let k = match t.alphabet {
            Some(k) if !(k.is_finite() && k >= 1.0) => {
                return Err(Error::invalid("alphabet_size", format!("must be a finite number >= 1, got {k}")))
            }
            Some(k) if k < seen => {
                return Err(Error::invalid(
                    "alphabet_size",
                    format!("{} has {seen} distinct symbols, more than the alphabet of {k}", t.name),
                ))
            }
            Some(k) => k,
            None => seen,
        };
        // + 0.0 turns a -0.0 (a zero entropy written as -Σ 0) into 0.0
        out.push(estimators::entropy(&p, est, k) + 0.0);
        irq.check()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutual_information_of_a_copy_is_the_entropy() {
        let x: Vec<i64> = (0..1000).map(|i| (i * 7 % 5) as i64).collect();
        let s = Symbols::new(&x, 1000, 1).unwrap();
        let terms: Vec<Term> = [vec![0], vec![1], vec![0, 1]]
            .into_iter()
            .map(|vars| Term { vars, alphabet: None, name: "x".into() })
            .collect();
        let h = entropies(&[s, s], &terms, Estimator::Plugin, &Interrupt::new()).unwrap();
        assert!((h[0] - 5f64.ln()).abs() < 1e-12);
        assert!((h[0] + h[1] - h[2] - 5f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn a_small_alphabet_is_refused_by_name() {
        let x: Vec<i64> = vec![0, 1, 2, 2];
        let s = Symbols::new(&x, 4, 1).unwrap();
        let t = Term { vars: vec![0], alphabet: Some(2.0), name: "x".into() };
        let e = entropies(&[s], &[t], Estimator::Nsb, &Interrupt::new()).unwrap_err();
        assert!(e.to_string().starts_with("alphabet_size: x has 3"), "{e}");
    }
}
