"""Markov-chain subset selection (Lai & Choi, arXiv:2503.23340).

References in this file are written independently of the library: explicit
dense aggregation matrices, coordinate-aligned products built by
broadcasting over ``numpy.unravel_index`` digits, and KL rates summed
directly.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp

import infoflux
from infoflux.markov import MarkovChain, bernoulli_laplace, curie_weiss, kl_rate, select

# --- independent reference ----------------------------------------------------------


def digits(sizes):
    n = math.prod(sizes)
    return np.array(np.unravel_index(np.arange(n), sizes))  # (d, n)


def code(sizes, S):
    dg = digits(sizes)
    if len(S) == 0:
        return np.zeros(dg.shape[1], dtype=int), 1
    sub = [sizes[i] for i in S]
    return np.ravel_multi_index(dg[list(S)], sub), math.prod(sub)


def ref_projection(P, pi, sizes, S):
    c, k = code(sizes, sorted(S))
    R = np.zeros((len(pi), k))
    R[np.arange(len(pi)), c] = 1.0
    piS = R.T @ pi
    F = R.T @ (pi[:, None] * P) @ R
    return F / piS[:, None], piS


def ref_entropy_rate(P, pi):
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(P > 0, P * np.log(P), 0.0)
    return -float(pi @ t.sum(axis=1))


def ref_kl(P, L, pi):
    mask = P > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(mask, P * np.log(P / L), 0.0)
    return float(pi @ t.sum(axis=1))


def aligned_product(sizes, blocks, mats):
    """L(x, y) = prod_k M_k(x^{B_k}, y^{B_k}), states in C order of `sizes`."""
    n = math.prod(sizes)
    L = np.ones((n, n))
    for B, M in zip(blocks, mats):
        c, _ = code(sizes, sorted(B))
        L *= M[c[:, None], c[None, :]]
    return L


def ref_stationary(P):
    n = P.shape[0]
    a = np.vstack([P.T - np.eye(n), np.ones((1, n))])
    b = np.zeros(n + 1)
    b[-1] = 1
    return np.linalg.lstsq(a, b, rcond=None)[0]


def random_chain(sizes, seed, density=0.5):
    rng = np.random.default_rng(seed)
    n = math.prod(sizes)
    P = rng.random((n, n)) * (rng.random((n, n)) < density)
    P[np.arange(n), (np.arange(n) + 1) % n] += 0.1  # a cycle: irreducible
    return P / P.sum(axis=1, keepdims=True)


def product_form_chain(sizes, seed, mix=1.0):
    """Metropolis chain with a product-form target and a random symmetric
    proposal that moves several coordinates at once, mixed with Pi."""
    rng = np.random.default_rng(seed)
    n = math.prod(sizes)
    pi = np.ones(1)
    for s in sizes:
        pi = np.kron(pi, rng.dirichlet(np.ones(s) * 2))
    Q = rng.random((n, n)) * (rng.random((n, n)) < 0.6)
    Q = (Q + Q.T) / 2
    np.fill_diagonal(Q, 0)
    Q /= Q.sum(axis=1).max() * 1.01
    P = Q * np.minimum(1.0, pi[None, :] / pi[:, None])
    P[np.arange(n), np.arange(n)] = 1 - P.sum(axis=1)
    P = mix * P + (1 - mix) * np.tile(pi, (n, 1))
    return P, pi


def subsets(d):
    for k in range(d + 1):
        yield from itertools.combinations(range(d), k)


# --- the paper's numbers ----------------------------------------------------------------

CW_SINGLE = [0.290851, 0.283623, 0.280901, 0.279823, 0.279410, 0.279410, 0.279823, 0.280901, 0.283623, 0.290851]
CW_GREEDY = [
    0.2908510,
    0.5737141,
    0.8393313,
    1.0957022,
    1.3395304,
    1.5709755,
    1.7875713,
    1.9850049,
    2.1579270,
    2.2910917,
]


@pytest.fixture(scope="module")
def cw10():
    return curie_weiss(10, beta=0.1, h=1.0)


def test_curie_weiss_entropy_rates(cw10):
    assert cw10.entropy_rate() == pytest.approx(2.29109165382, abs=5e-12)
    single = [cw10.entropy_rate([i]) for i in range(10)]
    np.testing.assert_allclose(single, CW_SINGLE, atol=5e-7)
    assert cw10.stationary_residual < 1e-14
    assert cw10.stationary_method == "closed form"


def test_curie_weiss_matches_explicit_construction(cw10):
    # rebuild the Metropolis matrix from the definition, state by state
    d, beta, h = 10, 0.1, 1.0
    sizes = (2,) * d
    dg = digits(sizes).T * 2 - 1  # spins, digit 0 -> -1
    J = np.array([[2.0 ** -abs(i - j) for j in range(d)] for i in range(d)])
    H = -np.einsum("xi,ij,xj->x", dg, J, dg) - h * dg.sum(axis=1)
    n = 2**d
    P = np.zeros((n, n))
    for x in range(n):
        for j in range(d):
            y = x ^ (1 << (d - 1 - j))
            P[x, y] = np.exp(-beta * max(H[y] - H[x], 0.0)) / d
        P[x, x] = 1 - P[x].sum()
    np.testing.assert_allclose(cw10.matrix(dense=True), P, atol=1e-15)
    pi = np.exp(-beta * H)
    np.testing.assert_allclose(cw10.pi, pi / pi.sum(), rtol=1e-12)
    assert cw10.entropy_rate() == pytest.approx(ref_entropy_rate(P, pi / pi.sum()), abs=1e-12)


def test_curie_weiss_greedy_and_exhaustive(cw10):
    res = select(cw10, "entropy_rate", 10)
    np.testing.assert_allclose(res.values, CW_GREEDY, atol=5e-8)
    assert len(res.selected) == 10 and len(set(res.selected)) == 10
    assert res.evaluations == 1 + sum(range(1, 11))
    for m, opt in ((6, 1.5712151), (8, 1.9853513)):
        ex = select(cw10, "entropy_rate", m, method="exhaustive")
        assert ex.value == pytest.approx(opt, abs=5e-8)
        assert ex.value > res.values[m - 1] + 1e-4
        assert ex.evaluations == math.comb(10, m)
        assert cw10.entropy_rate(ex.selected) == pytest.approx(ex.value, abs=1e-14)


def test_curie_weiss_mirror_symmetry(cw10):
    rng = np.random.default_rng(0)
    for _ in range(10):
        S = sorted(rng.choice(10, size=rng.integers(1, 10), replace=False).tolist())
        mirror = sorted(9 - i for i in S)
        assert cw10.entropy_rate(S) == pytest.approx(cw10.entropy_rate(mirror), abs=1e-12)
        assert cw10.factorizability(S) == pytest.approx(cw10.factorizability(mirror), abs=1e-12)


def test_bernoulli_laplace_exchangeable():
    bl = bernoulli_laplace((1,) * 10 + (10,), 10)
    assert bl.sizes == (2,) * 10
    assert bl.stationary_residual < 1e-14
    P, pi = bl.matrix(dense=True), bl.pi
    # reversible, hence pi-stationary, and a one-swap chain
    F = pi[:, None] * P
    np.testing.assert_allclose(F, F.T, atol=1e-16)
    by_size: dict[int, list[float]] = {}
    sets = list(subsets(10))[1:]
    vals = [bl.entropy_rate(S) for S in sets]
    for S, v in zip(sets, vals):
        by_size.setdefault(len(S), []).append(v)
    for k, vs in by_size.items():
        assert max(vs) - min(vs) < 1e-12, k
    assert by_size[1][0] == pytest.approx(0.32508297, abs=5e-9)
    assert by_size[10][0] == pytest.approx(2.96866244, abs=5e-9)
    # pi is the multivariate hypergeometric law
    x = digits(bl.sizes).sum(axis=0)
    want = np.array([math.comb(10, 10 - int(s)) for s in x], dtype=float) / math.comb(20, 10)
    np.testing.assert_allclose(pi, want, rtol=1e-12)


def test_bernoulli_laplace_general_levels():
    bl = bernoulli_laplace((2, 1, 4), 3)
    assert bl.sizes == (3, 2)
    P = bl.matrix(dense=True)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-15)
    np.testing.assert_allclose(bl.pi @ P, bl.pi, atol=1e-15)
    with pytest.raises(ValueError, match="configuration"):
        bernoulli_laplace((3, 3, 2), 4)


# --- identities against explicit matrices ---------------------------------------------

SHAPES = [(2, 3, 2), (3, 2, 2), (2, 2, 2, 2)]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("sizes", SHAPES)
def test_identities_against_explicit_matrices(sizes, seed):
    P = random_chain(sizes, seed)
    chain = MarkovChain(P if seed % 2 else sp.csr_array(P), sizes)
    pi = ref_stationary(P)
    np.testing.assert_allclose(chain.pi, pi, atol=1e-13)
    d = len(sizes)
    full = tuple(range(d))
    assert chain.entropy_rate() == pytest.approx(ref_entropy_rate(P, pi), abs=1e-12)
    for S in list(subsets(d))[1:]:
        comp = tuple(i for i in full if i not in S)
        PS, piS = ref_projection(P, pi, sizes, S)
        # projection and its entropy rate
        np.testing.assert_allclose(chain.projection(S, dense=True), PS, atol=1e-13)
        np.testing.assert_allclose(chain.projection(S).toarray(), PS, atol=1e-13)
        np.testing.assert_allclose(chain.stationary_marginal(S), piS, atol=1e-15)
        assert chain.entropy_rate(S) == pytest.approx(ref_entropy_rate(PS, piS), abs=1e-12)
        # P^(S) is pi^(S)-stationary
        np.testing.assert_allclose(piS @ PS, piS, atol=1e-13)
        # stationarity: D(P^(S) || Pi^(S))
        Pi = np.tile(piS, (len(piS), 1))
        assert chain.stationarity(S) == pytest.approx(ref_kl(PS, Pi, piS), abs=1e-12)
        # independence: D(P^(S) || product of one-coordinate chains), aligned in S's space
        sub = tuple(sizes[i] for i in S)
        mats = [ref_projection(P, pi, sizes, (i,))[0] for i in S]
        L = aligned_product(sub, [(t,) for t in range(len(S))], mats)
        assert chain.independence(S) == pytest.approx(ref_kl(PS, L, piS), abs=1e-12)
        if comp:
            # factorizability: D(P || P^(S) (x) P^(-S)), coordinate-aligned
            L = aligned_product(sizes, [S, comp], [PS, ref_projection(P, pi, sizes, comp)[0]])
            want = ref_kl(P, L, pi)
            assert chain.factorizability(S) == pytest.approx(want, abs=1e-12)
            assert kl_rate(chain, L) == pytest.approx(want, abs=1e-12)
            assert kl_rate(P, sp.csr_array(L)) == pytest.approx(want, abs=1e-12)
            # with a fixed W: D(P^(W u S) || P^(W) (x) P^(S))
            for W in itertools.chain.from_iterable(itertools.combinations(comp, k) for k in range(1, len(comp) + 1)):
                U = tuple(sorted(W + S))
                PU, piU = ref_projection(P, pi, sizes, U)
                pos = {c: t for t, c in enumerate(U)}
                subU = tuple(sizes[i] for i in U)
                L = aligned_product(
                    subU, [[pos[i] for i in W], [pos[i] for i in S]], [ref_projection(P, pi, sizes, W)[0], PS]
                )
                assert chain.factorizability(S, W=W) == pytest.approx(ref_kl(PU, L, piU), abs=1e-12)
        # (P^(S))^(T) = P^(T) for T within S
        inner = MarkovChain(PS, sub)
        for T in list(subsets(len(S)))[1:]:
            outer = tuple(S[t] for t in T)
            np.testing.assert_allclose(inner.projection(T, dense=True), chain.projection(outer, dense=True), atol=1e-12)


def test_prefix_kronecker_is_only_right_for_prefixes():
    # the naive np.kron(P^(S), P^(-S)) is coordinate-aligned only for a prefix S
    sizes = (2, 3, 2)
    P = random_chain(sizes, 11)
    chain = MarkovChain(P, sizes)
    pi = chain.pi
    for S, prefix in (((0,), True), ((1,), False), ((0, 2), False)):
        comp = tuple(i for i in range(3) if i not in S)
        PS, PC = ref_projection(P, pi, sizes, S)[0], ref_projection(P, pi, sizes, comp)[0]
        naive = ref_kl(P, np.kron(PS, PC), pi)
        if prefix:
            assert naive == pytest.approx(chain.factorizability(S), abs=1e-12)
        else:
            assert abs(naive - chain.factorizability(S)) > 1e-3


def test_kl_rate_edge_cases():
    P = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    assert kl_rate(P, P) == 0.0
    L = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    assert kl_rate(P, L) == math.inf
    with pytest.raises(ValueError, match="L"):
        kl_rate(P, np.eye(2))
    with pytest.raises(ValueError, match="L"):
        kl_rate(P, -np.eye(3))


# --- structure: submodularity and supermodularity ---------------------------------------


def check_submodular(f, d, tol=1e-12):
    vals = {S: f(S) for S in subsets(d)}
    for A in vals:
        for B in vals:
            if set(A) <= set(B):
                for e in range(d):
                    if e not in B:
                        ga = vals[tuple(sorted((*A, e)))] - vals[A]
                        gb = vals[tuple(sorted((*B, e)))] - vals[B]
                        assert ga >= gb - tol, (A, B, e, ga, gb)
    return vals


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("sizes", [(2, 2, 2, 2), (3, 2, 2)])
def test_product_form_structure(sizes, seed):
    P, pi = product_form_chain(sizes, seed)
    chain = MarkovChain(P, sizes, pi=pi)
    d = len(sizes)
    check_submodular(chain.entropy_rate, d)
    check_submodular(lambda S: chain.factorizability(S) if S else 0.0, d)
    ind = check_submodular(lambda S: -chain.independence(S), d)  # -I submodular <=> I supermodular
    for A in ind:
        for e in range(d):
            if e not in A:
                assert -ind[tuple(sorted((*A, e)))] >= -ind[A] - 1e-12  # I monotone


def test_structure_is_not_free():
    # Without product-form pi the entropy rate need not be submodular, so the
    # check above can fail: a sparse random chain (found by search) where the
    # gain of coordinate 2 grows from S = {1} to S = {0, 1}.
    rng = np.random.default_rng(23)
    P = (rng.random((8, 8)) < 0.25) * 1.0 + 1e-3
    P /= P.sum(axis=1, keepdims=True)
    chain = MarkovChain(P, (2, 2, 2))
    with pytest.raises(AssertionError):
        check_submodular(chain.entropy_rate, 3)
    gain_small = chain.entropy_rate([1, 2]) - chain.entropy_rate([1])
    gain_large = chain.entropy_rate([0, 1, 2]) - chain.entropy_rate([0, 1])
    assert gain_large > gain_small + 0.05


@pytest.mark.parametrize("seed", range(4))
def test_greedy_guarantee_monotone_submodular(seed):
    sizes = (2, 2, 2, 2, 2)
    P, pi = product_form_chain(sizes, seed, mix=0.4)
    chain = MarkovChain(P, sizes, pi=pi)
    d = len(sizes)
    vals = check_submodular(chain.entropy_rate, d)
    for A in vals:  # monotone here (close to i.i.d. sampling from pi)
        for e in range(d):
            if e not in A:
                assert vals[tuple(sorted((*A, e)))] >= vals[A] - 1e-12
    for m in range(1, d + 1):
        g = select(chain, "entropy_rate", m)
        opt = select(chain, "entropy_rate", m, method="exhaustive")
        assert g.value >= (1 - 1 / math.e) * opt.value - 1e-12
        assert opt.value >= g.value - 1e-12
        lazy = select(chain, "entropy_rate", m, lazy=True)
        assert lazy.value == pytest.approx(g.value, abs=1e-12)
        assert lazy.evaluations <= g.evaluations
        batch1 = select(chain, "entropy_rate", m, method="batch_greedy", batch_sizes=1)
        assert batch1.selected == g.selected


@pytest.mark.parametrize("seed", range(4))
def test_distorted_greedy_guarantee(seed):
    # f = factorizability is submodular (product-form pi) and f(U) = 0, so the
    # cost c(e) = f(U \ e) - f(U) >= 0 and g = f + c is monotone submodular:
    # Harshaw et al. give f(S) >= (1 - 1/e) g(OPT) - c(OPT).
    sizes = (2, 2, 2, 2, 2)
    P, pi = product_form_chain(sizes, 100 + seed)
    chain = MarkovChain(P, sizes, pi=pi)
    U = tuple(range(5))
    c = {e: chain.factorizability(tuple(i for i in U if i != e)) for e in U}
    assert min(c.values()) >= 0
    for m in (1, 2, 3):
        res = select(chain, "factorizability", m, method="distorted_greedy")
        assert res.info["cost"] == pytest.approx(c, abs=1e-12)
        assert len(res.selected) <= m
        best = -math.inf
        for k in range(m + 1):
            for S in itertools.combinations(U, k):
                f = chain.factorizability(S) if S else 0.0
                best = max(best, (1 - 1 / math.e) * (f + sum(c[e] for e in S)) - sum(c[e] for e in S))
        assert res.value >= best - 1e-12
        # a user-supplied modular cost is used as given
        zero = select(chain, "factorizability", m, method="distorted_greedy", cost=np.zeros(5), exact=True)
        assert len(zero.selected) == m


def test_partition_objectives_and_generalized_distorted_greedy():
    sizes = (2, 3, 2, 2)
    P = random_chain(sizes, 5)
    chain = MarkovChain(P, sizes)
    pi = chain.pi
    V = [(0, 1), (2, 3)]
    for S in [(0, 2), (1, 2, 3), (0, 1, 3)]:
        blocks = [tuple(i for i in S if i in b) for b in V]
        PS, piS = ref_projection(P, pi, sizes, S)
        pos = {c: t for t, c in enumerate(S)}
        sub = tuple(sizes[i] for i in S)
        nonempty = [b for b in blocks if b]
        L = aligned_product(
            sub, [[pos[i] for i in b] for b in nonempty], [ref_projection(P, pi, sizes, b)[0] for b in nonempty]
        )
        val = chain.objective("factorizability", S, partition=V)
        assert val == pytest.approx(ref_kl(PS, L, piS), abs=1e-12)
        er = chain.objective("entropy_rate", S, partition=V)
        assert er == pytest.approx(sum(chain.entropy_rate(b) if b else 0.0 for b in blocks), abs=1e-14)
    res = select(chain, "factorizability", 3, method="generalized_distorted_greedy", partition=V, exact=True)
    assert len(res.selected) == 3
    assert res.blocks == tuple(tuple(sorted(i for i in res.selected if i in b)) for b in V)
    assert res.value == pytest.approx(chain.objective("factorizability", res.selected, partition=V), abs=1e-14)
    with pytest.raises(ValueError, match="disjoint"):
        select(chain, "factorizability", 2, method="generalized_distorted_greedy", partition=[(0, 1), (1, 2)])
    with pytest.raises(ValueError, match="partition"):
        select(chain, "factorizability", 2, method="generalized_distorted_greedy")


def test_complement_and_minimisation(cw10):
    for S in [(0,), (2, 5), (1, 3, 8)]:
        comp = tuple(i for i in range(10) if i not in S)
        for name in ("entropy_rate", "independence", "stationarity", "factorizability"):
            assert cw10.objective(name, S, complement=True) == pytest.approx(cw10.objective(name, comp), abs=1e-14)
    lo = select(cw10, "entropy_rate", 2, method="exhaustive", maximize=False)
    vals = [cw10.entropy_rate(S) for S in itertools.combinations(range(10), 2)]
    assert lo.value == pytest.approx(min(vals), abs=1e-14)
    comp = select(cw10, "entropy_rate", 2, complement=True)
    assert comp.value == pytest.approx(cw10.entropy_rate([i for i in range(10) if i not in comp.selected]), abs=1e-14)


def test_greedy_stopping_and_batches(cw10):
    # distance to stationarity is not monotone on Curie-Weiss at beta = 0.1? whatever the
    # shape, exact=False must stop exactly when no gain is positive
    res = select(cw10, "factorizability", 9, exact=False)
    vals = np.concatenate([[0.0], res.values])
    assert np.all(np.diff(vals) > 0)
    if len(res.selected) < 9:
        rest = [j for j in range(10) if j not in res.selected]
        cur = res.values[-1]
        assert all(cw10.factorizability(sorted((*res.selected, j))) <= cur for j in rest)
    b = select(cw10, "entropy_rate", 5, method="batch_greedy", batch_sizes=[2, 3])
    assert [len(s) for s in b.steps] == [2, 3] and len(b.values) == 2
    single = [cw10.entropy_rate([i]) for i in range(10)]
    top2 = sorted(range(10), key=lambda i: (-single[i], i))[:2]
    assert set(b.steps[0]) == set(top2)
    with pytest.raises(ValueError, match="batch_sizes"):
        select(cw10, "entropy_rate", 5, method="batch_greedy", batch_sizes=[2, 2])


# --- implementation paths ----------------------------------------------------------------


def test_refiner_path_matches_fresh_evaluation():
    chain = curie_weiss(15)  # 524,288 transitions: greedy uses the partition refiner
    res = select(chain, "entropy_rate", 4)
    chain.release()
    for S, v in zip(res.sets, res.values):
        assert chain.entropy_rate(S) == pytest.approx(v, abs=1e-12)
    fresh = {j: chain.entropy_rate((j,)) for j in range(15)}
    assert res.values[0] == pytest.approx(max(fresh.values()), abs=1e-12)
    assert res.evaluations == 1 + 15 + 14 + 13 + 12


def test_power_iteration_and_sparse_input():
    ref = curie_weiss(12)  # 4096 states: above the dense-solve size
    P = ref.matrix()
    chain = MarkovChain(P, (2,) * 12)
    assert chain.stationary_method == "power iteration"
    np.testing.assert_allclose(chain.pi, ref.pi, atol=1e-12)
    assert chain.stationary_residual < 1e-12
    assert chain.entropy_rate([0, 5]) == pytest.approx(ref.entropy_rate([0, 5]), abs=1e-11)


def test_threads_do_not_change_results():
    P = curie_weiss(12).matrix()
    a = MarkovChain(P, (2,) * 12, pi=curie_weiss(12).pi, n_threads=1)
    b = MarkovChain(P, (2,) * 12, pi=curie_weiss(12).pi, n_threads=2)
    for S in [(0,), (1, 4, 7), tuple(range(11)), tuple(range(12))]:
        assert a.entropy_rate(S) == b.entropy_rate(S)
        assert a.factorizability(S) == b.factorizability(S)
    assert select(a, "entropy_rate", 4).values.tolist() == select(b, "entropy_rate", 4).values.tolist()


def test_batch_evaluate_matches_single_calls(cw10):
    sets = [S for k in (1, 2, 3) for S in itertools.combinations(range(10), k)]
    fresh = curie_weiss(10)
    for name in ("entropy_rate", "factorizability", "independence", "stationarity"):
        got = fresh.evaluate(name, sets)
        want = [cw10.objective(name, S) for S in sets]
        np.testing.assert_allclose(got, want, atol=1e-14)
    with pytest.raises(ValueError, match="repeated"):
        fresh.evaluate("entropy_rate", [(0, 0)])


def test_docstring_examples():
    import doctest

    import infoflux.markov
    from infoflux.markov import _chain, _models, _objectives, _select

    res = [doctest.testmod(m) for m in (infoflux.markov, _chain, _models, _objectives, _select)]
    assert sum(r.attempted for r in res) > 10 and sum(r.failed for r in res) == 0


def test_custom_objective(cw10):
    calls = []

    def weighted(chain, S):
        calls.append(S)
        return chain.entropy_rate(S) - 0.05 * len(S) ** 2

    res = select(cw10, weighted, 10, exact=False)
    assert res.objective == "weighted"
    assert 0 < len(res.selected) < 10  # the quadratic penalty stops it early
    assert res.value == pytest.approx(weighted(cw10, tuple(sorted(res.selected))), abs=1e-14)
    assert len(calls) == res.evaluations + 1


def test_public_exports():
    for name in ("MarkovChain", "select", "kl_rate", "curie_weiss", "bernoulli_laplace", "Selection"):
        assert name in infoflux.__all__ and hasattr(infoflux, name)


# --- bad input ----------------------------------------------------------------------------


def test_bad_chains():
    P = random_chain((2, 2), 0)
    with pytest.raises(ValueError, match="sums to"):
        MarkovChain(P * 1.01, (2, 2))
    Q = P.copy()
    Q[0, 0] -= 0.2
    Q[0, 1] += 0.2
    Q[0, 0] = -0.05
    Q[0, 1] = 1 - Q[0, 2:].sum() + 0.05
    with pytest.raises(ValueError, match="negative"):
        MarkovChain(Q, (2, 2))
    with pytest.raises(ValueError, match="coordinate sizes"):
        MarkovChain(P, (2, 3))
    with pytest.raises(ValueError, match="square"):
        MarkovChain(P[:3], (2, 2))
    with pytest.raises(ValueError, match="closed communicating class"):
        MarkovChain(np.kron(np.eye(2), np.full((2, 2), 0.5)), (2, 2))
    with pytest.raises(ValueError, match="not stationary"):
        MarkovChain(P, (2, 2), pi=np.full(4, 0.25) + np.array([0.1, -0.1, 0, 0]))
    with pytest.raises(ValueError, match="pi"):
        MarkovChain(P, (2, 2), pi=np.full(3, 1 / 3))
    with pytest.raises(ValueError, match="non-finite"):
        MarkovChain(np.where(P > 0.3, np.nan, P), (2, 2))
    with pytest.raises(TypeError, match="sizes"):
        MarkovChain(P, 4)
    with pytest.raises(TypeError, match="P"):
        MarkovChain(np.array([["a", "b"], ["c", "d"]]), (2,))
    with pytest.raises(ValueError, match="sums to"):
        MarkovChain(sp.csr_array(P * 0.5), (2, 2))
    with pytest.raises(ValueError, match="square"):
        MarkovChain(sp.csr_array(P[:3]), (2, 2))
    with pytest.raises(TypeError, match="P"):
        MarkovChain(P.astype(complex), (2, 2))
    # duplicates and explicit zeros in sparse input are summed / dropped
    coo = sp.coo_array(P)
    dup = sp.coo_array(
        (
            np.concatenate([coo.data / 2, coo.data / 2, [0.0]]),
            (np.concatenate([coo.row, coo.row, [0]]), np.concatenate([coo.col, coo.col, [1]])),
        ),
        shape=P.shape,
    )
    assert MarkovChain(dup, (2, 2)).entropy_rate() == pytest.approx(MarkovChain(P, (2, 2)).entropy_rate(), abs=1e-14)


def test_bad_sets_and_selection(cw10):
    with pytest.raises(ValueError, match="repeated"):
        cw10.entropy_rate([1, 1])
    with pytest.raises(ValueError, match="out of range"):
        cw10.entropy_rate([10])
    with pytest.raises(ValueError, match="out of range"):
        cw10.projection([-1])
    with pytest.raises(TypeError, match="S"):
        cw10.entropy_rate([0.5])
    with pytest.raises(ValueError, match="disjoint"):
        cw10.factorizability([0, 1], W=[1, 2])
    with pytest.raises(ValueError, match="m"):
        select(cw10, "entropy_rate", 11)
    with pytest.raises(ValueError, match="m"):
        select(cw10, "entropy_rate", 0)
    with pytest.raises(ValueError, match="m"):
        select(cw10, "factorizability", 9, W=[0, 1])
    with pytest.raises(ValueError, match="method"):
        select(cw10, "entropy_rate", 2, method="annealing")
    with pytest.raises(ValueError, match="objective"):
        select(cw10, "entropy", 2)
    with pytest.raises(TypeError, match="chain"):
        select(np.eye(2), "entropy_rate", 1)
    with pytest.raises(ValueError, match="cost"):
        select(cw10, "entropy_rate", 2, method="distorted_greedy", cost=np.zeros(3))
    with pytest.raises(ValueError, match="lazy"):
        select(cw10, "entropy_rate", 2, method="exhaustive", lazy=True)
    with pytest.raises(ValueError, match="d"):
        curie_weiss(0)
    with pytest.raises(ValueError, match="N"):
        bernoulli_laplace((1, 1), 2)
