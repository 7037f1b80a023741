"""Hostile numbers: magnitudes across the whole float64 range (near 1e±300,
subnormals, the largest float), many exact ties, constant columns.

Every estimator must return a finite value or refuse with a ValueError or
TypeError (never a RuntimeError from a panic in the core, never NaN or inf),
and must be scale-invariant where the mathematics is: MI, CMI and TE under
per-column rescaling (with the default normalisation), entropy shifting by
d ln(scale). Exact ties with the noise switched off leave the KSG estimators
undefined: the value is returned as the raw estimator gives it, with a
RuntimeWarning that counts the samples concerned.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import warnings
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import infoflux
from infoflux.sklearn import mutual_info_regression

TIES = "exact ties"

# ------------------------------------------------------------ known cases ---


def _x20() -> np.ndarray:
    return np.random.default_rng(0).standard_normal(20)


def test_overflowing_spread_reaches_no_panic() -> None:
    # the tie-breaking noise is scaled by each column's spread, which
    # overflowed and let inf/NaN into the core
    x = _x20()
    y = 1e200 * x
    z = x[::-1].copy()
    assert np.isfinite(infoflux.mutual_info(x, y, normalize=False))
    assert np.isfinite(infoflux.conditional_mutual_info(x, y, z, normalize=False))
    assert np.isfinite(infoflux.transfer_entropy(x, y, normalize=False))
    m = infoflux.mutual_info_matrix(np.column_stack([x, y]), normalize=False)
    assert np.isfinite(m[0, 1])
    sig = infoflux.transfer_entropy_significance(x, y, normalize=False, n_surrogates=5)
    assert np.isfinite(sig.estimate) and np.isfinite(sig.surrogates).all()


def test_euclidean_distances_that_overflow_when_squared() -> None:
    a = np.array([0, 1e300, 1e200, 1e-300, 1e200, 1.34e154, 0, 1e200, 1e300])
    h = infoflux.entropy(a, k=4, metric="euclidean", noise=0)
    # in one dimension both norms are |a - b|
    assert h == pytest.approx(infoflux.entropy(a, k=4, noise=0), rel=1e-12)


def _pair(n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    a = rng.standard_normal(n)
    return a, 0.5 * a + rng.standard_normal(n)


@pytest.mark.parametrize("scale", [1e160, 1e-170, 1e300, 1e-300, 2.0**-1070, 2.0**1020])
def test_extreme_columns_are_not_taken_for_constants(scale: float) -> None:
    a, b = _pair()
    want = infoflux.mutual_info(a, b)
    assert want > 0.05
    got = infoflux.mutual_info(a * scale, b)
    if scale >= 1e-300:
        assert got == pytest.approx(want, rel=1e-9)
    else:
        # subnormal data hold fewer digits: the MI of what they hold
        assert got == pytest.approx(want, abs=0.02)


@pytest.mark.parametrize("scale", [1e-170, 1e-300, 1e160, 1e300, 2.0**-1000, 2.0**1000])
@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
def test_entropy_shifts_by_the_log_of_the_scale(scale: float, metric: str) -> None:
    X = np.random.default_rng(2).standard_normal((1000, 2))
    want = infoflux.entropy(X, metric=metric)
    got = infoflux.entropy(X * scale, metric=metric) - 2 * math.log(scale)
    assert got == pytest.approx(want, rel=1e-9)


def test_entropy_log_volume_does_not_underflow() -> None:
    x = np.random.default_rng(3).standard_normal(500) * 1e-300
    h = infoflux.entropy(x, noise=0)
    assert np.isfinite(h)
    assert h - math.log(1e-300) == pytest.approx(infoflux.entropy(x / 1e-300, noise=0), rel=1e-9)


def test_constant_column_at_the_edge_of_the_range() -> None:
    v = infoflux.mutual_info(np.zeros(1000), np.full(1000, 1e300), normalize=False)
    assert np.isfinite(v)
    assert abs(float(v)) < 1e-9  # a constant carries no information


def test_noise_whose_amplitude_leaves_the_range_is_refused() -> None:
    a, b = _pair(100)
    with pytest.raises(ValueError, match="noise"):
        infoflux.mutual_info(a, b, noise=1e300)


@pytest.mark.parametrize("algorithm", [1, 2])
def test_exact_ties_without_noise_warn_with_the_count(algorithm: int) -> None:
    with pytest.warns(RuntimeWarning, match=r"300 of 300 samples .* zero distance .*noise"):
        v = infoflux.mutual_info(np.ones(300), np.ones(300), noise=0, algorithm=algorithm)
    assert np.isfinite(v)
    # the default noise breaks the ties: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert abs(float(infoflux.mutual_info(np.ones(300), np.ones(300), algorithm=algorithm))) < 0.5


def test_tie_warnings_from_every_ksg_estimator() -> None:
    x = np.tile(np.arange(5.0), 40)
    y = np.tile(np.arange(5.0)[::-1], 40)
    z = np.tile(np.arange(5.0) % 3, 40)
    raw: dict[str, Any] = {"noise": 0, "normalize": False}
    for call in (
        lambda: infoflux.conditional_mutual_info(x, y, z, **raw),
        lambda: infoflux.transfer_entropy(x, y, **raw),
        lambda: infoflux.transfer_entropy_significance(x, y, n_surrogates=3, **raw),
        lambda: infoflux.mutual_info_matrix(np.column_stack([x, y, z]), **raw),
    ):
        with pytest.warns(RuntimeWarning, match=TIES):
            call()


def test_tie_warning_points_at_the_callers_line() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        infoflux.mutual_info(np.ones(50), np.ones(50), noise=0)
    assert [w.filename for w in caught if TIES in str(w.message)] == [__file__]


def test_duplicates_in_entropy_are_counted() -> None:
    with pytest.raises(ValueError, match=r"duplicate samples: 50 of 50"):
        infoflux.entropy(np.ones(50), noise=0)


@pytest.mark.parametrize("algorithm", [1, 2])
def test_core_refuses_differences_that_overflow(algorithm: int) -> None:
    # the pipeline rescales such data; a direct call of the core gets an error
    from infoflux import _core

    a = np.array([[1.7e308], [-1.7e308], [0.0], [1.0], [2.0], [3.0]])
    with pytest.raises(ValueError, match="overflow"):
        _core.mi_local(x=a, y=a.copy(), k=5, algorithm=algorithm)
    assert np.isfinite(infoflux.mutual_info(a[:, 0], a[:, 0].copy(), k=5, algorithm=algorithm, normalize=False))


def test_raw_source_far_beyond_the_target_is_refused() -> None:
    x = _x20()
    with pytest.raises(ValueError, match="source"):
        infoflux.transfer_entropy(x * 1e305, x * 1e-5, normalize=False)
    assert np.isfinite(infoflux.transfer_entropy(x * 1e305, x * 1e-5))


# ------------------------------------------------------- property-based ---

# magnitudes from subnormal to the largest float
_MAGNITUDES = [5e-324, 1e-320, 1e-310, 1e-300, 1e-200, 1e-160, 1e-3, 1.0, 1e3, 1e160, 1e200, 1e300, 1.7e308]


@st.composite
def _column(draw: Any, n: int) -> np.ndarray:
    kind = draw(st.sampled_from(["floats", "scaled", "ties", "mixed"]))
    if kind == "floats":
        vals = draw(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=n, max_size=n))
        return np.array(vals, dtype=np.float64)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    mag = draw(st.sampled_from(_MAGNITUDES))
    out: np.ndarray
    if kind == "scaled":
        out = rng.uniform(-1.0, 1.0, n) * mag
    elif kind == "ties":
        levels = draw(st.integers(1, 4))
        out = rng.integers(0, levels, n) / max(levels - 1, 1) * mag
    else:
        # magnitudes of every size in one column, with repeats
        out = rng.choice(np.array(_MAGNITUDES), n) * rng.choice([-1.0, 1.0], n)
    return out


@st.composite
def _data(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(12, 40))
    return draw(_column(n)), draw(_column(n)), draw(_column(n))


_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _outcome(call: Callable[[], Any]) -> Any:
    """The call's value (asserted finite), or None for a ValueError/TypeError.
    Any warning must be the tie warning (a RuntimeWarning); a RuntimeError
    (a panic in the core) fails the test."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = call()
        except (ValueError, TypeError):
            value = None
    for w in caught:
        assert issubclass(w.category, RuntimeWarning) and TIES in str(w.message), str(w.message)
    if value is not None:
        arr = np.asarray(getattr(value, "estimate", value), dtype=np.float64)
        if arr.ndim == 2:  # an MI matrix: NaN on the diagonal only
            arr = arr[~np.eye(arr.shape[0], dtype=bool)]
        assert np.isfinite(arr).all(), value
        if hasattr(value, "surrogates"):
            assert np.isfinite(value.surrogates).all()
    return value


def _same(a: Any, b: Any) -> None:
    if a is None or b is None:
        return
    assert math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12), (a, b)


def _exact_scale(x: np.ndarray, e: int) -> bool:
    """Whether x 2^e is exact (no digit lost, no overflow)."""
    with np.errstate(all="ignore"):
        y = np.ldexp(x, e)
    return bool(np.isfinite(y).all() and np.array_equal(np.ldexp(y, -e), x))


def _exponent(x: np.ndarray, u: float) -> int:
    """A power of two, placed by u in [0, 1] between the smallest and the
    largest that keep every value of x a normal float (0 if none does)."""
    a = np.abs(x[x != 0])
    if a.size == 0:
        return 0
    lo = -1022 - math.frexp(float(a.min()))[1] + 1
    hi = 1023 - math.frexp(float(a.max()))[1]
    if lo > hi:
        return 0
    return round(lo + u * (hi - lo))


_U = st.floats(0.0, 1.0)


@_SETTINGS
@given(_data(), st.sampled_from([1, 2]), _U, _U)
def test_ksg_estimators_finite_and_invariant(data: Any, algorithm: int, ux: float, uy: float) -> None:
    x, y, z = data
    ex, ey = _exponent(x, ux), _exponent(y, uy)
    mi = _outcome(lambda: infoflux.mutual_info(x, y, algorithm=algorithm))
    cmi = _outcome(lambda: infoflux.conditional_mutual_info(x, y, z, algorithm=algorithm))
    te = _outcome(lambda: infoflux.transfer_entropy(x, y, algorithm=algorithm, k=2))
    _outcome(lambda: infoflux.mutual_info(x, y, algorithm=algorithm, noise=0))
    _outcome(lambda: infoflux.mutual_info(x, y, algorithm=algorithm, normalize=False))
    _outcome(lambda: infoflux.conditional_mutual_info(x, y, z, algorithm=algorithm, noise=0, normalize=False))
    # per-column rescaling by powers of two: the same normalised data
    assume(_exact_scale(x, ex) and _exact_scale(y, ey))
    xs, ys = np.ldexp(x, ex), np.ldexp(y, ey)
    _same(mi, _outcome(lambda: infoflux.mutual_info(xs, ys, algorithm=algorithm)))
    _same(cmi, _outcome(lambda: infoflux.conditional_mutual_info(xs, ys, z, algorithm=algorithm)))
    _same(te, _outcome(lambda: infoflux.transfer_entropy(xs, ys, algorithm=algorithm, k=2)))


@st.composite
def _one_magnitude(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three columns of one magnitude (with ties): data spanning more than
    about 2^600 cannot all be scaled, or take noise, without digits lost at
    one end of the float64 range."""
    n = draw(st.integers(12, 40))
    mag = draw(st.sampled_from(_MAGNITUDES[3:-1]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cols = []
    for _ in range(3):
        levels = draw(st.sampled_from([0, 2, 3, 5]))
        col = rng.integers(0, levels, n) / (levels - 1) if levels else rng.uniform(-1.0, 1.0, n)
        cols.append(np.asarray(col * mag, dtype=np.float64))
    return cols[0], cols[1], cols[2]


@_SETTINGS
@given(_one_magnitude(), _U)
def test_joint_scaling_leaves_raw_estimates_unchanged(data: Any, u: float) -> None:
    # without normalisation, one power of two on every variable changes no
    # distance comparison
    x, y, z = data
    e = _exponent(np.concatenate([x, y, z]), u)
    assume(_exact_scale(x, e) and _exact_scale(y, e) and _exact_scale(z, e))
    xs, ys, zs = (np.ldexp(v, e) for v in (x, y, z))
    # the noise on a constant column is absolute (JIDT's convention): no
    # scale to be invariant to there
    varied = all(v.max() > v.min() for v in (x, y, z))
    raw: dict[str, Any] = {"normalize": False, "noise": 0}
    for kw in ({"normalize": False}, raw) if varied else (raw,):

        def both(f: Callable[..., Any], *args: np.ndarray, kw: dict[str, Any] = kw) -> tuple[Any, Any]:
            n = len(args) // 2
            return _outcome(lambda: f(*args[:n], **kw)), _outcome(lambda: f(*args[n:], **kw))

        _same(*both(infoflux.mutual_info, x, y, xs, ys))
        _same(*both(infoflux.conditional_mutual_info, x, y, z, xs, ys, zs))


@_SETTINGS
@given(_data(), st.sampled_from(["chebyshev", "euclidean"]), st.sampled_from([1, 2]), _U)
def test_entropy_finite_and_shifted_by_the_scale(data: Any, metric: str, d: int, u: float) -> None:
    x, y, _ = data
    X = np.column_stack([x, y][:d])
    e = _exponent(X, u)
    h = _outcome(lambda: infoflux.entropy(X, metric=metric))
    _outcome(lambda: infoflux.entropy(X, metric=metric, noise=0))
    assume(_exact_scale(X, e) and bool((X.max(axis=0) > X.min(axis=0)).all()))
    hs = _outcome(lambda: infoflux.entropy(np.ldexp(X, e), metric=metric))
    if h is not None and hs is not None:
        assert math.isclose(hs - d * e * math.log(2.0), h, rel_tol=1e-9, abs_tol=1e-9), (h, hs)


@_SETTINGS
@given(_data())
def test_matrix_significance_and_dropin_finite(data: Any) -> None:
    x, y, z = data
    X = np.column_stack([x, y, z])
    _outcome(lambda: infoflux.mutual_info_matrix(X))
    _outcome(lambda: infoflux.mutual_info_matrix(X, noise=0, normalize=False))
    _outcome(lambda: infoflux.transfer_entropy_significance(x, y, k=2, n_surrogates=3))
    _outcome(lambda: infoflux.transfer_entropy_significance(x, y, k=2, n_surrogates=3, noise=0))
    with warnings.catch_warnings():
        # scikit-learn's own preprocessing may warn on extreme columns
        warnings.simplefilter("ignore")
        try:
            mi = mutual_info_regression(X[:, :2], z, random_state=0)
        except (ValueError, TypeError):
            return
    assert np.isfinite(mi).all()


# ------------------------------------------------------------- no panic ---

_HOSTILE = textwrap.dedent(
    """
    import warnings
    import numpy as np
    import infoflux
    from infoflux.sklearn import mutual_info_regression

    warnings.simplefilter("ignore")
    x = np.random.default_rng(0).standard_normal(20)
    big = np.array([0, 1e300, 1e200, 1e-300, 1e200, 1.34e154, 0, 1e200, 1e300])
    top = np.array([1.7976931348623157e308, -1.7976931348623157e308, 0.0, 5e-324, -5e-324] * 4)
    calls = [
        lambda: infoflux.mutual_info(x, 1e200 * x, normalize=False),
        lambda: infoflux.conditional_mutual_info(x, 1e200 * x, x[::-1].copy(), normalize=False),
        lambda: infoflux.transfer_entropy(x, 1e200 * x, normalize=False),
        lambda: infoflux.mutual_info_matrix(np.column_stack([x, 1e200 * x]), normalize=False),
        lambda: infoflux.transfer_entropy_significance(x, 1e200 * x, normalize=False, n_surrogates=5),
        lambda: infoflux.entropy(big, k=4, metric="euclidean", noise=0),
        lambda: infoflux.entropy(np.column_stack([big, big[::-1]]), k=2, metric="euclidean", noise=0),
        lambda: infoflux.mutual_info(top, top[::-1].copy(), normalize=False, noise=0, algorithm=2),
        lambda: infoflux.mutual_info(top, top[::-1].copy(), normalize=False, algorithm=2),
        lambda: infoflux.entropy(top, noise=0),
        lambda: infoflux.entropy(top, metric="euclidean"),
        lambda: infoflux.mutual_info(np.zeros(1000), np.full(1000, 1e300), normalize=False),
        lambda: infoflux.mutual_info(np.ones(300), np.ones(300), noise=0),
        lambda: infoflux.mutual_info(np.ones(300), np.ones(300), noise=0, algorithm=2),
        lambda: infoflux.transfer_entropy(top, top[::-1].copy(), normalize=False, noise=0, k=2),
        lambda: mutual_info_regression(np.column_stack([x * 1e300, x * 1e-300]), x),
    ]
    for call in calls:
        try:
            call()
        except (ValueError, TypeError):
            pass
    print("done")
    """
)


def test_hostile_cases_write_no_panic_to_stderr() -> None:
    r = subprocess.run([sys.executable, "-c", _HOSTILE], capture_output=True, text=True, timeout=300)
    assert "panicked" not in r.stderr, r.stderr
    assert r.returncode == 0 and "done" in r.stdout, r.stderr


@st.composite
def _continuous_at_any_magnitude(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """A dependent continuous triple at a drawn magnitude, and two arbitrary (not power-of-two)
    scale factors that keep every value a normal float: the rescaled data rounds differently, so
    this checks invariance through the arithmetic, not only through exact scaling."""
    n = draw(st.integers(20, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    z = rng.standard_normal(n)
    x = z + rng.standard_normal(n)
    y = x + z + rng.standard_normal(n)
    mag = 10.0 ** draw(st.integers(-290, 290))

    def factor() -> float:
        # the scaled data's magnitude is mag * factor: keep it within [1e-300, 1e300]
        e = draw(st.integers(max(-300, -300 - round(math.log10(mag))), min(300, 300 - round(math.log10(mag)))))
        return float(draw(st.floats(1.0, 10.0, exclude_max=True)) * 10.0**e)

    return x * mag, y * mag, z * mag, factor(), factor()


@_SETTINGS
@given(_continuous_at_any_magnitude(), st.sampled_from([1, 2]))
def test_estimators_invariant_under_arbitrary_rescaling(data: Any, algorithm: int) -> None:
    x, y, z, sx, sy = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no tie warning either: the default noise breaks every tie
        _same(
            infoflux.mutual_info(x, y, algorithm=algorithm), infoflux.mutual_info(x * sx, y * sy, algorithm=algorithm)
        )
        _same(
            infoflux.conditional_mutual_info(x, y, z, algorithm=algorithm),
            infoflux.conditional_mutual_info(x * sx, y * sy, z * sx, algorithm=algorithm),
        )
        _same(
            infoflux.transfer_entropy(x, y, algorithm=algorithm, k=2),
            infoflux.transfer_entropy(x * sx, y * sy, algorithm=algorithm, k=2),
        )
        # entropy: H(s X) = H(X) + ln s (one column, max norm)
        h, hs = infoflux.entropy(x, noise=1e-10), infoflux.entropy(x * sx, noise=1e-10)
        assert math.isclose(hs - math.log(sx), h, rel_tol=1e-9, abs_tol=1e-9), (h, hs, sx)
