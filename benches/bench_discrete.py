"""Discrete mutual information, infoflux against infomeasure, side by side.

Side by side:  python benches/bench_discrete.py [--n 1000000] [--repeat 3]

Plug-in MI of two integer variables with 10 and with 1,000 equiprobable
symbols (y = x plus uniform noise modulo the alphabet), N samples, best
wall time of ``--repeat`` runs each; infoflux on one thread and on all
cores. Both libraries get the same int64 arrays and must agree to 1e-10.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone

import infomeasure as im
import numpy as np

from infoflux import discrete

sys.path.insert(0, os.path.dirname(__file__))
from _common import best_of, fmt, versions

logging.getLogger("infomeasure").setLevel(logging.ERROR)


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"cpu: {cpu_model()}, {os.cpu_count()} logical cores; load average {os.getloadavg()[0]:.1f}")
    print(f"versions: Python {platform.python_version()}, {versions('infoflux', 'infomeasure', 'numpy')}")
    print(f"command: python benches/bench_discrete.py --n {args.n} --repeat {args.repeat}")
    print()
    nt = os.cpu_count()
    print(f"| symbols | N | infomeasure | infoflux 1 thread | infoflux {nt} threads ", end="")
    print(f"| ratio 1 thread | ratio {nt} threads |")
    print("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for k in (10, 1000):
        x = rng.integers(0, k, args.n)
        y = (x + rng.integers(0, max(2, k // 4), args.n)) % k
        ours = discrete.mutual_info(x, y)
        theirs = im.mutual_information(x, y, approach="discrete")
        assert abs(ours - theirs) < 1e-10, (ours, theirs)
        t_im = best_of(lambda x=x, y=y: im.mutual_information(x, y, approach="discrete"), args.repeat)
        t_1 = best_of(lambda x=x, y=y: discrete.mutual_info(x, y, n_threads=1), args.repeat)
        t_all = best_of(lambda x=x, y=y: discrete.mutual_info(x, y), args.repeat)
        print(
            f"| {k} | {args.n:,} | {fmt(t_im)} | {fmt(t_1)} | {fmt(t_all)} | {t_im / t_1:.0f}x | {t_im / t_all:.0f}x |"
        )


if __name__ == "__main__":
    main()
