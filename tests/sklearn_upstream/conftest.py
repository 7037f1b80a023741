"""The fixtures scikit-learn's test suite defines in its own conftest.py,
for the vendored test file beside this one.

``global_dtype`` runs each test with float32 and float64 input (scikit-learn
skips float32 unless SKLEARN_RUN_FLOAT32_TESTS=1; here both always run).
``global_random_seed`` is every seed 0..99 by default, scikit-learn's
``SKLEARN_TESTS_GLOBAL_RANDOM_SEED=all``, so the drop-in meets the whole
range upstream declares valid; the variable narrows it as upstream reads it
("42", "0-9", "all").
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest


def _seeds() -> list[int]:
    spec = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED", "all")
    if spec == "all":
        return list(range(100))
    if "-" in spec:
        lo, hi = spec.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(spec)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "global_random_seed" in metafunc.fixturenames:
        metafunc.parametrize("global_random_seed", _seeds())


@pytest.fixture(params=[np.float32, np.float64])
def global_dtype(request: pytest.FixtureRequest) -> Any:
    return request.param
