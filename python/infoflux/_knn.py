"""k-nearest-neighbour estimators: KSG mutual information, Frenzel-Pompe
conditional mutual information, Kozachenko-Leonenko entropy; for discrete
and mixed data the estimators of Ross (2014) and Gao et al. (2017), and the
plug-in (or any estimator of :mod:`infoflux.discrete`).

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

from infoflux import _core, _dispatch, _docs, _lnc
from infoflux._arrays import to_numpy
from infoflux._requests import KnnRequest, Preprocessing
from infoflux._seeds import noise_seed, resolve_seed
from infoflux._validation import (
    as_samples,
    check_algorithm,
    check_dtype,
    check_flag,
    check_k,
    check_layout,
    check_metric,
    check_noise,
    check_normalize,
    check_threads,
    check_tile_size,
    log_base,
    preprocess_seeded,
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
    lnc_alpha: Any = None,
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
    if lnc_alpha is not None:
        lnc_alpha = _lnc.check_alpha(lnc_alpha)
        _lnc.check_k_spans(k, sum(v.shape[1] for v in values))
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
        lnc_alpha=lnc_alpha,
    )
    return chosen.backend.knn(req)


# ------------------------------------------------------- discrete and mixed data

#: The estimators ``estimator=`` names in mutual_info and
#: conditional_mutual_info besides those of infoflux.discrete ("ross": MI only).
_KNN_ESTIMATORS = ("auto", "ksg", "ross", "mixed_ksg")

_MIXED_DOC = """discrete_x, discrete_y : bool or array-like of bool, default=False
        Which columns of the variable are discrete: all (True), none
        (False), or a boolean mask with one entry per column. Discrete
        columns hold integer codes (floats with integral values included;
        NaN and fractions are refused); a variable discrete in all its
        columns may hold any labels (strings, objects). Discrete variables
        get no noise. The mixed KSG adds no noise to any column (exact
        repeats are the discrete part it estimates); ``normalize`` scales
        its columns all the same.
    estimator : str, default="auto"
        "auto" chooses by the data: KSG for continuous x and y (the
        estimator above), Ross (2014) for a discrete and a continuous
        variable, the plug-in for two discrete ones, and the mixed KSG of
        Gao et al. (2017) for variables with discrete and continuous columns
        together. "ksg" treats every column as continuous, "ross" and
        "mixed_ksg" force those estimators, and a name of
        :mod:`infoflux.discrete` ("plugin", "miller_madow", "grassberger",
        "grassberger1988", "shrinkage", "chao_shen", "nsb") estimates two
        discrete variables with it. Only KSG, Frenzel-Pompe and the mixed
        KSG give local values."""

_MIXED_FORMULAS = """Discrete and mixed data (``discrete_x``, ``discrete_y``, ``estimator``):

    Ross (2014), a discrete and a continuous variable: N_i is the size of
    sample i's class, k_i = min(k, N_i - 1), d_i the max-norm distance to
    its k_i-th nearest neighbour within its class, m_i the samples of any
    class (i included) at distance below d_i (at 0 when d_i = 0), and

        I = ψ(N) + <ψ(k_i)> - <ψ(N_i)> - <ψ(m_i)>,

    samples alone in their class left out; as scikit-learn's
    ``mutual_info_classif`` computes it, to the last bits, but not clipped
    at 0. Mixed KSG (Gao, Kannan, Oh & Viswanath 2017), any mixture: ρ_i is
    the k-th neighbour distance in the joint space (max norm); k̃_i = k if
    ρ_i > 0, else the number of samples at distance 0 from sample i; n_x,
    n_y count the other samples within ρ_i (≤) in each marginal, and

        I = <ψ(k̃_i) + ln N - ln(n_x + 1) - ln(n_y + 1)>,

    on the data as they are (no noise: the repeats are the discrete part).
    Gao et al. prove it consistent for k growing with N; at small k its
    ln(n + 1) terms bias a discrete-continuous pair downwards (by about
    1.5/n_x per sample), so "auto" takes Ross there and the mixed KSG only
    for variables that mix discrete and continuous columns.

    Two discrete variables: the plug-in I = Σ p(x,y) ln[p(x,y) / (p(x) p(y))]
    (as scikit-learn), or the ``infoflux.discrete`` estimator named."""


def _mask_flag(value: Any, name: str) -> Any:
    """A bool, or a 1-D boolean mask (checked against the columns later)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value is None or isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{name}: expected True, False or a boolean mask with one entry per column, got {value!r}")
    m = np.asarray(value)
    if m.ndim != 1 or m.dtype != bool:
        raise TypeError(
            f"{name}: expected True, False or a 1-D boolean mask with one entry per column, "
            f"got an array of shape {m.shape} and dtype {m.dtype}"
        )
    return m


def _estimator(value: Any, conditional: bool) -> str:
    from infoflux.discrete import ESTIMATORS

    names = _KNN_ESTIMATORS + tuple(e for e in ESTIMATORS if e != "bayes")
    if not isinstance(value, str):
        raise TypeError(f"estimator: expected a string, one of {', '.join(map(repr, names))}; got {value!r}")
    if value == "bayes":
        raise ValueError(
            "estimator: 'bayes' needs a Dirichlet concentration; call infoflux.discrete.mutual_info or "
            "conditional_mutual_info with alpha="
        )
    if value not in names:
        raise ValueError(f"estimator: must be one of {', '.join(map(repr, names))}; got {value!r}")
    if value == "ross" and conditional:
        raise ValueError(
            "estimator: 'ross' estimates the MI of a discrete and a continuous variable; for conditional MI "
            "use 'mixed_ksg' (or 'auto')"
        )
    return value


def _discrete_part(a: np.ndarray, mask: np.ndarray, name: str, flag: str) -> None:
    """Check that the discrete columns ``mask`` of the finite float array
    ``a`` hold integer values."""
    part = a[:, mask]
    frac = part != np.round(part)
    if frac.any():
        r, c = np.argwhere(frac)[0]
        col = int(np.flatnonzero(mask)[c])
        raise ValueError(
            f"{name}: float values that are not integers in a column declared discrete by {flag} (first "
            f"{part[r, c]!r} at row {r}, column {col}); discrete columns take integer codes: round or bin them"
        )
    if part.size and np.abs(part).max() >= 2.0**53:
        raise ValueError(f"{name}: discrete codes beyond 2**53 in a column declared discrete by {flag}; renumber them")


def _symbols(obj: Any, name: str, flag: str, n: int | None) -> npt.NDArray[np.int64]:
    """The codes of a variable declared discrete in every column."""
    from infoflux.discrete import _codes

    try:
        codes: npt.NDArray[np.int64] = _codes(obj, name, n)
    except (ValueError, TypeError) as exc:
        if "samples but" in str(exc) or "is empty" in str(exc):
            raise
        raise type(exc)(f"{exc} (declared discrete by {flag})") from None
    return codes


def _classes(codes: npt.NDArray[np.int64], name: str, flag: str) -> npt.NDArray[np.int64]:
    """Class ids 0..c-1 of the joint symbols of a discrete variable, which
    the estimator of Ross needs to be at least 2 classes with a repeat."""
    if codes.shape[1] == 1:
        _, inv = np.unique(codes[:, 0], return_inverse=True)
    else:
        _, inv = np.unique(codes, axis=0, return_inverse=True)
    labels: npt.NDArray[np.int64] = inv.reshape(-1).astype(np.int64)
    counts = np.bincount(labels)
    if counts.shape[0] == 1:
        raise ValueError(
            f"{name}: a single class (every sample has the same value, declared discrete by {flag}); its mutual "
            "information with any variable is 0 and the estimator of Ross (2014) needs at least 2 classes"
        )
    if counts.max() < 2:
        raise ValueError(
            f"{name}: every value occurs once ({counts.shape[0]} classes for as many samples, declared discrete by "
            f"{flag}), so no sample has a neighbour in its class; is it a continuous variable?"
        )
    return labels


def _mixed(
    kind: str,
    objs: Sequence[Any],
    names: Sequence[str],
    flags: Sequence[Any],
    estimator: str,
    **opts: Any,
) -> Any:
    """MI ("mi") or CMI ("cmi") with discrete or mixed variables, or with
    an estimator other than KSG: validation, the choice of estimator by the
    data, and the computation (on the host)."""
    flagnames = [f"discrete_{nm}" for nm in names]
    arrays = [to_numpy(o, nm) for o, nm in zip(objs, names)]
    n: int | None = None
    for a, nm in zip(arrays, names):
        check_layout(tuple(a.shape), nm, n=n, first=names[0])
        n = a.shape[0] if n is None else n
    assert n is not None
    masks = []
    for a, f, fn in zip(arrays, flags, flagnames):
        d = a.shape[1] if a.ndim == 2 else 1
        if isinstance(f, bool):
            masks.append(np.full(d, f))
        elif f.shape[0] != d:
            raise ValueError(f"{fn}: the mask has {f.shape[0]} entries but the variable has {d} columns")
        else:
            masks.append(f)
    kinds = ["discrete" if m.all() else "continuous" if not m.any() else "mixed" for m in masks]
    choice = estimator
    if choice == "auto":
        if all(kd == "continuous" for kd in kinds):
            choice = "ksg"
        elif all(kd == "discrete" for kd in kinds):
            choice = "plugin"
        elif kind == "mi" and sorted(kinds) == ["continuous", "discrete"]:
            choice = "ross"
        else:
            choice = "mixed_ksg"
    if choice == "ksg":
        est = "mi" if kind == "mi" else "cmi"
        return _estimate(est, objs, names, **opts)
    ln_base = log_base(opts["base"])
    local = check_flag(opts["local"], "local")
    normalize = check_normalize(opts["normalize"])
    noise = check_noise(opts["noise"])
    threads = check_threads(opts["n_threads"])
    check_algorithm(opts["algorithm"])
    check_dtype(opts["dtype"])
    check_tile_size(opts["tile_size"])
    seed = noise_seed(resolve_seed(opts["seed"]))
    listing = ", ".join(f"{nm} {kd}" for nm, kd in zip(names, kinds))
    if choice not in ("ross", "mixed_ksg"):  # a discrete estimator
        if any(kd != "discrete" for kd in kinds):
            raise ValueError(
                f"estimator: {choice!r} is a discrete estimator; every variable must be declared discrete "
                f"(got {listing})"
            )
        if local:
            raise ValueError(f"local: the discrete estimator {choice!r} gives no local values")
        from infoflux import discrete

        codes = [_symbols(o, nm, fn, n) for o, nm, fn in zip(objs, names, flagnames)]
        if kind == "mi":
            return discrete.mutual_info(codes[0], codes[1], estimator=choice, base=opts["base"], n_threads=threads)
        return discrete.conditional_mutual_info(
            codes[0], codes[1], codes[2], estimator=choice, base=opts["base"], n_threads=threads
        )
    if choice == "ross":
        if sorted(kinds) != ["continuous", "discrete"]:
            raise ValueError(
                f"estimator: 'ross' needs one discrete and one continuous variable (got {listing}); "
                "use 'mixed_ksg' for other mixtures"
            )
        if local:
            raise ValueError("local: the estimator of Ross (2014) gives no local values; use estimator='mixed_ksg'")
        di = kinds.index("discrete")
        ci = 1 - di
        labels = _classes(_symbols(objs[di], names[di], flagnames[di], n), names[di], flagnames[di])
        k = check_k(opts["k"], n)
        c = as_samples(objs[ci], names[ci], n=n, first=names[0])
        c = preprocess_seeded([c], normalize, noise, seed, threads)[0]
        value = float(_core.ross_mutual_info(x=c, labels=labels, k=k, n_threads=threads))
        return value / ln_base
    # the mixed KSG: the data as they are (normalised, never noised: its
    # repeated values are the discrete part it estimates)
    values = []
    for o, nm, fn, m, kd in zip(objs, names, flagnames, masks, kinds):
        if kd == "discrete":
            a = _symbols(o, nm, fn, n).astype(np.float64)
            _discrete_part(a, m, nm, fn)
        else:
            a = as_samples(o, nm, n=n, first=names[0])
            _discrete_part(a, m, nm, fn)
        values.append(a)
    k = check_k(opts["k"], n)
    ready = preprocess_seeded(values, normalize, 0.0, seed, threads)
    if kind == "mi":
        local_values = _core.mixed_mi_local(x=ready[0], y=ready[1], k=k, n_threads=threads)
    else:
        local_values = _core.mixed_cmi_local(x=ready[0], y=ready[1], z=ready[2], k=k, n_threads=threads)
    if ln_base != 1.0:
        local_values = local_values / ln_base
    return local_values if local else float(np.mean(local_values))


@_docs.fill(common=_common("True", "1e-8"), mixed=_MIXED_DOC, mixed_formulas=_MIXED_FORMULAS)
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
    discrete_x: Any = False,
    discrete_y: Any = False,
    estimator: str = "auto",
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

    {mixed_formulas}
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
    {mixed}

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
    B. C. Ross, "Mutual information between discrete and continuous data
    sets", PLoS ONE 9(2), e87357 (2014).
    W. Gao, S. Kannan, S. Oh, P. Viswanath, "Estimating mutual information
    for discrete-continuous mixtures", NeurIPS 30 (2017).
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

    A class label and a continuous feature (Ross), and a zero-inflated
    count (mixed KSG, the example of Gao et al. 2017):

    >>> label = rng.integers(0, 2, 10_000)
    >>> feature = label + rng.standard_normal(10_000)
    >>> round(infoflux.mutual_info(feature, label, discrete_y=True), 2)
    0.11
    >>> t = rng.exponential(size=10_000)
    >>> count = np.where(rng.random(10_000) < 0.15, 0, rng.poisson(t))
    >>> round(infoflux.mutual_info(t, count, estimator="mixed_ksg", k=100), 1)   # true value 0.230
    0.2

    Strongly dependent variables, with and without the LNC:

    >>> x = rng.standard_normal(10_000)
    >>> y = x + 1e-3 * rng.standard_normal(10_000)   # strong dependence: true value 6.91
    >>> round(infoflux.mutual_info(x, y, k=10), 2), round(infoflux.mutual_info(x, y, k=10, lnc_alpha=0.5), 2)
    (6.34, 6.59)
    """
    # the keywords every estimator path takes, passed through unchanged
    opts: dict[str, Any] = {
        "k": k,
        "algorithm": algorithm,
        "base": base,
        "local": local,
        "normalize": normalize,
        "noise": noise,
        "seed": seed,
        "n_threads": n_threads,
        "dtype": dtype,
        "tile_size": tile_size,
    }
    flags = (_mask_flag(discrete_x, "discrete_x"), _mask_flag(discrete_y, "discrete_y"))
    name = _estimator(estimator, conditional=False)
    mixed_data = name != "auto" or any(f is not False for f in flags)
    if lnc_alpha is not None:
        if mixed_data:
            # the correction is defined for KSG on continuous data only
            raise ValueError(
                "lnc_alpha applies to continuous x and y with estimator='auto'; got discrete data or another estimator"
            )
        corrected: Result = _estimate("mi", (x, y), ("x", "y"), lnc_alpha=lnc_alpha, **opts)
        return corrected
    if mixed_data:
        mixed: Result = _mixed(
            "mi",
            (x, y),
            ("x", "y"),
            flags,
            name,
            **opts,
        )
        return mixed
    result: Result = _estimate(
        "mi",
        (x, y),
        ("x", "y"),
        **opts,
    )
    return result


@_docs.fill(common=_common("True", "1e-8"), mixed=_MIXED_DOC)
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
    discrete_x: Any = False,
    discrete_y: Any = False,
    discrete_z: Any = False,
    estimator: str = "auto",
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

    Discrete and mixed data (``discrete_x``, ``discrete_y``, ``discrete_z``,
    ``estimator``): the mixed KSG in its conditional form, built as
    Mesner & Shalizi (2021) build theirs. ρ_i is the k-th neighbour
    distance in the joint space (X, Y, Z) (max norm), k̃_i = k if ρ_i > 0,
    else the number of samples at distance 0 from sample i (as in the
    mixed KSG of Gao et al. 2017);
    n_xz, n_yz, n_z count the other samples within ρ_i (≤) in those
    spaces, and

        I = <ψ(k̃_i) - ψ(n_xz + 1) - ψ(n_yz + 1) + ψ(n_z + 1)>

    (the Frenzel-Pompe combination; Gao et al.'s logarithms in its place
    would leave a bias of about -1/(2n) per count). The data are taken as
    they are: no noise. Like the mixed KSG it is consistent as k grows;
    at small k a variable discrete given Z biases it downwards (by about
    1/(2k): -0.19 nats at k = 3, -0.017 at k = 30, -0.005 at k = 100 for
    a continuous and a binary variable independent given a 3-symbol Z),
    so take k of 30 or more for such data. All variables discrete: the plug-in
    I = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z), or the ``infoflux.discrete``
    estimator named.

    Parameters
    ----------
    x, y, z : array-like of shape (n_samples,) or (n_samples, n_dims)
        Samples of the variables, one row per sample.
    k : int, default=3
        Number of nearest neighbours in the joint space.
    algorithm : {1, 2}, default=1
    {common}
    {mixed}
    discrete_z : bool or array-like of bool, default=False
        As ``discrete_x``, for z.

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
    W. Gao, S. Kannan, S. Oh, P. Viswanath, "Estimating mutual information
    for discrete-continuous mixtures", NeurIPS 30 (2017).
    O. C. Mesner, C. R. Shalizi, "Conditional mutual information estimation
    for mixed, discrete and continuous data", IEEE Trans. Inf. Theory 67(1),
    464-484 (2021).

    Examples
    --------
    >>> import numpy as np, infoflux
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal(10_000)
    >>> x = z + rng.standard_normal(10_000)
    >>> y = z + rng.standard_normal(10_000)       # x and y share only z
    >>> abs(infoflux.conditional_mutual_info(x, y, z)) < 0.02
    True

    A discrete condition (mixed KSG):

    >>> c = rng.integers(0, 3, 10_000)
    >>> u = c + rng.standard_normal(10_000)
    >>> v = c + rng.standard_normal(10_000)       # u and v share only c
    >>> abs(infoflux.conditional_mutual_info(u, v, c, discrete_z=True)) < 0.02
    True
    """
    # the keywords every estimator path takes, passed through unchanged
    opts: dict[str, Any] = {
        "k": k,
        "algorithm": algorithm,
        "base": base,
        "local": local,
        "normalize": normalize,
        "noise": noise,
        "seed": seed,
        "n_threads": n_threads,
        "dtype": dtype,
        "tile_size": tile_size,
    }
    flags = (
        _mask_flag(discrete_x, "discrete_x"),
        _mask_flag(discrete_y, "discrete_y"),
        _mask_flag(discrete_z, "discrete_z"),
    )
    name = _estimator(estimator, conditional=True)
    if name != "auto" or any(f is not False for f in flags):
        mixed: Result = _mixed(
            "cmi",
            (x, y, z),
            ("x", "y", "z"),
            flags,
            name,
            **opts,
        )
        return mixed
    result: Result = _estimate(
        "cmi",
        (x, y, z),
        ("x", "y", "z"),
        **opts,
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
