"""The request objects a public function hands to a backend: everything
validated and resolved once at entry (arrays in the backend's own form,
estimator settings, log base, threads, and the seeds of the noise and of
the surrogates). Both backends (``infoflux._backend_rust``,
``infoflux._backend_xp``) take the same requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Preprocessing:
    """Normalisation and tie-breaking noise (``noise_seed`` is the 64-bit
    seed of the noise streams, array j drawing from stream j)."""

    normalize: bool
    noise: float
    noise_seed: int


@dataclass(frozen=True)
class KnnRequest:
    """One k-NN estimate. ``estimator`` is "mi" (arrays x, y), "cmi" (x, y,
    z), "entropy" (x) or "mi_matrix" (X); ``metric`` is used by "entropy"
    only, ``algorithm`` by the others."""

    estimator: str
    arrays: tuple[Any, ...]
    k: int
    algorithm: int
    metric: str
    ln_base: float
    local: bool
    prep: Preprocessing
    n_threads: int | None
    dtype: str
    tile_size: int | None


@dataclass(frozen=True)
class TERequest:
    """Settings shared by every transfer-entropy computation of a public
    call. ``surrogate_seed`` is the 64-bit seed of the surrogate streams
    (None when the call draws no surrogates); the series and the embedding,
    which vary over a network's pairs, are passed beside the request."""

    k: int
    algorithm: int
    exclude: int
    ln_base: float
    local: bool
    prep: Preprocessing
    n_surrogates: int
    method: str
    block_size: int | None
    surrogate_seed: int | None
    n_threads: int | None
    dtype: str
    tile_size: int | None
    batch_size: int | None


@dataclass(frozen=True)
class Blocks:
    """The embedded, preprocessed blocks of one source-target pair: X source
    past, Y target next, Z target past and conditions, pooled over trials,
    and the rows of each trial."""

    x: Any
    y: Any
    z: Any
    lengths: tuple[int, ...]
