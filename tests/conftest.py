"""Shared fixtures: the JIDT reference records in ../shared/reference/jidt.

The reference is required, not optional: a parity test that skips when its
reference is missing proves nothing. Point INFOFLUX_JIDT_REFERENCE at the
folder if it is not beside the repository.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def jidt_dir() -> Path:
    env = os.environ.get("INFOFLUX_JIDT_REFERENCE")
    d = Path(env) if env else ROOT.parent / "shared" / "reference" / "jidt"
    if not (d / "expected.json").is_file():
        raise FileNotFoundError(
            f"JIDT reference values not found in {d}; set INFOFLUX_JIDT_REFERENCE to the folder holding expected.json"
        )
    return d


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
