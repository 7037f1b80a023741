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
//! The normal deviates come from the ziggurat generator of [`crate::random`].

use crate::random::{standard_normal, tables, SplitMix64};
use crate::{Error, Result};
use rayon::prelude::*;

/// Rows per block: the unit of parallel work and of noise streams.
const ROWS: usize = 4096;

/// Fill `out` with the standard normal noise of (seed, stream) for a
/// (n, d) row-major array: the same numbers [`preprocess`] adds.
pub fn noise(out: &mut [f64], d: usize, seed: u64, stream: u64) {
    let z = tables();
    out.par_chunks_mut(ROWS * d.max(1)).enumerate().for_each(|(b, block)| {
        for c in 0..d {
            let mut rng =
                SplitMix64::new(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15), ((c as u64) << 40) | b as u64);
            for v in block.iter_mut().skip(c).step_by(d) {
                *v = standard_normal(&mut rng, z);
            }
        }
    });
}

/// Columns `off..off + d` of a row-major (n, stride) buffer: the part of
/// a joint matrix that one variable occupies (`stride = d`, `off = 0` for
/// the variable's own array). Every pass below reads and writes the same
/// values in the same order whatever the stride, so preprocessing a
/// variable inside a joint buffer gives the floats it gives on its own.
#[derive(Clone, Copy)]
struct Cols {
    stride: usize,
    off: usize,
    d: usize,
}

impl Cols {
    /// The values of column `c` in row order.
    fn column<'a>(&self, data: &'a [f64], c: usize) -> impl Iterator<Item = &'a f64> + 'a {
        data.iter().skip(self.off + c).step_by(self.stride)
    }
}

/// Per-column sums of `f(column, value)`, summed per block of rows and then
/// in block order (the same total for any thread count).
fn column_sums<F: Fn(usize, f64) -> f64 + Sync>(data: &[f64], cols: Cols, f: F) -> Vec<f64> {
    let Cols { stride, off, d } = cols;
    let parts: Vec<Vec<f64>> = data
        .par_chunks(ROWS * stride)
        .map(|block| {
            let mut s = vec![0.0; d];
            if d == 1 {
                s[0] = block.iter().skip(off).step_by(stride).map(|&v| f(0, v)).sum();
            } else {
                for row in block.chunks_exact(stride) {
                    for (c, (acc, &v)) in s.iter_mut().zip(&row[off..off + d]).enumerate() {
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
fn column_stats(data: &[f64], n: usize, cols: Cols) -> (Vec<f64>, Vec<f64>) {
    let mean: Vec<f64> = column_sums(data, cols, |_, v| v).into_iter().map(|s| s / n as f64).collect();
    let std: Vec<f64> = if n < 2 {
        vec![0.0; cols.d]
    } else {
        let m = &mean;
        column_sums(data, cols, |c, v| (v - m[c]) * (v - m[c]))
            .into_iter()
            .map(|s| (s / (n - 1) as f64).sqrt())
            .collect()
    };
    (mean, std)
}

/// Whether column `c` holds one value only.
fn column_constant(data: &[f64], cols: Cols, c: usize) -> bool {
    let first = data[cols.off + c];
    cols.column(data, c).all(|&v| v == first)
}

/// v 2^e, exact wherever the result is a normal float (two steps, since
/// 2^e alone may not be a float for |e| > 1023).
#[inline]
pub fn ldexp(v: f64, e: i32) -> f64 {
    let half = e / 2;
    v * 2f64.powi(half) * 2f64.powi(e - half)
}

/// Mean and standard deviation of column `c` times 2^-e, where 2^e is the
/// power of two at or below the column's largest magnitude, and -e: the
/// column's statistics computed where no square can overflow or underflow
/// (e = 0 when the column is all zeros).
fn scaled_column_stats(data: &[f64], n: usize, cols: Cols, c: usize) -> (f64, f64, i32) {
    let big = cols.column(data, c).fold(0.0f64, |m, &v| m.max(v.abs()));
    if big == 0.0 || !big.is_finite() {
        return (0.0, 0.0, 0);
    }
    let e = -exponent(big);
    let col = || cols.column(data, c).map(move |&v| ldexp(v, e));
    let mean = col().sum::<f64>() / n as f64;
    let var = col().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    (mean, var.sqrt(), e)
}

/// e with 2^e <= |v| < 2^(e+1) for a finite non-zero v (subnormals included).
pub fn exponent(v: f64) -> i32 {
    let bits = v.abs().to_bits();
    let biased = (bits >> 52) as i32;
    if biased == 0 {
        // subnormal: m 2^-1074 with the leading one of m at bit 63 - lz
        63 - bits.leading_zeros() as i32 - 1074
    } else {
        biased - 1023
    }
}

/// Smallest standard deviation trusted from the plain two-pass sums: below
/// it the squared deviations may have underflowed (lost digits).
fn smallest_plain_std() -> f64 {
    2f64.powi(-450)
}

/// Largest noise amplitude: data and noise then stay far inside the float
/// range.
fn largest_amplitude() -> f64 {
    2f64.powi(996)
}

/// Preprocess a (n, d) row-major array in place: with `normalize`, each
/// column becomes (v − mean) / std (ddof = 1; a constant column is only
/// centred); with `noise > 0`, N(0, 1) noise times `noise` times the
/// column's standard deviation (1 after normalisation) is added, drawn from
/// stream (`seed`, `stream`).
///
/// The mean and the standard deviation come from two plain passes, unless
/// those overflow or underflow (a column beyond about 1e153 or below about
/// 1e-135 in spread): such a column's statistics are computed on the
/// column scaled by a power of two, so the normalised values and the noise
/// amplitude are right at any magnitude. A noise amplitude beyond 2^996 is
/// an error naming `noise`.
pub fn preprocess(
    data: &mut [f64],
    n: usize,
    d: usize,
    normalize: bool,
    noise_level: f64,
    seed: u64,
    stream: u64,
) -> Result<()> {
    preprocess_columns(data, n, d, 0, d, normalize, noise_level, seed, stream)
}

/// [`preprocess`] of the (n, d) variable held in columns `off..off + d` of
/// the row-major (n, `stride`) buffer `data`, the other columns untouched:
/// the same floats [`preprocess`] gives for the variable's own array. It
/// lets a joint matrix be filled and preprocessed in place, without a
/// preprocessed copy of each variable beside it.
#[allow(clippy::too_many_arguments)] // preprocess's arguments and the column range
pub fn preprocess_columns(
    data: &mut [f64],
    n: usize,
    stride: usize,
    off: usize,
    d: usize,
    normalize: bool,
    noise_level: f64,
    seed: u64,
    stream: u64,
) -> Result<()> {
    if data.len() != n * stride || d == 0 || off + d > stride {
        return Err(Error::invalid(
            "x",
            format!("buffer of {} values cannot hold columns {off}..{} of {n} x {stride}", data.len(), off + d),
        ));
    }
    preprocess_cols(data, n, Cols { stride, off, d }, normalize, noise_level, seed, stream)
}

fn preprocess_cols(
    data: &mut [f64],
    n: usize,
    cols: Cols,
    normalize: bool,
    noise_level: f64,
    seed: u64,
    stream: u64,
) -> Result<()> {
    let Cols { stride, off, d } = cols;
    if !(noise_level >= 0.0 && noise_level.is_finite()) {
        return Err(Error::invalid("noise", "must be a finite non-negative number"));
    }
    let (mut mean, mut std) =
        if normalize || noise_level > 0.0 { column_stats(data, n, cols) } else { (vec![0.0; d], vec![0.0; d]) };
    // per column: the log2 of the scale its statistics are computed at (0: plain)
    let mut scale = vec![0i32; d];
    if (normalize || noise_level > 0.0) && n >= 2 {
        for c in 0..d {
            let plain = mean[c].is_finite()
                && std[c].is_finite()
                && (std[c] >= smallest_plain_std() || (std[c] == 0.0 && column_constant(data, cols, c)));
            if !plain {
                (mean[c], std[c], scale[c]) = scaled_column_stats(data, n, cols, c);
            }
        }
    }
    let shift: Vec<f64> = if normalize { mean } else { vec![0.0; d] };
    let div: Vec<f64> =
        if normalize { std.iter().map(|&s| if s > 0.0 { s } else { 1.0 }).collect() } else { vec![1.0; d] };
    let amp: Vec<f64> = (0..d)
        .map(|c| {
            let s = if normalize || n < 2 {
                1.0
            } else if std[c] > 0.0 {
                std[c]
            } else {
                1.0
            };
            // a rescaled column's spread back in its own units
            if !normalize && scale[c] != 0 && std[c] > 0.0 {
                ldexp(noise_level * s, -scale[c])
            } else {
                noise_level * s
            }
        })
        .collect();
    if noise_level > 0.0 {
        if let Some(c) = (0..d).find(|&c| !amp[c].is_finite() || amp[c] > largest_amplitude()) {
            return Err(Error::invalid(
                "noise",
                format!("noise={noise_level} times the spread of column {c} is {:e}, beyond the float64 range", amp[c]),
            ));
        }
    }
    let z = tables();
    data.par_chunks_mut(ROWS * stride).enumerate().for_each(|(b, block)| {
        for c in 0..d {
            let mut rng =
                SplitMix64::new(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15), ((c as u64) << 40) | b as u64);
            let (sh, dv, am, sc) = (shift[c], div[c], amp[c], scale[c]);
            let rescaled = normalize && sc != 0;
            for v in block.iter_mut().skip(off + c).step_by(stride) {
                let mut t = *v;
                if rescaled {
                    t = ldexp(t, sc);
                }
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
