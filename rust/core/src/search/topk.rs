//! The k smallest of a stream of distances, kept in registers: the inner
//! loop of every k-th-distance search over a short list of candidates (the
//! grids' 3 x 3 shortcuts, the target's neighbour lists, the TE source scan).

/// Largest k the register searches take (a neighbour list should hold many
/// times k).
pub const MAX_K: usize = 8;

/// Run `$e` with the const `$K` equal to `$k` (1..=MAX_K), else `$f`: the k
/// best distances then live in registers and the insertion unrolls.
macro_rules! with_k {
    ($k:expr, $K:ident => $e:expr, else $f:expr) => {
        match $k {
            1 => { const $K: usize = 1; $e }
            2 => { const $K: usize = 2; $e }
            3 => { const $K: usize = 3; $e }
            4 => { const $K: usize = 4; $e }
            5 => { const $K: usize = 5; $e }
            6 => { const $K: usize = 6; $e }
            7 => { const $K: usize = 7; $e }
            8 => { const $K: usize = 8; $e }
            _ => $f,
        }
    };
}
pub(crate) use with_k;

/// max of two finite floats (maxsd; `f64::max` also orders NaN, which the
/// validated inputs never hold, at the price of four more instructions).
#[inline(always)]
pub fn fmax(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

/// The K smallest distances offered, ascending, in registers.
#[derive(Clone, Copy)]
pub struct TopK<const K: usize>([f64; K]);

impl<const K: usize> TopK<K> {
    /// K placeholders at distance `fill` (∞, or a bound reached by K samples).
    #[inline(always)]
    pub fn new(fill: f64) -> Self {
        TopK([fill; K])
    }
    #[inline(always)]
    pub fn kth(&self) -> f64 {
        self.0[K - 1]
    }
    /// Insert `d`, dropping the largest: each slot keeps the smaller of
    /// itself and the value carried down from the slot before. Branch-free,
    /// since whether a candidate beats the k-th is a coin toss the
    /// predictor loses (a branchy insertion costs more than the distances).
    #[inline(always)]
    pub fn push(&mut self, d: f64) {
        let mut carry = d;
        for t in self.0.iter_mut() {
            let lo = if carry < *t { carry } else { *t };
            carry = if carry < *t { *t } else { carry };
            *t = lo;
        }
    }
}
