"""Entropy, mutual information and transfer entropy of discrete data.

Integer codes or any hashable labels (strings, booleans, objects), one
sample per row; the columns of a 2-D array are read together, each row
being one joint symbol. Every quantity is a sum of joint entropies under
one estimator, each counted in the Rust core (a direct histogram for small
code ranges, a sort otherwise; in parallel, and the same numbers for every
thread count):

    I(X;Y)   = H(X) + H(Y) - H(X,Y)
    I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(Z) - H(X,Y,Z)

as infomeasure and the R package ``entropy`` combine them. Results are in
nats unless ``base`` says otherwise. The estimators, and where each one
differs from infomeasure's estimator of the same name, are in
``docs/discrete.md``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from infoflux import _core, _docs
from infoflux._arrays import to_numpy
from infoflux._embedding import (
    Embedding,
    EmbeddingArgs,
    check_condition_trials,
    check_trials,
    embed,
    embedding_of,
    per_condition,
)
from infoflux._validation import check_int, check_layout, check_threads, log_base

__all__ = [
    "ESTIMATORS",
    "active_information_storage",
    "conditional_mutual_info",
    "entropy",
    "mutual_info",
    "transfer_entropy",
]

ArrayLike = Any
Codes = npt.NDArray[np.int64]

#: The estimator names ``estimator=`` accepts.
ESTIMATORS = ("plugin", "miller_madow", "grassberger", "grassberger1988", "shrinkage", "chao_shen", "nsb", "bayes")

# named concentrations of the Dirichlet prior (infomeasure's names included)
_ALPHA_VALUES = {"jeffreys": 0.5, "jeffrey": 0.5, "laplace": 1.0}
_ALPHA_RULES = {"sch-grass": "inverse_alphabet", "min-max": "sqrt_n_over_alphabet"}

# joint alphabets are passed to the core as float64: exact up to 2**53
_MAX_ALPHABET = 2**53


@dataclass(frozen=True)
class DiscreteRequest:
    """One discrete estimate, validated: the estimator, the concentration of
    ``"bayes"`` (a number, or a rule of the alphabet size), the log base and
    the threads."""

    estimator: str
    alpha: float | None
    alpha_rule: str | None
    ln_base: float
    n_threads: int | None


@dataclass(frozen=True)
class _Term:
    vars: tuple[int, ...]
    alphabet: float | None
    name: str


_PARAMS = """estimator : str, default="plugin"
        One of ``infoflux.discrete.ESTIMATORS`` (see the table below).
        Every entropy of the combination is estimated by it.
    base : float, default=math.e
        Logarithm base of the result: e for nats, 2 for bits.
    alphabet_size : int, sequence of int or None, default=None
        Number of possible symbols (rows) of each variable{which}: one int
        for all, or one per variable. The alphabet of a joint symbol is the
        product of its parts'. Read by ``"nsb"``, ``"shrinkage"`` and
        ``"bayes"`` (unseen symbols count there); with the others it is only
        checked. None: the number of distinct symbols observed. A variable
        with more distinct symbols than its alphabet is an error.
    alpha : float or str, optional
        Dirichlet concentration of ``estimator="bayes"`` (required there,
        refused elsewhere): a number >= 0, or ``"jeffreys"`` (0.5),
        ``"laplace"`` (1), ``"sch-grass"`` (1/K, Schürmann & Grassberger)
        or ``"min-max"`` (sqrt(N)/K), K being each entropy's alphabet.
    n_threads : int or None, default=None
        Threads for the counting (None or 0: all cores, negative as in
        joblib). Results are bitwise identical for every thread count.

    Estimators (N samples, n_i the count of symbol i, K_obs symbols seen, K
    the alphabet size, ψ the digamma function):

    ======================  ======================================================
    ``"plugin"``            maximum likelihood, -Σ (n_i/N) ln(n_i/N)
    ``"miller_madow"``      plug-in + (K_obs - 1)/(2N)  (Miller 1955)
    ``"grassberger"``       ln N - (1/N) Σ n_i G(n_i), G(n) = ψ(n) + ½(-1)^n
                            (ψ((n+1)/2) - ψ(n/2))  (Grassberger 2003)
    ``"grassberger1988"``   the same with G(n) = ψ(n) + (-1)^n/(n+1), as
                            infomeasure computes its ``"grassberger"``
    ``"shrinkage"``         plug-in of λ/K + (1-λ) n_i/N, James-Stein λ
                            (Hausser & Strimmer 2009)
    ``"chao_shen"``         -Σ C p_i ln(C p_i) / (1 - (1 - C p_i)^N), coverage
                            C = 1 - f_1/N  (Chao & Shen 2003)
    ``"nsb"``               posterior mean under the NSB prior (Nemenman, Shafee &
                            Bialek 2002), by numerical integration over β
    ``"bayes"``             plug-in of the Dirichlet posterior mean
                            p_i = (n_i + α)/(N + Kα), unseen symbols included
    ======================  ======================================================"""


def _params(which: str = "") -> str:
    return _PARAMS.replace("{which}", which)


_REFERENCES = """G. A. Miller, "Note on the bias of information estimates" (1955).
    P. Grassberger, "Entropy estimates from insufficient samplings",
    arXiv:physics/0307138 (2003; revised 2008).
    J. Hausser, K. Strimmer, "Entropy inference and the James-Stein estimator",
    J. Mach. Learn. Res. 10, 1469 (2009).
    A. Chao, T.-J. Shen, "Nonparametric estimation of Shannon's index of
    diversity when there are unseen species in sample", Environ. Ecol. Stat.
    10, 429 (2003).
    I. Nemenman, F. Shafee, W. Bialek, "Entropy and inference, revisited",
    NIPS 14 (2002)."""


# --- validation ------------------------------------------------------------------


def _request(estimator: Any, alpha: Any, base: Any, n_threads: Any) -> DiscreteRequest:
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise ValueError(f"estimator: must be one of {', '.join(repr(e) for e in ESTIMATORS)}; got {estimator!r}")
    value, rule = None, None
    if estimator == "bayes":
        if alpha is None:
            raise ValueError(
                "alpha: estimator='bayes' needs a Dirichlet concentration "
                "(a number >= 0, 'jeffreys', 'laplace', 'sch-grass' or 'min-max')"
            )
        if isinstance(alpha, str):
            if alpha in _ALPHA_VALUES:
                value = _ALPHA_VALUES[alpha]
            elif alpha in _ALPHA_RULES:
                rule = _ALPHA_RULES[alpha]
            else:
                raise ValueError(
                    f"alpha: expected a number >= 0, 'jeffreys', 'laplace', 'sch-grass' or 'min-max'; got {alpha!r}"
                )
        elif isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real):
            raise TypeError(f"alpha: expected a number or a name, got {type(alpha).__name__}")
        else:
            value = float(alpha)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"alpha: must be a finite number >= 0, got {alpha!r}")
    elif alpha is not None:
        raise ValueError(f"alpha: only estimator='bayes' takes a concentration (estimator={estimator!r})")
    return DiscreteRequest(estimator, value, rule, log_base(base), check_threads(n_threads))


def _codes(obj: Any, name: str, n: int | None = None) -> Codes:
    """The symbols of one variable as a C-contiguous int64 (n, d) array.

    Integers and booleans are used as they are; floats must hold integer
    values (NaN and fractions are refused); any other labels (strings,
    objects) are replaced, column by column, by their rank among the
    distinct labels of that column."""
    if obj is None:
        raise TypeError(f"{name}: expected an array of symbols, got None")
    a = to_numpy(obj, name)
    if a.ndim == 0:
        raise ValueError(f"{name}: expected a 1-D array of samples or a 2-D (n_samples, n_columns) array, got a scalar")
    check_layout(tuple(a.shape), name, n=n, columns="n_columns")
    if a.ndim == 1:
        a = a[:, None]
    kind = a.dtype.kind
    if kind == "c":
        raise TypeError(f"{name}: complex numbers are not symbols; pass integer codes or labels")
    if kind == "b" or (kind in "iu" and (kind == "i" or a.dtype.itemsize < 8)):
        return np.ascontiguousarray(a, dtype=np.int64)
    if kind == "u":  # uint64: values above 2**63 - 1 would wrap
        if a.max() <= np.iinfo(np.int64).max:
            return np.ascontiguousarray(a, dtype=np.int64)
        return _ranks(a)
    if kind == "f":
        bad = ~np.isfinite(a)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise ValueError(
                f"{name}: contains NaN or infinity (first at row {r}, column {c}); discrete data need symbols"
            )
        frac = a != np.round(a)
        if frac.any():
            r, c = np.argwhere(frac)[0]
            raise ValueError(
                f"{name}: float values that are not integers (first {a[r, c]!r} at row {r}, column {c}); "
                "discrete estimators take integer codes or labels: round or bin the data first"
            )
        if np.abs(a).max() < 2.0**63:
            return np.ascontiguousarray(a, dtype=np.int64)
        return _ranks(a)
    return _ranks(a, name)


def _ranks(a: npt.NDArray[Any], name: str = "") -> Codes:
    """Each column's labels replaced by their rank among its distinct labels."""
    out = np.empty(a.shape, dtype=np.int64)
    for j in range(a.shape[1]):
        col = a[:, j]
        if col.dtype == object:
            for i, v in enumerate(col):
                if isinstance(v, float) and math.isnan(v):
                    raise ValueError(f"{name}: contains NaN (first at row {i}, column {j}); discrete data need symbols")
            try:
                _, inv = np.unique(col, return_inverse=True)
            except TypeError:  # labels that do not sort together: number them in order of appearance
                seen: dict[Any, int] = {}
                try:
                    inv = np.fromiter((seen.setdefault(v, len(seen)) for v in col), dtype=np.int64, count=len(col))
                except TypeError as exc:
                    raise TypeError(f"{name}: labels must be hashable ({exc})") from None
        else:
            _, inv = np.unique(col, return_inverse=True)
        out[:, j] = inv.reshape(-1)
    return out


def _alphabets(alphabet_size: Any, names: Sequence[str]) -> list[int] | None:
    """One alphabet size per variable, or None."""
    if alphabet_size is None:
        return None
    if isinstance(alphabet_size, numbers.Integral) or isinstance(alphabet_size, (bool, np.bool_)):
        k = check_int(alphabet_size, "alphabet_size", low=1)
        return [k] * len(names)
    if isinstance(alphabet_size, np.ndarray) and alphabet_size.ndim == 1:
        alphabet_size = alphabet_size.tolist()
    if isinstance(alphabet_size, str) or not isinstance(alphabet_size, Sequence):
        raise TypeError(
            f"alphabet_size: expected an integer or a sequence of integers, got {type(alphabet_size).__name__}"
        )
    if len(alphabet_size) != len(names):
        raise ValueError(
            f"alphabet_size: expected one value per variable ({', '.join(names)}), got {len(alphabet_size)}"
        )
    return [check_int(k, "alphabet_size", low=1) for k in alphabet_size]


def _joint(alphabets: list[int] | None, parts: Sequence[tuple[int, int]], name: str) -> float | None:
    """The alphabet of a joint symbol made of ``power`` copies of each
    ``(variable, power)`` part: the product of the parts' alphabets."""
    if alphabets is None:
        return None
    k = 1
    for v, power in parts:
        k *= alphabets[v] ** power
    if k > _MAX_ALPHABET:
        raise ValueError(f"alphabet_size: the joint alphabet of {name} ({k} symbols) exceeds 2**53")
    return float(k)


def _term(ks: list[int] | None, members: tuple[int, ...], parts: Sequence[tuple[int, int]], label: str) -> _Term:
    """The entropy of the joint symbol of the variables ``members``, whose alphabet is that
    of ``parts`` (see :func:`_joint`); ``label`` names it in messages."""
    return _Term(members, _joint(ks, parts, label), label)


def _entropies(req: DiscreteRequest, variables: Sequence[Codes], terms: Sequence[_Term]) -> npt.NDArray[np.float64]:
    """The entropy of each term in nats, computed in the Rust core."""
    out: npt.NDArray[np.float64] = _core.discrete_entropies(
        variables=list(variables),
        terms=[(list(t.vars), t.alphabet, t.name) for t in terms],
        estimator=req.estimator,
        alpha=req.alpha,
        alpha_rule=req.alpha_rule,
        n_threads=req.n_threads,
    )
    return out


def _in_base(value: float, req: DiscreteRequest) -> float:
    # a combination that is 0 up to rounding can come out as -0.0
    return float(value / req.ln_base) + 0.0


# --- public functions ------------------------------------------------------------


@_docs.fill(params=_params(" (of a row of x)"), references=_REFERENCES)
def entropy(
    x: ArrayLike,
    *,
    estimator: str = "plugin",
    base: float = math.e,
    alphabet_size: int | None = None,
    alpha: float | str | None = None,
    n_threads: int | None = None,
) -> float:
    """Entropy H(X) of discrete data.

    The estimator named by ``estimator`` applied to the counts n_i of the
    distinct symbols of ``x`` (rows of a 2-D ``x``); plug-in:

        H = -Σ_i (n_i/N) ln(n_i/N)   (nats).

    A sample with a single symbol has entropy 0 (the Grassberger estimators
    return their small-sample correction instead).

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, n_columns)
        Integer codes or hashable labels.
    {params}

    Returns
    -------
    float
        The estimate in units of ``base``.

    References
    ----------
    {references}

    Examples
    --------
    >>> import infoflux
    >>> x = [0, 1, 2, 3] * 250                      # uniform on 4 symbols
    >>> round(infoflux.discrete.entropy(x, base=2), 6)
    2.0
    >>> round(infoflux.discrete.entropy([0, 0, 1, 2], estimator="miller_madow"), 4)
    1.2897
    """
    req = _request(estimator, alpha, base, n_threads)
    h = _group_entropies(req, [x], ["x"], alphabet_size, [(0,)])
    return _in_base(float(h[0]), req)


def _group_entropies(
    req: DiscreteRequest,
    objs: Sequence[ArrayLike],
    names: Sequence[str],
    alphabet_size: Any,
    groups: Sequence[Sequence[int]],
) -> npt.NDArray[np.float64]:
    """The entropy of each group of the variables ``objs`` (named ``names``,
    read in order, each with the samples of the first), in nats."""
    codes = [_codes(objs[0], names[0])]
    codes += [_codes(obj, name, n=codes[0].shape[0]) for obj, name in zip(objs[1:], names[1:])]
    ks = _alphabets(alphabet_size, names)
    terms = []
    for g in groups:
        label = names[g[0]] if len(g) == 1 else "(" + ", ".join(names[i] for i in g) + ")"
        terms.append(_term(ks, tuple(g), [(i, 1) for i in g], label))
    return _entropies(req, codes, terms)


@_docs.fill(params=_params(" (of a row of x, y)"), references=_REFERENCES)
def mutual_info(
    x: ArrayLike,
    y: ArrayLike,
    *,
    estimator: str = "plugin",
    base: float = math.e,
    alphabet_size: int | Sequence[int] | None = None,
    alpha: float | str | None = None,
    n_threads: int | None = None,
) -> float:
    """Mutual information I(X;Y) of discrete data.

    A combination of joint entropies under one estimator,

        I(X;Y) = H(X) + H(Y) - H(X,Y)   (nats),

    as infomeasure and the R package ``entropy`` compute it. The plug-in
    value is the empirical mutual information Σ p(x,y) ln[p(x,y)/(p(x)p(y))];
    bias-corrected estimators can give small negative values for independent
    variables (no clipping).

    Parameters
    ----------
    x, y : array-like of shape (n_samples,) or (n_samples, n_columns)
        Integer codes or hashable labels, one row per sample.
    {params}

    Returns
    -------
    float
        The estimate in units of ``base``.

    References
    ----------
    {references}

    Examples
    --------
    >>> import numpy as np, infoflux
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 100_000)
    >>> y = x ^ (rng.random(100_000) < 0.1)         # binary symmetric channel, flip 0.1
    >>> round(infoflux.discrete.mutual_info(x, y, base=2), 2)   # 1 - h(0.1) = 0.531
    0.53
    """
    req = _request(estimator, alpha, base, n_threads)
    h = _group_entropies(req, [x, y], ["x", "y"], alphabet_size, [(0,), (1,), (0, 1)])
    return _in_base(float(h[0] + h[1] - h[2]), req)


@_docs.fill(params=_params(" (of a row of x, y, z)"), references=_REFERENCES)
def conditional_mutual_info(
    x: ArrayLike,
    y: ArrayLike,
    z: ArrayLike,
    *,
    estimator: str = "plugin",
    base: float = math.e,
    alphabet_size: int | Sequence[int] | None = None,
    alpha: float | str | None = None,
    n_threads: int | None = None,
) -> float:
    """Conditional mutual information I(X;Y|Z) of discrete data.

    A combination of joint entropies under one estimator,

        I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(Z) - H(X,Y,Z)   (nats).

    Parameters
    ----------
    x, y, z : array-like of shape (n_samples,) or (n_samples, n_columns)
        Integer codes or hashable labels, one row per sample.
    {params}

    Returns
    -------
    float
        The estimate in units of ``base``.

    References
    ----------
    {references}

    Examples
    --------
    >>> import numpy as np, infoflux
    >>> z = np.array([0, 1] * 5000)
    >>> x = np.array([0, 0, 1, 1] * 2500)
    >>> y = x ^ z                                   # x xor z: I(x;y) = 0, I(x;y|z) = ln 2
    >>> round(infoflux.discrete.mutual_info(x, y), 6), round(infoflux.discrete.conditional_mutual_info(x, y, z), 6)
    (0.0, 0.693147)
    """
    req = _request(estimator, alpha, base, n_threads)
    h = _group_entropies(req, [x, y, z], ["x", "y", "z"], alphabet_size, [(0, 2), (1, 2), (2,), (0, 1, 2)])
    return _in_base(float(h[0] + h[1] - h[2] - h[3]), req)


# --- transfer entropy and active information storage --------------------------------


def _series(obj: Any, name: str) -> list[Codes]:
    """The trials of a series: a list or tuple of arrays is several trials
    (labels ranked over all of them together), anything else one."""
    if (
        isinstance(obj, (list, tuple))
        and obj
        and all(isinstance(t, np.ndarray) or hasattr(t, "__dlpack__") for t in obj)
    ):
        trials = [to_numpy(t, f"{name}[{i}]") for i, t in enumerate(obj)]
        for i, t in enumerate(trials):
            if t.ndim not in (1, 2):
                raise ValueError(f"{name}[{i}]: expected a 1-D or 2-D array, got {t.ndim}-D")
        two_d = [t if t.ndim == 2 else t[:, None] for t in trials]
        widths = {t.shape[1] for t in two_d}
        if len(widths) != 1:
            raise ValueError(f"{name}: every trial needs the same number of columns")
        lengths = [t.shape[0] for t in two_d]
        if min(lengths) == 0:
            raise ValueError(f"{name}[{lengths.index(0)}]: is empty (no samples)")
        allc = _codes(np.concatenate(two_d, axis=0), name)
        return np.split(allc, np.cumsum(lengths)[:-1])
    return [_codes(obj, name)]


def _embedding(
    lengths: Sequence[int],
    history: Any,
    history_delay: Any,
    source_history: Any,
    source_delay: Any,
    lag: Any,
    n_cond: int,
    condition_history: Any,
    condition_delay: Any,
    condition_lag: Any,
) -> Embedding:
    args = EmbeddingArgs(
        history, history_delay, source_history, source_delay, lag, condition_history, condition_delay, condition_lag
    )
    emb = embedding_of(args, lambda value, name, low: per_condition(value, name, n_cond, low))
    if sum(emb.rows(t) for t in lengths) == 0:
        raise ValueError(
            f"history/lag: the embedding needs series longer than {emb.first_index + 1} samples "
            f"(its first usable index is {emb.first_index}); got lengths {list(lengths)}"
        )
    return emb


def _concat(blocks: list[Any], axis: int) -> Any:
    return np.concatenate(blocks, axis=axis)


@_docs.fill(params=_params(" (of a sample of source, target and each condition column)"), references=_REFERENCES)
def transfer_entropy(
    source: ArrayLike,
    target: ArrayLike,
    *,
    history: int = 1,
    history_delay: int = 1,
    source_history: int = 1,
    source_delay: int = 1,
    lag: int = 1,
    conditions: ArrayLike | None = None,
    condition_history: int | Sequence[int] = 1,
    condition_delay: int | Sequence[int] = 1,
    condition_lag: int | Sequence[int] = 1,
    estimator: str = "plugin",
    base: float = math.e,
    alphabet_size: int | Sequence[int] | None = None,
    alpha: float | str | None = None,
    n_threads: int | None = None,
) -> float:
    """Transfer entropy from ``source`` to ``target`` for discrete series.

    TE(X→Y) = I(X_past ; Y_next | Y_past [, conditions]) with the embedding
    of ``infoflux.transfer_entropy`` (Schreiber 2000; JIDT's k, k_tau, l,
    l_tau, u): for each time n = s, ..., T-2,

        Y_past = (y_n, y_(n-k_tau), ..., y_(n-(k-1) k_tau))
        Y_next =  y_(n+1)
        X_past = (x_(n+1-u), x_(n+1-u-l_tau), ..., x_(n+1-u-(l-1) l_tau))

    and the conditional mutual information as a combination of joint
    entropies under one estimator:

        TE = H(X_past, Y_past) + H(Y_next, Y_past) - H(Y_past) - H(X_past, Y_next, Y_past)   (nats).

    Parameters
    ----------
    source, target : array-like of shape (n_samples,) or (n_samples, n_columns)
        Integer codes or hashable labels; a list of arrays is several trials
        (pooled, no row crossing a trial boundary).
    history, history_delay : int, default=1
        Target embedding length k and delay k_tau.
    source_history, source_delay : int, default=1
        Source embedding length l and delay l_tau.
    lag : int, default=1
        Source-target lag u >= 1.
    conditions : array-like of shape (n_samples, n_conditions), optional
        Conditioning series (conditional TE), one per column, each embedded
        with its own ``condition_history`` m, ``condition_delay`` tau and
        ``condition_lag`` w >= 0 (w = 0: simultaneous with the target's next).
    {params}

    Returns
    -------
    float
        The estimate in units of ``base``.

    References
    ----------
    T. Schreiber, "Measuring information transfer", Phys. Rev. Lett. 85, 461 (2000).
    {references}

    Examples
    --------
    >>> import numpy as np, infoflux
    >>> rng = np.random.default_rng(1)
    >>> x = rng.integers(0, 2, 100_000)
    >>> y = np.roll(x, 1)                           # y copies x one step later
    >>> round(infoflux.discrete.transfer_entropy(x, y, base=2), 3)
    1.0
    >>> round(infoflux.discrete.transfer_entropy(y, x, base=2), 3)
    0.0
    """
    req = _request(estimator, alpha, base, n_threads)
    src, tgt = _series(source, "source"), _series(target, "target")
    check_trials(src, tgt)
    cond = None if conditions is None else _series(conditions, "conditions")
    n_cond = 0
    if cond is not None:
        check_condition_trials(cond, tgt)
        n_cond = cond[0].shape[1]
    emb = _embedding(
        [b.shape[0] for b in tgt],
        history,
        history_delay,
        source_history,
        source_delay,
        lag,
        n_cond,
        condition_history,
        condition_delay,
        condition_lag,
    )
    names = ["source", "target"] + [f"conditions[:, {j}]" for j in range(n_cond)]
    ks = _alphabets(alphabet_size, names)
    xp, yn, zp, _ = embed(src, tgt, cond, emb, _concat)
    xp, yn, zp = (np.ascontiguousarray(a) for a in (xp, yn, zp))
    # the past of target and conditions: k target samples, m_c of condition c
    z_parts = [(1, emb.history)] + [(2 + j, m) for j, m in enumerate(emb.condition_history)]
    x_part, y_part = (0, emb.source_history), (1, 1)
    # the raw series come first so a too-small alphabet is reported for them
    raw = [np.concatenate(src), np.concatenate(tgt)] + (
        [] if cond is None else [np.ascontiguousarray(np.concatenate(cond)[:, [j]]) for j in range(n_cond)]
    )
    checks = [_term(ks, (3 + i,), [(i, 1)], names[i]) for i in range(len(raw))]
    terms = [
        *checks,
        _term(ks, (0, 2), [x_part, *z_parts], "(source past, target past)"),
        _term(ks, (1, 2), [y_part, *z_parts], "(target next, target past)"),
        _term(ks, (2,), z_parts, "the target past"),
        _term(ks, (0, 1, 2), [x_part, y_part, *z_parts], "the joint embedding"),
    ]
    h = _entropies(req, [xp, yn, zp, *raw], terms)[len(checks) :]
    return _in_base(float(h[0] + h[1] - h[2] - h[3]), req)


@_docs.fill(params=_params(" (of a sample of x)"), references=_REFERENCES)
def active_information_storage(
    x: ArrayLike,
    *,
    history: int = 1,
    history_delay: int = 1,
    estimator: str = "plugin",
    base: float = math.e,
    alphabet_size: int | None = None,
    alpha: float | str | None = None,
    n_threads: int | None = None,
) -> float:
    """Active information storage of a discrete series.

    A(X) = I(X_past ; X_next) with X_past = (x_n, x_(n-tau), ...,
    x_(n-(k-1) tau)) and X_next = x_(n+1), for n = (k-1) tau, ..., T-2
    (Lizier, Prokopenko & Zomaya 2012; the target embedding of
    :func:`transfer_entropy`), as a combination of entropies under one
    estimator:

        A = H(X_past) + H(X_next) - H(X_past, X_next)   (nats).

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, n_columns)
        Integer codes or hashable labels; a list of arrays is several trials.
    history, history_delay : int, default=1
        Embedding length k and delay tau.
    {params}

    Returns
    -------
    float
        The estimate in units of ``base``.

    References
    ----------
    J. T. Lizier, M. Prokopenko, A. Y. Zomaya, "Local measures of information
    storage in complex distributed computation", Inf. Sci. 208, 39 (2012).
    {references}

    Examples
    --------
    >>> import infoflux
    >>> x = [0, 1] * 5000                           # fully predictable from its past
    >>> round(infoflux.discrete.active_information_storage(x, base=2), 6)
    1.0
    """
    req = _request(estimator, alpha, base, n_threads)
    series = _series(x, "x")
    emb = _embedding([t.shape[0] for t in series], history, history_delay, 1, 1, 1, 0, 1, 1, 0)
    ks = _alphabets(alphabet_size, ["x"])
    _, nxt, past, _ = embed(series, series, None, emb, _concat)
    past, nxt = np.ascontiguousarray(past), np.ascontiguousarray(nxt)
    terms = [
        _term(ks, (2,), [(0, 1)], "x"),
        _term(ks, (0,), [(0, emb.history)], "the past of x"),
        _term(ks, (1,), [(0, 1)], "the next sample of x"),
        _term(ks, (0, 1), [(0, emb.history + 1)], "(past, next) of x"),
    ]
    h = _entropies(req, [past, nxt, np.concatenate(series)], terms)[1:]
    return _in_base(float(h[0] + h[1] - h[2]), req)
