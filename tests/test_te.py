"""Transfer entropy: closed forms, parity (JIDT, infomeasure, a brute-force
oracle written here), surrogate tests, networks and bad input."""

import math

import numpy as np
import pytest

import infoflux
from conftest import infomeasure as im
from conftest import jidt_data, jidt_records

RAW = {"normalize": False, "noise": 0}


# ---------------------------------------------------------------- helpers ---


def var1_sim(A, n, rng, burn=500):
    """Simulate s_t = A s_(t-1) + e_t with iid N(0, I) innovations."""
    A = np.asarray(A, float)
    d = A.shape[0]
    s = np.zeros((n + burn, d))
    e = rng.standard_normal((n + burn, d))
    for t in range(1, n + burn):
        s[t] = A @ s[t - 1] + e[t]
    return s[burn:]


def gaussian_te(A, src, tgt, *, history=1, history_delay=1, source_history=1, source_delay=1, lag=1, conds=()):
    """True TE for a stationary Gaussian VAR(1) state process with identity
    innovation covariance: I(X;Y|Z) = ½ ln(det Σ_xz det Σ_yz / (det Σ_z det Σ_xyz)),
    Σ built from the autocovariances Γ(h) = A^h Σ0, Σ0 = A Σ0 Aᵀ + I.
    `conds` is a list of (component, history, delay, lag)."""
    A = np.asarray(A, float)
    d = A.shape[0]
    S0 = np.eye(d)
    for _ in range(5000):  # fixed-point iteration converges for stable A
        S0 = A @ S0 @ A.T + np.eye(d)

    def gamma(h):
        return np.linalg.matrix_power(A, h) @ S0 if h >= 0 else gamma(-h).T

    # variables as (component, time offset relative to n)
    X = [(src, 1 - lag - j * source_delay) for j in range(source_history)]
    Y = [(tgt, 1)]
    Z = [(tgt, -j * history_delay) for j in range(history)]
    for c, m, tau, w in conds:
        Z += [(c, 1 - w - j * tau) for j in range(m)]

    def cov(vs):
        return np.array([[gamma(t1 - t2)[i, j] for (j, t2) in vs] for (i, t1) in vs])

    def ld(vs):
        return np.linalg.slogdet(cov(vs))[1]

    return 0.5 * (ld(X + Z) + ld(Y + Z) - ld(Z) - ld(X + Y + Z))


def oracle_te(
    x,
    y,
    *,
    k,
    history=1,
    history_delay=1,
    source_history=1,
    source_delay=1,
    lag=1,
    cond=None,
    cond_spec=(),
    algorithm=1,
    exclude=0,
    normalize=False,
):
    """Brute-force O(n²) TE written from the definitions, independent of the
    package: explicit time loops for the embedding, full distance matrices."""
    x = np.asarray(x, float).reshape(len(x), -1)
    y = np.asarray(y, float).reshape(len(y), -1)
    T = len(y)
    s = max((history - 1) * history_delay, (source_history - 1) * source_delay + lag - 1)
    for m, tau, w in cond_spec:
        s = max(s, (m - 1) * tau + w - 1)
    Xr, Yr, Zr = [], [], []
    for n_ in range(s, T - 1):
        Xr.append(np.concatenate([x[n_ + 1 - lag - j * source_delay] for j in range(source_history)]))
        Yr.append(y[n_ + 1])
        z = [y[n_ - j * history_delay] for j in range(history)]
        for ci, (m, tau, w) in enumerate(cond_spec):
            z += [cond[n_ + 1 - w - j * tau, ci : ci + 1] for j in range(m)]
        Zr.append(np.concatenate(z))
    X, Y, Z = np.array(Xr), np.array(Yr), np.array(Zr)
    if normalize:
        X, Y, Z = [(a - a.mean(0)) / a.std(0, ddof=1) for a in (X, Y, Z)]
    N = len(X)

    def dmat(a):
        return np.max(np.abs(a[:, None, :] - a[None, :, :]), axis=2)

    dx, dy, dz = dmat(X), dmat(Y), dmat(Z)
    dj = np.maximum(np.maximum(dx, dy), dz)
    idx = np.arange(N)
    banned = np.abs(idx[:, None] - idx[None, :]) <= exclude
    from scipy.special import digamma

    total = 0.0
    for i in range(N):
        ok = ~banned[i]
        cand = np.where(ok)[0]
        order = cand[np.argsort(dj[i, cand], kind="stable")]
        nb = order[:k]
        if algorithm == 1:
            e = dj[i, nb[-1]]
            nxz = np.sum(ok & (np.maximum(dx[i], dz[i]) < e))
            nyz = np.sum(ok & (np.maximum(dy[i], dz[i]) < e))
            nz = np.sum(ok & (dz[i] < e))
            total += digamma(k) - digamma(nxz + 1) - digamma(nyz + 1) + digamma(nz + 1)
        else:
            ex, ey, ez = dx[i, nb].max(), dy[i, nb].max(), dz[i, nb].max()
            nxz = np.sum(ok & (dx[i] <= ex) & (dz[i] <= ez))
            nyz = np.sum(ok & (dy[i] <= ey) & (dz[i] <= ez))
            nz = np.sum(ok & (dz[i] <= ez))
            total += digamma(k) - 2 / k + digamma(nz) - digamma(nxz) - digamma(nyz) + 1 / nxz + 1 / nyz
    return total / N


# ------------------------------------------------------------ closed forms ---

N = 20_000


def test_coupled_ar_pair_closed_form():
    # y_t = 0.5 y_(t-1) + 0.5 x_(t-1) + e_t, x iid: TE x->y = ½ ln 1.25, TE y->x = 0
    A = [[0.0, 0.0], [0.5, 0.5]]
    truth = gaussian_te(A, 0, 1)
    assert truth == pytest.approx(0.5 * math.log(1.25), abs=1e-12)
    s = var1_sim(A, N, np.random.default_rng(1))
    assert infoflux.transfer_entropy(s[:, 0], s[:, 1]) == pytest.approx(truth, abs=0.02)
    assert infoflux.transfer_entropy(s[:, 1], s[:, 0]) == pytest.approx(0.0, abs=0.02)


def test_history_2_and_delays_2_closed_form():
    # x AR(1); y driven by x two steps back and its own value two steps back
    # state (x_t, y_t, x_(t-1), y_(t-1))
    A = [[0.6, 0, 0, 0], [0, 0, 0.5, 0.4], [1, 0, 0, 0], [0, 1, 0, 0]]
    emb = {"history": 2, "history_delay": 2, "source_history": 2, "source_delay": 2, "lag": 2}
    truth = gaussian_te(A, 0, 1, **emb)
    assert truth > 0.05
    s = var1_sim(A, N, np.random.default_rng(2))
    assert infoflux.transfer_entropy(s[:, 0], s[:, 1], **emb) == pytest.approx(truth, abs=0.02)


def test_common_driver_explained_by_conditioning():
    # z drives x at lag 1 and y at lag 2: x looks like it drives y at lag 1
    # state (z_t, x_t, y_t, z_(t-1))
    A = [[0.5, 0, 0, 0], [0.9, 0, 0, 0], [0, 0, 0.2, 0.9], [1, 0, 0, 0]]
    s = var1_sim(A, N, np.random.default_rng(3))
    z, x, y = s[:, 0], s[:, 1], s[:, 2]
    plain = infoflux.transfer_entropy(x, y)
    assert plain > 0.07
    assert plain == pytest.approx(gaussian_te(A, 1, 2), abs=0.02)
    cte = infoflux.transfer_entropy(x, y, conditions=z, condition_lag=2)
    truth = gaussian_te(A, 1, 2, conds=[(0, 1, 1, 2)])
    assert truth == pytest.approx(0.0, abs=1e-9)
    assert cte == pytest.approx(0.0, abs=0.02)


# ------------------------------------------------------------------ parity ---


def _one(v):
    return v[0] if isinstance(v, list) else v


def _te_records():
    return [r for r in jidt_records() if r["quantity"] in ("te", "cte")]


@pytest.mark.parametrize("rec", _te_records(), ids=[r["id"] for r in _te_records()])
def test_jidt_reference(rec):
    p = rec["params"]
    d = jidt_data(rec["file"])
    kw = {
        "k": p["k"],
        "algorithm": p["algorithm"],
        "normalize": p["normalise"],
        "noise": 0,
        "history": p["history"],
        "history_delay": p["history_delay"],
        "source_history": p["source_history"],
        "source_delay": p["source_delay"],
        "lag": p["lag"],
    }
    cond = None
    if rec["quantity"] == "cte":
        cond = np.column_stack([d[c] for c in rec["conditions"]])
        kw.update(
            condition_history=p["condition_history"],
            condition_delay=p["condition_delay"],
            condition_lag=p["condition_lag"],
        )
    got = infoflux.transfer_entropy(d[_one(rec["source"])], d[_one(rec["target"])], conditions=cond, **kw)
    # tie-sensitive records depend on JIDT's k-d-tree order (README "Ties")
    tol = 1e-3 if rec.get("tie_sensitive") else (1e-7 if rec["n_samples"] >= 10000 else 1e-12)
    assert abs(got - rec["value"]) < tol


def _ar_pair(rng, n, c=0.6):
    x = rng.standard_normal(n)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = 0.5 * y[t - 1] + c * x[t - 1] + rng.standard_normal()
    return x, y


@pytest.mark.parametrize("seed", range(6))
def test_infomeasure_ksg_te(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(100, 1200))
    x, y = _ar_pair(rng, n)
    sh, dh, kk = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 7))
    theirs = im.transfer_entropy(x, y, approach="ksg", k=kk, noise_level=0, src_hist_len=sh, dest_hist_len=dh)
    ours = infoflux.transfer_entropy(x, y, k=kk, source_history=sh, history=dh, **RAW)
    assert abs(ours - theirs) < 1e-12
    # infomeasure's prop_time p is a source-target lag of p + 1
    pt = int(rng.integers(1, 4))
    theirs = im.transfer_entropy(x, y, approach="ksg", k=kk, noise_level=0, prop_time=pt)
    assert abs(infoflux.transfer_entropy(x, y, k=kk, lag=pt + 1, **RAW) - theirs) < 1e-12


def test_infomeasure_ksg_conditional_te():
    rng = np.random.default_rng(7)
    x, y = _ar_pair(rng, 900)
    z = rng.standard_normal(900) + 0.5 * x
    theirs = im.conditional_transfer_entropy(x, y, cond=z, approach="ksg", k=4, noise_level=0)
    assert abs(infoflux.transfer_entropy(x, y, conditions=z, **RAW) - theirs) < 1e-12


ORACLE_CASES = [
    {},
    {"history": 2},
    {"history": 3, "history_delay": 2},
    {"source_history": 2, "source_delay": 3},
    {"lag": 3},
    {"history": 2, "history_delay": 2, "source_history": 2, "source_delay": 2, "lag": 2},
    {"algorithm": 2},
    {"algorithm": 2, "history": 2, "lag": 2},
    {"exclude": 3},
    {"exclude": 2, "algorithm": 2},
    {"conditions": True},
    {"conditions": True, "algorithm": 2, "condition_history": 2, "condition_delay": 2, "condition_lag": 1},
    {"conditions": True, "condition_lag": 0},
]


@pytest.mark.parametrize("case", ORACLE_CASES, ids=[str(c) for c in ORACLE_CASES])
@pytest.mark.parametrize("k", [1, 4])
def test_brute_force_oracle(case, k):
    rng = np.random.default_rng(hash(str(case)) % 2**32 + k)
    n = 250
    x, y = _ar_pair(rng, n)
    x2 = np.column_stack([x, rng.standard_normal(n)]) if k == 4 else x  # multivariate source too
    case = dict(case)
    cond_spec, cond = (), None
    if case.pop("conditions", False):
        cond = (0.5 * x + rng.standard_normal(n))[:, None]
        cond_spec = ((case.get("condition_history", 1), case.get("condition_delay", 1), case.get("condition_lag", 1)),)
    # normalised so that no two TE vectors tie exactly (see the JIDT notes on ties)
    ours = infoflux.transfer_entropy(x2, y, k=k, conditions=cond, normalize=True, noise=0, **case)
    for key in ("condition_history", "condition_delay", "condition_lag"):
        case.pop(key, None)
    want = oracle_te(x2, y, k=k, cond=cond, cond_spec=cond_spec, normalize=True, **case)
    assert abs(ours - want) < 1e-12


@pytest.mark.parametrize("algorithm", [1, 2])
def test_multivariate_target_against_oracle(algorithm):
    rng = np.random.default_rng(15)
    x, y = _ar_pair(rng, 220)
    y2 = np.column_stack([y, 0.3 * np.roll(x, 2) + rng.standard_normal(220)])
    kw = {"k": 3, "history": 2, "lag": 2, "algorithm": algorithm}
    ours = infoflux.transfer_entropy(x, y2, normalize=True, noise=0, **kw)
    assert abs(ours - oracle_te(x, y2, normalize=True, **kw)) < 1e-12


def test_trials_are_pooled_and_embedded_separately():
    rng = np.random.default_rng(8)
    trials = [_ar_pair(rng, n) for n in (300, 200, 250)]
    xs, ys = [t[0] for t in trials], [t[1] for t in trials]
    pooled = infoflux.transfer_entropy(xs, ys, local=True, **RAW)
    # each trial contributes T - 1 rows with k = l = u = 1
    assert pooled.shape == (299 + 199 + 249,)
    # the embedding never crosses a trial boundary: same as embedding by hand
    X = np.concatenate([x[:-1] for x in xs])
    Y = np.concatenate([y[1:] for y in ys])
    Z = np.concatenate([y[:-1] for y in ys])
    direct = infoflux.conditional_mutual_info(X, Y, Z, k=4, local=True, **RAW)
    np.testing.assert_array_equal(pooled, direct)


def test_local_values_and_base():
    rng = np.random.default_rng(9)
    x, y = _ar_pair(rng, 2000)
    loc = infoflux.transfer_entropy(x, y, local=True)
    assert loc.shape == (1999,)
    assert np.mean(loc) == pytest.approx(infoflux.transfer_entropy(x, y), abs=1e-15)
    assert infoflux.transfer_entropy(x, y, base=2) == pytest.approx(
        infoflux.transfer_entropy(x, y) / math.log(2), rel=1e-12
    )


# -------------------------------------------------------------- surrogates ---


def test_false_positive_rate_under_independence():
    # x iid (so permuting its rows is exact under H0), y an independent AR(1)
    alpha, runs, S = 0.05, 100, 19
    hits = 0
    for seed in range(runs):
        rng = np.random.default_rng(10_000 + seed)
        x = rng.standard_normal(400)
        y = np.zeros(400)
        for t in range(1, 400):
            y[t] = 0.6 * y[t - 1] + rng.standard_normal()
        res = infoflux.transfer_entropy_significance(x, y, n_surrogates=S, seed=seed)
        hits += res.p_value <= alpha
    # Binomial(100, 0.05): P(X >= 13) < 0.002
    assert hits <= 12, hits
    assert hits >= 1  # a test that never rejects is broken too (P(X = 0) = 0.006)


def test_time_shift_false_positive_rate_with_autocorrelated_source():
    runs, S = 60, 19
    hits = 0
    for seed in range(runs):
        rng = np.random.default_rng(20_000 + seed)
        s = var1_sim([[0.7, 0], [0, 0.5]], 400, rng)
        res = infoflux.transfer_entropy_significance(s[:, 0], s[:, 1], n_surrogates=S, method="time_shift", seed=seed)
        hits += res.p_value <= 0.05
    assert hits <= 9, hits  # Binomial(60, 0.05): P(X >= 10) < 0.002


@pytest.mark.parametrize("method", ["permutation", "time_shift", "block"])
def test_coupled_pair_is_significant(method):
    rng = np.random.default_rng(11)
    x, y = _ar_pair(rng, 1500)
    res = infoflux.transfer_entropy_significance(x, y, n_surrogates=49, method=method)
    assert res.p_value == pytest.approx(1 / 50)
    assert res.surrogates.shape == (49,)
    assert res.estimate == infoflux.transfer_entropy(x, y)
    assert res.estimate > res.surrogates.max()


def test_surrogates_reproducible_across_threads():
    rng = np.random.default_rng(12)
    x, y = _ar_pair(rng, 800, c=0.1)
    a = infoflux.transfer_entropy_significance(x, y, n_surrogates=30, seed=5, n_threads=1)
    b = infoflux.transfer_entropy_significance(x, y, n_surrogates=30, seed=5, n_threads=2)
    np.testing.assert_array_equal(a.surrogates, b.surrogates)
    assert a.p_value == b.p_value and a.estimate == b.estimate
    c = infoflux.transfer_entropy_significance(x, y, n_surrogates=30, seed=6)
    assert not np.array_equal(a.surrogates, c.surrogates)


@pytest.mark.parametrize("noise", [0, 1e-8])
def test_many_surrogates_take_the_list_path_with_the_same_values(noise):
    # from 16 TEs against one target the surrogates go through the target's
    # neighbour lists, below through the joint grid; surrogate s draws its
    # permutation from stream s either way, so the first 10 must agree bit
    # for bit (ties included: quantised data with noise=0)
    rng = np.random.default_rng(15)
    x, y = _ar_pair(rng, 3000, c=0.3)
    if noise == 0:
        x, y = np.round(x, 1), np.round(y, 1)
    kw = {"seed": 9, "noise": noise}
    few = infoflux.transfer_entropy_significance(x, y, n_surrogates=10, **kw)
    many = infoflux.transfer_entropy_significance(x, y, n_surrogates=80, **kw)
    np.testing.assert_array_equal(many.surrogates[:10], few.surrogates)
    assert many.estimate == few.estimate


@pytest.mark.parametrize(
    "kind, k, method",
    [
        ("rounded", 1, "permutation"),
        ("integers", 4, "time_shift"),
        ("curve", 3, "block"),
        ("cauchy_source", 8, "permutation"),
        ("smooth", 6, "block"),
        ("integers", 2, "permutation"),
    ],
)
# the rounded and integer cases tie on purpose: their RuntimeWarning is expected
@pytest.mark.filterwarnings("ignore:.*zero distance to their k-th nearest neighbour:RuntimeWarning")
def test_list_path_equals_joint_grid_on_hard_data(kind, k, method):
    # exact ties, a target on a curve, a heavy-tailed source (many queries
    # past their lists): the list path's fallbacks must give the same values
    rng = np.random.default_rng(16)
    n = 700
    x, y = _ar_pair(rng, n, c=0.4)
    if kind == "rounded":
        x, y = np.round(x, 1), np.round(y, 1)
    elif kind == "integers":
        x, y = np.round(x), np.round(y)
    elif kind == "curve":
        y = x**2 + 1e-9 * rng.standard_normal(n)
    elif kind == "cauchy_source":
        x = rng.standard_cauchy(n)
    kw = dict(k=k, noise=0, seed=3, method=method, **({"block_size": 35} if method == "block" else {}))
    few = infoflux.transfer_entropy_significance(x, y, n_surrogates=5, **kw)
    many = infoflux.transfer_entropy_significance(x, y, n_surrogates=40, **kw)
    np.testing.assert_array_equal(many.surrogates[:5], few.surrogates)
    assert many.estimate == few.estimate


# ----------------------------------------------------------------- network ---


def test_network_equals_pairwise_and_finds_links():
    rng = np.random.default_rng(13)
    n = 1500
    X = rng.standard_normal((n, 4))
    X[1:, 1] += 0.8 * X[:-1, 0]
    X[1:, 2] += 0.8 * X[:-1, 1]
    calls = []
    net = infoflux.transfer_entropy_matrix(X, n_surrogates=19, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (12, 12)
    for i in range(4):
        for j in range(4):
            if i != j:
                assert net.values[i, j] == infoflux.transfer_entropy(X[:, i], X[:, j])
    assert np.all(np.isnan(np.diag(net.values)))
    links = net.significant(0.05)
    assert links[0, 1] and links[1, 2]
    assert not links[1, 0] and not links[2, 1]
    assert net.surrogates.shape == (4, 4, 19)


def test_network_conditioned_on_all_others():
    rng = np.random.default_rng(14)
    X = rng.standard_normal((800, 3))
    X[1:, 1] += 0.8 * X[:-1, 0]
    net = infoflux.transfer_entropy_matrix(X, conditioning="all")
    assert net.p_values is None
    for i, j in [(0, 1), (2, 0), (1, 2)]:
        others = [c for c in range(3) if c not in (i, j)]
        want = infoflux.transfer_entropy(X[:, i], X[:, j], conditions=X[:, others])
        assert net.values[i, j] == want
    with pytest.raises(ValueError, match="surrogates"):
        net.significant()


# --------------------------------------------------------------- bad input ---


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"history_delay": 0}, "history_delay"),
        ({"source_delay": -1}, "source_delay"),
        ({"lag": 0}, "lag"),
        ({"history": 0}, "history"),
        ({"k": 0}, "k"),
        ({"history": 46, "k": 4}, "history/lag"),
        ({"lag": 49, "k": 1}, "history/lag"),
        ({"algorithm": 3}, "algorithm"),
        ({"exclude": -1}, "exclude"),
    ],
)
def test_bad_embedding_arguments(kwargs, match):
    x = np.random.default_rng(0).standard_normal(50)
    with pytest.raises(ValueError, match=match):
        infoflux.transfer_entropy(x, x[::-1].copy(), **kwargs)


def test_bad_series():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(100)
    with pytest.raises(ValueError, match="different lengths"):
        infoflux.transfer_entropy(x, x[:90])
    bad = x.copy()
    bad[5] = np.nan
    with pytest.raises(ValueError, match=r"target.*NaN"):
        infoflux.transfer_entropy(x, bad)
    bad[5] = np.inf
    with pytest.raises(ValueError, match=r"source.*NaN or infinity"):
        infoflux.transfer_entropy(bad, x)
    with pytest.raises(ValueError, match="conditions"):
        infoflux.transfer_entropy(x, x, conditions=x[:50])
    with pytest.raises(ValueError, match="condition_history"):
        infoflux.transfer_entropy(x, x, conditions=np.c_[x, x], condition_history=[1, 2, 3])
    with pytest.raises(ValueError, match="method"):
        infoflux.transfer_entropy_significance(x, x, method="shuffle")
    with pytest.raises(ValueError, match="n_surrogates"):
        infoflux.transfer_entropy_significance(x, x, n_surrogates=0)
    with pytest.raises(ValueError, match="block_size"):
        infoflux.transfer_entropy_significance(x, x, method="block", block_size=500)
    with pytest.raises(ValueError, match="conditioning"):
        infoflux.transfer_entropy_matrix(np.c_[x, x], conditioning="some")
    with pytest.raises(ValueError, match="source and target"):
        infoflux.transfer_entropy([x, x], [x])
    with pytest.raises(TypeError, match="progress"):
        infoflux.transfer_entropy_matrix(np.c_[x, x], progress="yes")
