"""Argument checking and preprocessing shared by the estimators.

Errors name the argument, the way scikit-learn's do, and are raised before
any work starts: nothing invalid reaches the Rust core.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from infoflux import _core
from infoflux._arrays import to_numpy
from infoflux._seeds import noise_seed, resolve_seed


def as_samples(obj: Any, name: str, *, n: int | None = None) -> np.ndarray:
    """Validate a sample array and return it as C-contiguous float64 (n, d).

    1-D input is one variable (n,) -> (n, 1). Fortran-ordered and strided
    views are accepted (copied); float32 and integer dtypes are converted.
    """
    a = to_numpy(obj, name)
    if a.dtype == object or a.dtype.kind not in "biuf":
        kind = "complex" if a.dtype.kind == "c" else str(a.dtype)
        raise TypeError(f"{name}: expected real numbers, got an array of dtype {kind}")
    if a.ndim == 1:
        a = a[:, None]
    elif a.ndim != 2:
        raise ValueError(
            f"{name}: expected a 1-D array of samples or a 2-D (n_samples, n_dims) array, "
            f"got {a.ndim}-D with shape {a.shape}"
        )
    if a.shape[0] == 0:
        raise ValueError(f"{name}: is empty (no samples)")
    if a.shape[1] == 0:
        raise ValueError(f"{name}: has no columns")
    if n is not None and a.shape[0] != n:
        raise ValueError(
            f"{name}: has {a.shape[0]} samples but the first argument has {n}; "
            "all variables need the same number of samples"
        )
    a = np.ascontiguousarray(a, dtype=np.float64)
    if not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))[0]
        raise ValueError(f"{name}: contains NaN or infinity (first at row {bad[0]}, column {bad[1]})")
    return a


def check_int(value: Any, name: str, *, low: int, high: int | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    v = int(value)
    if v < low:
        raise ValueError(f"{name}: must be >= {low}, got {v}")
    if high is not None and v > high:
        raise ValueError(f"{name}: must be <= {high}, got {v}")
    return v


def check_k(k: Any, n: int, *, extra: int = 0, shortfall: str | None = None, note: str = "") -> int:
    """The one check of ``k``: an integer >= 1 whose k neighbours exist
    among ``n`` samples, which takes k + 1 samples (k + 1 + ``extra`` when a
    Theiler window removes up to ``extra`` candidates). ``shortfall`` says
    where the n samples come from (the message then names that argument);
    ``note`` is added to the message."""
    value = check_int(k, "k", low=1)
    need = value + 1 + extra
    if n < need:
        if shortfall is None:
            raise ValueError(f"k: k={value} needs at least {need} samples, got {n}{note}")
        raise ValueError(f"{shortfall} leaves {n} samples, fewer than the {need} needed for k={value}{note}")
    return value


def check_algorithm(algorithm: Any) -> int:
    if isinstance(algorithm, (bool, np.bool_)) or algorithm not in (1, 2):
        raise ValueError(f"algorithm: must be 1 or 2 (KSG algorithm), got {algorithm!r}")
    return int(algorithm)


def log_base(base: Any) -> float:
    """ln(base): estimators compute nats and divide by this."""
    if isinstance(base, str):
        if base == "e":
            return 1.0
        raise ValueError(f"base: expected a positive number other than 1 (or 'e'), got {base!r}")
    if isinstance(base, (bool, np.bool_)) or not isinstance(base, numbers.Real):
        raise TypeError(f"base: expected a positive number, got {type(base).__name__}")
    b = float(base)
    if not (b > 0 and math.isfinite(b)) or b == 1.0:
        raise ValueError(f"base: expected a positive number other than 1, got {base!r}")
    return math.log(b)


def check_noise(noise: Any) -> float:
    if isinstance(noise, (bool, np.bool_)) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise: expected a non-negative number, got {type(noise).__name__}")
    v = float(noise)
    if not (v >= 0 and math.isfinite(v)):
        raise ValueError(f"noise: expected a finite non-negative number, got {noise!r}")
    return v


def check_dtype(dtype: Any) -> str:
    """The GPU path's compute precision; the CPU path accepts both names and
    always computes in float64."""
    if dtype not in ("float64", "float32"):
        raise ValueError(f"dtype: must be 'float64' or 'float32', got {dtype!r}")
    return str(dtype)


def check_metric(metric: Any) -> str:
    if metric not in ("chebyshev", "euclidean"):
        raise ValueError(f"metric: must be 'chebyshev' or 'euclidean', got {metric!r}")
    return str(metric)


def check_normalize(normalize: Any) -> bool:
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize: expected True or False, got {type(normalize).__name__}")
    return bool(normalize)


def check_threads(n_threads: Any) -> int | None:
    if n_threads is None:
        return None
    if isinstance(n_threads, (bool, np.bool_)) or not isinstance(n_threads, numbers.Integral):
        raise TypeError(f"n_threads: expected an integer or None, got {type(n_threads).__name__}")
    return int(n_threads)


def preprocess(
    arrays: Sequence[npt.NDArray[Any]],
    normalize: Any,
    noise: float,
    seed: Any,
    n_threads: int | None = None,
) -> list[npt.NDArray[np.float64]]:
    """Host preprocessing of a user's ``seed``: :func:`preprocess_seeded`
    with the noise seed that ``seed`` resolves to (see ``infoflux._seeds``)."""
    return preprocess_seeded(arrays, check_normalize(normalize), noise, noise_seed(resolve_seed(seed)), n_threads)


def preprocess_seeded(
    arrays: Sequence[npt.NDArray[Any]],
    normalize: bool,
    noise: float,
    seed: int,
    n_threads: int | None,
) -> list[npt.NDArray[np.float64]]:
    """Optional unit-variance normalisation, then optional Gaussian noise.

    Computed in the Rust core (``_core.preprocess``), in parallel on
    ``n_threads`` threads, into new arrays (the inputs are never modified).
    Normalisation is JIDT's: each column to zero mean and unit sample
    variance (ddof=1); a constant column is only centred. The noise on each
    column has standard deviation ``noise`` times the column's standard
    deviation (after normalisation that is ``noise`` itself), so its effect
    does not depend on units. Array j draws standard normal deviates
    (Marsaglia-Tsang ziggurat) from stream j of the 64-bit noise seed
    ``seed``, in fixed blocks of rows: the same numbers for any thread count.
    """
    contiguous = [np.ascontiguousarray(a, dtype=np.float64) for a in arrays]
    if not normalize and noise == 0:
        return contiguous
    return list(
        _core.preprocess(
            arrays=contiguous,
            normalize=bool(normalize),
            noise=float(noise),
            seed=seed if noise > 0 else None,
            n_threads=n_threads,
        )
    )
