"""Shared fixtures: the JIDT reference records in tests/data/jidt (see the README there), and the
check that every test peer the `test` extra installs on this Python is really installed."""

from __future__ import annotations

import importlib
import json
import sys
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from packaging.requirements import Requirement

import infoflux

JIDT_DIR = Path(__file__).resolve().parent / "data" / "jidt"

# matplotlib's releases for Python 3.9 parse their default font patterns with pyparsing's
# camelCase API, which newer pyparsing deprecates, once, at matplotlib's first import. That import
# happens here, with the deprecation ignored explicitly, so that the outcome never depends on which
# test imports matplotlib first or on the filter list it runs under (pyproject's pattern once
# failed to catch it inside a test on Python 3.9). A missing matplotlib still fails the tests that
# import it.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="'[A-Za-z]+' deprecated - use '[a-z_]+'")
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        pass


# ---------------------------------------------------------------------------
# test peers
# ---------------------------------------------------------------------------


def _test_extra() -> list[tuple[Requirement, bool]]:
    """The requirements of infoflux's `test` extra, from the installed distribution's metadata,
    each with whether its environment marker selects it on this Python."""
    try:
        lines = metadata.requires("infoflux") or []
    except metadata.PackageNotFoundError:
        raise pytest.UsageError(
            "infoflux is not installed: run `pip install '.[test]'` (or `maturin develop --release` "
            "in a virtual environment with the test extra) before `pytest`"
        ) from None
    out = []
    for line in lines:
        req = Requirement(line)
        if req.marker is not None and 'extra == "test"' in str(req.marker):
            out.append((req, req.marker.evaluate({"extra": "test"})))
    return out


def _missing_test_peers() -> list[str]:
    missing = []
    for req, wanted in _test_extra():
        if not wanted:
            continue
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            missing.append(f"{req} (not installed)")
            continue
        if not req.specifier.contains(version, prereleases=True):
            missing.append(f"{req} (found {version})")
    return missing


def pytest_configure(config: pytest.Config) -> None:
    # A parity test that skips because its peer is missing proves nothing: where the test extra
    # installs a peer, its absence is an error, not a skip.
    missing = _missing_test_peers()
    if missing:
        raise pytest.UsageError(
            "test peers missing (install the test extra: pip install '.[test]'): " + "; ".join(missing)
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    # A module that skips as a whole hides every test in it, the ones its skip reason is not
    # about included; such a skip is an error. Single tests skip instead, saying why.
    outcome = yield
    report = outcome.get_result()
    if report.skipped and isinstance(collector, pytest.Module):
        report.outcome = "failed"
        report.longrepr = f"{report.nodeid} was skipped as a whole: {report.longrepr}"


def pytest_report_header(config: pytest.Config) -> str:
    return f"infoflux {infoflux.__version__} from {Path(infoflux.__file__).parent}"


class _UnavailablePeer:
    """Stands in for a peer that the test extra does not install on this Python: each of the
    peer's functions that the tests call skips the calling test, with the reason. (Only those
    names exist: pytest probes the attributes of every module-level object while collecting, and
    a catch-all attribute would skip whole modules.)"""

    def __init__(self, reason: str, functions: tuple[str, ...]) -> None:
        def skip(*args: Any, **kwargs: Any) -> Any:
            pytest.skip(reason)

        for name in functions:
            setattr(self, name, skip)


def peer(module: str, distribution: str, functions: tuple[str, ...]) -> Any:
    """The peer's module where the test extra installs it (there, a missing one is an error, see
    pytest_configure); elsewhere a stand-in whose listed functions skip the test, saying why."""
    for req, wanted in _test_extra():
        if req.name == distribution and not wanted:
            version = f"{sys.version_info[0]}.{sys.version_info[1]}"
            return _UnavailablePeer(
                f"{distribution} is not installed on Python {version} (test extra: {req})", functions
            )
    return importlib.import_module(module)


infomeasure = peer(
    "infomeasure",
    "infomeasure",
    (
        "entropy",
        "mutual_information",
        "conditional_mutual_information",
        "transfer_entropy",
        "conditional_transfer_entropy",
    ),
)
# dit 1.5, the last release for Python 3.9, needs pycddlib, which builds only against a system C
# library there; the test extra installs dit from Python 3.10 on.
dit = peer("dit", "dit", ("Distribution",))


# ---------------------------------------------------------------------------
# JIDT reference records
# ---------------------------------------------------------------------------


def jidt_dir() -> Path:
    return JIDT_DIR


_CACHE: dict = {}


def jidt_records() -> list:
    if "records" not in _CACHE:
        _CACHE["records"] = json.loads((jidt_dir() / "expected.json").read_text())
    return _CACHE["records"]


def jidt_data(name: str) -> dict:
    key = ("file", name)
    if key not in _CACHE:
        path = jidt_dir() / name
        cols = path.read_text().splitlines()[0].split(",")
        arr = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
        _CACHE[key] = {c: np.ascontiguousarray(arr[:, i]) for i, c in enumerate(cols)}
    return _CACHE[key]


def jidt_columns(rec: dict, names: list) -> np.ndarray:
    data = jidt_data(rec["file"])
    return np.column_stack([data[c] for c in names])


def jidt_tolerance(rec: dict) -> float:
    # JIDT truncates Euler's constant for arguments >= 10000 (README "Digamma")
    return 1e-7 if rec["n_samples"] >= 10000 else 1e-12
