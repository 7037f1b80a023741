"""GPU path vs the CPU (Rust) path on the same data.

    python benches/bench_gpu.py [--lib torch|cupy] [--sizes 1e4,1e5,1e6]
                                [--surrogates 1000] [--cpu-threads 2] [--dtype float64]

Runs KSG mutual information for n = 10^4 ... 10^6 and transfer entropy at
n = 10^4 with 1,000 surrogates, on a CUDA device (through PyTorch or CuPy)
and on the CPU path with --cpu-threads threads (2 by default), and prints a
table with the device, the library versions, both timings and the difference
of the results. Targets on one H100: MI at n = 10^6 in <= 1 s, TE at n = 10^4
with 1,000 surrogates in <= 2 s.

Without a CUDA device (or without PyTorch/CuPy) it says so and exits 0.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np


def cuda_library(name):
    """(label, to_device, synchronize, device description) or None."""
    if name in (None, "torch"):
        try:
            import torch

            if torch.cuda.is_available():
                dev = torch.cuda.get_device_name(0)
                return (
                    "torch " + torch.__version__ + f" (CUDA {torch.version.cuda})",
                    lambda a: torch.as_tensor(a, device="cuda"),
                    torch.cuda.synchronize,
                    dev,
                )
        except ImportError:
            pass
    if name in (None, "cupy"):
        try:
            import cupy

            if cupy.cuda.runtime.getDeviceCount() > 0:
                props = cupy.cuda.runtime.getDeviceProperties(0)
                dev = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
                return (
                    "cupy " + cupy.__version__ + f" (CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()})",
                    cupy.asarray,
                    cupy.cuda.Device().synchronize,
                    dev,
                )
        except Exception:
            pass
    return None


def timed(f, sync=None):
    t = time.perf_counter()
    out = f()
    if sync is not None:
        sync()
    return time.perf_counter() - t, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--lib",
        choices=["torch", "cupy", "numpy"],
        default=None,
        help="numpy: run the array-API backend on the host (a dry run of this script, small sizes only)",
    )
    ap.add_argument("--sizes", default="1e4,1e5,1e6")
    ap.add_argument("--te-n", type=float, default=1e4)
    ap.add_argument("--surrogates", type=int, default=1000)
    ap.add_argument("--cpu-threads", type=int, default=2)
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--skip-cpu", action="store_true", help="GPU timings only")
    args = ap.parse_args()

    import infoflux

    if args.lib == "numpy":
        from infoflux import _gpu as backend  # the GPU path's code, on NumPy arrays

        lib = ("numpy (array-API backend on the host: a dry run, not a GPU timing)", np.asarray, None, "host CPU")
    else:
        backend = infoflux  # CUDA arrays dispatch to the GPU path by themselves
        lib = cuda_library(args.lib)
    if lib is None:
        print("bench_gpu: no CUDA device with PyTorch or CuPy on this machine; nothing to benchmark.")
        return 0
    label, to_dev, sync, device = lib
    sync = sync or (lambda: None)

    print(f"device   : {device}")
    print(f"library  : {label}")
    print(f"infoflux : {infoflux.__version__}, numpy {np.__version__}, Python {platform.python_version()}")
    print(f"CPU path : {args.cpu_threads} threads on {platform.processor() or platform.machine()}")
    print(f"dtype    : {args.dtype}")
    print()

    rng = np.random.default_rng(0)
    # warm-up: CUDA context, kernels, the lazy imports
    w = rng.standard_normal(2000)
    backend.mutual_info(to_dev(w), to_dev(w + rng.standard_normal(2000)), dtype=args.dtype)
    sync()

    rows = []
    for n in [int(float(s)) for s in args.sizes.split(",")]:
        x = rng.standard_normal(n)
        y = 0.6 * x + 0.8 * rng.standard_normal(n)
        xd, yd = to_dev(x), to_dev(y)
        sync()
        tg, g = timed(lambda: backend.mutual_info(xd, yd, dtype=args.dtype), sync)
        if args.skip_cpu:
            tc, c = float("nan"), float("nan")
        else:
            tc, c = timed(lambda: infoflux.mutual_info(x, y, n_threads=args.cpu_threads))
        rows.append((f"KSG MI n={n:,}", tc, tg, abs(g - c)))
        print(f"  done {rows[-1][0]}", file=sys.stderr, flush=True)

    n = int(args.te_n)
    x = rng.standard_normal(n)
    y = np.zeros(n)
    e = rng.standard_normal(n)
    for t in range(1, n):
        y[t] = 0.5 * y[t - 1] + 0.6 * x[t - 1] + e[t]
    xd, yd = to_dev(x), to_dev(y)
    S = args.surrogates
    tg, g = timed(lambda: backend.transfer_entropy_significance(xd, yd, n_surrogates=S, seed=1), sync)
    if args.skip_cpu:
        tc, diff = float("nan"), float("nan")
    else:
        tc, c = timed(
            lambda: infoflux.transfer_entropy_significance(x, y, n_surrogates=S, seed=1, n_threads=args.cpu_threads)
        )
        diff = max(abs(g.estimate - c.estimate), float(np.max(np.abs(g.surrogates - c.surrogates))))
    rows.append((f"TE n={n:,}, {S} surrogates", tc, tg, diff))

    print(f"{'computation':<32} {'CPU s':>10} {'GPU s':>10} {'speed-up':>9} {'max |diff|':>11}")
    for name, tc, tg, d in rows:
        print(f"{name:<32} {tc:>10.3f} {tg:>10.3f} {tc / tg:>9.1f} {d:>11.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
