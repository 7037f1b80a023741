"""The objectives: information-theoretic set functions of a chain's coordinates.

Every objective is a combination of entropy rates of projected chains,
H(P^(S)) = H(F_S) - H(pi^(S)), in nats (Lai & Choi, arXiv:2503.23340, 2025).
So an objective needs nothing from a chain but those entropies: it sees the
chain through :class:`EntropySource`, which :class:`~infoflux.markov.MarkovChain`
implements. That keeps this module below the chain model (which offers the
objectives as methods) and below the optimisers (which only see set functions).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np

from infoflux._validation import check_flag
from infoflux.markov._sets import Coords, as_set, complement

OBJECTIVES = ("entropy_rate", "factorizability", "independence", "stationarity")


@runtime_checkable
class EntropySource(Protocol):
    """The entropies of coordinate sets a chain provides (implemented by
    :class:`~infoflux.markov.MarkovChain`; sets are sorted tuples, values in nats).

    ``_prefetch`` and ``_prefetch_extend`` compute many entropies in one call
    into the core and cache them, so that ``_h`` and ``_hpi`` afterwards are
    look-ups; ``_drop_refiner`` frees the state kept between greedy steps.
    """

    @property
    def d(self) -> int: ...

    def _h(self, s: Coords) -> float: ...

    def _hpi(self, s: Coords) -> float: ...

    def _prefetch(self, sets: Iterable[Coords]) -> None: ...

    def _prefetch_extend(self, base: Coords, cands: Sequence[int]) -> None: ...

    def _drop_refiner(self) -> None: ...


# The formulas below are shared by the chain's methods and by Objective, so a
# value is the same float whichever way it is asked for. They read cached
# entropies only: callers prefetch first, in one batch.


def factorizability_value(src: EntropySource, s: Coords, w: Coords | None = None) -> float:
    """H(P^(S)) + H(P^(-S)) - H(P), or with a fixed set W disjoint from S,
    H(P^(W)) + H(P^(S)) - H(P^(W ∪ S))."""
    if w is None:
        return src._h(s) + src._h(complement(s, src.d)) - src._h(tuple(range(src.d)))
    return src._h(w) + src._h(s) - src._h(tuple(sorted(w + s)))


def factorizability_needs(d: int, s: Coords, w: Coords | None = None) -> list[Coords]:
    """The sets whose entropies :func:`factorizability_value` reads."""
    if w is None:
        return [s, complement(s, d), tuple(range(d))]
    return [w, s, tuple(sorted(w + s))]


def independence_value(src: EntropySource, s: Coords) -> float:
    """sum_{i in S} H(P^(i)) - H(P^(S))."""
    return sum(src._h((i,)) for i in s) - src._h(s)


def stationarity_value(src: EntropySource, s: Coords) -> float:
    """H(pi^(S)) - H(P^(S))."""
    return src._hpi(s) - src._h(s)


CustomObjective = Callable[[Any, Coords], float]


class Objective:
    """A named objective (or a callable ``f(chain, S)``) as a set function on
    its ground set U.

    ``values(sets)`` evaluates it at sorted subsets of U; the entropies all the
    sets need are fetched from the chain in one batch, so a greedy step is one
    call into the core. ``complement``, ``W`` and ``partition`` are as in
    :func:`infoflux.markov.select`.
    """

    def __init__(
        self,
        chain: EntropySource,
        name: str | CustomObjective,
        *,
        complement: bool = False,
        W: Sequence[int] | None = None,
        partition: Sequence[Sequence[int]] | None = None,
        arg: str = "objective",
    ) -> None:
        self.chain = chain
        self.arg = arg
        d = chain.d
        self.custom: CustomObjective | None = None
        if callable(name):
            self.custom = name
            self.name: str = getattr(name, "__name__", "custom")
        elif isinstance(name, str) and name in OBJECTIVES:
            self.name = name
        else:
            raise ValueError(f"{arg}: must be one of {OBJECTIVES} or a callable, got {name!r}")
        self.complement = check_flag(complement, "complement")
        self.W: Coords | None = None
        self.partition: tuple[Coords, ...] | None = None
        self.ground: Coords
        if W is not None:
            if self.name != "factorizability":
                raise ValueError("W: only the 'factorizability' objective takes a fixed set W")
            if partition is not None:
                raise ValueError("W and partition cannot be combined")
            self.W = as_set(W, d, "W")
            self.ground = tuple(i for i in range(d) if i not in self.W)
        elif partition is not None:
            try:
                blocks = [as_set(b, d, "partition") for b in partition]
            except TypeError:
                raise TypeError("partition: expected a sequence of coordinate sequences") from None
            if len(blocks) < 1 or any(len(b) == 0 for b in blocks):
                raise ValueError("partition: needs at least one non-empty ground set")
            seen: set[int] = set()
            for b in blocks:
                if seen & set(b):
                    raise ValueError(f"partition: ground sets must be disjoint, {sorted(seen & set(b))} repeated")
                seen |= set(b)
            self.partition = tuple(blocks)
            self.ground = tuple(sorted(seen))
        else:
            self.ground = tuple(range(d))
        self._block_of: dict[int, int] = {}
        if self.partition is not None:
            for t, b in enumerate(self.partition):
                for i in b:
                    self._block_of[i] = t

    def check(self, S: Any, name: str = "S") -> Coords:
        """S as a sorted tuple, checked to lie in the ground set."""
        s = as_set(S, self.chain.d, name)
        extra = set(s) - set(self.ground)
        if extra:
            raise ValueError(f"{name}: coordinates {sorted(extra)} are not in the ground set {self.ground}")
        return s

    def effective(self, s: Coords) -> Coords:
        """The set the objective is evaluated at: s, or U \\ s with ``complement``."""
        if self.complement:
            ss = set(s)
            return tuple(i for i in self.ground if i not in ss)
        return s

    def blocks(self, s: Coords) -> list[Coords]:
        """The blocks S_i = S ∩ V_i of a partition objective."""
        e = self.effective(s)
        assert self.partition is not None
        return [tuple(i for i in e if self._block_of[i] == t) for t in range(len(self.partition))]

    def _requires(self, s: Coords) -> list[Coords]:
        e = self.effective(s)
        if self.custom is not None:
            return []
        if self.partition is not None:
            out = list(self.blocks(s))
            if self.name == "factorizability":
                out.append(e)
            if self.name == "independence":
                out += [(i,) for i in e]
            return out
        if self.name in ("entropy_rate", "stationarity"):
            return [e]
        if self.name == "independence":
            return [e] + [(i,) for i in e]
        return factorizability_needs(self.chain.d, e, self.W)

    def _value(self, s: Coords) -> float:
        c = self.chain
        e = self.effective(s)
        if self.custom is not None:
            return self._custom_value(self.custom(c, e), e)
        if self.partition is not None:
            parts = self.blocks(s)
            if self.name == "factorizability":
                return sum(c._h(b) for b in parts) - c._h(e)
            if self.name == "stationarity":
                return sum(stationarity_value(c, b) for b in parts)
            if self.name == "independence":
                return sum(independence_value(c, b) for b in parts)
            return sum(c._h(b) for b in parts)
        if self.name == "entropy_rate":
            return c._h(e)
        if self.name == "stationarity":
            return stationarity_value(c, e)
        if self.name == "independence":
            return independence_value(c, e)
        return factorizability_value(c, e, self.W)

    def _custom_value(self, got: Any, e: Coords) -> float:
        """A callable objective's value, which the optimisers compare: a NaN
        or an infinity would make every comparison false or every gain NaN."""
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, numbers.Real):
            raise TypeError(f"{self.arg}: returned {got!r} for the set {e}, expected a real number")
        v = float(got)
        if not math.isfinite(v):
            raise ValueError(f"{self.arg}: returned {v} for the set {e}; objective values must be finite")
        return v

    def values(self, sets: Sequence[Coords]) -> list[float]:
        """f at each set (nats), with one batched fetch of the entropies."""
        need = [r for s in sets for r in self._requires(s)]
        self.chain._prefetch(need)
        return [self._value(s) for s in sets]

    def extend_values(self, base: Coords, cands: Sequence[int]) -> list[float]:
        """f(base ∪ {j}) for each j. When the entropies of base ∪ {j} are all
        the objective needs, the chain computes them incrementally from base."""
        if self.custom is None and not self.complement and self.W is None and self.partition is None:
            self.chain._prefetch_extend(base, cands)
        return self.values([tuple(sorted((*base, j))) for j in cands])
