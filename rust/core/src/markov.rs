//! Information-theoretic quantities of multivariate Markov chains and their
//! coordinate projections.
//!
//! Reference: Z. Lai, M. C. H. Choi, "Information-theoretic subset selection
//! of multivariate Markov chains via submodular optimization",
//! arXiv:2503.23340 (2025).
//!
//! A chain lives on a product space X = X_0 × … × X_{d−1}; states are coded in
//! C order (coordinate 0 most significant, like `numpy.ravel_multi_index`).
//! With stationary π and flow F(x,y) = π(x)P(x,y), the keep-S-in chain is
//! P^(S)(a,b) = F_S(a,b)/π^(S)(a), where F_S and π^(S) are F and π summed over
//! the states whose S-coordinates are a (and b). Its entropy rate is
//! H(P^(S)) = H(F_S) − H(π^(S)), and every objective of the paper is a
//! combination of such entropies, so the core only ever needs the pair
//! (H(F_S), H(π^(S))) for sets S. No projected matrix or Kronecker product is
//! formed for that; only [`Chain::projection`] builds P^(S).
//!
//! Aggregation: the S-code of every state is computed with an odometer over
//! the mixed-radix digits (O(N), independent of |S|), states are bucketed by
//! code (counting sort), and each cell a accumulates its outgoing flow by the
//! code of the target in a sparse accumulator (Gustavson's scheme for RᵀFR
//! with R the 0/1 aggregation matrix). Cost O(N + nnz) per set, memory O(N).
//! Greedy steps refine a parent partition: the code of S ∪ {j} is
//! code_S · n_j + x_j, so candidate codes cost one pass over the parent codes.
//!
//! Determinism: work is cut into chunks whose boundaries depend only on the
//! data, each chunk sums sequentially, and chunk results are added in a fixed
//! order, so results do not depend on the number of threads.

use crate::{fixed_order_sum, Error, Interrupt, Result};
use rayon::prelude::*;

/// States per chunk when a pass runs over all states.
const STATE_CHUNK: usize = 1 << 14;
/// Target number of flow entries per chunk of cells.
const EDGE_CHUNK: usize = 1 << 16;
/// Largest coordinate size a [`Refiner`] handles (digits are bytes).
pub const MAX_REFINE_SIZE: usize = 256;

/// A validated, ergodic-enough chain with its stationary distribution.
#[derive(Debug, Clone)]
pub struct Chain {
    sizes: Vec<usize>,
    strides: Vec<usize>,
    n: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    /// F(x,y) = π(x) P(x,y), aligned with `indices`.
    flow: Vec<f64>,
    /// P(x,y), aligned with `indices` (rows sorted by column, no duplicates, no zeros).
    prob: Vec<f64>,
    pi: Vec<f64>,
    /// ‖πP − π‖₁ of the stored π.
    residual: f64,
}

/// A compressed-sparse-row matrix (rows sorted by column, no duplicates).
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    pub n_rows: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub data: Vec<f64>,
}

/// How the stationary distribution is obtained when the caller gives none.
#[derive(Debug, Clone, Copy)]
pub struct StationaryOptions {
    /// Stop when ‖πP − π‖₁ falls below this.
    pub tol: f64,
    pub max_iter: usize,
}

impl Default for StationaryOptions {
    fn default() -> Self {
        Self { tol: 1e-13, max_iter: 100_000 }
    }
}

fn product(sizes: &[usize]) -> Result<usize> {
    if sizes.is_empty() {
        return Err(Error::invalid("sizes", "need at least one coordinate"));
    }
    let mut n: usize = 1;
    for (i, &s) in sizes.iter().enumerate() {
        if s == 0 {
            return Err(Error::invalid("sizes", format!("coordinate {i} has size 0")));
        }
        n = n.checked_mul(s).ok_or_else(|| Error::invalid("sizes", "the product of the coordinate sizes overflows"))?;
    }
    if n > u32::MAX as usize {
        return Err(Error::invalid("sizes", format!("{n} states; at most {} are supported", u32::MAX)));
    }
    Ok(n)
}

/// Sort each row by column and merge duplicate columns, dropping zeros.
/// Returns (indptr, indices, data) of the canonical matrix.
fn canonical_rows(n: usize, indptr: &[usize], indices: &[i64], data: &[f64]) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
    let rows: Vec<Vec<(u32, f64)>> = (0..n)
        .into_par_iter()
        .with_min_len(1024)
        .map(|x| {
            let mut r: Vec<(u32, f64)> =
                (indptr[x]..indptr[x + 1]).filter(|&e| data[e] != 0.0).map(|e| (indices[e] as u32, data[e])).collect();
            r.sort_by_key(|&(c, _)| c);
            let mut out: Vec<(u32, f64)> = Vec::with_capacity(r.len());
            for (c, v) in r {
                match out.last_mut() {
                    Some(last) if last.0 == c => last.1 += v,
                    _ => out.push((c, v)),
                }
            }
            out
        })
        .collect();
    let mut ip = Vec::with_capacity(n + 1);
    ip.push(0usize);
    let nnz: usize = rows.iter().map(|r| r.len()).sum();
    let mut ind = Vec::with_capacity(nnz);
    let mut dat = Vec::with_capacity(nnz);
    for r in rows {
        for (c, v) in r {
            ind.push(c);
            dat.push(v);
        }
        ip.push(ind.len());
    }
    (ip, ind, dat)
}

/// Check a raw CSR matrix of order `n` and return it canonicalised.
/// `name` is the argument named in errors.
pub fn check_csr(
    name: &str,
    n: usize,
    indptr: &[i64],
    indices: &[i64],
    data: &[f64],
) -> Result<(Vec<usize>, Vec<u32>, Vec<f64>)> {
    if indptr.len() != n + 1 {
        return Err(Error::invalid(name, format!("indptr has {} entries, expected {}", indptr.len(), n + 1)));
    }
    if indices.len() != data.len() {
        return Err(Error::invalid(name, "indices and data differ in length"));
    }
    if indptr[0] != 0 || indptr[n] as usize != data.len() || indptr.windows(2).any(|w| w[1] < w[0]) {
        return Err(Error::invalid(name, "malformed CSR index pointer"));
    }
    if let Some(e) = indices.iter().position(|&c| c < 0 || c as usize >= n) {
        return Err(Error::invalid(name, format!("column index {} out of range for {n} states", indices[e])));
    }
    if let Some(e) = data.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(name, format!("non-finite entry {}", data[e])));
    }
    if let Some(e) = data.iter().position(|&v| v < 0.0) {
        let row = indptr.partition_point(|&p| p as usize <= e) - 1;
        return Err(Error::invalid(
            name,
            format!("negative entry {} at ({row}, {}); transition probabilities must be >= 0", data[e], indices[e]),
        ));
    }
    let ip: Vec<usize> = indptr.iter().map(|&p| p as usize).collect();
    Ok(canonical_rows(n, &ip, indices, data))
}

/// State with the largest finish time of a depth-first search over `g`
/// (CSR adjacency). It lies in a source component of g's condensation.
fn last_finished(n: usize, ip: &[usize], ind: &[u32]) -> usize {
    let mut seen = vec![false; n];
    let mut stack: Vec<(u32, usize)> = Vec::new();
    let mut last = 0usize;
    for root in 0..n {
        if seen[root] {
            continue;
        }
        seen[root] = true;
        stack.push((root as u32, ip[root]));
        while let Some(top) = stack.last_mut() {
            let v = top.0 as usize;
            if top.1 < ip[v + 1] {
                let w = ind[top.1] as usize;
                top.1 += 1;
                if !seen[w] {
                    seen[w] = true;
                    stack.push((w as u32, ip[w]));
                }
            } else {
                last = v;
                stack.pop();
            }
        }
    }
    last
}

fn transpose(n: usize, ip: &[usize], ind: &[u32]) -> (Vec<usize>, Vec<u32>) {
    let mut count = vec![0usize; n + 1];
    for &c in ind {
        count[c as usize + 1] += 1;
    }
    for i in 0..n {
        count[i + 1] += count[i];
    }
    let mut pos = count.clone();
    let mut out = vec![0u32; ind.len()];
    for x in 0..n {
        for &c in &ind[ip[x]..ip[x + 1]] {
            out[pos[c as usize]] = x as u32;
            pos[c as usize] += 1;
        }
    }
    (count, out)
}

/// A finite chain has a unique stationary distribution iff it has exactly
/// one closed communicating class, iff some state is reachable from every
/// state. Such a state, if any, lies in a sink component of the transition
/// graph, i.e. a source component of the reversed graph.
fn check_unique_stationary(n: usize, ip: &[usize], ind: &[u32]) -> Result<()> {
    let (tp, tind) = transpose(n, ip, ind);
    let r = last_finished(n, &tp, &tind);
    let mut seen = vec![false; n];
    let mut queue = vec![r as u32];
    seen[r] = true;
    let mut reached = 1usize;
    while let Some(v) = queue.pop() {
        let v = v as usize;
        for &w in &tind[tp[v]..tp[v + 1]] {
            if !seen[w as usize] {
                seen[w as usize] = true;
                reached += 1;
                queue.push(w);
            }
        }
    }
    if reached != n {
        let stuck = seen.iter().position(|s| !s).unwrap_or(0);
        return Err(Error::invalid(
            "P",
            format!(
                "the chain has more than one closed communicating class (state {stuck} cannot reach state {r}), \
                 so its stationary distribution is not unique"
            ),
        ));
    }
    Ok(())
}

fn step(n: usize, ip: &[usize], ind: &[u32], p: &[f64], pi: &[f64], out: &mut [f64]) {
    out.iter_mut().for_each(|v| *v = 0.0);
    for x in 0..n {
        let w = pi[x];
        if w == 0.0 {
            continue;
        }
        for e in ip[x]..ip[x + 1] {
            out[ind[e] as usize] += w * p[e];
        }
    }
}

fn l1(a: &[f64], b: &[f64]) -> f64 {
    let v: Vec<f64> = a.iter().zip(b).map(|(x, y)| (x - y).abs()).collect();
    fixed_order_sum(&v)
}

/// Power iteration on the lazy chain (I + P)/2, which has the same stationary
/// distribution and is aperiodic, so it converges for periodic chains too.
fn power_iteration(
    n: usize,
    ip: &[usize],
    ind: &[u32],
    p: &[f64],
    opts: StationaryOptions,
    irq: &Interrupt,
) -> Result<(Vec<f64>, f64)> {
    let mut pi = vec![1.0 / n as f64; n];
    let mut next = vec![0.0; n];
    for _ in 0..opts.max_iter {
        irq.check()?;
        step(n, ip, ind, p, &pi, &mut next);
        let res = l1(&next, &pi);
        if res <= opts.tol {
            let s: f64 = fixed_order_sum(&next);
            next.iter_mut().for_each(|v| *v /= s);
            step(n, ip, ind, p, &next, &mut pi);
            let res = l1(&pi, &next);
            return Ok((next, res));
        }
        for (a, b) in pi.iter_mut().zip(&next) {
            *a = 0.5 * (*a + b);
        }
    }
    step(n, ip, ind, p, &pi, &mut next);
    Err(Error::invalid(
        "pi",
        format!(
            "power iteration did not reach ‖πP − π‖₁ ≤ {:e} in {} iterations (residual {:e}); \
             the chain mixes slowly: pass pi explicitly or raise max_iter",
            opts.tol,
            opts.max_iter,
            l1(&next, &pi)
        ),
    ))
}

impl Chain {
    /// Build a chain from a CSR transition matrix over the product of `sizes`.
    ///
    /// Checks: non-negative finite entries, rows summing to 1 within
    /// `row_tol`, order equal to the product of `sizes`, a unique stationary
    /// distribution. A given `pi` must be a distribution with
    /// ‖πP − π‖₁ ≤ `pi_tol`; otherwise π is computed by power iteration.
    #[allow(clippy::too_many_arguments)]
    pub fn from_csr(
        sizes: &[usize],
        indptr: &[i64],
        indices: &[i64],
        data: &[f64],
        pi: Option<&[f64]>,
        row_tol: f64,
        pi_tol: f64,
        opts: StationaryOptions,
        irq: &Interrupt,
    ) -> Result<Chain> {
        let n = product(sizes)?;
        if indptr.len() != n + 1 {
            return Err(Error::invalid(
                "P",
                format!(
                    "has {} rows but the coordinate sizes {:?} give {} states",
                    indptr.len().saturating_sub(1),
                    sizes,
                    n
                ),
            ));
        }
        let (ip, ind, prob) = check_csr("P", n, indptr, indices, data)?;
        irq.check()?;
        for x in 0..n {
            let s: f64 = prob[ip[x]..ip[x + 1]].iter().sum();
            if (s - 1.0).abs() > row_tol {
                return Err(Error::invalid(
                    "P",
                    format!("row {x} sums to {s:.17}, not 1 (tolerance {row_tol:e}); P must be row-stochastic"),
                ));
            }
        }
        check_unique_stationary(n, &ip, &ind)?;
        irq.check()?;
        let (pi, residual) = match pi {
            Some(given) => {
                if given.len() != n {
                    return Err(Error::invalid("pi", format!("has {} entries, expected {n}", given.len())));
                }
                if let Some(i) = given.iter().position(|v| !v.is_finite() || *v < 0.0) {
                    return Err(Error::invalid("pi", format!("entry {i} is {} (must be finite and >= 0)", given[i])));
                }
                let s = fixed_order_sum(given);
                if (s - 1.0).abs() > pi_tol.max(1e-12) {
                    return Err(Error::invalid("pi", format!("sums to {s:.17}, not 1")));
                }
                let pi: Vec<f64> = given.iter().map(|v| v / s).collect();
                let mut next = vec![0.0; n];
                step(n, &ip, &ind, &prob, &pi, &mut next);
                let res = l1(&next, &pi);
                if res.is_nan() || res > pi_tol {
                    return Err(Error::invalid(
                        "pi",
                        format!("is not stationary for P: ‖πP − π‖₁ = {res:e} > {pi_tol:e}"),
                    ));
                }
                (pi, res)
            }
            None => power_iteration(n, &ip, &ind, &prob, opts, irq)?,
        };
        let mut flow = vec![0.0; prob.len()];
        for x in 0..n {
            for e in ip[x]..ip[x + 1] {
                flow[e] = pi[x] * prob[e];
            }
        }
        let mut strides = vec![1usize; sizes.len()];
        for i in (0..sizes.len().saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * sizes[i + 1];
        }
        Ok(Chain { sizes: sizes.to_vec(), strides, n, indptr: ip, indices: ind, flow, prob, pi, residual })
    }

    pub fn n_states(&self) -> usize {
        self.n
    }
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }
    pub fn pi(&self) -> &[f64] {
        &self.pi
    }
    pub fn residual(&self) -> f64 {
        self.residual
    }
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }
    /// The canonical transition matrix.
    pub fn matrix(&self) -> Csr {
        Csr { n_rows: self.n, indptr: self.indptr.clone(), indices: self.indices.clone(), data: self.prob.clone() }
    }

    /// Sorted copy of `set`, checked against the coordinates.
    pub fn check_set(&self, set: &[usize]) -> Result<Vec<usize>> {
        let d = self.sizes.len();
        let mut s = set.to_vec();
        s.sort_unstable();
        if let Some(&c) = s.iter().find(|&&c| c >= d) {
            return Err(Error::invalid("S", format!("coordinate {c} out of range for d = {d}")));
        }
        if let Some(w) = s.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::invalid("S", format!("coordinate {} repeated", w[0])));
        }
        Ok(s)
    }

    /// Mixed-radix code of every state's S-coordinates (C order over sorted
    /// S) and the number of codes K = ∏_{i∈S} n_i.
    fn codes(&self, set: &[usize]) -> (Vec<u32>, usize) {
        let d = self.sizes.len();
        let mut mult = vec![0usize; d];
        let mut k = 1usize;
        for &i in set.iter().rev() {
            mult[i] = k;
            k *= self.sizes[i];
        }
        let mut codes = vec![0u32; self.n];
        codes.par_chunks_mut(STATE_CHUNK).enumerate().for_each(|(c, out)| {
            let start = c * STATE_CHUNK;
            let mut digit: Vec<usize> = (0..d).map(|i| (start / self.strides[i]) % self.sizes[i]).collect();
            let mut code: usize = (0..d).map(|i| digit[i] * mult[i]).sum();
            for slot in out.iter_mut() {
                *slot = code as u32;
                // odometer step: last coordinate fastest
                let mut i = d;
                while i > 0 {
                    i -= 1;
                    digit[i] += 1;
                    code += mult[i];
                    if digit[i] < self.sizes[i] {
                        break;
                    }
                    digit[i] = 0;
                    code -= self.sizes[i] * mult[i];
                }
            }
        });
        (codes, k)
    }

    /// Refine codes of S by coordinate j: code_{S∪{j}} = code_S · n_j + x_j.
    /// The result is a bijective relabelling of the C-order code of S ∪ {j},
    /// which is all an entropy needs.
    fn refine(&self, parent: &[u32], j: usize) -> Vec<u32> {
        let nj = self.sizes[j] as u32;
        let stride = self.strides[j];
        let sj = self.sizes[j];
        let mut out = vec![0u32; self.n];
        out.par_chunks_mut(STATE_CHUNK).enumerate().for_each(|(c, o)| {
            let start = c * STATE_CHUNK;
            for (t, slot) in o.iter_mut().enumerate() {
                let x = start + t;
                *slot = parent[x] * nj + ((x / stride) % sj) as u32;
            }
        });
        out
    }

    /// States bucketed by code: (order, start) with the states of cell a in
    /// order[start[a]..start[a+1]], increasing.
    fn buckets(codes: &[u32], k: usize) -> (Vec<u32>, Vec<usize>) {
        let mut start = vec![0usize; k + 1];
        for &c in codes {
            start[c as usize + 1] += 1;
        }
        for a in 0..k {
            start[a + 1] += start[a];
        }
        let mut pos = start.clone();
        let mut order = vec![0u32; codes.len()];
        for (x, &c) in codes.iter().enumerate() {
            order[pos[c as usize]] = x as u32;
            pos[c as usize] += 1;
        }
        (order, start)
    }

    /// Cell ranges with about EDGE_CHUNK flow entries each (data-determined).
    fn cell_chunks(&self, order: &[u32], start: &[usize]) -> Vec<(usize, usize)> {
        let k = start.len() - 1;
        let mut chunks = Vec::new();
        let mut lo = 0usize;
        let mut edges = 0usize;
        for a in 0..k {
            for &x in &order[start[a]..start[a + 1]] {
                edges += self.indptr[x as usize + 1] - self.indptr[x as usize];
            }
            if edges >= EDGE_CHUNK {
                chunks.push((lo, a + 1));
                lo = a + 1;
                edges = 0;
            }
        }
        if lo < k {
            chunks.push((lo, k));
        }
        chunks
    }

    /// (H(F_S), H(π^(S))) from codes of S with K cells.
    fn entropies_from_codes(&self, codes: &[u32], k: usize, irq: &Interrupt) -> Result<(f64, f64)> {
        let (order, start) = Self::buckets(codes, k);
        let chunks = self.cell_chunks(&order, &start);
        let parts: Vec<Result<(f64, f64)>> = chunks
            .par_iter()
            .map_init(
                || Spa::new(k),
                |spa, &(lo, hi)| {
                    irq.check()?;
                    let mut hf = 0.0;
                    let mut hp = 0.0;
                    for a in lo..hi {
                        let states = &order[start[a]..start[a + 1]];
                        let mut pa = 0.0;
                        spa.begin();
                        for &x in states {
                            let x = x as usize;
                            pa += self.pi[x];
                            for e in self.indptr[x]..self.indptr[x + 1] {
                                spa.add(codes[self.indices[e] as usize], self.flow[e]);
                            }
                        }
                        hf += spa.neg_entropy_sum();
                        hp += xlnx(pa);
                    }
                    Ok((-hf, -hp))
                },
            )
            .collect();
        let mut hf = Vec::with_capacity(parts.len());
        let mut hp = Vec::with_capacity(parts.len());
        for p in parts {
            let (a, b) = p?;
            hf.push(a);
            hp.push(b);
        }
        Ok((fixed_order_sum(&hf), fixed_order_sum(&hp)))
    }

    fn full_entropies(&self) -> (f64, f64) {
        let sum_xlnx = |v: &[f64]| {
            let parts: Vec<f64> = v.par_chunks(EDGE_CHUNK).map(|c| c.iter().map(|&f| xlnx(f)).sum::<f64>()).collect();
            -fixed_order_sum(&parts)
        };
        (sum_xlnx(&self.flow), sum_xlnx(&self.pi))
    }

    /// (H(F_S), H(π^(S))) in nats, for one set of coordinates.
    pub fn entropies(&self, set: &[usize], irq: &Interrupt) -> Result<(f64, f64)> {
        let s = self.check_set(set)?;
        if s.is_empty() {
            return Ok((0.0, 0.0));
        }
        if s.len() == self.sizes.len() {
            return Ok(self.full_entropies());
        }
        let (codes, k) = self.codes(&s);
        self.entropies_from_codes(&codes, k, irq)
    }

    /// [`Chain::entropies`] for many sets, in parallel.
    pub fn entropies_many(&self, sets: &[Vec<usize>], irq: &Interrupt) -> Result<Vec<(f64, f64)>> {
        for s in sets {
            self.check_set(s)?;
        }
        sets.par_iter().map(|s| self.entropies(s, irq)).collect()
    }

    /// (H(F_{S∪{j}}), H(π^(S∪{j}))) for every j in `candidates`, refining the
    /// partition of S once per candidate instead of recoding from scratch.
    pub fn entropies_extend(&self, set: &[usize], candidates: &[usize], irq: &Interrupt) -> Result<Vec<(f64, f64)>> {
        let s = self.check_set(set)?;
        for &j in candidates {
            if j >= self.sizes.len() {
                return Err(Error::invalid(
                    "candidates",
                    format!("coordinate {j} out of range for d = {}", self.sizes.len()),
                ));
            }
            if s.contains(&j) {
                return Err(Error::invalid("candidates", format!("coordinate {j} is already in S")));
            }
        }
        let (parent, k) = self.codes(&s);
        candidates
            .par_iter()
            .map(|&j| {
                if s.len() + 1 == self.sizes.len() {
                    return Ok(self.full_entropies());
                }
                let codes = self.refine(&parent, j);
                self.entropies_from_codes(&codes, k * self.sizes[j], irq)
            })
            .collect()
    }

    /// π^(S) over the C-order codes of sorted S.
    pub fn marginal(&self, set: &[usize]) -> Result<Vec<f64>> {
        let s = self.check_set(set)?;
        let (codes, k) = self.codes(&s);
        let mut out = vec![0.0; k];
        for (x, &c) in codes.iter().enumerate() {
            out[c as usize] += self.pi[x];
        }
        Ok(out)
    }

    /// The keep-S-in chain P^(S)(a,b) = F_S(a,b)/π^(S)(a) over the C-order
    /// codes of sorted S, with π^(S). Cells with π^(S)(a) = 0 get the row of
    /// the identity so the result stays stochastic.
    pub fn projection(&self, set: &[usize], irq: &Interrupt) -> Result<(Csr, Vec<f64>)> {
        let s = self.check_set(set)?;
        let (codes, k) = self.codes(&s);
        let (order, start) = Self::buckets(&codes, k);
        let chunks = self.cell_chunks(&order, &start);
        type Rows = Vec<(Vec<u32>, Vec<f64>, f64)>;
        let parts: Vec<Result<Rows>> = chunks
            .par_iter()
            .map_init(
                || Spa::new(k),
                |spa, &(lo, hi)| {
                    irq.check()?;
                    let mut rows = Vec::with_capacity(hi - lo);
                    for a in lo..hi {
                        let mut pa = 0.0;
                        spa.begin();
                        for &x in &order[start[a]..start[a + 1]] {
                            let x = x as usize;
                            pa += self.pi[x];
                            for e in self.indptr[x]..self.indptr[x + 1] {
                                spa.add(codes[self.indices[e] as usize], self.flow[e]);
                            }
                        }
                        let mut cols: Vec<u32> = spa.touched.clone();
                        cols.sort_unstable();
                        let (cols, vals) = if pa > 0.0 {
                            let rowsum: f64 = cols.iter().map(|&c| spa.acc[c as usize]).sum();
                            // normalise by the row's own flow total, which equals π^(S)(a)
                            // analytically; this keeps rows stochastic to rounding
                            let vals: Vec<f64> = cols.iter().map(|&c| spa.acc[c as usize] / rowsum).collect();
                            let keep: Vec<usize> = (0..cols.len()).filter(|&t| vals[t] > 0.0).collect();
                            (keep.iter().map(|&t| cols[t]).collect(), keep.iter().map(|&t| vals[t]).collect())
                        } else {
                            (vec![a as u32], vec![1.0])
                        };
                        rows.push((cols, vals, pa));
                    }
                    Ok(rows)
                },
            )
            .collect();
        let mut csr = Csr { n_rows: k, indptr: vec![0], indices: Vec::new(), data: Vec::new() };
        let mut pis = Vec::with_capacity(k);
        for p in parts {
            for (c, v, pa) in p? {
                csr.indices.extend_from_slice(&c);
                csr.data.extend_from_slice(&v);
                csr.indptr.push(csr.indices.len());
                pis.push(pa);
            }
        }
        Ok((csr, pis))
    }

    /// KL divergence rate D(P‖L) = Σ_x π(x) Σ_y P(x,y) ln(P(x,y)/L(x,y)) in
    /// nats, with π the stationary distribution of this chain. Infinite when
    /// L(x,y) = 0 < P(x,y) at a state with π(x) > 0.
    pub fn kl_rate(&self, l_indptr: &[usize], l_indices: &[u32], l_data: &[f64], irq: &Interrupt) -> Result<f64> {
        if l_indptr.len() != self.n + 1 {
            return Err(Error::invalid(
                "L",
                format!("has {} rows, expected {}", l_indptr.len().saturating_sub(1), self.n),
            ));
        }
        let parts: Vec<Result<f64>> = (0..self.n)
            .collect::<Vec<_>>()
            .par_chunks(STATE_CHUNK)
            .map(|xs| {
                irq.check()?;
                let mut acc = 0.0;
                for &x in xs {
                    if self.pi[x] == 0.0 {
                        continue;
                    }
                    let lr = l_indptr[x]..l_indptr[x + 1];
                    let (lc, lv) = (&l_indices[lr.clone()], &l_data[lr]);
                    let mut t = 0usize;
                    for e in self.indptr[x]..self.indptr[x + 1] {
                        let c = self.indices[e];
                        while t < lc.len() && lc[t] < c {
                            t += 1;
                        }
                        let l = if t < lc.len() && lc[t] == c { lv[t] } else { 0.0 };
                        if l == 0.0 {
                            return Ok(f64::INFINITY);
                        }
                        acc += self.flow[e] * (self.prob[e] / l).ln();
                    }
                }
                Ok(acc)
            })
            .collect();
        let mut v = Vec::with_capacity(parts.len());
        for p in parts {
            v.push(p?);
        }
        Ok(fixed_order_sum(&v))
    }
}

/// One unit of mass in a [`Refiner`]: a flow entry (x → y) or, with x = y,
/// a state's stationary mass.
#[derive(Clone, Copy, Debug, Default)]
struct Item {
    w: f64,
    x: u32,
    y: u32,
}

/// Items sorted so that each group (equal (code_S(x), code_S(y))) is
/// contiguous; `starts` are the group boundaries and `chunks` group ranges of
/// about EDGE_CHUNK items (data-determined, for deterministic parallel sums).
struct Groups {
    items: Vec<Item>,
    /// Output buffer of the next refinement, kept to avoid reallocating and
    /// faulting in a flow-sized array at every greedy step.
    scratch: Vec<Item>,
    starts: Vec<usize>,
    chunks: Vec<(usize, usize)>,
}

impl Groups {
    fn new(items: Vec<Item>) -> Self {
        let n = items.len();
        let mut g = Groups { items, scratch: Vec::new(), starts: vec![0, n], chunks: Vec::new() };
        g.rechunk();
        g
    }

    fn rechunk(&mut self) {
        self.chunks.clear();
        let ng = self.starts.len() - 1;
        let mut lo = 0;
        for gi in 0..ng {
            if self.starts[gi + 1] - self.starts[lo] >= EDGE_CHUNK {
                self.chunks.push((lo, gi + 1));
                lo = gi + 1;
            }
        }
        if lo < ng {
            self.chunks.push((lo, ng));
        }
    }

    /// Σ over the groups of S ∪ {j} of w ln w for several candidates j at
    /// once. Tasks are (chunk, tile of TILE candidates); inside a task the
    /// items are walked in cache-sized blocks and every candidate of the tile
    /// scans the block while it is hot, so memory is streamed once per tile
    /// instead of once per candidate.
    fn xlnx_refined_many(&self, ops: &[DigitOp<'_>], irq: &Interrupt) -> Result<Vec<f64>> {
        const TILE: usize = 4;
        const BLOCK: usize = 2048;
        let tiles: Vec<&[DigitOp<'_>]> = ops.chunks(TILE).collect();
        let tasks: Vec<(usize, usize)> =
            (0..self.chunks.len()).flat_map(|c| (0..tiles.len()).map(move |t| (c, t))).collect();
        let parts: Vec<Result<Vec<f64>>> = tasks
            .par_iter()
            .map(|&(c, t)| {
                irq.check()?;
                let (glo, ghi) = self.chunks[c];
                let tile = tiles[t];
                let mut bufs: Vec<Vec<f64>> = tile
                    .iter()
                    .map(|op| if op.n * op.n <= LANE_KEYS { Vec::new() } else { vec![0.0; op.n * op.n] })
                    .collect();
                let mut lanes: Vec<Lanes> = vec![[[0.0; LANE_KEYS]; 4]; tile.len()];
                let mut touched: Vec<Vec<usize>> = vec![Vec::new(); tile.len()];
                let mut acc = vec![0.0; tile.len()];
                for gi in glo..ghi {
                    let g = &self.items[self.starts[gi]..self.starts[gi + 1]];
                    for block in g.chunks(BLOCK) {
                        for (q, op) in tile.iter().enumerate() {
                            let small = op.n * op.n <= LANE_KEYS;
                            match (op.kind, small) {
                                (DigitKind::Shift { shift, mask }, true) => {
                                    accumulate_lanes(block, &mut lanes[q], |v| ((v >> shift) & mask) as usize, op.n)
                                }
                                (DigitKind::Table(tab), true) => {
                                    accumulate_lanes(block, &mut lanes[q], |v| tab[v as usize] as usize, op.n)
                                }
                                (DigitKind::Shift { shift, mask }, false) => accumulate(
                                    block,
                                    &mut bufs[q],
                                    &mut touched[q],
                                    |v| ((v >> shift) & mask) as usize,
                                    op.n,
                                ),
                                (DigitKind::Table(tab), false) => {
                                    accumulate(block, &mut bufs[q], &mut touched[q], |v| tab[v as usize] as usize, op.n)
                                }
                            }
                        }
                    }
                    for (q, op) in tile.iter().enumerate() {
                        if op.n * op.n <= LANE_KEYS {
                            let l = &mut lanes[q];
                            // k indexes the same key in all four lanes
                            #[allow(clippy::needless_range_loop)]
                            for k in 0..op.n * op.n {
                                acc[q] += xlnx((l[0][k] + l[1][k]) + (l[2][k] + l[3][k]));
                            }
                            *l = [[0.0; LANE_KEYS]; 4];
                        } else {
                            for &k in &touched[q] {
                                acc[q] += xlnx(bufs[q][k]);
                                bufs[q][k] = 0.0;
                            }
                            touched[q].clear();
                        }
                    }
                }
                Ok(acc)
            })
            .collect();
        // reduce per candidate over chunks, in chunk order
        let mut per: Vec<Vec<f64>> = vec![Vec::with_capacity(self.chunks.len()); ops.len()];
        for (&(_, t), p) in tasks.iter().zip(parts) {
            for (q, v) in p?.into_iter().enumerate() {
                per[t * TILE + q].push(v);
            }
        }
        Ok(per.iter().map(|v| fixed_order_sum(v)).collect())
    }

    /// Split every group by (x_j, y_j), stably, in parallel over chunks.
    fn refine(&mut self, digit: &[u8], nj: usize, irq: &Interrupt) -> Result<()> {
        let mut out = std::mem::take(&mut self.scratch);
        out.resize(self.items.len(), Item::default());
        // hand each chunk its own slice of the output
        let mut slices: Vec<&mut [Item]> = Vec::with_capacity(self.chunks.len());
        let mut rest: &mut [Item] = &mut out;
        for &(glo, ghi) in &self.chunks {
            let (a, b) = rest.split_at_mut(self.starts[ghi] - self.starts[glo]);
            slices.push(a);
            rest = b;
        }
        let items = &self.items;
        let starts = &self.starts;
        let new_starts: Vec<Result<Vec<usize>>> = self
            .chunks
            .par_iter()
            .zip(slices.into_par_iter())
            .map(|(&(glo, ghi), dst)| {
                irq.check()?;
                let base = starts[glo];
                let mut count = vec![0usize; nj * nj + 1];
                let mut local = Vec::new();
                for gi in glo..ghi {
                    let g = &items[starts[gi]..starts[gi + 1]];
                    let key = |it: &Item| digit[it.x as usize] as usize * nj + digit[it.y as usize] as usize;
                    let off = starts[gi] - base;
                    if g.len() < nj * nj {
                        // a comparison sort beats clearing n_j² counters
                        let d = &mut dst[off..off + g.len()];
                        d.copy_from_slice(g);
                        d.sort_by_key(key);
                        for t in 0..d.len() {
                            if t == 0 || key(&d[t]) != key(&d[t - 1]) {
                                local.push(starts[gi] + t);
                            }
                        }
                        continue;
                    }
                    count.iter_mut().for_each(|c| *c = 0);
                    for it in g {
                        count[key(it) + 1] += 1;
                    }
                    for k in 0..nj * nj {
                        if count[k + 1] > 0 {
                            local.push(starts[gi] + count[k]);
                        }
                        count[k + 1] += count[k];
                    }
                    for it in g {
                        let k = key(it);
                        dst[off + count[k]] = *it;
                        count[k] += 1;
                    }
                }
                Ok(local)
            })
            .collect();
        let mut starts_new = Vec::with_capacity(self.starts.len() * 2);
        for s in new_starts {
            starts_new.extend(s?);
        }
        starts_new.push(self.items.len());
        self.scratch = std::mem::replace(&mut self.items, out);
        self.starts = starts_new;
        self.rechunk();
        Ok(())
    }
}

/// How to read coordinate j's digit from a state code: a shift and mask when
/// its stride and size are powers of two (binary spins), a byte table
/// otherwise.
#[derive(Clone, Copy)]
enum DigitKind<'a> {
    Shift { shift: u32, mask: u32 },
    Table(&'a [u8]),
}

#[derive(Clone, Copy)]
struct DigitOp<'a> {
    kind: DigitKind<'a>,
    n: usize,
}

/// Keys (n_j²) up to which a candidate is accumulated in four interleaved
/// lanes: with few keys, consecutive items hit the same slot and a single
/// accumulator serialises on the add latency.
const LANE_KEYS: usize = 16;
type Lanes = [[f64; LANE_KEYS]; 4];

#[inline(always)]
fn accumulate_lanes(block: &[Item], lanes: &mut Lanes, digit: impl Fn(u32) -> usize, n: usize) {
    let mut quads = block.chunks_exact(4);
    for q in &mut quads {
        for (l, it) in q.iter().enumerate() {
            let k = digit(it.x) * n + digit(it.y);
            lanes[l][k] += it.w;
        }
    }
    for (l, it) in quads.remainder().iter().enumerate() {
        let k = digit(it.x) * n + digit(it.y);
        lanes[l][k] += it.w;
    }
}

#[inline(always)]
fn accumulate(block: &[Item], buf: &mut [f64], touched: &mut Vec<usize>, digit: impl Fn(u32) -> usize, n: usize) {
    for it in block {
        let k = digit(it.x) * n + digit(it.y);
        if buf[k] == 0.0 {
            touched.push(k);
        }
        buf[k] += it.w;
    }
}

/// Incremental aggregation for greedy selection: the flow entries and the
/// states are kept sorted by the cells of the current set S, so the
/// entropies of S ∪ {j} for every candidate j are one sequential pass each
/// (with an n_j × n_j accumulator per group), and adding j to S is one stable
/// counting sort inside each group.
pub struct Refiner {
    sizes: Vec<usize>,
    strides: Vec<usize>,
    n: usize,
    set: Vec<usize>,
    flows: Groups,
    states: Groups,
}

impl Refiner {
    pub fn new(chain: &Chain) -> Refiner {
        let mut items = Vec::with_capacity(chain.nnz());
        for x in 0..chain.n {
            for e in chain.indptr[x]..chain.indptr[x + 1] {
                if chain.flow[e] > 0.0 {
                    items.push(Item { w: chain.flow[e], x: x as u32, y: chain.indices[e] });
                }
            }
        }
        let states = (0..chain.n)
            .filter(|&x| chain.pi[x] > 0.0)
            .map(|x| Item { w: chain.pi[x], x: x as u32, y: x as u32 })
            .collect();
        Refiner {
            sizes: chain.sizes.clone(),
            strides: chain.strides.clone(),
            n: chain.n,
            set: Vec::new(),
            flows: Groups::new(items),
            states: Groups::new(states),
        }
    }

    /// Coordinates refined so far, in order of addition.
    pub fn set(&self) -> &[usize] {
        &self.set
    }

    fn digits(&self, j: usize) -> Vec<u8> {
        let (stride, nj) = (self.strides[j], self.sizes[j]);
        (0..self.n).into_par_iter().with_min_len(STATE_CHUNK).map(|x| ((x / stride) % nj) as u8).collect()
    }

    fn check_candidate(&self, j: usize, arg: &str) -> Result<()> {
        if j >= self.sizes.len() {
            return Err(Error::invalid(arg, format!("coordinate {j} out of range for d = {}", self.sizes.len())));
        }
        if self.set.contains(&j) {
            return Err(Error::invalid(arg, format!("coordinate {j} is already in S")));
        }
        if self.sizes[j] > MAX_REFINE_SIZE {
            return Err(Error::invalid(
                arg,
                format!("coordinate {j} has {} values; refinement supports at most {MAX_REFINE_SIZE}", self.sizes[j]),
            ));
        }
        Ok(())
    }

    /// (H(F_{S∪{j}}), H(π^(S∪{j}))) for each candidate j.
    pub fn evaluate(&self, candidates: &[usize], irq: &Interrupt) -> Result<Vec<(f64, f64)>> {
        for &j in candidates {
            self.check_candidate(j, "candidates")?;
        }
        let pow2 = |v: usize| v.is_power_of_two();
        let tables: Vec<Option<Vec<u8>>> = candidates
            .iter()
            .map(|&j| if pow2(self.sizes[j]) && pow2(self.strides[j]) { None } else { Some(self.digits(j)) })
            .collect();
        let ops: Vec<DigitOp<'_>> = candidates
            .iter()
            .zip(&tables)
            .map(|(&j, tab)| DigitOp {
                kind: match tab {
                    Some(t) => DigitKind::Table(t),
                    None => {
                        DigitKind::Shift { shift: self.strides[j].trailing_zeros(), mask: (self.sizes[j] - 1) as u32 }
                    }
                },
                n: self.sizes[j],
            })
            .collect();
        let hf = self.flows.xlnx_refined_many(&ops, irq)?;
        let hp = self.states.xlnx_refined_many(&ops, irq)?;
        Ok(hf.into_iter().zip(hp).map(|(a, b)| (-a, -b)).collect())
    }

    /// S ← S ∪ {j}.
    pub fn add(&mut self, j: usize, irq: &Interrupt) -> Result<()> {
        self.check_candidate(j, "j")?;
        let nj = self.sizes[j];
        let d = self.digits(j);
        self.flows.refine(&d, nj, irq)?;
        self.states.refine(&d, nj, irq)?;
        self.set.push(j);
        Ok(())
    }
}

#[inline]
fn xlnx(v: f64) -> f64 {
    if v > 0.0 {
        v * v.ln()
    } else {
        0.0
    }
}

/// Sparse accumulator over K cells; a generation stamp avoids clearing.
struct Spa {
    acc: Vec<f64>,
    stamp: Vec<u32>,
    gen: u32,
    touched: Vec<u32>,
}

impl Spa {
    fn new(k: usize) -> Self {
        Spa { acc: vec![0.0; k], stamp: vec![0; k], gen: 0, touched: Vec::new() }
    }
    fn begin(&mut self) {
        self.touched.clear();
        if self.gen == u32::MAX {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.gen = 0;
        }
        self.gen += 1;
    }
    #[inline]
    fn add(&mut self, c: u32, v: f64) {
        let i = c as usize;
        if self.stamp[i] != self.gen {
            self.stamp[i] = self.gen;
            self.acc[i] = v;
            self.touched.push(c);
        } else {
            self.acc[i] += v;
        }
    }
    /// Σ f ln f over the cells touched since `begin`, in touch order.
    fn neg_entropy_sum(&self) -> f64 {
        self.touched.iter().map(|&c| xlnx(self.acc[c as usize])).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small deterministic generator so the tests need no extra crate.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 11) as f64) / ((1u64 << 53) as f64)
        }
    }

    fn dense_to_csr(p: &[f64], n: usize) -> (Vec<i64>, Vec<i64>, Vec<f64>) {
        let mut ip = vec![0i64];
        let mut ind = Vec::new();
        let mut dat = Vec::new();
        for x in 0..n {
            for y in 0..n {
                if p[x * n + y] != 0.0 {
                    ind.push(y as i64);
                    dat.push(p[x * n + y]);
                }
            }
            ip.push(ind.len() as i64);
        }
        (ip, ind, dat)
    }

    fn random_chain(sizes: &[usize], seed: u64, sparsity: f64) -> (Vec<f64>, usize) {
        let n: usize = sizes.iter().product();
        let mut g = Lcg(seed);
        let mut p = vec![0.0; n * n];
        for x in 0..n {
            let mut s = 0.0;
            for y in 0..n {
                let v = if y == x || g.next() > sparsity { g.next() } else { 0.0 };
                p[x * n + y] = v;
                s += v;
            }
            for y in 0..n {
                p[x * n + y] /= s;
            }
        }
        (p, n)
    }

    fn build(sizes: &[usize], p: &[f64], n: usize) -> Chain {
        let (ip, ind, dat) = dense_to_csr(p, n);
        Chain::from_csr(sizes, &ip, &ind, &dat, None, 1e-12, 1e-10, StationaryOptions::default(), &Interrupt::new())
            .unwrap()
    }

    /// Reference: explicit dense F_S by digit extraction, no shared code.
    fn reference(sizes: &[usize], p: &[f64], pi: &[f64], set: &[usize]) -> (f64, f64) {
        let n = p.len().isqrt();
        let d = sizes.len();
        let digit = |x: usize, i: usize| {
            let stride: usize = sizes[i + 1..].iter().product();
            (x / stride) % sizes[i]
        };
        let code = |x: usize| set.iter().fold(0usize, |c, &i| c * sizes[i] + digit(x, i));
        let k: usize = set.iter().map(|&i| sizes[i]).product();
        let _ = d;
        let mut f = vec![0.0; k * k];
        let mut m = vec![0.0; k];
        for x in 0..n {
            m[code(x)] += pi[x];
            for y in 0..n {
                f[code(x) * k + code(y)] += pi[x] * p[x * n + y];
            }
        }
        let h = |v: &[f64]| -v.iter().map(|&t| xlnx(t)).sum::<f64>();
        (h(&f), h(&m))
    }

    #[test]
    fn entropies_match_dense_reference() {
        let sizes = [2usize, 3, 2];
        let (p, n) = random_chain(&sizes, 7, 0.4);
        let c = build(&sizes, &p, n);
        let irq = Interrupt::new();
        for mask in 0u32..8 {
            let set: Vec<usize> = (0..3).filter(|i| mask >> i & 1 == 1).collect();
            let got = c.entropies(&set, &irq).unwrap();
            let want = reference(&sizes, &p, c.pi(), &set);
            assert!((got.0 - want.0).abs() < 1e-12, "{set:?}: {got:?} vs {want:?}");
            assert!((got.1 - want.1).abs() < 1e-12, "{set:?}: {got:?} vs {want:?}");
        }
    }

    #[test]
    fn extend_equals_fresh() {
        let sizes = [3usize, 2, 2, 2];
        let (p, n) = random_chain(&sizes, 11, 0.7);
        let c = build(&sizes, &p, n);
        let irq = Interrupt::new();
        let ext = c.entropies_extend(&[2], &[0, 1, 3], &irq).unwrap();
        for (t, j) in [0usize, 1, 3].into_iter().enumerate() {
            let fresh = c.entropies(&[2, j], &irq).unwrap();
            assert!((ext[t].0 - fresh.0).abs() < 1e-13 && (ext[t].1 - fresh.1).abs() < 1e-13);
        }
    }

    #[test]
    fn stationary_and_projection() {
        let sizes = [2usize, 2, 3];
        let (p, n) = random_chain(&sizes, 3, 0.5);
        let c = build(&sizes, &p, n);
        let pi = c.pi();
        let mut pip = vec![0.0; n];
        for x in 0..n {
            for y in 0..n {
                pip[y] += pi[x] * p[x * n + y];
            }
        }
        assert!(l1(&pip, pi) < 1e-12);
        let irq = Interrupt::new();
        let (proj, pis) = c.projection(&[0, 2], &irq).unwrap();
        assert_eq!(proj.n_rows, 6);
        for a in 0..6 {
            let s: f64 = proj.data[proj.indptr[a]..proj.indptr[a + 1]].iter().sum();
            assert!((s - 1.0).abs() < 1e-14);
        }
        let m = c.marginal(&[0, 2]).unwrap();
        for a in 0..6 {
            assert!((m[a] - pis[a]).abs() < 1e-15);
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let irq = Interrupt::new();
        let opts = StationaryOptions::default();
        // row not summing to one
        let r = Chain::from_csr(&[2], &[0, 1, 2], &[0, 1], &[0.5, 1.0], None, 1e-12, 1e-10, opts, &irq);
        assert!(matches!(r, Err(Error::InvalidArgument { .. })));
        // negative entry
        let r = Chain::from_csr(&[2], &[0, 2, 3], &[0, 1, 1], &[1.5, -0.5, 1.0], None, 1e-12, 1e-10, opts, &irq);
        assert!(matches!(r, Err(Error::InvalidArgument { .. })));
        // size mismatch
        let r = Chain::from_csr(&[3], &[0, 1, 2], &[0, 1], &[1.0, 1.0], None, 1e-12, 1e-10, opts, &irq);
        assert!(matches!(r, Err(Error::InvalidArgument { .. })));
        // two closed classes
        let r = Chain::from_csr(&[2], &[0, 1, 2], &[0, 1], &[1.0, 1.0], None, 1e-12, 1e-10, opts, &irq);
        assert!(matches!(r, Err(Error::InvalidArgument { ref arg, .. }) if arg == "P"));
        // one closed class plus a transient state is fine
        let c =
            Chain::from_csr(&[2], &[0, 2, 3], &[0, 1, 1], &[0.5, 0.5, 1.0], None, 1e-12, 1e-10, opts, &irq).unwrap();
        assert!(c.pi()[0] < 1e-12 && (c.pi()[1] - 1.0).abs() < 1e-12);
        // periodic chain: power iteration on the lazy chain converges
        let c = Chain::from_csr(&[2], &[0, 1, 2], &[1, 0], &[1.0, 1.0], None, 1e-12, 1e-10, opts, &irq).unwrap();
        assert!((c.pi()[0] - 0.5).abs() < 1e-12);
        // bad sets
        assert!(c.entropies(&[1], &irq).is_err());
        let c2 = build(&[2, 2], &random_chain(&[2, 2], 5, 0.0).0, 4);
        assert!(c2.entropies(&[0, 0], &irq).is_err());
    }

    #[test]
    fn refiner_matches_fresh_sets() {
        let sizes = [2usize, 3, 2, 4];
        let (p, n) = random_chain(&sizes, 17, 0.8);
        let c = build(&sizes, &p, n);
        let irq = Interrupt::new();
        let mut r = Refiner::new(&c);
        let mut set: Vec<usize> = Vec::new();
        for j in [3usize, 0, 1] {
            let cands: Vec<usize> = (0..4).filter(|i| !set.contains(i)).collect();
            let got = r.evaluate(&cands, &irq).unwrap();
            for (t, &cj) in cands.iter().enumerate() {
                let mut s = set.clone();
                s.push(cj);
                let want = reference(&sizes, &p, c.pi(), &{
                    let mut q = s.clone();
                    q.sort();
                    q
                });
                assert!((got[t].0 - want.0).abs() < 1e-12, "{s:?}");
                assert!((got[t].1 - want.1).abs() < 1e-12, "{s:?}");
            }
            r.add(j, &irq).unwrap();
            set.push(j);
        }
        assert!(r.add(0, &irq).is_err());
        assert!(r.evaluate(&[9], &irq).is_err());
    }

    #[test]
    fn refiner_is_thread_count_independent() {
        // 2^14 states with 12 transitions each: several chunks per pass
        let sizes = [2usize; 14];
        let n = 1usize << 14;
        let mut g = Lcg(99);
        let (mut ip, mut ind, mut dat) = (vec![0i64], Vec::new(), Vec::new());
        for x in 0..n {
            let mut row: Vec<(i64, f64)> = (0..11).map(|_| ((g.next() * n as f64) as i64, g.next())).collect();
            row.push((((x + 1) % n) as i64, 0.5));
            let s: f64 = row.iter().map(|r| r.1).sum();
            for (c, v) in row {
                ind.push(c);
                dat.push(v / s);
            }
            ip.push(ind.len() as i64);
        }
        let irq = Interrupt::new();
        let c =
            Chain::from_csr(&sizes, &ip, &ind, &dat, None, 1e-12, 1e-10, StationaryOptions::default(), &irq).unwrap();
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let three = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        let run = |pool: &rayon::ThreadPool| {
            pool.install(|| {
                let mut r = Refiner::new(&c);
                let mut out = Vec::new();
                for j in [5usize, 0, 13] {
                    let cands: Vec<usize> = (0..14).filter(|i| !r.set().contains(i)).collect();
                    out.extend(r.evaluate(&cands, &irq).unwrap());
                    r.add(j, &irq).unwrap();
                }
                out
            })
        };
        let (a, b) = (run(&one), run(&three));
        assert!(a.iter().zip(&b).all(|(p, q)| p.0.to_bits() == q.0.to_bits() && p.1.to_bits() == q.1.to_bits()));
        let fresh = c.entropies(&[0, 5, 7], &irq).unwrap();
        let cands3: Vec<usize> = (0..14).filter(|i| ![5usize, 0].contains(i)).collect();
        let t = cands3.iter().position(|&j| j == 7).unwrap();
        assert!((a[14 + 13 + t].0 - fresh.0).abs() < 1e-12 && (a[14 + 13 + t].1 - fresh.1).abs() < 1e-12);
    }

    #[test]
    fn thread_count_does_not_matter() {
        let sizes = [2usize; 9];
        let (p, n) = random_chain(&sizes, 13, 0.97);
        let c = build(&sizes, &p, n);
        let irq = Interrupt::new();
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        for set in [vec![0usize, 3, 4], vec![1, 2, 5, 6, 8], vec![7]] {
            let a = one.install(|| c.entropies(&set, &irq).unwrap());
            let b = four.install(|| c.entropies(&set, &irq).unwrap());
            assert_eq!(a.0.to_bits(), b.0.to_bits());
            assert_eq!(a.1.to_bits(), b.1.to_bits());
        }
    }
}
