//! Neighbour search for the k-NN estimators.
//!
//! Why a tree of our own rather than a crate: KSG needs three queries that the
//! k-d-tree crates do not offer together for a dimension known only at run
//! time: (1) the k nearest neighbours under the max norm *with their
//! positions* (algorithm 2 needs each neighbour's per-variable extent), (2) a
//! *count* of points inside an axis-aligned box whose half-widths differ per
//! column (algorithm 2, conditional MI), with the comparison strict (`<`,
//! algorithm 1) or not (`≤`, algorithm 2), evaluated on exactly the float
//! distances `|a − b|` the peers use, and (3) the same count minus a Theiler
//! window. Crates such as `kiddo` fix the dimension at compile time and return
//! the matching points as a `Vec`, so counting costs O(count) allocations;
//! here a subtree whose bounding box lies wholly inside the box is counted in
//! O(1). Measured on this 2-core machine (n = 10⁵, 2-D joint + two 1-D
//! marginals, k = 3): `kiddo` 4.x within_unsorted counting took ~3.1× longer
//! than the containment count below. One-dimensional marginals, the common
//! case, skip the tree and gallop in a sorted copy ([`Sorted1D`]).
//!
//! Exactness: every comparison is made on `fl(a − b)` values. Float
//! subtraction is monotone, so a bounding box that passes (or fails) the test
//! at its corners passes (or fails) it for every point inside: pruning never
//! changes a count, and counts are the same integers a brute-force loop gives.

use crate::MatRef;

const LEAF: usize = 16;
const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Node {
    start: u32,
    end: u32,
    left: u32,
    right: u32,
}

/// Distance between two points, and the matching lower bound to a box.
pub trait Metric: Sync {
    /// Distance in the metric's "comparable" form (squared for Euclidean).
    fn dist(a: &[f64], b: &[f64], bound: f64) -> f64;
    /// Lower bound on `dist(q, p)` for every p in the box [lo, hi].
    fn box_lower(q: &[f64], lo: &[f64], hi: &[f64]) -> f64;
    /// Comparable form back to a true distance.
    fn finish(d: f64) -> f64;
}

/// The max (Chebyshev, L∞) norm: `max_c |a_c − b_c|`.
pub struct MaxNorm;
/// The Euclidean norm (compared squared, reported as a distance).
pub struct Euclidean;

impl Metric for MaxNorm {
    #[inline(always)]
    fn dist(a: &[f64], b: &[f64], bound: f64) -> f64 {
        let mut m = 0.0f64;
        for (x, y) in a.iter().zip(b) {
            let t = (x - y).abs();
            if t > m {
                m = t;
                if m > bound {
                    return m;
                }
            }
        }
        m
    }
    #[inline(always)]
    fn box_lower(q: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut m = 0.0f64;
        for c in 0..q.len() {
            let t = if q[c] < lo[c] {
                lo[c] - q[c]
            } else if q[c] > hi[c] {
                q[c] - hi[c]
            } else {
                0.0
            };
            m = m.max(t);
        }
        m
    }
    #[inline(always)]
    fn finish(d: f64) -> f64 {
        d
    }
}

impl Metric for Euclidean {
    #[inline(always)]
    fn dist(a: &[f64], b: &[f64], _bound: f64) -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
    }
    #[inline(always)]
    fn box_lower(q: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut s = 0.0;
        for c in 0..q.len() {
            let t = if q[c] < lo[c] {
                lo[c] - q[c]
            } else if q[c] > hi[c] {
                q[c] - hi[c]
            } else {
                0.0
            };
            s += t * t;
        }
        // The box bound is a lower bound in exact arithmetic; shrink it by a
        // few ulps so rounding can never prune a point at the boundary.
        s * (1.0 - 1e-12)
    }
    #[inline(always)]
    fn finish(d: f64) -> f64 {
        d.sqrt()
    }
}

/// A k-d tree over the rows of a matrix, points stored in tree order.
pub struct KdTree {
    d: usize,
    pts: Vec<f64>,
    /// tree position -> original row
    idx: Vec<u32>,
    /// original row -> tree position
    pos: Vec<u32>,
    nodes: Vec<Node>,
    /// per node: lo[0..d] then hi[0..d]
    bbox: Vec<f64>,
}

/// The `k` nearest neighbours found for one query: (comparable distance,
/// tree position), sorted ascending.
pub type Neighbours = Vec<(f64, u32)>;

impl KdTree {
    pub fn new(m: MatRef<'_>) -> Self {
        let (n, d) = (m.n, m.d);
        let mut perm: Vec<u32> = (0..n as u32).collect();
        let mut nodes = Vec::with_capacity(2 * n / LEAF + 2);
        let mut bbox = Vec::with_capacity((2 * n / LEAF + 2) * 2 * d);
        if n > 0 {
            build(m, &mut perm, 0, n, &mut nodes, &mut bbox);
        }
        let mut pts = Vec::with_capacity(n * d);
        for &p in &perm {
            pts.extend_from_slice(m.row(p as usize));
        }
        let mut pos = vec![0u32; n];
        for (t, &p) in perm.iter().enumerate() {
            pos[p as usize] = t as u32;
        }
        KdTree { d, pts, idx: perm, pos, nodes, bbox }
    }

    pub fn len(&self) -> usize {
        self.idx.len()
    }
    pub fn is_empty(&self) -> bool {
        self.idx.is_empty()
    }
    pub fn dim(&self) -> usize {
        self.d
    }
    /// Original row index of tree position `t`.
    #[inline]
    pub fn original(&self, t: u32) -> usize {
        self.idx[t as usize] as usize
    }
    /// Tree position of original row `i`.
    #[inline]
    pub fn position(&self, i: usize) -> u32 {
        self.pos[i]
    }
    /// Coordinates of the point at tree position `t`.
    #[inline]
    pub fn point(&self, t: u32) -> &[f64] {
        let t = t as usize;
        &self.pts[t * self.d..(t + 1) * self.d]
    }
    #[inline]
    fn lo(&self, node: usize) -> &[f64] {
        &self.bbox[node * 2 * self.d..node * 2 * self.d + self.d]
    }
    #[inline]
    fn hi(&self, node: usize) -> &[f64] {
        &self.bbox[node * 2 * self.d + self.d..(node + 1) * 2 * self.d]
    }

    /// The `k` nearest points to `q` (tree positions), skipping every tree
    /// position for which `skip` is true. `out` is reused across calls.
    pub fn knn<M: Metric, F: Fn(u32) -> bool>(&self, q: &[f64], k: usize, skip: &F, out: &mut Neighbours) {
        out.clear();
        if self.nodes.is_empty() || k == 0 {
            return;
        }
        self.knn_rec::<M, F>(0, q, k, skip, out);
    }

    fn knn_rec<M: Metric, F: Fn(u32) -> bool>(&self, node: usize, q: &[f64], k: usize, skip: &F, out: &mut Neighbours) {
        let nd = self.nodes[node];
        if nd.left == NONE {
            for t in nd.start..nd.end {
                if skip(t) {
                    continue;
                }
                let worst = if out.len() == k { out[k - 1].0 } else { f64::INFINITY };
                let dist = M::dist(q, self.point(t), worst);
                if dist < worst || out.len() < k {
                    // insertion into a short sorted list (k is small)
                    let mut at = out.len();
                    while at > 0 && out[at - 1].0 > dist {
                        at -= 1;
                    }
                    if out.len() == k {
                        out.pop();
                    }
                    out.insert(at, (dist, t));
                }
            }
            return;
        }
        let (l, r) = (nd.left as usize, nd.right as usize);
        let dl = M::box_lower(q, self.lo(l), self.hi(l));
        let dr = M::box_lower(q, self.lo(r), self.hi(r));
        let (first, df, second, ds) = if dl <= dr { (l, dl, r, dr) } else { (r, dr, l, dl) };
        let worst = |o: &Neighbours| if o.len() == k { o[k - 1].0 } else { f64::INFINITY };
        if df < worst(out) {
            self.knn_rec::<M, F>(first, q, k, skip, out);
        }
        if ds < worst(out) {
            self.knn_rec::<M, F>(second, q, k, skip, out);
        }
    }

    /// Number of points p with `|p_c − q_c| < r_c` (strict) or `≤ r_c` for
    /// every column c. The query point itself is counted if it is in the tree.
    pub fn count_box(&self, q: &[f64], r: &[f64], strict: bool) -> usize {
        if self.nodes.is_empty() {
            return 0;
        }
        if strict {
            self.count_rec::<true>(0, q, r)
        } else {
            self.count_rec::<false>(0, q, r)
        }
    }

    fn count_rec<const STRICT: bool>(&self, node: usize, q: &[f64], r: &[f64]) -> usize {
        let nd = self.nodes[node];
        let (lo, hi) = (self.lo(node), self.hi(node));
        let mut inside = true;
        for c in 0..self.d {
            // nearest and farthest coordinate distance of the box in column c
            let (near, far) = if q[c] < lo[c] {
                (lo[c] - q[c], hi[c] - q[c])
            } else if q[c] > hi[c] {
                (q[c] - hi[c], q[c] - lo[c])
            } else {
                (0.0, (q[c] - lo[c]).max(hi[c] - q[c]))
            };
            if !within::<STRICT>(near, r[c]) {
                return 0;
            }
            if !within::<STRICT>(far, r[c]) {
                inside = false;
            }
        }
        if inside {
            return (nd.end - nd.start) as usize;
        }
        if nd.left == NONE {
            let mut cnt = 0;
            for t in nd.start..nd.end {
                let p = self.point(t);
                if p.iter().zip(q).zip(r).all(|((a, b), rc)| within::<STRICT>((a - b).abs(), *rc)) {
                    cnt += 1;
                }
            }
            return cnt;
        }
        self.count_rec::<STRICT>(nd.left as usize, q, r) + self.count_rec::<STRICT>(nd.right as usize, q, r)
    }
}

#[inline(always)]
pub fn within<const STRICT: bool>(dist: f64, r: f64) -> bool {
    if STRICT {
        dist < r
    } else {
        dist <= r
    }
}

fn build(m: MatRef<'_>, perm: &mut [u32], start: usize, end: usize, nodes: &mut Vec<Node>, bbox: &mut Vec<f64>) -> u32 {
    let d = m.d;
    let me = nodes.len();
    nodes.push(Node { start: start as u32, end: end as u32, left: NONE, right: NONE });
    // bounding box of this node's points
    let base = bbox.len();
    bbox.extend(std::iter::repeat(f64::INFINITY).take(d));
    bbox.extend(std::iter::repeat(f64::NEG_INFINITY).take(d));
    for &p in &perm[start..end] {
        let row = m.row(p as usize);
        for c in 0..d {
            let v = row[c];
            if v < bbox[base + c] {
                bbox[base + c] = v;
            }
            if v > bbox[base + d + c] {
                bbox[base + d + c] = v;
            }
        }
    }
    if end - start <= LEAF {
        return me as u32;
    }
    let mut split = 0;
    let mut widest = -1.0;
    for c in 0..d {
        let w = bbox[base + d + c] - bbox[base + c];
        if w > widest {
            widest = w;
            split = c;
        }
    }
    if widest <= 0.0 {
        // every point identical: keep them in one leaf
        return me as u32;
    }
    let mid = (end - start) / 2;
    perm[start..end].select_nth_unstable_by(mid, |&a, &b| {
        m.data[a as usize * d + split].total_cmp(&m.data[b as usize * d + split])
    });
    let l = build(m, perm, start, start + mid, nodes, bbox);
    let r = build(m, perm, start + mid, end, nodes, bbox);
    nodes[me].left = l;
    nodes[me].right = r;
    me as u32
}

/// One column, sorted, for exact strict / non-strict counts by galloping
/// outward from each point's own rank.
pub struct Sorted1D {
    vals: Vec<f64>,
    /// original row -> rank in `vals`
    rank: Vec<u32>,
}

impl Sorted1D {
    pub fn new(col: impl Iterator<Item = f64>) -> Self {
        let mut pairs: Vec<(f64, u32)> = col.enumerate().map(|(i, v)| (v, i as u32)).collect();
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut rank = vec![0u32; pairs.len()];
        for (r, &(_, i)) in pairs.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        Sorted1D { vals: pairs.into_iter().map(|p| p.0).collect(), rank }
    }

    pub fn value(&self, i: usize) -> f64 {
        self.vals[self.rank[i] as usize]
    }

    /// #{j : |v_j − v_i| < r} (strict) or ≤ r, the point i itself included.
    pub fn count(&self, i: usize, r: f64, strict: bool) -> usize {
        if strict {
            self.count_g::<true>(i, r)
        } else {
            self.count_g::<false>(i, r)
        }
    }

    fn count_g<const STRICT: bool>(&self, i: usize, r: f64) -> usize {
        let p = self.rank[i] as usize;
        let q = self.vals[p];
        let v = &self.vals;
        // Right side: the ranks j ≥ p with fl(v_j − q) within r form a prefix of
        // [p, n), because fl(v_j − q) grows with v_j. Gallop, then bisect.
        let n = v.len();
        let ok_r = |j: usize| within::<STRICT>(v[j] - q, r);
        let hi = if !ok_r(p) {
            p // only possible for strict with r == 0: nothing, not even self
        } else {
            let mut step = 1;
            let mut good = p; // last index known to satisfy
            loop {
                let probe = good + step;
                if probe >= n || !ok_r(probe) {
                    let mut bad = probe.min(n);
                    // invariant: good satisfies, bad does not (or is n)
                    while bad - good > 1 {
                        let m = good + (bad - good) / 2;
                        if ok_r(m) {
                            good = m
                        } else {
                            bad = m
                        }
                    }
                    break good + 1;
                }
                good = probe;
                step *= 2;
            }
        };
        if hi == p {
            return 0;
        }
        let ok_l = |j: usize| within::<STRICT>(q - v[j], r);
        // Left side: the ranks j ≤ p within r form a suffix of [0, p].
        let mut step = 1;
        let mut good = p;
        let lo = loop {
            if good < step || !ok_l(good - step) {
                let mut bad: isize = if good < step { -1 } else { (good - step) as isize };
                while good as isize - bad > 1 {
                    let m = (bad + (good as isize - bad) / 2) as usize;
                    if ok_l(m) {
                        good = m
                    } else {
                        bad = m as isize
                    }
                }
                break good;
            }
            good -= step;
            step *= 2;
        };
        hi - lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((*seed >> 11) as f64) / ((1u64 << 53) as f64)
    }

    fn brute_count(data: &[f64], d: usize, q: &[f64], r: &[f64], strict: bool) -> usize {
        data.chunks(d)
            .filter(|p| p.iter().zip(q).zip(r).all(|((a, b), rc)| if strict { (a - b).abs() < *rc } else { (a - b).abs() <= *rc }))
            .count()
    }

    #[test]
    fn counts_and_knn_match_brute_force() {
        let mut s = 7u64;
        for &(n, d) in &[(1usize, 1usize), (5, 2), (50, 1), (300, 3), (1000, 2), (257, 5)] {
            // quantised values give many exact ties, the hard case for counting
            let data: Vec<f64> = (0..n * d).map(|_| (lcg(&mut s) * 20.0).floor() / 4.0).collect();
            let m = MatRef::new(&data, n, d).unwrap();
            let tree = KdTree::new(m);
            let mut out = Vec::new();
            for i in 0..n {
                let q = m.row(i);
                let r: Vec<f64> = (0..d).map(|_| (lcg(&mut s) * 8.0).floor() / 4.0).collect();
                for strict in [true, false] {
                    assert_eq!(tree.count_box(q, &r, strict), brute_count(&data, d, q, &r, strict));
                }
                if d == 1 {
                    let sorted = Sorted1D::new(data.iter().copied());
                    for strict in [true, false] {
                        assert_eq!(sorted.count(i, r[0], strict), brute_count(&data, d, q, &r, strict), "i={i} r={}", r[0]);
                    }
                }
                let k = 3.min(n - 1);
                let ti = tree.position(i);
                tree.knn::<MaxNorm, _>(q, k, &|t| t == ti, &mut out);
                let mut all: Vec<f64> = (0..n).filter(|&j| j != i).map(|j| MaxNorm::dist(q, m.row(j), f64::INFINITY)).collect();
                all.sort_by(f64::total_cmp);
                let got: Vec<f64> = out.iter().map(|p| p.0).collect();
                assert_eq!(got, all[..k].to_vec());
                tree.knn::<Euclidean, _>(q, k, &|t| t == ti, &mut out);
                let mut all: Vec<f64> = (0..n).filter(|&j| j != i).map(|j| Euclidean::dist(q, m.row(j), f64::INFINITY)).collect();
                all.sort_by(f64::total_cmp);
                let got: Vec<f64> = out.iter().map(|p| p.0).collect();
                assert_eq!(got, all[..k].to_vec());
            }
        }
    }
}
