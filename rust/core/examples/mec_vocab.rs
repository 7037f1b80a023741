use infoflux_core::mec;
fn dist(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    let v: Vec<f64> = (0..n).map(|_| { s ^= s << 13; s ^= s >> 7; s ^= s << 17; -(((s >> 11) as f64 + 1.0) / (1u64 << 53) as f64).ln() }).collect();
    let t: f64 = v.iter().sum();
    v.iter().map(|x| x / t).collect()
}
fn main() {
    let p = dist(50257, 1); let q = dist(50257, 2);
    let irq = infoflux_core::Interrupt::new();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let t = std::time::Instant::now();
    for _ in 0..100 { std::hint::black_box(pool.install(|| mec::greedy_with_bounds(&[&p, &q], true, &irq).unwrap())); }
    println!("{:?} per call", t.elapsed() / 100);
}
