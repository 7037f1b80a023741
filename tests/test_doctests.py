"""Every docstring example of the installed package runs.

doctest runs over every module that pkgutil finds under ``infoflux`` (subpackages and the compiled
``infoflux._core`` included), so the examples are checked against the package as it is installed
(a wheel or a source install), not against the source tree. Options: ELLIPSIS and
NORMALIZE_WHITESPACE, as for ``python -m doctest -o ELLIPSIS -o NORMALIZE_WHITESPACE``.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import infoflux

OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _module_names() -> list[str]:
    names = [infoflux.__name__]
    names += [m.name for m in pkgutil.walk_packages(infoflux.__path__, prefix=infoflux.__name__ + ".")]
    return sorted(names)


def _doctests() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder()
    out = []
    for name in _module_names():
        module = importlib.import_module(name)
        out += [t for t in finder.find(module, name) if t.examples]
    return sorted(out, key=lambda t: t.name)


DOCTESTS = _doctests()


def test_examples_were_found():
    # an empty walk (say, docstrings stripped by python -OO) must not pass as "all examples run"
    assert sum(len(t.examples) for t in DOCTESTS) >= 50, [t.name for t in DOCTESTS]
    for family in ("infoflux.markov", "infoflux.mec"):
        assert any(t.name.startswith(family + ".") for t in DOCTESTS), family


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_docstring_example(test: doctest.DocTest) -> None:
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    report: list[str] = []
    result = runner.run(test, out=report.append, clear_globs=True)
    assert result.failed == 0, "".join(report)
