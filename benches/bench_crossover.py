"""Where brute force overtakes the k-d tree: the whole KSG mutual information of two d/2-column
Gaussians (Y = 0.6 X + 0.8 noise, k = 3, algorithm 1, normalize=False, noise=0) on one thread,
with the search forced each way (``INFOFLUX_SEARCH=tree|brute``, read once per process, so each
timing runs in a child process). The measured rule is ``brute_joint`` in ``rust/core/src/knn.rs``;
the table is in docs/design.md.

    python benches/bench_crossover.py                                # n = 2,000 to 30,000, d = 8 to 32
    python benches/bench_crossover.py --n 100000 --d 20,24           # minutes per cell
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _common import machine, versions

CHILD = r"""
import sys, time
import numpy as np
import infoflux

n, d, repeat = (int(a) for a in sys.argv[1:4])
rng = np.random.default_rng(0)
x = rng.standard_normal((n, d // 2))
y = 0.6 * x + 0.8 * rng.standard_normal((n, d // 2))
infoflux.mutual_info(x[:500], y[:500], k=3, n_threads=1)  # load and warm the module
best = float("inf")
for _ in range(repeat):
    t0 = time.perf_counter()
    infoflux.mutual_info(x, y, k=3, n_threads=1, normalize=False, noise=0)
    best = min(best, time.perf_counter() - t0)
print(best)
"""


def timed(search: str, n: int, d: int) -> float:
    """Best seconds of one estimate with the search forced to ``search``, in a fresh process."""
    env = dict(os.environ, INFOFLUX_SEARCH=search)
    repeat = "3" if n <= 10_000 else "1"
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), str(d), repeat], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", default="2000,10000,30000", help="comma-separated sample sizes")
    ap.add_argument("--d", default="8,12,14,16,20,24,32", help="comma-separated joint dimensions (even)")
    args = ap.parse_args()
    ns = [int(v) for v in args.n.split(",")]
    ds = [int(v) for v in args.d.split(",")]
    print(f"# brute-force crossover; {machine()}")
    print(f"# {versions('infoflux', 'numpy')}")
    print("# whole MI estimate, one thread, seconds tree / brute force\n")
    print("| n | " + " | ".join(f"d = {d}" for d in ds) + " |")
    print("|---|" + "---|" * len(ds))
    for n in ns:
        cells = [f"{timed('tree', n, d):.3g} / {timed('brute', n, d):.3g}" for d in ds]
        print(f"| {n:,} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
