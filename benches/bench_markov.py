"""Benchmarks of Markov-chain subset selection (Lai & Choi, arXiv:2503.23340).

pytest-benchmark:  PYTHONPATH=python python -m pytest benches/bench_markov.py --benchmark-enable
Side by side:      PYTHONPATH=python python benches/bench_markov.py [--threads 2] [--skip-numpy-d20]

The baseline is a straightforward NumPy implementation of the paper's
projection, written here: for each subset S, aggregate the flow
F(x, y) = pi(x) P(x, y) into the dense keep-S-in matrix P^(S) (one
``bincount`` over the non-zero transitions, codes from ``unravel_index``) and
take its entropy rate. Every task runs in its own subprocess so its peak
resident memory (ru_maxrss of the child) is its own.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np
import pytest

from infoflux.markov import curie_weiss, select

# --- NumPy baseline ---------------------------------------------------------------


class NumpyChain:
    """The paper's projection, done the straightforward way with NumPy."""

    def __init__(self, chain):
        P = chain.matrix()  # scipy CSR
        coo = P.tocoo()
        self.sizes = chain.sizes
        self.pi = chain.pi
        self.row, self.col = coo.row.astype(np.int64), coo.col.astype(np.int64)
        self.flow = self.pi[self.row] * coo.data
        self.digits = np.array(np.unravel_index(np.arange(len(self.pi)), self.sizes))

    def projection(self, S):
        """Dense P^(S) and pi^(S) for sorted S."""
        sub = [self.sizes[i] for i in S]
        k = math.prod(sub)
        code = np.ravel_multi_index(self.digits[list(S)], sub) if S else np.zeros(len(self.pi), dtype=np.int64)
        F = np.bincount(code[self.row] * k + code[self.col], weights=self.flow, minlength=k * k).reshape(k, k)
        piS = np.bincount(code, weights=self.pi, minlength=k)
        return F / piS[:, None], piS

    def entropy_rate(self, S):
        PS, piS = self.projection(S)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(PS > 0, PS * np.log(PS), 0.0)
        return -float(piS @ t.sum(axis=1))

    def greedy(self, m):
        S, values = [], []
        for _ in range(m):
            cands = [j for j in range(len(self.sizes)) if j not in S]
            vals = [self.entropy_rate(sorted([*S, j])) for j in cands]
            t = int(np.argmax(vals))
            S.append(cands[t])
            values.append(vals[t])
        return S, values


def all_subsets(d):
    return [S for k in range(1, d + 1) for S in itertools.combinations(range(d), k)]


# --- tasks ------------------------------------------------------------------------------


def task_all_subsets(impl, threads):
    chain = curie_weiss(10, n_threads=threads)
    subsets = all_subsets(10)
    if impl == "infoflux":
        t = time.perf_counter()
        vals = chain.evaluate("entropy_rate", subsets)
        dt = time.perf_counter() - t
    else:
        ref = NumpyChain(chain)
        t = time.perf_counter()
        vals = [ref.entropy_rate(S) for S in subsets]
        dt = time.perf_counter() - t
    return {"seconds": dt, "checksum": float(np.sum(vals)), "n_subsets": len(subsets) + 1}


def task_greedy_d20(impl, threads):
    t0 = time.perf_counter()
    chain = curie_weiss(20, n_threads=threads)
    build = time.perf_counter() - t0
    if impl == "infoflux":
        t = time.perf_counter()
        res = select(chain, "entropy_rate", 10)
        dt = time.perf_counter() - t
        values = res.values.tolist()
    else:
        ref = NumpyChain(chain)
        del chain
        t = time.perf_counter()
        _, values = ref.greedy(10)
        dt = time.perf_counter() - t
    return {"seconds": dt, "build_seconds": build, "final_value": values[-1]}


TASKS = {"all_subsets_d10": task_all_subsets, "greedy_d20_m10": task_greedy_d20}


def run_child(task, impl, threads):
    out = subprocess.run(
        [sys.executable, __file__, "--child", task, impl, str(threads or 0)], capture_output=True, text=True, check=True
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["child_maxrss_gb"] = res.pop("maxrss_kb") / 1e6
    return res


# --- pytest-benchmark ------------------------------------------------------------------


@pytest.fixture(scope="module")
def cw10():
    return curie_weiss(10)


def test_bench_all_subsets_infoflux(benchmark, cw10):
    subsets = all_subsets(10)

    def run():
        cw10.release()  # no cached entropies between rounds
        return cw10.evaluate("entropy_rate", subsets)

    vals = benchmark(run)
    assert len(vals) == 1023


def test_bench_all_subsets_numpy(benchmark, cw10):
    ref = NumpyChain(cw10)
    subsets = all_subsets(10)
    vals = benchmark.pedantic(lambda: [ref.entropy_rate(S) for S in subsets], rounds=1, iterations=1)
    assert abs(vals[-1] - cw10.entropy_rate()) < 1e-10


def test_bench_greedy_cw12(benchmark):
    chain = curie_weiss(12)

    def run():
        chain.release()
        return select(chain, "entropy_rate", 6)

    res = benchmark(run)
    assert len(res.selected) == 6


@pytest.mark.slow
def test_bench_greedy_cw20(benchmark):
    chain = curie_weiss(20)
    res = benchmark.pedantic(lambda: select(chain, "entropy_rate", 10), rounds=1, iterations=1)
    assert len(res.selected) == 10


# --- side-by-side script ----------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=3, metavar=("TASK", "IMPL", "THREADS"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-numpy-d20", action="store_true", help="the NumPy d = 20 greedy takes minutes")
    args = ap.parse_args()
    if args.child:
        task, impl, threads = args.child
        res = TASKS[task](impl, int(threads) or None)
        res["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(res))
        return
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(
        f"machine: {cpu}, {os.cpu_count()} logical cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}; infoflux threads: {args.threads}"
    )
    rows = []
    for task, label, n in (
        ("all_subsets_d10", "all 1,024 subsets, Curie-Weiss d=10, entropy rate", 2**10),
        ("greedy_d20_m10", "greedy entropy rate m=10, Curie-Weiss d=20 (sparse)", 2**20),
    ):
        res = {}
        for impl in ("infoflux", "numpy"):
            if impl == "numpy" and task == "greedy_d20_m10" and args.skip_numpy_d20:
                continue
            res[impl] = run_child(task, impl, args.threads)
            print(f"  {task} {impl}: {res[impl]}", flush=True)
        rows.append((label, n, res))
    print()
    print("| task | states | infoflux (s) | NumPy dense projection (s) | speed-up | peak RSS infoflux / NumPy (GB) |")
    print("|---|---|---|---|---|---|")
    for label, n, res in rows:
        a = res["infoflux"]["seconds"]
        b = res.get("numpy", {}).get("seconds")
        sb = f"{b:.2f}" if b is not None else "–"
        su = f"{b / a:.1f}x" if b is not None else "–"
        rb = f"{res['numpy']['child_maxrss_gb']:.2f}" if "numpy" in res else "–"
        print(f"| {label} | {n:,} | {a:.3f} | {sb} | {su} | {res['infoflux']['child_maxrss_gb']:.2f} / {rb} |")
    print("\n(times exclude building the chain; peak RSS is the whole process, chain included)")


if __name__ == "__main__":
    main()
