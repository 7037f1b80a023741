"""Helpers shared by the side-by-side benchmark scripts."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from typing import Callable


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def versions(*dists: str) -> str:
    """Installed versions of the named distributions (PyPI names)."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for d in dists:
        if d == "infoflux":  # may run from the source tree, not installed
            import infoflux

            out.append(f"infoflux {infoflux.__version__}")
            continue
        try:
            out.append(f"{d} {version(d)}")
        except PackageNotFoundError:
            out.append(f"{d} (missing)")
    return ", ".join(out)


def best_of(f: Callable[[], object], repeat: int = 3, budget: float = 60.0) -> float:
    """Best wall time of up to `repeat` runs (fewer if one run is slow)."""
    best = float("inf")
    spent = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        dt = time.perf_counter() - t0
        best = min(best, dt)
        spent += dt
        if spent > budget / 3:
            break
    return best


def fmt(t: float | None) -> str:
    if t is None:
        return "–"
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def peak_rss_mb(code: str) -> float:
    """Peak resident memory (MB) of a fresh Python process running `code`."""
    prog = code + "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    out = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024
