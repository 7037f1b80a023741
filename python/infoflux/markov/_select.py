"""The optimisers: choosing m coordinates under a cardinality constraint.

The algorithms (greedy with Minoux's lazy variant, distorted greedy and its
k-tuple form, batch greedy, exhaustive search) maximise a set function; they
see the chain only through :class:`~infoflux.markov._objectives.Objective`,
so they sit above the objectives and below the chain model, whose
:meth:`~infoflux.markov.MarkovChain.select` calls :func:`select`.
"""

from __future__ import annotations

import heapq
import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from infoflux._arrays import to_numpy
from infoflux._validation import check_choice, check_flag, check_int, check_real
from infoflux.markov._objectives import CustomObjective, EntropySource, Objective
from infoflux.markov._sets import Coords

METHODS = ("greedy", "distorted_greedy", "generalized_distorted_greedy", "batch_greedy", "exhaustive")

# Largest number of subsets `exhaustive` will enumerate.
_EXHAUSTIVE_MAX = 1 << 22

# f at many sets, and f(base ∪ {j}) for candidates j, both already signed so
# that every algorithm maximises.
_Values = Callable[[Sequence[Coords]], list[float]]
_Extend = Callable[[Coords, Sequence[int]], list[float]]
# (selected in order of addition, steps, sets after each step, values, evaluations, info)
_Run = tuple[list[int], list[Coords], list[Coords], list[float], int, dict[str, Any]]


@dataclass(frozen=True)
class Selection:
    """Result of :func:`select`.

    Attributes
    ----------
    selected : tuple of int
        Chosen coordinates in the order they were added.
    steps : tuple of tuple of int
        Coordinates added at each step (one per step except ``batch_greedy``;
        empty where a distorted-greedy step added nothing).
    sets : tuple of tuple of int
        The chosen set after each step, in order of addition.
    values : numpy.ndarray
        Objective value (nats) after each step.
    evaluations : int
        Number of objective evaluations f(S).
    method, objective : str
    blocks : tuple of tuple of int, optional
        For partition objectives, the final S ∩ V_i for each ground set V_i.
    info : dict
        Method details: the modular cost used by the distorted greedy methods
        (``"cost"``), the batch schedule of ``batch_greedy`` (``"schedule"``),
        the objective at the empty set when no step added anything
        (``"empty_value"``).

    Examples
    --------
    >>> from infoflux.markov import curie_weiss, select
    >>> res = select(curie_weiss(6), "entropy_rate", 2)
    >>> res.selected, round(res.value, 6)
    ((0, 5), 0.792223)
    """

    selected: tuple[int, ...]
    steps: tuple[tuple[int, ...], ...]
    sets: tuple[tuple[int, ...], ...]
    values: npt.NDArray[np.float64]
    evaluations: int
    method: str
    objective: str
    blocks: tuple[tuple[int, ...], ...] | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float:
        """Objective value of the final set (of the empty set when a greedy
        run with ``exact=False`` found no positive gain at its first step)."""
        if len(self.values):
            return float(self.values[-1])
        return float(self.info["empty_value"])


def _argmax(vals: Sequence[float], keys: Sequence[int]) -> int:
    """Index of the largest value; ties go to the smallest key so results are
    reproducible. Values within 1e-12 relative of the maximum count as ties
    (symmetric chains give exact ties up to rounding)."""
    best = max(vals)
    tol = 1e-12 * max(1.0, abs(best))
    cands = [t for t, v in enumerate(vals) if v >= best - tol]
    return min(cands, key=lambda t: keys[t])


def select(
    chain: EntropySource,
    objective: str | CustomObjective,
    m: int,
    method: str = "greedy",
    *,
    maximize: bool = True,
    complement: bool = False,
    W: Sequence[int] | None = None,
    partition: Sequence[Sequence[int]] | None = None,
    exact: bool | None = None,
    lazy: bool = False,
    cost: Any = None,
    batch_sizes: int | Sequence[int] | None = None,
) -> Selection:
    r"""Choose m coordinates optimising an information-theoretic objective.

    Objectives (nats; S is the chosen set, -S its complement in 0..d-1):

    ============================  =====================================================
    ``"entropy_rate"``            H(P^(S))
    ``"factorizability"``         H(P^(S)) + H(P^(-S)) - H(P); with ``W``:
                                  H(P^(W)) + H(P^(S)) - H(P^(W ∪ S)), S ⊆ -W
    ``"independence"``            sum_{i in S} H(P^(i)) - H(P^(S))
    ``"stationarity"``            H(pi^(S)) - H(P^(S))
    ============================  =====================================================

    ``complement=True`` evaluates the objective at U \ S instead of S (U the
    ground set: all coordinates, or those outside ``W``, or the union of the
    ``partition``). With ``partition=[V_1, ..., V_k]`` (disjoint ground sets)
    the k-tuple version is used with S_i = S ∩ V_i: entropy rate
    sum_i H(P^(S_i)); factorizability sum_i H(P^(S_i)) - H(P^(S)), the
    distance of P^(S) to the product of the P^(S_i); independence and
    stationarity summed over blocks. A callable ``objective(chain, S)`` is
    also accepted.

    Methods
    -------
    ``greedy``
        Adds the element of largest marginal gain, m times (``exact=True``,
        the default) or until no gain is positive (``exact=False``).
        ``lazy=True`` uses Minoux's lazy evaluation, which returns the greedy
        solution only for submodular objectives (e.g. entropy rate and
        factorizability when pi has product form).
    ``distorted_greedy``
        Harshaw, Feldman, Ward, Karbasi (ICML 2019) for f = g - c with g
        monotone submodular and c modular: step i (of m) adds
        argmax_e (1 - 1/m)^(m-i-1) (g(S+e) - g(S)) - c(e) if that is positive
        (always, if ``exact=True``). The default cost c(e) = f(U \ e) - f(U)
        makes g = f + c monotone whenever f is submodular; ``cost`` (a mapping
        or an array indexed by coordinate) gives a modular cost instead.
        Guarantee: f(S) >= (1 - 1/e) g(OPT) - c(OPT).
    ``generalized_distorted_greedy``
        Distorted greedy for the k-tuple objectives (needs ``partition``):
        each step picks a (coordinate, block) pair, the cost is computed
        blockwise, and the result reports the blocks S_i.
    ``batch_greedy``
        Adds the ``b`` elements of largest marginal gain at once per round;
        ``batch_sizes`` is an int (constant) or a schedule summing to m.
    ``exhaustive``
        Best set of size m (``exact=False``: size <= m) by enumeration, for
        checking; at most 2**22 subsets.

    Ties are broken towards the smallest coordinate. ``maximize=False``
    minimises (the algorithms run on -f; guarantees then need -f submodular).

    Parameters
    ----------
    chain : MarkovChain
    objective : str or callable
        One of the names above, or ``objective(chain, S) -> float``.
    m : int
        Number of coordinates to choose, 1 <= m <= |U|.
    method : str, default "greedy"
        One of the methods above.

    Returns
    -------
    Selection
        Sets in order, value (nats) after each step, number of evaluations.

    References
    ----------
    Z. Lai, M. C. H. Choi, "Information-theoretic subset selection of
    multivariate Markov chains via submodular optimization", arXiv:2503.23340
    (2025); G. L. Nemhauser, L. A. Wolsey, M. L. Fisher, Math. Program. 14,
    265-294 (1978); M. Minoux, "Accelerated greedy algorithms" (1978);
    C. Harshaw, M. Feldman, J. Ward, A. Karbasi, "Submodular maximization
    beyond non-negativity", ICML 2019.

    Examples
    --------
    >>> from infoflux.markov import curie_weiss, select
    >>> chain = curie_weiss(10)
    >>> res = select(chain, "entropy_rate", 3)
    >>> res.values.round(7).tolist()
    [0.290851, 0.5737141, 0.8393313]
    >>> res.evaluations  # f(empty set), then 10 + 9 + 8 candidates
    28
    """
    # the chain's own class is above this module; the protocol is what is used
    if not isinstance(chain, EntropySource):
        raise TypeError(f"chain: expected a MarkovChain, got {type(chain).__name__}")
    method = check_choice(method, "method", METHODS)
    maximize = check_flag(maximize, "maximize")
    lazy = check_flag(lazy, "lazy")
    if exact is not None:
        exact = check_flag(exact, "exact")
    f = Objective(chain, objective, complement=complement, W=W, partition=partition)
    m = check_int(m, "m", low=1)
    if m > len(f.ground):
        raise ValueError(f"m: cannot choose {m} coordinates from a ground set of {len(f.ground)} (d = {chain.d})")
    if method == "generalized_distorted_greedy" and f.partition is None:
        raise ValueError("partition: generalized_distorted_greedy needs the ground sets V_1..V_k")
    if cost is not None and method not in ("distorted_greedy", "generalized_distorted_greedy"):
        raise ValueError("cost: only the distorted greedy methods take a modular cost")
    if batch_sizes is not None and method != "batch_greedy":
        raise ValueError("batch_sizes: only batch_greedy takes a batch schedule")
    if lazy and method != "greedy":
        raise ValueError("lazy: only the greedy method has a lazy variant")
    sign = 1.0 if maximize else -1.0

    def vals(sets: Sequence[Coords]) -> list[float]:
        return [sign * v for v in f.values(sets)]

    def ext(base: Coords, cands: Sequence[int]) -> list[float]:
        return [sign * v for v in f.extend_values(base, cands)]

    name = f.name
    try:
        if method == "greedy":
            out = _greedy(f, m, vals, ext, True if exact is None else exact, lazy)
        elif method in ("distorted_greedy", "generalized_distorted_greedy"):
            out = _distorted(f, m, vals, ext, bool(exact), cost)
        elif method == "batch_greedy":
            out = _batch(f, m, vals, ext, batch_sizes)
        else:
            out = _exhaustive(f, m, vals, True if exact is None else exact)
    finally:
        chain._drop_refiner()  # its sorted copy of the flow is as large as the chain
    selected, steps, sets, values, evals, info = out
    if not values:
        # nothing was added: the final set is the empty one (its value is cached)
        info = {**info, "empty_value": f.values([()])[0]}
    signed = np.array([sign * v for v in values], dtype=np.float64)
    blocks = tuple(f.blocks(tuple(sorted(selected)))) if f.partition is not None else None
    return Selection(tuple(selected), tuple(steps), tuple(sets), signed, evals, method, name, blocks, info)


def _greedy(f: Objective, m: int, vals: _Values, ext: _Extend, exact: bool, lazy: bool) -> _Run:
    S: list[int] = []
    steps: list[Coords] = []
    sets: list[Coords] = []
    values: list[float] = []
    evals = 0
    cur = vals([()])[0]
    evals += 1
    heap: list[tuple[float, int, int]] = []  # (-gain bound, coordinate, step it was computed at)
    newvals: dict[int, float] = {}
    for step in range(m):
        base = tuple(sorted(S))
        cands = [j for j in f.ground if j not in S]
        if lazy and step > 0:
            # Minoux: for submodular f a stale gain bounds the fresh one from
            # above, so a fresh gain on top of the heap is the best gain
            while True:
                neg_ub, j, stamp = heapq.heappop(heap)
                if stamp == step:
                    best, gain = j, -neg_ub
                    break
                v = ext(base, [j])[0]
                evals += 1
                newvals[j] = v
                heapq.heappush(heap, (-(v - cur), j, step))
            newval = newvals[best]
        else:
            vs = ext(base, cands)
            evals += len(cands)
            t = _argmax(vs, cands)
            best, newval = cands[t], vs[t]
            gain = newval - cur
            if lazy:
                heap = [(-(v - cur), j, 0) for j, v in zip(cands, vs) if j != best]
                heapq.heapify(heap)
        if not exact and gain <= 0:
            break
        S.append(best)
        cur = newval
        steps.append((best,))
        sets.append(tuple(S))
        values.append(cur)
    return S, steps, sets, values, evals, {}


def _modular_cost(f: Objective, cost: Any) -> dict[int, float]:
    """A user's modular cost c(e) for each e in the ground set, checked."""
    U = f.ground
    if isinstance(cost, dict):
        c = {}
        for e in U:
            if e not in cost:
                raise ValueError(f"cost: no cost for coordinate {e}")
            c[e] = check_real(cost[e], f"cost[{e}]")
    else:
        raw = to_numpy(cost, "cost")
        if raw.dtype.kind not in "biuf":
            raise TypeError(f"cost: expected a mapping or an array of real numbers, got dtype {raw.dtype}")
        if raw.ndim != 1:
            raise ValueError(f"cost: expected a 1-D array of {f.chain.d} costs, got shape {raw.shape}")
        arr = np.asarray(raw, dtype=np.float64)
        if arr.shape[0] != f.chain.d:
            raise ValueError(f"cost: expected {f.chain.d} entries (one per coordinate), got {arr.shape[0]}")
        c = {e: float(arr[e]) for e in U}
    if not all(math.isfinite(v) for v in c.values()):
        raise ValueError("cost: entries must be finite")
    return c


def _distorted(f: Objective, m: int, vals: _Values, ext: _Extend, exact: bool, cost: Any) -> _Run:
    U = tuple(f.ground)
    evals = 0
    if cost is None:
        fu = vals([U])[0]
        drops = [tuple(i for i in U if i != e) for e in U]
        fd = vals(drops)
        evals += 1 + len(U)
        c = {e: fd[t] - fu for t, e in enumerate(U)}
    else:
        c = _modular_cost(f, cost)
    S: list[int] = []
    steps: list[Coords] = []
    sets: list[Coords] = []
    values: list[float] = []
    cur_f = vals([()])[0]
    evals += 1
    for i in range(m):
        base = tuple(sorted(S))
        cands = [j for j in U if j not in S]
        if not cands:
            break
        fv = ext(base, cands)
        evals += len(cands)
        cs = sum(c[e] for e in S)
        g_cur = cur_f + cs
        w = (1.0 - 1.0 / m) ** (m - i - 1)
        scores = [w * ((fv[t] + cs + c[j]) - g_cur) - c[j] for t, j in enumerate(cands)]
        t = _argmax(scores, cands)
        if exact or scores[t] > 0:
            S.append(cands[t])
            cur_f = fv[t]
            steps.append((cands[t],))
        else:
            steps.append(())
        sets.append(tuple(S))
        values.append(cur_f)
    return S, steps, sets, values, evals, {"cost": c}


def _schedule(batch_sizes: int | Sequence[int] | None, m: int) -> list[int]:
    """Batch sizes per round, summing to m."""
    if batch_sizes is None:
        raise ValueError("batch_sizes: batch_greedy needs a batch size or a schedule")
    given: Any = batch_sizes  # checked at run time, whatever a caller passes
    if isinstance(given, (numbers.Number, np.bool_, str, bytes)):
        b = check_int(given, "batch_sizes", low=1)
        return [b] * (m // b) + ([m % b] if m % b else [])
    try:
        items = list(given)
    except TypeError:
        raise TypeError(f"batch_sizes: expected an int or a sequence of ints, got {batch_sizes!r}") from None
    sched = [check_int(b, f"batch_sizes[{i}]", low=1) for i, b in enumerate(items)]
    if sum(sched) != m:
        raise ValueError(f"batch_sizes: a schedule must be positive and sum to m = {m}, got {sched}")
    return sched


def _batch(f: Objective, m: int, vals: _Values, ext: _Extend, batch_sizes: int | Sequence[int] | None) -> _Run:
    sched = _schedule(batch_sizes, m)
    S: list[int] = []
    steps: list[Coords] = []
    sets: list[Coords] = []
    values: list[float] = []
    evals = 0
    for b in sched:
        base = tuple(sorted(S))
        cands = [j for j in f.ground if j not in S]
        vs = ext(base, cands)
        evals += len(cands)
        order = sorted(range(len(cands)), key=lambda t: (-vs[t], cands[t]))
        add = [cands[t] for t in order[:b]]
        S.extend(add)
        v = vals([tuple(sorted(S))])[0]
        evals += 1
        steps.append(tuple(add))
        sets.append(tuple(S))
        values.append(v)
    return S, steps, sets, values, evals, {"schedule": sched}


def _exhaustive(f: Objective, m: int, vals: _Values, exact: bool) -> _Run:
    U = f.ground
    sizes = [m] if exact else list(range(m + 1))
    total = sum(math.comb(len(U), k) for k in sizes)
    if total > _EXHAUSTIVE_MAX:
        raise ValueError(f"m: exhaustive search would evaluate {total} subsets (limit {_EXHAUSTIVE_MAX})")
    best: Coords | None = None
    best_v = -math.inf
    evals = 0
    for k in sizes:
        combos = list(itertools.combinations(U, k))
        # chunks bound the memory of one batched call into the core
        for lo in range(0, len(combos), 1 << 14):
            chunk = combos[lo : lo + (1 << 14)]
            vs = vals(chunk)
            evals += len(chunk)
            for s, v in zip(chunk, vs):
                # the first set wins ties (within 1e-12 relative): lexicographic order
                if not math.isfinite(best_v) or v > best_v + 1e-12 * max(1.0, abs(best_v)):
                    best, best_v = s, v
    assert best is not None
    return list(best), [tuple(best)], [tuple(best)], [best_v], evals, {}
