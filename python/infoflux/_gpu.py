"""GPU backend: the public k-NN estimators for CUDA arrays (CuPy, PyTorch, JAX).

``infoflux._dispatch`` imports this module only when a CUDA DLPack array
arrives, so ``import infoflux`` never imports array-api-compat or any GPU
library. The functions here take the arguments the public functions in
``infoflux._knn`` forward, validate them as the CPU path does, and run the
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
  O(n^2) search), so a given seed gives the same noise on every device.

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
from infoflux._validation import check_algorithm, check_k, check_noise, log_base, rng_from

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


def _check_dtype(dtype: Any) -> str:
    if dtype not in _DTYPES:
        raise ValueError(f"dtype: must be 'float64' or 'float32', got {dtype!r}")
    return dtype


def _standardize(xp: Any, a: Any) -> Any:
    # as infoflux._validation.standardize (JIDT's NORMALISE), on the device
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
        rng = rng_from(seed)
        noisy = []
        for a in out:
            n, d = a.shape
            if normalize or n < 2:
                scale = xp.ones((d,), dtype=a.dtype, device=A._dev(a))
            else:
                scale = xp.std(a, axis=0, correction=1)
                scale = xp.where(scale > 0, scale, 1.0)
            z = xp.asarray(rng.standard_normal((n, d)), device=A._dev(a))
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
