"""The GPU path: the array-API backend, device dispatch, and CUDA runs.

The backend (``infoflux._array_api`` behind ``infoflux._gpu``) is written
against the array API standard, so CI runs it on NumPy and compares it with
the Rust path on the same data: the float comparisons are the same, so the
numbers agree to rounding (asked: 1e-10). Tests marked ``gpu`` run the same
comparisons on PyTorch / CuPy CUDA arrays and skip when neither library or
no CUDA device is present.

The NumPy backend is O(n^2) brute force: n stays in the hundreds here.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("array_api_compat")

import array_api_compat

import infoflux
from infoflux import _array_api as A
from infoflux import _backend_xp, _core, _dispatch, _gpu
from infoflux._arrays import to_numpy

XP = array_api_compat.array_namespace(np.zeros(1))
TOL = 1e-10


def data(n, seed, dims=(1, 1, 1)):
    """Correlated Gaussian variables with the given column counts."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, dims[2]))
    x = z[:, :1] + 0.7 * rng.standard_normal((n, dims[0]))
    y = x[:, :1] - 0.5 * z[:, :1] + rng.standard_normal((n, dims[1]))
    return x, y, z


# ------------------------------------------------------------ parity on NumPy


@pytest.mark.parametrize("algorithm", [1, 2])
@pytest.mark.parametrize("dims,k", [((1, 1, 1), 3), ((2, 1, 1), 1), ((1, 3, 1), 5)])
def test_mi_matches_rust(algorithm, dims, k):
    x, y, _ = data(300, 10 * k + algorithm, dims)
    want = infoflux.mutual_info(x, y, k=k, algorithm=algorithm, local=True)
    got = _gpu.mutual_info(x, y, k=k, algorithm=algorithm, local=True, tile_size=37)
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
    assert _gpu.mutual_info(x, y, k=k, algorithm=algorithm) == pytest.approx(
        infoflux.mutual_info(x, y, k=k, algorithm=algorithm), abs=TOL
    )


@pytest.mark.parametrize("algorithm", [1, 2])
@pytest.mark.parametrize("dims", [(1, 1, 1), (2, 1, 2)])
def test_cmi_matches_rust(algorithm, dims):
    x, y, z = data(250, 3 + algorithm, dims)
    want = infoflux.conditional_mutual_info(x, y, z, k=4, algorithm=algorithm, local=True)
    got = _gpu.conditional_mutual_info(x, y, z, k=4, algorithm=algorithm, local=True, tile_size=64)
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
@pytest.mark.parametrize("d", [1, 3])
def test_entropy_matches_rust(metric, d):
    x = np.random.default_rng(d).standard_normal((300, d)) * [1.0, 3.0, 0.2][:d]
    for kwargs in ({}, {"normalize": True, "k": 1}, {"noise": 0.0, "k": 5}):
        want = infoflux.entropy(x, metric=metric, local=True, **kwargs)
        got = _gpu.entropy(x, metric=metric, local=True, tile_size=50, **kwargs)
        np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
    want = _core.entropy_local(x=x, k=4, metric=metric, n_threads=1)
    for search in ("sorted", "brute"):
        np.testing.assert_allclose(A.entropy_local(XP, x, 4, metric, 64, search), want, rtol=0, atol=TOL)
    for start in (1, 3):  # windows that must grow
        rho = A.kth_distance_sorted(XP, x, 4, metric, 64, start_window=start)
        np.testing.assert_allclose(A._entropy_values(XP, rho, 300, d, 4, metric), want, rtol=0, atol=TOL)


@pytest.mark.parametrize("algorithm", [1, 2])
def test_mi_matrix_matches_rust(algorithm):
    x, y, z = data(200, 5, (2, 1, 2))
    X = np.hstack([x, y, z])
    want = infoflux.mutual_info_matrix(X, k=3, algorithm=algorithm, base=2)
    got = _gpu.mutual_info_matrix(X, k=3, algorithm=algorithm, base=2)
    assert got.shape == (5, 5)
    np.testing.assert_array_equal(np.isnan(got), np.eye(5, dtype=bool))
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


def test_preprocessing_and_noise_match_the_cpu_path():
    """Same seed -> same noise on both paths, in every normalisation mode;
    a Generator seed is consumed the same way.

    The device computes the normalisation's means and deviations with its
    own reductions, so the preprocessed inputs agree with the Rust core's to
    rounding (checked directly). Estimates are compared where the noise
    breaks the ties: with exact ties and no noise, KSG counts depend on
    distances that are equal up to that rounding."""
    import array_api_compat.numpy as xnp

    from infoflux._validation import as_samples, preprocess

    x, y, _ = data(200, 9)
    x = np.round(x, 1)  # ties: the noise decides the neighbours
    y = np.round(y * 10)
    xa, ya = as_samples(x, "x"), as_samples(y, "y")
    for normalize in (True, False):
        for noise, seed in ((1e-3, 0), (1e-3, 12345), (0.5, 7), (0.0, 0)):
            cpu = preprocess([xa, ya], normalize, noise, seed)
            dev = _gpu.preprocess(xnp, [xa, ya], normalize, noise, seed)
            for c, d in zip(cpu, dev):
                np.testing.assert_allclose(np.asarray(d), c, rtol=1e-14, atol=1e-14)
            if noise > 0:
                want = infoflux.mutual_info(x, y, normalize=normalize, noise=noise, seed=seed, local=True)
                got = _gpu.mutual_info(x, y, normalize=normalize, noise=noise, seed=seed, local=True)
                np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert _gpu.mutual_info(x, y, seed=g1) == pytest.approx(infoflux.mutual_info(x, y, seed=g2), abs=TOL)
    # a different seed really changes the numbers here (the test can fail)
    assert _gpu.mutual_info(x, y, seed=1, noise=0.5) != _gpu.mutual_info(x, y, seed=2, noise=0.5)


# exact ties are the point here: the CPU path counts them in a RuntimeWarning
@pytest.mark.filterwarnings("ignore:.*zero distance to their k-th nearest neighbour:RuntimeWarning")
def test_ties_algorithm_1_exact_without_noise():
    """Discrete data and noise=0: ε_i is often 0 (strict counts empty) and
    many distances tie; algorithm 1's counts do not depend on which tied
    neighbour is taken, so they match exactly."""
    rng = np.random.default_rng(4)
    x = rng.integers(0, 4, 300).astype(float)
    y = x + rng.integers(0, 3, 300)
    z = rng.integers(0, 3, 300).astype(float)
    for k in (1, 3, 8):
        want = infoflux.mutual_info(x, y, k=k, normalize=False, noise=0, local=True)
        got = _gpu.mutual_info(x, y, k=k, normalize=False, noise=0, local=True)
        np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
        want = infoflux.conditional_mutual_info(x, y, z, k=k, normalize=False, noise=0, local=True)
        got = _gpu.conditional_mutual_info(x, y, z, k=k, normalize=False, noise=0, local=True)
        np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


def test_theiler_window_matches_rust():
    x, y, z = data(200, 6)
    for alg in (1, 2):
        for window in (1, 4):
            want = _core.mi_local(x=x, y=y, k=3, algorithm=alg, window=window, n_threads=1)
            got = A.mi_local(XP, x, y, 3, alg, window=window, tile_size=33)
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
            want = _core.cmi_local(x=x, y=y, z=z, k=3, algorithm=alg, window=window, n_threads=1)
            got = A.cmi_local(XP, x, y, z, 3, alg, window=window)
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


@pytest.mark.parametrize("search", ["sorted", "brute"])
@pytest.mark.parametrize("algorithm", [1, 2])
def test_both_search_engines_match_rust(search, algorithm):
    """The sorted-window engine (default) and the all-pairs engine each give
    the Rust path's values, with and without a Theiler window."""
    x, y, z = data(240, 12, (1, 2, 2))
    for window in (0, 3):
        np.testing.assert_allclose(
            A.mi_local(XP, x, y, 3, algorithm, window, 29, search),
            _core.mi_local(x=x, y=y, k=3, algorithm=algorithm, window=window, n_threads=1),
            rtol=0,
            atol=TOL,
        )
        np.testing.assert_allclose(
            A.cmi_local(XP, x, y, z, 3, algorithm, window, 29, search),
            _core.cmi_local(x=x, y=y, z=z, k=3, algorithm=algorithm, window=window, n_threads=1),
            rtol=0,
            atol=TOL,
        )
    X = np.hstack([x, y])
    np.testing.assert_allclose(
        A.mi_matrix(XP, X, 2, algorithm, None, search),
        _core.mi_matrix(x=X, k=2, algorithm=algorithm, n_threads=1),
        rtol=0,
        atol=TOL,
    )


@pytest.mark.parametrize("start_window", [1, 2, 5, 1000])
def test_sorted_search_window_growth_and_ties(start_window):
    """Windows that start too small must grow until the gap test proves the
    neighbours exact; heavy ties in the sort column (gap 0) force the window
    to the whole data set. Counts equal the all-pairs engine's."""
    rng = np.random.default_rng(start_window)
    n = 150
    x = np.round(rng.standard_normal((n, 1)), 1)  # many ties in the sort column
    y = x + rng.standard_normal((n, 1))
    z = rng.standard_normal((n, 1))
    J = np.hstack([x, y, z])
    G = [range(1), range(1, 2), range(2, 3)]
    for spaces in ([[0], [1]], [[0, 2], [1, 2], [2]]):
        for alg in (1,):  # algorithm 2's extents depend on tie order; 1's counts do not
            got = A.knn_counts_sorted(XP, J, None, G, spaces, 4, alg, 0, None, 16, start_window=start_window)
            want = A.knn_counts(XP, J, G, spaces, 4, alg, 0, 16)
            for g, w in zip(got, want):
                np.testing.assert_array_equal(g[0], w)


def test_tile_size_does_not_change_results():
    x, y, z = data(120, 8, (1, 2, 1))
    ref = _gpu.conditional_mutual_info(x, y, z, algorithm=2, local=True, tile_size=120)
    for t in (1, 7, 119, 10_000):
        np.testing.assert_array_equal(_gpu.conditional_mutual_info(x, y, z, algorithm=2, local=True, tile_size=t), ref)


def test_tile_rows_respects_the_budget(monkeypatch):
    a = np.zeros((10, 1))
    monkeypatch.setattr(A, "DEFAULT_HOST_BUDGET", 8 * 1000 * 6 * 25)
    assert A.tile_rows(XP, a, 1000, 6) == 25
    monkeypatch.setattr(A, "DEFAULT_HOST_BUDGET", 1)
    assert A.tile_rows(XP, a, 1000, 6) == 1  # never zero rows
    assert A.tile_rows(XP, a, 1000, 6, tile_size=5000) == 1000
    with pytest.raises(ValueError, match="tile_size"):
        A.tile_rows(XP, a, 1000, 6, tile_size=0)


def test_public_tile_size_and_float32_options():
    x, y, _ = data(200, 11)
    exact = infoflux.mutual_info(x, y)
    # the CPU path computes in float64 whatever dtype says
    assert infoflux.mutual_info(x, y, dtype="float32", tile_size=3) == exact
    with pytest.raises(ValueError, match="dtype"):
        infoflux.mutual_info(x, y, dtype="float16")
    with pytest.raises(ValueError, match="dtype"):
        _gpu.mutual_info(x, y, dtype="half")
    # float32 on the backend: approximate, documented as such
    approx = _gpu.mutual_info(x, y, dtype="float32")
    assert approx == pytest.approx(exact, abs=0.02)
    h32 = _gpu.entropy(x, dtype="float32")
    assert h32 == pytest.approx(infoflux.entropy(x), abs=1e-3)


def te_series(n, seed):
    """A source driving an AR(1) target (TE > 0), and a condition column."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = 0.5 * y[t - 1] + 0.6 * x[t - 1] + rng.standard_normal()
    return x, y, rng.standard_normal((n, 2))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"algorithm": 2},
        {"history": 2, "source_history": 2, "lag": 2, "k": 3},
        {"exclude": 3},
        {"algorithm": 2, "exclude": 2, "history": 3, "history_delay": 2, "base": 2},
        {"conditions": "c", "condition_lag": [0, 2], "condition_history": [1, 2]},
    ],
)
def test_te_matches_rust(kwargs):
    x, y, c = te_series(300, 1)
    kwargs = {key: (c if v == "c" else v) for key, v in kwargs.items()}
    want = infoflux.transfer_entropy(x, y, local=True, **kwargs)
    got = _gpu.transfer_entropy(x, y, local=True, tile_size=41, **kwargs)
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


@pytest.mark.parametrize("method", ["permutation", "time_shift", "block"])
@pytest.mark.parametrize("algorithm", [1, 2])
def test_te_surrogates_match_rust(method, algorithm):
    """Same seed -> the same surrogate orders (the SplitMix64 streams of
    rust/core/src/random.rs, drawn by the core) -> the same surrogate estimates and p-value; batching the
    surrogates does not change them."""
    x, y, _ = te_series(200, 2)
    want = infoflux.transfer_entropy_significance(x, y, n_surrogates=24, method=method, algorithm=algorithm, seed=11)
    for batch in (1, 7, None):
        got = _gpu.transfer_entropy_significance(
            x, y, n_surrogates=24, method=method, algorithm=algorithm, seed=11, batch_size=batch
        )
        assert got.estimate == pytest.approx(want.estimate, abs=TOL)
        np.testing.assert_allclose(got.surrogates, want.surrogates, rtol=0, atol=TOL)
        assert got.p_value == want.p_value and got.method == want.method
    # a different seed gives different surrogates (the comparison can fail)
    other = _gpu.transfer_entropy_significance(x, y, n_surrogates=24, method=method, algorithm=algorithm, seed=12)
    assert np.abs(other.surrogates - want.surrogates).max() > 1e-6


@pytest.mark.parametrize("search", ["sorted", "brute"])
def test_batched_cmi_with_trials_matches_rust(search):
    """The Theiler window never crosses a trial boundary (the core's trial ids),
    for the batched CMI the TE path runs (brute-force and 1-D counts)."""
    rng = np.random.default_rng(8)
    n, lengths = 180, [60, 50, 70]
    trial = np.repeat(np.arange(3), lengths).astype(np.int64)
    x, y = rng.standard_normal((n, 1)), rng.standard_normal((n, 1))
    for z in (rng.standard_normal((n, 1)), rng.standard_normal((n, 2))):
        for alg in (1, 2):
            want = _core.te_local(x=x, y=y, z=z, k=3, algorithm=alg, trial_lengths=lengths, window=4, n_threads=1)
            got = A.cmi_batched(XP, x[None], y, z, 3, alg, window=4, trial=trial, tile_size=45, search=search)[0]
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
            # without the trial ids the window would cross the boundaries
            other = A.cmi_batched(XP, x[None], y, z, 3, alg, window=4, search=search)[0]
            assert np.abs(other - want).max() > 1e-6


def test_batched_engines_agree_on_a_batch_of_sources():
    rng = np.random.default_rng(9)
    n, B = 120, 5
    y, z = rng.standard_normal((n, 1)), rng.standard_normal((n, 2))
    xs = rng.standard_normal((B, n, 2))
    for alg in (1, 2):
        brute = A.cmi_batched(XP, xs, y, z, 3, alg, tile_size=50, search="brute")
        fast = A.cmi_batched(XP, xs, y, z, 3, alg, tile_size=50)
        np.testing.assert_allclose(fast, brute, rtol=0, atol=TOL)
        for b in range(B):  # and each member is the plain CMI of its source
            np.testing.assert_allclose(
                fast[b],
                _core.cmi_local(x=np.ascontiguousarray(xs[b]), y=y, z=z, k=3, algorithm=alg, n_threads=1),
                rtol=0,
                atol=TOL,
            )
    with pytest.raises(ValueError, match="search"):
        A.cmi_batched(XP, xs, y, z, 3, 1, search="kd")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_surrogates": 9},
        {"conditioning": "all", "n_surrogates": 5, "algorithm": 2},
        {"conditioning": [2], "n_surrogates": 4, "method": "time_shift", "history": 2, "base": 2},
    ],
)
def test_te_matrix_matches_rust(kwargs):
    """All-pairs TE: the same entries, surrogates and p-values as the CPU
    path (per-target seeds, per-source streams, shared target side)."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((200, 4))
    X[1:, 1] += 0.8 * X[:-1, 0]
    want = infoflux.transfer_entropy_matrix(X, **kwargs)
    got = _gpu.transfer_entropy_matrix(X, batch_size=6, **kwargs)
    np.testing.assert_allclose(got.values, want.values, rtol=0, atol=TOL)
    np.testing.assert_allclose(got.surrogates, want.surrogates, rtol=0, atol=TOL)
    np.testing.assert_array_equal(got.p_values, want.p_values)
    seen = []
    _gpu.transfer_entropy_matrix(X, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (12, 12)


def test_surrogate_orders_are_permutations_within_trials():
    orders = _core.surrogate_orders(
        method="block", trial_lengths=[50, 70], n_surrogates=5, block_size=7, seed=3, first_stream=1
    )
    assert orders.shape == (5, 120)
    for o in orders:
        assert sorted(o) == list(range(120))
        assert (o[:50] < 50).all()
    shifts = _core.surrogate_orders(method="time_shift", trial_lengths=[100], n_surrogates=50, seed=4, first_stream=1)
    lag = (shifts[:, 0] - 0) % 100
    assert ((lag >= 10) & (lag <= 90)).all()
    with pytest.raises(ValueError, match="fewer than 2 blocks"):
        _core.surrogate_orders(
            method="block", trial_lengths=[10], n_surrogates=2, block_size=10, seed=0, first_stream=1
        )


def test_te_bad_input_on_the_backend():
    x, y, _ = te_series(50, 3)
    with pytest.raises(ValueError, match="different lengths"):
        _gpu.transfer_entropy(x, y[:-1])
    with pytest.raises(ValueError, match="fewer than"):
        _gpu.transfer_entropy(x[:6], y[:6], history=3)
    with pytest.raises(TypeError, match="one trial"):
        _gpu.transfer_entropy([x, x], [y, y])
    with pytest.raises(ValueError, match="method"):
        _gpu.transfer_entropy_significance(x, y, method="shuffle")
    with pytest.raises(TypeError, match="complex"):
        _gpu.transfer_entropy(x * 1j, y)


# ----------------------------------------------------------- building blocks


def test_digamma_against_scipy():
    special = pytest.importorskip("scipy.special")
    v = np.concatenate([np.geomspace(1e-6, 1e7, 500), np.arange(1.0, 3000.0)])
    got = A.digamma(XP, v)
    want = special.digamma(v)
    np.testing.assert_allclose(got, want, rtol=2e-15, atol=1e-14)
    # the scalar twin used for ψ(k), ψ(N) is the same algorithm; only its logarithm differs
    # (math.log against the array library's log, which may be 1 ulp apart on some platforms,
    # e.g. NumPy 1.26's SIMD log). ψ(x) = acc + ln x' - ... with x' < x + 10 and |acc| <= |ψ(x)| + ln x',
    # so the two agree to a few ulp of |ψ(x)| + 2 ln(x + 10): allow 4 ulp of that, no more.
    for i in range(0, v.size, 97):
        scale = abs(float(want[i])) + 2.0 * math.log(float(v[i]) + 10.0)
        assert abs(A.digamma_scalar(float(v[i])) - float(got[i])) <= 4 * np.spacing(scale), v[i]
    assert np.isnan(A.digamma(XP, np.array([0.0, -1.0]))).all()


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("window", [0, 2])
def test_count_1d_equals_brute_force(strict, window):
    rng = np.random.default_rng(int(strict) + 2 * window)
    v = np.concatenate([rng.integers(0, 6, 150) * 0.1, rng.standard_normal(50)])  # ties + rounding
    r = np.abs(v - np.roll(v, 3))  # radii that hit values exactly
    r[::7] = 0.0  # strict radius 0: nothing is inside
    got = A.count_1d(XP, v, r, strict, window)
    d = np.abs(v[:, None] - v[None, :])
    inside = d < r[:, None] if strict else d <= r[:, None]
    idx = np.arange(v.size)
    inside &= np.abs(idx[:, None] - idx[None, :]) > window
    np.testing.assert_array_equal(got, inside.sum(axis=1))


def test_trace_records_the_device_of_intermediates():
    x, y, _ = data(50, 1)
    A.TRACE = []
    try:
        _gpu.mutual_info(x, y)
        labels = {label for label, _ in A.TRACE}
        devices = {dev for _, dev in A.TRACE}
    finally:
        A.TRACE = None
    assert {"input x", "joint distances", "counts"} <= labels
    assert devices == {"cpu"}


def test_standard_only_on_array_api_strict():
    """The backend uses nothing beyond the array API standard: run it on
    array-api-strict (which rejects NumPy-only behaviour such as implicit
    trailing indices or out-of-bounds slice stops) and compare with Rust.
    CuPy and PyTorch get the same code on the GPU."""
    import array_api_strict as xs  # a test extra: this check must run, not skip

    x, y, z = data(150, 15, (1, 1, 2))
    X, Y, Z = xs.asarray(x), xs.asarray(y), xs.asarray(z)
    host = np.asarray
    for search in ("sorted", "brute"):
        np.testing.assert_allclose(
            host(A.mi_local(xs, X, Y, 3, 1, 0, 40, search)),
            _core.mi_local(x=x, y=y, k=3, algorithm=1, n_threads=1),
            rtol=0,
            atol=TOL,
        )
        np.testing.assert_allclose(
            host(A.cmi_local(xs, X, Y, Z, 3, 2, 2, 40, search)),
            _core.cmi_local(x=x, y=y, z=z, k=3, algorithm=2, window=2, n_threads=1),
            rtol=0,
            atol=TOL,
        )
        np.testing.assert_allclose(
            host(A.entropy_local(xs, Z, 3, "euclidean", 40, search)),
            _core.entropy_local(x=z, k=3, metric="euclidean", n_threads=1),
            rtol=0,
            atol=TOL,
        )
        trial = np.repeat(np.arange(3), [50, 40, 60]).astype(np.int64)
        got = A.cmi_batched(xs, xs.stack([X, Y]), Y, Z, 3, 2, 3, xs.asarray(trial), 40, search)[0, :]
        np.testing.assert_allclose(
            host(got),
            _core.te_local(x=x, y=y, z=z, k=3, algorithm=2, trial_lengths=[50, 40, 60], window=3, n_threads=1),
            rtol=0,
            atol=TOL,
        )
    np.testing.assert_allclose(
        host(_gpu.mutual_info(X, Y, local=True)), infoflux.mutual_info(x, y, local=True), rtol=0, atol=TOL
    )
    M = np.hstack([x, y, z])
    np.testing.assert_allclose(
        host(_gpu.mutual_info_matrix(xs.asarray(M))), infoflux.mutual_info_matrix(M), rtol=0, atol=TOL
    )
    got = _gpu.transfer_entropy_matrix(xs.asarray(M), n_surrogates=3, conditioning="all")
    want = infoflux.transfer_entropy_matrix(M, n_surrogates=3, conditioning="all")
    np.testing.assert_allclose(got.surrogates, want.surrogates, rtol=0, atol=TOL)


# ------------------------------------------------------------- bad input


def test_bad_input_on_the_backend():
    x, y, _ = data(50, 2)
    with pytest.raises(TypeError, match="complex"):
        _gpu.mutual_info(x + 1j, y)
    with pytest.raises(TypeError, match="real numbers"):
        _gpu.entropy(np.array(["a", "b", "c"] * 5))
    with pytest.raises(ValueError, match="3-D"):
        _gpu.entropy(np.zeros((5, 2, 2)))
    with pytest.raises(ValueError, match="same number of samples"):
        _gpu.mutual_info(x, y[:-1])
    bad = x.copy()
    bad[7, 0] = np.nan
    with pytest.raises(ValueError, match="row 7, column 0"):
        _gpu.mutual_info(bad, y)
    with pytest.raises(ValueError, match="k=50"):
        _gpu.mutual_info(x, y, k=50)
    with pytest.raises(ValueError, match="algorithm"):
        _gpu.mutual_info(x, y, algorithm=3)
    with pytest.raises(ValueError, match="metric"):
        _gpu.entropy(x, metric="manhattan")
    with pytest.raises(ValueError, match="at least 2 columns"):
        _gpu.mutual_info_matrix(x)
    with pytest.raises(ValueError, match="duplicate"):
        _gpu.entropy(np.repeat(x, 4, axis=0), noise=0)


def test_integer_and_strided_input():
    """Integer arrays are converted; strided (non-contiguous) views are read
    as they are, with no error and the CPU path's numbers."""
    rng = np.random.default_rng(5)
    big = rng.standard_normal((400, 4))
    x, y = big[::2, 1], big[::2, 3]  # non-contiguous
    assert not x.flags.c_contiguous
    want = infoflux.mutual_info(np.ascontiguousarray(x), np.ascontiguousarray(y), local=True)
    np.testing.assert_allclose(_gpu.mutual_info(x, y, local=True), want, rtol=0, atol=TOL)
    xi = rng.integers(0, 100, 200)
    assert _gpu.entropy(xi) == pytest.approx(infoflux.entropy(xi), abs=TOL)


# ------------------------------------------------------------- dispatch


class CpuDLPack:
    """A DLPack producer on the CPU that is not a NumPy array."""

    def __init__(self, a):
        self.a = a

    def __dlpack__(self, **kwargs):
        return self.a.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self.a.__dlpack_device__()


class FakeDevice:
    """Claims to live on a DLPack device; cannot actually be exported."""

    def __init__(self, device_type, device_id=0):
        self.dev = (device_type, device_id)

    def __dlpack_device__(self):
        return self.dev

    def __dlpack__(self, **kwargs):
        raise BufferError("fake array")


def test_cpu_dlpack_takes_the_rust_path_without_a_copy():
    x, y, _ = data(100, 3)
    xd, yd = CpuDLPack(np.ascontiguousarray(x[:, 0])), CpuDLPack(np.ascontiguousarray(y[:, 0]))
    assert _dispatch.backend_for(xd, yd) is None
    assert np.shares_memory(to_numpy(xd, "x"), xd.a)
    assert infoflux.mutual_info(xd, yd) == infoflux.mutual_info(x, y)


def test_nothing_gpu_related_is_imported_on_the_cpu_path():
    code = textwrap.dedent("""
        import sys, numpy as np
        import infoflux
        class D:
            def __init__(s, a): s.a = a
            def __dlpack__(s, **kw): return s.a.__dlpack__(**kw)
            def __dlpack_device__(s): return s.a.__dlpack_device__()
        x = np.random.default_rng(0).standard_normal(200)
        infoflux.mutual_info(D(x), D(x ** 3))
        infoflux.entropy(x)
        bad = [m for m in ("array_api_compat", "infoflux._gpu", "infoflux._array_api", "torch", "cupy", "jax")
               if m in sys.modules]
        print("IMPORTED", bad)
    """)
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [os.path.dirname(infoflux.__path__[0]), env.get("PYTHONPATH")] if p)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "IMPORTED []" in out.stdout, out.stdout + out.stderr


def test_public_functions_forward_to_the_backend(monkeypatch):
    """Route host arrays to the GPU backend as CUDA arrays would be: every
    public function must forward its arguments in a form the backend takes,
    and get the CPU path's numbers back."""
    x, y, z = data(150, 13)
    xt, yt, ct = te_series(150, 14)
    X = np.hstack([x, y, z])
    calls = [
        (infoflux.mutual_info, (x, y), {"k": 4, "algorithm": 2, "base": 2, "seed": 3}),
        (infoflux.conditional_mutual_info, (x, y, z), {"algorithm": 2, "noise": 1e-3}),
        (infoflux.entropy, (y,), {"metric": "euclidean", "k": 2}),
        (infoflux.mutual_info_matrix, (X,), {"algorithm": 2}),
        (infoflux.transfer_entropy, (xt, yt), {"history": 2, "conditions": ct, "exclude": 2}),
    ]
    want = [f(*a, **kw) for f, a, kw in calls]
    sig_want = infoflux.transfer_entropy_significance(xt, yt, n_surrogates=9, method="block", seed=4)
    monkeypatch.setattr(_dispatch, "backend_for", lambda *arrays: _backend_xp)
    for (f, a, kw), w in zip(calls, want):
        np.testing.assert_allclose(f(*a, **kw), w, rtol=0, atol=TOL)
    sig = infoflux.transfer_entropy_significance(xt, yt, n_surrogates=9, method="block", seed=4)
    np.testing.assert_allclose(sig.surrogates, sig_want.surrogates, rtol=0, atol=TOL)
    assert sig.p_value == sig_want.p_value
    net = infoflux.transfer_entropy_matrix(X[:, :3], n_surrogates=5, conditioning="all")
    monkeypatch.undo()
    net_want = infoflux.transfer_entropy_matrix(X[:, :3], n_surrogates=5, conditioning="all")
    np.testing.assert_allclose(net.values, net_want.values, rtol=0, atol=TOL)
    np.testing.assert_array_equal(net.p_values, net_want.p_values)


def test_cuda_array_without_a_library_to_read_it():
    with pytest.raises(TypeError, match="CuPy or PyTorch"):
        infoflux.mutual_info(FakeDevice(2), FakeDevice(2))
    with pytest.raises(TypeError, match="CuPy or PyTorch"):
        infoflux.entropy(FakeDevice(13))  # CUDA managed memory goes the same way


@pytest.mark.parametrize("device_type,name", [(10, "ROCm"), (8, "Metal"), (4, "OpenCL")])
def test_unsupported_devices_are_refused(device_type, name):
    x = np.zeros(10)
    with pytest.raises(ValueError, match="not supported"):
        infoflux.mutual_info(FakeDevice(device_type), FakeDevice(device_type))
    with pytest.raises(ValueError, match="not supported"):
        infoflux.entropy(FakeDevice(device_type))
    with pytest.raises(ValueError, match="not supported"):
        infoflux.mutual_info(x, FakeDevice(device_type))


def test_mixed_devices_are_refused():
    x = np.zeros(10)
    with pytest.raises(ValueError, match="mix of CPU and CUDA"):
        infoflux.mutual_info(x, FakeDevice(2))
    with pytest.raises(ValueError, match="mix of CPU and CUDA"):
        infoflux.conditional_mutual_info(FakeDevice(2), FakeDevice(2), CpuDLPack(x))
    with pytest.raises(ValueError, match="same device"):
        infoflux.mutual_info(FakeDevice(2, 0), FakeDevice(2, 1))


# ------------------------------------------------------------- CUDA (gpu)


def _cuda_libraries():
    """(name, to_device, to_host) for each installed CUDA array library."""
    libs = []
    try:
        import torch

        if torch.cuda.is_available():
            libs.append(
                pytest.param(
                    ("torch", lambda a: torch.as_tensor(a, device="cuda"), lambda a: a.cpu().numpy()), id="torch"
                )
            )
        else:
            libs.append(pytest.param(None, id="torch", marks=pytest.mark.skip(reason="torch: no CUDA device")))
    except ImportError:
        libs.append(pytest.param(None, id="torch", marks=pytest.mark.skip(reason="torch not installed")))
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            libs.append(pytest.param(("cupy", cupy.asarray, cupy.asnumpy), id="cupy"))
        else:
            libs.append(pytest.param(None, id="cupy", marks=pytest.mark.skip(reason="cupy: no CUDA device")))
    except Exception:
        libs.append(
            pytest.param(None, id="cupy", marks=pytest.mark.skip(reason="cupy not installed or no CUDA runtime"))
        )
    return libs


CUDA = _cuda_libraries()
GPU_TOL = 1e-9


@pytest.mark.gpu
@pytest.mark.parametrize("lib", CUDA)
def test_cuda_matches_cpu(lib):
    _name, dev, host = lib
    x, y, z = data(3000, 21, (1, 2, 1))
    for alg in (1, 2):
        assert infoflux.mutual_info(dev(x), dev(y), algorithm=alg) == pytest.approx(
            infoflux.mutual_info(x, y, algorithm=alg), abs=GPU_TOL
        )
        assert infoflux.conditional_mutual_info(dev(x), dev(y), dev(z), algorithm=alg) == pytest.approx(
            infoflux.conditional_mutual_info(x, y, z, algorithm=alg), abs=GPU_TOL
        )
    loc = infoflux.mutual_info(dev(x), dev(y), local=True)
    np.testing.assert_allclose(host(loc), infoflux.mutual_info(x, y, local=True), rtol=0, atol=GPU_TOL)
    for metric in ("chebyshev", "euclidean"):
        assert infoflux.entropy(dev(y), metric=metric) == pytest.approx(infoflux.entropy(y, metric=metric), abs=GPU_TOL)
    X = np.hstack([x, y, z])
    np.testing.assert_allclose(
        host(infoflux.mutual_info_matrix(dev(X))), infoflux.mutual_info_matrix(X), rtol=0, atol=GPU_TOL
    )


@pytest.mark.gpu
@pytest.mark.parametrize("lib", CUDA)
def test_cuda_te_matches_cpu(lib):
    _name, dev, _host = lib
    x, y, c = te_series(2000, 31)
    for alg in (1, 2):
        assert infoflux.transfer_entropy(dev(x), dev(y), algorithm=alg, history=2) == pytest.approx(
            infoflux.transfer_entropy(x, y, algorithm=alg, history=2), abs=GPU_TOL
        )
    assert infoflux.transfer_entropy(dev(x), dev(y), conditions=dev(c)) == pytest.approx(
        infoflux.transfer_entropy(x, y, conditions=c), abs=GPU_TOL
    )
    got = infoflux.transfer_entropy_significance(dev(x), dev(y), n_surrogates=50, seed=3)
    want = infoflux.transfer_entropy_significance(x, y, n_surrogates=50, seed=3)
    np.testing.assert_allclose(got.surrogates, want.surrogates, rtol=0, atol=GPU_TOL)
    assert got.p_value == want.p_value
    M = np.column_stack([x, y, c])
    got = infoflux.transfer_entropy_matrix(dev(M), n_surrogates=10, conditioning="all")
    want = infoflux.transfer_entropy_matrix(M, n_surrogates=10, conditioning="all")
    np.testing.assert_allclose(got.values, want.values, rtol=0, atol=GPU_TOL)
    np.testing.assert_allclose(got.surrogates, want.surrogates, rtol=0, atol=GPU_TOL)


@pytest.mark.gpu
@pytest.mark.parametrize("lib", CUDA)
def test_cuda_generic_top_k_equals_library_top_k(lib, monkeypatch):
    """PyTorch uses torch.topk; the generic argmin rounds (CuPy's path, and
    CI's) must give the same values on the device."""
    _name, dev, host = lib
    x, y, z = data(3000, 24, (1, 1, 2))
    fast = host(infoflux.conditional_mutual_info(dev(x), dev(y), dev(z), algorithm=2, local=True))
    monkeypatch.setattr(A, "USE_TORCH_TOPK", False)
    slow = host(infoflux.conditional_mutual_info(dev(x), dev(y), dev(z), algorithm=2, local=True))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=GPU_TOL)


@pytest.mark.gpu
@pytest.mark.parametrize("lib", CUDA)
def test_cuda_no_host_copy(lib):
    """Every traced intermediate lives on the CUDA device, and local values
    come back as a device array of the input's library."""
    _name, dev, _host = lib
    x, y, z = data(2000, 22)
    A.TRACE = []
    try:
        loc = infoflux.conditional_mutual_info(dev(x), dev(y), dev(z), local=True)
        infoflux.transfer_entropy_significance(dev(x[:, 0]), dev(y[:, 0]), n_surrogates=20)
        trace = list(A.TRACE)
    finally:
        A.TRACE = None
    assert any(label.startswith("embedded") for label, _ in trace)
    assert trace
    for label, d in trace:
        assert "cpu" not in str(d).lower(), (label, d)
    assert type(loc) is type(dev(x))
    assert loc.__dlpack_device__()[0] == 2


@pytest.mark.gpu
@pytest.mark.parametrize("lib", CUDA)
def test_cuda_strided_and_float32(lib):
    _name, dev, host = lib
    x, y, _ = data(2000, 23)
    big = dev(np.hstack([x, y, x]))
    strided = big[::2, 1]  # a non-contiguous device view
    want = infoflux.mutual_info(np.ascontiguousarray(host(big)[::2, 0]), host(strided))
    assert infoflux.mutual_info(big[::2, 0], strided) == pytest.approx(want, abs=GPU_TOL)
    assert infoflux.mutual_info(dev(x), dev(y), dtype="float32") == pytest.approx(infoflux.mutual_info(x, y), abs=0.02)
    with pytest.raises(TypeError, match="complex"):
        infoflux.mutual_info(dev(x + 1j), dev(y))
    with pytest.raises(ValueError, match="mix of CPU and CUDA"):
        infoflux.mutual_info(dev(x), y)


@pytest.mark.gpu
@pytest.mark.slow
@pytest.mark.parametrize("lib", CUDA)
def test_cuda_million_samples_do_not_run_out_of_memory(lib):
    _name, dev, _host = lib
    n = 1_000_000
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)
    y = 0.6 * x + 0.8 * rng.standard_normal(n)
    est = infoflux.mutual_info(dev(x), dev(y))
    assert est == pytest.approx(-0.5 * math.log(1 - 0.36), abs=0.01)
