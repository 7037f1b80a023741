"""Information-theoretic subset selection of multivariate Markov chains.

A chain on a product space X = X_0 x ... x X_{d-1} (states in C order:
coordinate 0 most significant, as :func:`numpy.ravel_multi_index`) is projected
onto a subset S of its coordinates, and S is chosen under a cardinality
constraint by greedy-type algorithms, following

    Z. Lai and M. C. H. Choi, "Information-theoretic subset selection of
    multivariate Markov chains via submodular optimization", arXiv:2503.23340
    (2025).

With stationary distribution pi and flow F(x, y) = pi(x) P(x, y), the
keep-S-in chain is P^(S)(a, b) = F_S(a, b) / pi^(S)(a), where F_S and pi^(S)
sum F and pi over the states whose S-coordinates are a (and b); the
leave-S-out chain is P^(-S) = P^(complement of S). Its entropy rate is
H(P^(S)) = H(F_S) - H(pi^(S)), and every objective here is a combination of
such entropies, so the Rust core never forms a projected matrix or a
Kronecker product to evaluate one. All values are in nats.

Everything runs on the CPU; array arguments given as DLPack/CUDA tensors are
copied to the host. ``scipy`` is needed only for sparse input and output.

Conventions: natural logarithms (nats), 0 ln 0 = 0; a chain is accepted when
its stationary distribution is unique (one closed communicating class;
periodic chains and transient states are fine); P^(empty set) is the trivial
chain with entropy rate 0; ties in the selection algorithms go to the
smallest coordinate (or the lexicographically first set).
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from infoflux import _core
from infoflux._arrays import to_numpy

__all__ = [
    "MarkovChain",
    "Selection",
    "OBJECTIVES",
    "METHODS",
    "kl_rate",
    "select",
    "curie_weiss",
    "bernoulli_laplace",
]

OBJECTIVES = ("entropy_rate", "factorizability", "independence", "stationarity")
METHODS = ("greedy", "distorted_greedy", "generalized_distorted_greedy", "batch_greedy", "exhaustive")

# Above this many states pi is found by power iteration in the core instead of
# a dense least-squares solve (O(n^3) time, O(n^2) memory).
_DENSE_SOLVE_MAX = 2048
# From this many transitions on, greedy steps use the partition refiner.
_REFINE_MIN_NNZ = 1 << 18
# Largest number of subsets `exhaustive` will enumerate.
_EXHAUSTIVE_MAX = 1 << 22


def _scipy_sparse():
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - scipy is installed in the test env
        raise ImportError(
            "scipy is required for sparse matrices in infoflux.markov (pip install scipy); "
            "pass dense=True to get NumPy arrays instead"
        ) from None
    return sp


def _is_sparse(obj: Any) -> bool:
    # duck typing keeps scipy out of the import path
    return hasattr(obj, "tocsr") and hasattr(obj, "nnz") and hasattr(obj, "shape")


def _csr_arrays(mat: Any, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(indptr, indices, data, n) of a square matrix given dense or sparse."""
    if _is_sparse(mat):
        csr = mat.tocsr()
        shape = tuple(csr.shape)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"{name}: must be a square matrix, got shape {shape}")
        data = np.asarray(csr.data)
        if not (np.issubdtype(data.dtype, np.floating) or np.issubdtype(data.dtype, np.integer)):
            raise TypeError(f"{name}: entries must be real numbers, got dtype {data.dtype}")
        return (
            np.ascontiguousarray(csr.indptr, dtype=np.int64),
            np.ascontiguousarray(csr.indices, dtype=np.int64),
            np.ascontiguousarray(data, dtype=np.float64),
            shape[0],
        )
    arr = to_numpy(mat, name)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name}: must be a square matrix, got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
        raise TypeError(f"{name}: entries must be real numbers, got dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=np.float64)
    rows, cols = np.nonzero(arr)
    indptr = np.zeros(arr.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=arr.shape[0]), out=indptr[1:])
    return indptr, cols.astype(np.int64), np.ascontiguousarray(arr[rows, cols]), arr.shape[0]


def _check_sizes(sizes: Any) -> tuple[int, ...]:
    if isinstance(sizes, (int, np.integer)):
        raise TypeError("sizes: expected a sequence of coordinate sizes such as (2,) * 10, got an int")
    try:
        out = tuple(int(s) for s in sizes)
    except TypeError:
        raise TypeError(f"sizes: expected a sequence of positive integers, got {sizes!r}") from None
    if any(int(s) != s for s in sizes):
        raise TypeError(f"sizes: expected integers, got {sizes!r}")
    if not out:
        raise ValueError("sizes: need at least one coordinate")
    if any(s < 1 for s in out):
        raise ValueError(f"sizes: every coordinate size must be >= 1, got {out}")
    return out


def _dense_stationary(indptr, indices, data, n) -> np.ndarray | None:
    """pi from pi (P - I) = 0 with one equation replaced by sum(pi) = 1; None if
    that fails (the core then reports what is wrong with P, or iterates)."""
    try:
        p = np.zeros((n, n))
        rows = np.repeat(np.arange(n), np.diff(indptr))
        np.add.at(p, (rows, indices), data)
        # the rows of P^T - I sum to zero, so with a unique pi any n-1 of them
        # are independent and the normalisation row completes a regular system
        a = p.T - np.eye(n)
        a[-1, :] = 1.0
        b = np.zeros(n)
        b[-1] = 1.0
        pi = np.linalg.solve(a, b)
    except (np.linalg.LinAlgError, ValueError, MemoryError):
        return None
    if not np.all(np.isfinite(pi)):
        return None
    pi = np.where(pi < 0, 0.0, pi)  # rounding below zero on transient states
    s = pi.sum()
    return pi / s if s > 0 else None


def _as_set(S: Any, d: int, name: str = "S") -> tuple[int, ...]:
    """Sorted tuple of distinct coordinates in range."""
    if S is None:
        return tuple(range(d))
    if isinstance(S, (int, np.integer)):
        S = (int(S),)
    try:
        items = list(S)
    except TypeError:
        raise TypeError(f"{name}: expected a sequence of coordinates, got {S!r}") from None
    out = []
    for c in items:
        if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer)):
            raise TypeError(f"{name}: coordinates must be integers, got {c!r}")
        c = int(c)
        if not 0 <= c < d:
            raise ValueError(f"{name}: coordinate {c} out of range for a chain with d = {d} coordinates")
        out.append(c)
    if len(set(out)) != len(out):
        dup = sorted({c for c in out if out.count(c) > 1})
        raise ValueError(f"{name}: repeated coordinates {dup}")
    return tuple(sorted(out))


class MarkovChain:
    r"""An ergodic Markov chain on a product space, ready for subset selection.

    Parameters
    ----------
    P : array_like or scipy.sparse matrix, shape (n, n)
        Row-stochastic transition matrix; states in C order (coordinate 0 most
        significant, as :func:`numpy.ravel_multi_index`). DLPack/CUDA tensors
        are copied to the host.
    sizes : sequence of int
        Coordinate sizes ``(|X_0|, ..., |X_{d-1}|)``; their product must be n.
    pi : array_like, optional
        Stationary distribution. Checked (``||pi P - pi||_1 <= tol``) when
        given; otherwise computed: a dense linear solve for
        n <= 2048, power iteration on the lazy chain (I + P)/2 otherwise.
        The achieved residual is in :attr:`stationary_residual`.
    tol : float, default 1e-10
        Tolerance on row sums and on the stationarity residual of ``pi``.
    max_iter : int, default 100000
        Iteration cap of the power iteration.
    n_threads : int, optional
        Threads for the core (None: all cores). Results do not depend on it.

    Raises
    ------
    ValueError
        Non-square P, size not equal to ``prod(sizes)``, negative or
        non-finite entries, rows not summing to 1, more than one closed
        communicating class (no unique stationary distribution), a ``pi``
        that is not a stationary distribution.

    Notes
    -----
    A unique stationary distribution is what the definitions need, so a
    chain with transient states but one closed class is accepted
    (pi vanishes on the transient states); so are periodic chains.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflux.markov import MarkovChain
    >>> P1 = np.array([[0.9, 0.1], [0.2, 0.8]])
    >>> chain = MarkovChain(np.kron(P1, P1), (2, 2))  # two independent copies
    >>> abs(chain.independence([0, 1])) < 1e-12
    True
    >>> abs(chain.entropy_rate() - 2 * chain.entropy_rate([0])) < 1e-12
    True
    """

    def __init__(self, P: Any, sizes: Sequence[int], pi: Any = None, *, tol: float = 1e-10,
                 max_iter: int = 100_000, n_threads: int | None = None):
        sizes_t = _check_sizes(sizes)
        indptr, indices, data, n = _csr_arrays(P, "P")
        expected = math.prod(sizes_t)
        if n != expected:
            raise ValueError(
                f"P: has {n} states but the coordinate sizes {sizes_t} give {expected}; "
                "the matrix order must be the product of the coordinate sizes"
            )
        self._init(sizes_t, indptr, indices, data, pi, tol, max_iter, n_threads, sparse_input=_is_sparse(P))

    @classmethod
    def _from_csr(cls, sizes, indptr, indices, data, pi, *, tol=1e-10, max_iter=100_000, n_threads=None,
                  pi_method=None) -> "MarkovChain":
        self = cls.__new__(cls)
        self._init(_check_sizes(sizes), indptr, indices, data, pi, tol, max_iter, n_threads, sparse_input=True)
        if pi_method is not None:
            self._pi_method = pi_method
        return self

    def _init(self, sizes, indptr, indices, data, pi, tol, max_iter, n_threads, sparse_input):
        if not (isinstance(tol, (int, float)) and tol >= 0 and math.isfinite(tol)):
            raise ValueError(f"tol: must be a finite number >= 0, got {tol!r}")
        if not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
            raise ValueError(f"max_iter: must be a positive integer, got {max_iter!r}")
        n = math.prod(sizes)
        self._sizes = sizes
        self._n_threads = n_threads
        self._sparse_input = sparse_input
        pi_arr = None
        if pi is not None:
            pi_arr = np.ascontiguousarray(to_numpy(pi, "pi"), dtype=np.float64).ravel()
            if pi_arr.shape[0] != n:
                raise ValueError(f"pi: has {pi_arr.shape[0]} entries, expected {n}")
            self._pi_method = "given"
        elif n <= _DENSE_SOLVE_MAX:
            pi_arr = _dense_stationary(indptr, indices, data, n)
            self._pi_method = "linear solve" if pi_arr is not None else "power iteration"
        else:
            self._pi_method = "power iteration"
        self._core = _core.MarkovCore(list(sizes), indptr, indices, data, pi_arr, float(tol), float(tol),
                                      int(max_iter), n_threads)
        self._cache: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, 0.0)}
        self._refiner = None

    # --- basic properties -------------------------------------------------
    @property
    def sizes(self) -> tuple[int, ...]:
        """Coordinate sizes."""
        return self._sizes

    @property
    def d(self) -> int:
        """Number of coordinates."""
        return len(self._sizes)

    @property
    def n_states(self) -> int:
        return math.prod(self._sizes)

    @property
    def pi(self) -> np.ndarray:
        """Stationary distribution (a copy)."""
        return self._core.pi()

    @property
    def stationary_residual(self) -> float:
        """``||pi P - pi||_1`` of the stored stationary distribution."""
        return float(self._core.residual)

    @property
    def stationary_method(self) -> str:
        """How pi was obtained: 'given', 'closed form', 'linear solve' or 'power iteration'."""
        return self._pi_method

    @property
    def nnz(self) -> int:
        """Stored non-zero transition probabilities."""
        return int(self._core.nnz)

    def __repr__(self) -> str:
        return f"MarkovChain(sizes={self._sizes}, n_states={self.n_states}, nnz={self.nnz})"

    def matrix(self, *, dense: bool = False):
        """The transition matrix (``scipy.sparse.csr_array``, or NumPy if ``dense``)."""
        ip, ind, dat = self._core.matrix()
        return _build_matrix(ip, ind, dat, self.n_states, dense)

    # --- entropies --------------------------------------------------------
    def _prefetch(self, sets: Iterable[tuple[int, ...]]) -> None:
        missing = sorted({s for s in sets if s not in self._cache})
        if missing:
            res = self._core.entropies([list(s) for s in missing], self._n_threads)
            for s, (hf, hp) in zip(missing, res):
                self._cache[s] = (float(hf), float(hp))

    def _prefetch_extend(self, base: tuple[int, ...], cands: Sequence[int]) -> None:
        """Entropies of base ∪ {j}. Large chains go through a partition
        refiner that keeps the flow sorted by the cells of ``base`` across
        greedy steps; small ones recode each set (cheaper than the copy)."""
        todo = [j for j in cands if tuple(sorted(base + (j,))) not in self._cache]
        if not todo:
            return
        if self.nnz >= _REFINE_MIN_NNZ and max(self._sizes) <= 256:
            r = self._refiner
            have = set(r.set()) if r is not None else None
            if have is None or not have <= set(base):
                r = self._refiner = self._core.refiner(self._n_threads)
                have = set()
            for j in base:
                if j not in have:
                    r.add(j, self._n_threads)
            res = r.evaluate(todo, self._n_threads)
        else:
            res = self._core.entropies_extend(list(base), todo, self._n_threads)
        for j, (hf, hp) in zip(todo, res):
            self._cache[tuple(sorted(base + (j,)))] = (float(hf), float(hp))

    def release(self) -> None:
        """Free the memory held for incremental greedy steps and cached entropies."""
        self._refiner = None
        self._cache = {(): (0.0, 0.0)}

    def _h(self, s: tuple[int, ...]) -> float:
        """H(P^(s)) for a sorted tuple s."""
        if s not in self._cache:
            self._prefetch([s])
        hf, hp = self._cache[s]
        return hf - hp

    def _hpi(self, s: tuple[int, ...]) -> float:
        if s not in self._cache:
            self._prefetch([s])
        return self._cache[s][1]

    def _all(self) -> tuple[int, ...]:
        return tuple(range(self.d))

    def _comp(self, s: tuple[int, ...]) -> tuple[int, ...]:
        ss = set(s)
        return tuple(i for i in range(self.d) if i not in ss)

    def flow_entropy(self, S: Sequence[int] | None = None) -> float:
        r"""Entropy H(F_S) = -sum_{a,b} F_S(a,b) ln F_S(a,b) of the aggregated flow, in nats."""
        s = _as_set(S, self.d)
        self._prefetch([s])
        return self._cache[s][0]

    def stationary_entropy(self, S: Sequence[int] | None = None) -> float:
        r"""Entropy H(pi^(S)) of the stationary marginal on S, in nats."""
        return self._hpi(_as_set(S, self.d))

    def entropy_rate(self, S: Sequence[int] | None = None) -> float:
        r"""Entropy rate of the keep-S-in chain, in nats.

        .. math:: H(P^{(S)}) = -\sum_a \pi^{(S)}(a) \sum_b P^{(S)}(a,b) \ln P^{(S)}(a,b)
                  = H(F_S) - H(\pi^{(S)}),

        with 0 ln 0 = 0. ``S=None`` means all coordinates (H(P)). Lai & Choi
        (2025), Section 2.

        Examples
        --------
        >>> from infoflux.markov import curie_weiss
        >>> round(curie_weiss(10).entropy_rate(), 8)
        2.29109165
        """
        return self._h(_as_set(S, self.d))

    def factorizability(self, S: Sequence[int], W: Sequence[int] | None = None) -> float:
        r"""Distance to factorizability, in nats.

        Without ``W``: :math:`D(P \| P^{(S)} \otimes P^{(-S)}) = H(P^{(S)}) + H(P^{(-S)}) - H(P)`,
        the KL divergence rate from P to the coordinate-aligned product of its
        keep-S-in and leave-S-out chains. With a fixed set ``W`` disjoint from
        S: :math:`H(P^{(W)}) + H(P^{(S)}) - H(P^{(W \cup S)})`, the distance of
        P^(W ∪ S) to P^(W) ⊗ P^(S). Lai & Choi (2025).

        Examples
        --------
        >>> from infoflux.markov import curie_weiss
        >>> chain = curie_weiss(6)
        >>> chain.factorizability([0, 1, 2]) > 0
        True
        """
        s = _as_set(S, self.d)
        if W is None:
            a, b = s, self._comp(s)
            self._prefetch([a, b, self._all()])
            return self._h(a) + self._h(b) - self._h(self._all())
        w = _as_set(W, self.d, "W")
        if set(w) & set(s):
            raise ValueError(f"S and W must be disjoint, both contain {sorted(set(w) & set(s))}")
        u = tuple(sorted(w + s))
        self._prefetch([w, s, u])
        return self._h(w) + self._h(s) - self._h(u)

    def independence(self, S: Sequence[int]) -> float:
        r"""Distance to independence, in nats.

        :math:`\mathbb{I}(P^{(S)}) = \sum_{i \in S} H(P^{(i)}) - H(P^{(S)})`, the
        KL divergence rate from P^(S) to the product of its one-coordinate
        chains. Monotone and supermodular when pi has product form. Lai &
        Choi (2025).

        Examples
        --------
        >>> from infoflux.markov import curie_weiss
        >>> curie_weiss(6).independence([0, 1]) > 0
        True
        """
        s = _as_set(S, self.d)
        self._prefetch([s] + [(i,) for i in s])
        return sum(self._h((i,)) for i in s) - self._h(s)

    def stationarity(self, S: Sequence[int]) -> float:
        r"""Distance to stationarity, in nats.

        :math:`D(P^{(S)} \| \Pi^{(S)}) = H(\pi^{(S)}) - H(P^{(S)})`, the KL
        divergence rate from P^(S) to the chain whose rows all equal pi^(S)
        (the mutual information between consecutive projected states). Lai &
        Choi (2025).

        Examples
        --------
        >>> from infoflux.markov import curie_weiss
        >>> curie_weiss(6).stationarity([0]) > 0
        True
        """
        s = _as_set(S, self.d)
        return self._hpi(s) - self._h(s)

    def objective(self, name: str, S: Sequence[int], *, complement: bool = False, W: Sequence[int] | None = None,
                  partition: Sequence[Sequence[int]] | None = None) -> float:
        """Value of a named objective at S, as used by :meth:`select` (see there)."""
        f = _Objective(self, name, complement=complement, W=W, partition=partition)
        s = f.check(S)
        return f.values([s])[0]

    def evaluate(self, objective: str | Callable, sets: Iterable[Sequence[int]], *, complement: bool = False,
                 W: Sequence[int] | None = None, partition: Sequence[Sequence[int]] | None = None) -> np.ndarray:
        """An objective (as in :func:`select`) at many sets with one call into the core.

        The entropies all the sets need are computed in parallel across sets,
        which is much faster than a Python loop over single evaluations.

        Examples
        --------
        >>> import itertools
        >>> from infoflux.markov import curie_weiss
        >>> chain = curie_weiss(10)
        >>> pairs = list(itertools.combinations(range(10), 2))
        >>> chain.evaluate("entropy_rate", pairs).shape
        (45,)
        """
        f = _Objective(self, objective, complement=complement, W=W, partition=partition)
        checked = [f.check(S) for S in sets]
        return np.array(f.values(checked), dtype=np.float64)

    # --- matrices ---------------------------------------------------------
    def stationary_marginal(self, S: Sequence[int]) -> np.ndarray:
        """pi^(S), indexed by the C-order code of the sorted coordinates of S."""
        return self._core.marginal(list(_as_set(S, self.d)))

    def projection(self, S: Sequence[int], *, dense: bool = False):
        r"""The keep-S-in chain P^(S)(a,b) = F_S(a,b) / pi^(S)(a).

        States are the C-order codes of the coordinates of S in increasing
        order (S is sorted). Returns a ``scipy.sparse.csr_array`` (NumPy array
        if ``dense=True``). P^(S) is pi^(S)-stationary and (P^(S))^(T) = P^(T)
        for T ⊆ S. Lai & Choi (2025), Section 2. Rows are normalised by their
        own aggregated flow (equal to pi^(S)(a) up to rounding); a cell with
        pi^(S)(a) = 0 (only transient states) gets the identity row.

        Examples
        --------
        >>> from infoflux.markov import curie_weiss
        >>> Q = curie_weiss(4).projection([1, 2], dense=True)
        >>> Q.shape
        (4, 4)
        """
        s = _as_set(S, self.d)
        (ip, ind, dat), _ = self._core.projection(list(s), self._n_threads)
        k = math.prod(self._sizes[i] for i in s)
        return _build_matrix(ip, ind, dat, k, dense)

    def select(self, objective: str | Callable, m: int, method: str = "greedy", **options) -> "Selection":
        """Choose coordinates; see :func:`infoflux.markov.select`."""
        return select(self, objective, m, method=method, **options)


def _build_matrix(ip, ind, dat, n, dense):
    if dense:
        out = np.zeros((n, n))
        rows = np.repeat(np.arange(n), np.diff(ip))
        out[rows, ind] = dat
        return out
    sp = _scipy_sparse()
    return sp.csr_array((dat, ind, ip), shape=(n, n))


def kl_rate(P: Any, L: Any, *, pi: Any = None, n_threads: int | None = None) -> float:
    r"""KL divergence rate from P to L, in nats.

    .. math:: D(P \| L) = \sum_x \pi(x) \sum_y P(x,y) \ln \frac{P(x,y)}{L(x,y)},

    with pi the stationary distribution of P; ``inf`` when L(x,y) = 0 <
    P(x,y) at a state with pi(x) > 0. Lai & Choi (2025), Section 2.

    Parameters
    ----------
    P : MarkovChain, array_like or scipy.sparse matrix
        The chain; a matrix is wrapped in a one-coordinate :class:`MarkovChain`
        (with ``pi`` if given).
    L : MarkovChain, array_like or scipy.sparse matrix
        The reference transition matrix, same order as P.

    References
    ----------
    Lai & Choi, arXiv:2503.23340 (2025); Z. Rached, F. Alajaji, L. L.
    Campbell, "The Kullback-Leibler divergence rate between Markov sources",
    IEEE Trans. Inf. Theory 50, 917-921 (2004).

    References
    ----------
    Lai & Choi, arXiv:2503.23340 (2025); G. L. Nemhauser, L. A. Wolsey,
    M. L. Fisher, Math. Program. 14, 265-294 (1978); M. Minoux, "Accelerated
    greedy algorithms" (1978); C. Harshaw, M. Feldman, J. Ward, A. Karbasi,
    "Submodular maximization beyond non-negativity", ICML 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflux.markov import kl_rate
    >>> P = np.array([[0.5, 0.5], [0.5, 0.5]])
    >>> kl_rate(P, P)
    0.0
    """
    if not isinstance(P, MarkovChain):
        indptr, indices, data, n = _csr_arrays(P, "P")
        P = MarkovChain._from_csr((n,), indptr, indices, data, pi, n_threads=n_threads)
    elif pi is not None:
        raise ValueError("pi: give pi only with a matrix P; a MarkovChain has its own")
    if isinstance(L, MarkovChain):
        ip, ind, dat = L._core.matrix()
        n = L.n_states
    else:
        ip, ind, dat, n = _csr_arrays(L, "L")
    if n != P.n_states:
        raise ValueError(f"L: has {n} states, P has {P.n_states}")
    return float(P._core.kl_rate(ip, ind, dat, n_threads))


# --- objectives as set functions -------------------------------------------------


class _Objective:
    """A named objective as a set function on its ground set U.

    ``value(S)`` for S ⊆ U (sorted tuple). The entropies it needs are fetched
    from the chain in batches (``values``), so a greedy step is one call
    into the core.
    """

    def __init__(self, chain: MarkovChain, name: Any, *, complement: bool = False, W: Any = None,
                 partition: Any = None):
        self.chain = chain
        d = chain.d
        self.custom = None
        if callable(name):
            self.custom = name
            self.name = getattr(name, "__name__", "custom")
        elif name in OBJECTIVES:
            self.name = name
        else:
            raise ValueError(f"objective: must be one of {OBJECTIVES} or a callable, got {name!r}")
        self.complement = bool(complement)
        self.W = None
        self.partition = None
        if W is not None:
            if self.name != "factorizability":
                raise ValueError("W: only the 'factorizability' objective takes a fixed set W")
            if partition is not None:
                raise ValueError("W and partition cannot be combined")
            self.W = _as_set(W, d, "W")
            self.ground = tuple(i for i in range(d) if i not in self.W)
        elif partition is not None:
            try:
                blocks = [_as_set(b, d, "partition") for b in partition]
            except TypeError:
                raise TypeError("partition: expected a sequence of coordinate sequences") from None
            if len(blocks) < 1 or any(len(b) == 0 for b in blocks):
                raise ValueError("partition: needs at least one non-empty ground set")
            seen: set[int] = set()
            for b in blocks:
                if seen & set(b):
                    raise ValueError(f"partition: ground sets must be disjoint, {sorted(seen & set(b))} repeated")
                seen |= set(b)
            self.partition = tuple(blocks)
            self.ground = tuple(sorted(seen))
        else:
            self.ground = tuple(range(d))
        self._block_of = {}
        if self.partition is not None:
            for t, b in enumerate(self.partition):
                for i in b:
                    self._block_of[i] = t

    def check(self, S: Any) -> tuple[int, ...]:
        s = _as_set(S, self.chain.d)
        extra = set(s) - set(self.ground)
        if extra:
            raise ValueError(f"S: coordinates {sorted(extra)} are not in the ground set {self.ground}")
        return s

    def effective(self, s: tuple[int, ...]) -> tuple[int, ...]:
        if self.complement:
            ss = set(s)
            return tuple(i for i in self.ground if i not in ss)
        return s

    def blocks(self, s: tuple[int, ...]) -> list[tuple[int, ...]]:
        e = self.effective(s)
        assert self.partition is not None
        return [tuple(i for i in e if self._block_of[i] == t) for t in range(len(self.partition))]

    def _requires(self, s: tuple[int, ...]) -> list[tuple[int, ...]]:
        e = self.effective(s)
        c = self.chain
        if self.custom is not None:
            return []
        if self.partition is not None:
            parts = self.blocks(s)
            out = list(parts)
            if self.name == "factorizability":
                out.append(e)
            if self.name == "independence":
                out += [(i,) for i in e]
            return out
        if self.name in ("entropy_rate", "stationarity"):
            return [e]
        if self.name == "independence":
            return [e] + [(i,) for i in e]
        if self.W is not None:
            return [self.W, e, tuple(sorted(self.W + e))]
        return [e, c._comp(e), c._all()]

    def _value(self, s: tuple[int, ...]) -> float:
        c = self.chain
        e = self.effective(s)
        if self.custom is not None:
            return float(self.custom(c, e))
        if self.partition is not None:
            parts = self.blocks(s)
            single = {"entropy_rate": c._h, "stationarity": lambda b: c._hpi(b) - c._h(b),
                      "independence": lambda b: sum(c._h((i,)) for i in b) - c._h(b)}
            if self.name == "factorizability":
                return sum(c._h(b) for b in parts) - c._h(e)
            return sum(single[self.name](b) for b in parts)
        if self.name == "entropy_rate":
            return c._h(e)
        if self.name == "stationarity":
            return c._hpi(e) - c._h(e)
        if self.name == "independence":
            return sum(c._h((i,)) for i in e) - c._h(e)
        if self.W is not None:
            return c._h(self.W) + c._h(e) - c._h(tuple(sorted(self.W + e)))
        return c._h(e) + c._h(c._comp(e)) - c._h(c._all())

    def values(self, sets: Sequence[tuple[int, ...]]) -> list[float]:
        need = [r for s in sets for r in self._requires(s)]
        self.chain._prefetch(need)
        return [self._value(s) for s in sets]

    def extend_values(self, base: tuple[int, ...], cands: Sequence[int]) -> list[float]:
        """f(base ∪ {j}) for each j; uses partition refinement for the
        entropies of base ∪ {j} themselves when that is what is needed."""
        if self.custom is None and not self.complement and self.W is None and self.partition is None:
            self.chain._prefetch_extend(base, cands)
        return self.values([tuple(sorted(base + (j,))) for j in cands])


@dataclass(frozen=True)
class Selection:
    """Result of :func:`select`.

    Attributes
    ----------
    selected : tuple of int
        Chosen coordinates in the order they were added.
    steps : tuple of tuple of int
        Coordinates added at each step (one per step except ``batch_greedy``;
        empty where a distorted-greedy step added nothing).
    sets : tuple of tuple of int
        The chosen set after each step, in order of addition.
    values : numpy.ndarray
        Objective value (nats) after each step.
    evaluations : int
        Number of objective evaluations f(S).
    method, objective : str
    blocks : tuple of tuple of int, optional
        For partition objectives, the final S ∩ V_i for each ground set V_i.
    """

    selected: tuple[int, ...]
    steps: tuple[tuple[int, ...], ...]
    sets: tuple[tuple[int, ...], ...]
    values: np.ndarray
    evaluations: int
    method: str
    objective: str
    blocks: tuple[tuple[int, ...], ...] | None = None
    info: dict = field(default_factory=dict)

    @property
    def value(self) -> float:
        """Objective value of the final set."""
        return float(self.values[-1]) if len(self.values) else float("nan")


def _argmax(vals: Sequence[float], keys: Sequence[int]) -> int:
    """Index of the largest value; ties go to the smallest key so results are
    reproducible. Values within 1e-12 relative of the maximum count as ties
    (symmetric chains give exact ties up to rounding)."""
    best = max(vals)
    tol = 1e-12 * max(1.0, abs(best))
    cands = [t for t, v in enumerate(vals) if v >= best - tol]
    return min(cands, key=lambda t: keys[t])


def select(chain: MarkovChain, objective: str | Callable, m: int, method: str = "greedy", *,
           maximize: bool = True, complement: bool = False, W: Sequence[int] | None = None,
           partition: Sequence[Sequence[int]] | None = None, exact: bool | None = None, lazy: bool = False,
           cost: Any = None, batch_sizes: int | Sequence[int] | None = None) -> Selection:
    r"""Choose m coordinates optimising an information-theoretic objective.

    Objectives (nats; S is the chosen set, -S its complement in 0..d-1):

    ============================  =====================================================
    ``"entropy_rate"``            H(P^(S))
    ``"factorizability"``         H(P^(S)) + H(P^(-S)) - H(P); with ``W``:
                                  H(P^(W)) + H(P^(S)) - H(P^(W ∪ S)), S ⊆ -W
    ``"independence"``            sum_{i in S} H(P^(i)) - H(P^(S))
    ``"stationarity"``            H(pi^(S)) - H(P^(S))
    ============================  =====================================================

    ``complement=True`` evaluates the objective at U \ S instead of S (U the
    ground set: all coordinates, or those outside ``W``, or the union of the
    ``partition``). With ``partition=[V_1, ..., V_k]`` (disjoint ground sets)
    the k-tuple version is used with S_i = S ∩ V_i: entropy rate
    sum_i H(P^(S_i)); factorizability sum_i H(P^(S_i)) - H(P^(S)), the
    distance of P^(S) to the product of the P^(S_i); independence and
    stationarity summed over blocks. A callable ``objective(chain, S)`` is
    also accepted.

    Methods
    -------
    ``greedy``
        Adds the element of largest marginal gain, m times (``exact=True``,
        the default) or until no gain is positive (``exact=False``).
        ``lazy=True`` uses Minoux's lazy evaluation, which returns the greedy
        solution only for submodular objectives (e.g. entropy rate and
        factorizability when pi has product form).
    ``distorted_greedy``
        Harshaw, Feldman, Ward, Karbasi (ICML 2019) for f = g - c with g
        monotone submodular and c modular: step i (of m) adds
        argmax_e (1 - 1/m)^(m-i-1) (g(S+e) - g(S)) - c(e) if that is positive
        (always, if ``exact=True``). The default cost c(e) = f(U \ e) - f(U)
        makes g = f + c monotone whenever f is submodular; ``cost`` (a mapping
        or an array indexed by coordinate) gives a modular cost instead.
        Guarantee: f(S) >= (1 - 1/e) g(OPT) - c(OPT).
    ``generalized_distorted_greedy``
        Distorted greedy for the k-tuple objectives (needs ``partition``):
        each step picks a (coordinate, block) pair, the cost is computed
        blockwise, and the result reports the blocks S_i.
    ``batch_greedy``
        Adds the ``b`` elements of largest marginal gain at once per round;
        ``batch_sizes`` is an int (constant) or a schedule summing to m.
    ``exhaustive``
        Best set of size m (``exact=False``: size <= m) by enumeration, for
        checking; at most 2**22 subsets.

    Ties are broken towards the smallest coordinate. ``maximize=False``
    minimises (the algorithms run on -f; guarantees then need -f submodular).

    Returns
    -------
    Selection
        Sets in order, value after each step, number of evaluations.

    References
    ----------
    Lai & Choi, arXiv:2503.23340 (2025); G. L. Nemhauser, L. A. Wolsey,
    M. L. Fisher, Math. Program. 14, 265-294 (1978); M. Minoux, "Accelerated
    greedy algorithms" (1978); C. Harshaw, M. Feldman, J. Ward, A. Karbasi,
    "Submodular maximization beyond non-negativity", ICML 2019.

    Examples
    --------
    >>> from infoflux.markov import curie_weiss, select
    >>> chain = curie_weiss(10)
    >>> res = select(chain, "entropy_rate", 3)
    >>> res.values.round(7).tolist()
    [0.290851, 0.5737141, 0.8393313]
    >>> res.evaluations  # f(empty set), then 10 + 9 + 8 candidates
    28
    """
    if not isinstance(chain, MarkovChain):
        raise TypeError(f"chain: expected a MarkovChain, got {type(chain).__name__}")
    if method not in METHODS:
        raise ValueError(f"method: must be one of {METHODS}, got {method!r}")
    f = _Objective(chain, objective, complement=complement, W=W, partition=partition)
    if isinstance(m, (bool, np.bool_)) or not isinstance(m, (int, np.integer)):
        raise TypeError(f"m: expected an integer, got {m!r}")
    m = int(m)
    if m < 1:
        raise ValueError(f"m: must be >= 1, got {m}")
    if m > len(f.ground):
        raise ValueError(f"m: cannot choose {m} coordinates from a ground set of {len(f.ground)} (d = {chain.d})")
    if method == "generalized_distorted_greedy" and f.partition is None:
        raise ValueError("partition: generalized_distorted_greedy needs the ground sets V_1..V_k")
    if cost is not None and method not in ("distorted_greedy", "generalized_distorted_greedy"):
        raise ValueError("cost: only the distorted greedy methods take a modular cost")
    if batch_sizes is not None and method != "batch_greedy":
        raise ValueError("batch_sizes: only batch_greedy takes a batch schedule")
    if lazy and method != "greedy":
        raise ValueError("lazy: only the greedy method has a lazy variant")
    sign = 1.0 if maximize else -1.0

    def vals(sets):
        return [sign * v for v in f.values(sets)]

    def ext(base, cands):
        return [sign * v for v in f.extend_values(base, cands)]

    name = f.name
    try:
        if method == "greedy":
            out = _greedy(f, m, vals, ext, True if exact is None else exact, lazy)
        elif method in ("distorted_greedy", "generalized_distorted_greedy"):
            out = _distorted(f, m, vals, ext, bool(exact), cost)
        elif method == "batch_greedy":
            out = _batch(f, m, vals, ext, batch_sizes)
        else:
            out = _exhaustive(f, m, vals, True if exact is None else exact)
    finally:
        chain._refiner = None  # its sorted copy of the flow is as large as the chain
    selected, steps, sets, values, evals, info = out
    values = np.array([sign * v for v in values], dtype=np.float64)
    blocks = tuple(f.blocks(tuple(sorted(selected)))) if f.partition is not None else None
    return Selection(tuple(selected), tuple(steps), tuple(sets), values, evals, method, name, blocks, info)


def _greedy(f, m, vals, ext, exact, lazy):
    S: list[int] = []
    steps, sets, values = [], [], []
    evals = 0
    cur = vals([()])[0]
    evals += 1
    heap: list[tuple[float, int, int]] = []  # (-gain bound, coordinate, step it was computed at)
    newvals: dict[int, float] = {}
    for step in range(m):
        base = tuple(sorted(S))
        cands = [j for j in f.ground if j not in S]
        if lazy and step > 0:
            # Minoux: for submodular f a stale gain bounds the fresh one from
            # above, so a fresh gain on top of the heap is the best gain
            while True:
                neg_ub, j, stamp = heapq.heappop(heap)
                if stamp == step:
                    best, gain = j, -neg_ub
                    break
                v = ext(base, [j])[0]
                evals += 1
                newvals[j] = v
                heapq.heappush(heap, (-(v - cur), j, step))
            newval = newvals[best]
        else:
            vs = ext(base, cands)
            evals += len(cands)
            t = _argmax(vs, cands)
            best, newval = cands[t], vs[t]
            gain = newval - cur
            if lazy:
                heap = [(-(v - cur), j, 0) for j, v in zip(cands, vs) if j != best]
                heapq.heapify(heap)
        if not exact and gain <= 0:
            break
        S.append(best)
        cur = newval
        steps.append((best,))
        sets.append(tuple(S))
        values.append(cur)
    return S, steps, sets, values, evals, {}


def _distorted(f, m, vals, ext, exact, cost):
    U = tuple(f.ground)
    evals = 0
    if cost is None:
        fu = vals([U])[0]
        drops = [tuple(i for i in U if i != e) for e in U]
        fd = vals(drops)
        evals += 1 + len(U)
        c = {e: fd[t] - fu for t, e in enumerate(U)}
    else:
        if isinstance(cost, dict):
            c = {}
            for e in U:
                if e not in cost:
                    raise ValueError(f"cost: no cost for coordinate {e}")
                c[e] = float(cost[e])
        else:
            arr = np.asarray(to_numpy(cost, "cost"), dtype=np.float64).ravel()
            if arr.shape[0] != f.chain.d:
                raise ValueError(f"cost: expected {f.chain.d} entries (one per coordinate), got {arr.shape[0]}")
            c = {e: float(arr[e]) for e in U}
        if not all(math.isfinite(v) for v in c.values()):
            raise ValueError("cost: entries must be finite")
    S: list[int] = []
    steps, sets, values = [], [], []
    cur_f = vals([()])[0]
    evals += 1
    for i in range(m):
        base = tuple(sorted(S))
        cands = [j for j in U if j not in S]
        if not cands:
            break
        fv = ext(base, cands)
        evals += len(cands)
        cs = sum(c[e] for e in S)
        g_cur = cur_f + cs
        w = (1.0 - 1.0 / m) ** (m - i - 1)
        scores = [w * ((fv[t] + cs + c[j]) - g_cur) - c[j] for t, j in enumerate(cands)]
        t = _argmax(scores, cands)
        if exact or scores[t] > 0:
            S.append(cands[t])
            cur_f = fv[t]
            steps.append((cands[t],))
        else:
            steps.append(())
        sets.append(tuple(S))
        values.append(cur_f)
    return S, steps, sets, values, evals, {"cost": c}


def _batch(f, m, vals, ext, batch_sizes):
    if batch_sizes is None:
        raise ValueError("batch_sizes: batch_greedy needs a batch size or a schedule")
    if isinstance(batch_sizes, (int, np.integer)) and not isinstance(batch_sizes, bool):
        b = int(batch_sizes)
        if b < 1:
            raise ValueError(f"batch_sizes: must be >= 1, got {b}")
        sched = [b] * (m // b) + ([m % b] if m % b else [])
    else:
        try:
            sched = [int(b) for b in batch_sizes]
        except TypeError:
            raise TypeError("batch_sizes: expected an int or a sequence of ints") from None
        if any(b < 1 for b in sched) or sum(sched) != m:
            raise ValueError(f"batch_sizes: a schedule must be positive and sum to m = {m}, got {sched}")
    S: list[int] = []
    steps, sets, values = [], [], []
    evals = 0
    for b in sched:
        base = tuple(sorted(S))
        cands = [j for j in f.ground if j not in S]
        vs = ext(base, cands)
        evals += len(cands)
        order = sorted(range(len(cands)), key=lambda t: (-vs[t], cands[t]))
        add = [cands[t] for t in order[:b]]
        S.extend(add)
        v = vals([tuple(sorted(S))])[0]
        evals += 1
        steps.append(tuple(add))
        sets.append(tuple(S))
        values.append(v)
    return S, steps, sets, values, evals, {"schedule": sched}


def _exhaustive(f, m, vals, exact):
    U = f.ground
    sizes = [m] if exact else list(range(0, m + 1))
    total = sum(math.comb(len(U), k) for k in sizes)
    if total > _EXHAUSTIVE_MAX:
        raise ValueError(f"m: exhaustive search would evaluate {total} subsets (limit {_EXHAUSTIVE_MAX})")
    best, best_v = None, -math.inf
    evals = 0
    for k in sizes:
        combos = list(itertools.combinations(U, k))
        for lo in range(0, len(combos), 1 << 14):
            chunk = combos[lo:lo + (1 << 14)]
            vs = vals(chunk)
            evals += len(chunk)
            for s, v in zip(chunk, vs):
                if v > best_v + 1e-12 * max(1.0, abs(best_v)) if math.isfinite(best_v) else True:
                    best, best_v = s, v
    assert best is not None
    return list(best), [tuple(best)], [tuple(best)], [best_v], evals, {}


# --- model constructors ----------------------------------------------------------


def _raw_chain(sizes, indptr, indices, data, pi, n_threads, method):
    return MarkovChain._from_csr(sizes, indptr, indices, data, pi, n_threads=n_threads, pi_method=method)


def curie_weiss(d: int, beta: float = 0.1, h: float = 1.0, *, n_threads: int | None = None) -> MarkovChain:
    r"""Random-scan Metropolis chain of a Curie-Weiss-type spin model (sparse).

    Spins x_i in {-1, +1} (digit 0 is -1), Hamiltonian

    .. math:: H(x) = -\sum_{i,j} 2^{-|i-j|} x_i x_j - h \sum_i x_i

    over ordered pairs including i = j, target pi(x) ∝ exp(-beta H(x))
    (closed form, passed to the chain), and single-spin-flip proposals with
    a uniformly chosen coordinate: P(x, x^(j)) = (1/d) exp(-beta (ΔH)_+),
    the rest of the mass on x. 2^d states, d + 1 transitions per state.
    The model of Lai & Choi (2025), Section 7; it is symmetric under
    i <-> d-1-i.

    References
    ----------
    S. Lai, M. C. H. Choi, "Information-theoretic subset selection of
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
    if d > 26:
        raise ValueError(f"d: {d} spins give 2**{d} states; at most 26 are supported")
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
    del field, off
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
    return _raw_chain((2,) * d, indptr, cols.ravel(), vals.ravel(), pi, n_threads, "closed form")


def bernoulli_laplace(l: Sequence[int], N: int, *, n_threads: int | None = None) -> MarkovChain:
    r"""Multivariate Bernoulli-Laplace level model (Khare & Zhou 2009), sparse.

    Balls of k colours, l_c of colour c, are split between two urns, N balls
    in urn 1 and L - N in urn 2 (L = sum l). Each step swaps one ball chosen
    uniformly from urn 1 with one chosen uniformly from urn 2. The state is
    the number of balls of colours 0..k-2 in urn 1 (the last colour's count
    is N minus their sum), so coordinate c has size min(l_c, N) + 1. The
    chain is reversible with the multivariate hypergeometric law
    pi(x) = prod_c C(l_c, x_c) / C(L, N) (closed form).

    Every point of the product space must be a configuration, i.e.
    sum_{c<k-1} min(l_c, N) <= N <= l_{k-1}; otherwise ValueError.

    Parameters
    ----------
    l : sequence of int
        Balls per colour, k >= 2 colours.
    N : int
        Balls in urn 1 (1 <= N < sum(l)).

    References
    ----------
    K. Khare, H. Zhou, "Rates of convergence of some multivariate Markov
    chains with polynomial eigenfunctions", Ann. Appl. Probab. 19, 737-777
    (2009); Lai & Choi, arXiv:2503.23340 (2025).

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
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)):
        raise TypeError(f"N: expected an integer, got {N!r}")
    N = int(N)
    L = sum(counts)
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
    if n > 1 << 26:
        raise ValueError(f"l, N: {n} states is too many")
    M = L - N
    x = np.array(np.unravel_index(np.arange(n), sizes)).T.astype(np.int64)  # (n, k-1)
    a = np.empty((n, k), dtype=np.int64)
    a[:, :-1] = x
    a[:, -1] = N - x.sum(axis=1)
    b = np.asarray(counts, dtype=np.int64)[None, :] - a
    strides = np.array([math.prod(sizes[c + 1:]) for c in range(k - 1)] + [0], dtype=np.int64)
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
    from math import lgamma

    def lcomb(nn, kk):
        return lgamma(nn + 1) - lgamma(kk + 1) - lgamma(nn - kk + 1)

    lc = np.zeros(n)
    for c in range(k):
        lc += np.array([lcomb(counts[c], int(t)) for t in range(counts[c] + 1)])[a[:, c]]
    pi = np.exp(lc - lcomb(L, N))
    pi /= pi.sum()
    return _raw_chain(sizes, indptr, np.concatenate(cols)[order], np.concatenate(vals)[order], pi, n_threads,
                      "closed form")
