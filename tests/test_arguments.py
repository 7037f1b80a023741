"""Hostile arguments for every public k-NN and transfer-entropy function.

Each argument of each function (found from its signature, so a new keyword is
walked without editing this file) gets every value of ``HOSTILE``, and every
array argument also the values of ``HOSTILE_ARRAYS``. A value the argument
accepts (listed in ``ACCEPTED``) must give a result with no NaN in it (the
diagonals of the matrices, NaN by definition, aside) or a ValueError naming
the argument; every other value must raise a ValueError or TypeError whose
message names the argument. Never an OverflowError (an integer too large for
the core), a RuntimeError (a Rust panic), a MemoryError, or an error raised
by NumPy or Python without the argument's name.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import infoflux
from _hostile import HOSTILE, names

N = 120
_rng = np.random.default_rng(7)
X1 = _rng.standard_normal(N)
Y1 = X1 + _rng.standard_normal(N)
Z1 = _rng.standard_normal(N)
X3 = _rng.standard_normal((N, 3))

# values only array arguments get: data of the wrong length or content, and a
# list of trials whose arrays have different numbers of columns
HOSTILE_ARRAYS: dict[str, Any] = {
    "short": np.arange(7.0),
    "no columns": np.zeros((N, 0)),
    "NaN inside": np.where(np.arange(N) == 5, np.nan, X1),
    "inf inside": np.where(np.arange(N) == 5, np.inf, X1),
    "complex": X1.astype(complex),
    "objects": np.array([object()] * N),
    "ragged trials": [X3[:, :1], X3[:, :2]],
    "nested lists": [[1.0, 2.0], [3.0]],
}

BIG_INTS = ("2**63", "2**64", "2**70")

# the positional (array) arguments of each function and the call's other
# arrays: every keyword not named here keeps its default
FUNCTIONS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "mutual_info": (infoflux.mutual_info, {"x": X1, "y": Y1}),
    "conditional_mutual_info": (infoflux.conditional_mutual_info, {"x": X1, "y": Y1, "z": Z1}),
    "entropy": (infoflux.entropy, {"x": X1}),
    "mutual_info_matrix": (infoflux.mutual_info_matrix, {"X": X3}),
    "transfer_entropy": (infoflux.transfer_entropy, {"source": X1, "target": Y1}),
    "transfer_entropy_significance": (
        infoflux.transfer_entropy_significance,
        {"source": X1, "target": Y1, "n_surrogates": 3},
    ),
    "transfer_entropy_matrix": (infoflux.transfer_entropy_matrix, {"X": X3}),
}
# keywords set in the base call so that the argument under test is used:
# condition embedding with a condition present, surrogates in the network
CONTEXT: dict[str, dict[str, Any]] = {
    "condition_history": {"conditions": X3[:, :1], "conditioning": "all"},
    "condition_delay": {"conditions": X3[:, :1], "conditioning": "all"},
    "condition_lag": {"conditions": X3[:, :1], "conditioning": "all"},
    "method": {"n_surrogates": 3},
    "block_size": {"n_surrogates": 3, "method": "block"},
    "progress": {"n_surrogates": 0},
}

# hostile values each argument accepts (all others must be refused)
ACCEPTED: dict[str, tuple[str, ...]] = {
    "base": ("1e300", "1.5", *BIG_INTS),
    "local": ("True",),
    "normalize": ("True",),
    "noise": ("1e300", "0", "1.5", *BIG_INTS),
    "seed": ("0", "None", *BIG_INTS),
    "n_threads": ("None", "0", "-1"),
    "tile_size": ("None",),
    "conditions": ("None",),
    "condition_lag": ("0",),
    "exclude": ("0",),
    "block_size": ("None",),
    "progress": ("None", "True"),
    "conditioning": ("None", "empty"),
    "executor": ("None",),
    "lnc_alpha": ("None",),
}
ACCEPTED_IN: dict[tuple[str, str], tuple[str, ...]] = {
    ("transfer_entropy_matrix", "n_surrogates"): ("0",),
    ("entropy", "x"): ("short",),  # 7 samples: enough for k=3
}
ARRAY_ARGS = ("x", "y", "z", "X", "source", "target", "conditions")


def _cases() -> list[tuple[str, str, str]]:
    out = []
    for fname, (f, _) in FUNCTIONS.items():
        for arg in inspect.signature(f).parameters:
            values = list(HOSTILE) + (list(HOSTILE_ARRAYS) if arg in ARRAY_ARGS else [])
            out += [(fname, arg, v) for v in values]
    return out


def _call(fname: str, arg: str, value: Any) -> Any:
    f, base = FUNCTIONS[fname]
    params = inspect.signature(f).parameters
    kwargs = {k: v for k, v in {**base, **CONTEXT.get(arg, {})}.items() if k in params}
    kwargs[arg] = value
    positional = [kwargs.pop(p) for p in list(params) if params[p].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    return f(*positional, **kwargs)


def _floats(out: Any) -> np.ndarray:
    """The values a result carries, without the NaN diagonal of a matrix."""
    if isinstance(out, infoflux.TENetwork):
        parts = [out.values] + [a for a in (out.p_values,) if a is not None]
        return np.concatenate([_floats(p) for p in parts])
    if isinstance(out, infoflux.Significance):
        return np.concatenate([[out.estimate, out.p_value], out.surrogates])
    a = np.asarray(out, dtype=np.float64)
    if a.ndim == 2 and a.shape[0] == a.shape[1]:
        return a[~np.eye(a.shape[0], dtype=bool)]
    return a.ravel()


@pytest.mark.parametrize(("fname", "arg", "value"), _cases())
def test_hostile_argument(fname: str, arg: str, value: str) -> None:
    hostile = HOSTILE[value] if value in HOSTILE else HOSTILE_ARRAYS[value]
    accepted = ACCEPTED_IN.get((fname, arg), ACCEPTED.get(arg, ()))
    try:
        out = _call(fname, arg, hostile)
    except (ValueError, TypeError) as e:
        named = names(str(e), arg)
        if not named and value == "short" and arg == next(iter(FUNCTIONS[fname][1])):
            # the first array sets the length: the message names the array
            # that differs from it and calls this one "the first argument"
            named = "the first argument" in str(e)
        assert named, f"{fname}({arg}={value}): {type(e).__name__} does not name {arg!r}: {e}"
        if value in accepted:
            assert isinstance(e, ValueError), f"{fname}({arg}={value}) is a valid value, refused with {e!r}"
        return
    assert value in accepted, f"{fname}({arg}={value}) was accepted and returned {out!r}"
    values = _floats(out)
    assert np.isfinite(values).all(), f"{fname}({arg}={value}) returned {out!r}"


def test_every_public_knn_and_te_function_is_walked() -> None:
    walked = {f for f, _, _ in _cases()}
    public = {
        "mutual_info",
        "conditional_mutual_info",
        "entropy",
        "mutual_info_matrix",
        "transfer_entropy",
        "transfer_entropy_significance",
        "transfer_entropy_matrix",
    }
    assert walked == public
    # every keyword of each has a hostile value (the walk reads the signature)
    for fname, (f, _) in FUNCTIONS.items():
        args = {a for g, a, _ in _cases() if g == fname}
        assert args == set(inspect.signature(f).parameters)


# --- the cases named one by one ---------------------------------------------------


@pytest.mark.parametrize("big", [2**63, 2**64, 2**70])
def test_oversized_integers_are_value_errors_with_the_range(big: int) -> None:
    x, y = X1, Y1
    threads = r"^n_threads: must be an integer in \[-\(2\*\*63 - 1\), 2\*\*63 - 1\], got 2\*\*\d+$"
    for f in (
        lambda: infoflux.mutual_info(x, y, n_threads=big),
        lambda: infoflux.conditional_mutual_info(x, y, Z1, n_threads=big),
        lambda: infoflux.entropy(x, n_threads=big),
        lambda: infoflux.mutual_info_matrix(X3, n_threads=big),
        lambda: infoflux.transfer_entropy(x, y, n_threads=big),
        lambda: infoflux.transfer_entropy_significance(x, y, n_threads=big),
        lambda: infoflux.transfer_entropy_matrix(X3, n_threads=big),
    ):
        with pytest.raises(ValueError, match=threads):
            f()
    with pytest.raises(ValueError, match=r"^n_surrogates: must be an integer in \[1, 2\*\*63 - 1\]"):
        infoflux.transfer_entropy_significance(x, y, n_surrogates=big)
    with pytest.raises(ValueError, match=r"^n_surrogates: must be an integer in \[0, 2\*\*63 - 1\]"):
        infoflux.transfer_entropy_matrix(X3, n_surrogates=big)
    with pytest.raises(ValueError, match=r"^block_size: must be an integer in \[1, 2\*\*63 - 1\]"):
        infoflux.transfer_entropy_significance(x, y, method="block", block_size=big)


def test_network_messages_name_the_argument() -> None:
    with pytest.raises(TypeError, match=r"^seed: "):
        infoflux.transfer_entropy_matrix(X3, seed="abc")
    with pytest.raises(ValueError, match=r"^seed: must be an integer in \[0, inf\], got -1$"):
        infoflux.transfer_entropy_matrix(X3, seed=-1)
    with pytest.raises(TypeError, match=r"^conditioning: expected None, 'all' or a sequence"):
        infoflux.transfer_entropy_matrix(X3, conditioning=0)
    with pytest.raises(ValueError, match=r"^n_surrogates: "):
        infoflux.transfer_entropy_matrix(X3, n_surrogates=2**70)


def test_trials_of_different_widths_name_the_series() -> None:
    ragged = [X3[:, :1], X3[:, :2]]
    msg = r"every trial needs the same number of columns, but trial 0 has 1 and trial 1 has 2"
    with pytest.raises(ValueError, match=rf"^source: {msg}"):
        infoflux.transfer_entropy(ragged, [Y1, Y1])
    with pytest.raises(ValueError, match=rf"^target: {msg}"):
        infoflux.transfer_entropy([X1, X1], ragged)
    with pytest.raises(ValueError, match=rf"^conditions: {msg}"):
        infoflux.transfer_entropy([X1, X1], [Y1, Y1], conditions=ragged)
    with pytest.raises(ValueError, match=r"^X: every trial needs the same number of columns"):
        infoflux.transfer_entropy_matrix([X3, X3[:, :2]])


@pytest.mark.parametrize(
    "call",
    [
        lambda v: infoflux.mutual_info(X1, Y1, local=v),
        lambda v: infoflux.conditional_mutual_info(X1, Y1, Z1, local=v),
        lambda v: infoflux.entropy(X1, local=v),
        lambda v: infoflux.transfer_entropy(X1, Y1, local=v),
    ],
)
@pytest.mark.parametrize("value", ["yes", 1, 0, None, np.array([True])])
def test_local_is_true_or_false(call: Callable[[Any], Any], value: Any) -> None:
    with pytest.raises(TypeError, match=r"^local: expected True or False"):
        call(value)


@pytest.mark.parametrize("value", ["a", 1.5, True, 0, -1, 2**63])
def test_tile_size_is_checked_on_the_cpu_path_too(value: Any) -> None:
    with pytest.raises((TypeError, ValueError), match=r"^tile_size: "):
        infoflux.mutual_info(X1, Y1, tile_size=value)
    # a valid tile size changes nothing on the CPU path
    assert infoflux.mutual_info(X1, Y1, tile_size=64) == infoflux.mutual_info(X1, Y1)


def test_block_size_is_checked_whatever_the_method() -> None:
    with pytest.raises(TypeError, match=r"^block_size: "):
        infoflux.transfer_entropy_significance(X1, Y1, n_surrogates=3, block_size="a")
    a = infoflux.transfer_entropy_significance(X1, Y1, n_surrogates=5, block_size=4)
    b = infoflux.transfer_entropy_significance(X1, Y1, n_surrogates=5)
    assert a.p_value == b.p_value and np.array_equal(a.surrogates, b.surrogates)


def test_huge_reals_are_value_errors() -> None:
    with pytest.raises(ValueError, match=r"^noise: must be finite and >= 0, got 100000000000\.\.\. \(401 digits\)"):
        infoflux.mutual_info(X1, Y1, noise=10**400)
    with pytest.raises(ValueError, match=r"^base: "):
        infoflux.entropy(X1, base=10**400)


def test_significant_checks_alpha() -> None:
    net = infoflux.transfer_entropy_matrix(X3, n_surrogates=3)
    for bad in (-0.1, 1.5, math.nan):
        with pytest.raises(ValueError, match=r"^alpha: "):
            net.significant(bad)
    with pytest.raises(TypeError, match=r"^alpha: "):
        net.significant("0.05")
    assert net.significant(1.0).sum() == 6


def test_valid_values_keep_their_results() -> None:
    # the checks only refuse: accepted spellings give the same numbers
    ref = infoflux.mutual_info(X1, Y1)
    assert (
        infoflux.mutual_info(X1, Y1, algorithm=1.0, normalize=np.True_, n_threads=np.int64(2), seed=np.int8(0)) == ref
    )
    te = infoflux.transfer_entropy(X1, Y1, conditions=X3[:, :2], condition_lag=(1, 2))
    assert te == infoflux.transfer_entropy(X1, Y1, conditions=X3[:, :2], condition_lag=np.array([1, 2]))
    net = infoflux.transfer_entropy_matrix(X3, conditioning=(0, 1, 2)).values
    assert np.array_equal(net, infoflux.transfer_entropy_matrix(X3, conditioning=np.arange(3)).values, equal_nan=True)


@pytest.mark.parametrize("S", [10**12, 2**62, 2**63 - 1])
def test_network_refuses_surrogates_whose_result_cannot_be_allocated(S: int) -> None:
    with pytest.raises(ValueError, match=r"^n_surrogates: .* GiB for the result alone"):
        infoflux.transfer_entropy_matrix(X3, n_surrogates=S)
