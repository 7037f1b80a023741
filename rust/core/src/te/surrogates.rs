//! Surrogate sources (TRENTOOL's permutation, time-shift and block
//! methods), their row orders, and many sources with their surrogates
//! against one target.

use super::lists::{ListedSource, LIST_MIN_TES};
use super::single::TargetSide;
use crate::knn::{Algorithm, Exclusion};
use crate::random::SplitMix64;
use crate::search::nblists::LANES;
use crate::search::sorted::Sorted1D;
use crate::{Error, Interrupt, MatRef, Result};
use rayon::prelude::*;
use std::ops::Range;

/// How surrogate sources are made from the embedded source rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurrogateMethod {
    /// Random permutation of the source-past vectors over all rows (JIDT's
    /// `computeSignificance`): destroys every temporal relation to the target.
    Permutation,
    /// Circular shift of the source rows within each trial by a random
    /// offset in [n/10, n − n/10]: keeps the source's own dynamics.
    TimeShift,
    /// Random reordering of contiguous blocks of `block` rows within each
    /// trial: keeps dynamics shorter than a block.
    Block(usize),
}

/// Row order of one surrogate source: surrogate row `r` takes source row `perm[r]`.
pub fn surrogate_order(method: SurrogateMethod, trials: &[Range<usize>], rng: &mut SplitMix64) -> Result<Vec<u32>> {
    let n = trials.last().map_or(0, |t| t.end);
    let mut perm: Vec<u32> = (0..n as u32).collect();
    match method {
        SurrogateMethod::Permutation => {
            for i in (1..n).rev() {
                perm.swap(i, rng.below(i + 1));
            }
        }
        SurrogateMethod::TimeShift => {
            for t in trials {
                let len = t.len();
                if len < 3 {
                    return Err(Error::invalid("method", "time-shift surrogates need at least 3 samples per trial"));
                }
                let lo = (len / 10).max(1);
                let shift = lo + rng.below(len - 2 * lo + 1);
                for (r, p) in perm[t.clone()].iter_mut().enumerate() {
                    *p = (t.start + (r + shift) % len) as u32;
                }
            }
        }
        SurrogateMethod::Block(b) => {
            if b == 0 {
                return Err(Error::invalid("block_size", "must be at least 1"));
            }
            for t in trials {
                let blocks: Vec<Range<usize>> = (t.start..t.end).step_by(b).map(|s| s..(s + b).min(t.end)).collect();
                if blocks.len() < 2 {
                    return Err(Error::invalid(
                        "block_size",
                        format!("block_size={b} leaves fewer than 2 blocks in a trial of {} samples", t.len()),
                    ));
                }
                let mut order: Vec<usize> = (0..blocks.len()).collect();
                for i in (1..order.len()).rev() {
                    order.swap(i, rng.below(i + 1));
                }
                let mut r = t.start;
                for bi in order {
                    for src in blocks[bi].clone() {
                        perm[r] = src as u32;
                        r += 1;
                    }
                }
            }
        }
    }
    Ok(perm)
}

/// Row orders of `n_surrogates` surrogates, surrogate s drawn from stream
/// `first_stream + s` of `seed` (the streams `many_sources` gives source i's
/// surrogates when `first_stream = i·(S+1) + 1`): row-major (S, n), the same
/// for any thread count. The array-API backend takes its orders from here.
pub fn surrogate_orders(
    method: SurrogateMethod,
    trials: &[Range<usize>],
    n_surrogates: usize,
    seed: u64,
    first_stream: u64,
    interrupt: &Interrupt,
) -> Result<Vec<u32>> {
    let n = trials.last().map_or(0, |t| t.end);
    let mut out = vec![0u32; n_surrogates * n];
    if n == 0 {
        return Ok(out);
    }
    out.par_chunks_mut(n).enumerate().try_for_each(|(s, row)| -> Result<()> {
        interrupt.check()?;
        let mut rng = SplitMix64::new(seed, first_stream + s as u64);
        row.copy_from_slice(&surrogate_order(method, trials, &mut rng)?);
        Ok(())
    })?;
    Ok(out)
}

/// Estimates of many sources against one target, each followed by its
/// surrogate estimates: row-major (sources, S + 1).
#[derive(Clone, Debug, PartialEq)]
pub struct SourceEstimates {
    /// values per source: the estimate and its S surrogates
    pub per: usize,
    pub values: Vec<f64>,
}

impl SourceEstimates {
    /// The estimate of source `i`.
    pub fn estimate(&self, i: usize) -> f64 {
        self.values[i * self.per]
    }
    /// The surrogate estimates of source `i`.
    pub fn surrogates(&self, i: usize) -> &[f64] {
        &self.values[i * self.per + 1..(i + 1) * self.per]
    }
}

/// Estimates for many sources against one target, each with `n_surrogates`
/// surrogate estimates. Sources and surrogates run in parallel; surrogate s
/// of source i draws its order from stream (seed, i·(S+1) + s), independent
/// of scheduling. The tasks are streamed (task t is source t / (S+1),
/// surrogate t % (S+1)), so memory grows only by the result itself: a
/// result that cannot be allocated is an error naming `n_surrogates`.
#[allow(clippy::too_many_arguments)]
pub fn many_sources(
    target: &TargetSide<'_>,
    sources: &[MatRef<'_>],
    k: usize,
    algorithm: Algorithm,
    exclusion: Exclusion<'_>,
    trials: &[Range<usize>],
    n_surrogates: usize,
    method: SurrogateMethod,
    seed: u64,
    interrupt: &Interrupt,
) -> Result<SourceEstimates> {
    let too_many = || {
        Error::invalid(
            "n_surrogates",
            format!("{n_surrogates} surrogates for {} source(s) need more memory than can be allocated", sources.len()),
        )
    };
    let per = n_surrogates.checked_add(1).ok_or_else(too_many)?;
    let total = sources.len().checked_mul(per).ok_or_else(too_many)?;
    let mut values: Vec<f64> = Vec::new();
    values.try_reserve_exact(total).map_err(|_| too_many())?;
    // filled a slice at a time: a result of gigabytes takes seconds to write
    while values.len() < total {
        interrupt.check()?;
        let more = (total - values.len()).min(1 << 22);
        values.resize(values.len() + more, f64::NAN);
    }
    // each source sorted once, for itself and all its surrogates
    let sorted: Vec<Option<Vec<u32>>> = sources.par_iter().map(|x| target.source_order(*x)).collect();
    let lists = (total >= LIST_MIN_TES && sources.iter().all(|x| target.lists_apply(*x, k, algorithm, exclusion)))
        .then(|| target.neighbour_lists(interrupt))
        .transpose()?
        .flatten();
    let task = |t: usize| (t / per, t % per);
    let surrogate = |i: usize, s: usize| -> Result<Option<Vec<u32>>> {
        if s == 0 {
            return Ok(None);
        }
        let mut rng = SplitMix64::new(seed, (i * per + s) as u64);
        surrogate_order(method, trials, &mut rng).map(Some)
    };
    match &lists {
        // LANES tasks a batch, any sources: every lane is just a column
        // scanned against the same lists
        Some(l) => {
            // the sorted copies the lanes share (lists_apply: each source has an order)
            let sorted1d: Vec<Sorted1D> = sources
                .par_iter()
                .zip(&sorted)
                .map(|(x, o)| {
                    o.as_ref()
                        .map(|o| Sorted1D::from_order(x.data, o.clone()))
                        .ok_or_else(|| Error::Internal("list path without a source order".into()))
                })
                .collect::<Result<_>>()?;
            values.par_chunks_mut(LANES).enumerate().try_for_each(|(b, out)| -> Result<()> {
                interrupt.check()?;
                let batch: Vec<(usize, usize)> = (b * LANES..b * LANES + out.len()).map(task).collect();
                let orders = batch.iter().map(|&(i, s)| surrogate(i, s)).collect::<Result<Vec<_>>>()?;
                let lanes: Vec<ListedSource<'_>> = batch
                    .iter()
                    .zip(&orders)
                    .map(|(&(i, _), o)| ListedSource { x: sources[i], order: o.as_deref(), sorted: &sorted1d[i] })
                    .collect();
                let loc = target.local_values_listed_lanes(l, &lanes, k, interrupt)?;
                for (o, v) in out.iter_mut().zip(&loc) {
                    *o = crate::mean(v);
                }
                Ok(())
            })?;
        }
        None => values.par_iter_mut().enumerate().try_for_each(|(t, out)| -> Result<()> {
            interrupt.check()?;
            let (i, s) = task(t);
            let order = surrogate(i, s)?;
            let loc = target.local_values_sorted(
                sources[i],
                order.as_deref(),
                sorted[i].as_deref(),
                k,
                algorithm,
                exclusion,
                interrupt,
            )?;
            *out = crate::mean(&loc);
            Ok(())
        })?,
    }
    Ok(SourceEstimates { per, values })
}

// `&[0..n]`: the trials of a series of one trial
#[allow(clippy::single_range_in_vec_init)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogate_orders_rows_are_the_streams_orders() {
        let trials = [0..37, 37..80];
        for method in [SurrogateMethod::Permutation, SurrogateMethod::TimeShift, SurrogateMethod::Block(6)] {
            let all = surrogate_orders(method, &trials, 5, 99, 11, &Interrupt::new()).unwrap();
            for (s, row) in all.chunks(80).enumerate() {
                let one = surrogate_order(method, &trials, &mut SplitMix64::new(99, 11 + s as u64)).unwrap();
                assert_eq!(row, &one[..]);
            }
        }
    }

    #[test]
    fn surrogate_orders_are_permutations() {
        let trials = vec![0..50, 50..120];
        for method in [SurrogateMethod::Permutation, SurrogateMethod::TimeShift, SurrogateMethod::Block(7)] {
            let mut rng = SplitMix64::new(42, 3);
            let p = surrogate_order(method, &trials, &mut rng).unwrap();
            let mut sorted = p.clone();
            sorted.sort();
            assert_eq!(sorted, (0..120).collect::<Vec<u32>>());
            assert_ne!(p, (0..120).collect::<Vec<u32>>());
            if method != SurrogateMethod::Permutation {
                // rows stay inside their trial
                assert!(p[..50].iter().all(|&r| r < 50));
            }
        }
        assert!(surrogate_order(SurrogateMethod::Block(100), &trials, &mut SplitMix64::new(1, 1)).is_err());
    }

    /// A network's batches of lanes mix sources and surrogates, and some
    /// lanes answer queries past their lists by the source scan or go
    /// whole to the joint grid: every value must still be the joint grid's.
    #[test]
    fn many_sources_through_lists_equal_the_joint_grid() {
        let mut s = 17u64;
        let n = 3000;
        let z: Vec<f64> = (0..n).map(|_| crate::testing::lcg(&mut s) - 0.5).collect();
        let y: Vec<f64> = z.iter().map(|v| 0.5 * v + crate::testing::lcg(&mut s) - 0.5).collect();
        // a smooth source, a Cauchy one (6% of queries past their lists, in
        // its tails: the source scan), a fifth power (half the queries:
        // the joint grid) and a coarsely quantised one (many tied values)
        let sources: Vec<Vec<f64>> = vec![
            (0..n).map(|_| crate::testing::lcg(&mut s)).collect(),
            (0..n).map(|_| 0.05 * (std::f64::consts::PI * (crate::testing::lcg(&mut s) - 0.5)).tan()).collect(),
            (0..n).map(|_| (crate::testing::lcg(&mut s) - 0.5).powi(5) * 1e3).collect(),
            (0..n).map(|_| (crate::testing::lcg(&mut s) * 4.0).floor()).collect(),
        ];
        let (ym, zm) = (MatRef { data: &y, n, d: 1 }, MatRef { data: &z, n, d: 1 });
        let target = TargetSide::new(ym, zm).unwrap();
        let xs: Vec<MatRef<'_>> = sources.iter().map(|x| MatRef { data: x, n, d: 1 }).collect();
        let irq = Interrupt::new();
        assert!(xs.iter().all(|x| target.lists_apply(*x, 4, Algorithm::One, Exclusion::default())));
        let (surr, seed) = (12, 99);
        let got = many_sources(
            &target,
            &xs,
            4,
            Algorithm::One,
            Exclusion::default(),
            &[0..n],
            surr,
            SurrogateMethod::Permutation,
            seed,
            &irq,
        )
        .unwrap();
        for (i, x) in xs.iter().enumerate() {
            let sorted = target.source_order(*x);
            for sidx in 0..=surr {
                let order = (sidx > 0).then(|| {
                    surrogate_order(
                        SurrogateMethod::Permutation,
                        &[0..n],
                        &mut SplitMix64::new(seed, (i * (surr + 1) + sidx) as u64),
                    )
                    .unwrap()
                });
                let want = crate::mean(
                    &target
                        .local_values_sorted(
                            *x,
                            order.as_deref(),
                            sorted.as_deref(),
                            4,
                            Algorithm::One,
                            Exclusion::default(),
                            &irq,
                        )
                        .unwrap(),
                );
                let have = if sidx == 0 { got.estimate(i) } else { got.surrogates(i)[sidx - 1] };
                assert_eq!(have, want, "source {i} surrogate {sidx}");
            }
        }
    }
}
