"""Progress reporting of the long-running network computations."""

from __future__ import annotations

import sys
from typing import Any, Callable


def reporter(progress: Any, total: int, *, unit: str = "pair", desc: str = "transfer entropy") -> Callable[[int], None]:
    """A function of the number of items done so far, from the ``progress``
    argument: None/False (silent), True (a tqdm bar if tqdm is installed,
    else a line on stderr) or a callable(done, total)."""
    if progress is None or progress is False:
        return lambda done: None
    if callable(progress):
        return lambda done: progress(done, total)
    if progress is True:
        try:
            from tqdm.auto import tqdm  # optional dependency: imported only when asked for
        except ImportError:

            def report(done: int) -> None:
                end = "\n" if done == total else ""
                print(f"\rinfoflux: {done}/{total} {unit}s", end=end, file=sys.stderr, flush=True)

            return report
        bar = tqdm(total=total, desc=desc, unit=unit)

        def update(done: int) -> None:
            bar.update(done - bar.n)
            if done == total:
                bar.close()

        return update
    raise TypeError(f"progress: expected None, a bool or a callable(done, total), got {type(progress).__name__}")
