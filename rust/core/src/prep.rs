//! Preprocessing shared by the k-NN estimators: JIDT's normalisation (each
//! column to zero mean and unit sample variance) and seeded Gaussian noise
//! that breaks ties between repeated values.
//!
//! Both run in parallel over fixed blocks of rows, and every block draws its
//! noise from its own stream, keyed by (seed, stream, column, block): the
//! numbers are the same for any number of threads. Column means and
//! variances are sums of per-block partial sums added in block order, so
//! they do not depend on scheduling either.
//!
//! The normal deviates come from the ziggurat method of G. Marsaglia and
//! W. W. Tsang, "The ziggurat method for generating random variables",
//! J. Stat. Softw. 5(8) (2000), with 128 layers, its tables computed here
//! from the paper's recurrence.

use crate::te::SplitMix64;
use crate::{Error, Result};
use rayon::prelude::*;
use std::sync::OnceLock;

/// Rows per block: the unit of parallel work and of noise streams.
const ROWS: usize = 4096;

struct Ziggurat {
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

fn tables() -> &'static Ziggurat {
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
fn standard_normal(rng: &mut SplitMix64, z: &Ziggurat) -> f64 {
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

/// Fill `out` with the standard normal noise of (seed, stream) for a
/// (n, d) row-major array: the same numbers [`preprocess`] adds.
pub fn noise(out: &mut [f64], d: usize, seed: u64, stream: u64) {
    let z = tables();
    out.par_chunks_mut(ROWS * d.max(1)).enumerate().for_each(|(b, block)| {
        for c in 0..d {
            let mut rng = SplitMix64::new(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15), ((c as u64) << 40) | b as u64);
            for v in block.iter_mut().skip(c).step_by(d) {
                *v = standard_normal(&mut rng, z);
            }
        }
    });
}

/// Per-column sums of `f(column, value)`, summed per block of rows and then
/// in block order (the same total for any thread count).
fn column_sums<F: Fn(usize, f64) -> f64 + Sync>(data: &[f64], d: usize, f: F) -> Vec<f64> {
    let parts: Vec<Vec<f64>> = data
        .par_chunks(ROWS * d)
        .map(|block| {
            let mut s = vec![0.0; d];
            if d == 1 {
                s[0] = block.iter().map(|&v| f(0, v)).sum();
            } else {
                for row in block.chunks_exact(d) {
                    for (c, (acc, &v)) in s.iter_mut().zip(row).enumerate() {
                        *acc += f(c, v);
                    }
                }
            }
            s
        })
        .collect();
    let mut tot = vec![0.0; d];
    for p in parts {
        for (t, v) in tot.iter_mut().zip(p) {
            *t += v;
        }
    }
    tot
}

/// Column means and sample standard deviations (ddof = 1), two passes.
fn column_stats(data: &[f64], n: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
    let mean: Vec<f64> = column_sums(data, d, |_, v| v).into_iter().map(|s| s / n as f64).collect();
    let std: Vec<f64> = if n < 2 {
        vec![0.0; d]
    } else {
        let m = &mean;
        column_sums(data, d, |c, v| (v - m[c]) * (v - m[c])).into_iter().map(|s| (s / (n - 1) as f64).sqrt()).collect()
    };
    (mean, std)
}

/// Preprocess a (n, d) row-major array in place: with `normalize`, each
/// column becomes (v − mean) / std (ddof = 1; a constant column is only
/// centred); with `noise > 0`, N(0, 1) noise times `noise` times the
/// column's standard deviation (1 after normalisation) is added, drawn from
/// stream (`seed`, `stream`).
pub fn preprocess(data: &mut [f64], n: usize, d: usize, normalize: bool, noise_level: f64, seed: u64, stream: u64) -> Result<()> {
    if data.len() != n * d || d == 0 {
        return Err(Error::invalid("x", format!("buffer of {} values cannot hold {n} x {d}", data.len())));
    }
    if !(noise_level >= 0.0 && noise_level.is_finite()) {
        return Err(Error::invalid("noise", "must be a finite non-negative number"));
    }
    let (mean, std) = if normalize || noise_level > 0.0 { column_stats(data, n, d) } else { (vec![0.0; d], vec![0.0; d]) };
    let shift: Vec<f64> = if normalize { mean } else { vec![0.0; d] };
    let div: Vec<f64> = if normalize { std.iter().map(|&s| if s > 0.0 { s } else { 1.0 }).collect() } else { vec![1.0; d] };
    let amp: Vec<f64> = (0..d)
        .map(|c| {
            let s = if normalize || n < 2 { 1.0 } else if std[c] > 0.0 { std[c] } else { 1.0 };
            noise_level * s
        })
        .collect();
    let z = tables();
    data.par_chunks_mut(ROWS * d).enumerate().for_each(|(b, block)| {
        for c in 0..d {
            let mut rng = SplitMix64::new(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15), ((c as u64) << 40) | b as u64);
            let (sh, dv, am) = (shift[c], div[c], amp[c]);
            for v in block.iter_mut().skip(c).step_by(d) {
                let mut t = *v;
                if normalize {
                    t = (t - sh) / dv;
                }
                if noise_level > 0.0 {
                    t += am * standard_normal(&mut rng, z);
                }
                *v = t;
            }
        }
    });
    Ok(())
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

    #[test]
    fn normalises_and_is_thread_independent() {
        let n = 10_000;
        let d = 3;
        let base: Vec<f64> = (0..n * d).map(|i| ((i * 7919) % 1013) as f64 * 0.5 + 3.0).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut a = base.clone();
            pool.install(|| preprocess(&mut a, n, d, true, 1e-8, 42, 1)).unwrap();
            a
        };
        let (a, b) = (run(1), run(3));
        assert_eq!(a, b);
        for c in 0..d {
            let col: Vec<f64> = (0..n).map(|i| a[i * d + c]).collect();
            let m = col.iter().sum::<f64>() / n as f64;
            let s = (col.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64).sqrt();
            assert!(m.abs() < 1e-9 && (s - 1.0).abs() < 1e-9, "column {c}: mean {m} std {s}");
        }
        // the noise of another stream or seed differs
        let mut c = base.clone();
        preprocess(&mut c, n, d, true, 1e-8, 42, 2).unwrap();
        assert_ne!(a, c);
        // no noise, no normalisation: untouched
        let mut e = base.clone();
        preprocess(&mut e, n, d, false, 0.0, 42, 1).unwrap();
        assert_eq!(e, base);
    }
}
