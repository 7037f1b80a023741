"""The Rust CPU backend: host NumPy arrays, computed by the compiled core
``infoflux._core`` on a thread pool of ``n_threads`` threads.

It takes the requests of ``infoflux._requests``, as the array-API backend
(``infoflux._backend_xp``) does. DLPack producers on the CPU are read
without a copy; CUDA arrays given in a list of trials are copied to the
host (the array-API backend takes one trial per call).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from infoflux import _core
from infoflux._embedding import Embedding, block_size_for, embed
from infoflux._requests import Blocks, KnnRequest, Preprocessing, TERequest
from infoflux._validation import as_samples, preprocess_seeded

Array = npt.NDArray[np.float64]
Result = Union[float, Array]

NAME = "rust"


def samples(objs: Sequence[Any], names: Sequence[str]) -> list[Array]:
    """The arrays of a k-NN call as C-contiguous float64 (n, d), all of the
    first one's length."""
    first = as_samples(objs[0], names[0])
    return [first] + [as_samples(o, nm, n=first.shape[0]) for o, nm in zip(objs[1:], names[1:])]


def _trials(obj: Any, name: str) -> list[Array]:
    """One array per trial. A list or tuple of arrays (NumPy or DLPack) is
    several trials; anything else (including a nested list of numbers) is a
    single array."""
    if (
        isinstance(obj, (list, tuple))
        and obj
        and all(isinstance(t, np.ndarray) or hasattr(t, "__dlpack__") for t in obj)
    ):
        return [as_samples(t, f"{name}[{i}]") for i, t in enumerate(obj)]
    return [as_samples(obj, name)]


def series(objs: Sequence[Any], names: Sequence[str]) -> list[list[Array] | None]:
    """The trials of each series of a transfer-entropy call (None stays
    None)."""
    return [None if o is None else _trials(o, nm) for o, nm in zip(objs, names)]


def columns(a: Array, cols: Sequence[int]) -> Array:
    """The columns ``cols`` of a trial, as a new array."""
    return a[:, list(cols)]


def _concat(blocks: list[Any], axis: int) -> Any:
    return np.concatenate(blocks, axis=axis)


def _preprocess(arrays: Sequence[Array], prep: Preprocessing, n_threads: int | None) -> list[Array]:
    return preprocess_seeded(arrays, prep.normalize, prep.noise, prep.noise_seed, n_threads)


def _finish(values: Array, local: bool, ln_base: float) -> Result:
    if ln_base != 1.0:
        values = values / ln_base
    if local:
        return values
    # np.mean sums pairwise: the same order for any thread count
    return float(np.mean(values))


def knn(req: KnnRequest) -> Result:
    """A k-NN estimate (or its local values, or the MI matrix) in units of
    the request's base."""
    arrays = _preprocess(req.arrays, req.prep, req.n_threads)
    if req.estimator == "mi_matrix":
        m = _core.mi_matrix(x=arrays[0], k=req.k, algorithm=req.algorithm, n_threads=req.n_threads)
        return m / req.ln_base if req.ln_base != 1.0 else m
    if req.estimator == "mi":
        x, y = arrays
        values = _core.mi_local(x=x, y=y, k=req.k, algorithm=req.algorithm, n_threads=req.n_threads)
    elif req.estimator == "cmi":
        x, y, z = arrays
        values = _core.cmi_local(x=x, y=y, z=z, k=req.k, algorithm=req.algorithm, n_threads=req.n_threads)
    else:
        values = _core.entropy_local(x=arrays[0], k=req.k, metric=req.metric, n_threads=req.n_threads)
    return _finish(values, req.local, req.ln_base)


def te_blocks(
    req: TERequest,
    emb: Embedding,
    source: Sequence[Array],
    target: Sequence[Array],
    conditions: Sequence[Array] | None,
) -> Blocks:
    """Embedding, then preprocessing of the embedded blocks."""
    x, y, z, lengths = embed(source, target, conditions, emb, _concat)
    x, y, z = _preprocess([x, y, z], req.prep, req.n_threads)
    return Blocks(x=x, y=y, z=z, lengths=tuple(lengths))


def _window(req: TERequest) -> int | None:
    return req.exclude if req.exclude > 0 else None


def transfer_entropy(req: TERequest, b: Blocks) -> Result:
    """The TE estimate of one pair (or its local values) in units of base."""
    common: Any = {
        "k": req.k,
        "algorithm": req.algorithm,
        "trial_lengths": list(b.lengths),
        "window": _window(req),
        "n_threads": req.n_threads,
    }
    if not req.local:
        # the reduction of networks and surrogate tests, so a network entry
        # equals the single call bit for bit
        est, _ = _core.te_many(xs=[b.x], y=b.y, z=b.z, **common)
        return float(est[0]) / req.ln_base
    values = _core.te_local(x=b.x, y=b.y, z=b.z, **common)
    return values / req.ln_base if req.ln_base != 1.0 else values


def te_sources(
    req: TERequest, xs: Sequence[Array], y: Array, z: Array, lengths: Sequence[int], seed: int | None
) -> tuple[Array, Array]:
    """Estimates of every source block in ``xs`` against one target side (y,
    z), each with the request's surrogates drawn from ``seed`` (surrogate s
    of source r from stream r (S + 1) + s + 1). Returns (estimates (R,),
    surrogates (R, S)) in nats."""
    S = req.n_surrogates
    est, surr = _core.te_many(
        xs=list(xs),
        y=y,
        z=z,
        k=req.k,
        algorithm=req.algorithm,
        trial_lengths=list(lengths),
        window=_window(req),
        n_surrogates=S,
        method=req.method if S else None,
        block_size=block_size_for(req.method, req.block_size, lengths) if S else None,
        seed=seed if S else None,
        n_threads=req.n_threads,
    )
    return est, surr
