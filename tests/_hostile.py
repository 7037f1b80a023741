"""The hostile values and the walker shared by the hostile-argument tests
(tests/test_arguments.py, tests/test_markov_hostile.py,
tests/test_mec_hostile.py).

Each argument under test gets every value of ``HOSTILE``: a value the
argument accepts must give a result with no NaN in it, or a ValueError
naming the argument; every other value must raise a ValueError or TypeError
whose message names the argument.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

HOSTILE: dict[str, Any] = {
    "nan": math.nan,
    "inf": math.inf,
    "1e300": 1e300,
    "-1": -1,
    "0": 0,
    "2**63": 2**63,
    "2**64": 2**64,
    "2**70": 2**70,
    "1.5": 1.5,
    "True": True,
    "str": "a",
    "None": None,
    "empty": np.empty(0),
    "3-D": np.zeros((2, 3, 4)),
}


def names(message: str, arg: str) -> bool:
    """Whether ``message`` names the argument ``arg`` (as a whole word, not
    as part of a dotted or longer name)."""
    return re.search(rf"(?<![\w.]){re.escape(arg)}(?![\w])", message) is not None


def walk(
    case: str,
    value: str,
    call: Callable[[Any], Any],
    arg: str,
    accepted: Sequence[str],
    floats: Callable[[Any], list[float]],
) -> None:
    """Call ``call`` with the hostile value named ``value`` and check the
    outcome: a refusal names ``arg`` (and is a ValueError for an accepted
    value); a result is allowed only for an accepted value and carries no
    NaN among ``floats(result)``. Other exceptions propagate to the caller."""
    try:
        out = call(HOSTILE[value])
    except (ValueError, TypeError) as e:
        assert names(str(e), arg), f"{case}={value}: {type(e).__name__} does not name {arg!r}: {e}"
        if value in accepted:
            assert isinstance(e, ValueError), f"{case}={value} is a valid value, refused with {e!r}"
        return
    assert value in accepted, f"{case}={value} was accepted and returned {out!r}"
    bad = [x for x in floats(out) if math.isnan(x)]
    assert not bad, f"{case}={value} returned NaN"
