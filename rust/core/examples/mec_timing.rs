use infoflux_core::mec;
use std::time::Instant;
fn dist(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    let v: Vec<f64> = (0..n).map(|_| { s ^= s << 13; s ^= s >> 7; s ^= s << 17; -(((s >> 11) as f64 + 1.0) / (1u64 << 53) as f64).ln() }).collect();
    let t: f64 = v.iter().sum();
    v.iter().map(|x| x / t).collect()
}
fn main() {
    batch(); if std::env::args().count() > 1 { return; }
    for &(n, m) in &[(50257usize, 50257usize), (1024, 50257), (1_000_000, 1_000_000)] {
        let p = dist(n, 1); let q = dist(m, 2);
        let t = Instant::now(); let c = mec::greedy(&[&p, &q], None).unwrap(); let g = t.elapsed();
        let t = Instant::now(); let b = mec::bounds(&[&p, &q]).unwrap(); let bt = t.elapsed();
        let t = Instant::now(); let e = c.entropy(); let et = t.elapsed();
        println!("{n}x{m}: greedy {:?} ({} cells) bounds {:?} entropy {:?} {} {}", g, c.len(), bt, et, e, b.best());
    }
}
#[allow(dead_code)]
fn batch() {
    let nb = 10000; let n = 256;
    let mut p = Vec::with_capacity(nb*n); let mut q = Vec::with_capacity(nb*n);
    for b in 0..nb { p.extend(dist(n, 3 + 2*b as u64)); q.extend(dist(n, 4 + 2*b as u64)); }
    let pm = infoflux_core::MatRef::new(&p, nb, n).unwrap(); let qm = infoflux_core::MatRef::new(&q, nb, n).unwrap();
    let irq = infoflux_core::Interrupt::new();
    for wb in [false, true] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let t = Instant::now(); let r = pool.install(|| mec::greedy_batch(&[pm, qm], wb, &irq).unwrap()); println!("batch 1 thread bounds={wb}: {:?} cells {}", t.elapsed(), r.cells.len());
    }
}
