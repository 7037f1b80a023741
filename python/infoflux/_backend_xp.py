"""The array-API backend: the k-NN and transfer-entropy requests computed
with the array-API estimators of :mod:`infoflux._array_api`, in the input's
own library on its own device (CuPy, PyTorch; JAX through the same code,
untried). No host copy of the data is made.

``infoflux._dispatch`` imports this module only when a CUDA DLPack array
arrives, so ``import infoflux`` never imports array-api-compat or any GPU
library. It takes the requests of ``infoflux._requests``, as the Rust
backend (``infoflux._backend_rust``) does.

Numbers are the CPU path's:

* float64 by default, with the same operations and comparisons as the Rust
  core, so results agree to rounding (the tests ask 1e-10 on NumPy, 1e-9 on
  CUDA). ``dtype="float32"`` searches neighbours in float32 (faster on most
  GPUs, half the memory) and is approximate: distances that differ in the
  last float64 bits can compare differently, so counts and the estimate can
  differ from the float64 result by more than rounding.
* The noise that breaks ties and the TE surrogate orders come from the Rust
  core (``_core.noise``, ``_core.surrogate_orders``), the same streams the
  CPU path draws, and are uploaded (n x d float64 per variable, one (S, n)
  index array per batch: small next to the neighbour search), so a given
  seed gives the same numbers on every device.

Scalar results are Python floats; ``local=True`` values and the MI matrix
are returned as arrays of the input's library on its device.

Input: 1-D or 2-D real arrays. Integer and boolean arrays are converted to
float64 on the device; complex arrays raise TypeError. Strided
(non-contiguous) arrays are accepted: the estimators read them through the
array library and build their own contiguous joint matrix on the device,
so no error and no host copy. Arrays of two different libraries on the same
CUDA device are brought into the first one's library through DLPack
(zero-copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from infoflux import _array_api as A
from infoflux import _core
from infoflux._embedding import Embedding, block_size_for, embed
from infoflux._requests import Blocks, KnnRequest, Preprocessing, TERequest
from infoflux._validation import check_layout

NAME = "array-api"


def namespace(arrays: Sequence[Any], names: Sequence[str]) -> tuple[Any, list[Any]]:
    """The array-API namespace of the inputs and the inputs in it.

    Arrays from different libraries are imported into the first one's
    library with ``from_dlpack`` (zero-copy on the same device). An object
    no supported library can read raises TypeError.
    """
    try:
        from array_api_compat import array_namespace  # optional dependency (the 'gpu' extra)
    except ImportError:
        raise ImportError(
            "CUDA arrays need the optional dependency array-api-compat: pip install 'infoflux[gpu]'"
        ) from None
    xp = None
    for a in arrays:
        try:
            xp = array_namespace(a)
            break
        except TypeError:
            continue
    if xp is None:
        # a bare DLPack producer (e.g. a Numba device array): read it with
        # CuPy or PyTorch if one is installed
        for mod in ("cupy", "torch"):
            try:
                lib = __import__(mod)
                first = lib.from_dlpack(arrays[0])
                xp = array_namespace(first)
                break
            except Exception:
                continue
        if xp is None:
            raise TypeError(
                f"{names[0]}: a CUDA array of type {type(arrays[0]).__name__} that no installed array "
                "library can read; the GPU path needs CuPy or PyTorch (or the array's own library "
                "with array-API support)"
            )
    out = []
    for a, name in zip(arrays, names):
        try:
            same = array_namespace(a) is xp
        except TypeError:
            same = False
        if same:
            out.append(a)
            continue
        try:
            out.append(xp.from_dlpack(a))
        except Exception as exc:
            raise TypeError(f"{name}: cannot be read into the same array library as {names[0]} ({exc})") from None
    return xp, out


def _samples(xp: Any, a: Any, name: str, dtype: Any, n: int | None = None) -> Any:
    """Validate one sample array on its device: real, 1-D or 2-D, finite;
    returned as (n, d) in ``dtype``."""
    if callable(getattr(a, "detach", None)):
        # a PyTorch tensor that requires grad would record every tile in its
        # autograd graph; the estimators are not differentiable anyway
        a = a.detach()
    if xp.isdtype(a.dtype, "complex floating"):
        raise TypeError(f"{name}: expected real numbers, got an array of dtype complex")
    if not xp.isdtype(a.dtype, ("real floating", "integral", "bool")):
        raise TypeError(f"{name}: expected real numbers, got an array of dtype {a.dtype}")
    check_layout(tuple(a.shape), name, n=n)
    if a.ndim == 1:
        a = xp.reshape(a, (a.shape[0], 1))
    a = xp.astype(a, dtype)
    finite = xp.isfinite(a)
    if not bool(xp.all(finite)):
        flat = int(xp.argmin(xp.astype(xp.reshape(finite, (-1,)), xp.int8)))
        raise ValueError(
            f"{name}: contains NaN or infinity (first at row {flat // a.shape[1]}, column {flat % a.shape[1]})"
        )
    return a


def samples(objs: Sequence[Any], names: Sequence[str]) -> list[Any]:
    """The arrays of a k-NN call as float64 (n, d) arrays of one library on
    their device, all of the first one's length."""
    xp, arrs = namespace(objs, names)
    first = _samples(xp, arrs[0], names[0], xp.float64)
    return [first] + [_samples(xp, a, nm, xp.float64, n=first.shape[0]) for a, nm in zip(arrs[1:], names[1:])]


def series(objs: Sequence[Any], names: Sequence[str]) -> list[list[Any] | None]:
    """The series of a transfer-entropy call, one trial each (None stays
    None): lists of CUDA arrays are not dispatched here."""
    if any(isinstance(o, (list, tuple)) for o in objs):
        raise TypeError("the GPU path takes one trial per call: pass arrays, not lists of trials")
    given = [(o, nm) for o, nm in zip(objs, names) if o is not None]
    xp, arrs = namespace([o for o, _ in given], [nm for _, nm in given])
    it = iter(_samples(xp, a, nm, xp.float64) for a, (_, nm) in zip(arrs, given))
    return [None if o is None else [next(it)] for o in objs]


def columns(a: Any, cols: Sequence[int]) -> Any:
    """The columns ``cols`` of a trial, gathered on its device."""
    xp, _ = namespace([a], ["X"])
    return xp.take(a, xp.asarray(list(cols), dtype=xp.int64, device=A._dev(a)), axis=1)


def _standardize(xp: Any, a: Any) -> Any:
    # as the Rust core's preprocessing (JIDT's NORMALISE), on the device
    if a.shape[0] < 2:
        return a - xp.mean(a, axis=0)
    mean = xp.mean(a, axis=0)
    std = xp.std(a, axis=0, correction=1)
    std = xp.where(std == 0, 1.0, std)
    return (a - mean) / std


def preprocess(xp: Any, arrays: Sequence[Any], prep: Preprocessing, n_threads: int | None = None) -> list[Any]:
    """Device twin of the Rust core's preprocessing (float64 arrays): the
    normalisation on the device, the noise drawn by the Rust core (the same
    streams: array j from stream j) and uploaded."""
    out = [_standardize(xp, a) if prep.normalize else a for a in arrays]
    if prep.noise > 0:
        noisy = []
        for j, a in enumerate(out):
            n, d = a.shape
            if prep.normalize or n < 2:
                scale = xp.ones((d,), dtype=a.dtype, device=A._dev(a))
            else:
                scale = xp.std(a, axis=0, correction=1)
                scale = xp.where(scale > 0, scale, 1.0)
            z = _core.noise(n=n, d=d, seed=prep.noise_seed, stream=j, n_threads=n_threads)
            noisy.append(a + (prep.noise * scale) * xp.asarray(z, device=A._dev(a)))
        out = noisy
    return out


def _finish(xp: Any, values: Any, local: bool, ln_base: float) -> Any:
    if ln_base != 1.0:
        values = values / ln_base
    if local:
        return values
    return float(xp.mean(values))


def knn(req: KnnRequest) -> Any:
    """A k-NN estimate (or its local values, or the MI matrix) in units of
    the request's base, computed on the arrays' device."""
    if req.lnc_alpha is not None:
        raise ValueError("lnc_alpha: the local non-uniformity correction runs on the CPU path only (host arrays)")
    xp, _ = namespace(req.arrays[:1], ["x"])
    vals = preprocess(xp, req.arrays, req.prep, req.n_threads)
    if req.dtype == "float32":
        vals = [xp.astype(v, xp.float32) for v in vals]
    for nm, v in zip(("x", "y", "z") if req.estimator != "mi_matrix" else ("X",), vals):
        A._trace(f"input {nm}", v)
    if req.estimator == "mi_matrix":
        m = A.mi_matrix(xp, vals[0], req.k, req.algorithm, req.tile_size)
        return m / req.ln_base if req.ln_base != 1.0 else m
    if req.estimator == "mi":
        values = A.mi_local(xp, vals[0], vals[1], req.k, req.algorithm, 0, req.tile_size)
    elif req.estimator == "cmi":
        values = A.cmi_local(xp, vals[0], vals[1], vals[2], req.k, req.algorithm, 0, req.tile_size)
    else:
        values = A.entropy_local(xp, vals[0], req.k, req.metric, req.tile_size)
    return _finish(xp, values, req.local, req.ln_base)


def te_blocks(
    req: TERequest,
    emb: Embedding,
    source: Sequence[Any],
    target: Sequence[Any],
    conditions: Sequence[Any] | None,
) -> Blocks:
    """Embedding and preprocessing on the device (slices of the series)."""
    xp, _ = namespace([target[0]], ["target"])
    x, y, z, lengths = embed(source, target, conditions, emb, lambda blocks, axis: xp.concat(blocks, axis=axis))
    blocks = preprocess(xp, [x, y, z], req.prep, req.n_threads)
    if req.dtype == "float32":
        blocks = [xp.astype(b, xp.float32) for b in blocks]
    for nm, b in zip("XYZ", blocks):
        A._trace(f"embedded {nm}", b)
    return Blocks(x=blocks[0], y=blocks[1], z=blocks[2], lengths=tuple(lengths))


def transfer_entropy(req: TERequest, b: Blocks) -> Any:
    """The TE estimate of one pair (or its local values) in units of base."""
    xp, _ = namespace([b.y], ["target"])
    values = A.cmi_batched(xp, b.x[None, :, :], b.y, b.z, req.k, req.algorithm, req.exclude, None, req.tile_size)
    return _finish(xp, values[0, :], req.local, req.ln_base)


def _batch_size(xp: Any, like: Any, n: int, dx: int, total: int, batch_size: int | None) -> int:
    """Sources (estimate + surrogates) per batch. Each member costs its
    gathered source block and ~24 per-query arrays of the sorted search and
    counts (int64/float64), n entries each; the batch uses the tile budget
    (half the free device memory, 256 MiB on the host)."""
    if batch_size is not None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size: expected a positive integer, got {batch_size!r}")
        return min(total, batch_size)
    free = A._free_bytes(xp, like)
    budget = A.DEFAULT_HOST_BUDGET if free is None else int(free * A.DEVICE_BUDGET_FRACTION)
    return int(max(1, min(total, budget // (n * 8 * (dx + 24)))))


def te_sources(
    req: TERequest, xs: Sequence[Any], y: Any, z: Any, lengths: Sequence[int], seed: int | None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Estimates of every source block in ``xs`` against one target side (y,
    z), each with the request's surrogates, as the Rust core's
    ``many_sources``: surrogate s of source r uses stream r (S + 1) + s + 1
    of ``seed``. All (S + 1) R computations run as batches of sources that
    share the target side. Returns host arrays (estimates (R,), surrogates
    (R, S)) in nats."""
    xp, _ = namespace([y], ["target"])
    S = req.n_surrogates
    R, n, dx = len(xs), xs[0].shape[0], xs[0].shape[1]
    per = S + 1
    block_size = block_size_for(req.method, req.block_size, lengths)
    rows = []  # flat row indices into the stacked sources, one row per computation
    for r in range(R):
        rows.append(r * n + np.arange(n, dtype=np.int64)[None, :])
        if S:
            assert seed is not None  # the pipeline draws a surrogate seed whenever S > 0
            orders = _core.surrogate_orders(
                method=req.method,
                trial_lengths=list(lengths),
                n_surrogates=S,
                seed=seed,
                first_stream=r * per + 1,
                block_size=block_size,
                n_threads=req.n_threads,
            )
            rows.append(r * n + orders)
    flat_rows = np.concatenate(rows)  # (R * per, n)
    dev = A._dev(y)
    flat = xp.reshape(xp.stack(list(xs)), (R * n, dx))
    B = _batch_size(xp, y, n, dx, R * per, req.batch_size)
    means = []
    for b0 in range(0, R * per, B):
        idx = xp.asarray(flat_rows[b0 : b0 + B], device=dev)
        xb = xp.reshape(xp.take(flat, xp.reshape(idx, (-1,)), axis=0), (idx.shape[0], n, dx))
        means.append(
            xp.mean(A.cmi_batched(xp, xb, y, z, req.k, req.algorithm, req.exclude, None, req.tile_size), axis=1)
        )
    # the R (S + 1) estimates (not the data) go to the host
    vals = _to_host(xp.concat(means)).reshape(R, per)
    return vals[:, 0], vals[:, 1:]


def _to_host(a: Any) -> npt.NDArray[np.float64]:
    """A small result array as float64 NumPy (the only device-to-host
    transfer besides scalars)."""
    from array_api_compat import to_device  # optional dependency (the 'gpu' extra)

    try:
        return np.asarray(to_device(a, "cpu"), dtype=np.float64)
    except (ValueError, TypeError):  # a host library without a "cpu" device name
        return np.asarray(np.from_dlpack(a), dtype=np.float64)
