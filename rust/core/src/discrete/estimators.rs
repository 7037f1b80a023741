//! Entropy estimators on a count profile (see [`Profile`]), in nats.
//!
//! N is the sample size, n_i the count of symbol i, K_obs the number of
//! distinct symbols seen and K the alphabet size (given, or K_obs). Every
//! sum runs over the profile's classes in ascending count order, so the
//! result is a fixed function of the counts.

use super::counting::Profile;
use super::nsb;
use crate::special::digamma;

/// Dirichlet concentration of the `Bayes` estimator: a number, 1/K
/// (Schürmann–Grassberger) or √N/K (minimax).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Alpha {
    Value(f64),
    InverseAlphabet,
    SqrtNOverAlphabet,
}

/// The discrete entropy estimators.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Estimator {
    /// Maximum likelihood: H = ln N − (1/N) Σ n_i ln n_i.
    Plugin,
    /// Miller (1955), Madow: plug-in + (K_obs − 1)/(2N).
    MillerMadow,
    /// Grassberger (2003): H = ln N − (1/N) Σ n_i G(n_i),
    /// G(n) = ψ(n) + ½(−1)ⁿ (ψ((n+1)/2) − ψ(n/2)).
    Grassberger,
    /// The form infomeasure computes: G(n) = ψ(n) + (−1)ⁿ/(n+1).
    Grassberger1988,
    /// James–Stein shrinkage towards the uniform 1/K (Hausser & Strimmer 2009).
    Shrinkage,
    /// Chao & Shen (2003): coverage-adjusted Horvitz–Thompson.
    ChaoShen,
    /// Nemenman, Shafee & Bialek (2002).
    Nsb,
    /// Plug-in of the Dirichlet posterior mean p_i = (n_i + α)/(N + Kα).
    Bayes(Alpha),
}

impl Estimator {
    /// Whether the estimator reads the alphabet size K (the others use the
    /// observed symbols only).
    pub fn uses_alphabet(&self) -> bool {
        matches!(self, Estimator::Shrinkage | Estimator::Nsb | Estimator::Bayes(_))
    }
}

/// −x ln x, with 0 ln 0 = 0.
#[inline]
fn neg_x_ln_x(x: f64) -> f64 {
    if x > 0.0 {
        -x * x.ln()
    } else {
        0.0
    }
}

fn plugin(p: &Profile) -> f64 {
    let n = p.n as f64;
    let s: f64 = p.classes.iter().map(|&(c, m)| m as f64 * (c as f64 / n) * (c as f64 / n).ln()).sum();
    -s
}

/// ln N − (1/N) Σ_classes m c G(c).
fn with_g(p: &Profile, g: impl Fn(f64) -> f64) -> f64 {
    let n = p.n as f64;
    let s: f64 = p.classes.iter().map(|&(c, m)| m as f64 * c as f64 * g(c as f64)).sum();
    n.ln() - s / n
}

fn sign(c: f64) -> f64 {
    if c % 2.0 == 0.0 {
        1.0
    } else {
        -1.0
    }
}

/// Grassberger's G(n) = ψ(n) + ½(−1)ⁿ (ψ((n+1)/2) − ψ(n/2)).
pub(crate) fn grassberger_g(c: f64) -> f64 {
    digamma(c) + 0.5 * sign(c) * (digamma((c + 1.0) / 2.0) - digamma(c / 2.0))
}

fn shrinkage(p: &Profile, k: f64) -> f64 {
    let n = p.n as f64;
    let k_obs = p.observed() as f64;
    let t = 1.0 / k;
    let lambda = if p.n <= 1 {
        1.0
    } else {
        // Σ var(u_i) over the cells, and the squared distance to the target
        // (unseen cells: u = 0, at distance t each)
        let var: f64 =
            p.classes.iter().map(|&(c, m)| m as f64 * (c as f64 / n) * (1.0 - c as f64 / n)).sum::<f64>() / (n - 1.0);
        let msp: f64 =
            p.classes.iter().map(|&(c, m)| m as f64 * (t - c as f64 / n).powi(2)).sum::<f64>() + (k - k_obs) * t * t;
        if msp == 0.0 {
            1.0
        } else {
            (var / msp).clamp(0.0, 1.0)
        }
    };
    let seen: f64 =
        p.classes.iter().map(|&(c, m)| m as f64 * neg_x_ln_x(lambda * t + (1.0 - lambda) * c as f64 / n)).sum();
    seen + (k - k_obs) * neg_x_ln_x(lambda * t)
}

fn chao_shen(p: &Profile) -> f64 {
    let n = p.n as f64;
    let mut f1 = p.classes.first().filter(|&&(c, _)| c == 1).map_or(0, |&(_, m)| m);
    if f1 == p.n {
        // all singletons: coverage 1 − f1/N would be 0
        f1 -= 1;
    }
    let coverage = 1.0 - f1 as f64 / n;
    p.classes
        .iter()
        .map(|&(c, m)| {
            let pa = coverage * c as f64 / n;
            let seen = 1.0 - (1.0 - pa).powf(n);
            m as f64 * neg_x_ln_x(pa) / seen
        })
        .sum()
}

fn bayes(p: &Profile, k: f64, alpha: Alpha) -> f64 {
    let n = p.n as f64;
    let a = match alpha {
        Alpha::Value(a) => a,
        Alpha::InverseAlphabet => 1.0 / k,
        Alpha::SqrtNOverAlphabet => n.sqrt() / k,
    };
    let w = n + k * a;
    let seen: f64 = p.classes.iter().map(|&(c, m)| m as f64 * neg_x_ln_x((c as f64 + a) / w)).sum();
    seen + (k - p.observed() as f64) * neg_x_ln_x(a / w)
}

/// The estimate in nats of a non-empty profile; `k` is the alphabet size
/// (at least the observed number of symbols) for the estimators that use it.
pub fn entropy(p: &Profile, est: Estimator, k: f64) -> f64 {
    match est {
        Estimator::Plugin => plugin(p),
        Estimator::MillerMadow => plugin(p) + (p.observed() as f64 - 1.0) / (2.0 * p.n as f64),
        Estimator::Grassberger => with_g(p, grassberger_g),
        Estimator::Grassberger1988 => with_g(p, |c| digamma(c) + sign(c) / (c + 1.0)),
        Estimator::Shrinkage => shrinkage(p, k),
        Estimator::ChaoShen => chao_shen(p),
        Estimator::Nsb => nsb::entropy(p, k),
        Estimator::Bayes(a) => bayes(p, k, a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prof(counts: &[u64]) -> Profile {
        Profile::from_counts(counts)
    }

    #[test]
    fn plugin_and_miller_madow_by_hand() {
        let p = prof(&[1, 1, 2]);
        let h = -(2.0 * 0.25 * 0.25f64.ln() + 0.5 * 0.5f64.ln());
        assert!((entropy(&p, Estimator::Plugin, 3.0) - h).abs() < 1e-15);
        assert!((entropy(&p, Estimator::MillerMadow, 3.0) - (h + 2.0 / 8.0)).abs() < 1e-15);
    }

    #[test]
    fn grassberger_g_is_the_integral_form() {
        // G(n) = ψ(n) + (−1)ⁿ ∫₀¹ tⁿ⁻¹/(1+t) dt (the 2008 revision's form);
        // the integral by the midpoint rule on a fine grid
        for n in 1..12u32 {
            let m = 200_000;
            let integral: f64 = (0..m)
                .map(|i| {
                    let t = (i as f64 + 0.5) / m as f64;
                    t.powi(n as i32 - 1) / (1.0 + t)
                })
                .sum::<f64>()
                / m as f64;
            let want = digamma(n as f64) + sign(n as f64) * integral;
            assert!((grassberger_g(n as f64) - want).abs() < 1e-9, "n={n}");
        }
    }

    #[test]
    fn single_symbol_gives_zero_where_defined() {
        let p = prof(&[7]);
        for est in
            [Estimator::Plugin, Estimator::MillerMadow, Estimator::Shrinkage, Estimator::ChaoShen, Estimator::Nsb]
        {
            assert_eq!(entropy(&p, est, 1.0), 0.0, "{est:?}");
        }
    }

    #[test]
    fn bayes_counts_unseen_cells() {
        // K = 4, counts (2, 0, 0, 0), alpha = 1: p = (3/6, 1/6, 1/6, 1/6)
        let p = prof(&[2]);
        let want = -(0.5 * 0.5f64.ln() + 3.0 * (1.0 / 6.0) * (1.0f64 / 6.0).ln());
        assert!((entropy(&p, Estimator::Bayes(Alpha::Value(1.0)), 4.0) - want).abs() < 1e-15);
    }
}
