"""Shared parameter descriptions, filled into the public docstrings."""

from __future__ import annotations

from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable[..., object])

SEED = """seed : int, numpy.random.Generator or None, default=0
        Seed of the random numbers (the tie-breaking noise{surrogates}). The
        default makes every call reproducible; pass None for fresh
        randomness. A Generator is drawn from exactly once per call, at
        entry (one integer in [0, 2**63)), and the call then gives exactly
        what that integer seed gives: two calls with equally seeded
        Generators agree. The streams are hashed from the seed by NumPy's
        SeedSequence and drawn in the Rust core, one per variable, column
        and block of rows, so they do not depend on the thread count."""


def fill(**blocks: str) -> Callable[[F], F]:
    """Replace ``{name}`` in the decorated function's docstring by
    ``blocks[name]``. Under ``python -OO`` docstrings are None and left so."""

    def apply(f: F) -> F:
        if f.__doc__ is not None:
            doc = f.__doc__
            for name, text in blocks.items():
                doc = doc.replace("{" + name + "}", text)
            f.__doc__ = doc
        return f

    return apply
