"""The Rust CPU backend: host NumPy arrays, computed by the compiled core
``infoflux._core`` on a thread pool of ``n_threads`` threads.

It takes the requests of ``infoflux._requests``, as the array-API backend
(``infoflux._backend_xp``) does. DLPack producers on the CPU are read
without a copy; CUDA arrays given in a list of trials are copied to the
host (the array-API backend takes one trial per call).
"""

from __future__ import annotations

import math
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


# Magnitudes that the computations take as they are: squares, sums of
# squares and the noise then stay far from overflow and underflow.
_SMALLEST, _LARGEST = 2.0**-400, 2.0**400


def _magnitude(arrays: Sequence[Array]) -> float:
    """The largest magnitude in the arrays."""
    return max((max(float(np.max(a)), -float(np.min(a))) for a in arrays), default=0.0)


def _common_scale(arrays: Sequence[Array], by: Sequence[Array] | None = None) -> tuple[list[Array], int]:
    """The arrays of one computation times a common power of two, 2^-e,
    when their largest magnitude lies outside [2^-400, 2^400]: above, the
    least power that brings it to 2^400 (the fewest digits lost at the
    other end of the range); below, into [1, 2). e = 0 and the arrays
    unchanged otherwise. ``by``: the arrays whose magnitude decides (all of
    them by default).

    A power of two scales every difference exactly, so the neighbour
    counts of the raw estimators (``normalize=False``), and with them every
    mutual information and transfer entropy, are those of the data as
    given; an entropy shifts by d e ln 2. Data at the edges of the float64
    range are then computed without overflow (squares, the noise added to
    values near the largest float) or lost digits (subnormal noise). With
    normalisation each column is scaled on its own instead (in the core),
    which keeps the digits of a column far smaller than the others.
    """
    big = _magnitude(arrays if by is None else by)
    if big == 0.0 or _SMALLEST <= big <= _LARGEST:
        return list(arrays), 0
    e = math.frexp(big)[1] - 1
    if big > _LARGEST:
        e -= 400
    return [np.ldexp(a, -e) for a in arrays], e


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
    arrays, e = (list(req.arrays), 0) if req.prep.normalize else _common_scale(req.arrays)
    if req.estimator == "mi" and req.lnc_alpha is not None:
        # KSG local values plus the per-sample corrections, on the same
        # preprocessed arrays (the correction needs them, so no phases)
        x, y = _preprocess(arrays, req.prep, req.n_threads)
        values = _core.mi_local(x=x, y=y, k=req.k, algorithm=req.algorithm, n_threads=req.n_threads)
        values = values + _core.lnc_local(x=x, y=y, k=req.k, alpha=req.lnc_alpha, n_threads=req.n_threads)
        return _finish(values, req.local, req.ln_base)
    if req.estimator == "mi":
        # preprocessed in the core, into the joint matrix: no copies of x and y
        # beside it, and large estimates run in phases (bounded memory)
        x, y = (np.ascontiguousarray(a, dtype=np.float64) for a in arrays)
        p = req.prep
        values = _core.mi_local_prep(
            x=x,
            y=y,
            k=req.k,
            algorithm=req.algorithm,
            normalize=bool(p.normalize),
            noise=float(p.noise),
            seed=p.noise_seed if p.noise > 0 else None,
            n_threads=req.n_threads,
        )
        return _finish(values, req.local, req.ln_base)
    arrays = _preprocess(arrays, req.prep, req.n_threads)
    if req.estimator == "mi_matrix":
        m = _core.mi_matrix(x=arrays[0], k=req.k, algorithm=req.algorithm, n_threads=req.n_threads)
        return m / req.ln_base if req.ln_base != 1.0 else m
    if req.estimator == "cmi":
        x, y, z = arrays
        values = _core.cmi_local(x=x, y=y, z=z, k=req.k, algorithm=req.algorithm, n_threads=req.n_threads)
    else:
        values = _core.entropy_local(x=arrays[0], k=req.k, metric=req.metric, n_threads=req.n_threads)
        if e:
            # the entropy of the data as given: h(2^e x) = h(x) + d e ln 2
            values = values + arrays[0].shape[1] * e * math.log(2.0)
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
    if not req.prep.normalize:
        # raw blocks at the edges of the float64 range: one power of two for
        # the pair (see _common_scale), decided by the target side, which a
        # network shares between the sources of one target
        (x, y, z), _ = _common_scale([x, y, z], by=[y, z])
        if _magnitude([x]) > 2.0**1000:
            raise ValueError(
                "source: values beyond 2^1000 times the target's magnitude cannot be compared without overflow "
                "in the raw estimator; use normalize=True"
            )
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
        est = _core.te_many(xs=[b.x], y=b.y, z=b.z, **common)
        return float(est[0, 0]) / req.ln_base
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
    both = _core.te_many(
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
    # views of the one (R, S + 1) result: nothing of size S is copied
    return both[:, 0], both[:, 1:]
