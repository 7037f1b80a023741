"""Hostile arguments for every public function and class of infoflux.markov.

Each argument of each entry point gets every value of ``HOSTILE``. A value
the argument accepts (listed per case) must give a result with no NaN in it,
or a ValueError naming the argument; every other value must raise a
ValueError or TypeError whose message names the argument. Never a
RuntimeError (a Rust panic), an OverflowError (an int too large for the
core), a MemoryError, or a bare message such as "min() arg is an empty
sequence".
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from _hostile import HOSTILE, walk
from infoflux.markov import MarkovChain, bernoulli_laplace, curie_weiss, kl_rate, select
from infoflux.markov._chain import TOL_FLOOR, pi_tolerance, row_tolerance

# rows of dyadic numbers: they sum to 1 exactly
P1 = np.array([[0.75, 0.25], [0.5, 0.5]])
P = np.kron(P1, P1)


def chain() -> MarkovChain:
    return MarkovChain(P, (2, 2))


BIG_INTS = ("2**63", "2**64", "2**70")

# (entry point taking the hostile value, argument named in errors, values it accepts)
CASES: dict[str, tuple[Callable[[Any], Any], str, tuple[str, ...]]] = {
    "MarkovChain.P": (lambda v: MarkovChain(v, (2, 2)), "P", ()),
    "MarkovChain.sizes": (lambda v: MarkovChain(P, v), "sizes", ()),
    "MarkovChain.pi": (lambda v: MarkovChain(P, (2, 2), pi=v), "pi", ("None",)),
    "MarkovChain.tol": (lambda v: MarkovChain(P, (2, 2), tol=v), "tol", ("None", "0", "1e300", "1.5", *BIG_INTS)),
    "MarkovChain.pi_tol": (lambda v: MarkovChain(P, (2, 2), pi_tol=v), "pi_tol", ("None", "1e300", "1.5", *BIG_INTS)),
    "MarkovChain.max_iter": (lambda v: MarkovChain(P, (2, 2), max_iter=v), "max_iter", ()),
    "MarkovChain.n_threads": (lambda v: MarkovChain(P, (2, 2), n_threads=v), "n_threads", ("None", "0", "-1")),
    "matrix.dense": (lambda v: chain().matrix(dense=v), "dense", ("True",)),
    "flow_entropy.S": (lambda v: chain().flow_entropy(v), "S", ("None", "0", "empty")),
    "stationary_entropy.S": (lambda v: chain().stationary_entropy(v), "S", ("None", "0", "empty")),
    "entropy_rate.S": (lambda v: chain().entropy_rate(v), "S", ("None", "0", "empty")),
    "factorizability.S": (lambda v: chain().factorizability(v), "S", ("None", "0", "empty")),
    "factorizability.W": (lambda v: chain().factorizability([1], v), "W", ("None", "0", "empty")),
    "independence.S": (lambda v: chain().independence(v), "S", ("None", "0", "empty")),
    "stationarity.S": (lambda v: chain().stationarity(v), "S", ("None", "0", "empty")),
    "objective.name": (lambda v: chain().objective(v, [0]), "name", ()),
    "objective.S": (lambda v: chain().objective("entropy_rate", v), "S", ("None", "0", "empty")),
    "objective.complement": (lambda v: chain().objective("entropy_rate", [0], complement=v), "complement", ("True",)),
    "objective.W": (lambda v: chain().objective("factorizability", [1], W=v), "W", ("None", "0", "empty")),
    "objective.partition": (lambda v: chain().objective("entropy_rate", [0], partition=v), "partition", ("None",)),
    "evaluate.objective": (lambda v: chain().evaluate(v, [[0]]), "objective", ()),
    "evaluate.sets": (lambda v: chain().evaluate("entropy_rate", v), "sets", ("empty",)),
    "evaluate.complement": (lambda v: chain().evaluate("entropy_rate", [[0]], complement=v), "complement", ("True",)),
    "stationary_marginal.S": (lambda v: chain().stationary_marginal(v), "S", ("None", "0", "empty")),
    "projection.S": (lambda v: chain().projection(v), "S", ("None", "0", "empty")),
    "projection.dense": (lambda v: chain().projection([0], dense=v), "dense", ("True",)),
    "select.chain": (lambda v: select(v, "entropy_rate", 1), "chain", ()),
    "select.objective": (lambda v: select(chain(), v, 1), "objective", ()),
    "select.objective_returns": (
        lambda v: select(chain(), lambda c, S: v, 1),
        "objective",
        ("1e300", "-1", "0", "1.5", *BIG_INTS),
    ),
    "select.m": (lambda v: select(chain(), "entropy_rate", v), "m", ()),
    "select.method": (lambda v: select(chain(), "entropy_rate", 1, method=v), "method", ()),
    "select.maximize": (lambda v: select(chain(), "entropy_rate", 1, maximize=v), "maximize", ("True",)),
    "select.complement": (lambda v: select(chain(), "entropy_rate", 1, complement=v), "complement", ("True",)),
    "select.W": (lambda v: select(chain(), "factorizability", 1, W=v), "W", ("None", "0", "empty")),
    "select.partition": (lambda v: select(chain(), "entropy_rate", 1, partition=v), "partition", ("None",)),
    "select.exact": (lambda v: select(chain(), "entropy_rate", 1, exact=v), "exact", ("None", "True")),
    "select.lazy": (lambda v: select(chain(), "entropy_rate", 1, lazy=v), "lazy", ("True",)),
    "select.cost": (lambda v: select(chain(), "entropy_rate", 1, method="distorted_greedy", cost=v), "cost", ("None",)),
    "select.batch_sizes": (
        lambda v: select(chain(), "entropy_rate", 2, method="batch_greedy", batch_sizes=v),
        "batch_sizes",
        BIG_INTS,
    ),
    "select.method_option": (lambda v: chain().select("entropy_rate", 1, v), "method", ()),
    "kl_rate.P": (lambda v: kl_rate(v, P), "P", ()),
    "kl_rate.L": (lambda v: kl_rate(P, v), "L", ()),
    "kl_rate.pi": (lambda v: kl_rate(P, P, pi=v), "pi", ("None",)),
    "kl_rate.n_threads": (lambda v: kl_rate(P, P, n_threads=v), "n_threads", ("None", "0", "-1")),
    "curie_weiss.d": (lambda v: curie_weiss(v), "d", ()),
    "curie_weiss.beta": (lambda v: curie_weiss(4, beta=v), "beta", ("1e300", "0", "1.5", *BIG_INTS)),
    "curie_weiss.h": (lambda v: curie_weiss(4, h=v), "h", ("1e300", "-1", "0", "1.5", *BIG_INTS)),
    "curie_weiss.n_threads": (lambda v: curie_weiss(3, n_threads=v), "n_threads", ("None", "0", "-1")),
    "bernoulli_laplace.l": (lambda v: bernoulli_laplace(v, 1), "l", ()),
    "bernoulli_laplace.N": (lambda v: bernoulli_laplace((1, 1, 2), v), "N", ()),
    "bernoulli_laplace.n_threads": (
        lambda v: bernoulli_laplace((1, 1, 2), 2, n_threads=v),
        "n_threads",
        ("None", "0", "-1"),
    ),
}


def _floats(obj: Any) -> list[float]:
    """Every float a result carries (numbers, arrays, dataclass fields, a chain's properties)."""
    if isinstance(obj, (float, np.floating)):
        return [float(obj)]
    if isinstance(obj, np.ndarray):
        return [float(x) for x in np.asarray(obj, dtype=np.float64).ravel()] if obj.dtype.kind == "f" else []
    if isinstance(obj, MarkovChain):
        return [*obj.pi.tolist(), obj.stationary_residual, obj.entropy_rate()]
    if hasattr(obj, "toarray"):
        return _floats(obj.toarray())
    if hasattr(obj, "values") and hasattr(obj, "selected"):
        return [*_floats(obj.values), obj.value]
    if isinstance(obj, (tuple, list)):
        return [x for o in obj for x in _floats(o)]
    return []


@pytest.mark.parametrize("value", list(HOSTILE))
@pytest.mark.parametrize("case", list(CASES))
def test_hostile_argument(case: str, value: str) -> None:
    call, arg, accepted = CASES[case]
    walk(case, value, call, arg, accepted, _floats)


# --- tolerances ------------------------------------------------------------------


def test_bernoulli_laplace_builds_at_a_million_balls() -> None:
    # the log-binomials reach 1e7: their rounding alone puts the closed-form
    # pi about 5e-10 from stationarity, beyond the fixed floor of 1e-10
    chain = bernoulli_laplace([10**6, 10**6], 10**6)
    assert chain.n_states == 10**6 + 1
    assert 1e-10 < chain.stationary_residual < 1e-8
    assert chain.stationary_method == "closed form"
    assert math.isfinite(chain.entropy_rate()) and chain.entropy_rate() > 0


def test_default_tolerances_scale_with_row_and_column_length() -> None:
    eps = np.finfo(np.float64).eps
    assert row_tolerance(4) == pi_tolerance(4) == TOL_FLOOR
    assert row_tolerance(10**6) == pytest.approx(4 * eps * 10**6)
    assert pi_tolerance(10**6) == pytest.approx(4 * eps * (10**6 + 3))


def test_long_row_within_its_rounding_bound_is_accepted_by_default() -> None:
    # state 0 spreads over all n states, every other state returns to 0; row
    # 0 sums to 1 + 2e-10, beyond the fixed 1e-10 but within 4 eps n
    sp = importlib.import_module("scipy.sparse")  # in the test extra: missing is a failure
    n = 300_000
    rows = np.concatenate([np.zeros(n, dtype=np.int64), np.arange(1, n)])
    cols = np.concatenate([np.arange(n), np.zeros(n - 1, dtype=np.int64)])
    vals = np.concatenate([np.full(n, (1 + 2e-10) / n), np.ones(n - 1)])
    M = sp.csr_array((vals, (rows, cols)), shape=(n, n))
    pi = np.concatenate([[n / (2 * n - 1)], np.full(n - 1, 1 / (2 * n - 1))])
    chain = MarkovChain(M, (n,), pi=pi)
    assert chain.stationary_residual < pi_tolerance(n)
    with pytest.raises(ValueError, match="row 0 sums to"):
        MarkovChain(M, (n,), pi=pi, tol=1e-10)


def test_pi_tol_is_the_callers_and_is_checked() -> None:
    noisy = np.full(4, 0.25) + np.array([1e-7, -1e-7, 0, 0])
    Q = np.full((4, 4), 0.25)
    with pytest.raises(ValueError, match="not stationary"):
        MarkovChain(Q, (2, 2), pi=noisy)
    chain = MarkovChain(Q, (2, 2), pi=noisy, pi_tol=1e-6)
    assert chain.stationary_residual <= 1e-6
    # tol still sets both when pi_tol is not given; pi_tol wins when it is
    MarkovChain(Q, (2, 2), pi=noisy, tol=1e-6)
    with pytest.raises(ValueError, match="not stationary"):
        MarkovChain(Q, (2, 2), pi=noisy, tol=1e-6, pi_tol=1e-9)
    for bad in (0, 0.0, -1e-3, math.nan, math.inf):
        with pytest.raises(ValueError, match="pi_tol"):
            MarkovChain(Q, (2, 2), pi_tol=bad)
    for bad in ("1e-6", True, [1e-6]):
        with pytest.raises(TypeError, match="pi_tol"):
            MarkovChain(Q, (2, 2), pi_tol=bad)


def test_computed_pi_failing_a_tolerance_names_the_tolerance() -> None:
    # a linear solve is accurate to rounding, not to zero
    with pytest.raises(ValueError, match=r"^pi_tol: .*linear solve"):
        MarkovChain(P, (2, 2), pi_tol=1e-300)
    with pytest.raises(ValueError, match=r"^tol: .*linear solve"):
        MarkovChain(P, (2, 2), tol=0)


# --- messages the issue named -----------------------------------------------------


def test_messages_name_the_argument() -> None:
    with pytest.raises(TypeError, match=r"^n_threads: "):
        MarkovChain(P, (2, 2), n_threads=1.5)
    with pytest.raises(TypeError, match=r"^pi: "):
        MarkovChain(P, (2, 2), pi="ab")
    with pytest.raises(ValueError, match=r"^objective: returned nan for the set \(\)"):
        select(chain(), lambda c, S: float("nan"), 1)
    with pytest.raises(TypeError, match=r"^objective: returned 'x'"):
        select(chain(), lambda c, S: "x", 1)
    for big in (2**63, 2**64, 2**70):
        with pytest.raises(ValueError, match=r"^max_iter: must be an integer in \[1, 2\*\*63 - 1\]"):
            MarkovChain(P, (2, 2), max_iter=big)
        with pytest.raises(ValueError, match=r"^n_threads: must be an integer in \[-\(2\*\*63 - 1\), 2\*\*63 - 1\]"):
            MarkovChain(P, (2, 2), n_threads=big)
        with pytest.raises(ValueError, match=r"^n_threads: "):
            kl_rate(P, P, n_threads=big)
        with pytest.raises(ValueError, match=r"^n_threads: "):
            curie_weiss(3, n_threads=big)
    with pytest.raises(TypeError, match=r"^max_iter: "):
        MarkovChain(P, (2, 2), max_iter=True)
    with pytest.raises(TypeError, match=r"^max_iter: "):
        MarkovChain(P, (2, 2), max_iter=10.0)
    with pytest.raises(TypeError, match=r"^sizes\[1\]: "):
        MarkovChain(P, (2, 2.0))
    with pytest.raises(TypeError, match=r"^l\[0\]: "):
        bernoulli_laplace([1.5, 2], 1)
    with pytest.raises(TypeError, match=r"^batch_sizes\[0\]: "):
        select(chain(), "entropy_rate", 2, method="batch_greedy", batch_sizes=[1.5, 0.5])


def test_curie_weiss_extreme_parameters() -> None:
    # beta H overflows: the energies are shifted first and pi is the limit
    cold = curie_weiss(4, beta=1e300, h=1e300)
    assert cold.pi.max() == 1.0 and cold.entropy_rate() == 0.0
    with pytest.raises(ValueError, match=r"^beta: "):
        curie_weiss(4, beta=-0.1)
    with pytest.raises(ValueError, match=r"^h: "):
        curie_weiss(4, beta=0.0, h=1e308)
    # several frozen local minima: the core's complaint names the model's arguments
    with pytest.raises(ValueError, match=r"^beta, h: .*closed communicating class"):
        curie_weiss(4, beta=1e300, h=1.0)


def test_selection_that_adds_nothing_has_the_empty_sets_value() -> None:
    res = select(chain(), lambda c, S: -float(len(S)), 1, exact=False)
    assert res.selected == () and res.value == 0.0
    # ordinary runs keep their info as it was
    assert select(chain(), "entropy_rate", 1).info == {}
