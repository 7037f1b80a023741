//! The single estimate: a target side built once (Y, Z and their counting
//! structures) and the local values of one source, or of one surrogate of
//! it, through the joint k-NN search of `knn`.

use crate::knn::{cmi_local_formula, knn_local_values_with, Algorithm, Counter, Exclusion, KnnSpec};
use crate::search::sorted::Sorted1D;
use crate::search::sorted_order;
use crate::{Error, Interrupt, MatRef, Result};

/// The target side of a transfer-entropy computation, shared by every source
/// and surrogate: Y (target next), Z (target past and conditions) and their
/// counting structures.
pub struct TargetSide<'a> {
    pub(super) y: MatRef<'a>,
    pub(super) z: MatRef<'a>,
    pub(super) yz: Counter,
    pub(super) zc: Counter,
}

/// Below this many rows the grids are not used (see `knn`), nor sorted
/// orders worth passing around.
const GRID_MIN_ROWS: usize = 64;

/// The joint rows (Z, X, Y): Z first, so that a history-1 TE's 3-D grid
/// takes Z's blocks as its outermost axis and queries in grid order move
/// slowly in Z, where pass 1 counts the Z marginal from the sorted column
/// (its value index then stays cached: 3-5% faster per TE at 10⁵ and 10⁶).
fn joint_rows(x: MatRef<'_>, order: Option<&[u32]>, y: MatRef<'_>, z: MatRef<'_>) -> Vec<f64> {
    let d = x.d + y.d + z.d;
    let mut joint = Vec::with_capacity(x.n * d);
    for r in 0..x.n {
        let xr = order.map_or(r, |o| o[r] as usize);
        joint.extend_from_slice(z.row(r));
        joint.extend_from_slice(x.row(xr));
        joint.extend_from_slice(y.row(r));
    }
    joint
}

impl<'a> TargetSide<'a> {
    pub fn new(y: MatRef<'a>, z: MatRef<'a>) -> Result<Self> {
        if y.n != z.n {
            return Err(Error::invalid("target", "target blocks differ in length"));
        }
        if y.d == 1 && z.d == 1 && y.n >= GRID_MIN_ROWS {
            // Z's sorted copy holds the order the Y∪Z grid needs
            let (oy, zs) = rayon::join(|| sorted_order(y.data), || Sorted1D::from_slice(z.data));
            let yz = Counter::from_sorted_pair(y.data, z.data, oy, zs.order().to_vec())?;
            return Ok(TargetSide { y, z, yz, zc: Counter::Sorted(zs) });
        }
        let mut yzd = Vec::with_capacity(y.n * (y.d + z.d));
        for r in 0..y.n {
            yzd.extend_from_slice(y.row(r));
            yzd.extend_from_slice(z.row(r));
        }
        let (yz, zc) = rayon::join(|| Counter::new(MatRef { data: &yzd, n: y.n, d: y.d + z.d }), || Counter::new(z));
        Ok(TargetSide { y, z, yz, zc })
    }

    /// Z's ascending order when the X∪Z counter can be built from sorted
    /// columns (one source column, one Z column).
    pub(super) fn z_order(&self, x: MatRef<'_>) -> Option<&[u32]> {
        match (&self.zc, x.d, self.y.d, x.n >= GRID_MIN_ROWS) {
            (Counter::Sorted(s), 1, 1, true) => Some(s.order()),
            _ => None,
        }
    }

    /// The ascending order of source block `x` where
    /// [`local_values_sorted`](Self::local_values_sorted) can use it; compute
    /// it once per source and share it across the source's surrogates.
    pub fn source_order(&self, x: MatRef<'_>) -> Option<Vec<u32>> {
        self.z_order(x).map(|_| sorted_order(x.data))
    }

    /// The source column reordered by `order` (a surrogate) or as given,
    /// and its ascending order derived from `x_sorted` (the unreordered
    /// source's) without sorting again.
    fn reordered_source(x: MatRef<'_>, order: Option<&[u32]>, x_sorted: &[u32]) -> (Vec<f64>, Vec<u32>) {
        match order {
            None => (x.data.to_vec(), x_sorted.to_vec()),
            Some(perm) => {
                // surrogate row r holds source row perm[r]
                let mut inv = vec![0u32; x.n];
                for (r, &src) in perm.iter().enumerate() {
                    inv[src as usize] = r as u32;
                }
                (
                    perm.iter().map(|&src| x.data[src as usize]).collect(),
                    x_sorted.iter().map(|&i| inv[i as usize]).collect(),
                )
            }
        }
    }

    /// Local CMI values I(X;Y|Z) for source block `x`, its rows reordered by
    /// `order` (a surrogate) or as given.
    pub fn local_values(
        &self,
        x: MatRef<'_>,
        order: Option<&[u32]>,
        k: usize,
        algorithm: Algorithm,
        exclusion: Exclusion<'_>,
        interrupt: &Interrupt,
    ) -> Result<Vec<f64>> {
        let sorted = self.source_order(x);
        self.local_values_sorted(x, order, sorted.as_deref(), k, algorithm, exclusion, interrupt)
    }

    /// As [`local_values`](Self::local_values), given the ascending order of
    /// the (unreordered) source rows from [`source_order`](Self::source_order).
    #[allow(clippy::too_many_arguments)]
    pub fn local_values_sorted(
        &self,
        x: MatRef<'_>,
        order: Option<&[u32]>,
        x_sorted: Option<&[u32]>,
        k: usize,
        algorithm: Algorithm,
        exclusion: Exclusion<'_>,
        interrupt: &Interrupt,
    ) -> Result<Vec<f64>> {
        if x.n != self.y.n {
            return Err(Error::invalid("source", format!("source has {} rows, target {}", x.n, self.y.n)));
        }
        if order.is_some_and(|o| o.len() != x.n) || x_sorted.is_some_and(|o| o.len() != x.n) {
            return Err(Error::Internal("row order of the wrong length".into()));
        }
        let (dx, dy, dz) = (x.d, self.y.d, self.z.d);
        let joint = joint_rows(x, order, self.y, self.z);
        let spec = KnnSpec {
            joint: MatRef { data: &joint, n: x.n, d: dx + dy + dz },
            // groups X, Y, Z over the joint columns (Z, X, Y)
            groups: vec![dz..dz + dx, dz + dx..dz + dx + dy, 0..dz],
            spaces: vec![vec![0, 2], vec![1, 2], vec![2]],
            k,
            algorithm,
            exclusion,
        };
        let xz = match (self.z_order(x), x_sorted) {
            (Some(oz), Some(ox)) => {
                let (xs, o) = Self::reordered_source(x, order, ox);
                Some(Counter::from_sorted_pair(&xs, self.z.data, o, oz.to_vec())?)
            }
            // built alongside the joint search
            _ => None,
        };
        let counters = [xz.as_ref(), Some(&self.yz), Some(&self.zc)];
        knn_local_values_with(&spec, &counters, interrupt, cmi_local_formula(k, algorithm, x.n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_target_equals_direct_cmi() {
        let mut s = 11u64;
        let n = 300;
        let mut u = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64) / ((1u64 << 53) as f64)
        };
        let x: Vec<f64> = (0..n).map(|_| u()).collect();
        let z: Vec<f64> = (0..n).map(|_| u()).collect();
        let y: Vec<f64> = (0..n).map(|i| x[i] + z[i] + u()).collect();
        let (xm, ym, zm) = (MatRef { data: &x, n, d: 1 }, MatRef { data: &y, n, d: 1 }, MatRef { data: &z, n, d: 1 });
        for alg in [Algorithm::One, Algorithm::Two] {
            let direct =
                crate::knn::conditional_mutual_info_local(xm, ym, zm, 4, alg, Exclusion::default(), &Interrupt::new())
                    .unwrap();
            let target = TargetSide::new(ym, zm).unwrap();
            let shared = target.local_values(xm, None, 4, alg, Exclusion::default(), &Interrupt::new()).unwrap();
            assert_eq!(direct, shared);
        }
    }
}
