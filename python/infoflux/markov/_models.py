"""Closed-form chains: the models of Lai & Choi (2025), built sparse with their
stationary distribution in closed form (so no solve or iteration is needed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from infoflux._validation import check_int, check_real, check_threads
from infoflux.markov._chain import MarkovChain, pi_tolerance, row_tolerance
from infoflux.markov._csr import FloatArray, IntArray

# 2**26 states: the largest chains these builders make in memory (CSR arrays
# of a few GB).
_MAX_SPINS = 26
_MAX_STATES = 1 << 26
_EPS = float(np.finfo(np.float64).eps)


def _closed_form(
    sizes: Sequence[int],
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    pi: FloatArray,
    n_threads: int | None,
    *,
    log_scale: float,
    max_len: int,
    args: str,
) -> MarkovChain:
    """The chain of a closed-form model, its stationarity checked to a
    tolerance that bounds the model's own rounding.

    pi (and Curie-Weiss's acceptance probabilities) are exponentials of sums
    of terms whose magnitudes add up to at most ``log_scale``; each such sum
    is exact to a few ulp of that magnitude, so every entry of pi and of P
    carries a relative error of at most about 2 eps log_scale (eps the
    float64 machine epsilon: the absolute error of an exponent is the
    relative error of its exponential; Bernoulli-Laplace's P is a ratio of
    integers, exact to an ulp). Then ||pi P - pi||_1 <= 2 (relative error of pi) +
    (relative error of P) plus the rounding of the products and sums
    (:func:`pi_tolerance`); four times the first part is the tolerance, never
    below the generic one. It grows with the problem: about 8e-7 for
    ``bernoulli_laplace([10**6, 10**6], 10**6)``, where the log-binomials reach 1e7.

    The core's complaints about the chain it was given name P or pi, which a
    caller of a model never passed: they are re-raised naming the model's
    arguments ``args``.
    """
    # both models have a symmetric support, so max_len is the longest row and column
    pi_tol = max(pi_tolerance(max_len), 24.0 * _EPS * (1.0 + log_scale))
    try:
        return MarkovChain._from_csr(
            sizes,
            indptr,
            indices,
            data,
            pi,
            row_tol=row_tolerance(max_len),
            pi_tol=pi_tol,
            n_threads=n_threads,
            pi_method="closed form",
        )
    except ValueError as e:
        raise ValueError(f"{args}: the model's chain is not valid: {e}") from None


def curie_weiss(d: int, beta: float = 0.1, h: float = 1.0, *, n_threads: int | None = None) -> MarkovChain:
    r"""Random-scan Metropolis chain of a Curie-Weiss-type spin model (sparse).

    Spins x_i in {-1, +1} (digit 0 is -1), Hamiltonian

    .. math:: H(x) = -\sum_{i,j} 2^{-|i-j|} x_i x_j - h \sum_i x_i

    over ordered pairs including i = j, target pi(x) ∝ exp(-beta H(x))
    (closed form, passed to the chain), and single-spin-flip proposals with
    a uniformly chosen coordinate: P(x, x^(j)) = (1/d) exp(-beta (ΔH)_+),
    the rest of the mass on x. 2^d states, d + 1 transitions per state.
    The model of Lai & Choi (2025), Section 7; it is symmetric under
    i <-> d-1-i. Entropies of the chain are in nats.

    Parameters
    ----------
    d : int
        Number of spins, 1 <= d <= 26.
    beta : float, default 0.1
        Inverse temperature, finite and >= 0 (the acceptance rule is
        Metropolis only for beta >= 0).
    h : float, default 1.0
        External field, finite.
    n_threads : int, optional
        Threads for the core (None: all cores). Results do not depend on it.

    References
    ----------
    Z. Lai, M. C. H. Choi, "Information-theoretic subset selection of
    multivariate Markov chains via submodular optimization",
    arXiv:2503.23340 (2025).

    Examples
    --------
    >>> from infoflux.markov import curie_weiss
    >>> chain = curie_weiss(10, beta=0.1, h=1.0)
    >>> round(chain.entropy_rate([0]), 6)
    0.290851
    """
    d = check_int(d, "d", low=1)
    if d > _MAX_SPINS:
        raise ValueError(f"d: {d} spins give 2**{d} states; at most {_MAX_SPINS} are supported (1 <= d <= 26)")
    # the rule exp(-beta (dH)_+) is the Metropolis acceptance only for beta >= 0
    beta = check_real(beta, "beta", low=0.0)
    h = check_real(h, "h")
    n_threads = check_threads(n_threads)
    n = 1 << d
    idx = np.arange(d)
    J = 2.0 ** (-np.abs(idx[:, None] - idx[None, :]))
    x = np.arange(n, dtype=np.int64)
    shifts = (d - 1 - idx).astype(np.int64)
    spins = (((x[:, None] >> shifts[None, :]) & 1) * 2 - 1).astype(np.float64)  # (n, d)
    field = spins @ J  # includes the diagonal: sum_i J_ij x_i
    with np.errstate(over="ignore", invalid="ignore"):
        energy = -np.einsum("ij,ij->i", spins, field) - h * spins.sum(axis=1)
        # flipping j changes the ordered-pair sum by 4 x_j sum_{i != j} J_ij x_i
        off = field - spins  # J_jj = 1
        dH = 4.0 * spins * off + 2.0 * h * spins
    del field, off  # (n, d) arrays: free them before the next ones are made
    if not (np.all(np.isfinite(energy)) and np.all(np.isfinite(dH))):
        raise ValueError(f"h: |h| = {abs(h):g} makes the energies of {d} spins overflow float64")
    with np.errstate(over="ignore"):
        # beta (dH)_+ may overflow to inf: exp(-inf) = 0 is the limit
        acc = np.exp(-beta * np.maximum(dH, 0.0)) / d
        log_scale = float(np.max(beta * np.abs(dH)))
    del dH
    stay = np.maximum(1.0 - acc.sum(axis=1), 0.0)
    cols = np.empty((n, d + 1), dtype=np.int64)
    cols[:, :d] = x[:, None] ^ (np.int64(1) << shifts)[None, :]
    cols[:, d] = x
    vals = np.empty((n, d + 1))
    vals[:, :d] = acc
    vals[:, d] = stay
    del acc, spins
    with np.errstate(over="ignore"):
        logw = -beta * energy
    if np.all(np.isfinite(logw)):
        pi = np.exp(logw - logw.max())
    else:
        # beta H overflows: shift the energies first (every exponent <= 0,
        # the ground states at 0), so that exp underflows instead
        with np.errstate(over="ignore"):
            logw = -beta * (energy - energy.min())
        pi = np.exp(logw)
    pi /= pi.sum()
    # the exponents themselves, and the rounding of the energies' terms times beta
    log_scale += float(np.max(np.abs(logw))) + beta * (float(J.sum()) + abs(h) * d)
    if not math.isfinite(log_scale):
        log_scale = float(np.finfo(np.float64).max)
    indptr = np.arange(0, n * (d + 1) + 1, d + 1, dtype=np.int64)
    return _closed_form(
        (2,) * d,
        indptr,
        cols.ravel(),
        vals.ravel(),
        pi,
        n_threads,
        log_scale=log_scale,
        max_len=d + 1,
        args="beta, h",
    )


def _log_comb(n: int, k: int) -> float:
    """ln C(n, k) through lgamma (exact binomials overflow floats for large n)."""
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def bernoulli_laplace(l: Sequence[int], N: int, *, n_threads: int | None = None) -> MarkovChain:
    r"""Multivariate Bernoulli-Laplace level model (Khare & Zhou 2009), sparse.

    Balls of k colours, l_c of colour c, are split between two urns, N balls
    in urn 1 and L - N in urn 2 (L = sum l). Each step swaps one ball chosen
    uniformly from urn 1 with one chosen uniformly from urn 2. The state is
    the number of balls of colours 0..k-2 in urn 1 (the last colour's count
    is N minus their sum), so coordinate c has size min(l_c, N) + 1. The
    chain is reversible with the multivariate hypergeometric law

    .. math:: \pi(x) = \prod_c \binom{l_c}{x_c} \Big/ \binom{L}{N}

    (closed form). Entropies of the chain are in nats.

    Every point of the product space must be a configuration, i.e.
    sum_{c<k-1} min(l_c, N) <= N <= l_{k-1}; otherwise ValueError.

    Parameters
    ----------
    l : sequence of int
        Balls per colour, k >= 2 colours.
    N : int
        Balls in urn 1 (1 <= N < sum(l)).
    n_threads : int, optional
        Threads for the core (None: all cores). Results do not depend on it.

    References
    ----------
    K. Khare, H. Zhou, "Rates of convergence of some multivariate Markov
    chains with polynomial eigenfunctions", Ann. Appl. Probab. 19, 737-777
    (2009); Z. Lai, M. C. H. Choi, arXiv:2503.23340 (2025).

    Examples
    --------
    With ten colours of one ball and one colour of ten, ``N = 10`` gives ten
    binary, exchangeable coordinates:

    >>> from infoflux.markov import bernoulli_laplace
    >>> chain = bernoulli_laplace((1,) * 10 + (10,), 10)
    >>> round(chain.entropy_rate([3]), 8)
    0.32508297
    """
    if isinstance(l, (str, bytes)):
        raise TypeError(f"l: expected a sequence of ball counts, got {l!r}")
    try:
        items = list(l)
    except TypeError:
        raise TypeError(f"l: expected a sequence of ball counts, got {l!r}") from None
    counts = [check_int(c, f"l[{i}]", low=1) for i, c in enumerate(items)]
    if len(counts) < 2:
        raise ValueError(f"l: need at least two colours with >= 1 ball each, got {counts}")
    L = sum(counts)
    N = check_int(N, "N", low=1)
    n_threads = check_threads(n_threads)
    if not 1 <= N < L:
        raise ValueError(f"N: must satisfy 1 <= N < sum(l) = {L}, got {N}")
    k = len(counts)
    sizes = tuple(min(c, N) + 1 for c in counts[:-1])
    if sum(s - 1 for s in sizes) > N or N > counts[-1]:
        raise ValueError(
            "l, N: not every point of the product space is an urn configuration; need "
            f"sum(min(l_c, N) for c < k-1) = {sum(s - 1 for s in sizes)} <= N = {N} <= l[-1] = {counts[-1]}"
        )
    n = math.prod(sizes)
    if n > _MAX_STATES:
        raise ValueError(f"l, N: {n} states is too many")
    M = L - N
    x = np.array(np.unravel_index(np.arange(n), sizes)).T.astype(np.int64)  # (n, k-1)
    a = np.empty((n, k), dtype=np.int64)
    a[:, :-1] = x
    a[:, -1] = N - x.sum(axis=1)
    b = np.asarray(counts, dtype=np.int64)[None, :] - a
    strides = np.array([math.prod(sizes[c + 1 :]) for c in range(k - 1)] + [0], dtype=np.int64)
    state = np.arange(n, dtype=np.int64)
    rows, cols, vals = [], [], []
    stay = (a * b).sum(axis=1) / (N * M)
    rows.append(state)
    cols.append(state)
    vals.append(stay)
    for u in range(k):
        for v in range(k):
            if u == v:
                continue
            p = a[:, u] * b[:, v] / (N * M)
            ok = p > 0
            rows.append(state[ok])
            cols.append(state[ok] - strides[u] + strides[v])
            vals.append(p[ok])
    rows_a = np.concatenate(rows)
    order = np.argsort(rows_a, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows_a, minlength=n), out=indptr[1:])
    lc = np.zeros(n)
    for c in range(k):
        lc += np.array([_log_comb(counts[c], t) for t in range(counts[c] + 1)])[a[:, c]]
    pi = np.exp(lc - _log_comb(L, N))
    pi /= pi.sum()
    # every ln C(a, b) above is a sum of three lgamma values of at most
    # lgamma(a + 1), the largest a being l_c per colour and L overall
    log_scale = 3.0 * (sum(math.lgamma(c + 1) for c in counts) + math.lgamma(L + 1))
    return _closed_form(
        sizes,
        indptr,
        np.concatenate(cols)[order],
        np.concatenate(vals)[order],
        pi,
        n_threads,
        log_scale=log_scale,
        max_len=k * (k - 1) + 1,
        args="l, N",
    )
