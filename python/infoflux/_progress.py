"""Progress reporting of the long-running network computations."""

from __future__ import annotations

import sys
from typing import Any, Protocol


class Report(Protocol):
    """``report(done)`` after each finished item; ``report(done, stage)`` with
    a fractional ``done`` and the name of the step that starts."""

    def __call__(self, done: float, stage: str | None = None) -> None: ...


def _count(done: float) -> str:
    return str(int(done)) if float(done).is_integer() else f"{done:.1f}"


def reporter(progress: Any, total: int, *, unit: str = "pair", desc: str = "transfer entropy") -> Report:
    """A function of the number of items done so far, from the ``progress``
    argument: None/False (silent), True (a tqdm bar if tqdm is installed,
    else a line on stderr) or a callable(done, total).

    ``done`` is a whole number after each finished item; within an item that
    reports its steps, it is the items finished plus the fraction of the
    running item's steps started (e.g. 2.4), and ``stage`` names that step
    (shown beside the bar or the line; a callable gets only the numbers)."""
    if progress is None or progress is False:

        def silent(done: float, stage: str | None = None) -> None:
            return None

        return silent
    if callable(progress):

        def call(done: float, stage: str | None = None) -> None:
            progress(done, total)

        return call
    if progress is True:
        try:
            from tqdm.auto import tqdm  # optional dependency: imported only when asked for
        except ImportError:

            def line(done: float, stage: str | None = None) -> None:
                end = "\n" if done == total else ""
                # a stage's name: the rest of the line erased, as names differ in length
                what = "" if stage is None else f" ({stage})\033[K"
                print(f"\rinfoflux: {_count(done)}/{total} {unit}s{what}", end=end, file=sys.stderr, flush=True)

            return line
        bar = tqdm(total=total, desc=desc, unit=unit)

        def update(done: float, stage: str | None = None) -> None:
            bar.update(done - bar.n)
            if float(done).is_integer():
                bar.n = int(done)  # a whole count shown as one after fractional steps
            # steps are seconds apart: each redraws the bar to show its name
            bar.set_postfix_str("" if stage is None else stage, refresh=stage is not None)
            if done == total:
                bar.close()

        return update
    raise TypeError(f"progress: expected None, a bool or a callable(done, total), got {type(progress).__name__}")
