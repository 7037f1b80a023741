"""scikit-learn's preprocessing in its ``mutual_info_*``: the scaling of
continuous columns and the scale of their tie-breaking noise, in the same
operations, shared by :mod:`infoflux.sklearn` and its feature selector so
that both give scikit-learn's numbers for the same ``random_state``."""

from __future__ import annotations

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
