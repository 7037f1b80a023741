"""The validators every family shares (``infoflux._validation``): one
message form, naming the argument and, for numbers, the range."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import infoflux
from infoflux import _validation as V


@pytest.mark.parametrize(
    ("value", "kwargs", "message"),
    [
        (0, {"low": 1}, r"^m: must be an integer in \[1, 2\*\*63 - 1\], got 0$"),
        (2**63, {"low": 1}, r"^m: must be an integer in \[1, 2\*\*63 - 1\], got 2\*\*63$"),
        (-(2**70), {"low": 0, "high": None}, r"^m: must be an integer in \[0, inf\], got -2\*\*70$"),
        (10**40, {"low": 0, "high": 10}, r"^m: must be an integer in \[0, 10\], got 100000000000\.\.\. \(41 digits\)$"),
        (2**61, {"low": 0, "high": 2**60}, r"^m: must be an integer in \[0, 2\*\*60\], got 2\*\*61$"),
    ],
)
def test_check_int_ranges(value: int, kwargs: dict[str, int | None], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        V.check_int(value, "m", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [1.0, 1.5, True, np.True_, "1", None, np.array([1]), Fraction(1)])
def test_check_int_types(value: object) -> None:
    with pytest.raises(TypeError, match=r"^m: expected an integer in \[1, 2\*\*63 - 1\], got "):
        V.check_int(value, "m", low=1)


def test_check_int_accepts_numpy_integers_and_returns_int() -> None:
    for v in (np.int8(3), np.uint64(3), np.int64(3), 3):
        out = V.check_int(v, "m", low=1)
        assert out == 3 and type(out) is int
    assert V.check_int(2**63 - 1, "m") == 2**63 - 1
    assert V.check_int(2**200, "m", high=None) == 2**200


def test_check_threads_keeps_joblib_meanings() -> None:
    for v in (None, 0, -1, -2, 1, 1000, 2**63 - 1, -(2**63 - 1)):
        assert V.check_threads(v) == v
    for big in (2**63, -(2**63), 2**70):
        with pytest.raises(ValueError, match=r"^n_threads: must be an integer in \[-\(2\*\*63 - 1\), 2\*\*63 - 1\]"):
            V.check_threads(big)
    with pytest.raises(ValueError, match=r"^n_jobs: "):
        V.check_threads(2**64, "n_jobs")
    for bad in (1.5, True, "2"):
        with pytest.raises(TypeError, match=r"^n_threads: expected None or an integer"):
            V.check_threads(bad)


def test_check_real_bounds_and_huge_integers() -> None:
    assert V.check_real(2**70, "r") == float(2**70)
    assert V.check_real(np.float32(0.5), "r", low=0, high=1) == 0.5
    with pytest.raises(ValueError, match=r"^r: must be finite, >= 0 and < 1, got 1$"):
        V.check_real(1, "r", low=0.0, high=1.0, high_open=True)
    with pytest.raises(ValueError, match=r"^r: must be finite and > 0, got 100000000000\.\.\. \(401 digits\)$"):
        V.check_real(10**400, "r", low=0.0, low_open=True)
    with pytest.raises(ValueError, match=r"^r: must be finite, got -100000000000\.\.\. \(401 digits\)$"):
        V.check_real(-(10**400), "r")
    # finite=False admits infinity (an unbounded rate), never NaN
    assert V.check_real(math.inf, "r", low=0.0, finite=False) == math.inf
    assert V.check_real(10**400, "r", low=0.0, finite=False) == math.inf
    with pytest.raises(ValueError, match=r"^r: must be >= 0, got nan$"):
        V.check_real(math.nan, "r", low=0.0, finite=False)
    for bad in ("1", True, None, np.array([1.0]), 1j):
        with pytest.raises(TypeError, match=r"^r: expected a real number"):
            V.check_real(bad, "r")


def test_check_flag_refuses_truthy_values() -> None:
    assert V.check_flag(np.False_, "f") is False
    for bad in (1, 0, "yes", "no", None, np.array([True])):
        with pytest.raises(TypeError, match=r"^f: expected True or False"):
            V.check_flag(bad, "f")


def test_check_seed_accepts_what_default_rng_accepts() -> None:
    g = np.random.default_rng(1)
    ss = np.random.SeedSequence(1)
    assert V.check_seed(g) is g and V.check_seed(ss) is ss and V.check_seed(None) is None
    assert V.check_seed(np.uint64(2**63)) == 2**63 and V.check_seed(2**100) == 2**100
    with pytest.raises(ValueError, match=r"^rng: must be an integer in \[0, inf\], got -1$"):
        V.check_seed(-1, "rng")
    for bad in ("abc", 1.5, True, [1, 2]):
        with pytest.raises(TypeError, match=r"^seed: expected None, an integer >= 0"):
            V.check_seed(bad)


def test_check_choice_never_compares_arrays() -> None:
    assert V.check_choice("block", "method", ("permutation", "block")) == "block"
    for bad in (np.array(["block"]), np.empty(0), None, 1, "Block"):
        with pytest.raises(ValueError, match=r"^method: must be 'permutation' or 'block', got "):
            V.check_choice(bad, "method", ("permutation", "block"))
    with pytest.raises(ValueError, match=r"^metric: must be 'chebyshev' or 'euclidean'"):
        V.check_metric(np.zeros(2))
    with pytest.raises(ValueError, match=r"^algorithm: must be 1 or 2"):
        V.check_algorithm(np.array([1, 2]))
    assert V.check_algorithm(2.0) == 2 and V.check_algorithm(np.int64(1)) == 1


def test_couplings_use_the_shared_real_checks() -> None:
    p = [0.5, 0.5]
    # a rate beyond the float range is no bound, as math.inf is
    assert infoflux.ebim(p, 10**400).mutual_information == infoflux.ebim(p, math.inf).mutual_information == 1.0
    assert infoflux.bottleneck_coupling(p, p, 2**2000).mutual_information == 1.0
    with pytest.raises(ValueError, match=r"^base: "):
        infoflux.greedy_coupling(p, p, base=10**400)
    with pytest.raises(ValueError, match=r"^tol: must be finite, >= 0 and < 1"):
        infoflux.greedy_coupling(p, p, tol=1)
    c = infoflux.greedy_coupling(p, [0.5, 0.25, 0.25])
    with pytest.raises(ValueError, match=r"^axis: must be an integer in \[-2, 1\], got 2$"):
        c.marginal(2)
    with pytest.raises(ValueError, match=r"^x_index: must be an integer in \[0, 1\], got 2\*\*63$"):
        infoflux.sample_conditional(c, 2**63)


def test_mec_no_longer_imports_markov() -> None:
    import ast
    from pathlib import Path

    tree = ast.parse(Path(infoflux.mec.__file__).read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(m and m.startswith("infoflux.markov") for m in modules)
