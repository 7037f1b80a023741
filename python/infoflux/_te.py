"""Transfer entropy with the KSG estimator: single pairs, conditional TE,
surrogate significance tests and all-pairs networks.

The embedding (which samples form each vector) is built here with NumPy
indexing; the neighbour searches run in the Rust core.
"""

from __future__ import annotations

import math
import numbers
import sys
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from infoflux import _core, _dispatch
from infoflux._validation import (
    as_samples,
    check_algorithm,
    check_int,
    check_noise,
    check_threads,
    log_base,
    preprocess,
)

ArrayLike = Any


@dataclass(frozen=True)
class Embedding:
    """Embedding parameters, JIDT's (k, k_tau, l, l_tau, u) plus conditions."""

    history: int = 1
    history_delay: int = 1
    source_history: int = 1
    source_delay: int = 1
    lag: int = 1
    condition_history: Tuple[int, ...] = ()
    condition_delay: Tuple[int, ...] = ()
    condition_lag: Tuple[int, ...] = ()

    @property
    def first_index(self) -> int:
        """s: the first time index n whose vectors are complete."""
        s = max((self.history - 1) * self.history_delay, (self.source_history - 1) * self.source_delay + self.lag - 1)
        for m, tau, w in zip(self.condition_history, self.condition_delay, self.condition_lag):
            s = max(s, (m - 1) * tau + w - 1)
        return s


def _trials(obj: Any, name: str) -> List[np.ndarray]:
    """One array per trial. A list or tuple of arrays (NumPy or DLPack) is
    several trials; anything else (including a nested list of numbers) is a
    single array."""
    if isinstance(obj, (list, tuple)) and obj and all(
        isinstance(t, np.ndarray) or hasattr(t, "__dlpack__") for t in obj
    ):
        return [as_samples(t, f"{name}[{i}]") for i, t in enumerate(obj)]
    return [as_samples(obj, name)]


def _per_condition(value: Any, name: str, n_cond: int, low: int) -> Tuple[int, ...]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        vals = [value] * n_cond
    else:
        vals = list(value)
        if len(vals) != n_cond:
            raise ValueError(f"{name}: expected one value per condition column ({n_cond}), got {len(vals)}")
    return tuple(check_int(v, name, low=low) for v in vals)


def _embed_columns(series: np.ndarray, rows: range, offsets: Sequence[int]) -> np.ndarray:
    """Columns series[rows + o] for each offset o, all dimensions of each.

    The rows are consecutive, so each offset is a slice: a single one is
    returned as a view (preprocessing copies it), not gathered."""
    cols = [series[rows.start + o : rows.stop + o] for o in offsets]
    return cols[0] if len(cols) == 1 else np.concatenate(cols, axis=1)


def _stack(blocks: List[np.ndarray], axis: int = 0) -> np.ndarray:
    return blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=axis)


def embed(
    source: List[np.ndarray],
    target: List[np.ndarray],
    conditions: Optional[List[np.ndarray]],
    emb: Embedding,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, List[int]]:
    """Embedded blocks (X source past, Y target next, Z target past +
    conditions), pooled over trials, and the number of rows of each trial.

    For each trial of length T, rows n = s, ..., T-2 with
    s = max((k-1) k_tau, (l-1) l_tau + u - 1, (m_c-1) tau_c + w_c - 1):

        target past  = [y_n, y_(n-k_tau), ..., y_(n-(k-1) k_tau)]
        target next  =  y_(n+1)
        source past  = [x_(n+1-u), x_(n+1-u-l_tau), ..., x_(n+1-u-(l-1) l_tau)]
        condition c  = [c_(n+1-w), c_(n+1-w-tau), ..., c_(n+1-w-(m-1) tau)]
    """
    s = emb.first_index
    xs, ys, zs, lengths = [], [], [], []
    for t, (x, y) in enumerate(zip(source, target)):
        T = y.shape[0]
        rows = range(s, max(s, T - 1))
        lengths.append(len(rows))
        if len(rows) == 0:
            continue
        xs.append(_embed_columns(x, rows, [1 - emb.lag - j * emb.source_delay for j in range(emb.source_history)]))
        ys.append(_embed_columns(y, rows, [1]))
        z = [_embed_columns(y, rows, [-j * emb.history_delay for j in range(emb.history)])]
        if conditions is not None:
            c = conditions[t]
            for col, (m, tau, w) in enumerate(zip(emb.condition_history, emb.condition_delay, emb.condition_lag)):
                z.append(_embed_columns(c[:, col : col + 1], rows, [1 - w - j * tau for j in range(m)]))
        zs.append(_stack(z, axis=1))
    if not xs:
        return np.empty((0, 1)), np.empty((0, 1)), np.empty((0, 1)), lengths
    return _stack(xs), _stack(ys), _stack(zs), lengths


def _prepare(
    source: ArrayLike,
    target: ArrayLike,
    conditions: Optional[ArrayLike],
    *,
    k: int,
    history: int,
    history_delay: int,
    source_history: int,
    source_delay: int,
    lag: int,
    condition_history: Any,
    condition_delay: Any,
    condition_lag: Any,
    exclude: int,
) -> Tuple[List[np.ndarray], List[np.ndarray], Optional[List[np.ndarray]], Embedding, int]:
    src = _trials(source, "source")
    tgt = _trials(target, "target")
    if len(src) != len(tgt):
        raise ValueError(f"source and target: {len(src)} source trials but {len(tgt)} target trials")
    for i, (a, b) in enumerate(zip(src, tgt)):
        if a.shape[0] != b.shape[0]:
            where = f" in trial {i}" if len(src) > 1 else ""
            raise ValueError(f"source and target: series of different lengths{where} ({a.shape[0]} vs {b.shape[0]})")
    cond = None
    n_cond = 0
    if conditions is not None:
        cond = _trials(conditions, "conditions")
        if len(cond) != len(tgt):
            raise ValueError(f"conditions: {len(cond)} trials but the target has {len(tgt)}")
        for i, (c, b) in enumerate(zip(cond, tgt)):
            if c.shape[0] != b.shape[0]:
                raise ValueError(f"conditions: length {c.shape[0]} differs from the target's {b.shape[0]}")
        n_cond = cond[0].shape[1]
        if any(c.shape[1] != n_cond for c in cond):
            raise ValueError("conditions: every trial needs the same number of condition columns")
    emb, k, _ = check_embedding([b.shape[0] for b in tgt], n_cond, k=k, history=history,
                                history_delay=history_delay, source_history=source_history,
                                source_delay=source_delay, lag=lag, condition_history=condition_history,
                                condition_delay=condition_delay, condition_lag=condition_lag, exclude=exclude)
    return src, tgt, cond, emb, k


def check_embedding(lengths: Sequence[int], n_cond: int, *, k: Any, history: Any, history_delay: Any,
                    source_history: Any, source_delay: Any, lag: Any, condition_history: Any,
                    condition_delay: Any, condition_lag: Any, exclude: Any) -> Tuple[Embedding, int, int]:
    """Validate the embedding for trials of the given lengths and
    ``n_cond`` condition columns; return (embedding, k, exclude). Shared by
    the CPU and GPU paths."""
    emb = Embedding(
        history=check_int(history, "history", low=1),
        history_delay=check_int(history_delay, "history_delay", low=1),
        source_history=check_int(source_history, "source_history", low=1),
        source_delay=check_int(source_delay, "source_delay", low=1),
        lag=check_int(lag, "lag", low=1),
        condition_history=_per_condition(condition_history, "condition_history", n_cond, 1),
        condition_delay=_per_condition(condition_delay, "condition_delay", n_cond, 1),
        condition_lag=_per_condition(condition_lag, "condition_lag", n_cond, 0),
    )
    exclude = check_int(exclude, "exclude", low=0)
    n_rows = sum(max(0, T - emb.first_index - 1) for T in lengths)
    k = check_int(k, "k", low=1)
    # a Theiler window removes up to 2*exclude candidates per point
    need = k + 1 + 2 * exclude
    if n_rows < need:
        raise ValueError(
            f"history/lag: the embedding (first usable index {emb.first_index}) leaves {n_rows} samples, "
            f"fewer than the {need} needed for k={k}" + (f" and exclude={exclude}" if exclude else "")
        )
    return emb, k, exclude


_TE_DOC_PARAMS = """
    k : int, default=4
        Neighbours in the joint space (JIDT's default is 4).
    history, history_delay : int, default=1
        Target embedding length k and delay k_tau.
    source_history, source_delay : int, default=1
        Source embedding length l and delay l_tau.
    lag : int, default=1
        Source-target lag u >= 1: the newest source sample is u steps before
        the predicted target sample (JIDT's ``DELAY``).
    algorithm : {1, 2}, default=1
        KSG algorithm of the conditional-MI estimate.
    conditions : array-like of shape (n_samples, n_conditions), optional
        Conditioning processes (conditional TE), one per column, each
        embedded with its own ``condition_history`` m, ``condition_delay``
        tau and ``condition_lag`` w (ints, or one value per column;
        w >= 0, w = 0 meaning the sample simultaneous with the target's next).
    exclude : int, default=0
        Theiler window (dynamic correlation exclusion): rows whose time
        indices differ by at most ``exclude`` within a trial are never
        neighbours.
    base : float, default=math.e
        Logarithm base of the result (e: nats, 2: bits).
    normalize : bool, default=True
        Scale each *embedded* column to zero mean and unit sample variance
        (ddof=1) before the search, as JIDT does.
    noise : float, default=1e-8
        Gaussian noise (relative to each column's std) added after
        normalisation to break ties; 0 disables it.
    seed : int, numpy.random.Generator or None, default=0
        Seed of the noise (and of the surrogates); the default makes calls
        reproducible.
    n_threads : int or None, default=None
        Threads (None: all cores). Results do not depend on it."""


def _te_blocks(src, tgt, cond, emb, normalize, noise, seed):
    X, Y, Z, lengths = embed(src, tgt, cond, emb)
    X, Y, Z = preprocess([X, Y, Z], normalize, check_noise(noise), seed)
    return X, Y, Z, lengths


def transfer_entropy(
    source: ArrayLike,
    target: ArrayLike,
    *,
    k: int = 4,
    history: int = 1,
    history_delay: int = 1,
    source_history: int = 1,
    source_delay: int = 1,
    lag: int = 1,
    algorithm: int = 1,
    conditions: Optional[ArrayLike] = None,
    condition_history: Union[int, Sequence[int]] = 1,
    condition_delay: Union[int, Sequence[int]] = 1,
    condition_lag: Union[int, Sequence[int]] = 1,
    exclude: int = 0,
    base: float = math.e,
    local: bool = False,
    normalize: bool = True,
    noise: float = 1e-8,
    seed: Any = 0,
    n_threads: Optional[int] = None,
) -> Union[float, np.ndarray]:
    """Transfer entropy from ``source`` to ``target`` by the KSG estimator.

    TE(X→Y) = I(X_past ; Y_next | Y_past [, conditions]), estimated as one
    conditional mutual information with a single neighbour search in the full
    joint space (Frenzel-Pompe form; algorithm 1):

        TE = ψ(k) - <ψ(n_xz + 1) + ψ(n_yz + 1) - ψ(n_z + 1)>,

    as JIDT's ``TransferEntropyCalculatorKraskov`` and
    ``ConditionalTransferEntropyCalculatorKraskov`` compute it.

    Embedding (series indexed from 0, length T): for n = s, s+1, ..., T-2
    (T - s - 1 samples) with s = max((k-1) k_tau, (l-1) l_tau + u - 1)::

        target past  = [y_n, y_(n-k_tau), ..., y_(n-(k-1) k_tau)]
        target next  =  y_(n+1)
        source past  = [x_(n+1-u), x_(n+1-u-l_tau), ..., x_(n+1-u-(l-1) l_tau)]

    With k = l = u = 1 the samples are (x_n, y_(n+1), y_n), n = 0 ... T-2.
    Several trials (lists of arrays) are embedded separately and pooled.

    Parameters
    ----------
    source, target : array-like of shape (n_samples,) or (n_samples, n_dims), or a list of them (trials)
        The two series, keyword-free and in this order: information flows
        from the first to the second. Everything after them is keyword-only,
        so the direction cannot be swapped silently.
    {params}
    local : bool, default=False
        Return the local TE of every embedded sample instead of the mean.

    Returns
    -------
    float or ndarray
        The estimate in units of ``base``, or local values (pooled rows).

    References
    ----------
    T. Schreiber, "Measuring information transfer", Phys. Rev. Lett. 85, 461
    (2000); S. Frenzel, B. Pompe, Phys. Rev. Lett. 99, 204101 (2007);
    J. T. Lizier, "JIDT", Front. Robot. AI 1, 11 (2014).

    Examples
    --------
    >>> import numpy as np, infoflux
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(10_000)
    >>> y = np.zeros(10_000)
    >>> for t in range(1, 10_000):
    ...     y[t] = 0.5 * y[t - 1] + 0.5 * x[t - 1] + rng.standard_normal()
    >>> te_xy = infoflux.transfer_entropy(x, y)    # true value 0.5 ln(1.25) = 0.112
    >>> te_yx = infoflux.transfer_entropy(y, x)    # true value 0
    >>> bool(te_xy > 0.08 and abs(te_yx) < 0.02)
    True
    """
    gpu = _dispatch.backend_for(*[a for a in (source, target, conditions) if a is not None and not isinstance(a, (list, tuple))])
    kw = dict(k=k, history=history, history_delay=history_delay, source_history=source_history,
              source_delay=source_delay, lag=lag, condition_history=condition_history,
              condition_delay=condition_delay, condition_lag=condition_lag, exclude=exclude)
    if gpu is not None:
        return gpu.transfer_entropy(source, target, algorithm=algorithm, conditions=conditions, base=base,
                                    local=local, normalize=normalize, noise=noise, seed=seed, **kw)
    src, tgt, cond, emb, k = _prepare(source, target, conditions, **kw)
    alg = check_algorithm(algorithm)
    ln_base = log_base(base)
    X, Y, Z, lengths = _te_blocks(src, tgt, cond, emb, normalize, noise, seed)
    threads = check_threads(n_threads)
    if not local:
        # the same reduction as networks and surrogate tests use, so a network
        # entry equals the single call bit for bit
        est, _ = _core.te_many([X], Y, Z, k, alg, exclude, lengths, 0, "permutation", 0, 0, threads)
        return float(est[0]) / ln_base
    values = _core.te_local(X, Y, Z, k, alg, exclude, lengths, threads)
    return values / ln_base if ln_base != 1.0 else values


@dataclass
class Significance:
    """Result of a surrogate test.

    Attributes
    ----------
    estimate : float
        The observed transfer entropy (units of ``base``).
    p_value : float
        (#(surrogate >= estimate) + 1) / (n_surrogates + 1).
    surrogates : ndarray of shape (n_surrogates,)
        The surrogate estimates (same units).
    method : str
        The surrogate method used.
    """

    estimate: float
    p_value: float
    surrogates: np.ndarray
    method: str


def _surrogate_seed(seed: Any) -> int:
    # an independent stream from the noise's: entropy spawned from the same seed
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63))
    ss = np.random.SeedSequence(seed) if not isinstance(seed, np.random.SeedSequence) else seed
    return int(np.random.SeedSequence(ss.entropy, spawn_key=(0x5E, 0x1F)).generate_state(1, np.uint64)[0])


def _check_method(method: Any, block_size: Any, lengths: List[int]) -> Tuple[str, int]:
    if method not in ("permutation", "time_shift", "block"):
        raise ValueError(f"method: must be 'permutation', 'time_shift' or 'block', got {method!r}")
    if method != "block":
        return method, 0
    if block_size is None:
        block_size = max(1, int(round(math.sqrt(min(lengths)))))
    return method, check_int(block_size, "block_size", low=1)


def transfer_entropy_significance(
    source: ArrayLike,
    target: ArrayLike,
    *,
    n_surrogates: int = 100,
    method: str = "permutation",
    block_size: Optional[int] = None,
    k: int = 4,
    history: int = 1,
    history_delay: int = 1,
    source_history: int = 1,
    source_delay: int = 1,
    lag: int = 1,
    algorithm: int = 1,
    conditions: Optional[ArrayLike] = None,
    condition_history: Union[int, Sequence[int]] = 1,
    condition_delay: Union[int, Sequence[int]] = 1,
    condition_lag: Union[int, Sequence[int]] = 1,
    exclude: int = 0,
    base: float = math.e,
    normalize: bool = True,
    noise: float = 1e-8,
    seed: Any = 0,
    n_threads: Optional[int] = None,
) -> Significance:
    """Transfer entropy with a surrogate significance test.

    The estimate is :func:`transfer_entropy`; each surrogate recomputes it
    with the embedded source-past vectors reordered so that any relation to
    the target is destroyed, while everything on the target side stays:

    - ``"permutation"``: a random permutation of the source-past vectors
      over all rows (JIDT's ``computeSignificance``);
    - ``"time_shift"``: a circular shift of the source rows by a random
      offset in [T/10, T - T/10] within each trial (keeps the source's own
      dynamics);
    - ``"block"``: the source rows cut into blocks of ``block_size`` (default
      sqrt(T)) and the blocks reordered within each trial.

    p = (#(surrogate >= observed) + 1) / (n_surrogates + 1), so p is never 0
    and is uniform under the null. Surrogates run in parallel; surrogate i
    draws its reordering from its own stream derived from ``seed``, so the
    same seed gives the same p-value for any number of threads.

    Parameters
    ----------
    source, target : as in :func:`transfer_entropy`
    n_surrogates : int, default=100
    method : {"permutation", "time_shift", "block"}, default="permutation"
    block_size : int, optional
    {params}

    Returns
    -------
    Significance
        ``estimate``, ``p_value``, ``surrogates``, ``method``.

    References
    ----------
    J. T. Lizier, "JIDT", Front. Robot. AI 1, 11 (2014); M. Lindner,
    R. Vicente, V. Priesemann, M. Wibral, "TRENTOOL", BMC Neurosci. 12, 119
    (2011).

    Examples
    --------
    >>> import numpy as np, infoflux
    >>> rng = np.random.default_rng(1)
    >>> x = rng.standard_normal(2_000)
    >>> y = np.roll(x, 1) + 0.5 * rng.standard_normal(2_000)
    >>> res = infoflux.transfer_entropy_significance(x, y, n_surrogates=99)
    >>> res.p_value
    0.01
    """
    kw = dict(k=k, history=history, history_delay=history_delay, source_history=source_history,
              source_delay=source_delay, lag=lag, condition_history=condition_history,
              condition_delay=condition_delay, condition_lag=condition_lag, exclude=exclude)
    gpu = _dispatch.backend_for(*[a for a in (source, target, conditions) if a is not None and not isinstance(a, (list, tuple))])
    if gpu is not None:
        return gpu.transfer_entropy_significance(source, target, n_surrogates=n_surrogates, method=method,
                                                 block_size=block_size, algorithm=algorithm, conditions=conditions,
                                                 base=base, normalize=normalize, noise=noise, seed=seed, **kw)
    src, tgt, cond, emb, k = _prepare(source, target, conditions, **kw)
    alg = check_algorithm(algorithm)
    ln_base = log_base(base)
    S = check_int(n_surrogates, "n_surrogates", low=1)
    X, Y, Z, lengths = _te_blocks(src, tgt, cond, emb, normalize, noise, seed)
    method, bs = _check_method(method, block_size, lengths)
    est, surr = _core.te_many([X], Y, Z, k, alg, exclude, lengths, S, method, bs, _surrogate_seed(seed), check_threads(n_threads))
    est, surr = float(est[0]) / ln_base, surr[0] / ln_base
    p = (np.count_nonzero(surr >= est) + 1) / (S + 1)
    return Significance(estimate=est, p_value=float(p), surrogates=surr, method=method)


@dataclass
class TENetwork:
    """All-pairs transfer entropy.

    Attributes
    ----------
    values : ndarray of shape (p, p)
        values[i, j] = TE from column i to column j; NaN on the diagonal.
    p_values : ndarray of shape (p, p) or None
        Surrogate p-values (None without surrogates).
    surrogates : ndarray of shape (p, p, n_surrogates) or None
    """

    values: np.ndarray
    p_values: Optional[np.ndarray]
    surrogates: Optional[np.ndarray]

    def significant(self, alpha: float = 0.05) -> np.ndarray:
        """Boolean (p, p) matrix of links with p-value <= alpha (no multiple-
        comparison correction: apply your own, e.g. Bonferroni alpha / p(p-1))."""
        if self.p_values is None:
            raise ValueError("significant: the network was computed without surrogates (n_surrogates=0)")
        out = self.p_values <= alpha
        np.fill_diagonal(out, False)
        return out


def conditioning_columns(conditioning: Any, p: int, condition_history: Any, condition_delay: Any,
                         condition_lag: Any) -> Optional[List[int]]:
    """Validate a network's ``conditioning`` and condition embedding; return
    the candidate conditioning columns (None for pairwise TE). Shared by the
    CPU and GPU networks."""
    for name, v in (("condition_history", condition_history), ("condition_delay", condition_delay),
                    ("condition_lag", condition_lag)):
        check_int(v, name, low=0 if name == "condition_lag" else 1)
    if conditioning is None:
        return None
    if isinstance(conditioning, str):
        if conditioning != "all":
            raise ValueError(f"conditioning: must be None, 'all' or a sequence of column indices, got {conditioning!r}")
        return list(range(p))
    cols = [check_int(c, "conditioning", low=0, high=p - 1) for c in conditioning]
    if len(set(cols)) != len(cols):
        raise ValueError("conditioning: repeated column index")
    return cols


def _progress(progress: Any, total: int) -> Callable[[int], None]:
    if progress is None or progress is False:
        return lambda done: None
    if callable(progress):
        return lambda done: progress(done, total)
    if progress is True:
        try:
            from tqdm.auto import tqdm  # optional
        except ImportError:
            def report(done: int) -> None:
                print(f"\rinfoflux: {done}/{total} pairs", end="\n" if done == total else "", file=sys.stderr, flush=True)
            return report
        bar = tqdm(total=total, desc="transfer entropy", unit="pair")

        def update(done: int) -> None:
            bar.update(done - bar.n)
            if done == total:
                bar.close()
        return update
    raise TypeError(f"progress: expected None, a bool or a callable(done, total), got {type(progress).__name__}")


def transfer_entropy_matrix(
    X: ArrayLike,
    *,
    conditioning: Union[None, str, Sequence[int]] = None,
    n_surrogates: int = 0,
    method: str = "permutation",
    block_size: Optional[int] = None,
    progress: Any = None,
    k: int = 4,
    history: int = 1,
    history_delay: int = 1,
    source_history: int = 1,
    source_delay: int = 1,
    lag: int = 1,
    algorithm: int = 1,
    condition_history: int = 1,
    condition_delay: int = 1,
    condition_lag: int = 1,
    exclude: int = 0,
    base: float = math.e,
    normalize: bool = True,
    noise: float = 1e-8,
    seed: Any = 0,
    n_threads: Optional[int] = None,
) -> TENetwork:
    """Transfer entropy between every ordered pair of columns of ``X``.

    Entry (i, j) is ``transfer_entropy(X[:, i], X[:, j], ...)`` with the same
    keywords (identical numbers: the noise of each pair is drawn as a single
    call would draw it), optionally conditioned on other columns:

    - ``conditioning=None``: pairwise TE;
    - ``conditioning="all"``: TE i→j conditioned on every other column
      (each embedded with ``condition_history``/``condition_delay``/
      ``condition_lag``);
    - a sequence of column indices: conditioned on those columns (minus i and j).

    With ``n_surrogates > 0`` each pair gets a surrogate test as in
    :func:`transfer_entropy_significance`. Everything on a target's side of
    the estimate is built once and shared by all its sources and
    surrogates; sources and surrogates run in parallel.

    Parameters
    ----------
    X : array-like of shape (n_samples, p), or a list of them (trials)
    conditioning : None, "all" or sequence of int, default=None
    n_surrogates : int, default=0
    method, block_size : as in :func:`transfer_entropy_significance`
    progress : None, True or callable(done, total), default=None
        True shows a tqdm bar if tqdm is installed (else a line on stderr);
        a callable is called after each batch with the pairs done so far.
    {params}

    Returns
    -------
    TENetwork
        ``values`` (p, p), ``p_values`` and ``surrogates`` (None without
        surrogates); ``.significant(alpha)`` gives the links.

    References
    ----------
    Schreiber (2000); Lizier, JIDT (2014); P. Wollstadt et al., "IDTxl",
    J. Open Source Softw. 4, 1081 (2019).

    Examples
    --------
    >>> import numpy as np, infoflux
    >>> rng = np.random.default_rng(2)
    >>> X = rng.standard_normal((3_000, 3))
    >>> X[1:, 1] += 0.8 * X[:-1, 0]                  # 0 drives 1
    >>> net = infoflux.transfer_entropy_matrix(X, n_surrogates=19)
    >>> bool(net.significant(0.05)[0, 1]) and not bool(net.significant(0.05)[1, 0])
    True
    """
    gpu = None if isinstance(X, (list, tuple)) else _dispatch.backend_for(X)
    if gpu is not None:
        return gpu.transfer_entropy_matrix(
            X, conditioning=conditioning, n_surrogates=n_surrogates, method=method, block_size=block_size,
            progress=progress, k=k, history=history, history_delay=history_delay, source_history=source_history,
            source_delay=source_delay, lag=lag, algorithm=algorithm, condition_history=condition_history,
            condition_delay=condition_delay, condition_lag=condition_lag, exclude=exclude, base=base,
            normalize=normalize, noise=noise, seed=seed)
    trials = _trials(X, "X")
    p = trials[0].shape[1]
    if any(t.shape[1] != p for t in trials):
        raise ValueError("X: every trial needs the same number of columns")
    if p < 2:
        raise ValueError(f"X: needs at least 2 columns, got {p}")
    cond_cols = conditioning_columns(conditioning, p, condition_history, condition_delay, condition_lag)
    S = check_int(n_surrogates, "n_surrogates", low=0)
    alg = check_algorithm(algorithm)
    ln_base = log_base(base)
    threads = check_threads(n_threads)
    sseed = _surrogate_seed(seed)
    values = np.full((p, p), np.nan)
    pvals = np.full((p, p), np.nan) if S else None
    surr_all = np.full((p, p, S), np.nan) if S else None
    total = p * (p - 1)
    report = _progress(progress, total)
    done = 0
    kw = dict(k=k, history=history, history_delay=history_delay, source_history=source_history,
              source_delay=source_delay, lag=lag, exclude=exclude)

    def col(j: int) -> List[np.ndarray]:
        return [t[:, j] for t in trials]

    for j in range(p):
        sources = [i for i in range(p) if i != j]
        if cond_cols is None:
            groups = [sources]  # one shared target side for all sources
        else:
            groups = [[i] for i in sources]
        for grp in groups:
            xs = []
            Y = Z = lengths = None
            for i in grp:
                conds = None
                ccols = []
                if cond_cols is not None:
                    ccols = [c for c in cond_cols if c not in (i, j)]
                    if ccols:
                        conds = [t[:, ccols] for t in trials]
                src, tgt, cnd, emb, kk = _prepare(col(i), col(j), conds, condition_history=condition_history,
                                                  condition_delay=condition_delay, condition_lag=condition_lag, **kw)
                Xi, Yi, Zi, lengths = _te_blocks(src, tgt, cnd, emb, normalize, noise, seed)
                xs.append(Xi)
                Y, Z = Yi, Zi  # identical for every source of this group
            est, surr = _core.te_many(xs, Y, Z, kk, alg, exclude, lengths, S,
                                      *_check_method(method, block_size, lengths),
                                      (sseed + 1_000_003 * j) % 2**64, threads)
            for r, i in enumerate(grp):
                values[i, j] = est[r] / ln_base
                if S:
                    surr_all[i, j] = surr[r] / ln_base
                    pvals[i, j] = (np.count_nonzero(surr[r] >= est[r]) + 1) / (S + 1)
            done += len(grp)
            report(done)
    return TENetwork(values=values, p_values=pvals, surrogates=surr_all)


for _f in (transfer_entropy, transfer_entropy_significance, transfer_entropy_matrix):
    _f.__doc__ = _f.__doc__.replace("{params}", _TE_DOC_PARAMS.strip("\n").lstrip())
