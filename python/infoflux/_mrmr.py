"""Greedy feature selection by mutual information: mRMR, JMI and CMIM, as a
scikit-learn transformer (:class:`MRMRSelector`, re-exported from
:mod:`infoflux.sklearn`).

scikit-learn is needed to use the selector (it subclasses scikit-learn's
``SelectorMixin`` and ``BaseEstimator``), not to import this module.
"""

from __future__ import annotations

import inspect
import numbers
from typing import Any

import numpy as np

from infoflux import _core
from infoflux._sklearn_prep import discrete_mask, is_sparse, noise_scale, sklearn_scale

__all__ = ["MRMRSelector"]

_NAME = "MRMRSelector"
_CRITERIA = ("mrmr", "mrmr_quotient", "jmi", "cmim")
_TASKS = ("auto", "classification", "regression")
# floor of the mean redundancy in the mRMR quotient, nats (see MRMRSelector)
MIQ_FLOOR = 0.01

try:
    from sklearn.base import BaseEstimator
    from sklearn.feature_selection import SelectorMixin
    from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions

    _CONSTRAINTS: dict[str, list[Any]] = {
        "n_features_to_select": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0, 1, closed="right"),
            None,
        ],
        "criterion": [StrOptions(set(_CRITERIA))],
        "task": [StrOptions(set(_TASKS))],
        "discrete_features": [StrOptions({"auto"}), "boolean", "array-like"],
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [numbers.Integral, None],
    }
except ImportError:  # scikit-learn is optional for the rest of infoflux.sklearn

    class BaseEstimator:  # type: ignore[no-redef]
        """Stand-in where scikit-learn is missing: refuses to build a selector."""

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            raise ImportError(f"{cls.__name__} needs scikit-learn (pip install scikit-learn)")

    class SelectorMixin:  # type: ignore[no-redef]
        """Stand-in where scikit-learn is missing."""

    class InvalidParameterError(ValueError, TypeError):  # type: ignore[no-redef]
        """Stand-in where scikit-learn is missing."""

    _CONSTRAINTS = {}


def _validate_data(est: Any, X: Any) -> Any:
    """scikit-learn's input validation of X (sets ``n_features_in_`` and
    ``feature_names_in_``): numbers, 2-D, finite, at least 2 samples."""
    kwargs: dict[str, Any] = {"accept_sparse": "csc", "dtype": "numeric", "ensure_min_samples": 2}
    try:
        from sklearn.utils.validation import validate_data
    except ImportError:  # scikit-learn < 1.6
        return est._validate_data(X, **kwargs)
    return validate_data(est, X, **kwargs)


# ---------------------------------------------------------------- parameters


def _n_select(value: Any, p: int) -> int:
    """The number of features to pick (the type and range below 1 are checked by the constraints)."""
    if isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(
            f"The 'n_features_to_select' parameter of {_NAME} must be an int in [1, n_features], a float in "
            f"(0, 1] or None. Got {value!r} instead."
        )
    if value is None:
        return max(1, p // 2)
    if isinstance(value, numbers.Integral):
        m = int(value)
        if m > p:
            raise InvalidParameterError(
                f"The 'n_features_to_select' parameter of {_NAME} must be at most n_features ({p}). Got {m} instead."
            )
        return m
    return max(1, int(float(value) * p))


def _n_jobs(value: Any) -> int | None:
    if value is None:
        return None
    v = int(value)
    if v == 0 or not -(2**63) <= v < 2**63:
        raise InvalidParameterError(
            f"The 'n_jobs' parameter of {_NAME} must be a nonzero 64-bit int or None (-1 and None: all cores). "
            f"Got {v} instead."
        )
    return v


def _random_state(value: Any) -> np.random.RandomState:
    from sklearn.utils import check_random_state

    rng: np.random.RandomState = check_random_state(value)
    return rng


def _infer_task(y: np.ndarray) -> str:
    """'regression' for floats with a non-integral value (scikit-learn's
    type_of_target calls them continuous), else 'classification'."""
    if y.dtype.kind == "f":
        finite = y[np.isfinite(y)]
        if np.any(finite != np.round(finite)):
            return "regression"
    return "classification"


def _target(y: Any, n: int, task: str) -> tuple[np.ndarray, str]:
    """(y as dense class codes or as float64 values, the task), checked."""
    from sklearn.utils import column_or_1d
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_array

    if y is None:
        raise ValueError(f"y: {_NAME} requires y to be passed, but the target y is None")
    # scikit-learn < 1.6 calls the finiteness switch force_all_finite
    new_name = "ensure_all_finite" in inspect.signature(check_array).parameters
    finite = "ensure_all_finite" if new_name else "force_all_finite"
    a = check_array(y, ensure_2d=False, dtype=None, input_name="y", **{finite: True})
    a = column_or_1d(a, warn=True)
    if a.shape[0] != n:
        raise ValueError(f"y: has {a.shape[0]} samples but X has {n}; both need the same number of samples")
    if task == "auto":
        task = _infer_task(a)
    if task == "classification":
        check_classification_targets(a)
        codes = _labels(a, "y")
        if codes.max() == 0:
            raise ValueError("y: has a single class; feature selection for classification needs at least 2")
        return codes, task
    if a.dtype.kind not in "biuf":
        raise ValueError(f"y: a regression target must be numbers, got dtype {a.dtype}")
    return a, task


def _labels(a: np.ndarray, name: str) -> np.ndarray:
    """Dense codes 0..K-1 of any sortable labels."""
    try:
        _, inv = np.unique(a, return_inverse=True)
    except TypeError as exc:
        raise ValueError(f"{name}: labels must be of one comparable type ({exc})") from None
    out: np.ndarray = np.ascontiguousarray(inv.reshape(-1), dtype=np.int64)
    return out


# ------------------------------------------------------------ prepared data


class _Data:
    """The features as the estimators see them: continuous columns scaled
    and noised exactly as :func:`infoflux.sklearn.mutual_info_classif` /
    ``mutual_info_regression`` prepare them (same random draws), stored one
    column per row; discrete columns as dense integer codes."""

    def __init__(
        self,
        X: Any,
        y: np.ndarray,
        discrete: np.ndarray,
        classification: bool,
        rng: np.random.RandomState,
        k: int,
        threads: int | None,
    ) -> None:
        n, p = (int(s) for s in X.shape)
        self.n, self.p, self.k, self.threads = n, p, k, threads
        self.discrete = discrete
        self.classification = classification
        cont_idx = np.flatnonzero(~discrete)
        disc_idx = np.flatnonzero(discrete)
        n_cont = cont_idx.shape[0]
        self.pos = np.full(p, -1, dtype=np.intp)
        self.pos[cont_idx] = np.arange(n_cont)
        self.pos[disc_idx] = np.arange(disc_idx.shape[0])
        src: Any = X.tocsc() if is_sparse(X) else X
        if n_cont and n_cont == p and not classification:
            cont = sklearn_scale(np.ascontiguousarray(X, dtype=np.float64))
            cont = cont + 1e-10 * noise_scale(cont) * rng.standard_normal(size=(n, n_cont))
            self.cont = np.ascontiguousarray(cont.T)
            del cont
        elif n_cont:
            Xf = X.astype(np.float64)
            Xf[:, ~discrete] = sklearn_scale(Xf[:, ~discrete])
            means = noise_scale(Xf[:, ~discrete])
            Xf[:, ~discrete] += 1e-10 * means * rng.standard_normal(size=(n, n_cont))
            self.cont = np.ascontiguousarray(Xf[:, cont_idx].T)
            src = Xf
        else:
            self.cont = np.empty((0, n))
        codes = np.empty((disc_idx.shape[0], n), dtype=np.int64)
        for r, j in enumerate(disc_idx):
            col = src[:, [j]].toarray()[:, 0] if is_sparse(src) else src[:, j]
            codes[r] = _labels(col, "X")
        self.codes = codes
        self.y_codes: np.ndarray | None = None
        self.y_cont: np.ndarray | None = None
        if classification:
            self.y_codes = np.ascontiguousarray(y, dtype=np.int64)
        elif n_cont < p and y.dtype in (np.float32, np.float16):
            # scaled and noised in its own precision, as mutual_info_regression does with discrete features
            yc = sklearn_scale(y)
            yc += 1e-10 * noise_scale(yc) * rng.standard_normal(size=n)
            self.y_cont = np.ascontiguousarray(yc, dtype=np.float64)
        else:
            yc = sklearn_scale(np.ascontiguousarray(y, dtype=np.float64))
            self.y_cont = np.ascontiguousarray(yc + 1e-10 * noise_scale(yc) * rng.standard_normal(size=n))

    # -- one variable as the estimators take it

    def col(self, j: int) -> np.ndarray:
        out: np.ndarray = self.codes[self.pos[j]] if self.discrete[j] else self.cont[self.pos[j]]
        return out

    def ross(self, c: np.ndarray, labels: np.ndarray) -> float:
        """Ross (2014) MI of continuous ``c`` (n,) with dense ``labels``, nats, clipped at 0."""
        x = np.ascontiguousarray(c[:, None])
        return max(0.0, float(_core.ross_mutual_info(x=x, labels=labels, k=self.k, n_threads=self.threads)))

    def ross_nd(self, c: np.ndarray, labels: np.ndarray) -> float:
        """Ross (2014) MI of the continuous rows of ``c`` (d, n) with ``labels``, nats, clipped at 0."""
        x = np.ascontiguousarray(c.T)
        return max(0.0, float(_core.ross_mutual_info(x=x, labels=labels, k=self.k, n_threads=self.threads)))

    def ross_columns(self, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Ross (2014) MI of each continuous column ``self.cont[rows]`` with ``labels``, nats, clipped at 0."""
        x = np.ascontiguousarray(self.cont[rows].T)
        v = _core.ross_mutual_info_columns(x=x, labels=labels, k=self.k, n_threads=self.threads)
        out: np.ndarray = np.maximum(v, 0.0)
        return out

    def relevance(self) -> np.ndarray:
        """I(f; y) of every feature, nats, clipped at 0, as scikit-learn's
        mutual_info_classif / mutual_info_regression estimate it."""
        rel = np.empty(self.p)
        cont = ~self.discrete
        all_rows = self.pos
        if self.classification and np.bincount(self.y_codes if self.y_codes is not None else [0]).max() < 2:
            raise ValueError(f"y: every class has a single sample{_NO_NEIGHBOUR}")
        if np.any(cont) or not self.classification:
            # Ross's estimator takes the discrete features as labels somewhere
            for j in np.flatnonzero(self.discrete).tolist():
                if np.bincount(self.codes[self.pos[j]]).max() < 2:
                    raise ValueError(f"X: feature {j} (declared discrete): every value occurs once{_NO_NEIGHBOUR}")
        if self.classification:
            y = self.y_codes
            assert y is not None
            if np.any(cont):
                rel[cont] = self.ross_columns(all_rows[cont], y)
            if np.any(self.discrete):
                v = _core.plugin_mi_against_columns(
                    x=y, columns=self.codes, index=all_rows[self.discrete].tolist(), n_threads=self.threads
                )
                rel[self.discrete] = np.maximum(v, 0.0)
        else:
            yc = self.y_cont
            assert yc is not None
            if np.any(cont):
                v = _core.ksg_mi_against_columns(
                    x=yc, columns=self.cont, index=all_rows[cont].tolist(), k=self.k, n_threads=self.threads
                )
                rel[cont] = np.maximum(v, 0.0)
            for j in np.flatnonzero(self.discrete).tolist():
                rel[j] = self.ross(yc, self.codes[self.pos[j]])
        return rel

    # -- the pairwise terms

    def mi(self, s: int, js: np.ndarray) -> np.ndarray:
        """I(f_s; f_j), nats, clipped at 0, for each j in ``js``: KSG
        (algorithm 1) for two continuous features, the plug-in for two
        discrete ones, Ross (2014) for a mixed pair."""
        out = np.empty(js.shape[0])
        dj = self.discrete[js]
        pos = self.pos[js]
        if self.discrete[s]:
            a = self.codes[self.pos[s]]
            if np.any(dj):
                v = _core.plugin_mi_against_columns(
                    x=a, columns=self.codes, index=pos[dj].tolist(), n_threads=self.threads
                )
                out[dj] = np.maximum(v, 0.0)
            if np.any(~dj):
                out[~dj] = self.ross_columns(pos[~dj], a)
        else:
            c = self.cont[self.pos[s]]
            if np.any(~dj):
                v = _core.ksg_mi_against_columns(
                    x=c, columns=self.cont, index=pos[~dj].tolist(), k=self.k, n_threads=self.threads
                )
                out[~dj] = np.maximum(v, 0.0)
            for i in np.flatnonzero(dj):
                out[i] = self.ross(c, self.codes[pos[i]])
        return out

    def cmi(self, s: int, js: np.ndarray, rel: np.ndarray) -> np.ndarray:
        """I(f_j; y | f_s), nats, clipped at 0, for each j in ``js`` (see
        the class docstring of MRMRSelector for the formulas)."""
        if self.classification:
            return self._cmi_classification(s, js, rel)
        return self._cmi_regression(s, js, rel)

    def _cmi_classification(self, s: int, js: np.ndarray, rel: np.ndarray) -> np.ndarray:
        y = self.y_codes
        assert y is not None
        out = np.empty(js.shape[0])
        zs = self.col(s)
        for i, j in enumerate(js.tolist()):
            fj = self.col(j)
            if self.discrete[s] and self.discrete[j]:
                # I((f, s); y) - I(s; y), plug-in
                v = _plugin(y, _joint(fj, zs)) - rel[s]
            elif not self.discrete[s] and not self.discrete[j]:
                # I((f, s); y) - I(s; y), Ross in two dimensions
                v = self.ross_nd(np.stack([fj, zs]), y) - rel[s]
            elif self.discrete[s]:
                # f continuous: I(f; (y, s)) - I(f; s), Ross with joint labels
                v = self.ross(fj, _joint(y, zs)) - self.ross(fj, zs)
            else:
                # f discrete, s continuous: I(f; y) - I(f; s) + I(f; s | y), the last as
                # I(s; (f, y)) - I(s; y), each by Ross or the plug-in
                v = _plugin(fj, y) - self.ross(zs, fj) + self.ross(zs, _joint(fj, y)) - rel[s]
            out[i] = max(0.0, v)
        return out

    def _cmi_regression(self, s: int, js: np.ndarray, rel: np.ndarray) -> np.ndarray:
        y = self.y_cont
        assert y is not None
        out = np.empty(js.shape[0])
        dj = self.discrete[js]
        zs = self.col(s)
        if not self.discrete[s] and np.any(~dj):
            # Frenzel-Pompe, all three continuous
            v = _core.ksg_cmi_against_columns(
                y=y, z=zs, columns=self.cont, index=self.pos[js[~dj]].tolist(), k=self.k, n_threads=self.threads
            )
            out[~dj] = np.maximum(v, 0.0)
        for i, j in enumerate(js.tolist()):
            if not self.discrete[s] and not dj[i]:
                continue
            fj = self.col(j)
            if self.discrete[s] and self.discrete[j]:
                # I(y; (f, s)) - I(y; s), Ross
                u = self.ross(y, _joint(fj, zs)) - float(rel[s])
            elif self.discrete[j]:
                # f discrete, s continuous: I(f; (y, s)) - I(f; s), Ross
                u = self.ross_nd(np.stack([y, zs]), fj) - self.ross(zs, fj)
            else:
                # f continuous, s discrete: sum over the values c of s of
                # p(c) I(f; y | s = c), KSG within each stratum of more than k samples
                u = self._stratified_ksg(fj, y, zs)
            out[i] = max(0.0, u)
        return out

    def _stratified_ksg(self, f: np.ndarray, y: np.ndarray, strata: np.ndarray) -> float:
        total = 0.0
        for c in np.unique(strata).tolist():
            rows = strata == c
            m = int(np.count_nonzero(rows))
            if m <= self.k:
                continue
            a = np.ascontiguousarray(f[rows, None])
            b = np.ascontiguousarray(y[rows, None])
            loc = _core.mi_local(x=a, y=b, k=self.k, algorithm=1, n_threads=self.threads)
            total += m / self.n * float(np.mean(loc))
        return total


_NO_NEIGHBOUR = (
    ", so no sample has a neighbour with the same value (the estimator of Ross 2014 needs a value that occurs "
    "at least twice); is it a continuous variable declared discrete?"
)


def _joint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense codes of the pairs (a_i, b_i) of two code vectors."""
    key = a.astype(np.int64) * (int(b.max()) + 1) + b
    return np.ascontiguousarray(_labels(key, "X"), dtype=np.int64)


def _plugin(a: np.ndarray, b: np.ndarray) -> float:
    """Plug-in I(a; b) of two dense code vectors, nats, clipped at 0."""
    v = _core.plugin_mi_against_columns(x=np.ascontiguousarray(a, dtype=np.int64), columns=b[None, :], index=[0])
    return max(0.0, float(v[0]))


# ----------------------------------------------------------------- the selector


class MRMRSelector(SelectorMixin, BaseEstimator):  # type: ignore[misc]
    """Greedy feature selection by mutual information: mRMR, JMI or CMIM.

    Features are picked one at a time. The first is the most relevant one,
    the feature f with the largest I(f; y); each next one maximises a
    score that trades relevance against the features S picked so far:

    - ``"mrmr"``, mRMR as a difference (MID, Peng, Long & Ding 2005):
      I(f; y) - (1/|S|) Σ_{s∈S} I(f; s);
    - ``"mrmr_quotient"``, mRMR as a quotient (MIQ, same paper):
      I(f; y) / max((1/|S|) Σ_{s∈S} I(f; s), 0.01 nats): the estimates of
      the MI of independent features scatter around 0 by about that much,
      and without a floor a feature whose estimates were clipped to 0 would
      score +inf whatever its relevance;
    - ``"jmi"``, joint mutual information (Yang & Moody 1999, in the form
      of Brown et al. 2012): Σ_{s∈S} I((f, s); y), computed as
      Σ_{s∈S} [I(s; y) + I(f; y | s)];
    - ``"cmim"``, conditional mutual information maximisation (Fleuret
      2004): min(I(f; y), min_{s∈S} I(f; y | s)).

    Ties go to the more relevant feature, then to the lower index. All
    values are in nats. Relevance I(f; y) is what
    :func:`infoflux.sklearn.mutual_info_classif` (classification) or
    :func:`infoflux.sklearn.mutual_info_regression` (regression) returns
    for the same ``discrete_features``, ``n_neighbors`` and
    ``random_state`` (the same estimators on the same scaled and noised
    data, from the same random draws; equal to rounding). The pairwise
    terms use that data too, and each estimate is clipped at 0 as
    scikit-learn clips its estimates:

    - I(f; s): KSG algorithm 1 (Kraskov et al. 2004) for two continuous
      features, the plug-in estimate of the contingency table for two
      discrete ones, the estimator of Ross (2014) for a mixed pair;
    - I(f; y | s), regression (continuous y): the Frenzel-Pompe estimator
      (KSG algorithm 1) when f and s are continuous; else by the chain rule
      with Ross's estimator: I(y; (f, s)) - I(y; s) for discrete f and s
      (joint labels), I(f; (y, s)) - I(f; s) for discrete f and continuous
      s (Ross in two dimensions), and Σ_c p(s=c) I(f; y | s=c) by KSG
      within each value of a discrete s (values with at most
      ``n_neighbors`` samples contribute 0);
    - I(f; y | s), classification (discrete y): I((f, s); y) - I(s; y),
      by Ross's estimator in two dimensions for continuous f and s and by
      the plug-in for discrete ones; I(f; (y, s)) - I(f; s) by Ross with
      joint labels for continuous f and discrete s; and
      I(f; y) - I(f; s) + I(s; (f, y)) - I(s; y) for discrete f and
      continuous s.

    The pairwise terms are computed only as needed: after each pick, the
    information between that feature and every feature still in the
    running (never the full n_features × n_features matrix), in parallel
    in the Rust core. Results do not depend on ``n_jobs``.

    Parameters
    ----------
    n_features_to_select : int, float or None, default=None
        How many features to select: an int in [1, n_features], a float in
        (0, 1] (that fraction of the features, at least 1), or None (half
        of them, at least 1).
    criterion : {"mrmr", "mrmr_quotient", "jmi", "cmim"}, default="mrmr"
        The score, see above.
    task : {"auto", "classification", "regression"}, default="auto"
        The kind of target. "auto": regression for a float ``y`` with a
        non-integral value (scikit-learn's "continuous" target type),
        classification otherwise (integers, strings, booleans, integral
        floats).
    discrete_features : "auto", bool or array-like, default="auto"
        As in :func:`infoflux.sklearn.mutual_info_classif`: all (True), none
        (False), a boolean mask or the indices of the discrete columns;
        "auto" is False for dense and True for sparse X.
    n_neighbors : int, default=3
        Neighbours of the k-NN estimators (KSG, Frenzel-Pompe, Ross).
    random_state : int, RandomState instance or None, default=None
        Seeds the tie-breaking noise added to continuous variables, as in
        scikit-learn's ``mutual_info_classif``.
    n_jobs : int or None, default=None
        Threads of the Rust core: None or -1 all cores, n >= 1 that many,
        -n all but n - 1; 0 is an error.

    Attributes
    ----------
    support_ : ndarray of shape (n_features,)
        Mask of the selected features.
    order_ : ndarray of shape (n_features_to_select_,)
        Indices of the selected features in the order they were picked.
    ranking_ : ndarray of shape (n_features,)
        Step at which each feature was picked (1 for the first);
        ``n_features_to_select_ + 1`` for the features not selected.
    scores_ : ndarray of shape (n_features_to_select_,)
        The criterion's value for each pick at its step, nats (the first is
        its relevance).
    relevance_ : ndarray of shape (n_features,)
        I(f; y) of every feature, nats.
    redundancy_ : ndarray of shape (n_features_to_select_ - 1, n_features) or None
        For the mRMR criteria: row t holds I(f; s_t) between the t-th pick
        s_t and each feature still unselected after it, NaN elsewhere.
        None for JMI and CMIM.
    conditional_relevance_ : ndarray of shape (n_features_to_select_ - 1, n_features) or None
        For JMI and CMIM: row t holds I(f; y | s_t) for each feature still
        unselected after the t-th pick, NaN elsewhere. None for mRMR.
    n_features_to_select_ : int
        The number of features selected.
    task_ : str
        "classification" or "regression".
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, where X has string column names.

    Raises
    ------
    InvalidParameterError
        (at fit; scikit-learn's, a ``ValueError`` and a ``TypeError``) A
        parameter of the wrong type or range, named in the message: an
        unknown ``criterion`` or ``task``, ``n_features_to_select`` outside
        [1, n_features], a bad ``n_neighbors``, ``random_state`` or
        ``n_jobs``.
    ValueError
        Bad data: NaN or infinity, fewer than 2 samples, X and y of
        different lengths, a classification target with a single class, a
        continuous target with ``task="classification"``, a sparse X with
        continuous features.

    References
    ----------
    H. Peng, F. Long, C. Ding, "Feature selection based on mutual
    information: criteria of max-dependency, max-relevance, and
    min-redundancy", IEEE TPAMI 27(8), 1226-1238 (2005).
    H. Yang, J. Moody, "Data visualization and feature selection: new
    algorithms for nongaussian data", NIPS 12 (1999).
    F. Fleuret, "Fast binary feature selection with conditional mutual
    information", JMLR 5, 1531-1555 (2004).
    G. Brown, A. Pocock, M.-J. Zhao, M. Luján, "Conditional likelihood
    maximisation: a unifying framework for information theoretic feature
    selection", JMLR 13, 27-66 (2012).
    A. Kraskov, H. Stögbauer, P. Grassberger, Phys. Rev. E 69, 066138 (2004).
    S. Frenzel, B. Pompe, Phys. Rev. Lett. 99, 204101 (2007).
    B. C. Ross, "Mutual information between discrete and continuous data
    sets", PLoS ONE 9(2), e87357 (2014).

    Examples
    --------
    y depends on features 0 and 1; feature 2 is a near-copy of feature 0,
    feature 3 is noise. Relevance alone ranks the copy second; mRMR skips
    it, since it tells nothing that feature 0 did not.

    >>> import numpy as np
    >>> from infoflux.sklearn import MRMRSelector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((2000, 4))
    >>> X[:, 2] = X[:, 0] + 0.1 * rng.standard_normal(2000)
    >>> y = (X[:, 0] + 0.7 * X[:, 1] > 0).astype(int)
    >>> sel = MRMRSelector(2, random_state=0).fit(X, y)
    >>> sel.order_.tolist()
    [0, 1]
    >>> [int(j) for j in np.argsort(-sel.relevance_)[:2]]
    [0, 2]
    >>> sel.transform(X).shape
    (2000, 2)
    """

    _parameter_constraints: dict[str, list[Any]] = _CONSTRAINTS

    def __init__(
        self,
        n_features_to_select: int | float | None = None,
        *,
        criterion: str = "mrmr",
        task: str = "auto",
        discrete_features: Any = "auto",
        n_neighbors: int = 3,
        random_state: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.n_features_to_select = n_features_to_select
        self.criterion = criterion
        self.task = task
        self.discrete_features = discrete_features
        self.n_neighbors = n_neighbors
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        return tags

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"requires_y": True}

    def fit(self, X: Any, y: Any) -> MRMRSelector:
        """Select features from ``X`` (n_samples, n_features) for the target ``y``.

        Returns the fitted selector.
        """
        self._validate_params()
        criterion, k = self.criterion, int(self.n_neighbors)
        threads = _n_jobs(self.n_jobs)
        rng = _random_state(self.random_state)
        if y is None:
            raise ValueError(f"y: {_NAME} requires y to be passed, but the target y is None")
        Xv = _validate_data(self, X)
        n, p = (int(s) for s in Xv.shape)
        m = _n_select(self.n_features_to_select, p)
        yv, task = _target(y, n, self.task)
        classification = task == "classification"
        sparse = is_sparse(Xv)
        discrete = discrete_mask(self.discrete_features, p, sparse, ValueError)
        if sparse and not discrete.all():
            raise ValueError(
                "X: a sparse matrix can't have continuous features (as in scikit-learn); declare all features "
                "discrete or pass a dense array"
            )
        if not discrete.all() and k >= n:
            raise InvalidParameterError(
                f"The 'n_neighbors' parameter of {_NAME} must be smaller than the number of samples ({n}). "
                f"Got {k} instead."
            )
        data = _Data(Xv, yv, discrete, classification, rng, k, threads)
        rel = data.relevance()
        order, scores, pairwise = _greedy(data, rel, m, criterion)
        self.task_ = task
        self.relevance_ = rel
        self.order_ = np.asarray(order, dtype=np.intp)
        self.scores_ = np.asarray(scores, dtype=np.float64)
        self.n_features_to_select_ = m
        ranking = np.full(p, m + 1, dtype=np.intp)
        ranking[self.order_] = np.arange(1, m + 1)
        self.ranking_ = ranking
        support = np.zeros(p, dtype=bool)
        support[self.order_] = True
        self.support_ = support
        mrmr = criterion in ("mrmr", "mrmr_quotient")
        self.redundancy_ = pairwise if mrmr else None
        self.conditional_relevance_ = None if mrmr else pairwise
        return self

    def _get_support_mask(self) -> np.ndarray:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "support_")
        mask: np.ndarray = self.support_
        return mask


def _greedy(data: _Data, rel: np.ndarray, m: int, criterion: str) -> tuple[list[int], list[float], np.ndarray]:
    """The picks, their scores and the pairwise rows (see MRMRSelector)."""
    p = rel.shape[0]
    remaining = np.ones(p, dtype=bool)
    acc = rel.copy() if criterion == "cmim" else np.zeros(p)
    pairwise = np.full((m - 1, p), np.nan)
    order: list[int] = []
    scores: list[float] = []
    for t in range(m):
        cand = np.flatnonzero(remaining)
        if t == 0:
            score = rel[cand]
        elif criterion == "mrmr":
            score = rel[cand] - acc[cand] / t
        elif criterion == "mrmr_quotient":
            score = rel[cand] / np.maximum(acc[cand] / t, MIQ_FLOOR)
        else:  # jmi: the sums, cmim: the running minima
            score = acc[cand]
        # the largest score; ties to the larger relevance, then the lower index
        best_i = int(np.lexsort((cand, -rel[cand], -score))[0])
        best = int(cand[best_i])
        order.append(best)
        scores.append(float(score[best_i]))
        remaining[best] = False
        if t == m - 1:
            break
        js = np.flatnonzero(remaining)
        if criterion in ("mrmr", "mrmr_quotient"):
            v = data.mi(best, js)
            acc[js] += v
        else:
            v = data.cmi(best, js, rel)
            if criterion == "jmi":
                acc[js] += rel[best] + v
            else:
                acc[js] = np.minimum(acc[js], v)
        pairwise[t, js] = v
    return order, scores, pairwise
