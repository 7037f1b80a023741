"""``python -m infoflux demo``, the README's first command: it must run every
family of the package, state each row's unit and what its times are, check
its -n and say why it fails when it does."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import pytest

import infoflux
from infoflux import __main__ as demo_module
from infoflux.__main__ import main

UNITS = ("nats", "bits", "p-value", "prob.", "links")
ROW = re.compile(rf"^(\S.*?)\s+(-?\d+\.\d+)\s.*\s({'|'.join(re.escape(u) for u in UNITS)})\s+\d+\.\d+ ms(  FAIL)?$")


def _rows(out: str) -> list[re.Match[str]]:
    return [m for m in map(ROW.match, out.splitlines()) if m]


@pytest.fixture(scope="module")
def default_run() -> str:
    r = subprocess.run([sys.executable, "-m", "infoflux", "demo"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_default_run_succeeds_and_says_what_its_times_are(default_run: str) -> None:
    assert f"n = {demo_module.N_DEFAULT:,} samples" in default_run
    assert "time: the second of two identical calls" in default_run
    rows = _rows(default_run)
    assert len(rows) >= 20 and not any(m.group(4) for m in rows)
    assert f"All {len(rows)} rows within their tolerance." in default_run


def test_every_public_function_has_a_row(default_run: str) -> None:
    names = [m.group(1) for m in _rows(default_run)]
    functions = [n for n in infoflux.__all__ if inspect.isfunction(getattr(infoflux, n))]
    missing = [f for f in functions if not any(re.match(rf"{f}\b", row) for row in names)]
    assert not missing, f"the demo has no row for {missing}"
    assert any(row.startswith("sklearn.mutual_info_regression") for row in names)
    # the families reached as submodules and the classification drop-in
    for family in ("discrete.entropy", "discrete.mutual_info", "sklearn.mutual_info_classif", "network.infer_network"):
        assert any(row.startswith(family) for row in names), family


def test_every_row_states_its_unit(default_run: str) -> None:
    table = [
        line
        for line in default_run.splitlines()
        if line.endswith(" ms") and not line.startswith(("estimate", "infoflux"))
    ]
    assert table and len(_rows(default_run)) == len(table)
    units = {m.group(1): m.group(3) for m in _rows(default_run)}
    assert units["greedy_coupling, p=(.5,.4,.1) q=(.6,.2,.2)"] == "bits"
    assert all(units[r] == "nats" for r in units if r.startswith(("mutual_info", "entropy", "transfer_entropy ")))


def test_smallest_n_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "-n", str(demo_module.N_MIN)]) == 0
    assert "within their tolerance" in capsys.readouterr().out


@pytest.mark.parametrize("n", ["3", "0", "-5", "999", "10000001", "abc", "1e3", ""])
def test_bad_n_is_an_argparse_error_with_the_range(n: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["demo", "-n", n])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "argument -n" in err and "[1,000, 10,000,000]" in err and "Traceback" not in err


def test_n_accepts_separators() -> None:
    assert demo_module._samples("20_000") == demo_module._samples("20,000") == 20_000


def test_a_missed_truth_is_reported(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # no tolerance: every k-NN row misses its truth, and the run says which
    monkeypatch.setattr(demo_module, "knn_tolerance", lambda n: 0.0)
    assert main(["demo", "-n", "1000"]) == 1
    captured = capsys.readouterr()
    assert "FAIL" in captured.out
    assert "missed their truth: mutual_info, Gaussian pair rho=0.3, KSG-1;" in captured.err


def test_module_entry_point() -> None:
    r = subprocess.run([sys.executable, "-m", "infoflux", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "demo" in r.stdout
    r = subprocess.run([sys.executable, "-m", "infoflux", "demo", "-h"], capture_output=True, text=True)
    assert r.returncode == 0 and "[1,000, 10,000,000]" in r.stdout
