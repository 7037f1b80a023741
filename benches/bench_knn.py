"""KSG mutual information: infoflux against scikit-learn, ennemi,
infomeasure and npeet_plus on the same data, in one run.

    python benches/bench_knn.py            # side-by-side table (minutes: peers are slow at 10^6)
    python benches/bench_knn.py --max-n 100000
    pytest benches/bench_knn.py --benchmark-enable   # pytest-benchmark

Data: correlated Gaussian pairs (rho = 0.6), 1-D/1-D and 3-D/3-D, k = 3.
infoflux runs with its defaults (all cores, normalisation, 1e-8 noise).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import infoflux
from _common import best_of, fmt, machine, peak_rss_mb, versions


def data(n: int, d: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = 0.6 * x + 0.8 * rng.standard_normal((n, d))
    return x, y


def peers(d: int):
    """name -> callable(x, y) for each peer that handles dimension d."""
    out = {}
    try:
        from sklearn.feature_selection import mutual_info_regression

        if d == 1:
            out["scikit-learn"] = lambda x, y: mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0)
    except ImportError:
        pass
    try:
        import ennemi

        if d == 1:
            out["ennemi"] = lambda x, y: ennemi.estimate_mi(y[:, 0], x[:, 0], k=3)
    except ImportError:
        pass
    try:
        import infomeasure as im

        out["infomeasure"] = lambda x, y: im.mutual_information(x, y, approach="ksg", k=3)
    except ImportError:
        pass
    try:
        import npeet_plus

        out["npeet_plus"] = lambda x, y: npeet_plus.mi(x, y, k=3)
    except ImportError:
        pass
    return out


def table(max_n: int, peer_max_n: int, peer_max_n_3d: int = 10**5) -> None:
    ns = [n for n in (10**3, 10**4, 10**5, 10**6) if n <= max_n]
    # memory first, from a small parent (a forked child can inherit the
    # parent's high-water mark)
    if max_n >= 10**6:
        mb = peak_rss_mb(
            "import numpy as np, infoflux\nrng=np.random.default_rng(0)\n"
            "x=rng.standard_normal(10**6); y=0.6*x+0.8*rng.standard_normal(10**6)\n"
            "import resource; base=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "infoflux.mutual_info(x, y)"
        )
        print(f"Peak RSS of a Python process computing MI at n = 10^6 (1-D pair, data included): {mb:.0f} MB")

    print(f"# KSG MI, k=3, rho=0.6 Gaussian pairs; {machine()}")
    print(f"# {versions('infoflux', 'numpy', 'scikit-learn', 'ennemi', 'infomeasure', 'npeet_plus')}")
    print(
        f"# infoflux threads: all ({os.cpu_count()}), best of 10; "
        "peers single-threaded by their defaults, best of 3 (1 run when slow)\n"
    )
    names = ["infoflux", "scikit-learn", "ennemi", "infomeasure", "npeet_plus"]
    print("| dims | n | " + " | ".join(names) + " | speed-up vs fastest peer |")
    print("|---|---|" + "---|" * (len(names) + 1))
    for d in (1, 3):
        for n in ns:
            x, y = data(n, d)
            # the previous row's peers can leave BLAS/numba worker threads
            # spinning on both cores for a moment: let them go idle first
            time.sleep(1.0)
            t = {"infoflux": best_of(lambda: infoflux.mutual_info(x, y, k=3), repeat=10)}
            for name, f in peers(d).items():
                if n <= (peer_max_n if d == 1 else peer_max_n_3d):
                    t[name] = best_of(lambda: f(x, y), repeat=3 if n <= 10**4 else 1)
            fastest = min((v for k, v in t.items() if k != "infoflux"), default=None)
            sp = f"{fastest / t['infoflux']:.0f}x" if fastest else "–"
            print(f"| {d}+{d} | {n:,} | " + " | ".join(fmt(t.get(k)) for k in names) + f" | {sp} |", flush=True)
    X = np.random.default_rng(1).standard_normal((10**5, 20))
    X[:, 1:] += 0.5 * X[:, :1]
    tm = best_of(lambda: infoflux.mutual_info_matrix(X, k=3), repeat=1)
    print(f"mutual_info_matrix, 10^5 x 20 columns (190 pairs), k=3: {fmt(tm)}")


# ---- pytest-benchmark -------------------------------------------------------


@pytest.mark.parametrize("n", [10**4, 10**5])
def test_infoflux_mi(benchmark, n):
    x, y = data(n, 1)
    benchmark(infoflux.mutual_info, x, y, k=3)


@pytest.mark.parametrize("name", ["scikit-learn", "ennemi", "infomeasure", "npeet_plus"])
def test_peer_mi(benchmark, name):
    x, y = data(10**4, 1)
    f = peers(1).get(name)
    if f is None:
        pytest.skip(f"{name} not installed")
    benchmark.pedantic(f, args=(x, y), rounds=3)


def test_infoflux_mi_matrix(benchmark):
    X = np.random.default_rng(1).standard_normal((10**4, 20))
    benchmark.pedantic(infoflux.mutual_info_matrix, args=(X,), rounds=3)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--max-n", type=int, default=10**6)
    p.add_argument("--peer-max-n", type=int, default=10**6, help="largest n at which the peers run (1-D pairs)")
    p.add_argument(
        "--peer-max-n-3d",
        type=int,
        default=10**5,
        help="largest n at which the peers run on 3-D pairs (npeet_plus takes ~10 min at 10^6)",
    )
    a = p.parse_args()
    table(a.max_n, a.peer_max_n, a.peer_max_n_3d)
