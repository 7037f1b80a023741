"""k-nearest-neighbour estimators: KSG mutual information, Frenzel-Pompe
conditional mutual information, Kozachenko-Leonenko entropy.

All of them compute per-sample (local) values and return their mean, in
nats unless ``base`` says otherwise. Each public function is a thin wrapper
of one private engine, :func:`_estimate`: it validates the arguments,
resolves the seed once into a request (``infoflux._requests``) and hands it
to the backend of the arrays' device (``infoflux._dispatch``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from infoflux import _dispatch, _docs, _lnc
from infoflux._requests import KnnRequest, Preprocessing
from infoflux._seeds import noise_seed, resolve_seed
from infoflux._validation import (
    check_algorithm,
    check_dtype,
    check_flag,
    check_k,
    check_metric,
    check_noise,
    check_normalize,
    check_threads,
    check_tile_size,
    log_base,
)

ArrayLike = Any
Result = Union[float, npt.NDArray[np.float64]]

_COMMON = """
    base : float, default=math.e
        Logarithm base of the result: e for nats (the default, as JIDT,
        scikit-learn and the KSG paper report), 2 for bits.
    local : bool, default=False
        Return the per-sample (local, pointwise) values, shape (n_samples,),
        whose mean is the estimate, instead of the estimate.
    normalize : bool, default={normalize}
        Scale every column to zero mean and unit sample variance (ddof=1)
        first, as JIDT's ``NORMALISE`` does.
    noise : float, default={noise}
        Standard deviation of Gaussian noise added to every column after
        normalisation, relative to the column's standard deviation, to break
        ties between repeated values (JIDT's ``NOISE_LEVEL_TO_ADD``). With
        ``noise=0, normalize=False`` the raw estimator runs on the data as
        given. Exact ties: where a sample's k-th neighbour is at distance
        zero (possible with ``noise=0`` on discrete or repeated data) the
        estimate is undefined; MI and CMI return the raw estimator's value
        (as JIDT does) with a ``RuntimeWarning`` counting the samples
        concerned, and entropy raises a ``ValueError`` (its value would be
        -inf). The default noise avoids both.
    {seed}
    n_threads : int or None, default=None
        Threads to use; None or 0 means all cores, negative counts from the
        total as in joblib (-1 all, -2 all but one); an integer in
        [-(2**63 - 1), 2**63 - 1]. Results are bitwise identical for every
        thread count. CPU path only.
    dtype : {{"float64", "float32"}}, default="float64"
        Precision of the neighbour search on the GPU path (CUDA inputs).
        float64 gives the CPU path's numbers; float32 is faster and lighter
        on most GPUs but approximate (counts can differ where distances
        agree to float32 precision). The CPU path always computes in
        float64 and ignores this.
    tile_size : int or None, default=None
        GPU path only: samples (queries) per tile of the neighbour search
        and the counts, which bounds the memory they use. None chooses it
        from the free device memory; lower it if other work shares the
        device. Results do not depend on it.
"""


def _common(normalize: str, noise: str) -> str:
    text = _COMMON.format(normalize=normalize, noise=noise, seed=_docs.SEED.format(surrogates=""))
    return text.strip("\n").lstrip()


def _estimate(
    estimator: str,
    arrays: Sequence[Any],
    names: Sequence[str],
    *,
    k: Any,
    algorithm: Any = 1,
    metric: Any = "chebyshev",
    base: Any,
    local: Any,
    normalize: Any,
    noise: Any,
    seed: Any,
    n_threads: Any,
    dtype: Any,
    tile_size: Any,
) -> Any:
    """The k-NN pipeline: validation, the seed resolved once, the request,
    the backend of the arrays' device."""
    chosen = _dispatch.select(*arrays)
    metric = check_metric(metric) if estimator == "entropy" else "chebyshev"
    dtype = check_dtype(dtype)
    alg = check_algorithm(algorithm) if estimator != "entropy" else 1
    ln_base = log_base(base)
    values = chosen.backend.samples(arrays, names)
    if estimator == "mi_matrix" and values[0].shape[1] < 2:
        raise ValueError(f"X: needs at least 2 columns, got {values[0].shape[1]}")
    k = check_k(k, values[0].shape[0])
    prep_normalize = check_normalize(normalize)
    prep_noise = check_noise(noise)
    threads = check_threads(n_threads)
    req = KnnRequest(
        estimator=estimator,
        arrays=tuple(values),
        k=k,
        algorithm=alg,
        metric=metric,
        ln_base=ln_base,
        local=check_flag(local, "local"),
        prep=Preprocessing(prep_normalize, prep_noise, noise_seed(resolve_seed(seed))),
        n_threads=threads,
        dtype=dtype,
        tile_size=check_tile_size(tile_size),
    )
    return chosen.backend.knn(req)


@_docs.fill(common=_common("True", "1e-8"))
def mutual_info(
    x: ArrayLike,
    y: ArrayLike,
    *,
    k: int = 3,
    algorithm: int = 1,
    base: float = math.e,
    local: bool = False,
    normalize: bool = True,
    noise: float = 1e-8,
    seed: Any = 0,
    n_threads: int | None = None,
    dtype: str = "float64",
    tile_size: int | None = None,
    lnc_alpha: float | None = None,
) -> Result:
    """Mutual information I(X;Y) by the Kraskov-Stögbauer-Grassberger estimator.

    For each sample i, ε_i is the max-norm distance to its k-th nearest
    neighbour in the joint space (X, Y), the distance being the largest
    absolute coordinate difference over all columns of X and Y.

    Algorithm 1 counts n_x(i) = #{j ≠ i : ||x_j - x_i||_∞ < ε_i} (strictly
    inside), n_y likewise, and

        I = ψ(k) + ψ(N) - <ψ(n_x + 1) + ψ(n_y + 1)>.

    Algorithm 2 takes ε_x(i), ε_y(i), the largest X- and Y-distances among
    the k joint neighbours, counts n_x(i) = #{j ≠ i : ||x_j - x_i||_∞ ≤ ε_x(i)}
    (non-strict), n_y likewise, and

        I = ψ(k) - 1/k + ψ(N) - <ψ(n_x) + ψ(n_y)>.

    The point itself is never counted. Counts are exact integer comparisons
    on the float distances |a - b|, as in JIDT and scikit-learn (no radius
    shrinking). The neighbour search is a k-d tree: O(N log N).

    With ``lnc_alpha`` set, the local non-uniformity correction (LNC) of Gao,
    Ver Steeg & Galstyan is added, for strongly dependent variables where
    KSG falls far short of the truth. With u_1..u_k the offsets of sample
    i's k joint neighbours from it, V(i) is the volume of the axis-aligned
    box centred on i that holds them and V̄(i) that of the box aligned with
    their principal axes (eigenvectors of Σ_j u_j u_jᵀ), and

        I_LNC = I_KSG + 1/N Σ_{i: V̄(i) < α V(i)} (log V(i) - log V̄(i)).

    Local values get the sample's term. It needs k >= the joint dimension
    (the principal box is flat otherwise) and runs on the CPU path only.

    Parameters
    ----------
    x, y : array-like of shape (n_samples,) or (n_samples, n_dims)
        Samples of the two variables, one row per sample. Any DLPack array
        (PyTorch, CuPy, JAX) is accepted; CUDA arrays are computed on the GPU
        (needs the optional extra ``infoflux[gpu]``; ``local=True`` values
        then come back on the device, in the input's library).
    k : int, default=3
        Number of nearest neighbours (1 <= k < n_samples).
    algorithm : {1, 2}, default=1
        KSG algorithm.
    {common}
    lnc_alpha : float or None, default=None
        Threshold α of the local non-uniformity correction, 0 < α < 1 (the
        paper tunes it per k and dimension; smaller corrects fewer samples,
        only the most non-uniform ones); None leaves it off.
    Returns
    -------
    float or ndarray
        The estimate in units of ``base`` (may be slightly negative for
        independent variables: the estimator is unbiased around 0, and no
        clipping is applied), or the local values if ``local=True``.

    References
    ----------
    A. Kraskov, H. Stögbauer, P. Grassberger, "Estimating mutual information",
    Phys. Rev. E 69, 066138 (2004).
    S. Gao, G. Ver Steeg, A. Galstyan, "Efficient estimation of mutual
    information for strongly dependent variables", AISTATS 2015 (LNC).

    Examples
    --------
    >>> import numpy as np, infoflux
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(10_000)
    >>> y = 0.6 * x + 0.8 * rng.standard_normal(10_000)
    >>> round(infoflux.mutual_info(x, y), 2)   # true value -0.5 ln(1 - 0.36) = 0.223
    0.22
    >>> y = x + 1e-3 * rng.standard_normal(10_000)   # strong dependence: true value 6.91
    >>> round(infoflux.mutual_info(x, y, k=10), 2), round(infoflux.mutual_info(x, y, k=10, lnc_alpha=0.5), 2)
    (6.34, 6.6)
    """
    if lnc_alpha is not None:
        return _lnc.mutual_info(
            x,
            y,
            lnc_alpha=_lnc.check_alpha(lnc_alpha),
            k=k,
            algorithm=algorithm,
            base=base,
            local=local,
            normalize=normalize,
            noise=noise,
            seed=seed,
            n_threads=n_threads,
            dtype=dtype,
            tile_size=tile_size,
        )
    result: Result = _estimate(
        "mi",
        (x, y),
        ("x", "y"),
        k=k,
        algorithm=algorithm,
        base=base,
        local=local,
        normalize=normalize,
        noise=noise,
        seed=seed,
        n_threads=n_threads,
        dtype=dtype,
        tile_size=tile_size,
    )
    return result


@_docs.fill(common=_common("True", "1e-8"))
def conditional_mutual_info(
    x: ArrayLike,
    y: ArrayLike,
    z: ArrayLike,
    *,
    k: int = 3,
    algorithm: int = 1,
    base: float = math.e,
    local: bool = False,
    normalize: bool = True,
    noise: float = 1e-8,
    seed: Any = 0,
    n_threads: int | None = None,
    dtype: str = "float64",
    tile_size: int | None = None,
) -> Result:
    """Conditional mutual information I(X;Y|Z) by the Frenzel-Pompe estimator.

    ε_i is the max-norm distance to the k-th neighbour in the joint space
    (X, Y, Z). Algorithm 1 (Frenzel & Pompe) counts strictly inside ε_i in
    the (X,Z), (Y,Z) and Z spaces:

        I = ψ(k) - <ψ(n_xz + 1) + ψ(n_yz + 1) - ψ(n_z + 1)>.

    Algorithm 2 (as in JIDT) uses the per-variable extents ε_x, ε_y, ε_z of
    the k joint neighbours and non-strict counts,
    n_xz = #{j ≠ i : d_x ≤ ε_x and d_z ≤ ε_z} and so on:

        I = ψ(k) - 2/k + <ψ(n_z) - ψ(n_xz) - ψ(n_yz) + 1/n_xz + 1/n_yz>.

    Parameters
    ----------
    x, y, z : array-like of shape (n_samples,) or (n_samples, n_dims)
        Samples of the variables, one row per sample.
    k : int, default=3
        Number of nearest neighbours in the joint space.
    algorithm : {1, 2}, default=1
    {common}
    Returns
    -------
    float or ndarray
        The estimate in units of ``base`` or the local values.

    References
    ----------
    S. Frenzel, B. Pompe, "Partial mutual information for coupling analysis
    of multivariate time series", Phys. Rev. Lett. 99, 204101 (2007).
    J. T. Lizier, "JIDT: an information-theoretic toolkit for studying the
    dynamics of complex systems", Front. Robot. AI 1, 11 (2014).

    Examples
    --------
    >>> import numpy as np, infoflux
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal(10_000)
    >>> x = z + rng.standard_normal(10_000)
    >>> y = z + rng.standard_normal(10_000)       # x and y share only z
    >>> abs(infoflux.conditional_mutual_info(x, y, z)) < 0.02
    True
    """
    result: Result = _estimate(
        "cmi",
        (x, y, z),
        ("x", "y", "z"),
        k=k,
        algorithm=algorithm,
        base=base,
        local=local,
        normalize=normalize,
        noise=noise,
        seed=seed,
        n_threads=n_threads,
        dtype=dtype,
        tile_size=tile_size,
    )
    return result


@_docs.fill(common=_common("False", "1e-10"))
def entropy(
    x: ArrayLike,
    *,
    k: int = 3,
    metric: str = "chebyshev",
    base: float = math.e,
    local: bool = False,
    normalize: bool = False,
    noise: float = 1e-10,
    seed: Any = 0,
    n_threads: int | None = None,
    dtype: str = "float64",
    tile_size: int | None = None,
) -> Result:
    """Differential entropy H(X) by the Kozachenko-Leonenko k-NN estimator.

        H = ψ(N) - ψ(k) + ln c_d + (d/N) Σ_i ln(2 ρ_i),

    with ρ_i the distance from sample i to its k-th nearest neighbour and c_d
    the volume of the ball of *diameter* 1 in the chosen norm: 1 for the max
    norm ("chebyshev", consistent with the KSG estimators), and
    π^(d/2) / (Γ(d/2 + 1) 2^d) for "euclidean" (JIDT's entropy calculator,
    which fixes k = 1 and the Euclidean norm).

    Entropy depends on scale, so ``normalize`` defaults to False here; the
    default noise is tiny (1e-10 of each column's std), only to break exact
    duplicates, which would make ln ρ_i = -inf. With ``noise=0`` duplicates
    raise a ValueError.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, n_dims)
    k : int, default=3
    metric : {"chebyshev", "euclidean"}, default="chebyshev"
    {common}
    Returns
    -------
    float or ndarray
        The estimate in units of ``base`` or the local values
        h_i = ψ(N) - ψ(k) + ln c_d + d ln(2 ρ_i).

    References
    ----------
    L. F. Kozachenko, N. N. Leonenko, "Sample estimate of the entropy of a
    random vector", Probl. Inf. Transm. 23, 95-101 (1987); Kraskov et al.
    (2004), eq. (20).

    Examples
    --------
    >>> import numpy as np, infoflux
    >>> x = np.random.default_rng(0).standard_normal(10_000)
    >>> round(infoflux.entropy(x), 1)       # 0.5 ln(2 pi e) = 1.419
    1.4
    """
    result: Result = _estimate(
        "entropy",
        (x,),
        ("x",),
        k=k,
        metric=metric,
        base=base,
        local=local,
        normalize=normalize,
        noise=noise,
        seed=seed,
        n_threads=n_threads,
        dtype=dtype,
        tile_size=tile_size,
    )
    return result


def mutual_info_matrix(
    X: ArrayLike,
    *,
    k: int = 3,
    algorithm: int = 1,
    base: float = math.e,
    normalize: bool = True,
    noise: float = 1e-8,
    seed: Any = 0,
    n_threads: int | None = None,
    dtype: str = "float64",
    tile_size: int | None = None,
) -> np.ndarray:
    """KSG mutual information between every pair of columns of ``X``.

    Entry (i, j) is ``mutual_info(X'[:, i], X'[:, j], normalize=False,
    noise=0)`` where X' is X after the preprocessing below (normalisation and
    noise are applied once to the whole matrix). Pairs run in parallel. The
    diagonal is NaN: the MI of a continuous column with itself is infinite.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_columns)
    k : int, default=3
    algorithm : {1, 2}, default=1
    base, normalize, noise, seed, n_threads, dtype, tile_size
        As in :func:`mutual_info`. On the GPU path the matrix is returned
        on the input's device, in its array library.

    Returns
    -------
    ndarray of shape (n_columns, n_columns)
        Symmetric matrix of estimates in units of ``base``.

    References
    ----------
    Kraskov, Stögbauer, Grassberger, Phys. Rev. E 69, 066138 (2004).

    Examples
    --------
    >>> import numpy as np, infoflux
    >>> rng = np.random.default_rng(0)
    >>> a = rng.standard_normal(5_000)
    >>> X = np.column_stack([a, a + rng.standard_normal(5_000), rng.standard_normal(5_000)])
    >>> M = infoflux.mutual_info_matrix(X)
    >>> bool(M[0, 1] > 0.3 and abs(M[0, 2]) < 0.02)
    True
    """
    result: npt.NDArray[np.float64] = _estimate(
        "mi_matrix",
        (X,),
        ("X",),
        k=k,
        algorithm=algorithm,
        base=base,
        local=False,
        normalize=normalize,
        noise=noise,
        seed=seed,
        n_threads=n_threads,
        dtype=dtype,
        tile_size=tile_size,
    )
    return result
