"""The README's first command ends in `python -m infoflux demo`: it must run,
print every row and succeed."""

import subprocess
import sys

from infoflux.__main__ import main


def test_demo_runs_and_is_accurate(capsys):
    assert main(["demo", "-n", "20000"]) == 0
    out = capsys.readouterr().out
    for row in (
        "MI, 1-D Gaussian pair",
        "KSG-2",
        "Kozachenko-Leonenko",
        "Frenzel-Pompe",
        "TE X->Y",
        "MEC greedy",
        "Curie-Weiss",
    ):
        assert row in out


def test_module_entry_point():
    r = subprocess.run([sys.executable, "-m", "infoflux", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "demo" in r.stdout
