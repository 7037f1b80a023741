"""Transfer entropy: infoflux against infomeasure, ennemi and npeet_plus
(TE as the CMI of the embedded vectors), one TE of a coupled AR(1) pair,
history 1, k = 4; plus a 20-channel network with 100 surrogates per pair.

    python benches/bench_te.py [--max-n 1000000] [--network]
    pytest benches/bench_te.py --benchmark-enable
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
from _common import best_of, fmt, machine, versions


def ar_pair(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    e = rng.standard_normal(n)
    y = np.empty(n)
    y[0] = e[0]
    for t in range(1, n):  # y_t = 0.5 y_(t-1) + 0.5 x_(t-1) + e_t
        y[t] = 0.5 * y[t - 1] + 0.5 * x[t - 1] + e[t]
    return x, y


def peers():
    out = {}
    try:
        import infomeasure as im

        out["infomeasure"] = lambda x, y: im.transfer_entropy(x, y, approach="ksg", k=4)
    except ImportError:
        pass
    try:
        import ennemi

        # TE as I(x_(t-1); y_t | y_(t-1)): ennemi's conditional MI with lags
        out["ennemi"] = lambda x, y: ennemi.estimate_mi(y[1:], x[:-1], k=4, cond=y[:-1])
    except ImportError:
        pass
    try:
        import npeet_plus

        out["npeet_plus"] = lambda x, y: npeet_plus.cmi(x[:-1, None], y[1:, None], y[:-1, None], k=4)
    except ImportError:
        pass
    return out


def network(n: int = 10**4, p: int = 20, surrogates: int = 100):
    """A p-channel chain network and a closure computing it with surrogates."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((n, p))
    for j in range(1, p):
        X[1:, j] += 0.5 * X[:-1, j - 1]
    return X, lambda: infoflux.transfer_entropy_matrix(X, n_surrogates=surrogates, k=4)


def table(max_n: int, with_network: bool, network_channels: int = 20, peer_max_n: int = 10**6) -> None:
    print(f"# TE x->y, coupled AR(1) pair, history 1, k=4; {machine()}")
    print(f"# {versions('infoflux', 'numpy', 'infomeasure', 'ennemi', 'npeet_plus')}")
    print(f"# infoflux threads: all ({os.cpu_count()})\n")
    names = ["infoflux", "infomeasure", "ennemi", "npeet_plus"]
    print("| n | " + " | ".join(names) + " | speed-up vs fastest peer |")
    print("|---|" + "---|" * (len(names) + 1))
    for n in [n for n in (10**3, 10**4, 10**5, 10**6) if n <= max_n]:
        x, y = ar_pair(n)
        time.sleep(1.0)  # let the previous row's peer thread pools go idle
        t = {"infoflux": best_of(lambda: infoflux.transfer_entropy(x, y, k=4), repeat=10)}
        for name, f in peers().items():
            if n <= peer_max_n:
                t[name] = best_of(lambda: f(x, y), repeat=3 if n <= 10**4 else 1, budget=600)
        fastest = min((v for k, v in t.items() if k != "infoflux"), default=None)
        sp = f"{fastest / t['infoflux']:.0f}x" if fastest else "–"
        print(f"| {n:,} | " + " | ".join(fmt(t.get(k)) for k in names) + f" | {sp} |", flush=True)
    if with_network:
        _X, run = network(p=network_channels)
        tn = best_of(run, repeat=1)
        pairs = network_channels * (network_channels - 1)
        print(
            f"\n{network_channels}-channel network ({pairs} ordered pairs), n = 10^4, "
            f"100 permutation surrogates per pair: {fmt(tn)}"
            + (f" (380 pairs at the same rate: {fmt(tn * 380 / pairs)})" if pairs != 380 else "")
        )


@pytest.mark.parametrize("n", [10**4, 10**5])
def test_infoflux_te(benchmark, n):
    x, y = ar_pair(n)
    benchmark(infoflux.transfer_entropy, x, y, k=4)


@pytest.mark.parametrize("name", ["infomeasure", "ennemi", "npeet_plus"])
def test_peer_te(benchmark, name):
    x, y = ar_pair(10**4)
    f = peers().get(name)
    if f is None:
        pytest.skip(f"{name} not installed")
    benchmark.pedantic(f, args=(x, y), rounds=3)


def test_infoflux_te_significance(benchmark):
    x, y = ar_pair(10**4)
    benchmark.pedantic(infoflux.transfer_entropy_significance, args=(x, y), kwargs={"n_surrogates": 100}, rounds=1)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--max-n", type=int, default=10**6)
    p.add_argument("--peer-max-n", type=int, default=10**6, help="largest n at which the peers run")
    p.add_argument("--network", action="store_true")
    p.add_argument("--network-channels", type=int, default=20)
    a = p.parse_args()
    table(a.max_n, a.network, a.network_channels, a.peer_max_n)
