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

/// The columns of some variables, with each column's minimum and range.
struct Columns<'a> {
    cols: Vec<Column<'a>>,
    mins: Vec<i64>,
    sizes: Vec<u128>,
}

/// Each variable's columns and their ranges, computed once for all terms.
fn columns<'a>(vars: &[Symbols<'a>], irq: &Interrupt) -> Result<Vec<Columns<'a>>> {
    vars.iter()
        .map(|s| {
            let cols: Vec<Column<'a>> = (0..s.d).map(|j| Column { data: s.data, stride: s.d, offset: j }).collect();
            let (mins, sizes) = cols
                .iter()
                .map(|&c| counting::column_range(c, s.n, irq))
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .unzip();
            Ok(Columns { cols, mins, sizes })
        })
        .collect()
}

fn gather<'a>(per_var: &[Columns<'a>], term: &[usize]) -> Columns<'a> {
    let mut out = Columns { cols: Vec::new(), mins: Vec::new(), sizes: Vec::new() };
    for &v in term {
        out.cols.extend(&per_var[v].cols);
        out.mins.extend(&per_var[v].mins);
        out.sizes.extend(&per_var[v].sizes);
    }
    out
}

/// A direct histogram kept for the terms whose variables it covers: they
/// are its marginals, summed from its bins instead of counted again.
struct Shared {
    vars: Vec<usize>,
    blocks: Vec<usize>,
    hist: Vec<u32>,
}

/// The histogram worth sharing: the term with the most variables whose
/// direct histogram is small next to the sample and covers another term.
fn shared(per_var: &[Columns<'_>], terms: &[Term], lengths: &[usize], irq: &Interrupt) -> Result<Option<Shared>> {
    let covers = |a: &Term, b: &Term| b.vars.len() < a.vars.len() && b.vars.iter().all(|v| a.vars.contains(v));
    let best = terms
        .iter()
        .zip(lengths)
        .filter(|&(t, &n)| {
            let c = gather(per_var, &t.vars);
            n > 0
                && distinct(&t.vars)
                && counting::is_dense(&c.sizes, n)
                && counting::total_range(&c.sizes) <= (n as u128 / 2).max(1 << 12)
                && terms.iter().any(|u| covers(t, u))
        })
        .max_by_key(|(t, _)| t.vars.len());
    let Some((t, &n)) = best else { return Ok(None) };
    let c = gather(per_var, &t.vars);
    let hist = counting::histogram(&c.cols, &c.mins, &c.sizes, n, irq)?;
    let blocks = t.vars.iter().map(|&v| counting::total_range(&per_var[v].sizes) as usize).collect();
    Ok(Some(Shared { vars: t.vars.clone(), blocks, hist }))
}

/// The count profile of a term's joint symbols.
pub fn profile(vars: &[Symbols<'_>], term: &[usize], irq: &Interrupt) -> Result<Profile> {
    let n = check_vars(vars, term)?;
    let per_var = columns(vars, irq)?;
    let c = gather(&per_var, term);
    counting::profile(&c.cols, &c.mins, &c.sizes, n, irq)
}

/// The common length of the variables of a term.
fn check_vars(vars: &[Symbols<'_>], term: &[usize]) -> Result<usize> {
    let mut n = None;
    for &v in term {
        let s = vars.get(v).ok_or_else(|| Error::Internal(format!("term names variable {v} of {}", vars.len())))?;
        if *n.get_or_insert(s.n) != s.n {
            return Err(Error::invalid("data", "variables of different lengths"));
        }
    }
    n.ok_or_else(|| Error::Internal("a term without variables".into()))
}

fn distinct(v: &[usize]) -> bool {
    v.iter().enumerate().all(|(i, a)| !v[..i].contains(a))
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
    let lengths = terms.iter().map(|t| check_vars(vars, &t.vars)).collect::<Result<Vec<usize>>>()?;
    let per_var = columns(vars, irq)?;
    let share = shared(&per_var, terms, &lengths, irq)?;
    let mut out = Vec::with_capacity(terms.len());
    for (t, &n) in terms.iter().zip(&lengths) {
        let p = match &share {
            Some(s) if t.vars.iter().all(|v| s.vars.contains(v)) && distinct(&t.vars) => {
                let keep: Vec<bool> = s.vars.iter().map(|v| t.vars.contains(v)).collect();
                if keep.iter().all(|&k| k) {
                    counting::histogram_profile(&s.hist)
                } else {
                    counting::histogram_profile(&counting::marginal(&s.hist, &s.blocks, &keep))
                }
            }
            _ => {
                let c = gather(&per_var, &t.vars);
                counting::profile(&c.cols, &c.mins, &c.sizes, n, irq)?
            }
        };
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
        let h = estimators::entropy(&p, est, k) + 0.0;
        if !h.is_finite() {
            return Err(Error::Internal(format!("{est:?} entropy of {} is not finite", t.name)));
        }
        out.push(h);
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
