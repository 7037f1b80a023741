"""Turning whatever the caller passed into host NumPy arrays.

Every public function sends its array arguments through :func:`to_numpy` (or
the k-NN path's device dispatch), so DLPack producers (PyTorch, CuPy, JAX)
are accepted everywhere. CPU DLPack inputs are wrapped without a copy; CUDA
inputs given to a CPU-only function (couplings, Markov chains) are copied to
the host, as documented on those functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# DLPack device types (dlpack.h): 1 CPU, 2 CUDA, 3 CUDA host (pinned), 13 CUDA managed.
DLPACK_CPU = (1, 3)
DLPACK_CUDA = (2, 13)


def dlpack_device(obj: Any) -> tuple[int, int] | None:
    """The ``(device_type, device_id)`` of a DLPack producer, else None."""
    if isinstance(obj, np.ndarray) or not hasattr(obj, "__dlpack_device__"):
        return None
    dev = obj.__dlpack_device__()
    return int(dev[0]), int(dev[1])


def to_numpy(obj: Any, name: str) -> np.ndarray:
    """Return ``obj`` as a NumPy array on the host.

    NumPy arrays and sequences go through ``np.asarray``; DLPack producers on
    the CPU are wrapped without a copy; CUDA producers are copied to the host.
    """
    dev = dlpack_device(obj)
    if dev is None:
        try:
            return np.asarray(obj)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name}: cannot be converted to an array ({exc})") from None
    if dev[0] in DLPACK_CPU:
        return np.from_dlpack(obj)
    if dev[0] in DLPACK_CUDA:
        for attr in ("get", "cpu"):  # CuPy .get(), PyTorch .cpu()
            f = getattr(obj, attr, None)
            if callable(f):
                out = f()
                return np.asarray(out.numpy() if hasattr(out, "numpy") and not isinstance(out, np.ndarray) else out)
        try:
            return np.from_dlpack(obj, device="cpu", copy=True)
        except Exception as exc:
            raise TypeError(f"{name}: cannot copy a CUDA array to the host ({exc})") from None
    raise ValueError(
        f"{name}: arrays on DLPack device type {dev[0]} (e.g. ROCm, Metal) are not supported; "
        "move the data to the CPU or a CUDA device first"
    )
