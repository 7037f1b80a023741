"""The entry point :func:`infer_network`: validation, one task per target
(in this process, on a ``concurrent.futures`` executor or a Dask client),
checkpoints, and the FDR correction across targets."""

from __future__ import annotations

import functools
import hashlib
import json
import math
import numbers
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from infoflux._executors import check_executor, run_tasks
from infoflux._progress import reporter
from infoflux._seeds import noise_seed, resolve_seed
from infoflux._validation import as_samples, check_int, check_k, check_noise, check_normalize, check_threads
from infoflux.network._algorithm import STAGES, Settings, analyse_target, fdr_mask, fdr_thresholds
from infoflux.network._result import NetworkResult, TargetResult, Var

Array = npt.NDArray[np.float64]

ALGORITHMS = ("multivariate_te", "bivariate_te", "multivariate_mi", "bivariate_mi")
PERM_TYPES = ("random", "circular", "block", "local")


def _replications(data: Any) -> Array:
    """(R, T, P) float64 from a (T, P) array, an (R, T, P) array or a list of (T, P) arrays."""
    if isinstance(data, (list, tuple)) and data and all(isinstance(t, np.ndarray) for t in data):
        trials = [as_samples(t, f"data[{i}]") for i, t in enumerate(data)]
    else:
        try:
            a = np.asarray(data)
        except (TypeError, ValueError) as e:
            raise ValueError(f"data: not an array of samples ({e})") from None
        if a.ndim == 3:
            trials = [as_samples(a[i], f"data[{i}]") for i in range(a.shape[0])]
            if not trials:
                raise ValueError("data: no replications")
        elif a.ndim == 2:
            trials = [as_samples(a, "data")]
        else:
            raise ValueError(
                f"data: expected (samples, processes), (replications, samples, processes) or a list of "
                f"(samples, processes) arrays, got {a.ndim}-D with shape {a.shape}"
            )
    T, P = trials[0].shape
    for i, t in enumerate(trials):
        if t.shape[0] != T:
            raise ValueError(
                f"data: replications of unequal length ({T} samples in data[0], {t.shape[0]} in data[{i}])"
            )
        if t.shape[1] != P:
            raise ValueError(
                f"data: replications with different numbers of processes ({P} vs {t.shape[1]} in data[{i}])"
            )
    if P < 2:
        raise ValueError(f"data: needs at least 2 processes (columns), got {P}")
    return np.ascontiguousarray(np.stack(trials))


def _alpha(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a number in (0, 1), got {type(value).__name__}")
    v = float(value)
    if not 0.0 < v < 1.0:
        raise ValueError(f"{name}: must be in (0, 1), got {value!r}")
    return v


def _n_perm(value: Any, name: str, alpha: float, alpha_name: str) -> int:
    n = check_int(value, name, low=1)
    if not 1.0 / n < alpha:
        raise ValueError(
            f"{name}: {n} permutations cannot reach {alpha_name}={alpha} (the smallest p-value is 1/{n}); "
            f"use more than {math.ceil(1.0 / alpha)}"
        )
    return n


def _processes(value: Any, name: str, P: int) -> list[int]:
    if value is None:
        return list(range(P))
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name}: expected a sequence of process indices, got {type(value).__name__}")
    out = [check_int(v, name, low=0, high=P - 1) for v in value]
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated process index")
    if not out:
        raise ValueError(f"{name}: empty")
    return out


def _fingerprint(data: Array, s: Settings, sources: dict[int, list[int]]) -> str:
    h = hashlib.sha256()
    h.update(repr(data.shape).encode())
    h.update(np.ascontiguousarray(data).tobytes())
    h.update(json.dumps(s.to_dict(), sort_keys=True).encode())
    h.update(json.dumps(sorted(sources.items())).encode())
    return h.hexdigest()


def _checkpoint_path(directory: str, target: int) -> str:
    return os.path.join(directory, f"target_{target:05d}.json")


def _load_checkpoint(directory: str, target: int, fp: str) -> TargetResult | None:
    path = _checkpoint_path(directory, target)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if d.get("fingerprint") != fp:
        raise ValueError(
            f"checkpoint: {path} holds target {target} of another analysis (other data or settings); "
            "use an empty directory"
        )
    return TargetResult.from_dict(d["result"])


def _save_checkpoint(directory: str, r: TargetResult, fp: str) -> None:
    path = _checkpoint_path(directory, r.target)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"fingerprint": fp, "result": r.to_dict()}, f)
    os.replace(tmp, path)  # atomic: a file is complete or absent


def _run(
    data: Array,
    s: Settings,
    todo: list[int],
    sources: dict[int, list[int]],
    executor: Any,
    done_callback: Any,
    on_stage: Any,
) -> None:
    """Analyse the targets ``todo``, calling ``done_callback(result)`` as each
    finishes; a target analysed in this process also reports its steps to
    ``on_stage(target, step)``."""
    tasks = [(t, (s, t, sources[t])) for t in todo]
    # looked up here, not bound at import, so that a test can replace it
    fn = analyse_target if executor is not None else functools.partial(analyse_target, on_stage=on_stage)
    run_tasks(fn, data, tasks, executor, done_callback)


def _apply_fdr(
    raw: dict[int, TargetResult], alpha: float, constant: int, by_target: bool, n_perm: int
) -> dict[int, TargetResult] | None:
    """The results after the FDR correction, or None when ``n_perm``
    permutations cannot give a p-value below the smallest threshold."""
    targets = sorted(raw)
    if by_target:
        pvals = [1.0 if raw[t].omnibus_p is None or not raw[t].selected_sources else raw[t].omnibus_p for t in targets]
    else:
        pvals = [p for t in targets for p in raw[t].source_p]
    if not pvals or 1.0 / n_perm > fdr_thresholds(len(pvals), alpha, constant)[0]:
        return None
    mask = fdr_mask([float(p) for p in pvals], alpha, constant)  # type: ignore[arg-type]
    if by_target:
        return {
            t: raw[t].restricted(set(raw[t].selected_sources) if m else set(), bool(m)) for t, m in zip(targets, mask)
        }
    entries: list[tuple[int, Var]] = [(t, v) for t in targets for v in raw[t].selected_sources]
    keep: dict[int, set[Var]] = {t: set() for t in targets}
    for (t, v), m in zip(entries, mask):
        if m:
            keep[t].add(v)
    return {t: raw[t].restricted(keep[t], bool(keep[t])) for t in targets}


def infer_network(
    data: Any,
    *,
    algorithm: str = "multivariate_te",
    max_lag_sources: int,
    min_lag_sources: int = 1,
    max_lag_target: int | None = None,
    tau_sources: int = 1,
    tau_target: int = 1,
    targets: Sequence[int] | None = None,
    sources: Sequence[int] | None = None,
    k: int = 4,
    n_perm_max_stat: int = 200,
    n_perm_min_stat: int = 500,
    n_perm_omnibus: int = 500,
    n_perm_max_seq: int = 500,
    alpha_max_stat: float = 0.05,
    alpha_min_stat: float = 0.05,
    alpha_omnibus: float = 0.05,
    alpha_max_seq: float = 0.05,
    fdr_correction: bool = True,
    alpha_fdr: float = 0.05,
    fdr_constant: int = 2,
    correct_by_target: bool = True,
    permute_in_time: bool | None = None,
    perm_type: str = "random",
    perm_max_shift: int | None = None,
    perm_block_size: int | None = None,
    perm_range: int | None = None,
    normalize: bool = True,
    noise: float = 1e-8,
    seed: Any = 0,
    n_threads: int | None = None,
    progress: Any = None,
    executor: Any = None,
    checkpoint: str | os.PathLike[str] | None = None,
    engine: str = "exact",
) -> NetworkResult:
    """Directed network inference by multivariate (or bivariate) transfer
    entropy or mutual information, IDTxl's greedy algorithm.

    For each target process, with candidates the past variables
    (process, lag) of the target and of the sources:

    1. *Target past* (TE algorithms): greedy selection among the target's
       lags 1, 1 + tau_target, ... <= ``max_lag_target``. In each round
       every remaining candidate's I(candidate; current value | selected)
       is estimated; the largest is tested against the maxima over the
       candidates of ``n_perm_max_stat`` surrogate rounds (the maximum
       statistic) and enters while p < ``alpha_max_stat``. When none enters,
       lag 1 is added untested (a TE needs the target's past).
    2. *Sources*: the same over the sources' lags ``min_lag_sources``,
       + tau_sources, ... <= ``max_lag_sources``, conditioning on the target
       past and the sources selected so far (bivariate: each source
       process on its own, conditioning on the target past and that
       source's own selected variables).
    3. *Pruning* (minimum statistic): the selected source variable of the
       smallest I(v; current | all other selected variables) is tested
       against the minima over candidates of ``n_perm_min_stat`` surrogate
       rounds and removed while p >= ``alpha_min_stat``.
    4. *Omnibus test*: I(all selected sources; current | target past)
       against ``n_perm_omnibus`` surrogates that reorder all source columns
       together; when p >= ``alpha_omnibus`` no source is kept.
    5. *Sequential maximum statistic*: each selected variable's
       I(v; current | every other selected variable) in descending order,
       the r-th largest against the r-th largest surrogates of each of
       ``n_perm_max_seq`` rounds, until the first that fails
       ``alpha_max_seq``. The survivors are the target's sources, with these
       values and p-values.
    6. *FDR* across targets (``fdr_correction``): on the omnibus p-values
       (``correct_by_target=True``, a target that fails loses all its
       sources) or on every selected variable's p-value. As in IDTxl, when
       the permutations of those tests cannot give a p-value below the
       smallest threshold (1/n_perm > alpha_fdr / (n c)), the results are
       returned uncorrected with a warning (``settings["fdr_applied"]`` says
       which happened).

    Every estimate is a Frenzel-Pompe (KSG algorithm 1) conditional MI, in
    nats, on the variables' realisations: rows t = L, ..., T-1 of every
    replication (L the largest lag), pooled. The observed value of
    I(x; current | z) equals ``infoflux.conditional_mutual_info(x, current,
    z, k=k, normalize=normalize, noise=noise, seed=seed)`` on the same
    columns bit for bit (``mutual_info(x, current, ...)`` when z is empty;
    z's columns in selection order, target past first): the noise is the
    same seed's for every estimate. A surrogate equals it with x's
    preprocessed rows reordered (``normalize=False, noise=0`` on the
    preprocessed columns). Surrogates shuffle whole replications when
    there are enough of them (R! > n_perm) and ``permute_in_time`` is not
    True; otherwise they reorder rows in time within each replication:
    ``perm_type="random"`` (a random permutation), ``"circular"`` (a
    circular shift by 1..``perm_max_shift``, default half the rows),
    ``"block"`` (blocks of ``perm_block_size`` rows, default a tenth, in
    random order) or ``"local"`` (random order within consecutive windows of
    ``perm_range`` rows, default 10). Each target draws its reorderings
    from its own stream of ``seed``, so results do not depend on where or
    in which order targets run, nor on ``n_threads``.

    Differences from IDTxl (v1.x): the tests run in the same order with the
    same p-value, ``#(surrogates >= statistic) / n_perm`` (1/n_perm when
    none is), and the same refusal of n_perm with 1/n_perm >= alpha. Time
    permutations act on the embedded rows (IDTxl permutes the raw samples
    and embeds again); the block and local schemes are simplified
    (``perm_range`` bounds no block swap distance). The FDR constant of
    Benjamini-Yekutieli is the exact harmonic sum for any number of tests,
    and the FDR scan over the sorted p-values stops at the first failure.
    In the bivariate algorithms the sequential test runs per source process.
    Unlike JIDT, noise is added once per estimate from ``seed``, so equal
    inputs give equal estimates.

    Parameters
    ----------
    data : array-like (samples, processes), (replications, samples, processes) or list of (samples, processes)
        Replications must have equal lengths.
    algorithm : {"multivariate_te", "bivariate_te", "multivariate_mi", "bivariate_mi"}
    max_lag_sources : int
        Largest source lag (required).
    min_lag_sources : int, default=1
        Smallest source lag (>= 1 for TE, >= 0 for MI).
    max_lag_target : int, optional
        Largest target-past lag (TE; default ``max_lag_sources``); unused by MI.
    tau_sources, tau_target : int, default=1
        Spacing of the candidate lags.
    targets, sources : sequence of int, optional
        Targets to analyse and source processes to consider (default all;
        a target is never its own source).
    k : int, default=4
        Neighbours of the KSG estimator.
    n_perm_max_stat, n_perm_min_stat, n_perm_omnibus, n_perm_max_seq : int
        Surrogate rounds of each test (200, 500, 500, 500).
    alpha_max_stat, alpha_min_stat, alpha_omnibus, alpha_max_seq : float, default=0.05
    fdr_correction : bool, default=True
    alpha_fdr : float, default=0.05
    fdr_constant : {1, 2}, default=2
        2: Benjamini-Yekutieli (any dependence); 1: Benjamini-Hochberg.
    correct_by_target : bool, default=True
    permute_in_time : bool or None, default=None
        None: replications when there are enough, else time; True: always
        time; False: replications, an error if too few.
    perm_type : {"random", "circular", "block", "local"}, default="random"
    perm_max_shift, perm_block_size, perm_range : int, optional
    normalize : bool, default=True
    noise : float, default=1e-8
    seed : int, numpy.random.Generator or None, default=0
        Seed of the noise and of the surrogates (a Generator is drawn from once).
    n_threads : int or None, default=None
        Threads of each estimate (per worker, with an executor).
    progress : None, True or callable(done, total)
        Reported as each target finishes (``done`` the number of targets
        finished, checkpoint included) and, for targets analysed in this
        process, as each of its later steps starts: ``done`` is then the
        targets finished plus 1/5 (sources), 2/5 (pruning), 3/5 (omnibus)
        or 4/5 (sequential test), e.g. 2.4; the bar (True) also names the
        target and the step. The bivariate algorithms select and prune
        source by source, reported as one step (1/5). With an executor,
        only finished targets are reported.
    executor : concurrent.futures.Executor or distributed.Client, optional
        Runs one task per target (a Client gets the data scattered to
        every worker once). Results are identical to the in-process run.
    checkpoint : path, optional
        A directory: each finished target is saved there, and a rerun with
        the same data and settings skips the saved targets.
    engine : {"exact", "fast"}, default="exact"
        Both give the same results, bit for bit: each round's observed
        values go through the public estimators' path, and the surrogates
        of all its candidates through one parallel core call
        (``infoflux._core.cmi_candidates``) that builds the structures of
        (current value, conditioning set) once, shares them with every
        candidate and surrogate, and averages each estimate as NumPy does.
        ("fast" named an engine whose sums differed in the last bits; it is
        kept so that calls naming it keep working.)

    Returns
    -------
    NetworkResult

    Raises
    ------
    TargetFailedError
        When a target's task fails (names the target; finished targets stay
        in the checkpoint directory).

    References
    ----------
    J. T. Lizier, M. Rubinov, "Multivariate construction of effective
    computational networks from observational data", MPI MIS preprint 25
    (2012); L. Faes, G. Nollo, A. Porta, Phys. Rev. E 83, 051112 (2011);
    L. Novelli, P. Wollstadt, P. Mediano, M. Wibral, J. T. Lizier, Netw.
    Neurosci. 3, 827 (2019); P. Wollstadt et al., "IDTxl", J. Open Source
    Softw. 4, 1081 (2019); Y. Benjamini, D. Yekutieli, Ann. Stat. 29, 1165
    (2001).

    Examples
    --------
    >>> import numpy as np
    >>> from infoflux.network import infer_network
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((400, 3))
    >>> X[2:, 1] += 0.8 * X[:-2, 0]                      # 0 drives 1 at lag 2
    >>> res = infer_network(X, max_lag_sources=2, max_lag_target=1, n_perm_max_stat=50, n_perm_min_stat=50,
    ...                     n_perm_omnibus=50, n_perm_max_seq=50, fdr_correction=False)
    >>> res.edges()[0][:3]                               # (source, target, lag)
    (0, 1, 2)
    >>> res.adjacency()
    array([[0, 1, 0],
           [0, 0, 0],
           [0, 0, 0]])
    """
    arr = _replications(data)
    R, T, P = arr.shape
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm: must be one of {', '.join(map(repr, ALGORITHMS))}, got {algorithm!r}")
    is_te = algorithm.endswith("_te")
    max_src = check_int(max_lag_sources, "max_lag_sources", low=1 if is_te else 0)
    min_src = check_int(min_lag_sources, "min_lag_sources", low=1 if is_te else 0)
    if max_src < min_src:
        raise ValueError(f"max_lag_sources: must be >= min_lag_sources ({min_src}), got {max_src}")
    if is_te:
        max_tgt = max_src if max_lag_target is None else check_int(max_lag_target, "max_lag_target", low=1)
        tau_t = check_int(tau_target, "tau_target", low=1)
    else:
        max_tgt, tau_t = 0, 1
    tau_s = check_int(tau_sources, "tau_sources", low=1)
    L = max(max_src, max_tgt)
    if T - L < 1:
        raise ValueError(f"max_lag_sources/max_lag_target: a lag of {L} needs series longer than {L}, got {T} samples")
    k = check_k(k, R * (T - L), shortfall=f"max_lag_sources/max_lag_target: a largest lag of {L} on {T} samples")
    a_max = _alpha(alpha_max_stat, "alpha_max_stat")
    a_min = _alpha(alpha_min_stat, "alpha_min_stat")
    a_omni = _alpha(alpha_omnibus, "alpha_omnibus")
    a_seq = _alpha(alpha_max_seq, "alpha_max_seq")
    a_fdr = _alpha(alpha_fdr, "alpha_fdr")
    n_max = _n_perm(n_perm_max_stat, "n_perm_max_stat", a_max, "alpha_max_stat")
    n_min = _n_perm(n_perm_min_stat, "n_perm_min_stat", a_min, "alpha_min_stat")
    n_omni = _n_perm(n_perm_omnibus, "n_perm_omnibus", a_omni, "alpha_omnibus")
    n_seq = _n_perm(n_perm_max_seq, "n_perm_max_seq", a_seq, "alpha_max_seq")
    if fdr_constant not in (1, 2) or isinstance(fdr_constant, bool):
        raise ValueError(
            f"fdr_constant: must be 1 (Benjamini-Hochberg) or 2 (Benjamini-Yekutieli), got {fdr_constant!r}"
        )
    fdr_on = check_normalize_flag(fdr_correction, "fdr_correction")
    by_target = check_normalize_flag(correct_by_target, "correct_by_target")
    if engine not in ("exact", "fast"):
        raise ValueError(f"engine: must be 'exact' or 'fast', got {engine!r}")
    if perm_type not in PERM_TYPES:
        raise ValueError(f"perm_type: must be one of {', '.join(map(repr, PERM_TYPES))}, got {perm_type!r}")
    rows = T - L
    enough_reps = math.lgamma(R + 1) > math.log(max(n_max, n_min, n_omni, n_seq))
    if permute_in_time is None:
        in_time = not enough_reps
    else:
        in_time = check_normalize_flag(permute_in_time, "permute_in_time")
        if not in_time and not enough_reps:
            raise ValueError(
                f"permute_in_time: False needs more replications ({R}! orders are too few for the permutation counts)"
            )
    max_shift = (
        rows // 2 if perm_max_shift is None else check_int(perm_max_shift, "perm_max_shift", low=1, high=rows - 1)
    )
    max_shift = max(1, max_shift)
    block = max(1, rows // 10) if perm_block_size is None else check_int(perm_block_size, "perm_block_size", low=1)
    prange = 10 if perm_range is None else check_int(perm_range, "perm_range", low=2)
    tgt_list = _processes(targets, "targets", P)
    src_list = _processes(sources, "sources", P)
    src_of = {t: [p for p in src_list if p != t] for t in tgt_list}
    for t in tgt_list:
        if not src_of[t]:
            raise ValueError(f"sources: target {t} has no source other than itself")
    norm = check_normalize(normalize)
    level = check_noise(noise)
    threads = check_threads(n_threads)
    check_executor(executor)
    report = reporter(progress, len(tgt_list), unit="target", desc="network inference")
    seq = resolve_seed(seed)
    s = Settings(
        algorithm=algorithm,
        max_lag_sources=max_src,
        min_lag_sources=min_src,
        max_lag_target=max_tgt,
        tau_sources=tau_s,
        tau_target=tau_t,
        k=k,
        n_perm_max_stat=n_max,
        n_perm_min_stat=n_min,
        n_perm_omnibus=n_omni,
        n_perm_max_seq=n_seq,
        alpha_max_stat=a_max,
        alpha_min_stat=a_min,
        alpha_omnibus=a_omni,
        alpha_max_seq=a_seq,
        permute_in_time=in_time,
        perm_type=perm_type,
        perm_max_shift=max_shift,
        perm_block_size=block,
        perm_range=prange,
        normalize=norm,
        noise=level,
        noise_seed=noise_seed(seq),
        perm_entropy=_perm_entropy(seq),
        n_threads=threads,
        engine=engine,
    )
    if checkpoint is not None and seed is None:
        raise ValueError("checkpoint: a resumable run needs a fixed seed (an int or a Generator), got seed=None")
    raw: dict[int, TargetResult] = {}
    fp = ""
    ckdir: str | None = None
    if checkpoint is not None:
        ckdir = os.fspath(checkpoint)
        os.makedirs(ckdir, exist_ok=True)
        fp = _fingerprint(arr, s, src_of)
        for t in tgt_list:
            r = _load_checkpoint(ckdir, t, fp)
            if r is not None:
                raw[t] = r
    report(len(raw))

    def finished(r: TargetResult) -> None:
        raw[r.target] = r
        if ckdir is not None:
            _save_checkpoint(ckdir, r, fp)
        report(len(raw))

    def started(target: int, index: int) -> None:
        # the first step starts as the previous target finishes: reported then
        if index > 0:
            report(len(raw) + index / len(STAGES), f"target {target}: {STAGES[index]}")

    _run(arr, s, [t for t in tgt_list if t not in raw], src_of, executor, finished, started)
    final = dict(sorted(raw.items()))
    fdr_applied = False
    if fdr_on:
        corrected = _apply_fdr(raw, a_fdr, int(fdr_constant), by_target, n_omni if by_target else n_seq)
        if corrected is None:
            if any(r.selected_sources for r in raw.values()):
                warnings.warn(
                    f"fdr_correction: {n_omni if by_target else n_seq} permutations cannot reach the smallest FDR "
                    "threshold; the results are not corrected (raise n_perm_omnibus, or n_perm_max_seq with "
                    "correct_by_target=False)",
                    UserWarning,
                    stacklevel=2,
                )
        else:
            final, fdr_applied = corrected, True
    settings = s.to_dict()
    settings.update(
        fdr_correction=fdr_on,
        fdr_applied=fdr_applied,
        alpha_fdr=a_fdr,
        fdr_constant=int(fdr_constant),
        correct_by_target=by_target,
    )
    return NetworkResult(n_processes=P, targets=final, settings=settings)


def _perm_entropy(seq: np.random.SeedSequence) -> int:
    """The 64-bit root of the targets' surrogate streams, spawned from the
    call's seed apart from the noise's."""
    spawned = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 0x4E7))
    return int(spawned.generate_state(1, np.uint64)[0])


def check_normalize_flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__}")
    return bool(value)
