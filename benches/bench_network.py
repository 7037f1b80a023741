"""Network inference: the 5-process MUTE network (1,000 samples,
max_lag_sources = max_lag_target = 3, k = 4, 200 permutations in every test),
timed for both engines, beside IDTxl's time with JIDT measured on a 2-core
machine (735 s; IDTxl is not a dependency and is not run here).

    python benches/bench_network.py [--n 1000] [--perm 200] [--engine fast] [--targets 0 1] [--model idtxl]
    pytest benches/bench_network.py --benchmark-enable

The network is the five-variable system of Baccalá & Sameshima (2001), as
Montalto, Faes & Marinazzo (2014, MuTE) simulate it: x0 an oscillator
(x0_t = 0.95 sqrt2 x0_(t-1) - 0.9025 x0_(t-2)), x0 -> x1 (lag 2), x0 -> x2
(lag 3), x0 -> x3 (lag 2), x3 <-> x4 (lag 1), unit Gaussian innovations.
``--model linear`` (the default) makes every coupling linear, after 1,000
samples of burn-in; ``--model idtxl`` uses the equations of IDTxl's
``Data().generate_mute_data`` (x0 squared in 0 -> 1 and 0 -> 3, 3 initial
samples dropped, no other burn-in), the data of IDTxl's measured time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from _common import machine, versions
from infoflux.network import infer_network

IDTXL_SECONDS = 735.0  # IDTxl with JIDT's KSG, one thread, same settings, 2-core machine
TRUE_LINKS = {(0, 1, 2), (0, 2, 3), (0, 3, 2), (3, 4, 1), (4, 3, 1)}


def mute_data(n: int = 1000, seed: int = 0, burn: int = 1000) -> np.ndarray:
    """(n, 5) samples of the five-process MUTE network."""
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((n + burn, 5))
    x = np.zeros((n + burn, 5))
    r2 = np.sqrt(2.0)
    for t in range(3, n + burn):
        x[t, 0] = 0.95 * r2 * x[t - 1, 0] - 0.9025 * x[t - 2, 0] + e[t, 0]
        x[t, 1] = 0.5 * x[t - 2, 0] + e[t, 1]
        x[t, 2] = -0.4 * x[t - 3, 0] + e[t, 2]
        x[t, 3] = -0.5 * x[t - 2, 0] + 0.25 * r2 * x[t - 1, 3] + 0.25 * r2 * x[t - 1, 4] + e[t, 3]
        x[t, 4] = -0.25 * r2 * x[t - 1, 3] + 0.25 * r2 * x[t - 1, 4] + e[t, 4]
    return x[burn:]


def idtxl_mute_data(n: int = 1000, seed: int = 0) -> np.ndarray:
    """(n, 5) samples of the MUTE network with the equations of IDTxl's
    ``generate_mute_data`` (one replication; a NumPy Generator's draws)."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n + 3, 5))
    x[:3] = rng.standard_normal((3, 5))
    e = rng.standard_normal((n + 3, 5))
    a, b = 0.95 * np.sqrt(2.0), 0.25 * np.sqrt(2.0)
    for t in range(3, n + 3):
        x[t, 0] = a * x[t - 1, 0] - 0.9025 * x[t - 2, 0] + e[t, 0]
        x[t, 1] = 0.5 * x[t - 2, 0] ** 2 + e[t, 1]
        x[t, 2] = -0.4 * x[t - 3, 0] + e[t, 2]
        x[t, 3] = -0.5 * x[t - 2, 0] ** 2 + b * x[t - 1, 3] + b * x[t - 1, 4] + e[t, 3]
        x[t, 4] = -b * x[t - 1, 3] + b * x[t - 1, 4] + e[t, 4]
    return x[3:]


def run(
    n: int, perm: int, engine: str, targets: list[int] | None, n_threads: int | None, model: str = "linear"
) -> tuple[float, object]:
    X = idtxl_mute_data(n) if model == "idtxl" else mute_data(n)
    t0 = time.perf_counter()
    res = infer_network(
        X,
        max_lag_sources=3,
        max_lag_target=3,
        targets=targets,
        n_perm_max_stat=perm,
        n_perm_min_stat=perm,
        n_perm_omnibus=perm,
        n_perm_max_seq=perm,
        engine=engine,
        n_threads=n_threads,
    )
    return time.perf_counter() - t0, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--perm", type=int, default=200)
    ap.add_argument("--engine", choices=["exact", "fast", "both"], default="both")
    ap.add_argument("--targets", type=int, nargs="*", default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--model", choices=["linear", "idtxl"], default="linear")
    a = ap.parse_args()
    print(machine())
    print(versions("infoflux", "numpy"))
    engines = ["exact", "fast"] if a.engine == "both" else [a.engine]
    n_targets = 5 if a.targets is None else len(a.targets)
    print(f"MUTE ({a.model}), {a.n} samples, max lags 3, k=4, {a.perm} permutations per test, {n_targets} target(s)")
    print(f"{'engine':8} {'time (s)':>9} {'per target':>11} {'IDTxl/infoflux':>15}  links found")
    for eng in engines:
        dt, res = run(a.n, a.perm, eng, a.targets, a.threads, a.model)
        per = dt / n_targets
        found = sorted(e[:3] for e in res.edges())  # type: ignore[attr-defined]
        print(f"{eng:8} {dt:9.1f} {per:11.1f} {IDTXL_SECONDS / 5 / per:15.1f}  {found}")
    print(f"true links: {sorted(TRUE_LINKS)}")


@pytest.mark.benchmark(group="network")
@pytest.mark.parametrize("engine", ["exact", "fast"])
def test_mute_one_target(benchmark, engine: str) -> None:
    # one target, 50 permutations: a quick regression timing, not the table's figure
    benchmark.pedantic(run, args=(1000, 50, engine, [3], None), rounds=1, iterations=1)


if __name__ == "__main__":
    main()
