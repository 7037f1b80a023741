"""scikit-learn's preprocessing in its ``mutual_info_*``: the scaling of
continuous columns and the scale of their tie-breaking noise, in the same
operations, shared by :mod:`infoflux.sklearn` and its feature selector so
that both give scikit-learn's numbers for the same ``random_state``."""

from __future__ import annotations

from typing import Any

import numpy as np

# Above these magnitudes the squares in a standard deviation and the sums in a
# mean can overflow (1e150² = 1e300 leaves room for 1e8 samples in float64,
# 1e15² = 1e30 as much in float32; float16 is reduced in float32 by NumPy).
HUGE = {np.dtype(np.float64): 1e150, np.dtype(np.float32): 1e15}


def huge_columns(a: np.ndarray) -> np.ndarray | None:
    """max|a| per column where some column exceeds its dtype's ``HUGE``
    (1 elsewhere), else None: ordinary data takes the plain NumPy
    expressions."""
    limit = HUGE.get(a.dtype)
    if limit is None:
        return None
    top = np.max(np.abs(a), axis=0)
    big = top > a.dtype.type(limit)
    if not np.any(big):
        return None
    out: np.ndarray = np.where(big, top, 1.0)
    return out


def sklearn_scale(a: np.ndarray) -> np.ndarray:
    # sklearn.preprocessing.scale(with_mean=False): divide by the population
    # std (nanstd), near-constant columns (std < 10 eps) left unscaled.
    # Columns beyond 1e150 (float32: 1e15) are divided by their largest
    # magnitude first, where scikit-learn's variance overflows and its
    # columns collapse to zero.
    m = huge_columns(a)
    scale = np.nanstd(a, axis=0) if m is None else np.nanstd(a / m, axis=0) * m
    scale = np.where(scale < 10 * np.finfo(scale.dtype).eps, 1.0, scale)
    return a / scale


def noise_scale(a: np.ndarray) -> np.ndarray:
    """max(1, mean|column|), the scale of each column's tie-breaking noise,
    without the overflow of the sum on columns beyond 1e150."""
    m = huge_columns(a)
    mean = np.mean(np.abs(a), axis=0) if m is None else np.mean(np.abs(a / m), axis=0) * m
    out: np.ndarray = np.maximum(1, mean)
    return out


def is_sparse(obj: Any) -> bool:
    """A SciPy sparse matrix or array (recognised without importing SciPy)."""
    return hasattr(obj, "tocsc") and hasattr(obj, "nnz") and hasattr(obj, "shape")


def discrete_mask(value: Any, p: int, sparse: bool, index_error: type[Exception]) -> np.ndarray:
    """``discrete_features`` as a boolean mask of the p features, as
    scikit-learn's ``mutual_info_*`` read it: a string (the caller has
    checked it is "auto") means the features are discrete when X is sparse,
    a bool applies to every feature, else a boolean mask or column indices.
    A mask of the wrong length, indices of another dtype or out of range
    raise ``index_error`` (scikit-learn's own functions raise IndexError)."""
    if isinstance(value, str):
        return np.full(p, sparse)
    if isinstance(value, (bool, np.bool_)):
        return np.full(p, bool(value))
    d = np.asarray(value)
    if d.ndim != 1 or d.size == 0:
        raise ValueError(
            "discrete_features: expected a non-empty 1-D boolean mask or list of column indices, "
            f"got shape {d.shape} (pass False for no discrete features)"
        )
    if d.dtype == bool:
        if d.shape[0] != p:
            raise index_error(f"discrete_features: the boolean mask has {d.shape[0]} entries but X has {p} features")
        mask: np.ndarray = d.copy()
        return mask
    if d.dtype.kind not in "iu":
        raise index_error(f"discrete_features: column indices must be integers, got dtype {d.dtype}")
    if np.any(d >= p) or np.any(d < -p):
        raise index_error(f"discrete_features: column index out of range for X with {p} features: {d.tolist()}")
    mask = np.zeros(p, dtype=bool)
    mask[d] = True  # negative indices count from the end, as NumPy (and scikit-learn) index
    return mask
