use infoflux_core::mec;
use std::time::Instant;
fn dist(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    let v: Vec<f64> = (0..n).map(|_| { s ^= s << 13; s ^= s >> 7; s ^= s << 17; -(((s >> 11) as f64 + 1.0) / (1u64 << 53) as f64).ln() }).collect();
    let t: f64 = v.iter().sum();
    v.iter().map(|x| x / t).collect()
}
fn main() {
    let p = dist(256, 5); let q = dist(256, 6);
    let mut sc = mec::Scratch::default(); let mut out = mec::Coupling::default();
    let t = Instant::now();
    for _ in 0..10000 { mec::greedy_into(&[&p, &q], None, &mut sc, &mut out).unwrap(); }
    println!("greedy_into x10000: {:?}", t.elapsed());
    let t = Instant::now();
    for _ in 0..10000 { std::hint::black_box(mec::bounds(&[&p, &q]).unwrap()); }
    println!("bounds x10000: {:?}", t.elapsed());
    let t = Instant::now();
    for _ in 0..10000 { std::hint::black_box(out.entropy()); }
    println!("entropy x10000: {:?}", t.elapsed());
}
