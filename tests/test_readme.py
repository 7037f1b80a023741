"""The README's Python examples run: every ```python block, each in a namespace of its own.

Blocks that use PyTorch or CuPy (the GPU section) skip, saying why, where there is no CUDA device.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import infoflux

README = Path(__file__).resolve().parents[1] / "README.md"
_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def _blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _FENCE.finditer(text)]


BLOCKS = _blocks()


def test_readme_has_examples():
    assert len(BLOCKS) >= 3


def test_readme_table_names_every_public_name():
    text = README.read_text(encoding="utf-8")
    public = [n for n in infoflux.__all__ if n != "__version__"] + ["infoflux.sklearn.mutual_info_regression"]
    assert [n for n in public if f"| `{n}" not in text] == []


def _require_cuda(code: str) -> None:
    if re.search(r"^\s*import .*\btorch\b", code, re.MULTILINE):
        torch = pytest.importorskip("torch", reason="the README's GPU example needs PyTorch")
        if not torch.cuda.is_available():
            pytest.skip("the README's GPU example needs a CUDA device")
    if re.search(r"^\s*import .*\bcupy\b", code, re.MULTILINE):
        cupy = pytest.importorskip("cupy", reason="the README's GPU example needs CuPy")
        if cupy.cuda.runtime.getDeviceCount() == 0:
            pytest.skip("the README's GPU example needs a CUDA device")


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_readme_example(line: int, code: str) -> None:
    _require_cuda(code)
    # blank lines in front, so that a traceback names the README's own line numbers
    exec(compile("\n" * (line - 1) + code, str(README), "exec"), {"__name__": "__readme__"})
