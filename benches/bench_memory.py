"""Peak memory of a large k-NN estimate: KSG mutual information of two 10-column variables at
n = 10^6 (160 MB of data), measured in a fresh child process.

    python benches/bench_memory.py                 # n = 10^6, 10-D vs 10-D
    python benches/bench_memory.py --n 1500000 --dx 3 --dy 3   # the same phases, minutes faster

The 10-D vs 10-D estimate's time is the 20-D k-d tree search at 10^6 (many minutes on two
cores); the peak comes early, at the joint tree's build, and ``/proc/<pid>/status``'s VmHWM of
the child shows it while the search runs.

The child generates the data without temporaries (``standard_normal(out=...)`` and in-place
operations), reads its peak resident set size (``VmHWM`` of ``/proc/self/status``, Linux) before and after
``infoflux.mutual_info(x, y)`` with the defaults (k = 3, algorithm 1, normalize=True, noise on), and
prints both, the estimate's own share, the time, and the bound 2 x data + 100 MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _common import machine, versions

CHILD = r"""
import json, sys, time
import numpy as np
import infoflux

def peak():
    # this process's own high-water mark (ru_maxrss would include the parent's at fork)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))

n, dx, dy = (int(a) for a in sys.argv[1:4])
rng = np.random.default_rng(0)
x = np.empty((n, dx))
y = np.empty((n, dy))
rng.standard_normal(out=x)
rng.standard_normal(out=y)
y *= 0.8
m = min(dx, dy)
for i in range(0, n, 1 << 16):  # in slices: no temporary of the data's size
    y[i : i + (1 << 16), :m] += 0.6 * x[i : i + (1 << 16), :m]
before = peak()
t0 = time.perf_counter()
v = infoflux.mutual_info(x, y)
dt = time.perf_counter() - t0
after = peak()
print(json.dumps({"before_kib": before, "after_kib": after, "seconds": dt, "mi": v, "data_bytes": x.nbytes + y.nbytes}))
"""


def measure(n: int, dx: int, dy: int, env: dict[str, str] | None = None) -> dict[str, float]:
    """Peak RSS (KiB, Linux) before and after one estimate, in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), str(dx), str(dy)], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--dx", type=int, default=10)
    p.add_argument("--dy", type=int, default=10)
    a = p.parse_args()
    print(machine())
    print(versions("infoflux", "numpy"))
    r = measure(a.n, a.dx, a.dy)
    mib = 1024.0 * 1024.0
    data = r["data_bytes"] / mib
    bound = 2 * data + 100
    before, after = r["before_kib"] / 1024, r["after_kib"] / 1024
    print(f"MI {a.dx}-D vs {a.dy}-D, n = {a.n}: I = {r['mi']:.6f} nats in {r['seconds']:.1f} s")
    print(f"data {data:.1f} MiB; peak RSS before the call {before:.1f} MiB, after {after:.1f} MiB")
    print(f"the estimate's share {after - before:.1f} MiB; bound 2 x data + 100 MiB = {bound:.1f} MiB")
    print("within the bound" if after <= bound else "OVER the bound")


if __name__ == "__main__":
    main()
