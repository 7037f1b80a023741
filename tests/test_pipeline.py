"""The public functions' contract with their pipeline: the package imports
under ``python -OO``, ``n_threads`` reaches every step (the preprocessing of
transfer entropy included), and a ``numpy.random.Generator`` seed is drawn
from once per call."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import infoflux
from infoflux._seeds import noise_seed, resolve_seed, surrogate_seed

ROOT = os.path.dirname(os.path.dirname(infoflux.__file__))


def _python(code, *flags):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [ROOT, env.get("PYTHONPATH")] if p)
    return subprocess.run(
        [sys.executable, *flags, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, check=False
    )


def test_import_without_docstrings():
    # python -OO drops docstrings (None): filling the shared parameter
    # descriptions into them must not fail
    out = _python(
        "import infoflux, numpy as np; print(infoflux.mutual_info(np.arange(50.0), np.arange(50.0) ** 2))", "-OO"
    )
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) > 0


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reading thread names needs Linux's /proc")
def test_one_thread_is_honoured_by_every_estimator():
    """The engine names its pool threads infoflux-0, infoflux-1, ...: after
    every public estimator ran with n_threads=1 there is no infoflux-1."""
    code = """
        import glob, numpy as np, infoflux
        from infoflux.sklearn import mutual_info_regression

        def pool_threads():
            names = []
            for path in glob.glob("/proc/self/task/*/comm"):
                try:
                    names.append(open(path).read().strip())
                except OSError:  # a thread that ended meanwhile
                    pass
            return sorted(n for n in names if n.startswith("infoflux-"))

        rng = np.random.default_rng(0)
        x, y, z = rng.standard_normal((3, 3000))
        X = rng.standard_normal((400, 3))
        one = dict(n_threads=1)
        infoflux.mutual_info(x, y, **one)
        infoflux.mutual_info(x, y, local=True, noise=0.1, **one)
        infoflux.conditional_mutual_info(x, y, z, **one)
        infoflux.entropy(x, noise=1e-3, normalize=True, **one)
        infoflux.mutual_info_matrix(X, **one)
        infoflux.transfer_entropy(x, y, **one)
        infoflux.transfer_entropy(x, y, local=True, conditions=z, **one)
        infoflux.transfer_entropy_significance(x[:500], y[:500], n_surrogates=9, **one)
        infoflux.transfer_entropy_matrix(X, n_surrogates=3, **one)
        infoflux.transfer_entropy_matrix(X, conditioning="all", **one)
        mutual_info_regression(X, x[:400], n_jobs=1)
        print("ONE", pool_threads())
        infoflux.transfer_entropy(x, y, n_threads=2)  # the check can see a second pool thread
        print("TWO", pool_threads())
    """
    out = _python(code)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert lines["ONE"] == "['infoflux-0']", out.stdout
    assert "'infoflux-1'" in lines["TWO"], out.stdout


# ------------------------------------------------------------------ seeds


def _data():
    rng = np.random.default_rng(4)
    X = np.round(rng.standard_normal((400, 3)), 1)  # ties: the noise decides some neighbours
    X[1:, 1] += 0.6 * X[:-1, 0]
    return X


def test_int_and_none_seeds_keep_their_streams():
    # an int seeds NumPy's SeedSequence; the surrogates use a spawned sequence
    assert noise_seed(resolve_seed(7)) == int(np.random.SeedSequence(7).generate_state(1, np.uint64)[0])
    spawned = np.random.SeedSequence(np.random.SeedSequence(7).entropy, spawn_key=(0x5E, 0x1F))
    assert surrogate_seed(resolve_seed(7)) == int(spawned.generate_state(1, np.uint64)[0])
    assert noise_seed(resolve_seed(None)) != noise_seed(resolve_seed(None))
    with pytest.raises(ValueError, match="seed"):
        resolve_seed(-1)
    with pytest.raises(TypeError, match="seed"):
        resolve_seed("7")


def test_generator_is_drawn_from_once_per_call():
    X = _data()
    calls = [
        lambda g: infoflux.mutual_info(X[:, 0], X[:, 1], noise=0.1, seed=g),
        lambda g: infoflux.entropy(X[:, 0], seed=g),
        lambda g: infoflux.transfer_entropy(X[:, 0], X[:, 1], seed=g),
        lambda g: infoflux.transfer_entropy_significance(X[:, 0], X[:, 1], n_surrogates=9, seed=g).surrogates,
        lambda g: infoflux.transfer_entropy_matrix(X, n_surrogates=5, seed=g).surrogates,
    ]
    for f in calls:
        g = np.random.default_rng(123)
        first = f(g)
        after = g.integers(0, 2**63)
        ref = np.random.default_rng(123)
        drawn = int(ref.integers(0, 2**63))
        assert after == ref.integers(0, 2**63)  # exactly one draw
        # equally seeded Generators agree, and equal the drawn integer seed
        np.testing.assert_array_equal(f(np.random.default_rng(123)), first)
        np.testing.assert_array_equal(f(drawn), first)


def test_generator_changes_the_numbers_between_calls():
    X = _data()
    g = np.random.default_rng(1)
    a = infoflux.transfer_entropy_significance(X[:, 0], X[:, 1], n_surrogates=9, seed=g).surrogates
    b = infoflux.transfer_entropy_significance(X[:, 0], X[:, 1], n_surrogates=9, seed=g).surrogates
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("conditioning", [None, "all"])
def test_network_entry_is_the_single_call_with_the_drawn_seed(conditioning):
    X = _data()
    net = infoflux.transfer_entropy_matrix(X, conditioning=conditioning, seed=np.random.default_rng(9))
    drawn = int(np.random.default_rng(9).integers(0, 2**63))
    for i in range(3):
        for j in range(3):
            if i == j:
                continue
            cond = None if conditioning is None else X[:, [c for c in range(3) if c not in (i, j)]]
            single = infoflux.transfer_entropy(X[:, i], X[:, j], conditions=cond, seed=drawn)
            assert net.values[i, j] == single, (i, j)


def test_network_surrogates_of_the_first_pair_are_the_single_tests():
    # target 0's surrogate seed is the call's; its first source (column 1)
    # draws from the streams a single test draws from
    X = _data()
    net = infoflux.transfer_entropy_matrix(X, n_surrogates=7, seed=np.random.default_rng(2))
    drawn = int(np.random.default_rng(2).integers(0, 2**63))
    single = infoflux.transfer_entropy_significance(X[:, 1], X[:, 0], n_surrogates=7, seed=drawn)
    np.testing.assert_array_equal(net.surrogates[1, 0], single.surrogates)
    assert net.p_values[1, 0] == single.p_value
