"""One task per target on an executor: in this process, on any
``concurrent.futures.Executor`` (a process pool, ``mpi4py.futures``, Dask's
``Client.get_executor()``) or on a ``distributed.Client`` directly (the shared
data scattered to every worker once).

Used by :func:`infoflux.network.infer_network` and
:func:`infoflux.transfer_entropy_matrix`: the task function is a pure
function of the shared data and the task's own arguments, so every task
gives the same result wherever it runs.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Sequence
from typing import Any, Callable


class TargetFailedError(RuntimeError):
    """The task of one target failed (on a worker or in this process); the
    original exception is chained as ``__cause__``."""

    def __init__(self, target: int, cause: BaseException, what: str = "target") -> None:
        super().__init__(f"{what} {target}: its analysis failed: {type(cause).__name__}: {cause}")
        self.target = target


def is_dask_client(obj: Any) -> bool:
    """A ``distributed.Client`` (recognised without importing distributed)."""
    return type(obj).__module__.startswith("distributed") and hasattr(obj, "scatter") and hasattr(obj, "submit")


def check_executor(executor: Any) -> None:
    """Refuse what cannot run the tasks: not an executor, or a process pool
    that forks."""
    if executor is None or is_dask_client(executor):
        return
    if not isinstance(executor, cf.Executor):
        raise TypeError(
            f"executor: expected a concurrent.futures.Executor or a distributed.Client, got {type(executor).__name__}"
        )
    ctx = getattr(executor, "_mp_context", None)
    if isinstance(executor, cf.ProcessPoolExecutor) and ctx is not None and ctx.get_start_method() == "fork":
        # a forked child inherits the Rust thread pool's state without its
        # threads, and its first estimate waits for them forever
        raise ValueError(
            "executor: a ProcessPoolExecutor that forks would hang in the Rust thread pool; create it with "
            "mp_context=multiprocessing.get_context('spawn') or 'forkserver'"
        )


def run_tasks(
    fn: Callable[..., Any],
    shared: Any,
    tasks: Sequence[tuple[int, tuple[Any, ...]]],
    executor: Any,
    done: Callable[[Any], None],
    *,
    what: str = "target",
    wrap_local: bool = True,
) -> None:
    """Call ``done(fn(shared, *args))`` for every ``(key, args)`` of ``tasks``,
    in the order they finish.

    ``executor=None`` runs them here, one after the other (with
    ``wrap_local=False`` their exceptions propagate as they are). A Dask client gets
    ``shared`` scattered to every worker once (``broadcast=True``) and one
    task per key, one per worker thread in flight at a time; a ``concurrent.futures.Executor`` gets one task per key,
    each with ``shared`` (the protocol has no broadcast). The first failure
    cancels the tasks not started and raises :class:`TargetFailedError`
    naming its key; a ``KeyboardInterrupt`` (or any other exception of this
    process) cancels them too before it propagates, so a pool's shutdown
    does not wait for them.
    """
    check_executor(executor)
    if executor is None:
        for key, args in tasks:
            try:
                r = fn(shared, *args)
            except Exception as e:
                if not wrap_local or isinstance(e, MemoryError):
                    raise
                raise TargetFailedError(key, e, what) from e
            done(r)
        return
    if is_dask_client(executor):
        from distributed import as_completed  # optional dependency: a Client was given

        # a list around it: scatter sends the one object (a list of trials
        # would otherwise become one future per trial); hash=False: a key of
        # its own, as the same data's key may still be in release from the
        # call before, and its tasks would lose it
        (remote,) = executor.scatter([shared], broadcast=True, hash=False)
        # Dask assigns a submitted task to a worker at once and evens out the
        # load only by work stealing, so with targets of unequal cost one
        # worker can be left holding the long ones. One task per worker
        # thread in flight, the next submitted as one finishes, is greedy list
        # scheduling: a worker never waits while a task is unstarted.
        slots = max(1, sum(executor.nthreads().values()))
        pending = iter(tasks)
        dfutures: dict[Any, int] = {}

        def submit_next() -> Any:
            nxt = next(pending, None)
            if nxt is None:
                return None
            key, args = nxt
            fut = executor.submit(fn, remote, *args, pure=False)
            dfutures[fut] = key
            return fut

        first = [f for f in (submit_next() for _ in range(slots)) if f is not None]
        running = as_completed(first)
        try:
            for fut in running:
                key = dfutures[fut]
                try:
                    r = fut.result()
                except Exception as e:
                    raise TargetFailedError(key, e, what) from e
                nxt = submit_next()
                if nxt is not None:
                    running.add(nxt)
                done(r)
        finally:
            for f in dfutures:
                f.cancel()
        return
    cfutures = {executor.submit(fn, shared, *args): key for key, args in tasks}
    try:
        for cfut in cf.as_completed(cfutures):
            key = cfutures[cfut]
            try:
                r = cfut.result()
            except Exception as e:
                raise TargetFailedError(key, e, what) from e
            done(r)
    finally:
        for f in cfutures:
            f.cancel()
