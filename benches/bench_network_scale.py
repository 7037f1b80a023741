"""Network inference at scale: (a) 10 processes x 1,000 samples with source
and target lags up to 5, k = 4, 200 permutations in every test, time per
target on the machine's threads (IDTxl's documentation: 0.25 h per target for
10 processes x 1,000 samples on a Xeon; the aim here is <= 10 s per target on
2 cores); (b) the same kind of network on a Dask LocalCluster of 1 worker and
of 2 workers (processes, one thread each, n_threads=1 per task): the total
times and their ratio (ideal 0.5, the aim <= 0.6).

    python benches/bench_network_scale.py [--part a|b|both] [--targets 0 1 2 3] [--perm 200]
        [--scale-n 1000] [--scale-lags 3] [--scale-perm 200] [--scale-p 10]

The network is a 10-process linear Gaussian VAR with unit innovations: each
process i >= 1 is driven by process i - 1 at lag 1 + (i mod 3) and by process
(i + 3) mod 10 at lag 2 when i is odd (coefficients 0.4), every process has
its own AR(1) term 0.3: 14 links, lags 1-3.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import machine, versions
from infoflux.network import infer_network


def links(p: int = 10) -> list[tuple[int, int, int]]:
    """The (source, target, lag) links of the benchmark's VAR."""
    out = [(i - 1, i, 1 + i % 3) for i in range(1, p)]
    out += [((i + 3) % p, i, 2) for i in range(1, p, 2)]
    return out


def var10(n: int = 1000, p: int = 10, seed: int = 0, burn: int = 500) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((n + burn, p))
    x = np.zeros((n + burn, p))
    lk = links(p)
    for t in range(3, n + burn):
        x[t] = 0.3 * x[t - 1] + e[t]
        for s, r, lag in lk:
            x[t, r] += 0.4 * x[t - lag, s]
    return x[burn:]


def perms(n: int) -> dict[str, int]:
    return {"n_perm_max_stat": n, "n_perm_min_stat": n, "n_perm_omnibus": n, "n_perm_max_seq": n}


def part_a(targets: list[int], perm: int, threads: int | None) -> None:
    X = var10()
    print(f"(a) 10 processes x 1,000 samples, lags 1-5 (sources and target), k=4, {perm} permutations per test")
    print(f"{'target':>6} {'time (s)':>9}  sources found (process, lag)")
    total = 0.0
    found = set()
    for t in targets:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # one target: no FDR across targets
            res = infer_network(
                X,
                max_lag_sources=5,
                max_lag_target=5,
                targets=[t],
                n_threads=threads,
                fdr_correction=False,
                **perms(perm),
            )
        dt = time.perf_counter() - t0
        total += dt
        found |= {e[:3] for e in res.edges()}
        print(f"{t:6d} {dt:9.1f}  {sorted(res[t].selected_sources)}")
    true = {lk for lk in links() if lk[1] in targets}
    print(f"per target: {total / len(targets):.1f} s (aim <= 10 s on 2 cores; IDTxl's documentation: 900 s)")
    print(f"true links of these targets found: {len(true & found)}/{len(true)}, false: {sorted(found - true)}")


def part_b(n: int, lags: int, perm: int, p: int) -> None:
    from distributed import Client, LocalCluster

    X = var10(n, p)
    kw = dict(max_lag_sources=lags, max_lag_target=lags, n_threads=1, fdr_correction=False, **perms(perm))
    print(f"(b) Dask scale-out: {p} targets, {n} samples, lags 1-{lags}, {perm} permutations, n_threads=1 per task")
    times = {}
    results = {}
    for workers in (1, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, scheduler_port=0
            )
            with cluster, Client(cluster) as client:
                # workers up, with infoflux imported, before the clock starts: a long-lived
                # cluster pays its start-up once, not per analysis
                client.run(importlib.import_module, "infoflux.network")
                t0 = time.perf_counter()
                results[workers] = infer_network(X, executor=client, **kw).to_dict()
                times[workers] = time.perf_counter() - t0
        print(f"{workers} worker(s): {times[workers]:7.1f} s")
    print(f"2 workers / 1 worker: {times[2] / times[1]:.2f} (ideal 0.50, aim <= 0.60)")
    print(f"identical results: {results[1] == results[2]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--part", choices=["a", "b", "both"], default="both")
    ap.add_argument("--targets", type=int, nargs="*", default=[0, 1, 2, 3])
    ap.add_argument("--perm", type=int, default=200)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--scale-n", type=int, default=1000)
    ap.add_argument("--scale-lags", type=int, default=3)
    ap.add_argument("--scale-perm", type=int, default=200)
    ap.add_argument("--scale-p", type=int, default=10, help="processes (and so targets) of the scale-out network")
    a = ap.parse_args()
    print(machine())
    print(versions("infoflux", "numpy", "distributed"))
    if a.part in ("a", "both"):
        part_a(a.targets, a.perm, a.threads)
    if a.part in ("b", "both"):
        part_b(a.scale_n, a.scale_lags, a.scale_perm, a.scale_p)


if __name__ == "__main__":
    main()
