"""Bounded memory of large k-NN estimates. A large mutual information runs in phases (the joint
k-d tree built in the one preprocessed joint buffer, dropped before each marginal space is
built and counted in turn): its peak stays near the data's size. The phases start from a size
on (64 MiB of joint data); the test aid ``INFOFLUX_PHASES=always|never`` (read once per process)
forces them on or off, so that both are compared bit for bit, and the peak is measured, at
sizes a test can afford. ``benches/bench_memory.py`` measures the 10^6-sample case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

_VALUES = textwrap.dedent(
    """
    import numpy as np
    import infoflux

    rng = np.random.default_rng(3)
    out = []

    def put(v):
        out.extend(float(t).hex() for t in np.ravel(np.asarray(v, dtype=float)))

    n = 1500
    a = rng.standard_normal((n, 9))
    x, y = a[:, :5], a[:, 5:] + 0.6 * a[:, :4]
    xq, yq = np.round(x * 1.5), np.round(y * 1.5)
    for alg in (1, 2):
        for k in (1, 4):
            put(infoflux.mutual_info(x, y, k=k, algorithm=alg, local=True))
            # exact ties: algorithm 2 depends on which tied neighbours the tree takes
            put(infoflux.mutual_info(xq, yq, k=k, algorithm=alg, noise=0.0, local=True))
            put(infoflux.mutual_info(x[:, :1], y, k=k, algorithm=alg, local=True))
        put(infoflux.mutual_info(x * 1e200, y, algorithm=alg, normalize=False, noise=1e-3, local=True))
        put(infoflux.mutual_info(xq, yq, algorithm=alg, normalize=False, noise=0.0, local=True))
    print(" ".join(out))
    """
)


def _run(code: str, phases: str, *args: str) -> str:
    env = dict(os.environ, INFOFLUX_PHASES=phases)
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_phases_give_the_same_values() -> None:
    phased, whole = _run(_VALUES, "always"), _run(_VALUES, "never")
    assert phased.split() == whole.split()


_PEAK = textwrap.dedent(
    """
    import json, sys
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
    y[:, 0] += x[:, 0]
    before = peak()
    infoflux.mutual_info(x, y)
    after = peak()
    print(json.dumps({"before": before * 1024, "after": after * 1024, "data": x.nbytes + y.nbytes}))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status (Linux)")
def test_phased_peak_stays_near_the_data() -> None:
    # 4-D vs 4-D, 250 000 samples: 16 MB of data; without the phases the estimate holds
    # preprocessed copies, the joint matrix, the joint tree (points twice) and both marginal
    # trees (points twice each) at once, about 5 times the data
    r = json.loads(_run(_PEAK, "always", "250000", "4", "4"))
    mib = 1 << 20
    share = r["after"] - r["before"]
    # the joint buffer (the data once) plus O(n) integers: the tree's
    # indices and nodes, the radii and counts (about 60 bytes per sample)
    assert share <= r["data"] + 250000 * 64 + 8 * mib, (share / mib, r["data"] / mib)
    # the documented bound for the whole process: 2 x data + 100 MiB
    assert r["after"] <= 2 * r["data"] + 100 * mib
