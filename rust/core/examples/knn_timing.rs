//! Rough timing of the neighbour-search stages (development aid):
//! cargo run --release --example knn_timing -p infoflux-core -- 1000000
use infoflux_core::kdtree::{KdTree, MaxNorm, Sorted1D};
use infoflux_core::knn::{mutual_info_local, Algorithm, Exclusion};
use infoflux_core::{Interrupt, MatRef};
use std::time::Instant;

fn main() {
    if std::env::args().nth(2).as_deref() == Some("mi") {
        let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
        let mut s = 1u64;
        let mut u = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64) / ((1u64 << 53) as f64)
        };
        // Gaussian-ish marginals (sum of uniforms), rho ~ 0.6
        let x: Vec<f64> = (0..n).map(|_| u() + u() + u() - 1.5).collect();
        let y: Vec<f64> = x.iter().map(|v| 0.6 * v + 0.8 * (u() + u() + u() - 1.5)).collect();
        let reps: usize = std::env::var("REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
        let mut best = std::time::Duration::MAX;
        let mut est = 0.0;
        for _ in 0..reps {
            let t = Instant::now();
            let v = mutual_info_local(MatRef { data: &x, n, d: 1 }, MatRef { data: &y, n, d: 1 }, 3, Algorithm::One, Exclusion::default(), &Interrupt::new()).unwrap();
            best = best.min(t.elapsed());
            est = infoflux_core::mean(&v);
        }
        println!("mi n={n}: best of {reps} {best:?} {est}");
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("sort") {
        let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
        let mut s = 1u64;
        let mut u = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64) / ((1u64 << 53) as f64)
        };
        let x: Vec<f64> = (0..n).map(|_| u() + u() + u() - 1.5).collect();
        let y: Vec<f64> = x.iter().map(|v| 0.6 * v + 0.8 * (u() + u() + u() - 1.5)).collect();
        let (mut b1, mut b2) = (std::time::Duration::MAX, std::time::Duration::MAX);
        for _ in 0..20 {
            let t = Instant::now();
            let sx = infoflux_core::sorted::Sorted1D::from_slice(&x);
            let sy = infoflux_core::sorted::Sorted1D::from_slice(&y);
            b1 = b1.min(t.elapsed());
            let t = Instant::now();
            let g = infoflux_core::grid::Grid::from_sorted(&sx, &sy);
            b2 = b2.min(t.elapsed());
            assert!(g.len() == n);
        }
        println!("two sorts {b1:?} grid {b2:?}");
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("prep") {
        let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
        let x: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.618034).fract()).collect();
        let mut best = std::time::Duration::MAX;
        for _ in 0..20 {
            let mut v = x.clone();
            let t = Instant::now();
            infoflux_core::prep::preprocess(&mut v, n, 1, true, 1e-8, 1, 0).unwrap();
            best = best.min(t.elapsed());
        }
        println!("prep n={n}: {best:?}");
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("build") {
        let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
        let xy: Vec<f64> = (0..2 * n).map(|i| ((i as f64) * 0.618034).fract() + ((i * i) as f64 * 1e-7).sin()).collect();
        let t = KdTree::new(MatRef { data: &xy, n, d: 2 });
        println!("{}", t.len());
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("phases") {
        let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
        phases(n);
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("stages") {
        let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
        te_stages(n);
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("te") {
        let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
        te_profile(n);
        return;
    }
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let mut s = 1u64;
    let mut u = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let x: Vec<f64> = (0..n).map(|_| u()).collect();
    let y: Vec<f64> = x.iter().map(|v| v + u()).collect();
    let xy: Vec<f64> = x.iter().zip(&y).flat_map(|(a, b)| [*a, *b]).collect();
    let m = MatRef { data: &xy, n, d: 2 };
    let t = Instant::now();
    let tree = KdTree::new(m);
    println!("build 2d: {:?}", t.elapsed());
    let t = Instant::now();
    let mut out = Vec::new();
    let mut acc = 0.0;
    for p in 0..n as u32 {
        tree.knn_point::<MaxNorm, _>(p, 3, &|u| u == p, &mut out);
        acc += out[2].0;
    }
    println!("knn 2d (1 thread): {:?} {acc}", t.elapsed());
    let t = Instant::now();
    let sx = Sorted1D::new(x.iter().copied());
    println!("sort 1d: {:?}", t.elapsed());
    let t = Instant::now();
    let mut c = 0;
    for i in 0..n {
        c += sx.count(i, 0.001, true);
    }
    println!("count 1d (1 thread): {:?} {c}", t.elapsed());
    let t = Instant::now();
    let v = mutual_info_local(MatRef { data: &x, n, d: 1 }, MatRef { data: &y, n, d: 1 }, 3, Algorithm::One, Exclusion::default(), &Interrupt::new()).unwrap();
    println!("mi total (all threads): {:?} {}", t.elapsed(), infoflux_core::mean(&v));
}

#[allow(dead_code)]
fn te_profile(n: usize) {
    use infoflux_core::te::TargetSide;
    let mut s = 5u64;
    let mut u = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 11) as f64) / ((1u64 << 53) as f64) - 0.5
    };
    // GAUSS=1: Gaussian innovations (Box-Muller), as benches/bench_te.py
    let gauss = std::env::var("GAUSS").is_ok();
    let mut e = || {
        if gauss {
            let (a, b) = (u() + 0.5, u() + 0.5);
            (-2.0 * (1.0 - a).ln()).sqrt() * (std::f64::consts::TAU * b).cos()
        } else {
            u()
        }
    };
    let x: Vec<f64> = (0..n).map(|_| e()).collect();
    let mut y = vec![0.0; n];
    for t in 1..n {
        y[t] = 0.5 * y[t - 1] + 0.5 * x[t - 1] + e();
    }
    let xs: Vec<f64> = x[..n - 1].to_vec();
    let yn: Vec<f64> = y[1..].to_vec();
    let yp: Vec<f64> = y[..n - 1].to_vec();
    let m = n - 1;
    let t = Instant::now();
    let target = TargetSide::new(MatRef { data: &yn, n: m, d: 1 }, MatRef { data: &yp, n: m, d: 1 }).unwrap();
    println!("te target side: {:?}", t.elapsed());
    let t = Instant::now();
    let lists = target.neighbour_lists(&Interrupt::new()).unwrap();
    println!("te target lists: {:?} ({})", t.elapsed(), lists.is_some());
    if let Ok(s) = std::env::var("SURR") {
        // one source with S permutation surrogates, as a network entry
        let s: usize = s.parse().unwrap();
        let t = Instant::now();
        let r = infoflux_core::te::many_sources(&target, &[MatRef { data: &xs, n: m, d: 1 }], 4, Algorithm::One, Exclusion::default(), &[0..m], s,
            infoflux_core::te::SurrogateMethod::Permutation, 7, &Interrupt::new()).unwrap();
        println!("te + {s} surrogates: {:?}, per TE {:?} ({})", t.elapsed(), t.elapsed() / (s as u32 + 1), r[0].0);
        return;
    }
    let reps: usize = std::env::var("REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let t = Instant::now();
    let mut v = Vec::new();
    for _ in 0..reps {
        v = target
            .local_values(MatRef { data: &xs, n: m, d: 1 }, None, 4, Algorithm::One, Exclusion::default(), &Interrupt::new())
            .unwrap();
    }
    println!("te source: {:?} per call {}", t.elapsed() / reps as u32, infoflux_core::mean(&v));
}

#[allow(dead_code)]
fn phases(n: usize) {
    let mut s = 9u64;
    let mut u = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 11) as f64) / ((1u64 << 53) as f64) - 0.5
    };
    let x: Vec<f64> = (0..n).map(|_| u()).collect();
    let y: Vec<f64> = x.iter().map(|v| 0.6 * v + 0.8 * u()).collect();
    let xy: Vec<f64> = x.iter().zip(&y).flat_map(|(a, b)| [*a, *b]).collect();
    for _ in 0..2 {
        let t = Instant::now();
        let tree = KdTree::new(MatRef { data: &xy, n, d: 2 });
        let tb = t.elapsed();
        let t = Instant::now();
        let sx = Sorted1D::new(x.iter().copied());
        let ts = t.elapsed();
        let t = Instant::now();
        let mut out = Vec::new();
        let mut eps = vec![0.0; n];
        for p in 0..n as u32 {
            tree.knn_point::<MaxNorm, _>(p, 3, &|u| u == p, &mut out);
            eps[tree.original(p)] = out[2].0;
        }
        let tk = t.elapsed();
        let t = Instant::now();
        let mut c = 0;
        for p in 0..n as u32 {
            let i = tree.original(p);
            c += sx.count(i, eps[i], true);
        }
        let tc = t.elapsed();
        println!("n={n}: build {tb:?} sort1d {ts:?} knn {tk:?} count1d(tree order) {tc:?} (mean count {})", c / n);
    }
}

/// One thread, best of 5: the 3-D joint search and the 2-D box counts of a
/// history-1 TE, each on its own.
#[allow(dead_code)]
fn te_stages(n: usize) {
    use infoflux_core::boxgrid::BoxGrid;
    use infoflux_core::grid3::Grid3;
    let mut s = 5u64;
    let mut u = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 11) as f64) / ((1u64 << 53) as f64) - 0.5
    };
    let x: Vec<f64> = (0..n).map(|_| u()).collect();
    let mut y = vec![0.0; n];
    for t in 1..n {
        y[t] = 0.5 * y[t - 1] + 0.5 * x[t - 1] + u();
    }
    let m = n - 1;
    let (xs, yn, yp) = (&x[..m], &y[1..], &y[..m]);
    let best = |f: &mut dyn FnMut() -> f64| {
        let mut b = std::time::Duration::MAX;
        let mut v = 0.0;
        for _ in 0..5 {
            let t = Instant::now();
            v = f();
            b = b.min(t.elapsed());
        }
        (b, v)
    };
    let (tb, _) = best(&mut || Grid3::new([xs, yn, yp]).len() as f64);
    let grid = Grid3::new([xs, yn, yp]);
    let mut eps = vec![0.0; m];
    let mut out = Vec::new();
    let kk: usize = std::env::var("K").ok().and_then(|s| s.parse().ok()).unwrap_or(4);
    let (tk, acc) = best(&mut || {
        let mut acc = 0.0;
        for p in 0..m as u32 {
            grid.knn(p, kk, &|t| t == p, &mut out);
            acc += out[kk - 1].0;
            eps[grid.original(p)] = out[kk - 1].0;
        }
        acc
    });
    println!("grid3 build {tb:?} knn {tk:?} ({acc})");
    let (ts, acc) = best(&mut || (0..m as u32).map(|p| grid.kth_distance(p, kk).unwrap()).sum());
    println!("grid3 kth_distance (3x3x3 block, grown where it does not certify) {ts:?} ({acc})");
    {
        let joint: Vec<f64> = (0..m).flat_map(|i| [xs[i], yn[i], yp[i]]).collect();
        let tree = KdTree::new(MatRef { data: &joint, n: m, d: 3 });
        let (tt, acc) = best(&mut || {
            let mut acc = 0.0;
            for p in 0..m as u32 {
                tree.knn_point::<MaxNorm, _>(p, 4, &|t| t == p, &mut out);
                acc += out[3].0;
            }
            acc
        });
        println!("kd-tree knn {tt:?} ({acc})");
    }
    let bg = BoxGrid::new(xs, yp);
    let (tb, _) = best(&mut || BoxGrid::new(xs, yp).len() as f64);
    let (tc, c) = best(&mut || {
        let mut c = 0;
        for p in 0..m {
            let e = eps[bg.original(p)];
            c += bg.count_at(p, &[e, e], true);
        }
        c as f64
    });
    println!("boxgrid xz build {tb:?} count {tc:?} (mean {})", c / m as f64);
}
