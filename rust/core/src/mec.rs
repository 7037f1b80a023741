//! Minimum-entropy coupling (MEC): greedy couplings of k ≥ 2 marginals with
//! certified lower bounds, the one-bit coupling of two marginals, and MEC
//! with a bottleneck (MEC-B) through the greedy EBIM encoder.
//!
//! All entropies here are in bits; the Python layer converts units.
//! Couplings are sparse: one index vector per marginal plus the cell masses.
//!
//! References:
//! - M. Kocaoglu, A. G. Dimakis, S. Vishwanath, B. Hassibi, "Entropic causal
//!   inference", AAAI 2017 (the greedy coupling).
//! - F. Cicalese, L. Gargano, U. Vaccaro, "Minimum-entropy couplings and their
//!   applications", IEEE Trans. Inf. Theory 65(6), 2019 (the majorization
//!   meet p∧q and the coupling within one bit of H(p∧q)).
//! - S. Compton, D. Katz, B. Qi, K. Greenewald, M. Kocaoglu, "Minimum-entropy
//!   coupling approximation guarantees beyond the majorization barrier",
//!   AISTATS 2023 (profile and majorize-profile lower bounds).
//! - M. R. Ebrahimi, J. Chen, A. Khisti, "Minimum entropy coupling with
//!   bottleneck", NeurIPS 2024 (EBIM greedy encoder, MEC-B).

use crate::{fixed_order_sum, Error, Interrupt, MatRef, Result};
use rayon::prelude::*;

/// A sparse coupling: cell `c` has mass `mass[c]` at
/// `(index[0][c], index[1][c], …)`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Coupling {
    pub index: Vec<Vec<u32>>,
    pub mass: Vec<f64>,
}

impl Coupling {
    fn with_marginals(k: usize, cap: usize) -> Self {
        Coupling { index: (0..k).map(|_| Vec::with_capacity(cap)).collect(), mass: Vec::with_capacity(cap) }
    }
    pub fn len(&self) -> usize {
        self.mass.len()
    }
    pub fn is_empty(&self) -> bool {
        self.mass.is_empty()
    }
    /// Shannon entropy of the cells, in bits.
    pub fn entropy(&self) -> f64 {
        entropy_bits(&self.mass)
    }
}

/// The three lower bounds on the entropy of any coupling of the marginals,
/// in bits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    pub majorization: f64,
    pub profile: f64,
    pub majorize_profile: f64,
}

impl Bounds {
    /// The largest of the three (majorize-profile is provably the best, but
    /// taking the maximum also absorbs rounding differences).
    pub fn best(&self) -> f64 {
        self.majorization.max(self.profile).max(self.majorize_profile)
    }
}

#[inline]
fn h(m: f64) -> f64 {
    if m > 0.0 {
        // `+ 0.0` turns the -0.0 of h(1) into +0.0
        -m * m.log2() + 0.0
    } else {
        0.0
    }
}

/// −Σ m log₂ m, summed in a fixed order. Entropy is never negative: a sum a
/// hair below zero (cells a rounding error above 1) is reported as 0.
pub fn entropy_bits(masses: &[f64]) -> f64 {
    let v: Vec<f64> = masses.iter().map(|&m| h(m)).collect();
    let s = fixed_order_sum(&v);
    if s <= 0.0 {
        0.0
    } else {
        s
    }
}

/// Check one marginal: non-empty, finite, non-negative, addressable by u32.
pub fn check_marginal(p: &[f64], name: &str) -> Result<()> {
    if p.is_empty() {
        return Err(Error::invalid(name, "marginal is empty"));
    }
    if p.len() > u32::MAX as usize {
        return Err(Error::invalid(name, "more than 2^32 - 1 states"));
    }
    for (i, &x) in p.iter().enumerate() {
        if !x.is_finite() || x < 0.0 {
            return Err(Error::invalid(name, format!("mass at index {i} is {x}; masses must be finite and >= 0")));
        }
    }
    if !p.iter().any(|&x| x > 0.0) {
        return Err(Error::invalid(name, "marginal has no positive mass"));
    }
    Ok(())
}

fn check_all(marginals: &[&[f64]]) -> Result<()> {
    if marginals.len() < 2 {
        return Err(Error::invalid("marginals", format!("need at least 2 marginals, got {}", marginals.len())));
    }
    for (j, p) in marginals.iter().enumerate() {
        check_marginal(p, &format!("marginals[{j}]"))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Greedy coupling
// ---------------------------------------------------------------------------

/// Min-heap of 128-bit keys with ARITY = 4 children per node. The high
/// halves (the mass, which decides almost every comparison) live in their own
/// array, so a node's children are 32 contiguous bytes and the tree is half as
/// deep as a binary heap; the low halves (index, original mass) follow along
/// and are compared only on equal masses. This is what counts once the
/// residuals do not fit in cache (n ~ 10⁶), where arities 2, 8 and 16 are
/// slower.
const ARITY: usize = 4;

#[derive(Default)]
struct DaryHeap {
    hi: Vec<u64>,
    lo: Vec<u64>,
}

impl DaryHeap {
    #[inline]
    fn clear(&mut self) {
        self.hi.clear();
        self.lo.clear();
    }
    #[inline]
    fn peek(&self) -> Option<u128> {
        Some(((*self.hi.first()? as u128) << 64) | self.lo[0] as u128)
    }
    #[inline]
    fn push(&mut self, k: u128) {
        let (kh, kl) = ((k >> 64) as u64, k as u64);
        let mut i = self.hi.len();
        self.hi.push(kh);
        self.lo.push(kl);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            let (ph, pl) = (self.hi[parent], self.lo[parent]);
            if ph < kh || (ph == kh && pl <= kl) {
                break;
            }
            self.hi[i] = ph;
            self.lo[i] = pl;
            i = parent;
        }
        self.hi[i] = kh;
        self.lo[i] = kl;
    }
    #[inline]
    fn pop(&mut self) -> Option<u128> {
        let lh = self.hi.pop()?;
        let ll = self.lo.pop()?;
        if self.hi.is_empty() {
            return Some(((lh as u128) << 64) | ll as u128);
        }
        let top = ((self.hi[0] as u128) << 64) | self.lo[0] as u128;
        // move the hole down along smallest children, then place the last key
        let n = self.hi.len();
        let mut i = 0;
        loop {
            let c = ARITY * i + 1;
            if c >= n {
                break;
            }
            let end = (c + ARITY).min(n);
            let mut m = c;
            for j in c + 1..end {
                let (jh, mh) = (self.hi[j], self.hi[m]);
                if jh < mh || (jh == mh && self.lo[j] < self.lo[m]) {
                    m = j;
                }
            }
            let (mh, ml) = (self.hi[m], self.lo[m]);
            if mh > lh || (mh == lh && ml >= ll) {
                break;
            }
            self.hi[i] = mh;
            self.lo[i] = ml;
            i = m;
        }
        self.hi[i] = lh;
        self.lo[i] = ll;
        Some(top)
    }
}

/// The states of one marginal in greedy order.
///
/// The greedy only ever lowers masses, so untouched states are consumed in
/// the order of one initial sort (a sequential scan), and only the residuals
/// of partly used states need a heap. A residual that is still the largest
/// mass of its marginal (the common case) is kept in `hot` and never enters
/// the heap. Keys order like "larger mass, then smaller index" (see [`key`]).
#[derive(Default)]
struct GreedyQueue {
    fresh: Vec<u128>,
    pos: usize,
    heap: DaryHeap,
    hot: Option<u128>,
}

impl GreedyQueue {
    fn reset(&mut self, p: &[f64]) -> usize {
        self.fresh.clear();
        self.fresh.extend(
            p.iter().enumerate().filter(|(_, &m)| m > 0.0).map(|(i, &m)| key(m, i as u32, (m as f32).min(f32::MAX))),
        );
        self.fresh.sort_unstable();
        self.pos = 0;
        self.heap.clear();
        self.hot = None;
        self.fresh.len()
    }
    #[inline]
    fn next_key(&self) -> u128 {
        let f = self.fresh.get(self.pos).copied().unwrap_or(u128::MAX);
        let r = self.heap.peek().unwrap_or(u128::MAX);
        f.min(r)
    }
    #[inline]
    fn pop(&mut self) -> Option<u128> {
        if let Some(h) = self.hot.take() {
            return Some(h);
        }
        let f = self.fresh.get(self.pos).copied();
        let r = self.heap.peek();
        match (f, r) {
            (Some(a), Some(b)) if a < b => {
                self.pos += 1;
                Some(a)
            }
            (_, Some(_)) => self.heap.pop(),
            (Some(a), None) => {
                self.pos += 1;
                Some(a)
            }
            (None, None) => None,
        }
    }
    #[inline]
    fn push(&mut self, k: u128) {
        if k <= self.next_key() {
            self.hot = Some(k);
        } else {
            self.heap.push(k);
        }
    }
}

/// Key order: larger mass first, then the *smaller* index, so ties break
/// towards low labels and the output is deterministic. For non-negative
/// floats the bit patterns order like the values. The low 32 bits carry the
/// state's *original* mass as an f32 (never decisive: mass and index already
/// identify a state); the rounding-noise threshold needs it, and reading it
/// from the input array instead would cost a cache miss per step.
#[inline]
fn key(m: f64, i: u32, orig: f32) -> u128 {
    ((!m.to_bits() as u128) << 64) | ((i as u128) << 32) | orig.to_bits() as u128
}

#[inline]
fn unkey(k: u128) -> (f64, u32) {
    (f64::from_bits(!((k >> 64) as u64)), (k >> 32) as u32)
}

#[inline]
fn key_orig(k: u128) -> f32 {
    f32::from_bits(k as u32)
}

/// Same state, new (smaller) mass.
#[inline]
fn rekey(k: u128, m: f64) -> u128 {
    ((!m.to_bits() as u128) << 64) | (k & ((1u128 << 64) - 1))
}

/// Reusable working memory for [`greedy`], one heap per marginal.
#[derive(Default)]
pub struct Scratch {
    heaps: Vec<GreedyQueue>,
}

/// Kocaoglu et al.'s greedy coupling: repeatedly take every marginal's
/// largest remaining mass, put the smallest of them into the cell indexed by
/// those argmaxes, subtract it. Each step empties at least one state, so there
/// are at most Σ(nᵢ − 1) + 1 cells; one sort per marginal plus a heap of
/// residuals make it O(k n log n).
///
/// Floating point: the marginal(s) attaining the minimum reach exactly 0. A
/// residual of another marginal that is below 4 ulp of that state's original
/// mass (kept as an f32 inside the heap key) is rounding noise (it would be zero in exact arithmetic) and is
/// dropped, so no junk cells of mass ~1e-17 appear. When the first marginal
/// runs out, what is left in the others is the difference of the input sums
/// (within the caller's tolerance) and is dropped too.
pub fn greedy(marginals: &[&[f64]], irq: Option<&Interrupt>) -> Result<Coupling> {
    let mut scratch = Scratch::default();
    let mut out = Coupling::default();
    greedy_into(marginals, irq, &mut scratch, &mut out)?;
    Ok(out)
}

/// [`greedy`] writing into `out` (cleared first) with reusable `scratch`.
pub fn greedy_into(
    marginals: &[&[f64]],
    irq: Option<&Interrupt>,
    scratch: &mut Scratch,
    out: &mut Coupling,
) -> Result<()> {
    check_all(marginals)?;
    prepare(marginals, scratch, false);
    greedy_loop(marginals, irq, scratch, out)
}

/// Sort every marginal into its queue (in parallel on the caller's pool for
/// large inputs; the order is the same either way).
fn prepare(marginals: &[&[f64]], scratch: &mut Scratch, parallel: bool) {
    let k = marginals.len();
    scratch.heaps.resize_with(k, GreedyQueue::default);
    if parallel {
        scratch.heaps.par_iter_mut().zip(marginals.par_iter()).for_each(|(hp, p)| {
            hp.reset(p);
        });
    } else {
        for (hp, p) in scratch.heaps.iter_mut().zip(marginals) {
            hp.reset(p);
        }
    }
}

fn greedy_loop(marginals: &[&[f64]], irq: Option<&Interrupt>, scratch: &mut Scratch, out: &mut Coupling) -> Result<()> {
    let k = marginals.len();
    let cap = (1 + scratch.heaps.iter().map(|h| h.fresh.len()).sum::<usize>()).saturating_sub(k);
    out.index.resize_with(k, Vec::new);
    for v in out.index.iter_mut() {
        v.clear();
        v.reserve(cap);
    }
    out.mass.clear();
    out.mass.reserve(cap);
    let heaps = &mut scratch.heaps;
    let mut popped = [0u128; 8];
    let mut popped_vec: Vec<u128> = Vec::new();
    let popped: &mut [u128] = if k <= 8 {
        &mut popped[..k]
    } else {
        popped_vec.resize(k, 0);
        &mut popped_vec[..]
    };
    let mut steps: usize = 0;
    'outer: loop {
        let mut r = f64::INFINITY;
        for j in 0..k {
            match heaps[j].pop() {
                None => {
                    // put back what was taken from the others: nothing follows
                    break 'outer;
                }
                Some(kk) => {
                    popped[j] = kk;
                    let m = unkey(kk).0;
                    if m < r {
                        r = m;
                    }
                }
            }
        }
        for (ix, &kk) in out.index.iter_mut().zip(popped.iter()) {
            ix.push(unkey(kk).1);
        }
        out.mass.push(r);
        for j in 0..k {
            let kk = popped[j];
            let rest = unkey(kk).0 - r;
            if rest > 4.0 * f64::EPSILON * key_orig(kk) as f64 {
                heaps[j].push(rekey(kk, rest));
            }
        }
        steps += 1;
        if steps & 0xFFFF == 0 {
            if let Some(irq) = irq {
                irq.check()?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Lower bounds
// ---------------------------------------------------------------------------

fn sorted_desc(p: &[f64]) -> Vec<f64> {
    // positive floats order like their bit patterns: sort integers
    let mut v: Vec<u64> = p.iter().filter(|&&m| m > 0.0).map(|m| m.to_bits()).collect();
    v.sort_unstable();
    v.iter().rev().map(|&b| f64::from_bits(b)).collect()
}

/// H(p₁∧…∧p_k): sort each marginal in decreasing order, take the elementwise
/// minimum of the prefix sums and difference it. (The minimum of concave
/// prefix-sum sequences is concave, so the differences are already sorted
/// and this is the meet of the majorization lattice.) Every coupling is
/// majorized by the meet, hence has at least its entropy.
fn majorization_from_sorted(sorted: &[Vec<f64>]) -> f64 {
    meet_from_sorted(sorted).iter().map(|&z| h(z)).sum()
}

fn meet_from_sorted(sorted: &[Vec<f64>]) -> Vec<f64> {
    let len = sorted.iter().map(|v| v.len()).max().unwrap_or(0);
    let mut prefix = vec![0.0f64; sorted.len()];
    let mut prev = 0.0;
    let mut z = Vec::with_capacity(len);
    for t in 0..len {
        let mut mn = f64::INFINITY;
        for (j, v) in sorted.iter().enumerate() {
            if t < v.len() {
                prefix[j] += v[t];
            }
            mn = mn.min(prefix[j]);
        }
        let d = mn - prev;
        // rounding can make a difference a hair negative where it is zero
        z.push(if d > 0.0 { d } else { 0.0 });
        prev = prev.max(mn);
    }
    z
}

/// The majorization meet p₁∧…∧p_k (sorted decreasingly).
pub fn meet(marginals: &[&[f64]]) -> Result<Vec<f64>> {
    check_all(marginals)?;
    let sorted: Vec<Vec<f64>> = marginals.iter().map(|p| sorted_desc(p)).collect();
    Ok(meet_from_sorted(&sorted))
}

/// Profile vertices: for each marginal in increasing order, (cumulative mass
/// up to and including a state, that state's mass). A vertex (x, y) says the
/// x lightest units of mass of that marginal sit in states of mass ≤ y, so in
/// any coupling they sit in cells of mass ≤ y. Returned sorted by decreasing
/// x, with x clipped to the smallest marginal total.
fn profile_vertices(sorted: &[Vec<f64>]) -> (Vec<(f64, f64)>, f64) {
    let total = sorted.iter().map(|v| v.iter().sum::<f64>()).fold(f64::INFINITY, f64::min);
    // each marginal's vertices come out with increasing x; merge them
    let lists: Vec<Vec<(f64, f64)>> = sorted
        .iter()
        .map(|v| {
            let mut cum = 0.0;
            v.iter()
                .rev()
                .map(|&m| {
                    cum += m;
                    (cum.min(total), m)
                })
                .collect()
        })
        .collect();
    let verts = if lists.len() == 2 {
        let (a, b) = (&lists[0], &lists[1]);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (a.len(), b.len());
        while i > 0 || j > 0 {
            let take_a = j == 0 || (i > 0 && a[i - 1].0 >= b[j - 1].0);
            if take_a {
                i -= 1;
                out.push(a[i]);
            } else {
                j -= 1;
                out.push(b[j]);
            }
        }
        out
    } else {
        let mut out: Vec<(f64, f64)> = lists.into_iter().flatten().collect();
        out.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1)));
        out
    };
    (verts, total)
}

/// Compton et al.'s profile bound: a cell at mass level u (mass counted from
/// the lightest cells up) has mass at most c(u) = min{ y : (x, y) vertex,
/// x ≥ u }; integrating log₂(1/c(u)) over u ∈ (0, total] relaxes the
/// integrality of cells and bounds the entropy of every coupling.
fn profile_from_vertices(verts: &[(f64, f64)], total: f64) -> f64 {
    let mut ans = 0.0;
    let mut ymin = f64::INFINITY;
    let mut lg = f64::NEG_INFINITY; // log2(1 / ymin), refreshed only when ymin drops
    let mut prev = total;
    for &(x, y) in verts {
        if prev > x {
            ans += (prev - x) * lg;
        }
        prev = x;
        if y < ymin {
            ymin = y;
            lg = -y.log2();
        }
    }
    if prev > 0.0 {
        ans += prev * lg;
    }
    ans
}

/// Majorize-profile bound: the same vertex constraints, but with whole cells.
/// A cell occupying levels (cur − s, cur] may exceed y only if it lies above
/// x, so the largest admissible next cell is min over vertices of
/// max(y, cur − x); taking it greedily from the top yields the sequence that
/// majorizes every admissible one, whose entropy is therefore a lower bound.
/// Runs of equal cells are taken in one step, so this is O(V).
fn majorize_profile_from_vertices(verts: &[(f64, f64)], total: f64) -> f64 {
    let nv = verts.len();
    let mut i = 0;
    let mut ymin = f64::INFINITY;
    let mut cur = total;
    let mut ans = 0.0;
    let mut hy = (f64::NAN, 0.0); // (ymin, h(ymin)) cached
    let mut guard = 0usize;
    while cur > 0.0 {
        while i < nv && verts[i].0 + verts[i].1 > cur {
            ymin = ymin.min(verts[i].1);
            i += 1;
        }
        let below = if i < nv { verts[i].0 } else { 0.0 };
        let gap = cur - below;
        if ymin < gap {
            let mut reps = (gap / ymin).floor();
            if reps < 1.0 {
                reps = 1.0;
            }
            if ymin != hy.0 {
                hy = (ymin, h(ymin));
            }
            ans += reps * hy.1;
            cur -= reps * ymin;
        } else {
            if gap > 0.0 {
                ans += h(gap);
            }
            cur = below;
            if i >= nv {
                break;
            }
        }
        guard += 1;
        if guard > 4 * nv + 16 {
            break; // cannot happen in exact arithmetic; rounding safety net
        }
    }
    ans
}

/// All three lower bounds (bits) from one sort of each marginal.
pub fn bounds(marginals: &[&[f64]]) -> Result<Bounds> {
    check_all(marginals)?;
    let sorted: Vec<Vec<f64>> = marginals.iter().map(|p| sorted_desc(p)).collect();
    Ok(bounds_from_sorted(&sorted))
}

/// The bounds from the order the greedy already sorted (saves a sort per
/// marginal in batches). Call after [`greedy_into`] on the same marginals.
pub fn bounds_from_scratch(scratch: &Scratch) -> Bounds {
    let sorted: Vec<Vec<f64>> = scratch.heaps.iter().map(|q| q.fresh.iter().map(|&k| unkey(k).0).collect()).collect();
    bounds_from_sorted(&sorted)
}

#[cfg(test)]
pub(crate) fn bounds_consistent(marginals: &[&[f64]]) -> (Bounds, Bounds) {
    let mut sc = Scratch::default();
    let mut out = Coupling::default();
    greedy_into(marginals, None, &mut sc, &mut out).unwrap();
    (bounds(marginals).unwrap(), bounds_from_scratch(&sc))
}

fn bounds_from_sorted(sorted: &[Vec<f64>]) -> Bounds {
    let majorization = majorization_from_sorted(sorted);
    let (verts, total) = profile_vertices(sorted);
    Bounds {
        majorization,
        profile: profile_from_vertices(&verts, total),
        majorize_profile: majorize_profile_from_vertices(&verts, total),
    }
}

// ---------------------------------------------------------------------------
// One-bit coupling (Cicalese, Gargano & Vaccaro)
// ---------------------------------------------------------------------------

/// A coupling of two marginals with H ≤ H(p∧q) + 1 bit.
///
/// Our own construction in the spirit of Cicalese et al.: sort both
/// marginals decreasingly and walk the states from the lightest up. With tail
/// sums P̄ᵢ, Q̄ᵢ the meet has tails Z̄ᵢ = max(P̄ᵢ, Q̄ᵢ), so step i must place
/// zᵢ = Z̄ᵢ − Z̄ᵢ₊₁. After step i all rows and columns ≥ i are complete and the
/// surplus |P̄ᵢ − Q̄ᵢ| of the larger tail waits as "pending" pieces whose row
/// (or column) is fixed. At step i the pending pieces and the new state fill
/// column (or row) i; only the new mass zᵢ is ever cut, into at most two
/// cells, and pending pieces are never cut again. (A pending row piece comes
/// from a row j > i and is at most pⱼ ≤ pᵢ, which is why filling column i
/// greedily from the pending stack never overshoots.) Splitting every zᵢ in at
/// most two adds at most zᵢ bits each, one bit in total.
pub fn one_bit(p: &[f64], q: &[f64]) -> Result<Coupling> {
    check_marginal(p, "p")?;
    check_marginal(q, "q")?;
    let order = |v: &[f64]| -> Vec<u32> {
        let mut o: Vec<u32> = (0..v.len() as u32).collect();
        o.sort_by(|&a, &b| v[b as usize].total_cmp(&v[a as usize]).then(a.cmp(&b)));
        o
    };
    let (op, oq) = (order(p), order(q));
    let n = p.len().max(q.len());
    let ps = |i: usize| if i < p.len() { p[op[i] as usize] } else { 0.0 };
    let qs = |i: usize| if i < q.len() { q[oq[i] as usize] } else { 0.0 };
    // cells in sorted coordinates
    let mut rows: Vec<u32> = Vec::with_capacity(2 * n);
    let mut cols: Vec<u32> = Vec::with_capacity(2 * n);
    let mut mass: Vec<f64> = Vec::with_capacity(2 * n);
    let mut emit = |r: usize, c: usize, m: f64| {
        if m > 0.0 {
            rows.push(r as u32);
            cols.push(c as u32);
            mass.push(m);
        }
    };
    // pending pieces: (fixed index, mass); side tells which index is fixed
    #[derive(PartialEq, Clone, Copy)]
    enum Side {
        Rows,
        Cols,
    }
    let mut side = Side::Rows;
    let mut pending: Vec<(usize, f64)> = Vec::new();
    let mut surplus = 0.0f64;
    for i in (0..n).rev() {
        let (pi, qi) = (ps(i), qs(i));
        if pending.is_empty() {
            surplus = 0.0;
            side = if pi >= qi { Side::Rows } else { Side::Cols };
        }
        // orient so that `a` is the side whose pieces are pending
        let (a, b) = if side == Side::Rows { (pi, qi) } else { (qi, pi) };
        let put = |emit: &mut dyn FnMut(usize, usize, f64), fixed: usize, other: usize, m: f64| {
            if side == Side::Rows {
                emit(fixed, other, m)
            } else {
                emit(other, fixed, m)
            }
        };
        if surplus + a >= b {
            // the pending side stays the larger tail: element b (of the other
            // side) is filled from pending pieces, then from the new element a
            let mut need = b;
            while need > a {
                let Some((f, m)) = pending.pop() else { break };
                if m > need {
                    // only by rounding: cut the piece rather than overshoot
                    put(&mut emit, f, i, need);
                    pending.push((f, m - need));
                    surplus -= need;
                    need = 0.0;
                    break;
                }
                put(&mut emit, f, i, m);
                surplus -= m;
                need -= m;
            }
            let here = need.min(a).max(0.0);
            put(&mut emit, i, i, here);
            let rest = a - here;
            if rest > 0.0 {
                pending.push((i, rest));
                surplus += rest;
            }
        } else {
            // the other side's tail overtakes: element b absorbs every pending
            // piece plus part of the new mass, the remainder becomes a
            // pending piece of the other side
            while let Some((f, m)) = pending.pop() {
                put(&mut emit, f, i, m);
            }
            put(&mut emit, i, i, a);
            let rest = b - surplus - a;
            surplus = 0.0;
            side = if side == Side::Rows { Side::Cols } else { Side::Rows };
            if rest > 0.0 {
                pending.push((i, rest));
                surplus = rest;
            }
        }
    }
    // whatever is still pending is the difference of the two totals
    // (rounding, or within the caller's tolerance): it is dropped.
    let index = vec![rows.iter().map(|&r| op[r as usize]).collect(), cols.iter().map(|&c| oq[c as usize]).collect()];
    Ok(Coupling { index, mass })
}

// ---------------------------------------------------------------------------
// EBIM and MEC with bottleneck
// ---------------------------------------------------------------------------

/// Slack on the EBIM rate bound, in bits (see [`ebim`]).
pub const RATE_SLACK_BITS: f64 = 1e-12;

/// A deterministic encoder x → t.
#[derive(Clone, Debug, PartialEq)]
pub struct Ebim {
    /// t for each x.
    pub mapping: Vec<u32>,
    /// p_T, non-increasing.
    pub p_t: Vec<f64>,
    /// H(T) = I(X;T) in bits.
    pub h_t: f64,
}

/// Greedy EBIM encoder of Ebrahimi, Chen & Khisti: from the identity, while
/// H(T) > R, merge the two smallest masses of T if that meets the bound (and
/// stop), else merge the two largest. Merging the two largest always grows a
/// single top cluster {x₁…x_k} of the sorted masses, and the trial merge of
/// the two smallest always involves the two smallest original states, so one
/// sort and a scan over k with suffix sums of −p log p replace the paper's
/// dense n×n matrix: O(n log n).
pub fn ebim(p: &[f64], rate_bits: f64) -> Result<Ebim> {
    check_marginal(p, "p_x")?;
    // NaN fails both comparisons, so test for the good case
    if !(rate_bits.is_finite() && rate_bits >= 0.0) {
        return Err(Error::invalid("rate", format!("must be finite and >= 0, got {rate_bits}")));
    }
    let n = p.len();
    let mut ord: Vec<u32> = (0..n as u32).collect();
    ord.sort_by(|&a, &b| p[b as usize].total_cmp(&p[a as usize]).then(a.cmp(&b)));
    let s: Vec<f64> = ord.iter().map(|&i| p[i as usize]).collect();
    // suffix[i] = Σ_{j ≥ i} h(s_j)
    let mut suffix = vec![0.0f64; n + 1];
    for i in (0..n).rev() {
        suffix[i] = suffix[i + 1] + h(s[i]);
    }
    // groups in sorted coordinates: 0..k is the top cluster; returns mapping
    let build = |k: usize, merge_smallest: bool| -> Ebim {
        // group id per sorted position before relabelling
        let mut gid = vec![0u32; n];
        let mut masses: Vec<f64> = Vec::new();
        let mut members_first: Vec<u32> = Vec::new(); // smallest original index in group
        let top: f64 = s[..k].iter().sum();
        masses.push(top);
        members_first.push(ord[..k].iter().copied().min().unwrap_or(0));
        let singles_end = if merge_smallest { n - 2 } else { n };
        for (pos, g) in gid.iter_mut().enumerate().take(singles_end).skip(k) {
            *g = masses.len() as u32;
            masses.push(s[pos]);
            members_first.push(ord[pos]);
        }
        if merge_smallest {
            let g = masses.len() as u32;
            gid[n - 2] = g;
            gid[n - 1] = g;
            masses.push(s[n - 2] + s[n - 1]);
            members_first.push(ord[n - 2].min(ord[n - 1]));
        }
        // labels: decreasing p_T, ties by smallest member index
        let mut lab: Vec<u32> = (0..masses.len() as u32).collect();
        lab.sort_by(|&a, &b| {
            masses[b as usize]
                .total_cmp(&masses[a as usize])
                .then(members_first[a as usize].cmp(&members_first[b as usize]))
        });
        let mut rank = vec![0u32; masses.len()];
        for (r, &g) in lab.iter().enumerate() {
            rank[g as usize] = r as u32;
        }
        let mut mapping = vec![0u32; n];
        for pos in 0..n {
            mapping[ord[pos] as usize] = rank[gid[pos] as usize];
        }
        let p_t: Vec<f64> = lab.iter().map(|&g| masses[g as usize]).collect();
        // a point mass has no entropy, whatever rounding its total carries
        let h_t = if p_t.len() == 1 { 0.0 } else { entropy_bits(&p_t) };
        Ebim { mapping, p_t, h_t }
    };
    // Rounding slack on the bound: H(T) is compared with R + 1e-12 bits so
    // that R = H(X) summed in any order returns the identity; the reported
    // H(T) never exceeds R by more than that.
    let limit = rate_bits + RATE_SLACK_BITS;
    let accept = |k: usize, merge: bool| -> Option<Ebim> {
        let e = build(k, merge);
        (e.h_t <= limit).then_some(e)
    };
    let mut top = s[0];
    let mut k = 1usize;
    loop {
        if k >= n {
            return Ok(build(n, false));
        }
        // state: cluster s[0..k] plus singletons s[k..n]
        let h_state = h(top) + suffix[k];
        if h_state <= limit {
            if let Some(e) = accept(k, false) {
                return Ok(e);
            }
        }
        if n - k >= 2 {
            // trial: merge the two smallest masses of T
            let h_trial = h_state - h(s[n - 2]) - h(s[n - 1]) + h(s[n - 2] + s[n - 1]);
            if h_trial <= limit {
                if let Some(e) = accept(k, true) {
                    return Ok(e);
                }
            }
        } else {
            // T = {cluster, one state}: merging the two smallest merges all
            return Ok(build(n, false));
        }
        top += s[k];
        k += 1;
    }
}

/// The MEC-B joint p(x, y) = p(x) p(y | t = f(x)) from a deterministic
/// encoder and a coupling of p_T (marginal 0) with p_Y (marginal 1).
pub fn compose(p_x: &[f64], enc: &Ebim, dec: &Coupling) -> Result<Coupling> {
    if dec.index.len() != 2 {
        return Err(Error::Internal("decoder must couple two marginals".into()));
    }
    let nt = enc.p_t.len();
    // x states of each t, CSR
    let mut start = vec![0usize; nt + 1];
    for &t in &enc.mapping {
        start[t as usize + 1] += 1;
    }
    for t in 0..nt {
        start[t + 1] += start[t];
    }
    let mut fill = start.clone();
    let mut xs = vec![0u32; enc.mapping.len()];
    for (x, &t) in enc.mapping.iter().enumerate() {
        xs[fill[t as usize]] = x as u32;
        fill[t as usize] += 1;
    }
    let cells: usize = dec.index[0].iter().map(|&t| start[t as usize + 1] - start[t as usize]).sum();
    let mut out = Coupling::with_marginals(2, cells);
    for c in 0..dec.len() {
        let (t, y, m) = (dec.index[0][c] as usize, dec.index[1][c], dec.mass[c]);
        let cond = m / enc.p_t[t];
        for &x in &xs[start[t]..start[t + 1]] {
            out.index[0].push(x);
            out.index[1].push(y);
            out.mass.push(p_x[x as usize] * cond);
        }
    }
    Ok(out)
}

/// Result of MEC-B.
#[derive(Clone, Debug)]
pub struct Bottleneck {
    pub encoder: Ebim,
    /// Greedy coupling of p_T (marginal 0) and p_Y (marginal 1).
    pub decoder: Coupling,
    pub decoder_bounds: Bounds,
    /// I(X;Y) in bits; equals I(T;Y) because T is a function of X and Y
    /// depends on X only through T.
    pub mi_xy: f64,
}

pub fn bottleneck(p_x: &[f64], p_y: &[f64], rate_bits: f64) -> Result<Bottleneck> {
    check_marginal(p_y, "p_y")?;
    let encoder = ebim(p_x, rate_bits)?;
    let decoder = greedy(&[&encoder.p_t, p_y], None)?;
    let decoder_bounds = bounds(&[&encoder.p_t, p_y])?;
    let h_y = entropy_bits(p_y);
    let mi_xy = encoder.h_t + h_y - decoder.entropy();
    Ok(Bottleneck { encoder, decoder, decoder_bounds, mi_xy })
}

// ---------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------

/// Greedy couplings of many rows at once: row b of every matrix is one
/// problem. Rows run in parallel on the caller's rayon pool; results are
/// concatenated in row order, so they do not depend on the thread count.
pub struct Batch {
    /// Cells of row b are `offsets[b]..offsets[b + 1]`.
    pub offsets: Vec<usize>,
    pub cells: Coupling,
    pub entropy: Vec<f64>,
    pub bounds: Vec<Bounds>,
}

pub fn greedy_batch(mats: &[MatRef<'_>], with_bounds: bool, irq: &Interrupt) -> Result<Batch> {
    if mats.len() < 2 {
        return Err(Error::invalid("marginals", format!("need at least 2 marginals, got {}", mats.len())));
    }
    let nb = mats[0].n;
    if mats.iter().any(|m| m.n != nb) {
        return Err(Error::invalid("marginals", "all batches must have the same number of rows"));
    }
    let k = mats.len();
    let per: Vec<Result<(Coupling, f64, Bounds)>> = (0..nb)
        .into_par_iter()
        .with_min_len(16)
        .map_init(Scratch::default, |scratch, b| {
            if b % 256 == 0 {
                irq.check()?;
            }
            let rows: Vec<&[f64]> = mats.iter().map(|m| m.row(b)).collect();
            let mut c = Coupling::default();
            greedy_into(&rows, None, scratch, &mut c).map_err(|e| relabel(e, b))?;
            let bd = if with_bounds {
                bounds_from_scratch(scratch)
            } else {
                Bounds { majorization: f64::NAN, profile: f64::NAN, majorize_profile: f64::NAN }
            };
            let e = c.entropy();
            Ok((c, e, bd))
        })
        .collect();
    let mut offsets = Vec::with_capacity(nb + 1);
    offsets.push(0);
    let mut total = 0usize;
    let mut parts = Vec::with_capacity(nb);
    for r in per {
        let r = r?;
        total += r.0.len();
        offsets.push(total);
        parts.push(r);
    }
    let mut cells = Coupling::with_marginals(k, total);
    let mut entropy = Vec::with_capacity(nb);
    let mut bnds = Vec::with_capacity(nb);
    for (c, e, bd) in parts {
        for j in 0..k {
            cells.index[j].extend_from_slice(&c.index[j]);
        }
        cells.mass.extend_from_slice(&c.mass);
        entropy.push(e);
        bnds.push(bd);
    }
    Ok(Batch { offsets, cells, entropy, bounds: bnds })
}

fn relabel(e: Error, row: usize) -> Error {
    match e {
        Error::InvalidArgument { arg, msg } => Error::InvalidArgument { arg, msg: format!("row {row}: {msg}") },
        other => other,
    }
}

/// Total number of states below which a coupling is computed on one thread:
/// spawning work costs more than it saves.
pub const SMALL: usize = 1 << 14;

/// Greedy coupling plus its bounds, with the two halves run side by side on
/// the caller's pool (results do not depend on the thread count).
pub fn greedy_with_bounds(
    marginals: &[&[f64]],
    with_bounds: bool,
    irq: &Interrupt,
) -> Result<(Coupling, Option<Bounds>)> {
    check_all(marginals)?;
    let mut scratch = Scratch::default();
    let mut out = Coupling::default();
    let big = marginals.iter().map(|p| p.len()).sum::<usize>() > SMALL;
    if !big {
        // not worth a second thread
        greedy_into(marginals, Some(irq), &mut scratch, &mut out)?;
        let b = with_bounds.then(|| bounds_from_scratch(&scratch));
        return Ok((out, b));
    }
    prepare(marginals, &mut scratch, big);
    if !with_bounds {
        greedy_loop(marginals, Some(irq), &mut scratch, &mut out)?;
        return Ok((out, None));
    }
    // the bounds need the same sorted masses: copy them out once, then run
    // the greedy and the bounds side by side
    let sorted: Vec<Vec<f64>> = scratch.heaps.iter().map(|q| q.fresh.iter().map(|&k| unkey(k).0).collect()).collect();
    let (c, b) =
        rayon::join(|| greedy_loop(marginals, Some(irq), &mut scratch, &mut out), || bounds_from_sorted(&sorted));
    c?;
    Ok((out, Some(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    fn marg(c: &Coupling, j: usize, n: usize) -> Vec<f64> {
        let mut v = vec![0.0; n];
        for (i, &m) in c.index[j].iter().zip(&c.mass) {
            v[*i as usize] += m;
        }
        v
    }

    /// Small deterministic generator (xorshift) so the tests need no crates.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        fn dist(&mut self, n: usize) -> Vec<f64> {
            let v: Vec<f64> = (0..n).map(|_| -self.next().max(1e-300).ln()).collect();
            let s: f64 = v.iter().sum();
            v.iter().map(|x| x / s).collect()
        }
    }

    #[test]
    fn greedy_is_certified_optimal_on_three_state_marginals() {
        let p = [0.5, 0.4, 0.1];
        let q = [0.6, 0.2, 0.2];
        let c = greedy(&[&p, &q], None).unwrap();
        assert!(close(c.entropy(), 1.7609640474, 1e-9), "{}", c.entropy());
        let b = bounds(&[&p, &q]).unwrap();
        assert!(close(b.majorization, 1.4854752972, 1e-9), "{b:?}");
        assert!(close(b.profile, 1.6609640474, 1e-9), "{b:?}");
        assert!(close(b.majorize_profile, 1.7609640474, 1e-9), "{b:?}");
    }

    #[test]
    fn greedy_and_majorization_bound_on_six_state_marginals() {
        let p = [0.4, 0.3, 0.15, 0.08, 0.04, 0.03];
        let q = [0.44, 0.18, 0.18, 0.15, 0.03, 0.02];
        let c = greedy(&[&p, &q], None).unwrap();
        assert!(close(c.entropy(), 2.5256227371, 1e-9), "{}", c.entropy());
        let b = bounds(&[&p, &q]).unwrap();
        assert!(close(b.majorization, 2.1748174571, 1e-9), "{b:?}");
    }

    #[test]
    fn three_marginals_cells() {
        let c = greedy(&[&[1.0], &[0.75, 0.25], &[0.6, 0.3, 0.1]], None).unwrap();
        let mut got: Vec<(u32, u32, u32, f64)> =
            (0..c.len()).map(|i| (c.index[0][i], c.index[1][i], c.index[2][i], c.mass[i])).collect();
        got.sort_by_key(|a| (a.0, a.1, a.2));
        let want = [(0, 0, 0, 0.6), (0, 0, 1, 0.05), (0, 0, 2, 0.1), (0, 1, 1, 0.25)];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want.iter()) {
            assert_eq!((g.0, g.1, g.2), (w.0, w.1, w.2));
            assert!(close(g.3, w.3, 1e-12));
        }
    }

    #[test]
    fn random_marginals_exact_and_sparse() {
        let mut rng = Rng(0x9E3779B97F4A7C15);
        for case in 0..500 {
            let k = 2 + case % 3;
            let ns: Vec<usize> = (0..k).map(|_| 1 + (rng.next() * 40.0) as usize).collect();
            let ps: Vec<Vec<f64>> = ns.iter().map(|&n| rng.dist(n)).collect();
            let refs: Vec<&[f64]> = ps.iter().map(|v| v.as_slice()).collect();
            let c = greedy(&refs, None).unwrap();
            assert!(c.len() <= ns.iter().map(|n| n - 1).sum::<usize>() + 1);
            for j in 0..k {
                let m = marg(&c, j, ns[j]);
                for (a, b) in m.iter().zip(&ps[j]) {
                    assert!(close(*a, *b, 1e-12), "case {case} marginal {j}: {a} vs {b}");
                }
            }
            let b = bounds(&refs).unwrap();
            assert!(b.majorization <= b.majorize_profile + 1e-9, "{b:?}");
            assert!(b.profile <= b.majorize_profile + 1e-9, "{b:?}");
            assert!(b.best() <= c.entropy() + 1e-9);
            if k == 2 {
                let o = one_bit(refs[0], refs[1]).unwrap();
                for j in 0..2 {
                    let m = marg(&o, j, ns[j]);
                    for (a, b) in m.iter().zip(&ps[j]) {
                        assert!(close(*a, *b, 1e-12), "one-bit case {case} marginal {j}: {a} vs {b}");
                    }
                }
                assert!(o.entropy() <= b.majorization + 1.0 + 1e-9);
                assert!(o.entropy() >= b.best() - 1e-9);
            }
        }
    }

    #[test]
    fn ebim_and_bottleneck_on_six_and_five_state_marginals() {
        let px = [0.4, 0.25, 0.15, 0.1, 0.06, 0.04];
        let py = [0.35, 0.25, 0.2, 0.12, 0.08];
        let r = bottleneck(&px, &py, 1.5).unwrap();
        assert!(close(r.encoder.h_t, 1.478898, 5e-7), "{}", r.encoder.h_t);
        assert!(close(r.mi_xy, 1.238640, 5e-7), "{}", r.mi_xy);
        let j = compose(&px, &r.encoder, &r.decoder).unwrap();
        let mx = marg(&j, 0, px.len());
        let my = marg(&j, 1, py.len());
        for (a, b) in mx.iter().zip(&px) {
            assert!(close(*a, *b, 1e-12));
        }
        for (a, b) in my.iter().zip(&py) {
            assert!(close(*a, *b, 1e-12));
        }
        // identity when the rate allows it
        let id = ebim(&px, 10.0).unwrap();
        assert_eq!(id.p_t.len(), px.len());
        assert!(ebim(&px, -1.0).is_err());
        assert!(ebim(&px, f64::NAN).is_err());
        let zero = ebim(&px, 0.0).unwrap();
        assert_eq!(zero.p_t.len(), 1);
        assert_eq!(zero.h_t, 0.0);
    }

    #[test]
    fn bounds_routes_agree() {
        let mut rng = Rng(42);
        for _ in 0..200 {
            let (n, m) = (1 + (rng.next() * 50.0) as usize, 1 + (rng.next() * 50.0) as usize);
            let p = rng.dist(n);
            let q = rng.dist(m);
            let (a, b) = bounds_consistent(&[&p, &q]);
            assert_eq!(a, b);
            let irq = Interrupt::new();
            let (c, bd) = greedy_with_bounds(&[&p, &q], true, &irq).unwrap();
            assert_eq!(bd.unwrap(), a);
            assert_eq!(c, greedy(&[&p, &q], None).unwrap());
        }
    }

    #[test]
    fn bad_input() {
        assert!(greedy(&[&[0.5, -0.1, 0.6], &[1.0]], None).is_err());
        assert!(greedy(&[&[f64::NAN, 1.0], &[1.0]], None).is_err());
        assert!(greedy(&[&[], &[1.0]], None).is_err());
        assert!(greedy(&[&[1.0]], None).is_err());
        assert!(one_bit(&[0.0, 0.0], &[1.0]).is_err());
    }
}
