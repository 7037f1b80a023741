"""Resources under hostile arguments: threads stay bounded whatever thread
counts a caller loops over, results too large for memory are refused up
front, and Ctrl-C stops long calls within half a second."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import infoflux

linux = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs /proc (Linux)")


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


@linux
def test_thread_count_bounded_over_many_thread_counts() -> None:
    # The engine keeps at most 4 pools, and besides the newest one at most
    # 4 threads per core in the others; a dropped pool's threads exit.
    cores = os.cpu_count() or 1
    x = np.random.default_rng(0).standard_normal(100)
    infoflux.mutual_info(x, x[::-1].copy())
    base = _threads()
    for n in range(2, 102):
        infoflux.mutual_info(x, x[::-1].copy(), n_threads=n)
    bound = base + 101 + 4 * cores
    deadline = time.monotonic() + 10
    while _threads() > bound and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _threads() <= bound, (_threads(), bound)


def test_result_beyond_memory_is_refused_naming_n_surrogates() -> None:
    x = np.random.default_rng(1).standard_normal(300)
    with pytest.raises(ValueError, match="n_surrogates"):
        infoflux.transfer_entropy_significance(x, x[::-1].copy(), n_surrogates=2**61)


_INTERRUPTED = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import infoflux

    rng = np.random.default_rng(0)
    if sys.argv[1] == "surrogates":
        x = rng.standard_normal(300)
        y = np.roll(x, 1) + rng.standard_normal(300)
        call = lambda: infoflux.transfer_entropy_significance(x, y, n_surrogates=10**7)
    else:
        X = rng.standard_normal((200_000, 40))
        call = lambda: infoflux.mutual_info_matrix(X)
    print("ready", flush=True)
    try:
        call()
        print("finished", flush=True)
    except KeyboardInterrupt:
        print("interrupted", time.monotonic(), flush=True)
    """
)


@linux
@pytest.mark.parametrize("which", ["surrogates", "mi_matrix"])
def test_ctrl_c_stops_long_calls_promptly(which: str) -> None:
    p = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED, which], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "ready"
        time.sleep(1.0)  # the call is running
        sent = time.monotonic()  # CLOCK_MONOTONIC: one clock for both processes
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        p.kill()
    words = out.split()
    assert words[:1] == ["interrupted"], (out, err)
    assert "panicked" not in err
    delay = float(words[1]) - sent
    assert delay <= 0.5, f"stopped {delay:.3f} s after Ctrl-C"
