"""The request objects a public function hands to a backend: everything
validated and resolved once at entry (arrays in the backend's own form,
estimator settings, log base, threads, and the seeds of the noise and of
the surrogates). Both backends (``infoflux._backend_rust``,
``infoflux._backend_xp``) take the same requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from infoflux._embedding import Embedding


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
    #: "mi" only: the LNC threshold (Gao et al. 2015), None for plain KSG
    lnc_alpha: float | None = None


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


class Backend(Protocol):
    """What a backend module provides (``infoflux._backend_rust``,
    ``infoflux._backend_xp``); arrays are in the backend's own form."""

    NAME: str

    def samples(self, objs: Sequence[Any], names: Sequence[str]) -> list[Any]:
        """Validated float64 (n, d) arrays of a k-NN call, all of one length."""

    def series(self, objs: Sequence[Any], names: Sequence[str]) -> list[list[Any] | None]:
        """The validated trials of each series of a TE call (None stays None)."""

    def columns(self, a: Any, cols: Sequence[int]) -> Any:
        """Some columns of a trial, as a new array."""

    def knn(self, req: KnnRequest) -> Any:
        """A k-NN estimate, local values or MI matrix in units of base."""

    def te_blocks(
        self,
        req: TERequest,
        emb: Embedding,
        source: Sequence[Any],
        target: Sequence[Any],
        conditions: Sequence[Any] | None,
    ) -> Blocks:
        """The embedded, preprocessed blocks of one pair."""

    def transfer_entropy(self, req: TERequest, b: Blocks) -> Any:
        """The TE of one pair (or its local values) in units of base."""

    def te_sources(
        self, req: TERequest, xs: Sequence[Any], y: Any, z: Any, lengths: Sequence[int], seed: int | None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Estimates and surrogates (host arrays, nats) of sources against one target side."""
