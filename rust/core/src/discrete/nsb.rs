//! The NSB estimator (Nemenman, Shafee & Bialek 2002): the posterior mean of
//! the entropy under a mixture of symmetric Dirichlet priors Dir(β) whose
//! mixing density makes the prior on the entropy flat,
//!
//!   Ĥ = ∫ dξ ρ(ξ | n) ⟨H⟩_β(ξ) / ∫ dξ ρ(ξ | n),   ξ(β) = ψ(Kβ + 1) − ψ(β + 1),
//!
//! with the evidence ρ(β) = Γ(Kβ)/Γ(N + Kβ) Π_i Γ(n_i + β)/Γ(β) (all K
//! cells; unseen ones contribute 1) and the posterior mean entropy at fixed β
//!
//!   ⟨H⟩_β = ψ(N + Kβ + 1) − Σ_i (n_i + β)/(N + Kβ) ψ(n_i + β + 1)
//!
//! (Wolpert & Wolf 1995). Both integrals run over β ∈ (0, ∞) in t = ln β,
//! dξ = ξ'(β) β dt, by adaptive Gauss–Kronrod (7/15) quadrature on panels
//! laid out around the posterior's mode and its width, until the weights
//! fall below e⁻⁶⁰ of the peak on both sides.

use super::counting::Profile;
use crate::special::digamma;

/// ln Γ(x + a) − ln Γ(x) for x > 0, a ≥ 0, without the cancellation of two
/// large ln Γ values: Stirling's series for x ≥ 10, the recurrence below.
pub(crate) fn ln_gamma_ratio(x: f64, a: f64) -> f64 {
    if a == 0.0 {
        return 0.0;
    }
    if x < 10.0 {
        // Γ(x + a)/Γ(x) = [Γ(x + m + a)/Γ(x + m)] Π_{j<m} (x + j)/(x + a + j)
        let m = (10.0 - x).ceil();
        let mut prod = 1.0;
        let mut j = 0.0;
        while j < m {
            prod *= (x + a + j) / (x + j);
            j += 1.0;
        }
        return ln_gamma_ratio(x + m, a) - prod.ln();
    }
    let b = x + a;
    (x - 0.5) * (a / x).ln_1p() + a * b.ln() - a + stirling_tail(b) - stirling_tail(x)
}

/// ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π] for x ≥ 10 (error < 1e-17 there).
fn stirling_tail(x: f64) -> f64 {
    let r = 1.0 / x;
    let r2 = r * r;
    r * (1.0 / 12.0
        - r2 * (1.0 / 360.0
            - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 * (1.0 / 1188.0 - r2 * (691.0 / 360360.0 - r2 / 156.0))))))
}

/// ψ₁(x) − 1/x for x > 0 (trigamma less its leading term).
pub(crate) fn trigamma_tail(mut x: f64) -> f64 {
    let x0 = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let r = 1.0 / x;
    let r2 = r * r;
    // ψ₁(x) = 1/x + 1/(2x²) + Σ B₂ₖ/x^(2k+1)
    let series = r2
        * (0.5
            + r * (1.0 / 6.0
                - r2 * (1.0 / 30.0
                    - r2 * (1.0 / 42.0
                        - r2 * (1.0 / 30.0 - r2 * (5.0 / 66.0 - r2 * (691.0 / 2730.0 - r2 * 7.0 / 6.0)))))));
    // ψ₁(x0) = acc + 1/x + series; subtract 1/x0
    acc + (r - 1.0 / x0) + series
}

/// dξ/dβ = K ψ₁(Kβ + 1) − ψ₁(β + 1), written so the leading 1/β terms
/// cancel exactly: K/(Kβ+1) − 1/(β+1) = (K − 1)/((Kβ+1)(β+1)).
fn dxi(beta: f64, k: f64) -> f64 {
    let (x1, x2) = (k * beta + 1.0, beta + 1.0);
    (k - 1.0) / (x1 * x2) + k * trigamma_tail(x1) - trigamma_tail(x2)
}

struct Posterior<'a> {
    p: &'a Profile,
    k: f64,
    n: f64,
    unseen: f64,
}

impl Posterior<'_> {
    /// ln of the integrand's weight in t = ln β: ln ξ'(β) + ln β + ln ρ(β).
    fn log_weight(&self, t: f64) -> f64 {
        let beta = t.exp();
        let d = dxi(beta, self.k);
        // NaN fails d > 0 too
        if d.is_nan() || d <= 0.0 || !beta.is_finite() || beta == 0.0 {
            return f64::NEG_INFINITY;
        }
        let mut ln_rho = -ln_gamma_ratio(self.k * beta, self.n);
        for &(c, m) in &self.p.classes {
            ln_rho += m as f64 * ln_gamma_ratio(beta, c as f64);
        }
        d.ln() + t + ln_rho
    }

    /// ⟨H⟩ at β: the posterior mean entropy under Dir(n + β).
    fn mean_entropy(&self, t: f64) -> f64 {
        let beta = t.exp();
        let total = self.n + self.k * beta;
        let mut s = self.unseen * beta * digamma(beta + 1.0);
        for &(c, m) in &self.p.classes {
            let a = c as f64 + beta;
            s += m as f64 * a * digamma(a + 1.0);
        }
        digamma(total + 1.0) - s / total
    }
}

const T_MIN: f64 = -200.0;
const T_MAX: f64 = 200.0;
/// The mode is looked for in t ∈ [-SCAN, SCAN] (β from 1e-26 to 1e26).
const SCAN: f64 = 60.0;
/// Weights below e^-DROP of the peak are left out.
const DROP: f64 = 60.0;

/// Argmax of f on [lo, hi] by golden-section search (f unimodal there).
fn golden_max(f: &impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let (mut a, mut b) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut fa, mut fb) = (f(a), f(b));
    for _ in 0..200 {
        if hi - lo < 1e-12 * (1.0 + lo.abs()) {
            break;
        }
        if fa >= fb {
            hi = b;
            b = a;
            fb = fa;
            a = hi - g * (hi - lo);
            fa = f(a);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + g * (hi - lo);
            fb = f(b);
        }
    }
    0.5 * (lo + hi)
}

// Gauss–Kronrod 7/15 abscissae and weights on [-1, 1] (Kronrod nodes
// descending to 0; the Gauss nodes are the odd-indexed ones and 0).
const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_8,
];
const WG: [f64; 4] =
    [0.129_484_966_168_869_7, 0.279_705_391_489_276_7, 0.381_830_050_505_118_9, 0.417_959_183_673_469_4];

/// (Kronrod estimate, |Kronrod − Gauss|) of ∫ f on [a, b] for a pair of
/// integrands evaluated together.
fn gk15(f: &impl Fn(f64) -> (f64, f64), a: f64, b: f64) -> ([f64; 2], f64) {
    let (c, h) = (0.5 * (a + b), 0.5 * (b - a));
    let mut k = [0.0; 2];
    let mut g = [0.0; 2];
    for i in 0..8 {
        let pts: &[f64] = if i == 7 { &[0.0] } else { &[-1.0, 1.0] };
        for &s in pts {
            let (u, v) = f(c + s * h * XGK[i]);
            k[0] += WGK[i] * u;
            k[1] += WGK[i] * v;
            if i % 2 == 1 {
                g[0] += WG[i / 2] * u;
                g[1] += WG[i / 2] * v;
            }
        }
    }
    let err = h * ((k[0] - g[0]).abs() + (k[1] - g[1]).abs());
    ([h * k[0], h * k[1]], err)
}

/// Adaptive quadrature of a pair of integrands over the given panels:
/// the panel with the largest error is halved until the total error is
/// below `rel` of the integrals' magnitude.
fn integrate(f: &impl Fn(f64) -> (f64, f64), edges: &[f64], rel: f64) -> [f64; 2] {
    let mut panels: Vec<(f64, f64, [f64; 2], f64)> = edges
        .windows(2)
        .map(|w| {
            let (v, e) = gk15(f, w[0], w[1]);
            (w[0], w[1], v, e)
        })
        .collect();
    for _ in 0..1000 {
        let total: [f64; 2] = panels.iter().fold([0.0, 0.0], |s, p| [s[0] + p.2[0], s[1] + p.2[1]]);
        let err: f64 = panels.iter().map(|p| p.3).sum();
        if err <= rel * (total[0].abs() + total[1].abs()) {
            break;
        }
        let (worst, _) = panels.iter().enumerate().fold((0, -1.0), |b, (i, p)| if p.3 > b.1 { (i, p.3) } else { b });
        let (a, b, _, _) = panels.swap_remove(worst);
        let m = 0.5 * (a + b);
        for (x, y) in [(a, m), (m, b)] {
            let (v, e) = gk15(f, x, y);
            panels.push((x, y, v, e));
        }
    }
    // sum in position order, so the result does not depend on the order of refinement
    panels.sort_by(|p, q| p.0.total_cmp(&q.0));
    panels.iter().fold([0.0, 0.0], |s, p| [s[0] + p.2[0], s[1] + p.2[1]])
}

/// The NSB estimate in nats for alphabet size `k` ≥ the observed symbols.
pub fn entropy(p: &Profile, k: f64) -> f64 {
    if k <= 1.0 || p.n == 0 {
        return 0.0;
    }
    let post = Posterior { p, k, n: p.n as f64, unseen: k - p.observed() as f64 };
    let lw = |t: f64| post.log_weight(t);
    // the mode: a coarse scan, then golden section around the best point
    let step = 0.5;
    let mut best = (T_MIN, f64::NEG_INFINITY);
    let mut t = -SCAN;
    while t <= SCAN {
        let v = lw(t);
        if v > best.1 {
            best = (t, v);
        }
        t += step;
    }
    let mode = golden_max(&lw, (best.0 - step).max(T_MIN), (best.0 + step).min(T_MAX));
    let peak = lw(mode).max(best.1);
    // the width from the curvature at the mode
    let h = 1e-3;
    let curv = (lw(mode + h) - 2.0 * lw(mode) + lw(mode - h)) / (h * h);
    let sigma = if curv < 0.0 { (1.0 / -curv).sqrt().clamp(1e-6, 1.0) } else { 1.0 };
    // panel edges at mode ± σ 2^j until the weight has dropped by e^-DROP
    let mut right = vec![mode];
    let mut w = sigma / 2.0;
    while *right.last().unwrap_or(&mode) < T_MAX {
        let e = (mode + w).min(T_MAX);
        right.push(e);
        if lw(e) < peak - DROP {
            break;
        }
        w *= 2.0;
    }
    let mut left = vec![];
    let mut w = sigma / 2.0;
    loop {
        let e = (mode - w).max(T_MIN);
        left.push(e);
        if lw(e) < peak - DROP || e <= T_MIN {
            break;
        }
        w *= 2.0;
    }
    left.reverse();
    left.extend(right);
    let f = |t: f64| {
        let w = (lw(t) - peak).exp();
        if w == 0.0 {
            (0.0, 0.0)
        } else {
            (w, w * post.mean_entropy(t))
        }
    };
    // ln ρ is a sum of terms as large as N ln N, which sets the rounding
    // noise of the weights, and so the accuracy the quadrature can reach
    let beta = mode.exp();
    let scale = ln_gamma_ratio(k * beta, post.n).abs()
        + p.classes.iter().map(|&(c, m)| m as f64 * ln_gamma_ratio(beta, c as f64).abs()).sum::<f64>();
    let rel = (1e-15 * scale).max(1e-13);
    let [den, num] = integrate(&f, &left, rel);
    if den > 0.0 {
        num / den
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::ln_gamma;

    #[test]
    fn gauss_kronrod_rules_are_exact_for_polynomials() {
        let f = |x: f64| (x.powi(22), x.powi(12));
        let (v, _) = gk15(&f, -1.0, 1.0);
        assert!((v[0] - 2.0 / 23.0).abs() < 1e-14);
        assert!((v[1] - 2.0 / 13.0).abs() < 1e-14);
        // the 7-point rule alone is exact to degree 13: no error reported
        let (_, e) = gk15(&|x: f64| (x.powi(12), 0.0), -1.0, 1.0);
        assert!(e < 1e-14);
        let v = integrate(&|x: f64| (x.exp(), x.sin()), &[0.0, 1.0, 3.0], 1e-14);
        assert!((v[0] - (3f64.exp() - 1.0)).abs() < 1e-12);
        assert!((v[1] - (1.0 - 3f64.cos())).abs() < 1e-13);
    }

    #[test]
    fn ln_gamma_ratio_matches_ln_gamma() {
        for &(x, a) in &[(0.3, 2.0), (1e-6, 5.0), (12.5, 0.7), (3.0, 100.0), (50.0, 1e4)] {
            let want = ln_gamma(x + a) - ln_gamma(x);
            assert!((ln_gamma_ratio(x, a) - want).abs() < 1e-11 * want.abs().max(1.0), "{x} {a}");
        }
        // far beyond where the difference of two ln Γ values keeps any digit
        let (x, a): (f64, f64) = (1e20, 3.0);
        let want = (x * (x + 1.0) * (x + 2.0)).ln();
        assert!((ln_gamma_ratio(x, a) - want).abs() < 1e-12 * want);
    }

    #[test]
    fn trigamma_known_values() {
        let pi2_6 = std::f64::consts::PI.powi(2) / 6.0;
        assert!((trigamma_tail(1.0) + 1.0 - pi2_6).abs() < 1e-14);
        // ψ₁(1/2) = π²/2
        assert!((trigamma_tail(0.5) + 2.0 - 3.0 * pi2_6).abs() < 1e-13);
        // ψ₁(x) ~ 1/x + 1/(2x²) + 1/(6x³) - 1/(30x⁵)
        let x: f64 = 1e4;
        let want = 0.5 / x.powi(2) + 1.0 / (6.0 * x.powi(3)) - 1.0 / (30.0 * x.powi(5));
        assert!((trigamma_tail(x) - want).abs() < 1e-14 * want);
    }

    #[test]
    fn dxi_matches_the_difference_of_trigammas() {
        for &beta in &[1e-3, 0.5, 3.0, 40.0] {
            let k = 7.0;
            let psi1 = |x: f64| trigamma_tail(x) + 1.0 / x;
            let want = k * psi1(k * beta + 1.0) - psi1(beta + 1.0);
            assert!((dxi(beta, k) - want).abs() < 1e-12 * want.abs());
        }
    }
}
