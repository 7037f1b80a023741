"""Drop-in replacements for scikit-learn's ``mutual_info_regression`` and
``mutual_info_classif``.

Same arguments, same input checks, same preprocessing and noise conventions
and the same numbers as :mod:`sklearn.feature_selection`: continuous feature
against continuous target by infoflux's KSG core, discrete against
continuous by the estimator of Ross (2014), discrete against discrete from
the contingency table. scikit-learn itself is not needed.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from infoflux import _core
from infoflux._array_api import digamma
from infoflux._arrays import to_numpy
from infoflux._sklearn_prep import HUGE, discrete_mask, is_sparse, noise_scale, sklearn_scale

__all__ = ["InvalidParameterError", "mutual_info_classif", "mutual_info_regression"]
__all__ += ["MRMRSelector"]

# n_jobs is handed to the core as a 64-bit integer
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1


class InvalidParameterError(ValueError, TypeError):
    """An argument of the wrong type or out of range.

    Both a ``ValueError`` and a ``TypeError``, as scikit-learn's exception
    of the same name, so code written against either library catches it.
    """


def _data_conversion_warning() -> type[Warning]:
    # scikit-learn's own category when it is installed, so warning filters
    # written for scikit-learn apply to the drop-in as well.
    try:
        from sklearn.exceptions import DataConversionWarning
    except ImportError:
        return UserWarning
    category: type[Warning] = DataConversionWarning
    return category


# ------------------------------------------------------------------ arguments


def _invalid(func: str, name: str, must: str, value: Any) -> InvalidParameterError:
    return InvalidParameterError(f"The '{name}' parameter of {func} must be {must}. Got {value!r} instead.")


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _check_n_neighbors(value: Any, func: str) -> int:
    if not _is_int(value) or int(value) < 1:
        raise _invalid(func, "n_neighbors", "an int in the range [1, inf)", value)
    return int(value)


def _check_n_jobs(value: Any, func: str) -> int | None:
    """None (all cores), or a nonzero integer: n > 0 threads, n < 0 all
    cores but |n| - 1, as joblib counts."""
    if value is None:
        return None
    if not _is_int(value):
        raise _invalid(func, "n_jobs", "an int or None", value)
    v = int(value)
    if v == 0:
        raise InvalidParameterError(f"n_jobs: 0 has no meaning (use None or -1 for all cores, or n >= 1), got {v}")
    if not _I64_MIN <= v <= _I64_MAX:
        raise InvalidParameterError(f"n_jobs: must be a nonzero integer in [-2**63, 2**63 - 1], got {v}")
    return v


def _check_copy(value: Any, func: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise _invalid(func, "copy", "an instance of 'bool'", value)


def _random_state(value: Any, func: str) -> np.random.RandomState:
    """scikit-learn's check_random_state: None is NumPy's global RandomState,
    an int in [0, 2**32 - 1] seeds a new one, an instance is used as is."""
    if value is None:
        return np.random.mtrand._rand
    if isinstance(value, np.random.RandomState):
        return value
    if _is_int(value) and 0 <= int(value) <= 2**32 - 1:
        return np.random.RandomState(int(value))
    raise _invalid(
        func,
        "random_state",
        "an int in the range [0, 4294967295], an instance of 'numpy.random.RandomState' or None",
        value,
    )


# --------------------------------------------------------------------- arrays


def _pandas_to_numpy(obj: Any) -> np.ndarray | None:
    """A pandas DataFrame or Series with nullable (extension) numeric
    columns as float64, missing values as NaN; None for anything else, which
    ``np.asarray`` converts."""
    if isinstance(obj, np.ndarray) or not hasattr(obj, "to_numpy"):
        return None
    dtypes = getattr(obj, "dtypes", None)
    kinds = list(dtypes) if dtypes is not None and hasattr(dtypes, "__iter__") else [getattr(obj, "dtype", None)]
    extension = [d for d in kinds if d is not None and not isinstance(d, np.dtype)]
    if not extension or not all(getattr(d, "kind", "O") in "biuf" for d in extension):
        return None
    out: np.ndarray = obj.to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _numeric(obj: Any, name: str) -> np.ndarray:
    """Any array-like as a NumPy array of booleans, integers or floats;
    object arrays are converted to float64, as scikit-learn does."""
    a = _pandas_to_numpy(obj)
    if a is None:
        a = to_numpy(obj, name)
    if a.dtype.kind == "O":
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: cannot be converted to numbers ({exc})") from None
    elif a.dtype.kind == "c":
        raise InvalidParameterError(f"{name}: complex data is not supported")
    elif a.dtype.kind not in "biuf":
        raise InvalidParameterError(
            f"{name}: expected numbers, got an array of dtype {a.dtype}; convert the data to numbers explicitly"
        )
    return a


def _check_finite(a: np.ndarray, name: str) -> None:
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        what = "NaN" if np.isnan(a).any() else "infinity"
        raise ValueError(f"Input {name} contains {what}.")


def _check_X(X: Any, func: str) -> tuple[Any, int, int]:
    """(X as a numeric 2-D array or a CSC matrix, n_samples, n_features)."""
    if isinstance(X, str) or X is None:
        raise _invalid(func, "X", "an array-like or a sparse matrix", X)
    if is_sparse(X):
        Xc = X.tocsc(copy=True)
        Xc.sum_duplicates()
        if len(Xc.shape) != 2:
            raise ValueError(f"X: expected a 2-D (n_samples, n_features) sparse matrix, got shape {Xc.shape}")
        data = np.asarray(Xc.data)
        if data.dtype.kind not in "biuf":
            raise InvalidParameterError(f"X: expected numbers, got a sparse matrix of dtype {data.dtype}")
        _check_finite(data, "X")
        arr: Any = Xc
    else:
        a = _numeric(X, "X")
        if a.ndim != 2:
            hint = " (use X.reshape(-1, 1) for a single feature)" if a.ndim == 1 else ""
            raise ValueError(
                f"X: expected a 2-D array (n_samples, n_features), got {a.ndim}-D with shape {a.shape}{hint}"
            )
        _check_finite(a, "X")
        arr = a
    n, p = (int(s) for s in arr.shape)
    if n == 0:
        raise ValueError(f"X: has no samples (shape {arr.shape}); at least 1 is required")
    if p == 0:
        raise ValueError(f"X: has no features (shape {arr.shape}); at least 1 is required")
    return arr, n, p


def _column_or_1d(a: np.ndarray, n: int) -> np.ndarray:
    if a.ndim == 2 and a.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change the shape of y to "
            "(n_samples, ), for example using ravel().",
            _data_conversion_warning(),
            stacklevel=4,
        )
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"y: should be a 1-D array, got an array of shape {a.shape} instead")
    if a.shape[0] != n:
        raise ValueError(f"y: has {a.shape[0]} samples but X has {n}; both need the same number of samples")
    return a


def _continuous_target(y: Any, n: int) -> np.ndarray:
    a = _column_or_1d(_numeric(y, "y"), n)
    _check_finite(a, "y")
    return a


def _class_labels(y: Any, n: int) -> np.ndarray:
    """The class of each sample as 0..n_classes-1 (a classification target:
    integers, strings or other labels, or floats with integral values)."""
    a = _pandas_to_numpy(y)
    if a is None:
        a = to_numpy(y, "y")
    if a.ndim == 0 or a.ndim > 2:
        raise ValueError(f"y: should be a 1-D array of class labels, got shape {a.shape}")
    if a.dtype.kind == "c":
        raise InvalidParameterError("y: complex class labels are not supported")
    if a.dtype.kind == "f":
        _check_finite(a, "y")
        if np.any(a != np.round(a)):
            raise ValueError(
                "y: Unknown label type: continuous. Maybe you are trying to fit a classifier, which expects discrete "
                "classes on a regression target with continuous values."
            )
    a = _column_or_1d(a, n)
    return _labels(a, "y")


def _labels(a: np.ndarray, name: str) -> np.ndarray:
    try:
        _, inv = np.unique(a, return_inverse=True)
    except TypeError as exc:  # labels of mixed, unorderable types
        raise ValueError(f"{name}: labels must be of one comparable type ({exc})") from None
    out: np.ndarray = inv.reshape(-1)
    return out


def _discrete_mask(discrete_features: Any, p: int, sparse: bool, func: str) -> np.ndarray:
    if isinstance(discrete_features, str):
        valid = discrete_features == "auto"
    elif isinstance(discrete_features, (bool, np.bool_)):
        valid = True
    else:
        valid = discrete_features is not None and np.ndim(discrete_features) > 0
    if not valid:
        raise _invalid(func, "discrete_features", "'auto', a bool or an array-like", discrete_features)
    return discrete_mask(discrete_features, p, sparse, IndexError)


# ------------------------------------------------------------- preprocessing


def _columns(X: Any, continuous: np.ndarray | None) -> Iterator[np.ndarray]:
    """Each column of X as a 1-D array, or of ``continuous``, the scaled and
    noisy copy of an all-continuous X, where given."""
    src: Any = X if continuous is None else continuous
    for j in range(src.shape[1]):
        if is_sparse(src):
            col = np.zeros(src.shape[0], dtype=src.data.dtype)
            lo, hi = src.indptr[j], src.indptr[j + 1]
            col[src.indices[lo:hi]] = src.data[lo:hi]
            yield col
        else:
            yield src[:, j]


# ---------------------------------------------------------------- estimators


def _mi_discrete(a: np.ndarray, b: np.ndarray) -> float:
    """Plug-in MI, in nats, of two label vectors (0-based codes), from their
    contingency table: Σ p_ij ln(p_ij / (p_i p_j)), clipped at 0."""
    n = a.shape[0]
    na, nb = np.bincount(a), np.bincount(b)
    if na.shape[0] == 1 or nb.shape[0] == 1:
        return 0.0
    joint, nij = np.unique(a.astype(np.int64) * nb.shape[0] + b, return_counts=True)
    ni, nj = na[joint // nb.shape[0]], nb[joint % nb.shape[0]]
    pij = nij / n
    terms = pij * (np.log(nij) + np.log(n) - np.log(ni) - np.log(nj))
    return max(0.0, float(np.sum(terms)))


def _first_failing(sorted_v: np.ndarray, ok: Any) -> np.ndarray:
    """For each query, the first index i of ``sorted_v`` where
    ``ok(sorted_v[i], rows)`` turns False (``ok`` is True on a prefix)."""
    m = sorted_v.shape[0]
    lo = np.zeros(ok.n, dtype=np.intp)
    hi = np.full(ok.n, m, dtype=np.intp)
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        good = ok(sorted_v[np.minimum(mid, m - 1)])
        lo = np.where(active & good, mid + 1, lo)
        hi = np.where(active & ~good, mid, hi)


class _Within:
    """Predicates of the counting search: value v_j lies at distance at most
    ``t`` above (``side=1``) or more than ``t`` below (``side=-1``) c_i, with
    the distance the rounded difference |v_j - c_i| (which is monotone in
    v_j, so the predicate holds on a prefix of the sorted values)."""

    def __init__(self, c: np.ndarray, t: np.ndarray, side: int) -> None:
        self.c, self.t, self.side, self.n = c, t, side, c.shape[0]

    def __call__(self, v: np.ndarray) -> np.ndarray:
        if self.side > 0:
            out: np.ndarray = (v - self.c) <= self.t
        else:
            out = (self.c - v) > self.t
        return out


def _small_class_distances(cs: np.ndarray, gs: np.ndarray, k: int, dist: np.ndarray, single: bool) -> None:
    """Within-class k-th neighbour distances of the small classes as
    scikit-learn computes them, in place (``cs`` sorted by class ``gs``).

    For a class of N_c samples with min(k, N_c - 1) >= N_c // 2 scikit-learn
    finds the neighbours by brute force from squared distances expanded as
    (x_i² + (-2 x_i x_j)) + x_j², whose rounding can put the k-th distance an
    ulp off the exact |x_i - x_j| and so decide whether that neighbour is
    counted in m_i. Only classes of at most 2k + 1 samples qualify, so the
    all-pairs tables are small; classes of equal size are done together.
    ``single``: the values came from float32 data, for which scikit-learn's
    search keeps the squared distances, and takes their roots, in float32."""
    starts, sizes = np.unique(gs, return_index=True, return_counts=True)[1:]
    for size in np.unique(sizes):
        kc = min(k, int(size) - 1)
        if kc < size // 2:
            continue
        idx = starts[sizes == size][:, None] + np.arange(size)
        # classes beyond 1e150, where those squares overflow (and scikit-learn's
        # distances are NaN), keep the exact distances
        idx = idx[np.max(np.abs(cs[idx]), axis=1) <= HUGE[np.dtype(np.float64)]]
        v = cs[idx]
        sq = v * v
        m = (sq[:, :, None] + -2.0 * (v[:, :, None] * v[:, None, :])) + sq[:, None, :]
        m = np.maximum(m, 0.0)
        m[:, np.arange(size), np.arange(size)] = np.inf  # the sample itself is no neighbour
        kth = np.partition(m, kc - 1, axis=2)[:, :, kc - 1]
        dist[idx] = np.sqrt(kth.astype(np.float32)).astype(np.float64) if single else np.sqrt(kth)


_ALL_SINGLE = (
    "{what}: every value occurs once, so no sample has a neighbour with the same value (the estimator of "
    "Ross 2014 needs a value that occurs at least twice); is it a continuous variable declared discrete?"
)


def _mi_ross(c: np.ndarray, labels: np.ndarray, k: int, what: str, single: bool = False) -> float:
    """MI, in nats, between a continuous 1-D variable ``c`` and discrete
    labels (0-based codes), by the nearest-neighbour estimator of Ross (2014):

        I = ψ(N) + <ψ(k_i)> - <ψ(N_i)> - <ψ(m_i)>

    N_i is the size of sample i's class, k_i = min(k, N_i - 1), d_i the
    distance from c_i to its k_i-th nearest neighbour within its class and
    m_i the number of samples of any class closer to c_i than d_i (at
    distance 0 when d_i = 0), c_i included. Samples alone in their class have
    no neighbour and are left out, N included. Clipped at 0."""
    counts = np.bincount(labels)[labels]
    keep = counts > 1
    if not keep.any():
        raise ValueError(_ALL_SINGLE.format(what=what))
    c, labels, counts = c[keep], labels[keep], counts[keep]
    n = c.shape[0]
    kk = np.minimum(k, counts - 1)
    # within-class k-th neighbour distances: in 1-D the k nearest of a sorted
    # sample are a window of k + 1 consecutive values around it; the k-th
    # distance is the smallest over such windows of the farther end.
    order = np.lexsort((c, labels))
    cs, gs, ks = c[order], labels[order], kk[order]
    pos = np.arange(n)
    n_left = pos - np.searchsorted(gs, gs, side="left")
    n_right = np.searchsorted(gs, gs, side="right") - 1 - pos
    dist = np.full(n, np.inf)
    for a in range(int(ks.max()) + 1):  # a of the k neighbours below, k - a above
        b = ks - a
        valid = (b >= 0) & (n_left >= a) & (n_right >= b)
        below = cs - cs[np.maximum(pos - a, 0)]
        above = cs[np.minimum(pos + np.maximum(b, 0), n - 1)] - cs
        dist = np.where(valid, np.minimum(dist, np.maximum(below, above)), dist)
    _small_class_distances(cs, gs, k, dist, single)
    d = np.empty(n)
    d[order] = dist
    # "closer than d": at distance <= the largest float below d (0 for d = 0)
    t = np.nextafter(d, 0.0)
    v = np.sort(c)
    m = _first_failing(v, _Within(c, t, 1)) - _first_failing(v, _Within(c, t, -1))
    mi = (
        float(digamma(np, np.array([float(n)]))[0])
        + float(np.mean(digamma(np, kk.astype(np.float64))))
        - float(np.mean(digamma(np, counts.astype(np.float64))))
        - float(np.mean(digamma(np, m.astype(np.float64))))
    )
    return max(0.0, mi)


# ----------------------------------------------------------------- the pipeline


def _estimate(
    func: str,
    X: Any,
    y: Any,
    discrete_features: Any,
    discrete_target: bool,
    n_neighbors: Any,
    copy: Any,
    random_state: Any,
    n_jobs: Any,
) -> np.ndarray:
    k = _check_n_neighbors(n_neighbors, func)
    _check_copy(copy, func)
    threads = _check_n_jobs(n_jobs, func)
    rng = _random_state(random_state, func)
    Xv, n, p = _check_X(X, func)
    if n == 1:
        raise ValueError("X: has 1 sample (n_samples = 1); mutual information needs at least 2")
    if discrete_target:
        yv = _class_labels(y, n)
    else:
        yv = _continuous_target(y, n)
    sparse = is_sparse(Xv)
    discrete = _discrete_mask(discrete_features, p, sparse, func)
    n_cont = int(np.count_nonzero(~discrete))
    if n_cont and sparse:
        raise ValueError(
            "X: a sparse matrix can't have continuous features (as in scikit-learn); declare all features "
            "discrete or pass a dense array"
        )
    if n_cont and not discrete_target and k >= n:
        raise InvalidParameterError(f"n_neighbors: must be smaller than the number of samples ({n}), got {k}")
    cont: np.ndarray | None = None
    if n_cont == p and not discrete_target:
        # all features continuous, the regression: scaled as a C-ordered
        # float64 copy, so the numbers do not depend on X's memory layout
        # (they equal scikit-learn's to rounding: KSG is not sensitive to it)
        cont = sklearn_scale(np.ascontiguousarray(Xv, dtype=np.float64))
        means = noise_scale(cont)
        cont = cont + 1e-10 * means * rng.standard_normal(size=(n, n_cont))
    elif n_cont:
        # scikit-learn's sequence of NumPy operations on an array of X's own
        # memory layout: NumPy's reductions round differently along C- and
        # F-ordered axes, and the brute-force neighbour distances of small
        # classes in the Ross estimator can turn that last-bit difference
        # into a different count
        Xf = Xv.astype(np.float64)
        Xf[:, ~discrete] = sklearn_scale(Xf[:, ~discrete])
        means = noise_scale(Xf[:, ~discrete])
        Xf[:, ~discrete] += 1e-10 * means * rng.standard_normal(size=(n, n_cont))
        Xv = Xf  # discrete features are compared as float64 too, as scikit-learn does
    ycol: np.ndarray | None = None
    y_single = False
    if not discrete_target:
        if n_cont < p and yv.dtype in (np.float32, np.float16):
            # with discrete features, a float32 (float16) target is scaled and
            # noised in its own precision, as scikit-learn does: the Ross
            # estimator's small classes are sensitive to the last bit
            yc = sklearn_scale(yv)
            yc += 1e-10 * noise_scale(yc) * rng.standard_normal(size=n)
            y_single = yc.dtype == np.float32
        else:
            yc = sklearn_scale(np.ascontiguousarray(yv, dtype=np.float64))
            yc = yc + 1e-10 * noise_scale(yc) * rng.standard_normal(size=n)
        ycol = np.ascontiguousarray(yc[:, None], dtype=np.float64)
    out = np.empty(p)
    if discrete_target and n_cont:
        # every continuous feature against the labels in one call of the
        # Rust core: the same numbers as _mi_ross, the columns in parallel
        if np.bincount(yv).max() < 2:
            raise ValueError(_ALL_SINGLE.format(what="y"))
        xc = Xv if n_cont == p else Xv[:, ~discrete]
        mi = _core.ross_mutual_info_columns(
            x=np.ascontiguousarray(xc, dtype=np.float64), labels=yv.astype(np.int64), k=k, n_threads=threads
        )
        out[~discrete] = np.maximum(mi, 0.0)
    for j, col in enumerate(_columns(Xv, cont)):
        if discrete_target and not discrete[j]:
            continue  # done above
        if discrete_target:
            if discrete[j]:
                out[j] = _mi_discrete(_labels(col, "X"), yv)
            else:
                out[j] = _mi_ross(col, yv, k, "y")
        else:
            assert ycol is not None
            if discrete[j]:
                out[j] = _mi_ross(ycol[:, 0], _labels(col, "X"), k, f"X: feature {j} (declared discrete)", y_single)
            else:
                xj = np.ascontiguousarray(col[:, None])
                out[j] = max(0.0, float(np.mean(_core.mi_local(x=xj, y=ycol, k=k, algorithm=1, n_threads=threads))))
    return out


_SHARED_DOC = """Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Numbers: NumPy arrays, lists, pandas frames (nullable dtypes
        included), object arrays of numbers, DLPack producers. Sparse
        matrices are accepted when every feature is discrete.
    y : array-like of shape (n_samples,)
        {target}
    discrete_features : "auto", bool or array-like, default="auto"
        Which features are discrete: all (True), none (False), a boolean
        mask of length n_features, or the indices of the discrete columns.
        "auto" means False for dense and True for sparse X.
    n_neighbors : int, default=3
        Neighbours of the k-NN estimators; discrete-discrete pairs do not
        use it.
    copy : bool, default=True
        Accepted for compatibility; the input is never modified.
    random_state : int, RandomState instance or None, default=None
        As in scikit-learn: seeds the noise added to continuous variables.
    n_jobs : int or None, default=None
        Threads of the Rust core (the continuous features: KSG against a
        continuous y, Ross against class labels): None means all cores
        (scikit-learn's default is 1), -1 all cores, -n all but n - 1; 0
        is an error. Results do not depend on it. Discrete features (the
        contingency table, and Ross against a continuous y) run in NumPy.

    Returns
    -------
    ndarray of shape (n_features,)
        Estimated MI of each feature with y, in nats, negative values set to 0.

    Raises
    ------
    InvalidParameterError
        An argument of the wrong type or range (a ``ValueError`` and a
        ``TypeError``), with scikit-learn's wording.
    ValueError
        Bad data: 1-D or empty X, NaN or infinity, mismatched lengths, a
        sparse X with continuous features{raises}.
    IndexError
        A mask of the wrong length or a column index out of range in
        ``discrete_features``.

    Warns
    -----
    DataConversionWarning
        For a column-vector y (scikit-learn's category when it is installed,
        else ``UserWarning``).
"""


def mutual_info_regression(
    X: Any,
    y: Any,
    *,
    discrete_features: Any = "auto",
    n_neighbors: int = 3,
    copy: bool = True,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Mutual information between each column of ``X`` and a continuous ``y``.

    A faster equivalent of :func:`sklearn.feature_selection.mutual_info_regression`
    with the same numbers given the same ``random_state``. Every continuous
    column of X, and y, is divided by its population standard deviation (no
    centring); Gaussian noise of scale 1e-10 * max(1, mean|column|) is added
    from ``random_state`` (the continuous features first, as one
    (n_samples, n_continuous) draw, then y). A continuous feature gets the
    KSG algorithm-1 estimate

        I = ψ(N) + ψ(k) - <ψ(n_x + 1)> - <ψ(n_y + 1)>,

    a discrete feature the estimator of Ross (2014) with y; both are clipped
    at 0, exactly as scikit-learn does.

    {doc}
    References
    ----------
    Kraskov, Stögbauer, Grassberger, Phys. Rev. E 69, 066138 (2004).
    Ross, "Mutual information between discrete and continuous data sets",
    PLoS ONE 9(2), e87357 (2014).

    Examples
    --------
    >>> import numpy as np
    >>> from infoflux.sklearn import mutual_info_regression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((1000, 3))
    >>> y = X[:, 0] + 0.1 * rng.standard_normal(1000)
    >>> mi = mutual_info_regression(X, y, random_state=0)
    >>> int(np.argmax(mi))
    0
    """
    return _estimate("mutual_info_regression", X, y, discrete_features, False, n_neighbors, copy, random_state, n_jobs)


def mutual_info_classif(
    X: Any,
    y: Any,
    *,
    discrete_features: Any = "auto",
    n_neighbors: int = 3,
    copy: bool = True,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Mutual information between each column of ``X`` and class labels ``y``.

    A faster equivalent of :func:`sklearn.feature_selection.mutual_info_classif`
    with the same numbers given the same ``random_state``. Every continuous
    column of X is divided by its population standard deviation (no
    centring) and Gaussian noise of scale 1e-10 * max(1, mean|column|) is
    added from ``random_state`` as one (n_samples, n_continuous) draw. A
    continuous feature gets the estimator of Ross (2014),

        I = ψ(N) + <ψ(k_i)> - <ψ(N_i)> - <ψ(m_i)>

    (N_i the size of sample i's class, k_i = min(k, N_i - 1), m_i the
    samples of any class closer than the k_i-th neighbour within the class;
    samples alone in their class left out), a discrete feature the plug-in
    MI of the contingency table; both are clipped at 0.

    {doc}
    References
    ----------
    Ross, "Mutual information between discrete and continuous data sets",
    PLoS ONE 9(2), e87357 (2014).

    Examples
    --------
    >>> import numpy as np
    >>> from infoflux.sklearn import mutual_info_classif
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, size=1000)
    >>> X = np.column_stack([y + 0.3 * rng.standard_normal(1000), rng.standard_normal(1000)])
    >>> mi = mutual_info_classif(X, y, random_state=0)
    >>> int(np.argmax(mi))
    0
    """
    return _estimate("mutual_info_classif", X, y, discrete_features, True, n_neighbors, copy, random_state, n_jobs)


if mutual_info_regression.__doc__ is not None:  # None under python -OO
    mutual_info_regression.__doc__ = mutual_info_regression.__doc__.replace(
        "{doc}",
        _SHARED_DOC.format(
            target="Continuous target: numbers (object arrays and nullable pandas dtypes are converted).",
            raises=(
                ", a single sample, n_neighbors >= n_samples with continuous features, a discrete feature whose "
                "every value occurs once (the Ross estimator needs repeated values)"
            ),
        ),
    )
if mutual_info_classif.__doc__ is not None:
    mutual_info_classif.__doc__ = mutual_info_classif.__doc__.replace(
        "{doc}",
        _SHARED_DOC.format(
            target="Class labels: integers, strings or floats with integral values.",
            raises=", a single sample, a continuous (non-integral) y, a y whose every class has one sample",
        ),
    )

from infoflux._mrmr import MRMRSelector  # noqa: E402  (re-exported from its own module)
