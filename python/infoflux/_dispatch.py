"""Backend selection: host arrays take the Rust backend, CUDA arrays the
array-API backend.

Nothing GPU-related is imported unless a CUDA array arrives (or the
array-API backend is asked for by name, see :func:`forced`).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infoflux import _backend_rust
from infoflux._arrays import DLPACK_CPU, DLPACK_CUDA, dlpack_device
from infoflux._requests import Backend


def backend_for(*arrays: Any) -> Backend | None:
    """Return the array-API backend module if the arrays live on a CUDA
    device, None if they are host arrays; raise on a mix or an unsupported
    device."""
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
    # imported on first use, not with infoflux: it is the only route to the
    # optional GPU dependencies, and host-only users never need it
    from infoflux import _backend_xp

    return _backend_xp


@dataclass(frozen=True)
class Selection:
    """The backend of a call and its device options: the array element type
    and the tile and batch sizes of the array-API backend (the Rust backend
    always computes in float64 and sizes its own work)."""

    backend: Backend
    dtype: str | None = None
    tile_size: int | None = None
    batch_size: int | None = None


_FORCED: contextvars.ContextVar[Selection | None] = contextvars.ContextVar("infoflux_backend", default=None)


def select(*arrays: Any) -> Selection:
    """The backend for these arrays (or the one :func:`forced` names)."""
    chosen = _FORCED.get()
    if chosen is not None:
        return chosen
    return Selection(backend_for(*arrays) or _backend_rust)


@contextlib.contextmanager
def forced(
    backend: Backend, *, dtype: str | None = None, tile_size: int | None = None, batch_size: int | None = None
) -> Iterator[None]:
    """Run the public functions on ``backend`` whatever the arrays' device
    (e.g. the array-API backend on NumPy arrays, as ``infoflux._gpu`` does
    for tests and benchmarks), with its device options."""
    token = _FORCED.set(Selection(backend, dtype, tile_size, batch_size))
    try:
        yield
    finally:
        _FORCED.reset(token)
