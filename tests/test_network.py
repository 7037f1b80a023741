"""Network inference (infoflux.network): every estimate on the public CMI
path bit for bit, recovery of a known VAR network, the false-positive rate
on independent processes, identical results in-process, on executors, on a
Dask cluster and from checkpoints, the result object and bad input.

Sizes are small (a few hundred samples, 21-50 surrogate rounds) so the file
runs in seconds; the rates are asserted with binomial bounds stated beside
them.
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import json
import math
import multiprocessing as mp
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

import infoflux
from infoflux.network import NetworkResult, TargetFailedError, _algorithm, _infer, infer_network

FAST = {"n_perm_max_stat": 21, "n_perm_min_stat": 21, "n_perm_omnibus": 21, "n_perm_max_seq": 21}


def var3(seed: int, n: int = 300) -> np.ndarray:
    """X0 -> X1 at lag 1, X1 -> X2 at lag 2 (coefficients 0.5), X0 AR(1) 0.4."""
    rng = np.random.default_rng(seed)
    burn = 50
    X = np.zeros((n + burn, 3))
    e = rng.standard_normal((n + burn, 3))
    for t in range(2, n + burn):
        X[t, 0] = 0.4 * X[t - 1, 0] + e[t, 0]
        X[t, 1] = 0.5 * X[t - 1, 0] + e[t, 1]
        X[t, 2] = 0.5 * X[t - 2, 1] + e[t, 2]
    return X[burn:]


TRUE_EDGES = {(0, 1, 1), (1, 2, 2)}


def embedded(X: np.ndarray, var: tuple[int, int], L: int) -> np.ndarray:
    """The realisations of (process, lag), written independently of the package."""
    p, lag = var
    return X[L - lag : X.shape[0] - lag, p : p + 1]


@pytest.fixture(scope="module")
def var_result() -> NetworkResult:
    return infer_network(var3(0), max_lag_sources=2, fdr_correction=False, n_threads=1, **FAST)


# ---------------------------------------------------------------- values


def test_every_final_value_is_the_public_cmi_bit_for_bit(var_result: NetworkResult) -> None:
    X, L = var3(0), 2
    checked = 0
    for t, r in var_result.targets.items():
        current = embedded(X, (t, 0), L)
        past = [embedded(X, v, L) for v in r.selected_target_past]
        for i, v in enumerate(r.selected_sources):
            others = past + [embedded(X, u, L) for u in r.selected_sources if u != v]
            want = infoflux.conditional_mutual_info(embedded(X, v, L), current, np.hstack(others), k=4, seed=0)
            assert r.source_te[i] == want
            checked += 1
        if r.omnibus_te is not None and len(r.selected_sources) == len([s for s in r.steps if s.kind == "sequential"]):
            x = np.hstack([embedded(X, v, L) for v in r.selected_sources])
            assert r.omnibus_te == infoflux.conditional_mutual_info(x, current, np.hstack(past), k=4, seed=0)
    assert checked == 2


def test_first_inclusion_round_is_the_public_mi_bit_for_bit() -> None:
    # the first target-past round conditions on nothing: KSG mutual information
    X, L = var3(1, n=200), 2
    r = infer_network(X, max_lag_sources=2, targets=[1], fdr_correction=False, n_threads=1, **FAST)[1]
    first = r.steps[0]
    assert first.kind == "target"
    want = infoflux.mutual_info(embedded(X, first.variable, L), embedded(X, (1, 0), L), k=4, seed=0)
    assert first.statistic == want


def test_surrogates_are_the_cmi_of_reordered_preprocessed_columns() -> None:
    X, L = var3(2, n=150), 2
    s = _settings(X)
    real = _algorithm._Realisations(X[None], 2, L)
    est = _algorithm._Estimator(s, real, np.random.default_rng(0))
    x, z = real.column((1, 2)), real.columns([(2, 1)])
    assert z is not None
    orders = est.orders(3)
    obs, surr = est.estimate(x, z, orders)
    assert obs == infoflux.conditional_mutual_info(x, real.current, z, k=4, seed=7)
    prepped = infoflux._validation.preprocess([x, real.current, z], True, 1e-8, 7)
    for o, value in zip(orders, surr):
        want = infoflux.conditional_mutual_info(prepped[0][o], prepped[1], prepped[2], k=4, normalize=False, noise=0)
        assert value == want


@pytest.mark.parametrize("dz", [0, 1, 2, 3])
@pytest.mark.parametrize("k", [1, 4, 9])
def test_candidates_primitive_is_the_public_cmi_bit_for_bit(dz: int, k: int) -> None:
    # every estimate and surrogate of the core's many-candidates call equals
    # conditional_mutual_info (mutual_info with no z) on the same columns;
    # 300 rows and >= 16 estimates with one z column take the neighbour-list
    # path, several z columns the distance tables, k = 9 the joint search
    rng = np.random.default_rng(100 * dz + k)
    n = 300
    y = rng.standard_normal((n, 1))
    z = rng.standard_normal((n, dz)) if dz else None
    if z is not None:
        y = y + z[:, :1]
    xs = [np.ascontiguousarray(0.4 * c * y + rng.standard_normal((n, 1))) for c in range(3)]
    xs.append(np.ascontiguousarray(np.hstack([xs[0], xs[1]])))  # a two-column candidate (the omnibus test's)

    def want(x: np.ndarray) -> float:
        if z is None:
            return infoflux.mutual_info(x, y, k=k, normalize=False, noise=0)
        return infoflux.conditional_mutual_info(x, y, z, k=k, normalize=False, noise=0)

    for n_perm in (0, 5):
        orders = [np.array([rng.permutation(n) for _ in range(n_perm)], dtype=np.int64).reshape(n_perm, n) for _ in xs]
        got = [
            infoflux._core.cmi_candidates(xs=xs, orders=orders, y=y, z=z, k=k, algorithm=1, n_threads=t) for t in (1, 2)
        ]
        assert got[0].shape == (len(xs), n_perm + 1)
        assert got[0].tobytes() == got[1].tobytes()
        for c, x in enumerate(xs):
            assert got[0][c, 0] == want(x)
            for s, o in enumerate(orders[c]):
                assert got[0][c, s + 1] == want(np.ascontiguousarray(x[o]))


def test_candidates_primitive_refuses_bad_orders() -> None:
    x = np.random.default_rng(0).standard_normal((50, 1))
    call = infoflux._core.cmi_candidates
    with pytest.raises(ValueError, match="permutation"):
        call(xs=[x], orders=[np.zeros((1, 50), dtype=np.int64)], y=x, k=4, algorithm=1)
    with pytest.raises(ValueError, match="orders"):
        call(xs=[x], orders=[np.full((1, 50), 50, dtype=np.int64)], y=x, k=4, algorithm=1)
    with pytest.raises(ValueError, match="orders"):
        call(xs=[x], orders=[np.zeros((1, 49), dtype=np.int64)], y=x, k=4, algorithm=1)
    with pytest.raises(ValueError, match="orders"):
        call(xs=[x, x], orders=[np.arange(50, dtype=np.int64)[None]], y=x, k=4, algorithm=1)


def test_shared_rounds_equal_one_call_per_surrogate(monkeypatch: pytest.MonkeyPatch) -> None:
    # the driver's shared call gives the network of one public call per surrogate
    X = var3(5, n=200)
    shared = infer_network(X, max_lag_sources=2, n_threads=2, fdr_correction=False, **FAST).to_dict()
    # a nonzero scale sends every surrogate through its own public call
    monkeypatch.setattr(_algorithm, "_common_scale", lambda arrays: (list(arrays), 1))
    one_by_one = infer_network(X, max_lag_sources=2, n_threads=2, fdr_correction=False, **FAST).to_dict()
    assert shared == one_by_one


def _settings(X: np.ndarray) -> _algorithm.Settings:
    seq = infoflux._seeds.resolve_seed(7)
    return _algorithm.Settings(
        algorithm="multivariate_te",
        max_lag_sources=2,
        min_lag_sources=1,
        max_lag_target=2,
        tau_sources=1,
        tau_target=1,
        k=4,
        n_perm_max_stat=21,
        n_perm_min_stat=21,
        n_perm_omnibus=21,
        n_perm_max_seq=21,
        alpha_max_stat=0.05,
        alpha_min_stat=0.05,
        alpha_omnibus=0.05,
        alpha_max_seq=0.05,
        permute_in_time=True,
        perm_type="random",
        perm_max_shift=10,
        perm_block_size=10,
        perm_range=10,
        normalize=True,
        noise=1e-8,
        noise_seed=infoflux._seeds.noise_seed(seq),
        perm_entropy=1,
        n_threads=1,
    )


def test_fast_engine_agrees_with_exact(var_result: NetworkResult) -> None:
    # the same local values summed in another order: equal to ~1e-16, the same decisions here
    fast = infer_network(var3(0), max_lag_sources=2, fdr_correction=False, n_threads=1, engine="fast", **FAST)
    for t, r in var_result.targets.items():
        f = fast[t]
        assert f.selected_sources == r.selected_sources and f.selected_target_past == r.selected_target_past
        assert [(a.kind, a.variable, a.p_value) for a in f.steps] == [(a.kind, a.variable, a.p_value) for a in r.steps]
        np.testing.assert_allclose([a.statistic for a in f.steps], [a.statistic for a in r.steps], rtol=0, atol=1e-14)


def test_fast_engine_threads_do_not_change_results() -> None:
    X = var3(4, n=200)
    one = infer_network(X, max_lag_sources=2, n_threads=1, engine="fast", fdr_correction=False, **FAST)
    two = infer_network(X, max_lag_sources=2, n_threads=2, engine="fast", fdr_correction=False, **FAST)
    assert one.to_dict() == two.to_dict()


def test_p_value_and_fdr_rules() -> None:
    assert _algorithm.p_value_idtxl(1.0, np.array([0.0, 0.5, 2.0, 3.0])) == 0.5
    assert _algorithm.p_value_idtxl(9.0, np.zeros(20)) == 1 / 20  # never 0
    p = [0.001, 0.01, 0.02, 0.04, 0.3]
    # BH thresholds i/5 * 0.05 = .01 .02 .03 .04 .05: the first four pass
    assert _algorithm.fdr_mask(p, 0.05, 1).tolist() == [True, True, True, True, False]
    # BY divides them by 1 + 1/2 + ... + 1/5 = 2.283: .0044 .0088 ...: only the first passes
    assert _algorithm.fdr_mask(p, 0.05, 2).tolist() == [True, False, False, False, False]
    # thresholds .0167 .0333 .05: 0.04 fails and stops the scan, so 0.041 does
    # not pass either (the step-up rule of the BH paper would accept all three)
    assert _algorithm.fdr_mask([0.001, 0.04, 0.041], 0.05, 1).tolist() == [True, False, False]
    assert _algorithm.fdr_mask([], 0.05, 2).tolist() == []


# ---------------------------------------------------------------- statistics


def test_var_network_recovered(var_result: NetworkResult) -> None:
    assert {e[:3] for e in var_result.edges()} == TRUE_EDGES
    assert var_result.adjacency().tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert var_result.adjacency("max_lag")[1, 2] == 2


def test_var_network_over_seeds() -> None:
    # 5 seeds: every true edge at its lag each time. The false source variables
    # over the 15 target analyses: each analysis admits one with probability
    # <= alpha = 0.05 (maximum statistic, family-wise), so their number is at
    # most Binomial(15, 0.05), and P(X >= 4) = 0.0055.
    false = 0
    for seed in range(1, 6):
        res = infer_network(var3(seed), max_lag_sources=2, fdr_correction=False, n_threads=1, **FAST)
        found = {e[:3] for e in res.edges()}
        assert TRUE_EDGES <= found, seed
        false += len(found - TRUE_EDGES)
    assert false <= 3


def test_independent_processes_false_positive_rate() -> None:
    # 15 networks of 3 independent processes = 45 target analyses; a target
    # with any source is a family-wise false positive, probability <= 0.05 each:
    # at most Binomial(45, 0.05), P(X >= 8) = 0.004.
    hits = 0
    for seed in range(15):
        X = np.random.default_rng(1000 + seed).standard_normal((200, 3))
        res = infer_network(X, max_lag_sources=2, max_lag_target=1, fdr_correction=False, n_threads=1, **FAST)
        hits += sum(bool(r.selected_sources) for r in res.targets.values())
    assert hits <= 7


def test_mi_algorithms_find_the_lagged_dependence() -> None:
    X = var3(3)
    for algorithm in ("multivariate_mi", "bivariate_mi", "bivariate_te"):
        res = infer_network(X, algorithm=algorithm, max_lag_sources=2, fdr_correction=False, n_threads=1, **FAST)
        found = {e[:3] for e in res.edges()}
        assert TRUE_EDGES <= found, algorithm
        if algorithm.endswith("_mi"):
            assert all(not r.selected_target_past for r in res.targets.values())


def test_fdr_by_target_keeps_strong_targets() -> None:
    res = infer_network(var3(0), max_lag_sources=2, n_threads=1, **{**FAST, "n_perm_omnibus": 200})
    assert {e[:3] for e in res.edges()} == TRUE_EDGES
    assert [res[t].fdr_significant for t in range(3)] == [False, True, True]


def test_fdr_needs_enough_permutations() -> None:
    # 21 omnibus rounds: the smallest p-value 1/21 is above the smallest BY
    # threshold 0.05 / 3 / 1.83, so the correction cannot pass anything; as
    # IDTxl, the results come back uncorrected, with a warning
    with pytest.warns(UserWarning, match="fdr_correction"):
        res = infer_network(var3(0), max_lag_sources=2, n_threads=1, **FAST)
    assert res.settings["fdr_applied"] is False
    assert {e[:3] for e in res.edges()} == TRUE_EDGES
    assert all(r.fdr_significant is None for r in res.targets.values())


def test_replications_are_shuffled_whole() -> None:
    rng = np.random.default_rng(5)
    reps = [var3(int(s), n=60) for s in rng.integers(0, 1000, size=6)]
    res = infer_network(reps, max_lag_sources=1, targets=[1], fdr_correction=False, n_threads=1, **FAST)
    assert res.settings["permute_in_time"] is False  # 6! = 720 > 21 orders
    assert (0, 1) in res[1].selected_sources
    as_array = infer_network(np.stack(reps), max_lag_sources=1, targets=[1], fdr_correction=False, n_threads=1, **FAST)
    assert as_array.to_dict() == res.to_dict()


@pytest.mark.parametrize("perm_type", ["circular", "block", "local"])
def test_time_permutation_schemes(perm_type: str) -> None:
    res = infer_network(
        var3(0, n=200), max_lag_sources=1, targets=[1], perm_type=perm_type, fdr_correction=False, n_threads=1, **FAST
    )
    assert (0, 1) in res[1].selected_sources


# ---------------------------------------------------------------- same answer everywhere

# 200 omnibus rounds: enough for the FDR correction across 4 targets (smallest BY threshold 0.006)
SMALL = {
    "max_lag_sources": 1,
    "n_perm_max_stat": 21,
    "n_perm_min_stat": 21,
    "n_perm_omnibus": 200,
    "n_perm_max_seq": 21,
}


@pytest.fixture(scope="module")
def small_data() -> np.ndarray:
    X = np.random.default_rng(11).standard_normal((150, 4))
    X[1:, 1] += 0.9 * X[:-1, 0]
    X[1:, 3] += 0.9 * X[:-1, 2]
    return X


@pytest.fixture(scope="module")
def reference(small_data: np.ndarray) -> dict[str, object]:
    return infer_network(small_data, n_threads=1, **SMALL).to_dict()


def test_threads_do_not_change_results(small_data: np.ndarray, reference: dict[str, object]) -> None:
    assert infer_network(small_data, n_threads=2, **SMALL).to_dict() == reference


def test_process_pool_gives_identical_results(small_data: np.ndarray, reference: dict[str, object]) -> None:
    # spawned workers: a forked one would inherit the Rust thread pool without its threads
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("spawn")) as ex:
        assert infer_network(small_data, n_threads=1, executor=ex, **SMALL).to_dict() == reference


def test_forking_process_pool_is_refused(small_data: np.ndarray) -> None:
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork")) as ex:
        with pytest.raises(ValueError, match="executor"):
            infer_network(small_data, executor=ex, **SMALL)


# distributed may warn about its own start-up (ports, memory limits, its
# dependencies' deprecations) on some hosts, and a socket of the closed cluster
# may be collected later: none concerns the results
@pytest.mark.filterwarnings("ignore::DeprecationWarning:distributed.*")
@pytest.mark.filterwarnings("ignore::UserWarning:distributed.*")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_dask_cluster_gives_identical_results(small_data: np.ndarray, reference: dict[str, object]) -> None:
    distributed = importlib.import_module("distributed")  # in the test extra: missing is a failure
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, scheduler_port=0
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert infer_network(small_data, n_threads=1, executor=client, **SMALL).to_dict() == reference
        with client.get_executor() as ex:
            assert infer_network(small_data, n_threads=1, executor=ex, **SMALL).to_dict() == reference


def test_checkpoint_resume_is_identical(small_data: np.ndarray, reference: dict[str, object], tmp_path) -> None:
    class Stop(Exception):
        pass

    def stop_after_two(done: int, total: int) -> None:
        if done == 2:
            raise Stop

    with pytest.raises(Stop):
        infer_network(small_data, n_threads=1, checkpoint=tmp_path, progress=stop_after_two, **SMALL)
    assert len(list(tmp_path.glob("target_*.json"))) == 2
    seen: list[int] = []
    resumed = infer_network(small_data, n_threads=1, checkpoint=tmp_path, progress=lambda d, t: seen.append(d), **SMALL)
    assert seen[0] == 2  # two targets came from the checkpoint
    assert resumed.to_dict() == reference
    # the checkpoint of other settings is refused, naming the argument
    with pytest.raises(ValueError, match="checkpoint"):
        infer_network(small_data, n_threads=1, checkpoint=tmp_path, **{**SMALL, "k": 3})


def test_keyboard_interrupt_keeps_the_finished_targets(
    small_data: np.ndarray, reference: dict[str, object], tmp_path
) -> None:
    # Ctrl-C in the third target's pruning step (done = 2 + 2/5): the two
    # finished targets stay saved, the interrupted one is not, and the
    # resumed run gives the uninterrupted result
    def interrupt(done: float, total: int) -> None:
        if done == 2.4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        infer_network(small_data, n_threads=1, checkpoint=tmp_path, progress=interrupt, **SMALL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target_00000.json", "target_00001.json"]
    assert infer_network(small_data, n_threads=1, checkpoint=tmp_path, **SMALL).to_dict() == reference


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to the own process is POSIX")
def test_sigint_stops_a_run_promptly(tmp_path) -> None:
    # a real Ctrl-C (SIGINT from another thread) 0.3 s into the second
    # target's source selection, a step of about 2 s at 2,000 samples here:
    # the run stops within the core's polling interval (20 ms) plus the
    # estimate in progress, far sooner than the step would end, and the
    # first target stays saved
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 3))
    X[1:, 1] += 0.5 * X[:-1, 0]
    sent: list[float] = []

    def kill() -> None:
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    timers: list[threading.Timer] = []

    def progress(done: float, total: int) -> None:
        if done == 1.2:
            timers.append(threading.Timer(0.3, kill))
            timers[0].start()

    perm = {"n_perm_max_stat": 200, "n_perm_min_stat": 200, "n_perm_omnibus": 200, "n_perm_max_seq": 200}
    # Python's own handler, also where the process started with SIGINT
    # ignored (a background job of a non-interactive shell)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            infer_network(
                X, max_lag_sources=3, fdr_correction=False, n_threads=1, checkpoint=tmp_path, progress=progress, **perm
            )
        stopped = time.perf_counter()
    finally:
        for t in timers:
            t.cancel()
            t.join()
        signal.signal(signal.SIGINT, previous)
    assert sent, "the run ended before the signal"
    assert stopped - sent[0] < 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target_00000.json"]


def test_progress_reports_targets_and_steps(small_data: np.ndarray) -> None:
    seen: list[float] = []
    res = infer_network(small_data, n_threads=1, progress=lambda d, t: seen.append(d), **SMALL)
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 4
    assert [d for d in seen if float(d).is_integer()] == [0, 1, 2, 3, 4]
    for t in range(4):
        steps = [round(5 * (d - t)) for d in seen if t < d < t + 1]
        # sources and pruning always; omnibus and the sequential test where sources remain
        want = [1, 2, 3, 4] if res[t].omnibus_p is not None and res[t].omnibus_significant else [1, 2, 3]
        assert steps == (want if res[t].omnibus_p is not None else [1, 2]), t
    # with an executor, finished targets only
    seen.clear()
    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        infer_network(small_data, n_threads=1, executor=ex, progress=lambda d, t: seen.append(d), **SMALL)
    assert seen == [0, 1, 2, 3, 4]


def test_progress_line_names_the_step(small_data: np.ndarray, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    # without tqdm: a line on stderr that names the target and its step
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    infer_network(small_data, n_threads=1, targets=[1], progress=True, **SMALL)
    err = capsys.readouterr().err
    assert "infoflux: 0.2/1 targets (target 1: sources)" in err
    assert "(target 1: sequential)" in err and err.endswith("infoflux: 1/1 targets\n")


def test_progress_bar_names_the_step(small_data: np.ndarray, capsys) -> None:
    importlib.import_module("tqdm")  # in the test extra: missing is a failure
    infer_network(small_data, n_threads=1, targets=[1], progress=True, **SMALL)
    err = capsys.readouterr().err
    assert "network inference" in err and "target 1: omnibus" in err


def test_failing_task_names_its_target(small_data: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    real = _infer.analyse_target

    def flaky(data, s, target, sources, **kw):  # type: ignore[no-untyped-def]
        if target == 2:
            raise RuntimeError("worker lost")
        return real(data, s, target, sources, **kw)

    monkeypatch.setattr(_infer, "analyse_target", flaky)
    with cf.ThreadPoolExecutor(max_workers=2) as ex, pytest.raises(TargetFailedError, match="target 2") as info:
        infer_network(small_data, n_threads=1, executor=ex, **SMALL)
    assert info.value.target == 2
    with pytest.raises(TargetFailedError, match="target 2"):
        infer_network(small_data, n_threads=1, **SMALL)


def test_checkpoint_needs_a_fixed_seed(small_data: np.ndarray, tmp_path) -> None:
    with pytest.raises(ValueError, match="checkpoint"):
        infer_network(small_data, checkpoint=tmp_path, seed=None, **SMALL)


def test_generator_seed_is_drawn_once(small_data: np.ndarray) -> None:
    drawn = int(np.random.default_rng(3).integers(0, 2**63))
    a = infer_network(small_data, seed=np.random.default_rng(3), n_threads=1, targets=[1], **SMALL)
    b = infer_network(small_data, seed=drawn, n_threads=1, targets=[1], **SMALL)
    assert a.to_dict() == b.to_dict()


def test_executor_of_the_wrong_type(small_data: np.ndarray) -> None:
    with pytest.raises(TypeError, match="executor"):
        infer_network(small_data, executor=object(), **SMALL)


# ---------------------------------------------------------------- result object


def test_result_views_and_files(var_result: NetworkResult, tmp_path) -> None:
    te = var_result.adjacency("te")
    pv = var_result.adjacency("p_value")
    assert te[0, 1] > 0.05 and te[1, 0] == 0.0
    assert math.isnan(pv[1, 0]) and 0 < pv[0, 1] < 0.05
    with pytest.raises(ValueError, match="weights"):
        var_result.adjacency("nope")
    path = tmp_path / "net.json"
    var_result.save(path)
    loaded = NetworkResult.load(path)
    assert loaded == var_result
    json.loads(path.read_text())  # plain JSON
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match="path"):
        NetworkResult.load(bad)


def test_to_pandas(var_result: NetworkResult) -> None:
    importlib.import_module("pandas")  # in the test extra: missing is a failure
    df = var_result.to_pandas()
    assert sorted(zip(df.source, df.target, df.lag)) == sorted(TRUE_EDGES)


def test_to_networkx(var_result: NetworkResult) -> None:
    importlib.import_module("networkx")  # in the test extra: missing is a failure
    g = var_result.to_networkx()
    assert sorted(g.edges()) == [(0, 1), (1, 2)]
    assert g.edges[1, 2]["lags"] == [2]
    assert g.number_of_nodes() == 3


def test_plot(var_result: NetworkResult) -> None:
    mpl = importlib.import_module("matplotlib")  # in the test extra: missing is a failure
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    assert var_result.plot() is not None
    assert var_result.plot("heatmap") is not None
    with pytest.raises(ValueError, match="kind"):
        var_result.plot("pie")
    plt.close("all")


# ---------------------------------------------------------------- bad input

GOOD = np.random.default_rng(0).standard_normal((100, 3))


@pytest.mark.parametrize(
    ("data", "kwargs", "exc", "match"),
    [
        (GOOD[:3], {"max_lag_sources": 3}, ValueError, "max_lag_sources"),
        (GOOD[:7], {"max_lag_sources": 3}, ValueError, "max_lag_sources"),
        (GOOD, {"max_lag_sources": 1, "min_lag_sources": 2}, ValueError, "max_lag_sources"),
        (GOOD, {"max_lag_sources": 0}, ValueError, "max_lag_sources"),
        (GOOD, {"max_lag_sources": 1.5}, TypeError, "max_lag_sources"),
        (GOOD, {"max_lag_sources": 1, "alpha_max_stat": 0.0}, ValueError, "alpha_max_stat"),
        (GOOD, {"max_lag_sources": 1, "alpha_omnibus": 1.0}, ValueError, "alpha_omnibus"),
        (GOOD, {"max_lag_sources": 1, "alpha_fdr": -0.1}, ValueError, "alpha_fdr"),
        (GOOD, {"max_lag_sources": 1, "alpha_min_stat": "x"}, TypeError, "alpha_min_stat"),
        (GOOD, {"max_lag_sources": 1, "n_perm_max_stat": 20}, ValueError, "n_perm_max_stat"),
        (GOOD, {"max_lag_sources": 1, "n_perm_max_seq": 10, "alpha_max_seq": 0.1}, ValueError, "n_perm_max_seq"),
        (GOOD, {"max_lag_sources": 1, "algorithm": "te"}, ValueError, "algorithm"),
        (GOOD, {"max_lag_sources": 1, "perm_type": "shuffle"}, ValueError, "perm_type"),
        (GOOD, {"max_lag_sources": 1, "engine": "gpu"}, ValueError, "engine"),
        (GOOD, {"max_lag_sources": 1, "fdr_constant": 3}, ValueError, "fdr_constant"),
        (GOOD, {"max_lag_sources": 1, "targets": [3]}, ValueError, "targets"),
        (GOOD, {"max_lag_sources": 1, "sources": [0, 0]}, ValueError, "sources"),
        (GOOD, {"max_lag_sources": 1, "targets": [0], "sources": [0]}, ValueError, "sources"),
        (GOOD, {"max_lag_sources": 1, "permute_in_time": False}, ValueError, "permute_in_time"),
        (GOOD, {"max_lag_sources": 1, "k": 0}, ValueError, "k"),
        (GOOD, {"max_lag_sources": 1, "noise": -1.0}, ValueError, "noise"),
        (GOOD, {"max_lag_sources": 1, "progress": 3}, TypeError, "progress"),
        (GOOD[:, :1], {"max_lag_sources": 1}, ValueError, "data"),
        (np.where(np.arange(300).reshape(100, 3) == 7, np.nan, GOOD), {"max_lag_sources": 1}, ValueError, "data"),
        (np.where(np.arange(300).reshape(100, 3) == 7, np.inf, GOOD), {"max_lag_sources": 1}, ValueError, "data"),
        ([GOOD, GOOD[:90]], {"max_lag_sources": 1}, ValueError, "data"),
        ([[1.0, 2.0], [3.0]], {"max_lag_sources": 1}, ValueError, "data"),
        ([], {"max_lag_sources": 1}, ValueError, "data"),
        (GOOD.astype(complex), {"max_lag_sources": 1}, TypeError, "data"),
        (GOOD[None, None], {"max_lag_sources": 1}, ValueError, "data"),
    ],
)
def test_bad_input_names_the_argument(data: object, kwargs: dict[str, object], exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        infer_network(data, **{"n_perm_max_stat": 21, **kwargs})  # type: ignore[arg-type]
