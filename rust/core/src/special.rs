//! Special functions. The digamma is written here rather than pulled from a
//! statistics crate because the estimators need it only on positive reals and
//! parity with SciPy (`scipy.special.digamma`) to ~1e-15 is part of the
//! contract; the tests check it against known values.

/// Digamma ψ(x) for x > 0: upward recurrence to x ≥ 10, then the asymptotic
/// series ln x − 1/(2x) − Σ B₂ₙ/(2n x²ⁿ) to x⁻¹⁴ (error < 1e-17 there).
pub fn digamma(mut x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // Bernoulli terms B2n/(2n): 1/12, -1/120, 1/252, -1/240, 1/132, -691/32760, 1/12
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2 * (1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * (691.0 / 32760.0 - inv2 / 12.0))))));
    acc + x.ln() - 0.5 * inv - series
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9), used for ball volumes.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digamma_known_values() {
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < 1e-15);
        assert!((digamma(0.5) - (-euler - 2.0 * 2f64.ln())).abs() < 1e-14);
        // ψ(n+1) = H_n − γ
        let mut h = 0.0;
        for n in 1..200u32 {
            h += 1.0 / n as f64;
            let rel = (digamma(n as f64 + 1.0) - (h - euler)).abs() / (h - euler).abs().max(1.0);
            assert!(rel < 2e-15, "n={n}");
        }
        // scipy.special.digamma(1e6) = 13.815510057964274
        assert!((digamma(1e6) - 13.815510057964274).abs() < 1e-13);
        assert!(digamma(0.0).is_nan());
    }

    #[test]
    fn ln_gamma_known_values() {
        assert!(ln_gamma(1.0).abs() < 1e-13);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-13);
        assert!((ln_gamma(10.0) - 362880f64.ln()).abs() < 1e-11);
    }
}

/// ψ at the integers 1..len, precomputed with [`digamma`] itself (so values
/// are bit-identical to calling it), for the neighbour counts that every
/// sample of a k-NN estimate feeds through ψ three times.
/// ψ(m) for the integers m < 2¹⁶, computed once per process and shared by
/// every estimate (a network of TEs at n = 10⁴ would otherwise spend a few
/// percent of its time rebuilding it); larger m are computed on demand.
pub struct DigammaTable(&'static [f64]);

const TABLE_LEN: usize = 1 << 16;

impl DigammaTable {
    /// The table; `len` (the largest argument expected, plus one) is only a
    /// hint: small problems do not pay for the shared table's first build.
    pub fn new(len: usize) -> Self {
        use rayon::prelude::*;
        use std::sync::OnceLock;
        static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
        if len <= 64 {
            static SMALL: OnceLock<Vec<f64>> = OnceLock::new();
            return DigammaTable(
                SMALL.get_or_init(|| (0..64).map(|m| if m == 0 { f64::NAN } else { digamma(m as f64) }).collect()),
            );
        }
        DigammaTable(TABLE.get_or_init(|| {
            (0..TABLE_LEN)
                .into_par_iter()
                .with_min_len(4096)
                .map(|m| if m == 0 { f64::NAN } else { digamma(m as f64) })
                .collect()
        }))
    }
    /// ψ(m) for an integer m ≥ 1.
    #[inline]
    pub fn psi(&self, m: usize) -> f64 {
        match self.0.get(m) {
            Some(v) => *v,
            None => digamma(m as f64),
        }
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;
    #[test]
    fn table_matches_function() {
        let t = DigammaTable::new(100_000);
        for m in [1usize, 2, 3, 10, 1000, 65_535, 65_536, 70_000] {
            assert_eq!(t.psi(m).to_bits(), digamma(m as f64).to_bits());
        }
    }
}
