"""Kozachenko-Leonenko entropy in many dimensions: infoflux against the same estimator written here on
scipy's cKDTree and on scikit-learn's NearestNeighbors, and against infomeasure's KL entropy (scipy
KDTree), on the same data, in one run.

    python benches/bench_entropy_highdim.py          # about 2 minutes on 2 cores

Data: d correlated Gaussian columns (each the sum of its own and its neighbour's standard normal);
k = 3; max norm ("chebyshev") and Euclidean norm. Every estimator computes
h = ψ(N) − ψ(k) + ln c_d + (d/N) Σ ln(2 ρ_i), c_d the volume of the ball of diameter 1, so the values
agree to rounding (the script prints the largest |Δ|). infoflux runs with normalize=False and noise=0,
on all cores and on one thread (the per-core ratio against the peers, run with BLAS held to one
thread); the "infoflux, tree" column forces its k-d tree (``INFOFLUX_SEARCH=tree``, a test aid) in
a child process: the gain of the brute-force scan, whose estimates are bit for bit the tree's.
scikit-learn picks its own search: for the Euclidean norm in many dimensions its BLAS brute force
(|a|² + |b|² − 2a·b, fast, but not the floats of a column-by-column sum, so its k-th distances
differ from the others' in the last bits).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from typing import Callable

import numpy as np
from scipy.special import digamma, gammaln
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(__file__))
import infoflux
from _common import best_of, fmt, machine, versions

K = 3


def data(n: int, d: int, seed: int = 0) -> np.ndarray:
    z = np.random.default_rng(seed).standard_normal((n, d + 1))
    return z[:, :d] + z[:, 1:]


def kl(rho: np.ndarray, n: int, d: int, metric: str, k: int = K) -> float:
    """The KL estimate (nats) from the k-th neighbour distances."""
    ln_cd = 0.0 if metric == "chebyshev" else d / 2 * math.log(math.pi) - gammaln(d / 2 + 1) - d * math.log(2)
    return float(digamma(n) - digamma(k) + ln_cd + d * np.mean(np.log(2 * rho)))


def scipy_kl(x: np.ndarray, metric: str) -> float:
    from scipy.spatial import cKDTree

    p = math.inf if metric == "chebyshev" else 2.0
    rho = cKDTree(x).query(x, K + 1, p=p, workers=1)[0][:, K]
    return kl(rho, x.shape[0], x.shape[1], metric)


def sklearn_kl(x: np.ndarray, metric: str) -> float:
    from sklearn.neighbors import NearestNeighbors

    rho = NearestNeighbors(n_neighbors=K + 1, metric=metric, n_jobs=1).fit(x).kneighbors(x)[0][:, K]
    return kl(rho, x.shape[0], x.shape[1], metric)


def infomeasure_kl(x: np.ndarray, metric: str) -> float:
    import infomeasure

    p = math.inf if metric == "chebyshev" else 2
    return float(infomeasure.entropy(x, approach="kl", k=K, minkowski_p=p, noise_level=0, base="e"))


def ours(x: np.ndarray, metric: str, n_threads: int | None = None) -> float:
    return float(infoflux.entropy(x, k=K, metric=metric, noise=0.0, n_threads=n_threads))


_TREE = """
import sys
sys.path.insert(0, {here!r})
from bench_entropy_highdim import data, ours
from _common import best_of
x = data({n}, {d})
print(best_of(lambda: ours(x, {metric!r}), repeat=2))
"""


def tree_time(n: int, d: int, metric: str) -> float:
    env = dict(os.environ, INFOFLUX_SEARCH="tree")
    code = _TREE.format(here=os.path.dirname(os.path.abspath(__file__)), n=n, d=d, metric=metric)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


PEERS: dict[str, Callable[[np.ndarray, str], float]] = {
    "scipy cKDTree": scipy_kl,
    "scikit-learn": sklearn_kl,
    "infomeasure": infomeasure_kl,
}


def row(n: int, d: int, metric: str) -> None:
    x = data(n, d)
    t_all = best_of(lambda: ours(x, metric), repeat=3)
    t_one = best_of(lambda: ours(x, metric, n_threads=1), repeat=2)
    v = ours(x, metric)
    t_tree = tree_time(n, d, metric)
    times, delta = [], 0.0
    with threadpool_limits(1):
        for f in PEERS.values():
            times.append(best_of(lambda: f(x, metric), repeat=2))
            delta = max(delta, abs(f(x, metric) - v))
    best = min(times)
    print(
        f"| {metric} | {d} | {n:,} | {fmt(t_all)} | {fmt(t_one)} | {fmt(t_tree)} | "
        + " | ".join(fmt(t) for t in times)
        + f" | {best / t_all:.1f}x | {best / t_one:.1f}x | {t_tree / t_all:.1f}x | {delta:.1e} |",
        flush=True,
    )


def main() -> None:
    print(f"# Kozachenko-Leonenko entropy (k={K}); {machine()}")
    print(f"# {versions('infoflux', 'numpy', 'scipy', 'scikit-learn', 'infomeasure')}")
    print(f"# infoflux on all cores ({os.cpu_count()}) and on 1 thread; peers on 1 thread (BLAS too), best of 2-3")
    print("# ratio: the fastest peer's time / infoflux's; tree gain: infoflux forced to its k-d tree / infoflux\n")
    print(
        "| norm | d | n | infoflux | infoflux, 1 thread | infoflux, tree | "
        + " | ".join(PEERS)
        + " | ratio | ratio per core | tree gain | max |Δ| |"
    )
    print("|---" * (10 + len(PEERS)) + "|")
    for metric in ("chebyshev", "euclidean"):
        row(10_000, 20, metric)
        row(5_000, 50, metric)
    row(10_000, 12, "euclidean")


if __name__ == "__main__":
    main()
