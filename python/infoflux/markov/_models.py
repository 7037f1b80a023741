"""Closed-form chains: the models of Lai & Choi (2025), built sparse with their
stationary distribution in closed form (so no solve or iteration is needed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from infoflux._validation import check_int
from infoflux.markov._chain import MarkovChain
from infoflux.markov._csr import FloatArray, IntArray

# 2**26 states: the largest chains these builders make in memory (CSR arrays
# of a few GB).
_MAX_SPINS = 26
_MAX_STATES = 1 << 26


def _closed_form(
    sizes: Sequence[int], indptr: IntArray, indices: IntArray, data: FloatArray, pi: FloatArray, n_threads: int | None
) -> MarkovChain:
    return MarkovChain._from_csr(sizes, indptr, indices, data, pi, n_threads=n_threads, pi_method="closed form")


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
        Inverse temperature.
    h : float, default 1.0
        External field.
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
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d: must be a positive integer, got {d!r}")
    if d > _MAX_SPINS:
        raise ValueError(f"d: {d} spins give 2**{d} states; at most {_MAX_SPINS} are supported")
    for name, v in (("beta", beta), ("h", h)):
        if not isinstance(v, (int, float, np.floating, np.integer)) or not math.isfinite(v):
            raise ValueError(f"{name}: must be a finite number, got {v!r}")
    d = int(d)
    n = 1 << d
    idx = np.arange(d)
    J = 2.0 ** (-np.abs(idx[:, None] - idx[None, :]))
    x = np.arange(n, dtype=np.int64)
    shifts = (d - 1 - idx).astype(np.int64)
    spins = (((x[:, None] >> shifts[None, :]) & 1) * 2 - 1).astype(np.float64)  # (n, d)
    field = spins @ J  # includes the diagonal: sum_i J_ij x_i
    energy = -np.einsum("ij,ij->i", spins, field) - h * spins.sum(axis=1)
    # flipping j changes the ordered-pair sum by 4 x_j sum_{i != j} J_ij x_i
    off = field - spins  # J_jj = 1
    dH = 4.0 * spins * off + 2.0 * h * spins
    del field, off  # (n, d) arrays: free them before the next ones are made
    acc = np.exp(-beta * np.maximum(dH, 0.0)) / d
    del dH
    stay = np.maximum(1.0 - acc.sum(axis=1), 0.0)
    cols = np.empty((n, d + 1), dtype=np.int64)
    cols[:, :d] = x[:, None] ^ (np.int64(1) << shifts)[None, :]
    cols[:, d] = x
    vals = np.empty((n, d + 1))
    vals[:, :d] = acc
    vals[:, d] = stay
    del acc, spins
    logw = -beta * energy
    pi = np.exp(logw - logw.max())
    pi /= pi.sum()
    indptr = np.arange(0, n * (d + 1) + 1, d + 1, dtype=np.int64)
    return _closed_form((2,) * d, indptr, cols.ravel(), vals.ravel(), pi, n_threads)


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
    try:
        counts = [int(c) for c in l]
    except TypeError:
        raise TypeError(f"l: expected a sequence of ball counts, got {l!r}") from None
    if len(counts) < 2 or any(c < 1 for c in counts):
        raise ValueError(f"l: need at least two colours with >= 1 ball each, got {counts}")
    L = sum(counts)
    N = check_int(N, "N", low=1)
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
    return _closed_form(sizes, indptr, np.concatenate(cols)[order], np.concatenate(vals)[order], pi, n_threads)
