"""Scalar argument checks for :mod:`infoflux.markov` and :mod:`infoflux.mec`.

Every check names the argument and, for numbers, the range it must lie in,
and runs in Python before anything reaches the Rust core, so that an
out-of-range integer is a ``ValueError`` rather than an ``OverflowError``
from the conversion to a machine integer. Booleans are not integers here,
floats are not integers (``2.0`` is refused for a count), and strings are
neither: those are ``TypeError``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

#: Largest value of the core's signed 64-bit integers.
I64_MAX = 2**63 - 1


def _range(low: int | None, high: int | None) -> str:
    return f"[{'-inf' if low is None else _num(low)}, {'inf' if high is None else _num(high)}]"


def _num(v: int) -> str:
    """Bounds at a power of two are spelled as one (2**63 - 1 reads better than 19 digits)."""
    if v == I64_MAX:
        return "2**63 - 1"
    if v == -I64_MAX:
        return "-(2**63 - 1)"
    if v > 1 << 20 and v & (v - 1) == 0:
        return f"2**{v.bit_length() - 1}"
    return str(v)


def check_integer(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """An integer in [low, high] (None: unbounded on that side)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer in {_range(low, high)}, got {type(value).__name__} {value!r}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        raise ValueError(f"{name}: must be an integer in {_range(low, high)}, got {v}")
    return v


def check_threads(n_threads: Any) -> int | None:
    """None, or a thread count as the core reads it (0: all cores, -k: all but k - 1)."""
    if n_threads is None:
        return None
    if isinstance(n_threads, (bool, np.bool_)) or not isinstance(n_threads, numbers.Integral):
        raise TypeError(f"n_threads: expected None or an integer, got {type(n_threads).__name__} {n_threads!r}")
    return check_integer(n_threads, "n_threads", low=-I64_MAX, high=I64_MAX)


def check_flag(value: Any, name: str) -> bool:
    """True or False (NumPy's booleans too); anything else is refused, so that
    a string such as ``'no'`` cannot switch an option on."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_real(
    value: Any, name: str, *, low: float | None = None, low_open: bool = False, high: float | None = None
) -> float:
    """A finite real number, >= low (> low if ``low_open``) and <= high."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    lo = "" if low is None else (f"> {low:g}" if low_open else f">= {low:g}")
    hi = "" if high is None else f"<= {high:g}"
    what = " and ".join(s for s in ("finite", lo, hi) if s)
    if (
        not math.isfinite(v)
        or (low is not None and (v <= low if low_open else v < low))
        or (high is not None and v > high)
    ):
        raise ValueError(f"{name}: must be {what}, got {value!r}")
    return v


def check_seed(seed: Any, name: str) -> Any:
    """None, an integer >= 0, a ``numpy.random.SeedSequence`` or ``Generator``:
    what :func:`numpy.random.default_rng` accepts, checked so that errors name
    the argument."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name}: expected None, an integer >= 0, a numpy.random.SeedSequence or Generator, "
            f"got {type(seed).__name__} {seed!r}"
        )
    return check_integer(seed, name, low=0)
