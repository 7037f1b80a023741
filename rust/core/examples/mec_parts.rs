use infoflux_core::mec;
use std::time::Instant;
fn dist(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    let v: Vec<f64> = (0..n).map(|_| { s ^= s << 13; s ^= s >> 7; s ^= s << 17; -(((s >> 11) as f64 + 1.0) / (1u64 << 53) as f64).ln() }).collect();
    let t: f64 = v.iter().sum();
    v.iter().map(|x| x / t).collect()
}
fn cpu() -> f64 { let mut ts = libc_ts(); ts }
fn libc_ts() -> f64 { std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| { let f: Vec<&str> = s.split_whitespace().collect(); Some((f[13].parse::<f64>().ok()? + f[14].parse::<f64>().ok()?) / 100.0) }).unwrap_or(0.0) }
fn main() {
    let p = dist(1_000_000, 1); let q = dist(1_000_000, 2);
    for _ in 0..2 {
    let c0 = cpu(); let t = Instant::now();
    let mut keys: Vec<u128> = p.iter().enumerate().map(|(i,&m)| ((!m.to_bits() as u128) << 32) | i as u128).collect();
    keys.sort_unstable();
    println!("sort 1e6 u128: {:?} cpu {:.2}", t.elapsed(), cpu()-c0);
    let c0 = cpu(); let t = Instant::now();
    let c = mec::greedy(&[&p, &q], None).unwrap();
    println!("greedy total: {:?} cpu {:.2} cells {}", t.elapsed(), cpu()-c0, c.len());
    let c0 = cpu(); let t = Instant::now();
    let b = mec::bounds(&[&p, &q]).unwrap();
    println!("bounds: {:?} cpu {:.2} {}", t.elapsed(), cpu()-c0, b.best());
    }
}
