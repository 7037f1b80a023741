"""Multivariate k-NN estimators, where the rank grids do not apply and the
k-d tree searches: infoflux against npeet_plus (scipy's cKDTree) and
infomeasure on the same data, in one run.

    python benches/bench_multivariate.py              # n = 10^4 and 10^5 (about 2 minutes)
    python benches/bench_multivariate.py --max-n 10000

Shapes: MI between two 3-D Gaussian vectors (6-D joint, k = 3); CMI
I(X;Y|Z) with 1-D X and Y and a 3-D condition (5-D joint, k = 3); TE of a
coupled AR(1) pair with target and source histories of 3 (7-D joint,
k = 4). infoflux runs on 2 threads and on 1 (the per-core ratio); the peers
are single-threaded by their defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import infoflux
from _common import best_of, fmt, machine, versions


def mi_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    return x, 0.6 * x + 0.8 * rng.standard_normal((n, 3))


def cmi_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 3))
    x = z @ np.array([0.5, 0.3, -0.2]) + rng.standard_normal(n)
    y = z @ np.array([-0.3, 0.4, 0.2]) + 0.4 * x + rng.standard_normal(n)
    return x[:, None], y[:, None], z


def te_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    e = rng.standard_normal(n)
    y = np.empty(n)
    y[0] = e[0]
    for t in range(1, n):  # y_t = 0.5 y_(t-1) + 0.5 x_(t-1) + e_t
        y[t] = 0.5 * y[t - 1] + 0.5 * x[t - 1] + e[t]
    return x, y


def embed(v: np.ndarray, h: int) -> np.ndarray:
    """Rows (v_(t-1), ..., v_(t-h)) for t = h .. n-1."""
    n = len(v)
    return np.column_stack([v[h - j : n - j] for j in range(1, h + 1)])


def cases(n: int) -> dict[str, tuple[Callable[[int], object], dict[str, Callable[[], object]]]]:
    """name -> (infoflux call taking n_threads, {peer: call})."""
    out: dict[str, tuple[Callable[[int], object], dict[str, Callable[[], object]]]] = {}
    x, y = mi_data(n)
    mi_peers: dict[str, Callable[[], object]] = {}
    c, d, z = cmi_data(n)
    cmi_peers: dict[str, Callable[[], object]] = {}
    s, t = te_data(n)
    te_peers: dict[str, Callable[[], object]] = {}
    try:
        import npeet_plus

        mi_peers["npeet_plus"] = lambda: npeet_plus.mi(x, y, k=3)
        cmi_peers["npeet_plus"] = lambda: npeet_plus.cmi(c, d, z, k=3)
        past, src = embed(t, 3), embed(s, 3)
        te_peers["npeet_plus"] = lambda: npeet_plus.cmi(src, t[3:, None], past, k=4)
    except ImportError:
        pass
    try:
        import infomeasure as im

        if n <= 10**4:  # about 10 s at 10^5
            mi_peers["infomeasure"] = lambda: im.mutual_information(x, y, approach="ksg", k=3)
    except ImportError:
        pass
    out["MI 3-D vs 3-D"] = (lambda th: infoflux.mutual_info(x, y, k=3, n_threads=th), mi_peers)
    out["CMI 1-D, 1-D, 3-D Z"] = (lambda th: infoflux.conditional_mutual_info(c, d, z, k=3, n_threads=th), cmi_peers)
    out["TE histories 3/3"] = (
        lambda th: infoflux.transfer_entropy(s, t, k=4, history=3, source_history=3, n_threads=th),
        te_peers,
    )
    return out


def table(max_n: int) -> None:
    print(f"# multivariate k-NN estimators; {machine()}")
    print(f"# {versions('infoflux', 'numpy', 'scipy', 'npeet_plus', 'infomeasure')}")
    print("# infoflux best of 5 on 2 threads and on 1; peers single-threaded, best of 3 (1 run at 10^5)\n")
    names = ["npeet_plus", "infomeasure"]
    print("| task | n | infoflux, 2 threads | infoflux, 1 thread | " + " | ".join(names) + " | lead | per core |")
    print("|---|---|---|---|" + "---|" * (len(names) + 2))
    for n in (n for n in (10**4, 10**5) if n <= max_n):
        for name, (ours, peers) in cases(n).items():
            time.sleep(0.5)  # let the previous row's worker threads go idle
            t2 = best_of(lambda: ours(2), repeat=5)
            t1 = best_of(lambda: ours(1), repeat=5)
            tp = {p: best_of(f, repeat=3 if n <= 10**4 else 1) for p, f in peers.items()}
            fastest = min(tp.values(), default=None)
            lead = f"{fastest / t2:.1f}x" if fastest else "–"
            core = f"{fastest / t1:.1f}x" if fastest else "–"
            cells = " | ".join(fmt(tp.get(p)) for p in names)
            print(f"| {name} | {n:,} | {fmt(t2)} | {fmt(t1)} | {cells} | {lead} | {core} |", flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--max-n", type=int, default=10**5)
    table(p.parse_args().max_n)
