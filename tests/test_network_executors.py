"""``transfer_entropy_matrix(executor=...)``: one task per target column in
this process, on a process pool (spawn and forkserver contexts) and on a Dask
cluster (the Client directly, and its ``get_executor()``), every result
identical bit for bit; a failing task names its target column; progress as
each column finishes. And ``infer_network`` on a process pool whose worker
dies: the error names the target, the finished targets stay saved."""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import multiprocessing as mp
import os
import sys

import numpy as np
import pytest

import infoflux
from infoflux import _te
from infoflux.network import TargetFailedError, infer_network

# distributed may warn about its own start-up (ports, memory limits, its
# dependencies' deprecations) on some hosts, and a socket of the closed cluster
# may be collected later: none concerns the results
DASK_WARNINGS = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:distributed.*"),
    pytest.mark.filterwarnings("ignore::UserWarning:distributed.*"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]


def data(seed: int = 21, n: int = 300) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    X[1:, 1] += 0.8 * X[:-1, 0]
    X[2:, 3] += 0.6 * X[:-2, 2]
    return X


CASES = [
    {"n_surrogates": 19, "n_threads": 1},
    {"conditioning": "all", "n_surrogates": 9, "method": "block", "block_size": 30, "n_threads": 2},
    {"history": 2, "lag": 2, "seed": 5, "n_threads": 1},
]


def same(a: infoflux.TENetwork, b: infoflux.TENetwork) -> bool:
    def raw(x: np.ndarray | None) -> bytes | None:
        return None if x is None else x.tobytes()

    return all(raw(getattr(a, f)) == raw(getattr(b, f)) for f in ("values", "p_values", "surrogates"))


@pytest.fixture(scope="module")
def references() -> list[infoflux.TENetwork]:
    return [infoflux.transfer_entropy_matrix(data(), **kw) for kw in CASES]


def test_trials_and_thread_pool(references: list[infoflux.TENetwork]) -> None:
    with cf.ThreadPoolExecutor(max_workers=3) as ex:
        for kw, ref in zip(CASES, references):
            assert same(infoflux.transfer_entropy_matrix(data(), executor=ex, **kw), ref)
        # a list of trials of unequal length
        trials = [data(1, 200), data(2, 260)]
        want = infoflux.transfer_entropy_matrix(trials, n_surrogates=5)
        assert same(infoflux.transfer_entropy_matrix(trials, n_surrogates=5, executor=ex), want)


@pytest.mark.parametrize(
    "method", ["spawn", pytest.param("forkserver", marks=pytest.mark.skipif(sys.platform == "win32", reason="POSIX"))]
)
def test_process_pool_gives_identical_results(references: list[infoflux.TENetwork], method: str) -> None:
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context(method)) as ex:
        for kw, ref in zip(CASES, references):
            assert same(infoflux.transfer_entropy_matrix(data(), executor=ex, **kw), ref)


@DASK_WARNINGS[0]
@DASK_WARNINGS[1]
@DASK_WARNINGS[2]
def test_dask_cluster_gives_identical_results(references: list[infoflux.TENetwork]) -> None:
    distributed = importlib.import_module("distributed")  # in the test extra: missing is a failure
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, scheduler_port=0
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        for kw, ref in zip(CASES, references):
            assert same(infoflux.transfer_entropy_matrix(data(), executor=client, **kw), ref)
        with client.get_executor() as ex:
            assert same(infoflux.transfer_entropy_matrix(data(), executor=ex, **CASES[0]), references[0])


def test_progress_per_target_column() -> None:
    seen: list[tuple[float, int]] = []
    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        infoflux.transfer_entropy_matrix(data(), executor=ex, progress=lambda d, t: seen.append((d, t)))
    assert sorted(seen) == [(3, 12), (6, 12), (9, 12), (12, 12)]


def test_failing_task_names_its_target_column(monkeypatch: pytest.MonkeyPatch) -> None:
    real = _te._matrix_column

    def flaky(trials, req, args, cond, exclude, j, **kw):  # type: ignore[no-untyped-def]
        if j == 2:
            raise RuntimeError("worker lost")
        return real(trials, req, args, cond, exclude, j, **kw)

    monkeypatch.setattr(_te, "_matrix_column", flaky)
    with cf.ThreadPoolExecutor(max_workers=2) as ex, pytest.raises(TargetFailedError, match="target column 2") as info:
        infoflux.transfer_entropy_matrix(data(), executor=ex)
    assert info.value.target == 2
    assert isinstance(info.value.__cause__, RuntimeError)


def test_bad_executors_are_refused() -> None:
    with pytest.raises(TypeError, match="executor"):
        infoflux.transfer_entropy_matrix(data(), executor=object())
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork")) as ex:
        with pytest.raises(ValueError, match="executor"):
            infoflux.transfer_entropy_matrix(data(), executor=ex)
    # an embedding too long for the series is refused before any task runs
    with cf.ThreadPoolExecutor(max_workers=1) as ex, pytest.raises(ValueError, match="history"):
        infoflux.transfer_entropy_matrix(data()[:20], history=30, executor=ex)


class _DyingPool(cf.Executor):
    """A spawn process pool of one worker that exits (as if killed) on the
    task of target 2, after the tasks of targets 0 and 1 (run in order)."""

    def __init__(self) -> None:
        self.pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        if args[2] == 2:  # analyse_target(data, settings, target, sources)
            return self.pool.submit(os._exit, 3)
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, **kwargs: object) -> None:
        self.pool.shutdown(wait=wait)


def test_a_dying_worker_names_its_target_and_keeps_the_finished(tmp_path) -> None:
    X = data(3, 200)
    # target 2 last: the one task that the worker's death breaks
    kw = {"max_lag_sources": 1, "n_threads": 1, "fdr_correction": False, "checkpoint": tmp_path, "targets": [0, 1, 2]}
    kw.update(n_perm_max_stat=21, n_perm_min_stat=21, n_perm_omnibus=21, n_perm_max_seq=21)
    with _DyingPool() as ex, pytest.raises(TargetFailedError, match="target 2") as info:
        infer_network(X, executor=ex, **kw)
    assert isinstance(info.value.__cause__, cf.process.BrokenProcessPool)
    saved = sorted(p.name for p in tmp_path.glob("target_*.json"))
    assert saved == ["target_00000.json", "target_00001.json"]
    # the rerun analyses the others and equals a run without interruption
    resumed = infer_network(X, **kw).to_dict()
    assert resumed == infer_network(X, **{**kw, "checkpoint": None}).to_dict()
