//! Rough timing of the public k-NN and transfer-entropy entry points
//! (development aid; the Python benchmarks in `benches/` are the reference):
//!
//! cargo run --release --example knn_timing -p infoflux-core -- N [mi|prep|te]
//!
//! `N` samples (default 10⁶); no mode: one KSG MI of two correlated columns,
//! all threads. `te` reads GAUSS (Gaussian innovations), SURR (that many
//! permutation surrogates through `many_sources`) and REPS.
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
            let v = mutual_info_local(
                MatRef { data: &x, n, d: 1 },
                MatRef { data: &y, n, d: 1 },
                3,
                Algorithm::One,
                Exclusion::default(),
                &Interrupt::new(),
            )
            .unwrap();
            best = best.min(t.elapsed());
            est = infoflux_core::mean(&v);
        }
        println!("mi n={n}: best of {reps} {best:?} {est}");
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
    let t = Instant::now();
    let v = mutual_info_local(
        MatRef { data: &x, n, d: 1 },
        MatRef { data: &y, n, d: 1 },
        3,
        Algorithm::One,
        Exclusion::default(),
        &Interrupt::new(),
    )
    .unwrap();
    println!("mi total (all threads): {:?} {}", t.elapsed(), infoflux_core::mean(&v));
}

// `&[0..m]`: the trials of a series of one trial
#[allow(clippy::single_range_in_vec_init)]
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
    if let Ok(s) = std::env::var("SURR") {
        // one source with S permutation surrogates, as a network entry
        let s: usize = s.parse().unwrap();
        let t = Instant::now();
        let r = infoflux_core::te::many_sources(
            &target,
            &[MatRef { data: &xs, n: m, d: 1 }],
            4,
            Algorithm::One,
            Exclusion::default(),
            &[0..m],
            s,
            infoflux_core::te::SurrogateMethod::Permutation,
            7,
            &Interrupt::new(),
        )
        .unwrap();
        println!(
            "te + {s} surrogates: {:?}, per TE {:?} ({})",
            t.elapsed(),
            t.elapsed() / (s as u32 + 1),
            r.estimate(0)
        );
        return;
    }
    let reps: usize = std::env::var("REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let t = Instant::now();
    let mut v = Vec::new();
    for _ in 0..reps {
        v = target
            .local_values(
                MatRef { data: &xs, n: m, d: 1 },
                None,
                4,
                Algorithm::One,
                Exclusion::default(),
                &Interrupt::new(),
            )
            .unwrap();
    }
    println!("te source: {:?} per call {}", t.elapsed() / reps as u32, infoflux_core::mean(&v));
}
