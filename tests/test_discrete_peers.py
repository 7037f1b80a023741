"""Parity of infoflux.discrete with its peers on identical input.

- infomeasure's estimators of the same name to 1e-10 where the definitions
  agree (plug-in, Miller-Madow, Chao-Shen, the Bayesian plug-in, James-Stein
  shrinkage entropy, and infomeasure's Grassberger form under the name
  ``"grassberger1988"``); the places where they do not agree are tested to
  differ as docs/discrete.md says;
- plug-in MI and CMI with pyitlib and dit to 1e-12.
"""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np
import pytest
from pyitlib import discrete_random_variable as drv

from conftest import dit
from conftest import infomeasure as im
from infoflux import discrete

logging.getLogger("infomeasure").setLevel(logging.ERROR)

# our name -> infomeasure's approach
SAME = {
    "plugin": "discrete",
    "miller_madow": "miller_madow",
    "grassberger1988": "grassberger",
    "chao_shen": "chao_shen",
    "shrinkage": "shrink",
}


def _data(seed, n=400, k=8):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, k, n)
    y = (x + rng.integers(0, 3, n)) % k
    z = rng.integers(0, 3, n)
    return x, y, z


def _quiet(f, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **kw)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ours", sorted(SAME))
def test_entropy_matches_infomeasure(ours, seed):
    x, y, _ = _data(seed)
    for data, ours_in in ((x, x), ((x, y), np.c_[x, y])):
        want = _quiet(im.entropy, data, approach=SAME[ours])
        assert discrete.entropy(ours_in, estimator=ours) == pytest.approx(want, abs=1e-10)
        want2 = _quiet(im.entropy, data, approach=SAME[ours], base=2)
        assert discrete.entropy(ours_in, estimator=ours, base=2) == pytest.approx(want2, abs=1e-10)


@pytest.mark.parametrize("ours", sorted(set(SAME) - {"shrinkage"}))
def test_mi_and_cmi_match_infomeasure(ours):
    x, y, z = _data(5)
    assert discrete.mutual_info(x, y, estimator=ours) == pytest.approx(
        _quiet(im.mutual_information, x, y, approach=SAME[ours]), abs=1e-10
    )
    assert discrete.conditional_mutual_info(x, y, z, estimator=ours) == pytest.approx(
        _quiet(im.conditional_mutual_information, x, y, cond=z, approach=SAME[ours]), abs=1e-10
    )


def test_shrinkage_mi_is_the_combination_of_infomeasures_entropies():
    # infomeasure's shrink MI averages local values -ln p_shrink(x_n), i.e.
    # cross-entropies -Σ (n_i/N) ln p_i; ours combines shrinkage entropies
    x, y, z = _data(6)
    h = lambda *v: _quiet(im.entropy, v if len(v) > 1 else v[0], approach="shrink")  # noqa: E731
    assert discrete.mutual_info(x, y, estimator="shrinkage") == pytest.approx(h(x) + h(y) - h(x, y), abs=1e-10)
    assert discrete.conditional_mutual_info(x, y, z, estimator="shrinkage") == pytest.approx(
        h(x, z) + h(y, z) - h(z) - h(x, y, z), abs=1e-10
    )


@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.5, "laplace", "jeffrey", "sch-grass", "min-max"])
def test_bayes_matches_infomeasure(alpha):
    x, y, _ = _data(7)
    assert discrete.entropy(x, estimator="bayes", alpha=alpha) == pytest.approx(
        _quiet(im.entropy, x, approach="bayes", alpha=alpha), abs=1e-10
    )
    assert discrete.mutual_info(x, y, estimator="bayes", alpha=alpha) == pytest.approx(
        _quiet(im.mutual_information, x, y, approach="bayes", alpha=alpha), abs=1e-10
    )


def test_bayes_with_an_alphabet_counts_the_unseen_symbols():
    # infomeasure's K only changes the denominator N + K alpha and sums over
    # the seen symbols; ours adds the K - K_obs unseen ones (mass alpha/(N + K alpha) each)
    x = np.array([0, 0, 1, 2, 2, 2])
    k, a, n = 10, 0.5, 6
    p = np.array([2 + a, 1 + a, 3 + a] + [a] * (k - 3)) / (n + k * a)
    assert p.sum() == pytest.approx(1.0)
    ours = discrete.entropy(x, estimator="bayes", alpha=a, alphabet_size=k)
    assert ours == pytest.approx(-(p * np.log(p)).sum(), abs=1e-14)
    theirs = _quiet(im.entropy, x, approach="bayes", alpha=a, K=k)
    assert theirs == pytest.approx(-(p[:3] * np.log(p[:3])).sum(), abs=1e-12)


def test_grassberger_2003_differs_from_infomeasures_form():
    x, _, _ = _data(8, n=60, k=20)
    counts = np.unique(x, return_counts=True)[1]
    n = counts.sum()
    from scipy.special import digamma

    g = digamma(counts) + 0.5 * (-1.0) ** counts * (digamma((counts + 1) / 2) - digamma(counts / 2))
    assert discrete.entropy(x, estimator="grassberger") == pytest.approx(
        math.log(n) - (counts * g).sum() / n, abs=1e-12
    )
    g88 = digamma(counts) + (-1.0) ** counts / (counts + 1)
    assert discrete.entropy(x, estimator="grassberger1988") == pytest.approx(
        math.log(n) - (counts * g88).sum() / n, abs=1e-12
    )
    assert _quiet(im.entropy, x, approach="grassberger") == pytest.approx(math.log(n) - (counts * g88).sum() / n)


# --- plug-in MI and CMI against pyitlib and dit ---------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_plugin_mi_cmi_match_pyitlib(seed):
    x, y, z = _data(seed, n=1000, k=6)
    for base in (math.e, 2):
        assert discrete.mutual_info(x, y, base=base) == pytest.approx(
            drv.information_mutual(x, y, base=base), abs=1e-12
        )
        assert discrete.conditional_mutual_info(x, y, z, base=base) == pytest.approx(
            drv.information_mutual_conditional(x, y, z, base=base), abs=1e-12
        )
        assert discrete.entropy(x, base=base) == pytest.approx(drv.entropy(x, base=base), abs=1e-12)


def test_plugin_mi_cmi_match_dit():
    x, y, z = _data(11, n=500, k=4)
    outcomes = [f"{a}{b}{c}" for a, b, c in zip(x, y, z)]
    labels, counts = np.unique(outcomes, return_counts=True)
    d = dit.Distribution(list(labels), list(counts / counts.sum()))
    d.set_base("e")
    assert discrete.mutual_info(x, y) == pytest.approx(dit.shannon.mutual_information(d, [0], [1]), abs=1e-12)
    assert discrete.conditional_mutual_info(x, y, z) == pytest.approx(
        dit.multivariate.coinformation(d, [[0], [1]], [2]), abs=1e-12
    )


@pytest.mark.parametrize("ours", sorted(set(SAME) - {"shrinkage"}))
@pytest.mark.parametrize(("k", "l", "u"), [(1, 1, 1), (2, 1, 1), (2, 2, 1), (1, 1, 2), (3, 2, 1)])
def test_transfer_entropy_matches_infomeasure(ours, k, l, u):
    # infomeasure's prop_time is our lag minus one (both with unit delays)
    rng = np.random.default_rng(9)
    x = rng.integers(0, 3, 1500)
    y = (np.roll(x, 1) + rng.integers(0, 2, 1500)) % 3
    want = _quiet(im.transfer_entropy, x, y, approach=SAME[ours], src_hist_len=l, dest_hist_len=k, prop_time=u - 1)
    got = discrete.transfer_entropy(x, y, history=k, source_history=l, lag=u, estimator=ours)
    assert got == pytest.approx(want, abs=1e-10)
