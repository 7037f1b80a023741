"""Hostile arguments for every public function and result class of infoflux.mec.

As in tests/test_markov_hostile.py: each argument gets every value of
``HOSTILE``; a value the argument accepts must give a result with no NaN
(or a ValueError naming the argument), every other value must raise a
ValueError or TypeError naming the argument. Never a RuntimeError, an
OverflowError or a MemoryError (except ``to_dense`` refusing more cells than
``max_size`` allows, its documented MemoryError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from _hostile import HOSTILE, walk
from infoflux.mec import (
    BottleneckCoupling,
    Coupling,
    CouplingBatch,
    EBIMResult,
    bottleneck_coupling,
    coupling_lower_bound,
    ebim,
    greedy_coupling,
    greedy_coupling_batch,
    one_bit_coupling,
    sample_conditional,
)

p, q = [0.5, 0.5], [0.5, 0.25, 0.25]
P2, Q2 = np.array([p, p]), np.array([q, q])
C = greedy_coupling(p, q)
BIG_INTS = ("2**63", "2**64", "2**70")
BASES = ("1e300", "1.5", *BIG_INTS)
RATES = ("inf", "1e300", "0", "1.5", *BIG_INTS)
THREADS = ("None", "0", "-1")


def _common(fn: Callable[..., Any], *args: Any) -> dict[str, tuple[Callable[[Any], Any], str, tuple[str, ...]]]:
    """The keyword arguments the coupling functions share."""
    out: dict[str, tuple[Callable[[Any], Any], str, tuple[str, ...]]] = {
        "normalize": (lambda v: fn(*args, normalize=v), "normalize", ("True",)),
        "tol": (lambda v: fn(*args, tol=v), "tol", ("0",)),
        "base": (lambda v: fn(*args, base=v), "base", BASES),
    }
    return {f"{fn.__name__}.{k}": v for k, v in out.items()}


CASES: dict[str, tuple[Callable[[Any], Any], str, tuple[str, ...]]] = {
    "greedy_coupling.marginals[0]": (lambda v: greedy_coupling(v, q), "marginals[0]", ()),
    "greedy_coupling.marginals[1]": (lambda v: greedy_coupling(p, v), "marginals[1]", ()),
    **_common(greedy_coupling, p, q),
    "greedy_coupling.bounds": (lambda v: greedy_coupling(p, q, bounds=v), "bounds", ("True",)),
    "greedy_coupling.n_threads": (lambda v: greedy_coupling(p, q, n_threads=v), "n_threads", THREADS),
    "greedy_coupling_batch.marginals[0]": (lambda v: greedy_coupling_batch(v, Q2), "marginals[0]", ()),
    "greedy_coupling_batch.marginals[1]": (lambda v: greedy_coupling_batch(P2, v), "marginals[1]", ()),
    **_common(greedy_coupling_batch, P2, Q2),
    "greedy_coupling_batch.bounds": (lambda v: greedy_coupling_batch(P2, Q2, bounds=v), "bounds", ("True",)),
    "greedy_coupling_batch.n_threads": (lambda v: greedy_coupling_batch(P2, Q2, n_threads=v), "n_threads", THREADS),
    "coupling_lower_bound.marginals[0]": (lambda v: coupling_lower_bound(v, q), "marginals[0]", ()),
    "coupling_lower_bound.method": (lambda v: coupling_lower_bound(p, q, method=v), "method", ()),
    **_common(coupling_lower_bound, p, q),
    "one_bit_coupling.p": (lambda v: one_bit_coupling(v, q), "p", ()),
    "one_bit_coupling.q": (lambda v: one_bit_coupling(p, v), "q", ()),
    **_common(one_bit_coupling, p, q),
    "ebim.p_x": (lambda v: ebim(v, 1.0), "p_x", ()),
    "ebim.rate": (lambda v: ebim(q, v), "rate", RATES),
    **_common(ebim, q, 1.0),
    "bottleneck_coupling.p_x": (lambda v: bottleneck_coupling(v, p, 1.0), "p_x", ()),
    "bottleneck_coupling.p_y": (lambda v: bottleneck_coupling(q, v, 1.0), "p_y", ()),
    "bottleneck_coupling.rate": (lambda v: bottleneck_coupling(q, p, v), "rate", RATES),
    **_common(bottleneck_coupling, q, p, 1.0),
    "sample_conditional.coupling": (lambda v: sample_conditional(v, 0), "coupling", ()),
    "sample_conditional.x_index": (lambda v: sample_conditional(C, v), "x_index", ("0",)),
    "sample_conditional.rng": (lambda v: sample_conditional(C, 0, v), "rng", ("None", "0", *BIG_INTS)),
    "sample_conditional.axis": (lambda v: sample_conditional(C, 0, axis=v), "axis", ("0", "-1")),
    "sample_conditional.size": (lambda v: sample_conditional(C, 0, size=v), "size", ("None", "0")),
    "Coupling.marginal.axis": (lambda v: C.marginal(v), "axis", ("0", "-1")),
    "Coupling.conditional.index": (lambda v: C.conditional(v), "index", ("0",)),
    "Coupling.conditional.axis": (lambda v: C.conditional(0, v), "axis", ("0", "-1")),
    "Coupling.to_dense.max_size": (lambda v: C.to_dense(v), "max_size", ("0",)),
}


def _floats(obj: Any) -> list[float]:
    """Every float a result carries."""
    if isinstance(obj, (float, np.floating)):
        return [float(obj)]
    if isinstance(obj, np.ndarray):
        return [float(x) for x in obj.ravel()] if obj.dtype.kind == "f" else []
    if isinstance(obj, Coupling):
        return [obj.entropy, *obj.masses.tolist(), *obj.lower_bounds.values()]
    if isinstance(obj, CouplingBatch):
        return [*obj.entropy.tolist(), *obj.masses.tolist(), *obj.gap.tolist()]
    if isinstance(obj, EBIMResult):
        return [obj.mutual_information, *obj.p_t.tolist()]
    if isinstance(obj, BottleneckCoupling):
        return [obj.mutual_information, *_floats(obj.encoder), *_floats(obj.decoder), *_floats(obj.joint)]
    if isinstance(obj, (tuple, list)):
        return [x for o in obj for x in _floats(o)]
    return []


@pytest.mark.parametrize("value", list(HOSTILE))
@pytest.mark.parametrize("case", list(CASES))
def test_hostile_argument(case: str, value: str) -> None:
    call, arg, accepted = CASES[case]
    try:
        walk(case, value, call, arg, accepted, _floats)
    except MemoryError as e:
        # the documented refusal of to_dense beyond max_size
        assert case == "Coupling.to_dense.max_size" and value in accepted and "max_size" in str(e)


def test_batch_index_is_an_int_in_range() -> None:
    batch = greedy_coupling_batch(P2, Q2)
    for v in (2, -3, 2**63, 2**70):
        with pytest.raises(IndexError, match="batch index"):
            batch[v]
    for v in (1.0, "a", None, True, np.zeros(2)):
        with pytest.raises(TypeError, match="batch index"):
            batch[v]


def test_messages_name_the_argument() -> None:
    with pytest.raises(TypeError, match=r"^rng: "):
        sample_conditional(C, 0, "a")
    with pytest.raises(ValueError, match=r"^rng: "):
        sample_conditional(C, 0, -1)
    with pytest.raises(ValueError, match=r"^max_size: must be an integer in \[0, 2\*\*60\]"):
        C.to_dense(max_size=-1)
    with pytest.raises(ValueError, match=r"^size: must be an integer in \[0, 2\*\*60\]"):
        sample_conditional(C, 0, size=2**70)
    with pytest.raises(TypeError, match=r"^size: "):
        sample_conditional(C, 0, size=2.0)
    with pytest.raises(TypeError, match=r"^index: "):
        C.conditional(0.5)
    with pytest.raises(ValueError, match=r"^index: "):
        C.conditional(7)
    for big in (2**63, 2**64, 2**70):
        with pytest.raises(ValueError, match=r"^n_threads: must be an integer in"):
            greedy_coupling(p, q, n_threads=big)
        with pytest.raises(ValueError, match=r"^n_threads: must be an integer in"):
            greedy_coupling_batch(P2, Q2, n_threads=big)
    with pytest.raises(TypeError, match=r"^normalize: "):
        greedy_coupling(p, q, normalize="yes")
    with pytest.raises(TypeError, match=r"^bounds: "):
        greedy_coupling(p, q, bounds=1)
    with pytest.raises(ValueError, match=r"^tol: must be finite, >= 0 and < 1"):
        greedy_coupling(p, q, tol=1.0)


def test_normalize_survives_a_sum_that_overflows() -> None:
    # each mass is finite; only their sum overflows
    big = greedy_coupling([1.7e308, 1.7e308], [0.5, 0.5], normalize=True)
    assert big.entropy == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_array_equal(big.marginal(0), [0.5, 0.5])
    batch = greedy_coupling_batch(np.array([[1.7e308, 1.7e308], [1.0, 3.0]]), Q2, normalize=True)
    np.testing.assert_array_equal(batch[0].marginal(0), [0.5, 0.5])
    np.testing.assert_array_equal(batch[1].marginal(0), [0.25, 0.75])
