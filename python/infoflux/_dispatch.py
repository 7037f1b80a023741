"""Device dispatch: host arrays take the Rust path, CUDA arrays the GPU backend.

Nothing GPU-related is imported unless a CUDA array arrives.
"""

from __future__ import annotations

from typing import Any

from infoflux._arrays import DLPACK_CPU, DLPACK_CUDA, dlpack_device


def backend_for(*arrays: Any):
    """Return the GPU backend module if the arrays live on a CUDA device,
    None if they are host arrays; raise on a mix or an unsupported device."""
    devices = [dlpack_device(a) for a in arrays]
    cuda = [d for d in devices if d is not None and d[0] in DLPACK_CUDA]
    other = [d for d in devices if d is not None and d[0] not in DLPACK_CUDA + DLPACK_CPU]
    if other:
        raise ValueError(
            f"arrays on DLPack device type {other[0][0]} (e.g. ROCm, Metal) are not supported; "
            "move them to the CPU or a CUDA device"
        )
    if not cuda:
        return None
    if len(cuda) != len(arrays):
        raise ValueError("all array arguments must be on the same device: got a mix of CPU and CUDA arrays")
    if len({d[1] for d in cuda}) > 1:
        raise ValueError(f"all CUDA arrays must be on the same device, got devices {sorted({d[1] for d in cuda})}")
    from infoflux import _gpu  # lazy: imports the array-API backend only now

    return _gpu
