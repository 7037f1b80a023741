"""Coordinate sets: the arguments every part of :mod:`infoflux.markov` takes.

A set S of coordinates is kept as a sorted tuple of distinct ints, so that it
can key the entropy cache and two spellings of the same set share an entry.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: A coordinate set: sorted, distinct coordinates in ``range(d)``.
Coords = tuple[int, ...]


def as_set(S: Any, d: int, name: str = "S") -> Coords:
    """Sorted tuple of distinct coordinates in ``range(d)``; ``None`` is all of them."""
    if S is None:
        return tuple(range(d))
    if isinstance(S, (bool, np.bool_)):
        raise TypeError(f"{name}: expected a sequence of coordinates, got {S!r}")
    if isinstance(S, (int, np.integer)):
        S = (int(S),)
    try:
        items = list(S)
    except TypeError:
        raise TypeError(f"{name}: expected a sequence of coordinates, got {S!r}") from None
    out = []
    for c in items:
        if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer)):
            raise TypeError(f"{name}: coordinates must be integers, got {c!r}")
        c = int(c)
        if not 0 <= c < d:
            raise ValueError(f"{name}: coordinate {c} out of range for a chain with d = {d} coordinates")
        out.append(c)
    if len(set(out)) != len(out):
        dup = sorted({c for c in out if out.count(c) > 1})
        raise ValueError(f"{name}: repeated coordinates {dup}")
    return tuple(sorted(out))


def complement(s: Coords, d: int) -> Coords:
    """The coordinates of ``range(d)`` not in s, sorted."""
    ss = set(s)
    return tuple(i for i in range(d) if i not in ss)
