"""infoflux.discrete: closed forms, the NSB integral, the embedding of
transfer entropy, labels, thread-count invariance and hostile input."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, special

import infoflux
from infoflux import discrete

EVERY = discrete.ESTIMATORS


def _kw(est):
    return {"alpha": 0.5} if est == "bayes" else {}


# --- closed forms ---------------------------------------------------------------------


@pytest.mark.parametrize("est", EVERY)
def test_uniform_source_converges_to_ln_k(est):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 16, 200_000)
    assert discrete.entropy(x, estimator=est, **_kw(est)) == pytest.approx(math.log(16), abs=2e-3)


def test_exactly_uniform_counts():
    x = np.repeat(np.arange(10), 7)
    assert discrete.entropy(x) == pytest.approx(math.log(10), abs=1e-14)
    assert discrete.entropy(x, base=2) == pytest.approx(math.log2(10), abs=1e-14)
    assert discrete.entropy(x, estimator="miller_madow") == pytest.approx(math.log(10) + 9 / 140, abs=1e-14)
    # shrinkage towards the uniform target changes nothing
    assert discrete.entropy(x, estimator="shrinkage") == pytest.approx(math.log(10), abs=1e-14)


@pytest.mark.parametrize("est", EVERY)
def test_geometric_source(est):
    # P(k) = (1-q) q^k, H = [-(1-q) ln(1-q) - q ln q] / (1-q)
    q = 0.5
    rng = np.random.default_rng(1)
    x = rng.geometric(1 - q, 400_000)
    h = (-(1 - q) * math.log(1 - q) - q * math.log(q)) / (1 - q)
    assert discrete.entropy(x, estimator=est, **_kw(est)) == pytest.approx(h, abs=5e-3)


@pytest.mark.parametrize("est", EVERY)
def test_binary_symmetric_channel(est):
    eps = 0.11
    rng = np.random.default_rng(2)
    x = rng.integers(0, 2, 400_000)
    y = x ^ (rng.random(400_000) < eps)
    want = math.log(2) + eps * math.log(eps) + (1 - eps) * math.log(1 - eps)
    assert discrete.mutual_info(x, y, estimator=est, **_kw(est)) == pytest.approx(want, abs=3e-3)
    assert discrete.mutual_info(x, y, estimator=est, base=2, **_kw(est)) == pytest.approx(want / math.log(2), abs=5e-3)


def test_plugin_mi_of_a_relabelled_copy_is_the_entropy():
    x = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3])
    y = np.array(["c", "a", "d", "a", "e", "i", "b", "f", "e", "c"])
    assert discrete.mutual_info(x, y) == pytest.approx(discrete.entropy(x), abs=1e-15)
    assert discrete.conditional_mutual_info(x, y, x) == 0.0


# --- NSB against the integral, written here from the paper -----------------------------


def nsb_reference(counts, k):
    """The NSB estimate as the paper writes it: an integral over the prior
    entropy ξ in (0, ln K), uniform prior, β(ξ) found by root finding, the
    evidence ρ from exact rising factorials (small integer counts)."""
    counts = [int(c) for c in counts]
    n, k_obs = sum(counts), len(counts)

    def rising(x, m):  # ln Γ(x + m) - ln Γ(x)
        return math.fsum(math.log(x + j) for j in range(m))

    def log_rho(b):
        return -rising(k * b, n) + math.fsum(rising(b, c) for c in counts)

    def xi_of(lb):
        b = math.exp(lb)
        return special.digamma(k * b + 1) - special.digamma(b + 1)

    def beta_of(xi):
        if xi >= xi_of(40.0):
            return math.exp(40.0)
        if xi <= xi_of(-60.0):
            return math.exp(-60.0)
        return math.exp(optimize.brentq(lambda lb: xi_of(lb) - xi, -60.0, 40.0, xtol=1e-14, rtol=1e-15))

    def mean_h(b):
        a = n + k * b
        s = math.fsum((c + b) * special.digamma(c + b + 1) for c in counts) + (k - k_obs) * b * special.digamma(b + 1)
        return special.digamma(a + 1) - s / a

    top = max(log_rho(beta_of(x)) for x in np.linspace(1e-9, math.log(k) * (1 - 1e-12), 2001))
    pts = np.linspace(0, math.log(k), 65)

    def quad(f):
        return math.fsum(integrate.quad(f, a, b, epsabs=0, epsrel=1e-12, limit=200)[0] for a, b in zip(pts, pts[1:]))

    den = quad(lambda x: math.exp(log_rho(beta_of(x)) - top))
    num = quad(lambda x: math.exp(log_rho(beta_of(x)) - top) * mean_h(beta_of(x)))
    return num / den


@pytest.mark.parametrize(
    ("counts", "k"),
    [
        ([5, 3, 1, 1], 4),
        ([5, 3, 1, 1], 50),
        ([1, 1, 1, 1, 1, 1], 6),
        ([1, 1, 1, 1, 1, 1], 1000),
        ([40, 2], 2),
        ([3, 3, 2, 2, 1, 1, 1, 1, 1], 100),
        ([20], 5),
    ],
)
def test_nsb_matches_the_integral(counts, k):
    x = np.repeat(np.arange(len(counts)), counts)
    assert discrete.entropy(x, estimator="nsb", alphabet_size=k) == pytest.approx(nsb_reference(counts, k), abs=1e-8)


def test_nsb_is_finite_without_coincidences_and_between_bounds():
    # all symbols distinct (N = K_obs): infomeasure returns NaN; with a finite
    # alphabet the NSB posterior is proper
    h = discrete.entropy(np.arange(30), estimator="nsb", alphabet_size=1000)
    assert 0 < h < math.log(1000)
    assert discrete.entropy(np.arange(30), estimator="nsb") == pytest.approx(nsb_reference([1] * 30, 30), abs=1e-8)


def test_nsb_large_sample_is_near_the_plugin():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 1000, 1_000_000)
    h = discrete.entropy(x, estimator="nsb", alphabet_size=1000)
    assert h == pytest.approx(discrete.entropy(x, estimator="miller_madow"), abs=1e-4)


# --- transfer entropy and active information storage -------------------------------------


def _h(*cols):
    return discrete.entropy(np.column_stack(cols))


def test_transfer_entropy_is_the_documented_combination():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 3, 3000)
    y = (np.roll(x, 2) + rng.integers(0, 2, 3000)) % 3
    k, kt, l, lt, u = 2, 2, 2, 1, 2
    s = max((k - 1) * kt, (l - 1) * lt + u - 1)
    n = np.arange(s, len(y) - 1)
    yp = [y[n - j * kt] for j in range(k)]
    xp = [x[n + 1 - u - j * lt] for j in range(l)]
    yn = y[n + 1]
    want = _h(*xp, *yp) + _h(yn, *yp) - _h(*yp) - _h(*xp, yn, *yp)
    got = discrete.transfer_entropy(x, y, history=k, history_delay=kt, source_history=l, source_delay=lt, lag=u)
    assert got == pytest.approx(want, abs=1e-13)
    assert got > 0.3


def test_conditional_te_and_trials():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 2, 2000)
    z = np.roll(x, 1)
    y = np.roll(z, 1)
    # y is z one step later: conditioning on z (w = 1) removes x's transfer
    assert discrete.transfer_entropy(x, y, lag=2) == pytest.approx(math.log(2), abs=1e-2)
    assert abs(discrete.transfer_entropy(x, y, lag=2, conditions=z[:, None])) < 1e-2
    # two trials pooled give the value of the rows of both
    a = discrete.transfer_entropy([x[:1000], x[1000:]], [y[:1000], y[1000:]], lag=2)
    assert a == pytest.approx(math.log(2), abs=2e-2)


def test_active_information_storage():
    x = np.array([0, 0, 1] * 1000)
    # with history 2 the next symbol is determined: A = H(next) = H(1/3, 2/3)
    want = -(1 / 3) * math.log(1 / 3) - (2 / 3) * math.log(2 / 3)
    assert discrete.active_information_storage(x, history=2) == pytest.approx(want, abs=1e-3)
    k = 3
    n = np.arange(k - 1, len(x) - 1)
    past = [x[n - j] for j in range(k)]
    assert discrete.active_information_storage(x, history=k) == pytest.approx(
        _h(*past) + _h(x[n + 1]) - _h(*past, x[n + 1]), abs=1e-13
    )


# --- labels, threads ----------------------------------------------------------------------


def test_labels_of_any_hashable_kind():
    codes = np.array([0, 1, 1, 2, 0, 2, 2])
    want = discrete.entropy(codes)
    words = np.array(["a", "b", "b", "c", "a", "c", "c"])
    assert discrete.entropy(words) == want
    assert discrete.entropy(list(words)) == want
    mixed = np.array([None, "b", "b", 3, None, 3, 3], dtype=object)
    assert discrete.entropy(mixed) == want
    assert discrete.entropy(codes.astype(float)) == want
    assert discrete.entropy(codes.astype(np.uint64) + np.uint64(2**63)) == want
    assert discrete.entropy(codes == 1) == discrete.entropy(codes == 1)
    # 2-D: rows are joint symbols
    two = np.c_[codes, codes % 2]
    assert discrete.entropy(two) == discrete.entropy(codes * 2 + codes % 2)


@pytest.mark.parametrize("est", EVERY)
def test_thread_count_does_not_change_a_bit(est):
    rng = np.random.default_rng(6)
    x = rng.integers(0, 300, 200_000)
    y = (x + rng.integers(0, 50, 200_000)) % 300
    z = rng.integers(-(2**40), 2**40, 200_000)  # wide codes: the sorted path
    for f, args in (
        (discrete.mutual_info, (x, y)),
        (discrete.conditional_mutual_info, (x, y, z % 7)),
        (discrete.entropy, (np.c_[x, z],)),
    ):
        a = f(*args, estimator=est, n_threads=1, **_kw(est))
        b = f(*args, estimator=est, n_threads=2, **_kw(est))
        c = f(*args, estimator=est, n_threads=3, **_kw(est))
        assert a == b == c


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-3, 3), min_size=1, max_size=60),
    st.randoms(use_true_random=False),
    st.sampled_from(EVERY),
)
def test_invariant_under_relabelling_and_row_order(codes, rnd, est):
    x = np.array(codes)
    y = np.roll(x, 1)
    labels = list(range(-3, 4))
    rnd.shuffle(labels)
    relabel = np.array([f"s{labels[c + 3]}" for c in x], dtype=object)
    order = np.array(rnd.sample(range(len(x)), len(x)))
    kw = _kw(est)
    h = discrete.entropy(x, estimator=est, alphabet_size=7, **kw)
    assert math.isfinite(h)
    assert discrete.entropy(relabel, estimator=est, alphabet_size=7, **kw) == h
    assert discrete.entropy(x[order], estimator=est, alphabet_size=7, **kw) == h
    mi = discrete.mutual_info(x, y, estimator=est, alphabet_size=np.array([7, 7]), **kw)
    assert discrete.mutual_info(x[order], y[order], estimator=est, alphabet_size=7, **kw) == mi


def test_single_symbol_is_zero_not_nan():
    x = np.zeros(50, dtype=int)
    for est in EVERY:
        h = discrete.entropy(x, estimator=est, **_kw(est))
        assert math.isfinite(h)
        if est not in ("grassberger", "grassberger1988"):
            assert h == 0.0
        # I(const; y) = H(const): 0, or the Grassberger correction of a single symbol
        mi = discrete.mutual_info(x, np.arange(50) % 3, estimator=est, **_kw(est))
        assert mi == pytest.approx(h, abs=1e-12)


# --- hostile input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: discrete.entropy([0.0, np.nan, 1.0]), ValueError, "^x: contains NaN"),
        (lambda: discrete.entropy(np.array([None, float("nan")], dtype=object)), ValueError, "^x: contains NaN"),
        (lambda: discrete.entropy([0.5, 1.0]), ValueError, "^x: float values that are not integers"),
        (lambda: discrete.mutual_info([1, 2], [0.0, 0.25]), ValueError, "^y: float values"),
        (lambda: discrete.entropy([1 + 2j]), TypeError, "^x: complex"),
        (lambda: discrete.entropy([]), ValueError, "^x: is empty"),
        (lambda: discrete.entropy(np.zeros((0, 2))), ValueError, "^x: is empty"),
        (lambda: discrete.entropy(np.zeros((3, 0))), ValueError, "^x: has no columns"),
        (lambda: discrete.entropy(np.zeros((2, 2, 2))), ValueError, "^x: expected a 1-D"),
        (lambda: discrete.entropy(5), ValueError, "^x: expected a 1-D"),
        (lambda: discrete.entropy(None), TypeError, "^x:"),
        (lambda: discrete.mutual_info([0, 1, 2], [0, 1]), ValueError, "^y: has 2 samples"),
        (lambda: discrete.conditional_mutual_info([0, 1], [0, 1], [0]), ValueError, "^z: has 1 samples"),
        (lambda: discrete.entropy([0, 1], estimator="mle"), ValueError, "^estimator: must be one of"),
        (lambda: discrete.entropy([0, 1], estimator=None), ValueError, "^estimator:"),
        (lambda: discrete.entropy([0, 1, 2], alphabet_size=2), ValueError, "^alphabet_size: x has 3"),
        (
            lambda: discrete.mutual_info([0, 1, 2], [0, 0, 1], alphabet_size=(3, 1)),
            ValueError,
            "^alphabet_size: y has 2",
        ),
        (lambda: discrete.mutual_info([0, 1], [0, 1], alphabet_size=(3,)), ValueError, "^alphabet_size: expected one"),
        (lambda: discrete.entropy([0, 1], alphabet_size=0), ValueError, r"^alphabet_size: must be an integer in \[1,"),
        (lambda: discrete.entropy([0, 1], alphabet_size=2.5), TypeError, "^alphabet_size:"),
        (lambda: discrete.entropy([0, 1], alphabet_size="4"), TypeError, "^alphabet_size:"),
        (
            lambda: discrete.entropy([0, 1], alphabet_size=2**60, estimator="nsb"),
            ValueError,
            "^alphabet_size:.*2\\*\\*53",
        ),
        (lambda: discrete.entropy([0, 1], estimator="bayes"), ValueError, "^alpha: estimator='bayes' needs"),
        (lambda: discrete.entropy([0, 1], estimator="bayes", alpha=-1), ValueError, "^alpha: must be"),
        (lambda: discrete.entropy([0, 1], estimator="bayes", alpha=math.inf), ValueError, "^alpha: must be"),
        (lambda: discrete.entropy([0, 1], estimator="bayes", alpha="flat"), ValueError, "^alpha: expected"),
        (lambda: discrete.entropy([0, 1], estimator="bayes", alpha=True), TypeError, "^alpha:"),
        (lambda: discrete.entropy([0, 1], alpha=0.5), ValueError, "^alpha: only estimator='bayes'"),
        (lambda: discrete.entropy([0, 1], base=1), ValueError, "^base:"),
        (lambda: discrete.entropy([0, 1], base=-2), ValueError, "^base:"),
        (lambda: discrete.entropy([0, 1], n_threads=1.5), TypeError, "^n_threads:"),
        (lambda: discrete.transfer_entropy([0, 1, 0], [0, 1]), ValueError, "^source and target: series of different"),
        (lambda: discrete.transfer_entropy([0, 1, 0], [0, 1, 1], history=3), ValueError, "^history/lag:"),
        (lambda: discrete.transfer_entropy([0, 1, 0], [0, 1, 1], lag=0), ValueError, r"^lag: must be an integer in \["),
        (lambda: discrete.transfer_entropy([0, 1, 0], [0, 1, 1], history=True), TypeError, "^history:"),
        (lambda: discrete.transfer_entropy([0, 1, 0], [0, 1, 1], conditions=[0, 1]), ValueError, "^conditions:"),
        (
            lambda: discrete.transfer_entropy([0, 1, 0], [0, 1, 2], alphabet_size=2),
            ValueError,
            "^alphabet_size: target",
        ),
        (lambda: discrete.active_information_storage([0, 1], history=2), ValueError, "^history/lag:"),
        (lambda: discrete.active_information_storage([0, 1, 1], history_delay=0), ValueError, "^history_delay:"),
    ],
)
def test_bad_input_is_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("est", EVERY)
def test_more_symbols_than_samples_is_finite(est):
    # an alphabet much larger than N, every symbol seen once
    x = np.arange(20)
    h = discrete.entropy(x, estimator=est, alphabet_size=10**6, **_kw(est))
    assert math.isfinite(h) and h > 0


def test_the_docstring_examples_run():
    res = doctest.testmod(discrete)
    assert res.failed == 0 and res.attempted >= 10


def test_reachable_from_the_package():
    assert infoflux.discrete is discrete
    for name in discrete.__all__:
        obj = getattr(discrete, name)
        if callable(obj):
            doc = obj.__doc__ or ""
            assert "Examples" in doc and "References" in doc, name
