"""The local non-uniformity correction (``mutual_info(..., lnc_alpha=...)``).

Reference: S. Gao, G. Ver Steeg, A. Galstyan, "Efficient estimation of mutual
information for strongly dependent variables", AISTATS 2015, and NPEET's
``mi(x, y, k=k, alpha=alpha)`` as npeet_plus ships it.

Both compute the same formula: KSG algorithm 1 in nats plus the mean over
samples of log V(i) - log V̄(i) where V̄(i) < α V(i), V(i) the axis-aligned and
V̄(i) the principal-axes box centred on sample i that holds its k nearest joint
neighbours (max norm), the axes being the eigenvectors of the neighbours'
scatter matrix about the sample. NPEET adds uniform noise of amplitude 1e-10
to x and y from NumPy's global generator and counts marginal neighbours within
ε - 1e-15 (infoflux counts strictly inside ε); the tests draw NPEET's noise
themselves, hand infoflux the noisy data with ``normalize=False, noise=0``,
and let NPEET draw the same noise again. Differences that remain by
definition: infoflux refuses k below the joint dimension (the principal box is
then flat and NPEET's value is dominated by log of rounding noise), and it
also offers the correction on KSG algorithm 2 (the same per-sample term).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import npeet_plus.estimators as npeet
import numpy as np
import pytest

import infoflux


# NPEET draws its noise from NumPy's legacy global generator: the tests seed
# it to draw the same noise, and restore its state afterwards.
@pytest.fixture(autouse=True)
def _keep_global_rng() -> Iterator[None]:
    state = np.random.get_state()  # noqa: NPY002
    yield
    np.random.set_state(state)  # noqa: NPY002


def _npeet_pair(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The data NPEET computes on: its own tie-breaking noise, drawn from
    NumPy's global generator seeded with ``seed``, x first."""
    np.random.seed(seed)  # noqa: NPY002
    xn = x + 1e-10 * np.random.random_sample(x.shape)  # noqa: NPY002
    yn = y + 1e-10 * np.random.random_sample(y.shape)  # noqa: NPY002
    return xn, yn


@pytest.mark.parametrize(
    ("dx", "dy", "k", "alpha"),
    [(1, 2, 3, 0.5), (1, 1, 2, 0.1), (1, 1, 3, 0.3), (1, 1, 5, 0.25), (2, 1, 3, 0.2), (2, 2, 5, 0.1), (2, 2, 8, 0.6)],
)
def test_equals_npeet(dx: int, dy: int, k: int, alpha: float) -> None:
    rng = np.random.default_rng(100 * k + dx + dy)
    n = 1500
    x = rng.standard_normal((n, dx))
    y = x[:, :1] + 0.02 * rng.standard_normal((n, dy))  # strongly dependent: many samples corrected
    ref = npeet_mi(x, y, k, alpha, seed=k)
    xn, yn = _npeet_pair(x, y, seed=k)
    got = infoflux.mutual_info(xn, yn, k=k, normalize=False, noise=0, lnc_alpha=alpha)
    assert abs(got - ref) < 1e-10
    # the correction is active: it differs from plain KSG
    ksg = infoflux.mutual_info(xn, yn, k=k, normalize=False, noise=0)
    assert got - ksg > 1e-3


def npeet_mi(x: np.ndarray, y: np.ndarray, k: int, alpha: float, *, seed: int) -> float:
    np.random.seed(seed)  # noqa: NPY002
    return float(npeet.mi(x, y, k=k, base=math.e, alpha=alpha))


@pytest.mark.parametrize("sigma", [1e-2, 1e-3])
def test_reduces_bias_on_strong_dependence(sigma: float) -> None:
    """y = x + σ·noise with Gaussian x: I = ½ log(1 + 1/σ²) (4.6 and 6.9 nats).
    KSG falls short by its local-uniformity assumption; LNC closes most of the gap."""
    truth = 0.5 * math.log1p(1.0 / sigma**2)
    ksg, lnc = [], []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal(5000)
        y = x + sigma * rng.standard_normal(5000)
        ksg.append(infoflux.mutual_info(x, y, k=10))
        lnc.append(infoflux.mutual_info(x, y, k=10, lnc_alpha=0.5))
    bias_ksg = float(np.mean(ksg)) - truth
    bias_lnc = float(np.mean(lnc)) - truth
    assert bias_ksg < -0.05
    assert abs(bias_lnc) < 0.5 * abs(bias_ksg), (bias_ksg, bias_lnc)


def test_leaves_independent_data_nearly_alone() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(4000), rng.standard_normal(4000)
    ksg = infoflux.mutual_info(x, y, k=5)
    lnc = infoflux.mutual_info(x, y, k=5, lnc_alpha=0.2)
    assert 0.0 <= lnc - ksg < 0.01


def test_local_values_and_base() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3000, 2))
    y = x + 0.05 * rng.standard_normal((3000, 2))
    est = infoflux.mutual_info(x, y, k=6, lnc_alpha=0.3)
    loc = infoflux.mutual_info(x, y, k=6, lnc_alpha=0.3, local=True)
    ksg_loc = infoflux.mutual_info(x, y, k=6, local=True)
    assert isinstance(loc, np.ndarray) and loc.shape == (3000,)
    assert est == float(np.mean(loc))
    corr = loc - ksg_loc
    assert np.all(corr >= -1e-12) and np.any(corr > 0)
    bits = infoflux.mutual_info(x, y, k=6, lnc_alpha=0.3, base=2)
    assert bits == pytest.approx(est / math.log(2), rel=1e-14)
    # algorithm 2 gets the same per-sample corrections
    loc2 = infoflux.mutual_info(x, y, k=6, algorithm=2, lnc_alpha=0.3, local=True)
    ksg2 = infoflux.mutual_info(x, y, k=6, algorithm=2, local=True)
    np.testing.assert_allclose(loc2 - ksg2, corr, rtol=0, atol=1e-12)


def test_none_is_plain_ksg() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(500), rng.standard_normal(500)
    assert infoflux.mutual_info(x, y, lnc_alpha=None) == infoflux.mutual_info(x, y)


def test_thread_count_invariant() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6000, 2))
    y = x @ np.array([[1.0, 0.3], [0.2, 1.0]]) + 0.01 * rng.standard_normal((6000, 2))
    runs = [infoflux.mutual_info(x, y, k=5, lnc_alpha=0.4, n_threads=t, local=True) for t in (1, 2, 3, 8)]
    for r in runs[1:]:
        assert np.array_equal(r, runs[0])


@pytest.mark.parametrize("alpha", [0, 0.0, 1, 1.0, -0.2, 1.5, math.nan, math.inf])
def test_bad_alpha(alpha: float) -> None:
    x = np.arange(20.0)
    with pytest.raises(ValueError, match="lnc_alpha"):
        infoflux.mutual_info(x, x[::-1], lnc_alpha=alpha)


@pytest.mark.parametrize("alpha", ["0.5", True, [0.5]])
def test_alpha_type(alpha: object) -> None:
    x = np.arange(20.0)
    with pytest.raises(TypeError, match="lnc_alpha"):
        infoflux.mutual_info(x, x[::-1], lnc_alpha=alpha)


def test_k_below_joint_dimension() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((100, 3)), rng.standard_normal((100, 2))
    with pytest.raises(ValueError, match=r"k: .*joint dimension \(5\)"):
        infoflux.mutual_info(x, y, k=4, lnc_alpha=0.5)
    assert math.isfinite(infoflux.mutual_info(x, y, k=5, lnc_alpha=0.5))


def test_other_arguments_still_checked() -> None:
    x = np.arange(20.0)
    with pytest.raises(ValueError, match="algorithm"):
        infoflux.mutual_info(x, x, algorithm=3, lnc_alpha=0.5)
    with pytest.raises(ValueError, match="k"):
        infoflux.mutual_info(x, x, k=20, lnc_alpha=0.5)
    with pytest.raises(ValueError, match="y"):
        infoflux.mutual_info(x, x[:10], lnc_alpha=0.5)


@pytest.mark.parametrize(
    "kwargs",
    [{"discrete_y": True}, {"estimator": "mixed_ksg"}, {"discrete_x": [True]}],
    ids=["discrete", "mixed", "mask"],
)
def test_refused_with_mixed_data(kwargs: dict[str, object]) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal(200)
    y = rng.integers(0, 3, 200)
    with pytest.raises(ValueError, match="lnc_alpha"):
        infoflux.mutual_info(x, y, lnc_alpha=0.5, **kwargs)  # type: ignore[arg-type]


def test_refused_off_the_cpu_path() -> None:
    # the array-API backend (GPU arrays; forced here on NumPy ones) has no correction
    from infoflux import _backend_xp, _dispatch

    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((200, 1)), rng.standard_normal((200, 1))
    with _dispatch.forced(_backend_xp):
        assert math.isfinite(infoflux.mutual_info(x, y, k=5))
        with pytest.raises(ValueError, match=r"lnc_alpha: .*CPU path"):
            infoflux.mutual_info(x, y, k=5, lnc_alpha=0.5)
