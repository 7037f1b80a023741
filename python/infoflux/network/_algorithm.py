"""The analysis of one target: greedy selection of the target's and the
sources' past variables by maximum statistics, pruning by the minimum
statistic, the omnibus test and the sequential maximum statistic (Lizier &
Rubinov 2012; Faes, Nollo & Porta 2011; Novelli et al. 2019).

Everything here is a pure function of the data, the settings and the target
index, so a target computes the same result in this process, in a pool
worker or on a Dask worker.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from infoflux import _backend_rust, _core
from infoflux._backend_rust import _common_scale
from infoflux._requests import KnnRequest, Preprocessing
from infoflux._validation import preprocess_seeded
from infoflux.network._result import Step, TargetResult, Var

Array = npt.NDArray[np.float64]

# the request of an estimate on columns preprocessed already
_RAW = Preprocessing(False, 0.0, 0)
# surrogate rows handed to the core at once (their orders: 160 MB in NumPy, 80 MB in the core)
_BATCH_ROWS = 20_000_000
# the steps of a target analysis, in the order they run (progress reports name them)
STAGES = ("target past", "sources", "pruning", "omnibus", "sequential")
# spawn key of the surrogate streams of a target (the target's index is appended),
# apart from the noise's and the TE functions' streams
_PERM_SPAWN_KEY = 0x4E7


@dataclass(frozen=True)
class Settings:
    """The resolved settings of a network analysis (every one validated)."""

    algorithm: str
    max_lag_sources: int
    min_lag_sources: int
    max_lag_target: int
    tau_sources: int
    tau_target: int
    k: int
    n_perm_max_stat: int
    n_perm_min_stat: int
    n_perm_omnibus: int
    n_perm_max_seq: int
    alpha_max_stat: float
    alpha_min_stat: float
    alpha_omnibus: float
    alpha_max_seq: float
    permute_in_time: bool
    perm_type: str
    perm_max_shift: int
    perm_block_size: int
    perm_range: int
    normalize: bool
    noise: float
    noise_seed: int
    perm_entropy: int
    n_threads: int | None
    engine: str = "exact"

    @property
    def max_lag(self) -> int:
        """The lag of the current value's row: the largest lag of any candidate."""
        return max(self.max_lag_sources, self.max_lag_target)

    @property
    def is_te(self) -> bool:
        return self.algorithm.endswith("_te")

    @property
    def is_multivariate(self) -> bool:
        return self.algorithm.startswith("multivariate")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        # the thread count does not change any number
        d.pop("n_threads")
        return d


def p_value_idtxl(statistic: float, distribution: Array) -> float:
    """IDTxl's p-value: the fraction of surrogates >= the statistic, 1/n when
    none is (so never 0). Significant means p < alpha."""
    n = distribution.shape[0]
    p = float(np.count_nonzero(distribution >= statistic)) / n
    return p if p > 0 else 1.0 / float(n)


class _Realisations:
    """The embedded variables of one target: rows t = max_lag, ..., T-1 of
    every replication, pooled replication after replication."""

    def __init__(self, data: Array, target: int, max_lag: int) -> None:
        self.data = data  # (R, T, P)
        self.R, self.T, _ = data.shape
        self.max_lag = max_lag
        self.rows = self.T - max_lag  # rows per replication
        self.current = self.column((target, 0))

    def column(self, var: Var) -> Array:
        p, lag = var
        block = self.data[:, self.max_lag - lag : self.T - lag, p]
        return np.ascontiguousarray(block.reshape(-1, 1))

    def columns(self, vars_: Sequence[Var]) -> Array | None:
        if not vars_:
            return None
        return np.ascontiguousarray(np.hstack([self.column(v) for v in vars_]))


class _Estimator:
    """Every estimate of a target analysis, through the backend path of
    :func:`infoflux.conditional_mutual_info` (and :func:`infoflux.mutual_info`
    with no conditioning): the observed value of I(x; current | z) equals
    ``conditional_mutual_info(x, current, z, k=k, normalize=normalize,
    noise=noise, seed=seed)`` bit for bit; a surrogate equals it on the
    preprocessed x with its rows reordered (``normalize=False, noise=0``)."""

    def __init__(self, s: Settings, real: _Realisations, rng: np.random.Generator) -> None:
        self.s = s
        self.real = real
        self.rng = rng
        self.n_calls = 0

    def _prep(self, arrays: Sequence[Array]) -> list[Array]:
        return preprocess_seeded(arrays, self.s.normalize, self.s.noise, self.s.noise_seed, self.s.n_threads)

    def _knn(self, x: Array, y: Array, z: Array | None, prep: Preprocessing = _RAW) -> float:
        self.n_calls += 1
        arrays = (x, y) if z is None else (x, y, z)
        req = KnnRequest(
            estimator="mi" if z is None else "cmi",
            arrays=arrays,
            k=self.s.k,
            algorithm=1,
            metric="chebyshev",
            ln_base=1.0,
            local=False,
            prep=prep,
            n_threads=self.s.n_threads,
            dtype="float64",
            tile_size=None,
        )
        return float(_backend_rust.knn(req))

    def orders(self, n_perm: int) -> npt.NDArray[np.intp]:
        """Row orders of ``n_perm`` surrogates, drawn from the target's stream."""
        return surrogate_orders(self.s, self.real.R, self.real.rows, n_perm, self.rng)

    def estimate(self, x: Array, z: Array | None, orders: npt.NDArray[np.intp] | None) -> tuple[float, Array]:
        """I(x; current | z) and its surrogates (x's rows reordered by each
        row of ``orders``)."""
        obs, surr = self.estimate_many([x], z, [orders])
        return float(obs[0]), surr[0]

    def estimate_many(
        self, xs: Sequence[Array], z: Array | None, orders: Sequence[npt.NDArray[np.intp] | None]
    ) -> tuple[Array, Array]:
        """:meth:`estimate` of every x in ``xs`` against one (current, z):
        (estimates (C,), surrogates (C, S)). The surrogates of all
        candidates go to the core in one call (:func:`infoflux._core.cmi_candidates`),
        which builds the structures of (current, z) once, shares them with
        every candidate and surrogate, and averages each estimate's local
        values in NumPy's order, so that every value equals the public
        estimator on the same preprocessed (and reordered) columns bit for
        bit."""
        prepared = self._prep([xs[0], self.real.current] if z is None else [xs[0], self.real.current, z])
        yp = prepared[1]
        zp = None if z is None else prepared[2]
        xps = [prepared[0]] + [self._prep([x])[0] for x in xs[1:]]
        n_perm = max((0 if o is None else o.shape[0]) for o in orders)
        obs = np.empty(len(xs))
        surr = np.empty((len(xs), n_perm))
        # the public path's preprocessing, for observed values off the shared call
        prep = Preprocessing(self.s.normalize, self.s.noise, self.s.noise_seed)
        cond = [] if z is None else [z]
        tail = [yp] if zp is None else [yp, zp]
        shared: list[int] = []
        for i, (x, xp, o) in enumerate(zip(xs, xps, orders)):
            if (0 if o is None else o.shape[0]) == n_perm and _common_scale([xp, *tail])[1] == 0:
                shared.append(i)
                continue
            # columns the public path would rescale (raw data at the float
            # range's edges), or a ragged round: one call each
            obs[i] = self._knn(x, self.real.current, z, prep)
            if o is not None:
                surr[i, : o.shape[0]] = [self._knn(np.ascontiguousarray(xp[r]), yp, zp) for r in o]
        n_rows = yp.shape[0]
        step = max(1, _BATCH_ROWS // ((n_perm + 1) * n_rows))
        for lo in range(0, len(shared), step):
            idx = shared[lo : lo + step]
            self.n_calls += len(idx) * (n_perm + 1)
            vals = _core.cmi_candidates(
                xs=[xps[i] for i in idx],
                orders=[
                    np.empty((0, n_rows), dtype=np.int64) if o is None else np.ascontiguousarray(o, dtype=np.int64)
                    for o in (orders[i] for i in idx)
                ],
                y=yp,
                z=zp,
                k=self.s.k,
                algorithm=1,
                n_threads=self.s.n_threads,
            )
            for j, i in enumerate(idx):
                surr[i] = vals[j, 1:]
                if self.s.normalize or _common_scale([xs[i], self.real.current, *cond])[1] == 0:
                    # the columns the public path would preprocess: its value
                    obs[i] = vals[j, 0]
                else:
                    obs[i] = self._knn(xs[i], self.real.current, z, prep)
        return obs, surr


def surrogate_orders(s: Settings, R: int, rows: int, n_perm: int, rng: np.random.Generator) -> npt.NDArray[np.intp]:
    """(n_perm, R * rows) row orders: replications shuffled as a whole, or
    rows reordered in time within each replication by ``s.perm_type``."""
    out = np.empty((n_perm, R * rows), dtype=np.intp)
    if R == 1 and s.permute_in_time and s.perm_type == "random":
        # the loop below's draws, without reindexing arange(rows) by each
        for i in range(n_perm):
            out[i] = rng.permutation(rows)
        return out
    base = np.arange(R * rows).reshape(R, rows)
    for i in range(n_perm):
        if not s.permute_in_time:
            out[i] = base[rng.permutation(R)].ravel()
            continue
        parts = []
        for r in range(R):
            idx = base[r]
            if s.perm_type == "random":
                parts.append(idx[rng.permutation(rows)])
            elif s.perm_type == "circular":
                shift = int(rng.integers(1, s.perm_max_shift + 1))
                parts.append(np.roll(idx, shift))
            elif s.perm_type == "block":
                blocks = [idx[b : b + s.perm_block_size] for b in range(0, rows, s.perm_block_size)]
                parts.append(np.concatenate([blocks[j] for j in rng.permutation(len(blocks))]))
            else:  # "local": reordered within consecutive windows of perm_range rows
                pieces = [idx[b : b + s.perm_range] for b in range(0, rows, s.perm_range)]
                parts.append(np.concatenate([w[rng.permutation(w.shape[0])] for w in pieces]))
        out[i] = np.concatenate(parts)
    return out


def target_rng(s: Settings, target: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(s.perm_entropy, spawn_key=(_PERM_SPAWN_KEY, target)))


class _Analysis:
    def __init__(
        self,
        data: Array,
        s: Settings,
        target: int,
        sources: Sequence[int],
        on_stage: Callable[[int, int], None] | None = None,
    ) -> None:
        self.s = s
        self.on_stage = on_stage
        self.target = target
        self.sources = list(sources)
        self.real = _Realisations(data, target, s.max_lag)
        self.est = _Estimator(s, self.real, target_rng(s, target))
        self.steps: list[Step] = []

    def _cond(self, vars_: Sequence[Var]) -> Array | None:
        return self.real.columns(vars_)

    def include(self, candidates: Sequence[Var], base: Sequence[Var], kind: str) -> list[Var]:
        """Greedy inclusion by the maximum statistic: the candidate of the
        largest I(candidate; current | base + selected) enters while its p
        against the maxima over candidates of each surrogate round is <
        alpha_max_stat."""
        selected: list[Var] = []
        remaining = list(candidates)
        n_perm = self.s.n_perm_max_stat
        while remaining:
            z = self._cond([*base, *selected])
            orders = [self.est.orders(n_perm) for _ in remaining]
            obs, surr = self.est.estimate_many([self.real.column(v) for v in remaining], z, orders)
            best = int(np.argmax(obs))
            p = p_value_idtxl(float(obs[best]), surr.max(axis=0))
            significant = p < self.s.alpha_max_stat
            self.steps.append(Step(kind, remaining[best], float(obs[best]), p, significant))
            if not significant:
                break
            selected.append(remaining.pop(best))
        return selected

    def prune(self, target_past: Sequence[Var], chosen: list[Var]) -> list[Var]:
        """Pruning by the minimum statistic: the selected source variable of
        the smallest I(v; current | target past + the other ``chosen``) is
        removed while its p against the minima of each surrogate round is >=
        alpha_min_stat (bivariate: ``chosen`` is one source's selection)."""
        chosen = list(chosen)
        n_perm = self.s.n_perm_min_stat
        while chosen:
            obs = np.empty(len(chosen))
            surr = np.empty((len(chosen), n_perm))
            for i, v in enumerate(chosen):
                others = [*target_past, *(u for u in chosen if u != v)]
                obs[i], surr[i] = self.est.estimate(self.real.column(v), self._cond(others), self.est.orders(n_perm))
            worst = int(np.argmin(obs))
            p = p_value_idtxl(float(obs[worst]), surr.min(axis=0))
            significant = p < self.s.alpha_min_stat
            self.steps.append(Step("prune", chosen[worst], float(obs[worst]), p, significant))
            if significant:
                break
            chosen.pop(worst)
        return chosen

    def omnibus(self, target_past: Sequence[Var], chosen: Sequence[Var]) -> tuple[float, float, bool]:
        """I(all selected sources; current | target past), every source
        column reordered by the same order in each surrogate."""
        x = self.real.columns(chosen)
        assert x is not None
        obs, surr = self.est.estimate(x, self._cond(target_past), self.est.orders(self.s.n_perm_omnibus))
        p = p_value_idtxl(obs, surr)
        return obs, p, p < self.s.alpha_omnibus

    def sequential(self, target_past: Sequence[Var], groups: Sequence[Sequence[Var]]) -> dict[Var, tuple[float, float]]:
        """The sequential maximum statistic within each group (multivariate:
        one group of all selected sources; bivariate: one per source): each
        variable's I(v; current | target past + the group's others), the
        r-th largest compared with the r-th largest surrogates of each round,
        stopping at the first that is not significant. Returns the
        significant variables' (estimate, p)."""
        n_perm = self.s.n_perm_max_seq
        out: dict[Var, tuple[float, float]] = {}
        for group in groups:
            obs = np.empty(len(group))
            surr = np.empty((len(group), n_perm))
            for i, v in enumerate(group):
                others = [*target_past, *(u for u in group if u != v)]
                obs[i], surr[i] = self.est.estimate(self.real.column(v), self._cond(others), self.est.orders(n_perm))
            ranked = -np.sort(-surr, axis=0)
            for r, i in enumerate(np.argsort(-obs, kind="stable")):
                p = p_value_idtxl(float(obs[i]), ranked[r])
                significant = p < self.s.alpha_max_seq
                self.steps.append(Step("sequential", group[i], float(obs[i]), p, significant))
                if not significant:
                    break
                out[group[i]] = (float(obs[i]), p)
        return out

    def stage(self, index: int) -> None:
        """Report that step ``STAGES[index]`` starts."""
        if self.on_stage is not None:
            self.on_stage(self.target, index)

    def run(self) -> TargetResult:
        s = self.s
        target_past: list[Var] = []
        if s.is_te:
            self.stage(0)
            cands = [(self.target, lag) for lag in range(1, s.max_lag_target + 1, s.tau_target)]
            target_past = self.include(cands, [], "target")
            if not target_past:
                # a TE needs the target's past: its latest sample goes in untested
                target_past = [(self.target, 1)]
        lags = range(s.min_lag_sources, s.max_lag_sources + 1, s.tau_sources)
        self.stage(1)
        if s.is_multivariate:
            cands = [(p, lag) for p in self.sources for lag in lags]
            chosen = self.include(cands, target_past, "source")
            self.stage(2)
            chosen = self.prune(target_past, chosen)
            groups = [chosen] if chosen else []
        else:
            # each source's selection and pruning, one source after the other: one step
            groups = []
            for p in self.sources:
                own = self.include([(p, lag) for lag in lags], target_past, "source")
                own = self.prune(target_past, own)
                if own:
                    groups.append(own)
            chosen = [v for g in groups for v in g]
        omnibus_te: float | None = None
        omnibus_p: float | None = None
        final: dict[Var, tuple[float, float]] = {}
        ok = False
        if chosen:
            self.stage(3)
            omnibus_te, omnibus_p, ok = self.omnibus(target_past, chosen)
            if ok:
                self.stage(4)
                final = self.sequential(target_past, groups)
        kept = [v for v in chosen if v in final]
        return TargetResult(
            target=self.target,
            sources_tested=tuple(self.sources),
            selected_target_past=tuple(target_past),
            selected_sources=tuple(kept),
            source_te=tuple(final[v][0] for v in kept),
            source_p=tuple(final[v][1] for v in kept),
            omnibus_te=omnibus_te,
            omnibus_p=omnibus_p,
            omnibus_significant=ok,
            steps=tuple(self.steps),
            fdr_significant=None,
        )


def analyse_target(
    data: Array,
    s: Settings,
    target: int,
    sources: Sequence[int],
    on_stage: Callable[[int, int], None] | None = None,
) -> TargetResult:
    """The full analysis of one target (the unit of work of an executor),
    calling ``on_stage(target, i)`` as step ``STAGES[i]`` starts."""
    return _Analysis(data, s, target, sources, on_stage).run()


def fdr_thresholds(n: int, alpha: float, constant: int) -> Array:
    """The thresholds i alpha / (n c), i = 1..n, of the sorted p-values; c = 1
    (Benjamini-Hochberg) or the harmonic sum 1 + 1/2 + ... + 1/n
    (Benjamini-Yekutieli, ``constant=2``)."""
    c = math.fsum(1.0 / i for i in range(1, n + 1)) if constant == 2 else 1.0
    return np.arange(1, n + 1) / n * alpha / c


def fdr_mask(p_values: Sequence[float], alpha: float, constant: int) -> npt.NDArray[np.bool_]:
    """Benjamini-Hochberg (``constant=1``) or Benjamini-Yekutieli
    (``constant=2``: thresholds divided by the harmonic sum 1 + 1/2 + ... + 1/n)
    on the sorted p-values: the smallest p-values up to the first one above
    its threshold i alpha / (n c) are significant (a scan that stops at the
    first failure; the step-up rule of the papers would also accept a later
    p-value below its threshold)."""
    p = np.asarray(p_values, dtype=np.float64)
    n = p.shape[0]
    mask = np.zeros(n, dtype=bool)
    if n == 0:
        return mask
    order = np.argsort(p, kind="stable")
    thresh = fdr_thresholds(n, alpha, constant)
    passed = p[order] <= thresh
    first_fail = int(np.argmin(passed)) if not passed.all() else n
    mask[order[:first_fail]] = True
    return mask
