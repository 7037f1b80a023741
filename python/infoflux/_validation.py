"""Argument checking and preprocessing shared by every family of estimators.

One set of validators serves the k-NN and transfer-entropy estimators, the
scikit-learn drop-in, :mod:`infoflux.mec` and :mod:`infoflux.markov`. Errors
name the argument, the way scikit-learn's do, and, for numbers, the range it
must lie in. They are raised in Python before any work starts, so nothing
invalid reaches the Rust core: an integer too large for the core's 64-bit
integers is a ``ValueError`` rather than an ``OverflowError`` from the
conversion. Booleans are not integers here, floats are not integers (``2.0``
is refused for a count), and strings are neither: those are ``TypeError``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from infoflux import _core
from infoflux._arrays import to_numpy
from infoflux._seeds import check_seed as check_seed  # the seed check, beside the seeds it resolves
from infoflux._seeds import noise_seed, resolve_seed


def check_layout(
    shape: tuple[int, ...], name: str, *, n: int | None, first: str = "the first argument", columns: str = "n_dims"
) -> None:
    """The layout every family takes for one variable: a 1-D array of
    samples (one column) or a 2-D (n_samples, ``columns``) array with at
    least one sample and one column; ``n``: the samples it must have, those
    of the argument ``first``. The checks only read ``shape``, so the host
    and device paths share them."""
    if len(shape) not in (1, 2):
        raise ValueError(
            f"{name}: expected a 1-D array of samples or a 2-D (n_samples, {columns}) array, "
            f"got {len(shape)}-D with shape {shape}"
        )
    rows, cols = shape[0], shape[1] if len(shape) == 2 else 1
    if rows == 0:
        raise ValueError(f"{name}: is empty (no samples)")
    if cols == 0:
        raise ValueError(f"{name}: has no columns")
    if n is not None and rows != n:
        raise ValueError(
            f"{name}: has {rows} samples but {first} has {n}; all variables need the same number of samples"
        )


def as_samples(obj: Any, name: str, *, n: int | None = None, first: str = "the first argument") -> np.ndarray:
    """Validate a sample array and return it as C-contiguous float64 (n, d).

    1-D input is one variable (n,) -> (n, 1). Fortran-ordered and strided
    views are accepted (copied); float32 and integer dtypes are converted.
    ``n``: the samples the array must have, those of the argument ``first``.
    """
    a = to_numpy(obj, name)
    if a.dtype == object or a.dtype.kind not in "biuf":
        kind = "complex" if a.dtype.kind == "c" else str(a.dtype)
        raise TypeError(f"{name}: expected real numbers, got an array of dtype {kind}")
    check_layout(tuple(a.shape), name, n=n, first=first)
    if a.ndim == 1:
        a = a[:, None]
    a = np.ascontiguousarray(a, dtype=np.float64)
    if not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))[0]
        raise ValueError(f"{name}: contains NaN or infinity (first at row {bad[0]}, column {bad[1]})")
    return a


#: Largest value of the core's signed 64-bit integers.
I64_MAX = 2**63 - 1


def _num(v: int) -> str:
    """Bounds at a power of two are spelled as one (2**63 - 1 reads better than 19 digits)."""
    if v == I64_MAX:
        return "2**63 - 1"
    if v == -I64_MAX:
        return "-(2**63 - 1)"
    if v > 1 << 20 and v & (v - 1) == 0:
        return f"2**{v.bit_length() - 1}"
    return str(v)


def _shown(v: int) -> str:
    """An integer as a message shows it: powers of two as such, hundreds of
    digits cut to their length."""
    if abs(v) > 1 << 20 and abs(v) & (abs(v) - 1) == 0:
        return ("-" if v < 0 else "") + f"2**{abs(v).bit_length() - 1}"
    digits = str(abs(v))
    sign = "-" if v < 0 else ""
    return sign + (digits if len(digits) <= 24 else f"{digits[:12]}... ({len(digits)} digits)")


def _range(low: int | None, high: int | None) -> str:
    return f"[{'-inf' if low is None else _num(low)}, {'inf' if high is None else _num(high)}]"


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = I64_MAX) -> int:
    """An integer in [low, high]; None leaves that side unbounded. The upper
    bound defaults to the core's largest integer, 2**63 - 1."""
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer in {_range(low, high)}, got {type(value).__name__} {value!r}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        raise ValueError(f"{name}: must be an integer in {_range(low, high)}, got {_shown(v)}")
    return v


def check_threads(n_threads: Any, name: str = "n_threads") -> int | None:
    """None, or a thread count as the core reads it: 0 all cores, k > 0 that
    many, -k all but k - 1 (joblib's convention); an integer in
    [-(2**63 - 1), 2**63 - 1]."""
    if n_threads is None:
        return None
    if _is_bool(n_threads) or not isinstance(n_threads, numbers.Integral):
        raise TypeError(f"{name}: expected None or an integer, got {type(n_threads).__name__} {n_threads!r}")
    return check_int(n_threads, name, low=-I64_MAX, high=I64_MAX)


def check_flag(value: Any, name: str) -> bool:
    """True or False (NumPy's booleans too); anything else is refused, so that
    a string such as ``'no'`` cannot switch an option on."""
    if not _is_bool(value):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    low_open: bool = False,
    high: float | None = None,
    high_open: bool = False,
    finite: bool = True,
) -> float:
    """A real number >= low (> low if ``low_open``) and <= high (< high if
    ``high_open``), finite unless ``finite=False`` (which admits +-inf within
    the bounds, never NaN). An integer beyond the float range counts as
    infinite."""
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    try:
        v = float(value)
    except OverflowError:  # an int (or Fraction) beyond the float range
        big: Any = value
        v = math.inf if big > 0 else -math.inf
    parts = ["finite"] if finite else []
    if low is not None:
        parts.append(f"> {low:g}" if low_open else f">= {low:g}")
    if high is not None:
        parts.append(f"< {high:g}" if high_open else f"<= {high:g}")
    if (
        math.isnan(v)
        or (finite and math.isinf(v))
        or (low is not None and (v <= low if low_open else v < low))
        or (high is not None and (v >= high if high_open else v > high))
    ):
        what = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        got = _shown(int(value)) if isinstance(value, numbers.Integral) else repr(value)
        raise ValueError(f"{name}: must be {what}, got {got}")
    return v


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """One of the strings ``choices`` (compared only once ``value`` is known
    to be a string, so an array cannot raise NumPy's ambiguous-truth error)."""
    if not isinstance(value, str) or value not in choices:
        quoted = [repr(c) for c in choices]
        options = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        raise ValueError(f"{name}: must be {options}, got {value!r}")
    return value


def check_k(k: Any, n: int, *, extra: int = 0, shortfall: str | None = None, note: str = "") -> int:
    """The one check of ``k``: an integer >= 1 whose k neighbours exist
    among ``n`` samples, which takes k + 1 samples (k + 1 + ``extra`` when a
    Theiler window removes up to ``extra`` candidates). ``shortfall`` says
    where the n samples come from (the message then names that argument);
    ``note`` is added to the message."""
    value = check_int(k, "k", low=1)
    need = value + 1 + extra
    if n < need:
        if shortfall is None:
            raise ValueError(f"k: k={value} needs at least {need} samples, got {n}{note}")
        raise ValueError(f"{shortfall} leaves {n} samples, fewer than the {need} needed for k={value}{note}")
    return value


def check_algorithm(algorithm: Any) -> int:
    """The KSG algorithm, 1 or 2 (1.0 and 2.0 are accepted as equal to them)."""
    if _is_bool(algorithm) or not isinstance(algorithm, numbers.Real) or algorithm not in (1, 2):
        raise ValueError(f"algorithm: must be 1 or 2 (KSG algorithm), got {algorithm!r}")
    return 1 if algorithm == 1 else 2


def log_base(base: Any) -> float:
    """ln(base): estimators compute nats and divide by this."""
    if isinstance(base, str):
        if base == "e":
            return 1.0
        raise ValueError(f"base: expected a positive number other than 1 (or 'e'), got {base!r}")
    if _is_bool(base) or not isinstance(base, numbers.Real):
        raise TypeError(f"base: expected a positive number, got {type(base).__name__}")
    try:
        b = float(base)
    except OverflowError:
        b = math.inf
    if not (b > 0 and math.isfinite(b)) or b == 1.0:
        got = _shown(int(base)) if isinstance(base, numbers.Integral) else repr(base)
        raise ValueError(f"base: expected a finite positive number other than 1, got {got}")
    return math.log(b)


def check_noise(noise: Any) -> float:
    return check_real(noise, "noise", low=0.0)


def check_dtype(dtype: Any) -> str:
    """The GPU path's compute precision; the CPU path accepts both names and
    always computes in float64."""
    return check_choice(dtype, "dtype", ("float64", "float32"))


def check_metric(metric: Any) -> str:
    return check_choice(metric, "metric", ("chebyshev", "euclidean"))


def check_normalize(normalize: Any) -> bool:
    return check_flag(normalize, "normalize")


def check_tile_size(tile_size: Any) -> int | None:
    """None (chosen from the free device memory) or a tile of >= 1 samples."""
    return None if tile_size is None else check_int(tile_size, "tile_size", low=1)


def preprocess(
    arrays: Sequence[npt.NDArray[Any]],
    normalize: Any,
    noise: float,
    seed: Any,
    n_threads: int | None = None,
) -> list[npt.NDArray[np.float64]]:
    """Host preprocessing of a user's ``seed``: :func:`preprocess_seeded`
    with the noise seed that ``seed`` resolves to (see ``infoflux._seeds``)."""
    return preprocess_seeded(arrays, check_normalize(normalize), noise, noise_seed(resolve_seed(seed)), n_threads)


def preprocess_seeded(
    arrays: Sequence[npt.NDArray[Any]],
    normalize: bool,
    noise: float,
    seed: int,
    n_threads: int | None,
) -> list[npt.NDArray[np.float64]]:
    """Optional unit-variance normalisation, then optional Gaussian noise.

    Computed in the Rust core (``_core.preprocess``), in parallel on
    ``n_threads`` threads, into new arrays (the inputs are never modified).
    Normalisation is JIDT's: each column to zero mean and unit sample
    variance (ddof=1); a constant column is only centred. The noise on each
    column has standard deviation ``noise`` times the column's standard
    deviation (after normalisation that is ``noise`` itself), so its effect
    does not depend on units. Array j draws standard normal deviates
    (Marsaglia-Tsang ziggurat) from stream j of the 64-bit noise seed
    ``seed``, in fixed blocks of rows: the same numbers for any thread count.
    """
    contiguous = [np.ascontiguousarray(a, dtype=np.float64) for a in arrays]
    if not normalize and noise == 0:
        return contiguous
    return list(
        _core.preprocess(
            arrays=contiguous,
            normalize=bool(normalize),
            noise=float(noise),
            seed=seed if noise > 0 else None,
            n_threads=n_threads,
        )
    )
