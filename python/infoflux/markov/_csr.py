"""Transition matrices in and out: dense or scipy.sparse input to CSR arrays,
CSR arrays from the core back to NumPy or scipy.sparse, and the dense
stationary solve for small chains.

scipy is imported only when a sparse matrix is asked for, so that NumPy alone
is enough for dense use.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from infoflux._arrays import to_numpy

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def is_sparse(obj: Any) -> bool:
    """A scipy.sparse matrix or array, by duck typing (keeps scipy out of the import path)."""
    return hasattr(obj, "tocsr") and hasattr(obj, "nnz") and hasattr(obj, "shape")


def csr_arrays(mat: Any, name: str) -> tuple[IntArray, IntArray, FloatArray, int]:
    """(indptr, indices, data, n) of a square matrix given dense or sparse."""
    if is_sparse(mat):
        csr = mat.tocsr()
        shape = tuple(csr.shape)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"{name}: must be a square matrix, got shape {shape}")
        data = np.asarray(csr.data)
        if not (np.issubdtype(data.dtype, np.floating) or np.issubdtype(data.dtype, np.integer)):
            raise TypeError(f"{name}: entries must be real numbers, got dtype {data.dtype}")
        return (
            np.ascontiguousarray(csr.indptr, dtype=np.int64),
            np.ascontiguousarray(csr.indices, dtype=np.int64),
            np.ascontiguousarray(data, dtype=np.float64),
            int(shape[0]),
        )
    arr = to_numpy(mat, name)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name}: must be a square matrix, got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
        raise TypeError(f"{name}: entries must be real numbers, got dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=np.float64)
    rows, cols = np.nonzero(arr)
    indptr = np.zeros(arr.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=arr.shape[0]), out=indptr[1:])
    return indptr, cols.astype(np.int64), np.ascontiguousarray(arr[rows, cols]), int(arr.shape[0])


def dense_stationary(indptr: IntArray, indices: IntArray, data: FloatArray, n: int) -> FloatArray | None:
    """pi from pi (P - I) = 0 with one equation replaced by sum(pi) = 1; None if
    that fails (the core then reports what is wrong with P, or iterates)."""
    try:
        p = np.zeros((n, n))
        rows = np.repeat(np.arange(n), np.diff(indptr))
        np.add.at(p, (rows, indices), data)
        # the rows of P^T - I sum to zero, so with a unique pi any n-1 of them
        # are independent and the normalisation row completes a regular system
        a = p.T - np.eye(n)
        a[-1, :] = 1.0
        b = np.zeros(n)
        b[-1] = 1.0
        pi: FloatArray = np.linalg.solve(a, b)
    except (np.linalg.LinAlgError, ValueError, MemoryError):
        return None
    if not np.all(np.isfinite(pi)):
        return None
    pi = np.where(pi < 0, 0.0, pi)  # rounding below zero on transient states
    s = pi.sum()
    return pi / s if s > 0 else None


def build_matrix(ip: IntArray, ind: IntArray, dat: FloatArray, n: int, dense: bool) -> Any:
    """An n x n matrix from CSR arrays: NumPy if ``dense``, else ``scipy.sparse.csr_array``."""
    if dense:
        out = np.zeros((n, n))
        rows = np.repeat(np.arange(n), np.diff(ip))
        out[rows, ind] = dat
        return out
    try:
        import scipy.sparse as sp  # optional dependency: only sparse output needs it
    except ImportError:  # pragma: no cover - scipy is installed in the test env
        raise ImportError(
            "scipy is required for sparse matrices in infoflux.markov (pip install scipy); "
            "pass dense=True to get NumPy arrays instead"
        ) from None
    return sp.csr_array((dat, ind, ip), shape=(n, n))
