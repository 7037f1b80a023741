# Stubs for the compiled extension infoflux._core (rust/python). The public,
# documented API is in the pure-Python modules; these are its private engine.
import numpy as np
import numpy.typing as npt

__version__: str

# --- k-NN estimators (rust/python/src/knn.rs) ---
def mi_local(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], k: int, algorithm_: int, window: int, n_threads: int | None) -> npt.NDArray[np.float64]: ...
def cmi_local(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], z: npt.NDArray[np.float64], k: int, algorithm_: int, window: int, n_threads: int | None) -> npt.NDArray[np.float64]: ...
def entropy_local(x: npt.NDArray[np.float64], k: int, metric: str, n_threads: int | None) -> npt.NDArray[np.float64]: ...
def mi_matrix(x: npt.NDArray[np.float64], k: int, algorithm_: int, n_threads: int | None) -> npt.NDArray[np.float64]: ...

# --- transfer entropy (rust/python/src/te.rs) ---
def te_local(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], z: npt.NDArray[np.float64], k: int, algorithm_: int, window: int, trial_lengths: list[int], n_threads: int | None) -> npt.NDArray[np.float64]: ...
def te_many(xs: list[npt.NDArray[np.float64]], y: npt.NDArray[np.float64], z: npt.NDArray[np.float64], k: int, algorithm_: int, window: int, trial_lengths: list[int], n_surrogates: int, method_: str, block_size: int, seed: int, n_threads: int | None) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...

# --- minimum-entropy coupling (rust/python/src/mec.rs) ---

# --- Markov chains (rust/python/src/markov.rs) ---
