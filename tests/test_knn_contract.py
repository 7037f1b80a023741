"""The user's contract for the k-NN estimators: bad input raises a clear
exception naming the argument, odd-but-valid layouts give the same numbers,
thread count never changes a result, long calls release the GIL."""

import threading
import time

import numpy as np
import pytest

import infoflux

rng = np.random.default_rng(0)
X = rng.standard_normal(300)
Y = X + rng.standard_normal(300)
Z = rng.standard_normal(300)


def estimators():
    return [
        ("mutual_info", lambda x, **kw: infoflux.mutual_info(x, Y, **kw)),
        ("mutual_info_y", lambda y, **kw: infoflux.mutual_info(X, y, **kw)),
        ("cmi", lambda z, **kw: infoflux.conditional_mutual_info(X, Y, z, **kw)),
        ("entropy", lambda x, **kw: infoflux.entropy(x, **kw)),
    ]


@pytest.mark.parametrize("name, f", estimators())
@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (np.r_[X[:10], np.nan, X[11:]], ValueError, "NaN"),
        (np.r_[X[:10], np.inf, X[11:]], ValueError, "NaN or infinity"),
        (np.array([]), ValueError, "empty"),
        (np.float64(1.0), ValueError, "0-D"),
        (np.zeros((300, 2, 2)), ValueError, "3-D"),
        (np.array(["a"] * 300), TypeError, "real numbers"),
        (X + 1j, TypeError, "complex"),
        (np.array([object()] * 300), TypeError, "real numbers"),
        (np.zeros((300, 0)), ValueError, "no columns"),
    ],
)
def test_bad_arrays(name, f, bad, exc, match):
    with pytest.raises(exc, match=match):
        f(bad)


def test_mismatched_lengths_name_the_argument():
    with pytest.raises(ValueError, match=r"^y: has 299 samples"):
        infoflux.mutual_info(X, Y[:-1])
    with pytest.raises(ValueError, match=r"^z: has 10 samples"):
        infoflux.conditional_mutual_info(X, Y, Z[:10])


@pytest.mark.parametrize(
    "k, exc",
    [(0, ValueError), (-1, ValueError), (300, ValueError), (1000, ValueError), (2.5, TypeError), (True, TypeError)],
)
def test_bad_k(k, exc):
    with pytest.raises(exc, match="k"):
        infoflux.mutual_info(X, Y, k=k)
    with pytest.raises(exc, match="k"):
        infoflux.entropy(X, k=k)


def test_largest_valid_k():
    x, y = X[:5], Y[:5]
    assert np.isfinite(infoflux.mutual_info(x, y, k=4))
    with pytest.raises(ValueError, match="k=5 needs at least 6 samples"):
        infoflux.mutual_info(x, y, k=5)


def test_other_bad_keywords():
    with pytest.raises(ValueError, match="algorithm"):
        infoflux.mutual_info(X, Y, algorithm=3)
    with pytest.raises(ValueError, match="base"):
        infoflux.mutual_info(X, Y, base=1)
    with pytest.raises(ValueError, match="base"):
        infoflux.mutual_info(X, Y, base=-2)
    with pytest.raises(ValueError, match="noise"):
        infoflux.mutual_info(X, Y, noise=-1e-8)
    with pytest.raises(TypeError, match="normalize"):
        infoflux.mutual_info(X, Y, normalize="yes")
    with pytest.raises(ValueError, match="metric"):
        infoflux.entropy(X, metric="manhattan")
    with pytest.raises(TypeError, match="seed"):
        infoflux.mutual_info(X, Y, seed="abc")
    with pytest.raises(ValueError, match="X: needs at least 2 columns"):
        infoflux.mutual_info_matrix(X)


def test_duplicates_without_noise():
    # exact ties with the raw estimator: KSG-1 degenerates gracefully (ε = 0,
    # nothing strictly closer) instead of crashing; KL entropy refuses (-inf)
    x = np.repeat(np.arange(50.0), 4)
    y = np.repeat(np.arange(50.0)[::-1], 4)
    with pytest.warns(RuntimeWarning, match="200 of 200 samples have a zero distance"):
        v = infoflux.mutual_info(x, y, k=2, normalize=False, noise=0)
    assert np.isfinite(v)
    with pytest.raises(ValueError, match="duplicate"):
        infoflux.entropy(x, k=2, noise=0)
    # the default noise breaks the ties
    assert np.isfinite(infoflux.entropy(x, k=2))


def test_layouts_and_dtypes_give_the_same_numbers():
    base = infoflux.mutual_info(X, Y, normalize=False, noise=0)
    both = np.asfortranarray(np.column_stack([X, Y]))
    assert infoflux.mutual_info(both[:, 0], both[:, 1], normalize=False, noise=0) == base
    strided = np.column_stack([X, np.zeros(300), Y, np.zeros(300)])
    assert infoflux.mutual_info(strided[:, 0], strided[:, 2], normalize=False, noise=0) == base
    assert infoflux.mutual_info(list(X), list(Y), normalize=False, noise=0) == base
    assert infoflux.mutual_info(X[:, None], Y[:, None], normalize=False, noise=0) == base
    x32, y32 = X.astype(np.float32), Y.astype(np.float32)
    assert infoflux.mutual_info(x32, y32, normalize=False, noise=0) == infoflux.mutual_info(
        x32.astype(np.float64), y32.astype(np.float64), normalize=False, noise=0
    )
    xi = (X * 100).astype(np.int64)
    assert np.isfinite(infoflux.mutual_info(xi, Y))


def test_input_is_not_modified():
    x = X.copy()
    infoflux.mutual_info(x, Y)
    np.testing.assert_array_equal(x, X)


def test_seeded_noise_is_reproducible():
    # rounded data has ties, so the tie-breaking noise decides some counts
    x, y = np.round(X, 1), np.round(Y, 1)
    a = infoflux.mutual_info(x, y, seed=3)
    assert a == infoflux.mutual_info(x, y, seed=3)
    assert a != infoflux.mutual_info(x, y, seed=4)
    g1, g2 = np.random.default_rng(7), np.random.default_rng(7)
    assert infoflux.mutual_info(x, y, seed=g1) == infoflux.mutual_info(x, y, seed=g2)


def test_core_rejects_non_c_ordered_matrices():
    # the public functions copy to C order; the compiled layer must not read
    # a Fortran buffer as row-major (a silently transposed matrix)
    from infoflux import _core

    f = np.asfortranarray(np.arange(10.0).reshape(5, 2))
    with pytest.raises(ValueError, match="C-contiguous"):
        _core.preprocess(arrays=[f], normalize=False, noise=0.0)
    with pytest.raises(ValueError, match="C-contiguous"):
        _core.mi_local(x=f, y=np.ascontiguousarray(f), k=1, algorithm=1)


def test_preprocessing_normalises_adds_scaled_noise_and_copies():
    from infoflux._validation import preprocess

    r = np.random.default_rng(5)
    a = np.ascontiguousarray(3.0 + 7.0 * r.standard_normal((30_000, 3)))  # several row blocks
    a[:, 2] = 4.0  # a constant column is only centred
    before = a.copy()
    (z,) = preprocess([a], True, 0.0, 0)
    np.testing.assert_array_equal(a, before)  # inputs are never modified
    np.testing.assert_allclose(z[:, :2].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z[:, :2].std(axis=0, ddof=1), 1, rtol=1e-12)
    assert (z[:, 2] == 0).all()
    # noise: N(0, noise^2) after normalisation, N(0, (noise*std)^2) without it
    (n1,) = preprocess([a], True, 0.1, 3)
    (n2,) = preprocess([a], False, 0.1, 3)
    d1, d2 = n1 - z, n2 - a
    assert abs(d1.std() - 0.1) < 0.002 and abs(d1.mean()) < 0.002
    assert abs(d2[:, 0].std() - 0.7) < 0.01
    # the same draws, scaled: noise depends only on (seed, array, column, row)
    np.testing.assert_allclose(d2[:, :2] / a[:, :2].std(axis=0, ddof=1), d1[:, :2], atol=1e-9)
    # independent of the thread count, different across arrays of one call
    p1, q1 = preprocess([a, a], True, 1e-3, 11, 1)
    p3, q3 = preprocess([a, a], True, 1e-3, 11, 3)
    np.testing.assert_array_equal(p1, p3)
    np.testing.assert_array_equal(q1, q3)
    assert not np.array_equal(p1, q1)
    with pytest.raises(ValueError, match="seed"):
        preprocess([a], True, 1e-3, -1)


@pytest.mark.parametrize("algorithm", [1, 2])
def test_bitwise_identical_for_any_thread_count(algorithm):
    r = np.random.default_rng(1)
    n = 20_000  # several parallel chunks of 2048 rows
    x = r.standard_normal((n, 2))
    y = x[:, :1] + r.standard_normal((n, 1))
    z = r.standard_normal(n)
    for f in (
        lambda t: infoflux.mutual_info(x, y, algorithm=algorithm, n_threads=t, local=True),
        lambda t: infoflux.conditional_mutual_info(x, y, z, algorithm=algorithm, n_threads=t, local=True),
        lambda t: np.array([infoflux.entropy(x, n_threads=t)]),
        lambda t: infoflux.mutual_info_matrix(np.c_[x, y], algorithm=algorithm, n_threads=t),
    ):
        a, b, c = f(1), f(2), f(3)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_long_calls_release_the_gil():
    r = np.random.default_rng(2)
    x = r.standard_normal(400_000)
    y = x + r.standard_normal(400_000)
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        start = time.perf_counter()
        infoflux.mutual_info(x, y, n_threads=1)
        end = time.perf_counter()
    finally:
        done.set()
        t.join()
    during = [s for s in ticks if start < s < end]
    # a thread holding the GIL for the whole call would leave no ticks inside it
    assert len(during) >= 0.2 * (end - start) / 0.001 * 0.1


def test_interrupt_raises_keyboardinterrupt():
    import _thread

    r = np.random.default_rng(3)
    x = r.standard_normal((2_000_000, 3))
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        infoflux.mutual_info(x, x[:, :1] + 1, n_threads=1)
    # stopped promptly, not after the whole computation
    assert time.perf_counter() - start < 5
    timer.cancel()


def test_version():
    assert isinstance(infoflux.__version__, str) and infoflux.__version__.count(".") == 2
