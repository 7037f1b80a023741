"""Transfer entropy with the KSG estimator: single pairs, conditional TE,
surrogate significance tests and all-pairs networks.

One pipeline serves all three public functions: the arguments are
validated and the seed resolved once into a request
(``infoflux._requests.TERequest``); the backend of the arrays' device
(``infoflux._dispatch``) embeds and preprocesses each pair
(``infoflux._embedding``) and runs the neighbour searches; the p-values and
result types are those of ``infoflux._results``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from infoflux import _backend_rust, _dispatch, _docs
from infoflux._embedding import (
    Embedding,
    EmbeddingArgs,
    check_condition_trials,
    check_embedding,
    check_exclude,
    check_method,
    check_trials,
    conditioning_columns,
)
from infoflux._executors import check_executor, run_tasks
from infoflux._progress import reporter
from infoflux._requests import Blocks, Preprocessing, TERequest
from infoflux._results import Significance, TENetwork, p_value
from infoflux._seeds import noise_seed, resolve_seed, surrogate_seed, target_seed
from infoflux._validation import (
    check_algorithm,
    check_flag,
    check_int,
    check_noise,
    check_normalize,
    check_threads,
    log_base,
)

ArrayLike = Any

__all__ = ["Significance", "TENetwork", "transfer_entropy", "transfer_entropy_matrix", "transfer_entropy_significance"]

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
        normalisation to break ties; 0 disables it. With ``noise=0``, samples
        whose k-th neighbour in the joint space is at distance zero (exact
        ties) make the estimate undefined: the raw estimator's value is
        returned, as JIDT does, with a ``RuntimeWarning`` counting them.
    {seed}
    n_threads : int or None, default=None
        Threads (None or 0: all cores, negative as in joblib: -1 all, -2 all
        but one; an integer in [-(2**63 - 1), 2**63 - 1]), for the
        preprocessing and the searches alike. Results do not depend on it."""


def _params() -> str:
    text = _TE_DOC_PARAMS.replace("{seed}", _docs.SEED.format(surrogates=" and the surrogates"))
    return text.strip("\n").lstrip()


def _request(
    chosen: _dispatch.Selection,
    *,
    k: int,
    algorithm: Any,
    exclude: int,
    base: Any,
    local: Any,
    normalize: Any,
    noise: Any,
    n_surrogates: int,
    method: Any,
    block_size: Any,
    seed: Any,
    n_threads: Any,
) -> TERequest:
    """The request of a call, its seed resolved (a Generator drawn from)
    once, after every other argument has been checked."""
    alg = check_algorithm(algorithm)
    ln_base = log_base(base)
    meth, bs = check_method(method, block_size)
    norm, level, threads = check_normalize(normalize), check_noise(noise), check_threads(n_threads)
    seq = resolve_seed(seed)
    return TERequest(
        k=k,
        algorithm=alg,
        exclude=exclude,
        ln_base=ln_base,
        local=check_flag(local, "local"),
        prep=Preprocessing(norm, level, noise_seed(seq)),
        n_surrogates=n_surrogates,
        method=meth,
        block_size=bs,
        surrogate_seed=surrogate_seed(seq) if n_surrogates else None,
        n_threads=threads,
        dtype=chosen.dtype or "float64",
        tile_size=chosen.tile_size,
        batch_size=chosen.batch_size,
    )


def _given(obj: Any, name: str) -> Any:
    """A required series: None is refused here (the backends read None as an
    absent optional series)."""
    if obj is None:
        raise TypeError(f"{name}: expected an array or a list of arrays (trials), got None")
    return obj


def _same_width(trials: Sequence[Any], name: str) -> None:
    """Every trial of a series needs the columns of the first."""
    width = trials[0].shape[1]
    for i, t in enumerate(trials):
        if t.shape[1] != width:
            raise ValueError(
                f"{name}: every trial needs the same number of columns, "
                f"but trial 0 has {width} and trial {i} has {t.shape[1]}"
            )


def _pair(
    chosen: _dispatch.Selection,
    source: ArrayLike,
    target: ArrayLike,
    conditions: ArrayLike | None,
    args: EmbeddingArgs,
    k: Any,
    exclude: int,
) -> tuple[list[Any], list[Any], list[Any] | None, Embedding, int]:
    """The trials of one pair in the backend's form, checked against each
    other, and the validated embedding and k."""
    src, tgt, cond = chosen.backend.series(
        [_given(source, "source"), _given(target, "target"), conditions], ["source", "target", "conditions"]
    )
    assert src is not None and tgt is not None  # only a None input gives None
    _same_width(src, "source")
    _same_width(tgt, "target")
    check_trials(src, tgt)
    n_cond = 0
    if cond is not None:
        check_condition_trials(cond, tgt)
        _same_width(cond, "conditions")
        n_cond = cond[0].shape[1]
    emb, k = check_embedding([b.shape[0] for b in tgt], n_cond, args, k=k, exclude=exclude)
    return src, tgt, cond, emb, k


def _device_arrays(*objs: Any) -> list[Any]:
    # lists of trials are read on the host (the array-API backend takes one
    # trial per call), so only plain arrays choose the backend
    return [a for a in objs if a is not None and not isinstance(a, (list, tuple))]


@_docs.fill(params=_params())
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
    conditions: ArrayLike | None = None,
    condition_history: int | Sequence[int] = 1,
    condition_delay: int | Sequence[int] = 1,
    condition_lag: int | Sequence[int] = 1,
    exclude: int = 0,
    base: float = math.e,
    local: bool = False,
    normalize: bool = True,
    noise: float = 1e-8,
    seed: Any = 0,
    n_threads: int | None = None,
) -> float | np.ndarray:
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
    chosen = _dispatch.select(*_device_arrays(source, target, conditions))
    args = EmbeddingArgs(
        history, history_delay, source_history, source_delay, lag, condition_history, condition_delay, condition_lag
    )
    exclude = check_exclude(exclude)
    src, tgt, cond, emb, k = _pair(chosen, source, target, conditions, args, k, exclude)
    req = _request(
        chosen,
        k=k,
        algorithm=algorithm,
        exclude=exclude,
        base=base,
        local=local,
        normalize=normalize,
        noise=noise,
        n_surrogates=0,
        method="permutation",
        block_size=None,
        seed=seed,
        n_threads=n_threads,
    )
    blocks: Blocks = chosen.backend.te_blocks(req, emb, src, tgt, cond)
    return chosen.backend.transfer_entropy(req, blocks)  # type: ignore[no-any-return]


@_docs.fill(params=_params())
def transfer_entropy_significance(
    source: ArrayLike,
    target: ArrayLike,
    *,
    n_surrogates: int = 100,
    method: str = "permutation",
    block_size: int | None = None,
    k: int = 4,
    history: int = 1,
    history_delay: int = 1,
    source_history: int = 1,
    source_delay: int = 1,
    lag: int = 1,
    algorithm: int = 1,
    conditions: ArrayLike | None = None,
    condition_history: int | Sequence[int] = 1,
    condition_delay: int | Sequence[int] = 1,
    condition_lag: int | Sequence[int] = 1,
    exclude: int = 0,
    base: float = math.e,
    normalize: bool = True,
    noise: float = 1e-8,
    seed: Any = 0,
    n_threads: int | None = None,
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
    chosen = _dispatch.select(*_device_arrays(source, target, conditions))
    args = EmbeddingArgs(
        history, history_delay, source_history, source_delay, lag, condition_history, condition_delay, condition_lag
    )
    exclude = check_exclude(exclude)
    src, tgt, cond, emb, k = _pair(chosen, source, target, conditions, args, k, exclude)
    S = check_int(n_surrogates, "n_surrogates", low=1)
    req = _request(
        chosen,
        k=k,
        algorithm=algorithm,
        exclude=exclude,
        base=base,
        local=False,
        normalize=normalize,
        noise=noise,
        n_surrogates=S,
        method=method,
        block_size=block_size,
        seed=seed,
        n_threads=n_threads,
    )
    b: Blocks = chosen.backend.te_blocks(req, emb, src, tgt, cond)
    est, surr = chosen.backend.te_sources(req, [b.x], b.y, b.z, b.lengths, req.surrogate_seed)
    estimate, surrogates = float(est[0]) / req.ln_base, surr[0] / req.ln_base
    return Significance(
        estimate=estimate, p_value=p_value(estimate, surrogates), surrogates=surrogates, method=req.method
    )


@_docs.fill(params=_params())
def transfer_entropy_matrix(
    X: ArrayLike,
    *,
    conditioning: str | Sequence[int] | None = None,
    n_surrogates: int = 0,
    method: str = "permutation",
    block_size: int | None = None,
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
    n_threads: int | None = None,
    executor: Any = None,
) -> TENetwork:
    """Transfer entropy between every ordered pair of columns of ``X``.

    Entry (i, j) is ``transfer_entropy(X[:, i], X[:, j], ...)`` with the same
    keywords, bit for bit (the noise of each pair is drawn as a single call
    would draw it; with a Generator as ``seed``, the single call given the
    integer drawn from it), optionally conditioned on other columns:

    - ``conditioning=None``: pairwise TE;
    - ``conditioning="all"``: TE i→j conditioned on every other column
      (each embedded with ``condition_history``/``condition_delay``/
      ``condition_lag``);
    - a sequence of column indices: conditioned on those columns (minus i and j).

    With ``n_surrogates > 0`` each pair gets a surrogate test as in
    :func:`transfer_entropy_significance`; the surrogates of target column j
    are drawn from their own streams, so only those of target 0 equal the
    single test's (given the same seed). Everything on a target's side of
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
        a callable is called after each batch with the pairs done so far
        (with an executor, as each target column finishes).
    executor : concurrent.futures.Executor or distributed.Client, optional
        Computes one task per target column there: any executor (a
        ``ProcessPoolExecutor`` created with the "spawn" or "forkserver"
        context, ``mpi4py.futures.MPIPoolExecutor``, Dask's
        ``Client.get_executor()``), or a ``distributed.Client`` directly,
        which gets the data scattered to every worker once. Each task uses
        ``n_threads`` threads on its worker. The result is identical to the
        call without an executor, bit for bit; a failing task raises
        ``infoflux.network.TargetFailedError`` naming its target column.
        Host (NumPy) arrays only.
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
    chosen = _dispatch.select(*_device_arrays(X))
    (trials,) = chosen.backend.series([_given(X, "X")], ["X"])
    assert trials is not None  # only a None input gives None
    _same_width(trials, "X")
    p = trials[0].shape[1]
    if p < 2:
        raise ValueError(f"X: needs at least 2 columns, got {p}")
    args = EmbeddingArgs(
        history, history_delay, source_history, source_delay, lag, condition_history, condition_delay, condition_lag
    )
    cond_cols = conditioning_columns(conditioning, p, args)
    exclude = check_exclude(exclude)
    S = check_int(n_surrogates, "n_surrogates", low=0)
    req = _request(
        chosen,
        k=check_int(k, "k", low=1),
        algorithm=algorithm,
        exclude=exclude,
        base=base,
        local=False,
        normalize=normalize,
        noise=noise,
        n_surrogates=S,
        method=method,
        block_size=block_size,
        seed=seed,
        n_threads=n_threads,
    )
    values = np.full((p, p), np.nan)
    pvals = np.full((p, p), np.nan) if S else None
    try:
        surr_all = np.full((p, p, S), np.nan) if S else None
    except (MemoryError, ValueError):  # ValueError: beyond NumPy's largest array
        raise ValueError(
            f"n_surrogates: {S} surrogates for each of the {p}x{p} pairs need "
            f"{p * p * S * 8 / 2**30:.3g} GiB for the result alone, more than can be allocated"
        ) from None
    report = reporter(progress, p * (p - 1))
    done = 0
    if executor is not None:
        check_executor(executor)
        if chosen.backend is not _backend_rust:
            raise ValueError("executor: arrays on a GPU (the array-API backend) are computed in this process only")
        # every pair's embedding is checked here, so that no task fails on it
        inside = set() if cond_cols is None else set(cond_cols)
        n_conds = {len(inside - {i, j}) for i in range(p) for j in range(p) if i != j}
        for n_cond in sorted(n_conds):
            check_embedding([t.shape[0] for t in trials], n_cond, args, k=req.k, exclude=exclude)

    def group_done(n: int) -> None:
        nonlocal done
        done += n
        report(done)

    def target_done(col: tuple[int, Any, Any]) -> None:
        j, est, surr = col
        for i in range(p):
            if i == j:
                continue
            values[i, j] = est[i] / req.ln_base
            if surr_all is not None and pvals is not None:
                surr_all[i, j] = surr[i] / req.ln_base
                pvals[i, j] = p_value(est[i], surr[i])
        if executor is not None:
            group_done(p - 1)

    task = _matrix_column
    if executor is None:
        task = functools.partial(_matrix_column, backend=chosen.backend, on_group=group_done)
    tasks = [(j, (req, args, cond_cols, exclude, j)) for j in range(p)]
    run_tasks(task, trials, tasks, executor, target_done, what="target column", wrap_local=False)
    return TENetwork(values=values, p_values=pvals, surrogates=surr_all)


def _matrix_column(
    trials: Sequence[Any],
    req: TERequest,
    args: EmbeddingArgs,
    cond_cols: Sequence[int] | None,
    exclude: int,
    j: int,
    backend: Any = None,
    on_group: Any = None,
) -> tuple[int, Any, Any]:
    """The TE of every source into target column ``j`` of the network, in
    nats, with the surrogates: (j, estimates (p,), surrogates (p, S) or
    None), entry j unset. One task of :func:`transfer_entropy_matrix`: the
    same numbers in this process and on any worker (``backend`` None: the
    Rust backend); ``on_group(n)`` is called as each group of ``n`` sources
    finishes."""
    b_end = _backend_rust if backend is None else backend
    p = trials[0].shape[1]
    est_col = np.full(p, np.nan)
    surr_col = np.full((p, req.n_surrogates), np.nan) if req.n_surrogates else None

    def column(c: int) -> list[Any]:
        return [t[:, c : c + 1] for t in trials]

    sources = [i for i in range(p) if i != j]
    # pairwise: one shared target side for all sources; conditioned: the
    # target side depends on the source (its conditions exclude it)
    groups = [sources] if cond_cols is None else [[i] for i in sources]
    for grp in groups:
        xs = []
        for i in grp:
            ccols = [] if cond_cols is None else [c for c in cond_cols if c not in (i, j)]
            conds = [b_end.columns(t, ccols) for t in trials] if ccols else None
            emb, _kk = check_embedding([t.shape[0] for t in trials], len(ccols), args, k=req.k, exclude=exclude)
            b: Blocks = b_end.te_blocks(req, emb, column(i), column(j), conds)
            xs.append(b.x)  # b.y, b.z, b.lengths: identical for every source of the group
        seed_j = None if req.surrogate_seed is None else target_seed(req.surrogate_seed, j)
        est, surr = b_end.te_sources(req, xs, b.y, b.z, b.lengths, seed_j)
        for r, i in enumerate(grp):
            est_col[i] = est[r]
            if surr_col is not None:
                surr_col[i] = surr[r]
        if on_group is not None:
            on_group(len(grp))
    return j, est_col, surr_col
