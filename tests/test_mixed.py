"""Discrete and mixed data in the k-NN estimators: Ross (2014) for a discrete
and a continuous variable, the mixed KSG of Gao et al. (2017) and its
conditional analogue (Mesner & Shalizi 2021) for any mixture, the plug-in
for discrete pairs; their parity with scikit-learn and with brute-force
implementations written here from the papers, known values, thread-count
invariance and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import digamma, gammaln
from sklearn.feature_selection._mutual_info import _compute_mi_cd
from sklearn.metrics import mutual_info_score

import infoflux
from infoflux import _core

# ------------------------------------------------------------------ helpers


def brute_mixed_ksg(x: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Local values of Gao, Kannan, Oh & Viswanath (2017), Algorithm 1, O(N²):
    rho_i the k-th neighbour distance in the joint space (max norm); k~_i = k
    if rho_i > 0, else the number of samples at distance 0; n_x, n_y the
    other samples within rho_i (<=) in each marginal."""
    x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)
    n = x.shape[0]
    out = np.empty(n)
    for i in range(n):
        dx = np.max(np.abs(x - x[i]), axis=1)
        dy = np.max(np.abs(y - y[i]), axis=1)
        d = np.maximum(dx, dy)
        d[i] = np.inf
        rho = np.sort(d)[k - 1]
        kt = k if rho > 0 else int(np.sum(d == 0))
        nx = int(np.sum(dx <= rho)) - 1
        ny = int(np.sum(dy <= rho)) - 1
        out[i] = digamma(kt) + math.log(n) - math.log(nx + 1) - math.log(ny + 1)
    return out


def brute_mixed_cmi(x: np.ndarray, y: np.ndarray, z: np.ndarray, k: int) -> np.ndarray:
    """Local values of the conditional estimator (docstring of
    infoflux.conditional_mutual_info): psi(k~) - psi(n_xz + 1) - psi(n_yz + 1)
    + psi(n_z + 1), counts within rho_i (<=), sample i excluded."""
    x, y, z = (a.reshape(len(a), -1) for a in (x, y, z))
    n = x.shape[0]
    out = np.empty(n)
    for i in range(n):
        dx, dy, dz = (np.max(np.abs(a - a[i]), axis=1) for a in (x, y, z))
        d = np.maximum(np.maximum(dx, dy), dz)
        d[i] = np.inf
        rho = np.sort(d)[k - 1]
        kt = k if rho > 0 else int(np.sum(d == 0))
        nxz = int(np.sum(np.maximum(dx, dz) <= rho)) - 1
        nyz = int(np.sum(np.maximum(dy, dz) <= rho)) - 1
        nz = int(np.sum(dz <= rho)) - 1
        out[i] = digamma(kt) - digamma(nxz + 1) - digamma(nyz + 1) + digamma(nz + 1)
    return out


def gaussian_mixture_mi(weights: np.ndarray, means: np.ndarray) -> float:
    """I(X; L) of L ~ weights, X | L ~ N(mean_L, 1), by numerical
    integration: h(X) - h(X | L)."""

    def density(x: float) -> float:
        return float(np.sum(weights * stats.norm.pdf(x, means, 1.0)))

    def integrand(x: float) -> float:
        p = density(x)
        return -p * math.log(p) if p > 0 else 0.0

    hx = integrate.quad(integrand, means.min() - 12, means.max() + 12, limit=400)[0]
    return hx - 0.5 * math.log(2 * math.pi * math.e)


def zero_inflated_poisson_mi(p: float) -> float:
    """I(X; Y) of Gao et al.'s zero-inflated Poissonization: X ~ Exp(1),
    Y = 0 with probability p, else Y ~ Poisson(X); H(Y) - E_X H(Y | X), the
    marginal of Y geometric (P(Y = y) = (1 - p) 2^-(y+1), plus p at 0)."""
    ys = np.arange(120)

    def h_given(x: float) -> float:
        q = (1 - p) * np.exp(-x + ys * math.log(max(x, 1e-300)) - gammaln(ys + 1))
        q[0] += p
        q = q[q > 0]
        return float(-np.sum(q * np.log(q)))

    py = (1 - p) / 2.0 ** (ys + 1)
    py[0] += p
    hy = float(-np.sum(py * np.log(py)))
    return hy - integrate.quad(lambda x: math.exp(-x) * h_given(x), 0, 80, limit=400)[0]


def _labels_data(seed: int, n: int, classes: int, tiny: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    d = rng.integers(0, classes, n)
    if tiny:  # classes of 1, 2 and 3 samples beside the large ones
        d[:6] = [classes, classes + 1, classes + 1, classes + 2, classes + 2, classes + 2]
    c = rng.standard_normal(n) + 0.4 * d
    if seed % 2:
        c = np.round(c * 4) / 4  # repeated values: zero distances
    return c, d


# ------------------------------------------------------------------ Ross


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 3, 7])
def test_ross_equals_sklearn_compute_mi_cd(seed: int, k: int) -> None:
    for n, classes, tiny in [(300, 3, False), (200, 5, True), (60, 12, True)]:
        c, d = _labels_data(seed, n, classes, tiny)
        theirs = _compute_mi_cd(c, d, k)
        ours = infoflux.mutual_info(c, d, discrete_y=True, k=k, normalize=False, noise=0)
        assert abs(max(0.0, ours) - theirs) <= 1e-12
        # the discrete variable may come first
        assert infoflux.mutual_info(d, c, discrete_x=True, k=k, normalize=False, noise=0) == ours
        raw = _core.ross_mutual_info(x=c[:, None].copy(), labels=np.unique(d, return_inverse=True)[1], k=k)
        assert raw == ours


def test_ross_columns_equal_single_calls() -> None:
    rng = np.random.default_rng(3)
    d = rng.integers(0, 4, 500)
    X = rng.standard_normal((500, 5)) + d[:, None] * rng.uniform(0, 1, 5)
    cols = _core.ross_mutual_info_columns(x=X, labels=d.astype(np.int64), k=3)
    for j in range(5):
        one = _core.ross_mutual_info(x=np.ascontiguousarray(X[:, j : j + 1]), labels=d.astype(np.int64), k=3)
        assert cols[j] == one
        assert max(0.0, one) == pytest.approx(_compute_mi_cd(X[:, j], d, 3), abs=1e-12)


def test_ross_multivariate_continuous_uses_the_max_norm() -> None:
    # two continuous columns against a label: the brute-force definition
    rng = np.random.default_rng(8)
    n, k = 150, 3
    d = rng.integers(0, 3, n)
    x = rng.standard_normal((n, 2)) + d[:, None]
    size = np.bincount(d)[d]
    dist = np.max(np.abs(x[:, None, :] - x[None, :, :]), axis=2)
    terms = []
    for i in range(n):
        same = dist[i][(d == d[i]) & (np.arange(n) != i)]
        ki = min(k, size[i] - 1)
        r = np.nextafter(np.sort(same)[ki - 1], 0)
        m = int(np.sum(dist[i] <= r))
        terms.append((digamma(ki), digamma(size[i]), digamma(m)))
    t = np.array(terms)
    want = digamma(n) + t[:, 0].mean() - t[:, 1].mean() - t[:, 2].mean()
    got = infoflux.mutual_info(x, d, discrete_y=True, k=k, normalize=False, noise=0)
    assert got == pytest.approx(want, abs=1e-12)


# ------------------------------------------------------------------ mixed KSG


@pytest.mark.parametrize("k", [1, 3, 5])
def test_mixed_ksg_equals_brute_force(k: int) -> None:
    rng = np.random.default_rng(k)
    n = 300
    # x: a discrete and a continuous column; y zero-inflated with repeats
    x = np.column_stack([rng.integers(0, 3, n), rng.standard_normal(n)])
    y = np.where(rng.random(n) < 0.3, 0.0, np.round(rng.exponential(size=n), 1))
    want = brute_mixed_ksg(x, y, k)
    local = infoflux.mutual_info(x, y, estimator="mixed_ksg", k=k, normalize=False, local=True)
    np.testing.assert_allclose(local, want, rtol=0, atol=1e-12)
    est = infoflux.mutual_info(x, y, discrete_x=[True, False], k=k, normalize=False)  # "auto": mixed columns
    assert est == pytest.approx(float(np.mean(want)), abs=1e-12)


@pytest.mark.parametrize("k", [1, 4])
def test_mixed_conditional_equals_brute_force(k: int) -> None:
    rng = np.random.default_rng(10 + k)
    n = 250
    z = rng.integers(0, 3, n).astype(float)
    x = np.where(rng.random(n) < 0.2, 0.0, z + rng.random(n))
    y = np.floor(z + 2 * rng.random(n))
    want = brute_mixed_cmi(x, y, z, k)
    got = infoflux.conditional_mutual_info(x, y, z, estimator="mixed_ksg", k=k, normalize=False, local=True)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    auto = infoflux.conditional_mutual_info(x, y, z, discrete_y=True, discrete_z=True, k=k, normalize=False)
    assert auto == pytest.approx(float(np.mean(want)), abs=1e-12)


def test_mixed_ksg_normalises_but_never_adds_noise() -> None:
    rng = np.random.default_rng(2)
    x = rng.integers(0, 4, 400).astype(float) * 3.0 + 7.0
    y = np.where(rng.random(400) < 0.5, x, 0.0)
    scaled = infoflux.mutual_info(x, y, estimator="mixed_ksg")
    xs = (x - x.mean()) / x.std(ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    raw = infoflux.mutual_info(xs, ys, estimator="mixed_ksg", normalize=False)
    assert scaled == pytest.approx(raw, abs=1e-12)
    assert infoflux.mutual_info(x, y, estimator="mixed_ksg", seed=1) == scaled  # no noise: the seed is unused


# ------------------------------------------------------------------ known values


def test_gaussian_mixture_with_a_label() -> None:
    weights, means = np.array([0.2, 0.3, 0.5]), np.array([-1.0, 0.5, 1.5])
    truth = gaussian_mixture_mi(weights, means)
    rng = np.random.default_rng(0)
    n = 20_000
    label = rng.choice(3, size=n, p=weights)
    x = means[label] + rng.standard_normal(n)
    ross = infoflux.mutual_info(x, label, discrete_y=True)
    assert abs(ross - truth) < 0.02, (ross, truth)
    # the mixed KSG is consistent as k grows; at k = 100 its bias is small
    mixed = infoflux.mutual_info(x, label.astype(float), estimator="mixed_ksg", k=100)
    assert abs(mixed - truth) < 0.03, (mixed, truth)


def test_zero_inflated_poissonization_of_gao_et_al() -> None:
    p = 0.15
    truth = zero_inflated_poisson_mi(p)
    assert truth == pytest.approx(0.2298, abs=5e-4)
    rng = np.random.default_rng(0)
    n = 50_000
    x = rng.exponential(size=n)
    y = np.where(rng.random(n) < p, 0, rng.poisson(x))
    mixed = infoflux.mutual_info(x, y, estimator="mixed_ksg", k=100)
    assert abs(mixed - truth) < 0.03, (mixed, truth)
    ross = infoflux.mutual_info(x, y, discrete_y=True)
    assert abs(ross - truth) < 0.02, (ross, truth)


def test_discrete_pairs_take_the_plugin() -> None:
    rng = np.random.default_rng(4)
    a = rng.integers(0, 5, 2000)
    b = (a + rng.integers(0, 3, 2000)) % 5
    mi = infoflux.mutual_info(a, b, discrete_x=True, discrete_y=True)
    assert mi == pytest.approx(mutual_info_score(a, b), abs=1e-12)
    assert mi == infoflux.discrete.mutual_info(a, b)
    mm = infoflux.mutual_info(a, b, discrete_x=True, discrete_y=True, estimator="miller_madow")
    assert mm == infoflux.discrete.mutual_info(a, b, estimator="miller_madow")
    c = rng.integers(0, 2, 2000)
    cmi = infoflux.conditional_mutual_info(a, b, c, discrete_x=True, discrete_y=True, discrete_z=True, base=2)
    assert cmi == infoflux.discrete.conditional_mutual_info(a, b, c, base=2)


def test_continuous_pairs_are_unchanged_and_base_converts() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal(1000)
    y = x + rng.standard_normal(1000)
    ref = infoflux.mutual_info(x, y)
    assert infoflux.mutual_info(x, y, discrete_x=False, discrete_y=[False], estimator="auto") == ref
    assert infoflux.mutual_info(x, y, estimator="ksg") == ref
    z = rng.standard_normal(1000)
    assert infoflux.conditional_mutual_info(x, y, z, discrete_z=False) == infoflux.conditional_mutual_info(x, y, z)
    label = (x > 0).astype(int)
    nats = infoflux.mutual_info(y, label, discrete_y=True)
    assert infoflux.mutual_info(y, label, discrete_y=True, base=2) == pytest.approx(nats / math.log(2), rel=1e-15)
    nats = infoflux.mutual_info(y, label, estimator="mixed_ksg")
    assert infoflux.mutual_info(y, label, estimator="mixed_ksg", base=2) == pytest.approx(nats / math.log(2))


def test_string_labels() -> None:
    rng = np.random.default_rng(6)
    codes = rng.integers(0, 3, 600)
    x = codes + rng.standard_normal(600)
    names = np.array(["a", "b", "c"])[codes]
    assert infoflux.mutual_info(x, names, discrete_y=True) == infoflux.mutual_info(x, codes, discrete_y=True)


# ------------------------------------------------------------------ threads


def test_thread_count_invariance() -> None:
    rng = np.random.default_rng(7)
    n = 30_000
    d = rng.integers(0, 6, n)
    x = d + rng.standard_normal(n)
    y = np.where(rng.random(n) < 0.3, 0.0, np.round(x, 1))
    for f in (
        lambda t: infoflux.mutual_info(x, d, discrete_y=True, n_threads=t),
        lambda t: infoflux.mutual_info(x, y, estimator="mixed_ksg", n_threads=t, local=True),
        lambda t: infoflux.conditional_mutual_info(x, y, d, discrete_z=True, n_threads=t, local=True),
        lambda t: _core.ross_mutual_info_columns(x=np.column_stack([x, y, x * y]), labels=d, k=3, n_threads=t),
    ):
        ref = np.asarray(f(1))
        for t in (2, 3, 8):
            assert np.array_equal(np.asarray(f(t)), ref)


# ------------------------------------------------------------------ bad input


X = np.random.default_rng(9).standard_normal(100)
L = np.arange(100) % 4


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"y": np.where(np.arange(100) == 3, np.nan, L)}, ValueError, r"^y: contains NaN.*discrete_y"),
        ({"y": L + 0.5}, ValueError, r"^y: float values that are not integers.*discrete_y"),
        ({"y": np.zeros(100)}, ValueError, r"^y: a single class"),
        ({"y": np.arange(100)}, ValueError, r"^y: every value occurs once"),
        ({"y": L[:50]}, ValueError, r"^y: has 50 samples"),
        ({"x": np.empty(0), "y": np.empty(0)}, ValueError, r"^x: is empty"),
        ({"estimator": "kraskov"}, ValueError, r"^estimator: must be one of"),
        ({"estimator": None}, TypeError, r"^estimator: "),
        ({"estimator": "bayes"}, ValueError, r"^estimator: 'bayes' needs"),
        ({"estimator": "plugin"}, ValueError, r"^estimator: 'plugin' is a discrete estimator"),
        ({"discrete_y": [True, False]}, ValueError, r"^discrete_y: the mask has 2 entries"),
        ({"discrete_y": [1]}, TypeError, r"^discrete_y: "),
        ({"discrete_y": "yes"}, TypeError, r"^discrete_y: "),
        ({"local": True}, ValueError, r"^local: the estimator of Ross"),
        ({"k": 0}, ValueError, r"^k: "),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict, exc: type, match: str) -> None:
    call = {"x": X, "y": L, "discrete_y": True, **kwargs}
    x, y = call.pop("x"), call.pop("y")
    with pytest.raises(exc, match=match):
        infoflux.mutual_info(x, y, **call)


def test_bad_input_of_the_other_estimators() -> None:
    with pytest.raises(ValueError, match=r"^estimator: 'ross' needs one discrete and one continuous"):
        infoflux.mutual_info(X, X, estimator="ross")
    with pytest.raises(ValueError, match=r"^estimator: 'ross' estimates the MI"):
        infoflux.conditional_mutual_info(X, X, L, estimator="ross")
    with pytest.raises(ValueError, match=r"^x: float values that are not integers.*discrete_x"):
        infoflux.mutual_info(np.column_stack([X, X]), X, discrete_x=[True, False])
    with pytest.raises(ValueError, match=r"^z: contains NaN"):
        infoflux.conditional_mutual_info(X, X, np.where(L == 1, np.nan, L), discrete_z=True)
    with pytest.raises(ValueError, match=r"^z: has 99 samples"):
        infoflux.conditional_mutual_info(X, X, L[:99], discrete_z=True)
    with pytest.raises(ValueError, match=r"^local: the discrete estimator"):
        infoflux.mutual_info(L, L, discrete_x=True, discrete_y=True, local=True)
    with pytest.raises(ValueError, match=r"^k: "):
        infoflux.mutual_info(X, L, estimator="mixed_ksg", k=100)
