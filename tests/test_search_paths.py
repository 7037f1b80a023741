"""The neighbour searches are interchangeable: every estimate is the same float whichever joint
search (k-d tree or blocked brute force) and counting structure serve it. Each search is forced
in its own process through the test aid ``INFOFLUX_SEARCH=tree|brute`` (read once per process),
and the results are compared bit for bit, local values included: the searches return exact
k-th distances and counts, so the sums are identical.

The cases cover high joint dimension (MI 10-D vs 10-D, CMI with a 4-D condition, transfer
entropy with long embeddings, with and without a Theiler window and conditions, surrogates),
both KSG algorithms, and data with exact ties (where algorithm 2 depends on which tied
neighbours are taken: the brute-force path then asks the tree)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

_CASES = textwrap.dedent(
    """
    import sys
    import numpy as np
    import infoflux

    rng = np.random.default_rng(5)
    out = []

    def put(v):
        out.extend(float(t).hex() for t in np.ravel(np.asarray(v, dtype=float)))

    n = 500
    a = rng.standard_normal((n, 20))
    x, y = a[:, :10], a[:, 10:] + 0.7 * a[:, :10]
    # quantised: many exact ties in every column and at the k-th distance
    xq, yq = np.round(x * 1.5), np.round(y * 1.5)
    for k in (1, 3, 10):
        for alg in (1, 2):
            put(infoflux.mutual_info(x, y, k=k, algorithm=alg, local=True))
            put(infoflux.mutual_info(xq, yq, k=k, algorithm=alg, noise=0.0, local=True))
            put(infoflux.mutual_info(x[:, :6], y[:, :3], k=k, algorithm=alg, local=True))
    z = rng.standard_normal((n, 4))
    for alg in (1, 2):
        put(infoflux.conditional_mutual_info(x[:, :3], y[:, :3], z, k=4, algorithm=alg, local=True))
        zq = np.round(z)
        put(infoflux.conditional_mutual_info(xq[:, :3], yq[:, :3], zq, k=4, algorithm=alg, noise=0.0, local=True))
    s = rng.standard_normal(800)
    t = np.zeros(800)
    for i in range(3, 800):
        t[i] = 0.5 * t[i - 1] + 0.4 * s[i - 2] + 0.3 * rng.standard_normal()
    c = rng.standard_normal(800)
    for alg in (1, 2):
        for exclude in (0, 5):
            put(infoflux.transfer_entropy(s, t, history=5, source_history=5, algorithm=alg, exclude=exclude))
        put(infoflux.transfer_entropy(s, t, history=4, source_history=3, conditions=c, condition_history=3,
                                      algorithm=alg, local=True))
        put(infoflux.transfer_entropy(np.round(s), np.round(t), history=5, source_history=4, algorithm=alg,
                                      noise=0.0))
    sig = infoflux.transfer_entropy_significance(s, t, history=4, source_history=4, n_surrogates=9, seed=1)
    put([sig.estimate, sig.p_value])
    put(np.asarray(sig.surrogates))
    print(" ".join(out))
    """
)


def _run(search: str) -> list[str]:
    env = dict(os.environ, INFOFLUX_SEARCH=search)
    done = subprocess.run([sys.executable, "-c", _CASES], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


@pytest.fixture(scope="module")
def tree_results() -> list[str]:
    return _run("tree")


@pytest.mark.parametrize("search", ["brute", "measured"])
def test_searches_agree_bit_for_bit(tree_results: list[str], search: str) -> None:
    got = _run(search)
    assert len(got) == len(tree_results)
    diff = [i for i, (a, b) in enumerate(zip(got, tree_results)) if a != b]
    assert not diff, (
        f"{len(diff)} of {len(got)} values differ, first at {diff[0]}: {got[diff[0]]} vs {tree_results[diff[0]]}"
    )


# Kozachenko-Leonenko entropy: its k-th distances come from the k-d tree or from a brute-force
# scan (the max norm on the blocked search of the KSG estimators, the Euclidean norm on its own
# kernel that sums the squared differences column by column, as the tree does). Both norms, local
# values, dimensions on both sides of the measured crossover, heavy tails, tiny and huge scales,
# and points a few ulps apart near 2^-399 (squared k-th distances below 2^-900, which both paths
# search again with rescaled differences).
_ENTROPY_CASES = textwrap.dedent(
    """
    import numpy as np
    import infoflux

    rng = np.random.default_rng(11)
    out = []

    def put(v):
        out.extend(float(t).hex() for t in np.ravel(np.asarray(v, dtype=float)))

    data = []
    for n, d in ((400, 1), (400, 3), (600, 12), (2000, 20), (500, 50)):
        g = rng.standard_normal((n, d))
        data += [g, rng.standard_cauchy((n, d)), g * 1e-160, g * 1e160]
        if d >= 12:  # quantised: ties at the k-th distance, yet no duplicates
            data.append(np.round(g * 2.0) / 2.0)
    data.append(rng.uniform(-0.9, 0.9, (300, 16)) * np.finfo(float).max)
    for d in (12, 30):
        data.append(2.0**-399 + rng.integers(0, 4, (300, d)) * 2.0**-451)
    for x in data:
        for metric in ("chebyshev", "euclidean"):
            for k in (1, 4):
                put(infoflux.entropy(x, k=k, metric=metric, noise=0.0, local=True))
            put(infoflux.entropy(x, k=3, metric=metric, base=2.0))
    print(" ".join(out))
    """
)


def _run_entropy(search: str) -> list[str]:
    env = dict(os.environ, INFOFLUX_SEARCH=search)
    done = subprocess.run([sys.executable, "-c", _ENTROPY_CASES], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


@pytest.fixture(scope="module")
def tree_entropy() -> list[str]:
    return _run_entropy("tree")


@pytest.mark.parametrize("search", ["brute", "measured"])
def test_entropy_searches_agree_bit_for_bit(tree_entropy: list[str], search: str) -> None:
    got = _run_entropy(search)
    assert len(got) == len(tree_entropy)
    diff = [i for i, (a, b) in enumerate(zip(got, tree_entropy)) if a != b]
    assert not diff, (
        f"{len(diff)} of {len(got)} values differ, first at {diff[0]}: {got[diff[0]]} vs {tree_entropy[diff[0]]}"
    )
