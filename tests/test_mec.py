"""Minimum-entropy coupling: exact numbers, properties over thousands
of seeded random cases, a brute-force optimum for tiny alphabets, EBIM against
set-partition enumeration, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import infoflux
from infoflux import mec
from infoflux.mec import (
    bottleneck_coupling,
    coupling_lower_bound,
    ebim,
    greedy_coupling,
    greedy_coupling_batch,
    one_bit_coupling,
    sample_conditional,
)

LOG2E_OVER_E = math.log2(math.e) / math.e
METHODS = ("majorization", "profile", "majorize_profile")


def H(p) -> float:
    p = np.asarray(p, dtype=float)
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


def binary_entropy(x: float) -> float:
    return H([x, 1 - x]) if 0 < x < 1 else 0.0


def random_marginal(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """Generic (Dirichlet), peaked, or dyadic with ties and zeros."""
    if kind == "dirichlet":
        p = rng.dirichlet(np.full(n, rng.choice([0.3, 1.0, 3.0])))
    elif kind == "peaked":
        p = rng.exponential(size=n) ** 4
    else:
        w = rng.integers(0, 5, size=n).astype(float)
        if w.sum() == 0:
            w[rng.integers(n)] = 1
        p = w
    return p / p.sum()


def cells(c) -> dict:
    out: dict = {}
    for *idx, m in zip(*(i.tolist() for i in c.indices), c.masses.tolist()):
        out[tuple(idx)] = out.get(tuple(idx), 0.0) + m
    return out


def assert_marginals(c, ps, atol=1e-12):
    for j, p in enumerate(ps):
        np.testing.assert_allclose(c.marginal(j), p, rtol=0, atol=atol, err_msg=f"marginal {j}")


# ---------------------------------------------------------------------------
# brute-force minimum-entropy coupling of two marginals (n, m <= 5)
#
# Entropy is concave, so the minimum over the transportation polytope sits at
# a vertex, and every vertex is the unique solution supported on some spanning
# tree of K_{n,m} (degenerate vertices on several trees, with zero edges). We
# enumerate all spanning trees once per shape as parent pointers rooted at row
# 0; an edge v -> parent(v) carries s(v) * sum_{w in subtree(v)} s(w) val(w)
# with s = +1 for rows (p) and -1 for columns (q). Trees with a negative edge
# are infeasible; the optimum is the least entropy over feasible trees.
# ---------------------------------------------------------------------------

_TREES: dict = {}


def _tree_coefficients(n: int, m: int) -> np.ndarray:
    key = (n, m)
    if key in _TREES:
        return _TREES[key]
    V = n + m
    # vertex v >= 1 picks a parent on the other side
    sizes = [m] * (n - 1) + [n] * m
    grid = np.indices(sizes).reshape(len(sizes), -1).T
    offs = np.array([n] * (n - 1) + [0] * m)
    par = np.concatenate([np.zeros((grid.shape[0], 1), dtype=np.int64), grid + offs], axis=1)
    anc = par.copy()
    for _ in range(math.ceil(math.log2(V)) + 1):
        anc = np.take_along_axis(anc, anc, axis=1)
    par = par[np.all(anc == 0, axis=1)]
    T = par.shape[0]
    assert T == n ** (m - 1) * m ** (n - 1)  # Scoins' formula for K_{n,m}
    sign = np.array([1] * n + [-1] * m, dtype=np.int8)
    D = np.zeros((T, V, V), dtype=np.int8)  # D[t, v, w]: v is an ancestor-or-self of w
    rows = np.arange(T)
    for w in range(V):
        cur = np.full(T, w)
        for _ in range(V):
            D[rows, cur, w] = 1
            cur = par[rows, cur]
    C = (D[:, 1:, :] * sign[1:, None] * sign[None, :]).astype(np.int8)
    child = np.arange(1, V)
    parent = par[:, 1:]
    r = np.where(child[None, :] < n, child[None, :], parent)
    c = np.where(child[None, :] < n, parent, child[None, :]) - n
    _TREES[key] = (C, r, c)
    return _TREES[key]


def brute_force_mec(p, q) -> float:
    p, q = np.asarray(p, float), np.asarray(q, float)
    C, _, _ = _tree_coefficients(p.size, q.size)
    vals = np.concatenate([p, q])
    x = np.zeros(C.shape[:2])
    for w in range(vals.size):
        x += C[:, :, w] * vals[w]
    ok = np.all(x >= -1e-12, axis=1)
    x = np.clip(x[ok], 0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(x > 0, -x * np.log2(np.where(x > 0, x, 1)), 0.0).sum(axis=1)
    return float(h.min())


def test_brute_force_solver_itself():
    # certified optimum of the 3 x 3 example below, and a trivial one
    assert brute_force_mec([0.5, 0.4, 0.1], [0.6, 0.2, 0.2]) == pytest.approx(1.7609640474, abs=1e-9)
    assert brute_force_mec([0.5, 0.5], [0.5, 0.5]) == pytest.approx(1.0, abs=1e-12)
    # independence is never better than the optimum, identity of equal marginals is optimal
    p = np.array([0.1, 0.2, 0.3, 0.4])
    assert brute_force_mec(p, p) == pytest.approx(H(p), abs=1e-12)


# ---------------------------------------------------------------------------
# 1. exact numbers of small worked examples
# ---------------------------------------------------------------------------


def test_greedy_3x3_certified_optimal_by_its_bounds():
    p, q = [0.5, 0.4, 0.1], [0.6, 0.2, 0.2]
    c = greedy_coupling(p, q)
    assert c.entropy == pytest.approx(1.7609640474, abs=1e-10)
    assert coupling_lower_bound(p, q, method="majorization") == pytest.approx(1.4854752972, abs=1e-10)
    assert coupling_lower_bound(p, q, method="profile") == pytest.approx(1.6609640474, abs=1e-10)
    assert coupling_lower_bound(p, q, method="majorize_profile") == pytest.approx(1.7609640474, abs=1e-10)
    assert c.lower_bounds["majorization"] == pytest.approx(1.4854752972, abs=1e-10)
    assert c.lower_bounds["profile"] == pytest.approx(1.6609640474, abs=1e-10)
    assert c.lower_bound == pytest.approx(1.7609640474, abs=1e-10)
    assert c.gap == pytest.approx(0.0, abs=1e-12)  # greedy certified optimal
    assert cells(c) == pytest.approx({(0, 0): 0.5, (1, 1): 0.2, (1, 2): 0.2, (2, 0): 0.1}, abs=1e-15)


def test_greedy_6x6_against_majorization_bound():
    p = [0.4, 0.3, 0.15, 0.08, 0.04, 0.03]
    q = [0.44, 0.18, 0.18, 0.15, 0.03, 0.02]
    c = greedy_coupling(p, q)
    assert c.entropy == pytest.approx(2.5256227371, abs=1e-10)
    assert coupling_lower_bound(p, q, method="majorization") == pytest.approx(2.1748174571, abs=1e-10)
    assert c.lower_bound >= 2.1748174571 - 1e-10
    assert_marginals(c, [p, q])


def test_greedy_three_marginals_1_2_3_states():
    c = greedy_coupling([1.0], [0.75, 0.25], [0.6, 0.3, 0.1])
    got = cells(c)
    want = {(0, 0, 0): 0.6, (0, 1, 1): 0.25, (0, 0, 2): 0.1, (0, 0, 1): 0.05}
    assert set(got) == set(want)
    for k, v in want.items():
        assert got[k] == pytest.approx(v, abs=1e-15)
    assert c.shape == (1, 2, 3)


def test_meet_needs_sorting():
    # a public implementation takes the meet of unsorted marginals; ours sorts:
    # the bound must not depend on the order of the states
    p, q = np.array([0.1, 0.4, 0.5]), np.array([0.2, 0.6, 0.2])
    for m in METHODS:
        assert coupling_lower_bound(p, q, method=m) == pytest.approx(
            coupling_lower_bound(np.sort(p)[::-1], np.sort(q)[::-1], method=m), abs=1e-15
        )
    assert coupling_lower_bound(p, q, method="majorization") == pytest.approx(1.4854752972, abs=1e-10)


# ---------------------------------------------------------------------------
# 2. properties over thousands of seeded random cases
# ---------------------------------------------------------------------------


def test_marginals_exact_sparse_and_certified_many_cases():
    rng = np.random.default_rng(20261123)
    kinds = ("dirichlet", "peaked", "dyadic")
    for case in range(3000):
        k = 2 if case % 3 else int(rng.integers(3, 5))
        ns = rng.integers(1, 60, size=k)
        ps = [random_marginal(rng, int(n), kinds[(case + j) % 3]) for j, n in enumerate(ns)]
        c = greedy_coupling(*ps)
        assert_marginals(c, ps)
        assert len(c) <= int(np.sum(ns - 1)) + 1
        assert np.all(c.masses > 0)
        assert np.isfinite(c.entropy)
        assert c.lower_bound <= c.entropy + 1e-9
        assert c.lower_bounds["majorization"] <= c.lower_bounds["majorize_profile"] + 1e-9
        assert c.lower_bounds["profile"] <= c.lower_bounds["majorize_profile"] + 1e-9
        if k == 2:
            o = one_bit_coupling(*ps)
            assert_marginals(o, ps)
            assert o.entropy <= o.lower_bounds["majorization"] + 1.0 + 1e-9
            assert len(o) <= 2 * max(ns)


def test_bounds_below_and_greedy_near_brute_force_optimum():
    rng = np.random.default_rng(7)
    kinds = ("dirichlet", "peaked", "dyadic")
    shapes = [(n, m) for n in range(1, 5) for m in range(1, 5)]
    checked = 0
    worst_gap = 0.0
    for case in range(1600):
        if case < 1500:
            n, m = shapes[case % len(shapes)]
        else:  # 20 cases of each shape with a side of 5 (390,625 trees at 5 x 5)
            n, m = [(5, 5), (5, 4), (4, 5), (5, 3), (2, 5)][case % 5]
        p = random_marginal(rng, n, kinds[case % 3])
        q = random_marginal(rng, m, kinds[(case // 3) % 3])
        opt = brute_force_mec(p, q)
        c = greedy_coupling(p, q)
        o = one_bit_coupling(p, q)
        assert c.entropy >= opt - 1e-9 and o.entropy >= opt - 1e-9  # feasible couplings
        for meth in METHODS:
            assert coupling_lower_bound(p, q, method=meth) <= opt + 1e-9, (case, meth, p, q)
        assert c.entropy <= opt + LOG2E_OVER_E + 1e-9, (case, p, q)
        assert o.entropy <= opt + 1.0 + 1e-9
        worst_gap = max(worst_gap, c.entropy - opt)
        checked += 1
    assert checked == 1600
    assert worst_gap > 0.01  # the greedy is not always optimal: the test has teeth


def test_entropy_independent_of_tie_breaking():
    rng = np.random.default_rng(11)
    for case in range(1500):
        k = 2 + case % 2
        ns = rng.integers(2, 30, size=k)
        # dyadic masses: every subtraction is exact, so the comparison can be exact
        ps = []
        for n in ns:
            w = rng.integers(0, 4, size=n).astype(float)
            w[rng.integers(n)] += 1
            tot = w.sum()
            scale = 2.0 ** math.ceil(math.log2(tot))
            w[0] += scale - tot  # make the sum a power of two
            ps.append(w / scale)
        base = greedy_coupling(*ps)
        perms = [rng.permutation(n) for n in ns]
        other = greedy_coupling(*[p[perm] for p, perm in zip(ps, perms)])
        assert np.array_equal(np.sort(base.masses), np.sort(other.masses)), case
        assert base.entropy == other.entropy


def test_tie_breaking_generic_masses():
    rng = np.random.default_rng(12)
    for _case in range(500):
        p = rng.dirichlet(np.ones(20))
        q = rng.dirichlet(np.ones(15))
        a = greedy_coupling(p, q)
        perm_p, perm_q = rng.permutation(20), rng.permutation(15)
        b = greedy_coupling(p[perm_p], q[perm_q])
        np.testing.assert_allclose(np.sort(a.masses), np.sort(b.masses), rtol=0, atol=1e-15)
        # without ties the labels simply follow the permutation: state i of the
        # permuted input is state perm[i] of the original
        relabelled = {(int(perm_p[i]), int(perm_q[j])): v for (i, j), v in cells(b).items()}
        assert relabelled == cells(a)


def test_point_masses_have_zero_entropy():
    for c in (greedy_coupling([1.0], [1.0]), one_bit_coupling([1.0], [1.0]), greedy_coupling([1.0], [1.0], [1.0])):
        assert c.entropy == 0.0 and math.copysign(1.0, c.entropy) == 1.0
        assert c.gap == 0.0
    assert math.copysign(1.0, coupling_lower_bound([1.0], [1.0], method="majorization")) == 1.0


def test_ties_go_to_the_smallest_index():
    c = greedy_coupling([0.5, 0.5], [0.5, 0.5])
    assert cells(c) == {(0, 0): 0.5, (1, 1): 0.5}
    c = greedy_coupling([0.25, 0.25, 0.25, 0.25], [1.0])
    assert [int(i) for i in c.indices[0]] == [0, 1, 2, 3]


def test_no_junk_cells_from_rounding():
    # 0.6 - 0.5 is not exactly 0.1 in floating point; no ~1e-17 cell may appear
    c = greedy_coupling([0.5, 0.4, 0.1], [0.6, 0.2, 0.2])
    assert len(c) == 4 and c.masses.min() > 1e-3


def test_results_do_not_depend_on_thread_count():
    rng = np.random.default_rng(3)
    P = rng.dirichlet(np.ones(64), size=300)
    Q = rng.dirichlet(np.ones(48), size=300)
    a = greedy_coupling_batch(P, Q, n_threads=1)
    b = greedy_coupling_batch(P, Q, n_threads=2)
    c = greedy_coupling_batch(P, Q, n_threads=7)
    for x in (b, c):
        assert np.array_equal(a.offsets, x.offsets)
        assert np.array_equal(a.masses, x.masses)
        assert all(np.array_equal(i, j) for i, j in zip(a.indices, x.indices))
        assert np.array_equal(a.entropy, x.entropy)
        assert np.array_equal(a.lower_bound, x.lower_bound)
    p, q = P[0], Q[0]
    s1, s2 = greedy_coupling(p, q, n_threads=1), greedy_coupling(p, q, n_threads=2)
    assert np.array_equal(s1.masses, s2.masses) and s1.lower_bound == s2.lower_bound
    # large inputs take the parallel path (sorting and bounds on other threads)
    p, q = rng.dirichlet(np.ones(30_000)), rng.dirichlet(np.ones(20_000))
    s1, s2 = greedy_coupling(p, q, n_threads=1), greedy_coupling(p, q, n_threads=3)
    assert np.array_equal(s1.masses, s2.masses) and np.array_equal(s1.indices[1], s2.indices[1])
    assert s1.lower_bounds == s2.lower_bounds


def test_batch_matches_single_couplings():
    rng = np.random.default_rng(4)
    P = rng.dirichlet(np.full(32, 0.5), size=200)
    Q = rng.dirichlet(np.full(20, 0.5), size=200)
    R = rng.dirichlet(np.full(5, 0.5), size=200)
    for mats in ((P, Q), (P, Q, R)):
        batch = greedy_coupling_batch(*mats)
        assert len(batch) == 200
        for b in range(200):
            single = greedy_coupling(*[m[b] for m in mats])
            got = batch[b]
            assert np.array_equal(got.masses, single.masses)
            assert all(np.array_equal(i, j) for i, j in zip(got.indices, single.indices))
            assert got.entropy == single.entropy
            assert got.lower_bound == pytest.approx(single.lower_bound, abs=0)
            assert batch.gap[b] == pytest.approx(single.gap, abs=1e-15)
    assert batch[-1].entropy == batch.entropy[-1]
    with pytest.raises(IndexError):
        batch[200]


# ---------------------------------------------------------------------------
# 3. EBIM and MEC-B
# ---------------------------------------------------------------------------


def _set_partitions(n: int) -> np.ndarray:
    """All set partitions of range(n) as restricted-growth label strings."""
    out = []

    def rec(prefix, mx):
        if len(prefix) == n:
            out.append(list(prefix))
            return
        for lab in range(mx + 2):
            rec([*prefix, lab], max(mx, lab))

    rec([0], 0)
    return np.array(out, dtype=np.int64)


_PARTS = {n: _set_partitions(n) for n in range(1, 8)}


def test_set_partition_counts():
    assert [len(_PARTS[n]) for n in range(1, 8)] == [1, 2, 5, 15, 52, 203, 877]  # Bell numbers


def best_deterministic(p: np.ndarray, rate: float) -> float:
    labels = _PARTS[p.size]
    pt = np.zeros(labels.shape)
    np.add.at(pt, (np.repeat(np.arange(labels.shape[0]), p.size), labels.ravel()), np.tile(p, labels.shape[0]))
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(pt > 0, -pt * np.log2(np.where(pt > 0, pt, 1)), 0).sum(axis=1)
    return float(h[h <= rate + 1e-12].max())


def test_ebim_bound_identity_and_near_optimal():
    rng = np.random.default_rng(5)
    kinds = ("dirichlet", "peaked", "dyadic")
    worst = 0.0
    for case in range(2500):
        n = int(rng.integers(1, 8))
        p = random_marginal(rng, n, kinds[case % 3])
        hx = H(p)
        rate = float(rng.uniform(0, hx * 1.05 + 1e-9))
        r = ebim(p, rate)
        pt = np.bincount(r.mapping, weights=p, minlength=r.p_t.size)
        np.testing.assert_allclose(pt, r.p_t, rtol=0, atol=1e-12)
        assert np.all(np.diff(r.p_t) <= 1e-15)  # codes by decreasing mass
        assert r.mutual_information == pytest.approx(H(r.p_t), abs=1e-12)
        assert r.mutual_information <= rate + 1e-12
        best = best_deterministic(p, rate)
        p2 = np.sort(p)[::-1][1] if n > 1 else 0.0
        assert r.mutual_information >= best - binary_entropy(p2) - 1e-9, (case, p, rate)
        worst = max(worst, best - r.mutual_information)
        if rate >= hx:
            assert sorted(r.mapping.tolist()) == list(range(n))
    assert worst > 1e-3  # greedy is sometimes suboptimal: the comparison can fail


def test_ebim_identity_and_extremes():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    r = ebim(p, H(p))
    assert r.mapping.tolist() == [3, 2, 1, 0] and r.mutual_information == pytest.approx(H(p))
    r = ebim(p, float("inf"))
    assert r.p_t.size == 4
    r = ebim(p, 0.0)
    assert r.mapping.tolist() == [0, 0, 0, 0] and r.mutual_information == 0.0
    # base conversion: a rate in nats
    assert ebim(p, 1.0, base=math.e).mutual_information <= 1.0 + 1e-12


def test_bottleneck_coupling_6x5_at_rate_1_5_bits():
    px = [0.4, 0.25, 0.15, 0.1, 0.06, 0.04]
    py = [0.35, 0.25, 0.2, 0.12, 0.08]
    r = bottleneck_coupling(px, py, 1.5)
    assert r.encoder.mutual_information == pytest.approx(1.478898, abs=5e-7)
    assert r.mutual_information == pytest.approx(1.238640, abs=5e-7)
    assert_marginals(r.joint, [px, py])
    # I(X;Y) from the joint itself agrees with I(T;Y)
    assert r.joint.mutual_information == pytest.approx(r.mutual_information, abs=1e-12)
    assert_marginals(r.decoder, [r.encoder.p_t, py])
    assert r.decoder.lower_bound <= r.decoder.entropy + 1e-12


def test_bottleneck_properties():
    rng = np.random.default_rng(6)
    for case in range(1000):
        px = random_marginal(rng, int(rng.integers(1, 40)), ("dirichlet", "peaked", "dyadic")[case % 3])
        py = random_marginal(rng, int(rng.integers(1, 40)), "dirichlet")
        rate = float(rng.uniform(0, H(px) + 0.5))
        r = bottleneck_coupling(px, py, rate)
        assert r.encoder.mutual_information <= rate + 1e-12
        assert_marginals(r.joint, [px, py])
        assert r.mutual_information <= min(r.encoder.mutual_information, H(py)) + 1e-9
        assert r.joint.mutual_information == pytest.approx(r.mutual_information, abs=1e-9)


# ---------------------------------------------------------------------------
# sampler, result object
# ---------------------------------------------------------------------------


def test_sample_conditional_frequencies_and_determinism():
    c = greedy_coupling([0.5, 0.3, 0.2], [0.4, 0.35, 0.25])
    others, probs = c.conditional(0)
    rng = np.random.default_rng(0)
    draws = sample_conditional(c, 0, rng, size=200_000)
    freq = np.array([(draws == o).mean() for o in others[0]])
    np.testing.assert_allclose(freq, probs, atol=5e-3)
    assert set(np.unique(draws)) <= set(others[0].tolist())
    a = [sample_conditional(c, 1, np.random.default_rng(42)) for _ in range(3)]
    assert len(set(a)) == 1 and isinstance(a[0], int)
    # one rng.random() per sample: inverse CDF of the sorted conditional
    u = np.random.default_rng(9).random()
    cdf = np.cumsum(probs)
    assert sample_conditional(c, 0, np.random.default_rng(9)) == int(others[0][np.searchsorted(cdf, u, side="right")])
    # condition on the second marginal
    y_draws = sample_conditional(c, 2, 1, axis=1, size=1000)
    assert set(np.unique(y_draws)) <= set(c.indices[0][c.indices[1] == 2].tolist())


def test_sample_conditional_three_marginals_and_errors():
    c = greedy_coupling([1.0], [0.75, 0.25], [0.6, 0.3, 0.1])
    t = sample_conditional(c, 0, 3)
    assert isinstance(t, tuple) and len(t) == 2
    arr = sample_conditional(c, 0, 3, size=50)
    assert arr.shape == (50, 2)
    z = greedy_coupling([0.5, 0.0, 0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="zero mass"):
        sample_conditional(z, 1)
    with pytest.raises(ValueError, match="x_index"):
        sample_conditional(z, 3)
    with pytest.raises(TypeError, match="x_index"):
        sample_conditional(z, 0.5)
    with pytest.raises(TypeError, match="coupling"):
        sample_conditional(np.eye(2), 0)


def test_to_dense_guard_units_and_exports():
    c = greedy_coupling([0.5, 0.4, 0.1], [0.6, 0.2, 0.2])
    d = c.to_dense()
    assert d.shape == (3, 3) and d.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(d.sum(axis=1), [0.5, 0.4, 0.1], atol=1e-15)
    big = greedy_coupling(np.full(50_000, 2e-5), np.full(50_000, 2e-5))
    with pytest.raises(MemoryError, match="max_size"):
        big.to_dense()
    nats = greedy_coupling([0.5, 0.4, 0.1], [0.6, 0.2, 0.2], base=math.e)
    assert nats.entropy == pytest.approx(c.entropy * math.log(2), abs=1e-12)
    assert nats.lower_bound == pytest.approx(c.lower_bound * math.log(2), abs=1e-12)
    assert coupling_lower_bound([0.5, 0.5], [0.5, 0.5], base=10) == pytest.approx(math.log10(2))
    assert c.mutual_information == pytest.approx(H([0.5, 0.4, 0.1]) + H([0.6, 0.2, 0.2]) - c.entropy)
    with pytest.raises(ValueError):
        c.masses[0] = 1.0  # read-only
    for name in mec.__all__:
        assert getattr(infoflux, name) is getattr(mec, name)
    assert "cells=4" in repr(c)
    nb = greedy_coupling([0.5, 0.5], [0.5, 0.5], bounds=False)
    assert nb.lower_bound is None and nb.gap is None


def test_normalize_and_tolerance():
    c = greedy_coupling([5, 4, 1], [6, 2, 2], normalize=True)
    assert c.entropy == pytest.approx(1.7609640474, abs=1e-10)
    f32 = np.array([0.5, 0.4, 0.1], dtype=np.float32)
    greedy_coupling(f32, [0.6, 0.2, 0.2], tol=1e-6)
    with pytest.raises(ValueError, match="normalize=True"):
        greedy_coupling([0.5, 0.4, 0.1 + 1e-8], [0.6, 0.2, 0.2])
    greedy_coupling([0.5, 0.4, 0.1 + 1e-10], [0.6, 0.2, 0.2])  # within the default 1e-9
    # subnormal and tiny masses: no crash, exact marginals
    p = np.array([1e-300, 1.0, 5e-324])
    c = greedy_coupling(p, [0.5, 0.5])
    assert_marginals(c, [p, [0.5, 0.5]])
    c = greedy_coupling([1e-300, 1e-300], [3.0, 1.0], normalize=True)
    assert c.entropy == pytest.approx(1.5, abs=1e-12)  # cells .5, .25, .25


class _DLPackOnly:
    """A DLPack producer that is not a NumPy array (stands in for torch/cupy)."""

    def __init__(self, a):
        self._a = np.asarray(a)

    def __dlpack__(self, *args, **kwargs):
        return self._a.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._a.__dlpack_device__()


def test_dlpack_inputs():
    c = greedy_coupling(_DLPackOnly([0.5, 0.4, 0.1]), _DLPackOnly([0.6, 0.2, 0.2]))
    assert c.entropy == pytest.approx(1.7609640474, abs=1e-10)
    b = greedy_coupling_batch(_DLPackOnly(np.array([[0.5, 0.5]])), _DLPackOnly(np.array([[1.0]])))
    assert b.entropy[0] == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# 4. bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "p, match",
    [
        ([0.5, -0.1, 0.6], "negative"),
        ([0.5, float("nan"), 0.5], "NaN"),
        ([0.5, float("inf")], "NaN or infinite"),
        ([0.5, 0.4], "sum to"),
        ([], "empty"),
        ([[0.5, 0.5]], "1-D"),
        ([0.0, 0.0], "no positive mass"),
    ],
)
def test_bad_marginals(p, match):
    for f in (
        lambda: greedy_coupling(p, [1.0]),
        lambda: greedy_coupling([1.0], [0.5, 0.5], p),
        lambda: coupling_lower_bound(p, [1.0]),
        lambda: one_bit_coupling(p, [1.0]),
        lambda: ebim(p, 1.0),
        lambda: bottleneck_coupling([1.0], p, 1.0),
    ):
        with pytest.raises(ValueError, match=match):
            f()


def test_bad_other_arguments():
    with pytest.raises(ValueError, match="rate"):
        ebim([0.5, 0.5], -0.1)
    with pytest.raises(ValueError, match="rate"):
        bottleneck_coupling([0.5, 0.5], [1.0], -1)
    with pytest.raises(ValueError, match="rate"):
        ebim([0.5, 0.5], float("nan"))
    with pytest.raises(TypeError, match="rate"):
        ebim([0.5, 0.5], "1")
    with pytest.raises(TypeError, match="rate"):
        ebim([0.5, 0.5], True)
    with pytest.raises(TypeError, match="at least 2"):
        greedy_coupling([1.0])
    with pytest.raises(TypeError, match="marginals\\[0\\]"):
        greedy_coupling(["a", "b"], [1.0])
    with pytest.raises(TypeError, match="marginals\\[1\\]"):
        greedy_coupling([1.0], np.array([1 + 0j]))
    with pytest.raises(TypeError, match="marginals\\[0\\]"):
        greedy_coupling([[0.5], [0.2, 0.3]], [1.0])
    with pytest.raises(ValueError, match="method"):
        coupling_lower_bound([1.0], [1.0], method="best")
    with pytest.raises(ValueError, match="base"):
        greedy_coupling([1.0], [1.0], base=1)
    with pytest.raises(ValueError, match="base"):
        greedy_coupling([1.0], [1.0], base=-2)
    with pytest.raises(ValueError, match="tol"):
        greedy_coupling([1.0], [1.0], tol=-1)
    with pytest.raises(TypeError, match="n_threads"):
        greedy_coupling([1.0], [1.0], n_threads=1.5)
    with pytest.raises(ValueError, match="rows"):
        greedy_coupling_batch(np.ones((3, 1)), np.ones((2, 1)))
    with pytest.raises(ValueError, match="row 1"):
        greedy_coupling_batch(np.array([[1.0, 0.0], [0.5, 0.6]]), np.ones((2, 1)))
    with pytest.raises(ValueError, match="2-D"):
        greedy_coupling_batch([0.5, 0.5], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        greedy_coupling_batch(np.array([[np.nan, 1.0]]), np.ones((1, 1)))
    with pytest.raises(ValueError, match="axis"):
        greedy_coupling([1.0], [1.0]).conditional(0, axis=2)


def test_core_rejects_bad_input_without_panicking():
    # the private engine validates too: a bypass of the Python checks gets a
    # ValueError, never a panic
    from infoflux import _core

    with pytest.raises(ValueError, match=r"negative|>= 0"):
        _core.mec_greedy(marginals=[np.array([0.5, -0.5, 1.0]), np.array([1.0])], with_bounds=True)
    with pytest.raises(ValueError, match="empty"):
        _core.mec_bounds(marginals=[np.array([]), np.array([1.0])])
    with pytest.raises(ValueError, match="rate"):
        _core.mec_ebim(p_x=np.array([1.0]), rate_bits=-1.0)
    with pytest.raises(ValueError, match="at least 2"):
        _core.mec_greedy(marginals=[np.array([1.0])], with_bounds=True)
