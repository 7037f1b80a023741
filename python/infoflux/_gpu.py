"""The public estimators on the array-API backend whatever the arrays'
device: NumPy arrays (through ``array_api_compat.numpy``), array-api-strict
arrays, or CUDA arrays as the public functions would send them.

The public functions choose this backend by themselves for CUDA arrays;
these entry points exist so that tests and benchmarks can run that
backend's code on the host and compare it with the Rust backend. Each takes
the public function's arguments and, besides, the backend's device options
``dtype``, ``tile_size`` and ``batch_size`` where the public function has
none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infoflux import _backend_xp, _dispatch, _knn, _te
from infoflux._requests import Preprocessing
from infoflux._results import Significance, TENetwork
from infoflux._seeds import noise_seed, resolve_seed
from infoflux._validation import check_dtype, check_noise, check_normalize


def mutual_info(x: Any, y: Any, **kwargs: Any) -> Any:
    """:func:`infoflux.mutual_info` on the array-API backend."""
    with _dispatch.forced(_backend_xp):
        return _knn.mutual_info(x, y, **kwargs)


def conditional_mutual_info(x: Any, y: Any, z: Any, **kwargs: Any) -> Any:
    """:func:`infoflux.conditional_mutual_info` on the array-API backend."""
    with _dispatch.forced(_backend_xp):
        return _knn.conditional_mutual_info(x, y, z, **kwargs)


def entropy(x: Any, **kwargs: Any) -> Any:
    """:func:`infoflux.entropy` on the array-API backend."""
    with _dispatch.forced(_backend_xp):
        return _knn.entropy(x, **kwargs)


def mutual_info_matrix(X: Any, **kwargs: Any) -> Any:
    """:func:`infoflux.mutual_info_matrix` on the array-API backend."""
    with _dispatch.forced(_backend_xp):
        return _knn.mutual_info_matrix(X, **kwargs)


def transfer_entropy(
    source: Any, target: Any, *, dtype: str = "float64", tile_size: int | None = None, **kwargs: Any
) -> Any:
    """:func:`infoflux.transfer_entropy` on the array-API backend."""
    with _dispatch.forced(_backend_xp, dtype=check_dtype(dtype), tile_size=tile_size):
        return _te.transfer_entropy(source, target, **kwargs)


def transfer_entropy_significance(
    source: Any,
    target: Any,
    *,
    dtype: str = "float64",
    tile_size: int | None = None,
    batch_size: int | None = None,
    **kwargs: Any,
) -> Significance:
    """:func:`infoflux.transfer_entropy_significance` on the array-API
    backend; its surrogates run in batches of ``batch_size`` sources (chosen
    from memory by default) that share the target side."""
    with _dispatch.forced(_backend_xp, dtype=check_dtype(dtype), tile_size=tile_size, batch_size=batch_size):
        return _te.transfer_entropy_significance(source, target, **kwargs)


def transfer_entropy_matrix(
    X: Any, *, dtype: str = "float64", tile_size: int | None = None, batch_size: int | None = None, **kwargs: Any
) -> TENetwork:
    """:func:`infoflux.transfer_entropy_matrix` on the array-API backend:
    the sources of a target (and all their surrogates) share the target side
    and run in batches of ``batch_size``."""
    with _dispatch.forced(_backend_xp, dtype=check_dtype(dtype), tile_size=tile_size, batch_size=batch_size):
        return _te.transfer_entropy_matrix(X, **kwargs)


def preprocess(xp: Any, arrays: Sequence[Any], normalize: Any, noise: Any, seed: Any) -> list[Any]:
    """The array-API backend's preprocessing of float64 ``arrays`` with a
    user's ``seed`` (the Rust backend's is ``infoflux._validation.preprocess``)."""
    prep = Preprocessing(check_normalize(normalize), check_noise(noise), noise_seed(resolve_seed(seed)))
    return _backend_xp.preprocess(xp, arrays, prep)
