//! Random streams: SplitMix64 for integers (surrogate orders, noise
//! streams) and a ziggurat standard normal on top of it (tie-breaking noise).
//!
//! Every consumer keys a fresh generator by (seed, stream) for each unit of
//! work, so the numbers never depend on how threads are scheduled.
//!
//! The normal deviates come from the ziggurat method of G. Marsaglia and
//! W. W. Tsang, "The ziggurat method for generating random variables",
//! J. Stat. Softw. 5(8) (2000), with 128 layers, its tables computed here
//! from the paper's recurrence.

use std::sync::OnceLock;

/// SplitMix64 (G. L. Steele, D. Lea, C. H. Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014): a tiny, well-mixed
/// generator. Each unit of work (a surrogate, a block of noise) gets its own
/// stream from (seed, stream), so results do not depend on the order in
/// which threads run them.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut s = SplitMix64(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        s.next_u64();
        s
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform integer in [0, bound) (Lemire's multiply-shift; the bias is
    /// below 2⁻³² for any bound used here).
    pub fn below(&mut self, bound: usize) -> usize {
        ((self.next_u64() as u128 * bound as u128) >> 64) as usize
    }
}

pub(crate) struct Ziggurat {
    /// acceptance thresholds on the 31-bit draw, per layer
    k: [u32; 128],
    /// layer widths divided by 2^31
    w: [f64; 128],
    /// density exp(-x²/2) at each layer's edge
    f: [f64; 128],
}

/// Right edge of the base layer and the common area of the layers.
const R: f64 = 3.442_619_855_899;
const V: f64 = 9.912_563_035_262_17e-3;

pub(crate) fn tables() -> &'static Ziggurat {
    static T: OnceLock<Ziggurat> = OnceLock::new();
    T.get_or_init(|| {
        let m = 2f64.powi(31);
        let (mut k, mut w, mut f) = ([0u32; 128], [0f64; 128], [0f64; 128]);
        let mut dn = R;
        let mut tn = dn;
        let q = V / (-0.5 * dn * dn).exp();
        k[0] = ((dn / q) * m) as u32;
        k[1] = 0;
        w[0] = q / m;
        w[127] = dn / m;
        f[0] = 1.0;
        f[127] = (-0.5 * dn * dn).exp();
        for i in (1..=126).rev() {
            dn = (-2.0 * (V / dn + (-0.5 * dn * dn).exp()).ln()).sqrt();
            k[i + 1] = ((dn / tn) * m) as u32;
            tn = dn;
            f[i] = (-0.5 * dn * dn).exp();
            w[i] = dn / m;
        }
        Ziggurat { k, w, f }
    })
}

/// Uniform on (0, 1], 53 bits.
#[inline]
fn uniform(rng: &mut SplitMix64) -> f64 {
    ((rng.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
}

/// One standard normal deviate.
#[inline]
pub(crate) fn standard_normal(rng: &mut SplitMix64, z: &Ziggurat) -> f64 {
    loop {
        let hz = (rng.next_u64() >> 32) as u32 as i32;
        let iz = (hz & 127) as usize;
        let x = hz as f64 * z.w[iz];
        if hz.unsigned_abs() < z.k[iz] {
            return x; // inside the layer's rectangle: the common case
        }
        if iz == 0 {
            // the tail beyond R (Marsaglia 1964)
            loop {
                let t = -uniform(rng).ln() / R;
                let y = -uniform(rng).ln();
                if y + y >= t * t {
                    return if hz > 0 { R + t } else { -R - t };
                }
            }
        }
        if z.f[iz] + uniform(rng) * (z.f[iz - 1] - z.f[iz]) < (-0.5 * x * x).exp() {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_moments_and_tail() {
        let z = tables();
        let mut rng = SplitMix64::new(7, 0);
        let n = 400_000;
        let v: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng, z)).collect();
        let m = v.iter().sum::<f64>() / n as f64;
        let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
        let kurt = v.iter().map(|x| (x - m).powi(4)).sum::<f64>() / n as f64 / (var * var);
        assert!(m.abs() < 0.01, "mean {m}");
        assert!((var - 1.0).abs() < 0.01, "var {var}");
        assert!((kurt - 3.0).abs() < 0.05, "kurtosis {kurt}");
        // P(|Z| > 3.4426) = 5.76e-4: the tail branch is exercised and right
        let tail = v.iter().filter(|x| x.abs() > R).count() as f64 / n as f64;
        assert!((tail - 5.76e-4).abs() < 1.5e-4, "tail {tail}");
        // P(Z < -1) = 0.158655
        let below = v.iter().filter(|&&x| x < -1.0).count() as f64 / n as f64;
        assert!((below - 0.158655).abs() < 0.003, "cdf(-1) {below}");
    }
}
