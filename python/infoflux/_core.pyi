# Stubs for the compiled extension infoflux._core (rust/python). The public,
# documented API is in the pure-Python modules; these are its private engine.
import numpy as np
import numpy.typing as npt

__version__: str

__all__ = [  # noqa: RUF022  (grouped by family, as the sections below)
    "__version__",
    # k-NN estimators, preprocessing, transfer entropy
    "mi_local",
    "mi_local_prep",
    "cmi_local",
    "entropy_local",
    "mi_matrix",
    "preprocess",
    "noise",
    "te_local",
    "te_many",
    "surrogate_orders",
    "cmi_candidates",
    # minimum-entropy coupling
    "mec_greedy",
    "mec_bounds",
    "mec_meet",
    "mec_one_bit",
    "mec_ebim",
    "mec_bottleneck",
    "mec_greedy_batch",
    # Markov chains
    "MarkovCore",
    "MarkovRefiner",
    # discrete estimators
    "discrete_entropies",
    # mixed discrete-continuous k-NN estimators
    "ross_mutual_info",
    "ross_mutual_info_columns",
    # feature-selection primitives
    "ksg_mi_against_columns",
    "ksg_cmi_against_columns",
    "plugin_mi_against_columns",
    "mixed_mi_local",
    "mixed_cmi_local",
    # local non-uniformity correction
    "lnc_local",
]

# --- k-NN estimators (rust/python/src/knn.rs) ---
def mi_local(
    *,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    k: int,
    algorithm: int,
    window: int | None = None,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def mi_local_prep(
    *,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    k: int,
    algorithm: int,
    normalize: bool,
    noise: float,
    seed: int | None = None,
    window: int | None = None,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def cmi_local(
    *,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    z: npt.NDArray[np.float64],
    k: int,
    algorithm: int,
    window: int | None = None,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def entropy_local(
    *, x: npt.NDArray[np.float64], k: int, metric: str, n_threads: int | None = None
) -> npt.NDArray[np.float64]: ...
def mi_matrix(
    *, x: npt.NDArray[np.float64], k: int, algorithm: int, n_threads: int | None = None
) -> npt.NDArray[np.float64]: ...

# --- preprocessing (rust/python/src/prep.rs) ---
def preprocess(
    *,
    arrays: list[npt.NDArray[np.float64]],
    normalize: bool,
    noise: float,
    seed: int | None = None,
    n_threads: int | None = None,
) -> list[npt.NDArray[np.float64]]: ...
def noise(*, n: int, d: int, seed: int, stream: int, n_threads: int | None = None) -> npt.NDArray[np.float64]: ...

# --- transfer entropy (rust/python/src/te.rs) ---
def te_local(
    *,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    z: npt.NDArray[np.float64],
    k: int,
    algorithm: int,
    trial_lengths: list[int],
    window: int | None = None,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def te_many(
    *,
    xs: list[npt.NDArray[np.float64]],
    y: npt.NDArray[np.float64],
    z: npt.NDArray[np.float64],
    k: int,
    algorithm: int,
    trial_lengths: list[int],
    window: int | None = None,
    n_surrogates: int = 0,
    method: str | None = None,
    block_size: int | None = None,
    seed: int | None = None,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def surrogate_orders(
    *,
    method: str,
    trial_lengths: list[int],
    n_surrogates: int,
    seed: int,
    first_stream: int,
    block_size: int | None = None,
    n_threads: int | None = None,
) -> npt.NDArray[np.int64]: ...

# --- many candidates against one (y, z) (rust/python/src/te.rs) ---
def cmi_candidates(
    *,
    xs: list[npt.NDArray[np.float64]],
    orders: list[npt.NDArray[np.int64]],
    y: npt.NDArray[np.float64],
    z: npt.NDArray[np.float64] | None = None,
    k: int,
    algorithm: int,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...

# --- minimum-entropy coupling (rust/python/src/mec.rs) ---
# Entropies in bits; a coupling is (index arrays, masses, entropy); bounds are
# (majorization, profile, majorize_profile). A rate of None is no bound on H(T).
_Idx = list[npt.NDArray[np.int64]]
_Coupling = tuple[_Idx, npt.NDArray[np.float64], float]

def mec_greedy(
    *, marginals: list[npt.NDArray[np.float64]], with_bounds: bool, n_threads: int | None = None
) -> tuple[_Idx, npt.NDArray[np.float64], float, tuple[float, float, float] | None]: ...
def mec_bounds(*, marginals: list[npt.NDArray[np.float64]]) -> tuple[float, float, float]: ...
def mec_meet(*, marginals: list[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]: ...
def mec_one_bit(*, p: npt.NDArray[np.float64], q: npt.NDArray[np.float64]) -> _Coupling: ...
def mec_ebim(
    *, p_x: npt.NDArray[np.float64], rate_bits: float | None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], float]: ...
def mec_bottleneck(
    *, p_x: npt.NDArray[np.float64], p_y: npt.NDArray[np.float64], rate_bits: float | None
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.float64], float, _Coupling, tuple[float, float, float], float, _Coupling
]: ...
def mec_greedy_batch(
    *, marginals: list[npt.NDArray[np.float64]], with_bounds: bool, n_threads: int | None = None
) -> tuple[npt.NDArray[np.int64], _Idx, npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...

# --- Markov chains (rust/python/src/markov.rs) ---
# Sets of coordinates are lists of ints; entropies are in nats, returned as
# (H(F_S), H(pi^(S))) rows; matrices go both ways as CSR (indptr, indices, data).
# pyo3 classes cannot be subclassed: @final says so.

from typing import final  # noqa: E402  # imported here, beside the only classes of the stub

_Csr = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]

@final
class MarkovCore:
    def __new__(
        cls,
        *,
        sizes: list[int],
        indptr: npt.NDArray[np.int64],
        indices: npt.NDArray[np.int64],
        data: npt.NDArray[np.float64],
        pi: npt.NDArray[np.float64] | None = None,
        row_tol: float,
        pi_tol: float,
        max_iter: int,
        n_threads: int | None = None,
    ) -> MarkovCore: ...
    @property
    def residual(self) -> float: ...
    @property
    def nnz(self) -> int: ...
    def pi(self) -> npt.NDArray[np.float64]: ...
    def matrix(self) -> _Csr: ...
    def entropies(self, *, sets: list[list[int]], n_threads: int | None = None) -> npt.NDArray[np.float64]: ...
    def entropies_extend(
        self, *, set: list[int], candidates: list[int], n_threads: int | None = None
    ) -> npt.NDArray[np.float64]: ...
    def marginal(self, set: list[int]) -> npt.NDArray[np.float64]: ...
    def projection(self, *, set: list[int], n_threads: int | None = None) -> tuple[_Csr, npt.NDArray[np.float64]]: ...
    def refiner(self, *, n_threads: int | None = None) -> MarkovRefiner: ...
    def kl_rate(
        self,
        *,
        indptr: npt.NDArray[np.int64],
        indices: npt.NDArray[np.int64],
        data: npt.NDArray[np.float64],
        n_threads: int | None = None,
    ) -> float: ...

@final
class MarkovRefiner:
    def set(self) -> list[int]: ...
    def evaluate(self, *, candidates: list[int], n_threads: int | None = None) -> npt.NDArray[np.float64]: ...
    def add(self, *, j: int, n_threads: int | None = None) -> None: ...

# --- discrete estimators (rust/python/src/discrete.rs) ---
# Each term is (variable indices, alphabet size or None, name); entropies in nats.
def discrete_entropies(
    *,
    variables: list[npt.NDArray[np.int64]],
    terms: list[tuple[list[int], float | None, str]],
    estimator: str,
    alpha: float | None = None,
    alpha_rule: str | None = None,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...

# --- mixed discrete-continuous k-NN estimators (rust/python/src/knn.rs) ---
# Ross (2014) MI in nats, not clipped; labels are class ids in 0..n_samples.
def ross_mutual_info(
    *, x: npt.NDArray[np.float64], labels: npt.NDArray[np.int64], k: int, n_threads: int | None = None
) -> float: ...
def ross_mutual_info_columns(
    *, x: npt.NDArray[np.float64], labels: npt.NDArray[np.int64], k: int, n_threads: int | None = None
) -> npt.NDArray[np.float64]: ...

# --- feature-selection primitives (rust/python/src/select.rs) ---
# One variable against the rows `index` of a C-contiguous (p, n) matrix; nats, unclipped.
def ksg_mi_against_columns(
    *,
    x: npt.NDArray[np.float64],
    columns: npt.NDArray[np.float64],
    index: list[int],
    k: int,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def ksg_cmi_against_columns(
    *,
    y: npt.NDArray[np.float64],
    z: npt.NDArray[np.float64],
    columns: npt.NDArray[np.float64],
    index: list[int],
    k: int,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def plugin_mi_against_columns(
    *,
    x: npt.NDArray[np.int64],
    columns: npt.NDArray[np.int64],
    index: list[int],
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...

# Local values (nats) of the mixed KSG of Gao et al. (2017) and its conditional analogue.
def mixed_mi_local(
    *, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], k: int, n_threads: int | None = None
) -> npt.NDArray[np.float64]: ...
def mixed_cmi_local(
    *,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    z: npt.NDArray[np.float64],
    k: int,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...

# --- local non-uniformity correction (rust/python/src/lnc.rs) ---
def lnc_local(
    *,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    k: int,
    alpha: float,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
