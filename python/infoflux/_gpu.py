"""GPU backend: the public k-NN and transfer-entropy estimators for CUDA
arrays (CuPy, PyTorch; JAX through the same array-API code, untried).

``infoflux._dispatch`` imports this module only when a CUDA DLPack array
arrives, so ``import infoflux`` never imports array-api-compat or any GPU
library. The functions here take the arguments the public functions in
``infoflux._knn`` and ``infoflux._te`` forward, validate them as the CPU path does, and run the
array-API estimators of :mod:`infoflux._array_api` in the input's own
library on its own device: no host copy of the data is made.

Numbers are the CPU path's:

* float64 by default, with the same operations and comparisons as the Rust
  core, so results agree to rounding (the tests ask 1e-10 on NumPy, 1e-9 on
  CUDA). ``dtype="float32"`` searches neighbours in float32 (faster on most
  GPUs, half the memory) and is approximate: distances that differ in the
  last float64 bits can compare differently, so counts and the estimate can
  differ from the float64 result by more than rounding.
* The noise that breaks ties is drawn on the host with
  ``numpy.random.default_rng(seed)`` in the CPU path's order and shape, then
  uploaded to the device (n x d float64 per variable, small next to the
  neighbour search), so a given seed gives the same noise on every device.
  TE surrogate orders are drawn on the host as well, from the CPU path's
  random streams, and uploaded as one index array per batch.

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

import math
from typing import Any, Optional, Sequence

import numpy as np

from infoflux import _array_api as A
from infoflux import _core
from infoflux._validation import check_algorithm, check_k, check_noise, log_base, noise_seed

_DTYPES = ("float64", "float32")


def _namespace(arrays: Sequence[Any], names: Sequence[str]):
    """The array-API namespace of the inputs and the inputs in it.

    Arrays from different libraries are imported into the first one's
    library with ``from_dlpack`` (zero-copy on the same device). An object
    no supported library can read raises TypeError.
    """
    try:
        from array_api_compat import array_namespace
    except ImportError:  # the optional 'gpu' extra is missing
        raise ImportError(
            "CUDA arrays need the optional dependency array-api-compat: pip install 'infoflux[gpu]'"
        ) from None
    xp = None
    for a, name in zip(arrays, names):
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


def _samples(xp: Any, a: Any, name: str, dtype: Any, n: Optional[int] = None) -> Any:
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
    if a.ndim == 1:
        a = xp.reshape(a, (a.shape[0], 1))
    elif a.ndim != 2:
        raise ValueError(
            f"{name}: expected a 1-D array of samples or a 2-D (n_samples, n_dims) array, got {a.ndim}-D with shape {tuple(a.shape)}"
        )
    if a.shape[0] == 0:
        raise ValueError(f"{name}: is empty (no samples)")
    if a.shape[1] == 0:
        raise ValueError(f"{name}: has no columns")
    if n is not None and a.shape[0] != n:
        raise ValueError(
            f"{name}: has {a.shape[0]} samples but the first argument has {n}; all variables need the same number of samples"
        )
    a = xp.astype(a, dtype)
    finite = xp.isfinite(a)
    if not bool(xp.all(finite)):
        flat = int(xp.argmin(xp.astype(xp.reshape(finite, (-1,)), xp.int8)))
        raise ValueError(
            f"{name}: contains NaN or infinity (first at row {flat // a.shape[1]}, column {flat % a.shape[1]})"
        )
    return a


def _to_host(a: Any) -> np.ndarray:
    """A small result array as float64 NumPy (the only device-to-host
    transfer besides scalars)."""
    from array_api_compat import to_device

    try:
        return np.asarray(to_device(a, "cpu"), dtype=np.float64)
    except (ValueError, TypeError):  # a host library without a "cpu" device name
        return np.asarray(np.from_dlpack(a), dtype=np.float64)


def _check_dtype(dtype: Any) -> str:
    if dtype not in _DTYPES:
        raise ValueError(f"dtype: must be 'float64' or 'float32', got {dtype!r}")
    return dtype


def _standardize(xp: Any, a: Any) -> Any:
    # as the Rust core's preprocessing (JIDT's NORMALISE), on the device
    if a.shape[0] < 2:
        return a - xp.mean(a, axis=0)
    mean = xp.mean(a, axis=0)
    std = xp.std(a, axis=0, correction=1)
    std = xp.where(std == 0, 1.0, std)
    return (a - mean) / std


def preprocess(xp: Any, arrays: Sequence[Any], normalize: bool, noise: float, seed: Any) -> list:
    """Device twin of ``infoflux._validation.preprocess`` (float64 arrays).

    The noise is drawn on the host, in the same order and shapes as on the
    CPU path, and uploaded, so that both paths see the same numbers.
    """
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize: expected True or False, got {type(normalize).__name__}")
    out = [_standardize(xp, a) if normalize else a for a in arrays]
    if noise > 0:
        s = noise_seed(seed)
        noisy = []
        for j, a in enumerate(out):
            n, d = a.shape
            if normalize or n < 2:
                scale = xp.ones((d,), dtype=a.dtype, device=A._dev(a))
            else:
                scale = xp.std(a, axis=0, correction=1)
                scale = xp.where(scale > 0, scale, 1.0)
            z = xp.asarray(_core.noise(n, d, s, j, None), device=A._dev(a))
            noisy.append(a + (noise * scale) * z)
        out = noisy
    return out


def _prepare(arrays, names, normalize, noise, seed, dtype, k, extra_checks=None):
    """Namespace, validated float64 arrays after preprocessing, cast to the
    compute dtype."""
    dtype = _check_dtype(dtype)
    xp, arrs = _namespace(arrays, names)
    first = _samples(xp, arrs[0], names[0], xp.float64)
    vals = [first] + [_samples(xp, a, nm, xp.float64, n=first.shape[0]) for a, nm in zip(arrs[1:], names[1:])]
    if extra_checks is not None:
        extra_checks(vals)
    k = check_k(k, first.shape[0])
    vals = preprocess(xp, vals, normalize, check_noise(noise), seed)
    if dtype == "float32":
        vals = [xp.astype(v, xp.float32) for v in vals]
    for nm, v in zip(names, vals):
        A._trace(f"input {nm}", v)
    return xp, vals, k


def _finish(xp: Any, values: Any, local: bool, ln_base: float):
    if ln_base != 1.0:
        values = values / ln_base
    if local:
        return values
    return float(xp.mean(values))


def mutual_info(x, y, *, k=3, algorithm=1, base=math.e, local=False, normalize=True, noise=1e-8,
                seed=0, dtype="float64", tile_size=None):
    """KSG mutual information on the arrays' device; see infoflux.mutual_info."""
    alg = check_algorithm(algorithm)
    ln_base = log_base(base)
    xp, (xa, ya), k = _prepare([x, y], ["x", "y"], normalize, noise, seed, dtype, k)
    return _finish(xp, A.mi_local(xp, xa, ya, k, alg, 0, tile_size), local, ln_base)


def conditional_mutual_info(x, y, z, *, k=3, algorithm=1, base=math.e, local=False, normalize=True,
                            noise=1e-8, seed=0, dtype="float64", tile_size=None):
    """Frenzel-Pompe / JIDT CMI on the arrays' device; see infoflux.conditional_mutual_info."""
    alg = check_algorithm(algorithm)
    ln_base = log_base(base)
    xp, (xa, ya, za), k = _prepare([x, y, z], ["x", "y", "z"], normalize, noise, seed, dtype, k)
    return _finish(xp, A.cmi_local(xp, xa, ya, za, k, alg, 0, tile_size), local, ln_base)


def entropy(x, *, k=3, metric="chebyshev", base=math.e, local=False, normalize=False, noise=1e-10,
            seed=0, dtype="float64", tile_size=None):
    """Kozachenko-Leonenko entropy on the array's device; see infoflux.entropy."""
    if metric not in ("chebyshev", "euclidean"):
        raise ValueError(f"metric: must be 'chebyshev' or 'euclidean', got {metric!r}")
    ln_base = log_base(base)
    xp, (xa,), k = _prepare([x], ["x"], normalize, noise, seed, dtype, k)
    return _finish(xp, A.entropy_local(xp, xa, k, metric, tile_size), local, ln_base)


def mutual_info_matrix(X, *, k=3, algorithm=1, base=math.e, normalize=True, noise=1e-8, seed=0,
                       dtype="float64", tile_size=None):
    """All-pairs KSG MI matrix on the array's device; see infoflux.mutual_info_matrix."""
    alg = check_algorithm(algorithm)
    ln_base = log_base(base)

    def two_columns(vals):
        if vals[0].shape[1] < 2:
            raise ValueError(f"X: needs at least 2 columns, got {vals[0].shape[1]}")

    xp, (Xa,), k = _prepare([X], ["X"], normalize, noise, seed, dtype, k, two_columns)
    m = A.mi_matrix(xp, Xa, k, alg, tile_size)
    return m / ln_base if ln_base != 1.0 else m


# ------------------------------------------------------- transfer entropy
#
# The embedding and the surrogate orders are index plumbing: the orders are
# drawn on the host (the same SplitMix64 streams as rust/core/src/te.rs, so a
# seed gives the CPU path's surrogates) and uploaded as one (S, n) index
# array; the embedding is built on the device from slices of the series.

_M64 = (1 << 64) - 1
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_STREAM = 0xD1B54A32D192ED03


class _SplitMix64:
    """Many SplitMix64 generators advanced in lock step (one per stream),
    bit for bit the generator of ``te.rs``: uint64 NumPy arithmetic wraps
    modulo 2^64 as Rust's wrapping_* operations do."""

    def __init__(self, seed: int, streams: Sequence[int]):
        start = [(seed ^ ((s * _STREAM) & _M64)) & _M64 for s in streams]
        self.state = np.array(start, dtype=np.uint64)
        self.next_u64()

    def next_u64(self) -> np.ndarray:
        with np.errstate(over="ignore"):
            self.state = self.state + _GOLDEN
            z = self.state
            z = (z ^ (z >> np.uint64(30))) * _MIX1
            z = (z ^ (z >> np.uint64(27))) * _MIX2
        return z ^ (z >> np.uint64(31))

    def below(self, bound: int) -> np.ndarray:
        """floor(u * bound / 2^64) (Lemire), exact in 64-bit pieces: with
        u = hi 2^32 + lo, u b / 2^64 = (hi b + (lo b >> 32)) >> 32, and no
        partial product overflows for b < 2^32."""
        if not 0 < bound < 2**32:
            raise ValueError(f"surrogates: {bound} rows is beyond the supported 2^32")
        u = self.next_u64()
        b = np.uint64(bound)
        hi, lo = u >> np.uint64(32), u & np.uint64(0xFFFFFFFF)
        return ((hi * b + ((lo * b) >> np.uint64(32))) >> np.uint64(32)).astype(np.int64)


def _shuffle(rng: _SplitMix64, m: int) -> np.ndarray:
    """Fisher-Yates of range(m) for every stream, as te.rs (i from m-1 down)."""
    perm = np.tile(np.arange(m, dtype=np.int64), (rng.state.shape[0], 1))
    r = np.arange(perm.shape[0])
    for i in range(m - 1, 0, -1):
        j = rng.below(i + 1)
        a = perm[r, i].copy()
        perm[r, i] = perm[r, j]
        perm[r, j] = a
    return perm


def surrogate_orders(method: str, lengths: Sequence[int], n_surrogates: int, block_size: int,
                     seed: int, first_stream: int = 1) -> np.ndarray:
    """(S, n) row orders: surrogate s takes source row order[s, r] at row r,
    drawn from stream first_stream + s as ``te.rs::surrogate_order``."""
    n = int(sum(lengths))
    rng = _SplitMix64(seed, range(first_stream, first_stream + n_surrogates))
    S = n_surrogates
    if method == "permutation":
        return _shuffle(rng, n)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    out = np.tile(np.arange(n, dtype=np.int64), (S, 1))
    for start, length in zip(starts, lengths):
        if method == "time_shift":
            if length < 3:
                raise ValueError("method: time-shift surrogates need at least 3 samples per trial")
            lo = max(length // 10, 1)
            shift = lo + rng.below(length - 2 * lo + 1)
            r = np.arange(length)
            out[:, start:start + length] = start + (r[None, :] + shift[:, None]) % length
        else:  # block
            b = block_size
            blocks = [(s0, min(s0 + b, start + length)) for s0 in range(start, start + length, b)]
            if len(blocks) < 2:
                raise ValueError(f"block_size: block_size={b} leaves fewer than 2 blocks in a trial of {length} samples")
            order = _shuffle(rng, len(blocks))
            for s in range(S):
                out[s, start:start + length] = np.concatenate([np.arange(*blocks[bi]) for bi in order[s]])
    return out


def _embed_device(xp: Any, x: Any, y: Any, cond: Any, emb: Any):
    """The embedded blocks (source past, target next, target past +
    conditions) of one trial, as ``infoflux._te.embed`` builds them, with
    contiguous slices on the device: row n of the result uses time n + s."""
    s = emb.first_index
    T = y.shape[0]
    m = T - 1 - s

    def cols(series, offsets):
        return xp.concat([series[s + o: s + o + m, :] for o in offsets], axis=1)

    X = cols(x, [1 - emb.lag - j * emb.source_delay for j in range(emb.source_history)])
    Y = cols(y, [1])
    Z = [cols(y, [-j * emb.history_delay for j in range(emb.history)])]
    if cond is not None:
        for c, (mm, tau, w) in enumerate(zip(emb.condition_history, emb.condition_delay, emb.condition_lag)):
            Z.append(cols(cond[:, c:c + 1], [1 - w - j * tau for j in range(mm)]))
    return X, Y, xp.concat(Z, axis=1)


def _te_prepare(source, target, conditions, *, k, history, history_delay, source_history, source_delay,
                lag, condition_history, condition_delay, condition_lag, exclude, algorithm, base,
                normalize, noise, seed, dtype):
    """Validation as ``infoflux._te._prepare`` (one trial: lists of CUDA
    arrays are not dispatched here), embedding and preprocessing on the
    device. Returns xp, (X, Y, Z), lengths, k, alg, ln_base, exclude."""
    from infoflux._te import check_embedding

    if any(isinstance(a, (list, tuple)) for a in (source, target, conditions)):
        raise TypeError("the GPU path takes one trial per call: pass arrays, not lists of trials")
    dtype = _check_dtype(dtype)
    arrays = [source, target] + ([conditions] if conditions is not None else [])
    names = ["source", "target"] + (["conditions"] if conditions is not None else [])
    xp, arrs = _namespace(arrays, names)
    src = _samples(xp, arrs[0], "source", xp.float64)
    tgt = _samples(xp, arrs[1], "target", xp.float64)
    if src.shape[0] != tgt.shape[0]:
        raise ValueError(f"source and target: series of different lengths ({src.shape[0]} vs {tgt.shape[0]})")
    cond, n_cond = None, 0
    if conditions is not None:
        cond = _samples(xp, arrs[2], "conditions", xp.float64)
        if cond.shape[0] != tgt.shape[0]:
            raise ValueError(f"conditions: length {cond.shape[0]} differs from the target's {tgt.shape[0]}")
        n_cond = cond.shape[1]
    emb, k, exclude = check_embedding([tgt.shape[0]], n_cond, k=k, history=history, history_delay=history_delay,
                                      source_history=source_history, source_delay=source_delay, lag=lag,
                                      condition_history=condition_history, condition_delay=condition_delay,
                                      condition_lag=condition_lag, exclude=exclude)
    n_rows = max(0, tgt.shape[0] - emb.first_index - 1)
    alg = check_algorithm(algorithm)
    ln_base = log_base(base)
    blocks = preprocess(xp, list(_embed_device(xp, src, tgt, cond, emb)), normalize, check_noise(noise), seed)
    if dtype == "float32":
        blocks = [xp.astype(b, xp.float32) for b in blocks]
    for nm, b in zip("XYZ", blocks):
        A._trace(f"embedded {nm}", b)
    return xp, blocks, [n_rows], k, alg, ln_base, exclude


def _te_batch_size(xp: Any, like: Any, n: int, dx: int, total: int, batch_size: Optional[int]) -> int:
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


def transfer_entropy(source, target, *, k=4, history=1, history_delay=1, source_history=1, source_delay=1,
                     lag=1, algorithm=1, conditions=None, condition_history=1, condition_delay=1,
                     condition_lag=1, exclude=0, base=math.e, local=False, normalize=True, noise=1e-8,
                     seed=0, dtype="float64", tile_size=None):
    """KSG transfer entropy on the arrays' device; see infoflux.transfer_entropy."""
    xp, (X, Y, Z), _, k, alg, ln_base, exclude = _te_prepare(
        source, target, conditions, k=k, history=history, history_delay=history_delay,
        source_history=source_history, source_delay=source_delay, lag=lag,
        condition_history=condition_history, condition_delay=condition_delay, condition_lag=condition_lag,
        exclude=exclude, algorithm=algorithm, base=base, normalize=normalize, noise=noise, seed=seed, dtype=dtype)
    values = A.cmi_batched(xp, X[None, :, :], Y, Z, k, alg, exclude, None, tile_size)[0, :]
    return _finish(xp, values, local, ln_base)


def transfer_entropy_significance(source, target, *, n_surrogates=100, method="permutation", block_size=None,
                                  k=4, history=1, history_delay=1, source_history=1, source_delay=1, lag=1,
                                  algorithm=1, conditions=None, condition_history=1, condition_delay=1,
                                  condition_lag=1, exclude=0, base=math.e, normalize=True, noise=1e-8, seed=0,
                                  dtype="float64", tile_size=None, batch_size=None):
    """Transfer entropy and its surrogates on the arrays' device; see
    infoflux.transfer_entropy_significance. The surrogates are those of the
    CPU path for the same seed; they run in batches of ``batch_size``
    sources (chosen from memory by default) that share the target side."""
    from infoflux._te import Significance, _check_method, _surrogate_seed
    from infoflux._validation import check_int

    xp, (X, Y, Z), lengths, k, alg, ln_base, exclude = _te_prepare(
        source, target, conditions, k=k, history=history, history_delay=history_delay,
        source_history=source_history, source_delay=source_delay, lag=lag,
        condition_history=condition_history, condition_delay=condition_delay, condition_lag=condition_lag,
        exclude=exclude, algorithm=algorithm, base=base, normalize=normalize, noise=noise, seed=seed, dtype=dtype)
    S = check_int(n_surrogates, "n_surrogates", low=1)
    method, bs = _check_method(method, block_size, lengths)
    est, surr = _te_many(xp, [X], Y, Z, k, alg, exclude, lengths, S, method, bs, _surrogate_seed(seed),
                         tile_size, batch_size)
    est, surr = float(est[0]) / ln_base, surr[0] / ln_base
    p = (np.count_nonzero(surr >= est) + 1) / (S + 1)
    return Significance(estimate=est, p_value=float(p), surrogates=surr, method=method)


def _te_many(xp, xs, Y, Z, k, alg, exclude, lengths, S, method, block_size, seed, tile_size, batch_size):
    """Estimates of every source block in ``xs`` against one target side
    (Y, Z), each with S surrogates, as ``te.rs::many_sources``: surrogate s
    of source r uses stream r (S + 1) + s of ``seed``. All (S + 1) R
    computations run as batches of sources that share the target side.
    Returns host arrays est (R,) and surrogates (R, S), in nats."""
    R, n, dx = len(xs), xs[0].shape[0], xs[0].shape[1]
    per = S + 1
    rows = []  # flat row indices into the stacked sources, one row per computation
    for r in range(R):
        rows.append(r * n + np.arange(n, dtype=np.int64)[None, :])
        if S:
            rows.append(r * n + surrogate_orders(method, lengths, S, block_size, seed, first_stream=r * per + 1))
    rows = np.concatenate(rows)  # (R * per, n)
    dev = A._dev(Y)
    flat = xp.reshape(xp.stack(xs), (R * n, dx))
    B = _te_batch_size(xp, Y, n, dx, R * per, batch_size)
    means = []
    for b0 in range(0, R * per, B):
        idx = xp.asarray(rows[b0:b0 + B], device=dev)
        xb = xp.reshape(xp.take(flat, xp.reshape(idx, (-1,)), axis=0), (idx.shape[0], n, dx))
        means.append(xp.mean(A.cmi_batched(xp, xb, Y, Z, k, alg, exclude, None, tile_size), axis=1))
    # the R (S + 1) estimates (not the data) go to the host
    vals = _to_host(xp.concat(means)).reshape(R, per)
    return vals[:, 0], vals[:, 1:]


def transfer_entropy_matrix(X, *, conditioning=None, n_surrogates=0, method="permutation", block_size=None,
                            progress=None, k=4, history=1, history_delay=1, source_history=1, source_delay=1,
                            lag=1, algorithm=1, condition_history=1, condition_delay=1, condition_lag=1,
                            exclude=0, base=math.e, normalize=True, noise=1e-8, seed=0, dtype="float64",
                            tile_size=None, batch_size=None):
    """All-pairs transfer entropy on the array's device; see
    infoflux.transfer_entropy_matrix (same entries, surrogates and p-values
    for the same seed). The sources of a target (and all their surrogates)
    share the target side and run in batches. Returns host arrays (p x p)."""
    from infoflux._te import TENetwork, _check_method, _progress, _surrogate_seed, conditioning_columns
    from infoflux._validation import check_int

    if isinstance(X, (list, tuple)):
        raise TypeError("the GPU path takes one trial per call: pass an array, not a list of trials")
    xp, (Xa,) = _namespace([X], ["X"])
    Xa = _samples(xp, Xa, "X", xp.float64)
    p = Xa.shape[1]
    if p < 2:
        raise ValueError(f"X: needs at least 2 columns, got {p}")
    cond_cols = conditioning_columns(conditioning, p, condition_history, condition_delay, condition_lag)
    S = check_int(n_surrogates, "n_surrogates", low=0)
    check_algorithm(algorithm)
    ln_base = log_base(base)
    sseed = _surrogate_seed(seed)  # before any noise is drawn, as the CPU path
    values = np.full((p, p), np.nan)
    pvals = np.full((p, p), np.nan) if S else None
    surr_all = np.full((p, p, S), np.nan) if S else None
    report = _progress(progress, p * (p - 1))
    done = 0
    dev = A._dev(Xa)
    kw = dict(k=k, history=history, history_delay=history_delay, source_history=source_history,
              source_delay=source_delay, lag=lag, condition_history=condition_history,
              condition_delay=condition_delay, condition_lag=condition_lag, exclude=exclude,
              algorithm=algorithm, base=base, normalize=normalize, noise=noise, seed=seed, dtype=dtype)
    for j in range(p):
        sources = [i for i in range(p) if i != j]
        groups = [sources] if cond_cols is None else [[i] for i in sources]
        for grp in groups:
            xs = []
            for i in grp:
                ccols = [] if cond_cols is None else [c for c in cond_cols if c not in (i, j)]
                conds = xp.take(Xa, xp.asarray(ccols, dtype=xp.int64, device=dev), axis=1) if ccols else None
                _, (Xi, Yi, Zi), lengths, kk, alg, _, exc = _te_prepare(Xa[:, i], Xa[:, j], conds, **kw)
                xs.append(Xi)
                Y, Z = Yi, Zi  # identical for every source of the group
            meth, bs = _check_method(method, block_size, lengths)
            est, surr = _te_many(xp, xs, Y, Z, kk, alg, exc, lengths, S, meth, bs,
                                 (sseed + 1_000_003 * j) % 2**64, tile_size, batch_size)
            for r, i in enumerate(grp):
                values[i, j] = est[r] / ln_base
                if S:
                    surr_all[i, j] = surr[r] / ln_base
                    pvals[i, j] = (np.count_nonzero(surr[r] >= est[r]) + 1) / (S + 1)
            done += len(grp)
            report(done)
    return TENetwork(values=values, p_values=pvals, surrogates=surr_all)
