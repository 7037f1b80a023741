"""The chain model: :class:`MarkovChain` (validation, stationary distribution,
projected chains and their entropies) and the KL divergence rate between chains.

The entropies of coordinate sets are cached per chain and computed in
batches by the Rust core; the objectives and the optimisers are reached
through the chain's methods but do not depend on this module.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from infoflux import _core
from infoflux._arrays import to_numpy
from infoflux._validation import I64_MAX, check_flag, check_int, check_real, check_threads
from infoflux.markov._csr import FloatArray, IntArray, build_matrix, csr_arrays, dense_stationary, is_sparse
from infoflux.markov._objectives import (
    CustomObjective,
    Objective,
    factorizability_needs,
    factorizability_value,
    independence_value,
    stationarity_value,
)
from infoflux.markov._select import Selection, select
from infoflux.markov._sets import Coords, as_set

# Above this many states pi is found by power iteration in the core instead of
# a dense least-squares solve (O(n^3) time, O(n^2) memory).
_DENSE_SOLVE_MAX = 2048
# From this many transitions on, greedy steps use the partition refiner: its
# sorted copy of the flow pays for itself only on large chains.
_REFINE_MIN_NNZ = 1 << 18

# The fixed floor of both tolerances: rows and stationarity are checked to
# this unless the problem is so large that rounding alone can exceed it.
TOL_FLOOR = 1e-10
_EPS = float(np.finfo(np.float64).eps)


def row_tolerance(max_row: int) -> float:
    """Default tolerance on |sum of a row - 1|.

    A row of k entries, each the rounding of an exact probability (relative
    error eps/2), summed left to right (error <= (k - 1) eps/2 of the sum):
    |s - 1| <= k eps. Four times that, and never below the fixed floor.
    """
    return max(TOL_FLOOR, 4.0 * _EPS * max_row)


def pi_tolerance(max_col: int) -> float:
    """Default tolerance on the stationarity residual ||pi P - pi||_1.

    With pi and P the roundings of exact ones (relative errors eps/2) the
    residual is at most eps/2 from pi's rounding twice over, eps/2 from P's,
    and eps/2 per term of the longest column sum (pi P)(y) = sum_x pi(x) P(x, y):
    (max_col + 3) eps/2. Four times that, never below the fixed floor.
    """
    return max(TOL_FLOOR, 4.0 * _EPS * (max_col + 3))


def _max_count(indices: IntArray, n: int) -> int:
    """Most entries in one column (0 for malformed indices: the core names those)."""
    if indices.size == 0 or int(indices.min()) < 0 or int(indices.max()) >= n:
        return 0
    return int(np.bincount(indices, minlength=n).max())


def _check_pi(pi: Any, n: int) -> FloatArray:
    """A given stationary distribution as n contiguous float64 values (entries
    are checked by the core: finite, >= 0, summing to 1)."""
    arr = to_numpy(pi, "pi")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"pi: expected real numbers, got an array of dtype {arr.dtype}")
    # a row or column vector is accepted as well as a 1-D array
    if not (arr.ndim == 1 or (arr.ndim == 2 and 1 in arr.shape)):
        raise ValueError(f"pi: expected a 1-D array of {n} probabilities, got shape {arr.shape}")
    out = np.ascontiguousarray(arr, dtype=np.float64).ravel()
    if out.shape[0] != n:
        raise ValueError(f"pi: has {out.shape[0]} entries, expected {n}")
    return out


def _check_sizes(sizes: Any) -> tuple[int, ...]:
    if isinstance(sizes, (numbers.Number, np.bool_)):
        raise TypeError(f"sizes: expected a sequence of coordinate sizes such as (2,) * 10, got {sizes!r}")
    if isinstance(sizes, (str, bytes)):
        raise TypeError(f"sizes: expected a sequence of positive integers, got {sizes!r}")
    try:
        items = list(sizes)
    except TypeError:
        raise TypeError(f"sizes: expected a sequence of positive integers, got {sizes!r}") from None
    if not items:
        raise ValueError("sizes: need at least one coordinate")
    return tuple(check_int(s, f"sizes[{i}]", low=1, high=I64_MAX) for i, s in enumerate(items))


class MarkovChain:
    r"""An ergodic Markov chain on a product space, ready for subset selection.

    A chain on X = X_0 x ... x X_{d-1} is projected onto a subset S of its
    coordinates: with stationary distribution pi and flow
    F(x, y) = pi(x) P(x, y), the keep-S-in chain is
    P^(S)(a, b) = F_S(a, b) / pi^(S)(a), where F_S and pi^(S) sum F and pi over
    the states whose S-coordinates are a (and b). All entropies and
    divergences are in nats.

    Parameters
    ----------
    P : array_like or scipy.sparse matrix, shape (n, n)
        Row-stochastic transition matrix; states in C order (coordinate 0 most
        significant, as :func:`numpy.ravel_multi_index`). DLPack/CUDA tensors
        are copied to the host.
    sizes : sequence of int
        Coordinate sizes ``(|X_0|, ..., |X_{d-1}|)``; their product must be n.
    pi : array_like, optional
        Stationary distribution, shape (n,). Checked (``||pi P - pi||_1 <=
        pi_tol``) when given; otherwise computed: a dense linear solve for
        n <= 2048, power iteration on the lazy chain (I + P)/2 otherwise.
        The achieved residual is in :attr:`stationary_residual`.
    tol : float, optional
        Tolerance on |row sum - 1|, finite and >= 0; also the default of
        ``pi_tol`` when given. Default: 1e-10, or 4 eps k for rows of more
        than k = 1e-10 / (4 eps), about 1.1e5, entries (eps the float64
        machine epsilon), the bound on the rounding of a sum of k rounded
        probabilities.
    pi_tol : float, optional
        Tolerance on the stationarity residual ``||pi P - pi||_1`` of a given
        ``pi``, finite and > 0. Default: ``tol`` if given, else 1e-10, or
        4 eps (c + 3) when a column of P has c > 1.1e5 entries (the rounding
        of pi, of P and of the column sums of pi P).
    max_iter : int, default 100000
        Iteration cap of the power iteration, 1 <= max_iter <= 2**63 - 1.
    n_threads : int, optional
        Threads for the core (None or 0: all cores, -k: all but k - 1).
        Results do not depend on it.

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

    References
    ----------
    Z. Lai, M. C. H. Choi, "Information-theoretic subset selection of
    multivariate Markov chains via submodular optimization", arXiv:2503.23340
    (2025), Section 2.

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

    def __init__(
        self,
        P: Any,
        sizes: Sequence[int],
        pi: Any = None,
        *,
        tol: float | None = None,
        pi_tol: float | None = None,
        max_iter: int = 100_000,
        n_threads: int | None = None,
    ) -> None:
        sizes_t = _check_sizes(sizes)
        indptr, indices, data, n = csr_arrays(P, "P")
        expected = math.prod(sizes_t)
        if n != expected:
            raise ValueError(
                f"P: has {n} states but the coordinate sizes {sizes_t} give {expected}; "
                "the matrix order must be the product of the coordinate sizes"
            )
        if tol is None:
            row_tol = row_tolerance(int(np.diff(indptr).max()) if n else 0)
        else:
            row_tol = check_real(tol, "tol", low=0.0)
        if pi_tol is not None:
            pi_tol_v = check_real(pi_tol, "pi_tol", low=0.0, low_open=True)
        elif tol is not None:
            pi_tol_v = row_tol
        else:
            pi_tol_v = pi_tolerance(_max_count(indices, n))
        tol_name = "tol" if tol is not None and pi_tol is None else "pi_tol"
        self._init(sizes_t, indptr, indices, data, pi, row_tol, pi_tol_v, max_iter, n_threads, is_sparse(P), tol_name)

    @classmethod
    def _from_csr(
        cls,
        sizes: Sequence[int],
        indptr: IntArray,
        indices: IntArray,
        data: FloatArray,
        pi: Any,
        *,
        row_tol: float,
        pi_tol: float,
        n_threads: int | None = None,
        pi_method: str | None = None,
    ) -> MarkovChain:
        """A chain from CSR arrays (the closed-form models, :func:`kl_rate`)
        with tolerances chosen by the caller; ``pi_method`` names where a
        given pi came from."""
        self = cls.__new__(cls)
        self._init(_check_sizes(sizes), indptr, indices, data, pi, row_tol, pi_tol, 100_000, n_threads, True)
        if pi_method is not None:
            self._pi_method = pi_method
        return self

    def _init(
        self,
        sizes: tuple[int, ...],
        indptr: IntArray,
        indices: IntArray,
        data: FloatArray,
        pi: Any,
        row_tol: float,
        pi_tol: float,
        max_iter: Any,
        n_threads: int | None,
        sparse_input: bool,
        tol_name: str = "pi_tol",
    ) -> None:
        max_iter = check_int(max_iter, "max_iter", low=1, high=I64_MAX)
        n = math.prod(sizes)
        self._sizes = sizes
        self._n_threads = check_threads(n_threads)
        self._sparse_input = sparse_input
        pi_arr = None
        if pi is not None:
            pi_arr = _check_pi(pi, n)
            self._pi_method = "given"
        elif n <= _DENSE_SOLVE_MAX:
            pi_arr = dense_stationary(indptr, indices, data, n)
            self._pi_method = "linear solve" if pi_arr is not None else "power iteration"
        else:
            self._pi_method = "power iteration"
        try:
            self._core = _core.MarkovCore(
                sizes=list(sizes),
                indptr=indptr,
                indices=indices,
                data=data,
                pi=pi_arr,
                row_tol=float(row_tol),
                pi_tol=float(pi_tol),
                max_iter=max_iter,
                n_threads=self._n_threads,
            )
        except ValueError as e:
            if pi is None and self._pi_method == "linear solve" and str(e).startswith("pi:"):
                # the caller gave no pi: what failed is the tolerance asked of the solve
                raise ValueError(
                    f"{tol_name}: the stationary distribution found by a linear solve does not meet "
                    f"{tol_name} = {pi_tol:g} ({str(e)[4:]}); raise {tol_name} or pass pi"
                ) from None
            raise
        self._cache: dict[Coords, tuple[float, float]] = {(): (0.0, 0.0)}
        self._refiner: _core.MarkovRefiner | None = None

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
        """Number of states, the product of the coordinate sizes."""
        return math.prod(self._sizes)

    @property
    def pi(self) -> FloatArray:
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

    def matrix(self, *, dense: bool = False) -> Any:
        """The transition matrix (``scipy.sparse.csr_array``, or NumPy if ``dense``).

        Examples
        --------
        >>> from infoflux.markov import curie_weiss
        >>> curie_weiss(3).matrix(dense=True).sum(axis=1).round(12).tolist()
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
        """
        dense = check_flag(dense, "dense")
        ip, ind, dat = self._core.matrix()
        return build_matrix(ip, ind, dat, self.n_states, dense)

    # --- entropies (the EntropySource the objectives read) ------------------
    def _prefetch(self, sets: Iterable[Coords]) -> None:
        missing = sorted({s for s in sets if s not in self._cache})
        if missing:
            res = self._core.entropies(sets=[list(s) for s in missing], n_threads=self._n_threads)
            for s, (hf, hp) in zip(missing, res):
                self._cache[s] = (float(hf), float(hp))

    def _prefetch_extend(self, base: Coords, cands: Sequence[int]) -> None:
        """Entropies of base ∪ {j}. Large chains go through a partition
        refiner that keeps the flow sorted by the cells of ``base`` across
        greedy steps; small ones recode each set (cheaper than the copy)."""
        todo = [j for j in cands if tuple(sorted((*base, j))) not in self._cache]
        if not todo:
            return
        if self.nnz >= _REFINE_MIN_NNZ and max(self._sizes) <= 256:
            r = self._refiner
            have = set(r.set()) if r is not None else None
            if r is None or have is None or not have <= set(base):
                r = self._refiner = self._core.refiner(n_threads=self._n_threads)
                have = set()
            for j in base:
                if j not in have:
                    r.add(j=j, n_threads=self._n_threads)
            res = r.evaluate(candidates=todo, n_threads=self._n_threads)
        else:
            res = self._core.entropies_extend(set=list(base), candidates=todo, n_threads=self._n_threads)
        for j, (hf, hp) in zip(todo, res):
            self._cache[tuple(sorted((*base, j)))] = (float(hf), float(hp))

    def _drop_refiner(self) -> None:
        self._refiner = None

    def release(self) -> None:
        """Free the memory held for incremental greedy steps and cached entropies."""
        self._refiner = None
        self._cache = {(): (0.0, 0.0)}

    def _h(self, s: Coords) -> float:
        """H(P^(s)) for a sorted tuple s."""
        if s not in self._cache:
            self._prefetch([s])
        hf, hp = self._cache[s]
        return hf - hp

    def _hpi(self, s: Coords) -> float:
        """H(pi^(s)) for a sorted tuple s."""
        if s not in self._cache:
            self._prefetch([s])
        return self._cache[s][1]

    def flow_entropy(self, S: Sequence[int] | None = None) -> float:
        r"""Entropy of the aggregated flow, in nats.

        .. math:: H(F_S) = -\sum_{a,b} F_S(a,b) \ln F_S(a,b),
                  \quad F_S(a,b) = \sum_{x_S = a,\, y_S = b} \pi(x) P(x,y).

        ``S=None`` means all coordinates. Lai & Choi (2025), Section 2.

        Examples
        --------
        >>> from infoflux.markov import curie_weiss
        >>> chain = curie_weiss(4)
        >>> S = [0, 1]
        >>> round(chain.flow_entropy(S) - chain.stationary_entropy(S) - chain.entropy_rate(S), 12)
        0.0
        """
        s = as_set(S, self.d)
        self._prefetch([s])
        return self._cache[s][0]

    def stationary_entropy(self, S: Sequence[int] | None = None) -> float:
        r"""Entropy of the stationary marginal on S, in nats.

        .. math:: H(\pi^{(S)}) = -\sum_a \pi^{(S)}(a) \ln \pi^{(S)}(a).

        ``S=None`` means all coordinates. Lai & Choi (2025), Section 2.

        Examples
        --------
        >>> import math
        >>> import numpy as np
        >>> from infoflux.markov import MarkovChain
        >>> chain = MarkovChain(np.full((4, 4), 0.25), (2, 2))  # i.i.d. uniform
        >>> round(chain.stationary_entropy([0]) / math.log(2), 12)  # one bit
        1.0
        """
        return self._hpi(as_set(S, self.d))

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
        return self._h(as_set(S, self.d))

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
        s = as_set(S, self.d)
        w = None
        if W is not None:
            w = as_set(W, self.d, "W")
            if set(w) & set(s):
                raise ValueError(f"S and W must be disjoint, both contain {sorted(set(w) & set(s))}")
        self._prefetch(factorizability_needs(self.d, s, w))
        return factorizability_value(self, s, w)

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
        s = as_set(S, self.d)
        self._prefetch([s] + [(i,) for i in s])
        return independence_value(self, s)

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
        s = as_set(S, self.d)
        return stationarity_value(self, s)

    def objective(
        self,
        name: str | CustomObjective,
        S: Sequence[int],
        *,
        complement: bool = False,
        W: Sequence[int] | None = None,
        partition: Sequence[Sequence[int]] | None = None,
    ) -> float:
        """Value of a named objective at S, in nats, as used by :func:`select` (see there).

        Examples
        --------
        >>> from infoflux.markov import curie_weiss
        >>> chain = curie_weiss(6)
        >>> chain.objective("stationarity", [0]) == chain.stationarity([0])
        True
        """
        f = Objective(self, name, complement=complement, W=W, partition=partition, arg="name")
        s = f.check(S)
        return f.values([s])[0]

    def evaluate(
        self,
        objective: str | CustomObjective,
        sets: Iterable[Sequence[int]],
        *,
        complement: bool = False,
        W: Sequence[int] | None = None,
        partition: Sequence[Sequence[int]] | None = None,
    ) -> FloatArray:
        """An objective (as in :func:`select`) at many sets with one call into the core, in nats.

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
        f = Objective(self, objective, complement=complement, W=W, partition=partition)
        given: Any = sets  # checked at run time, whatever a caller passes
        if isinstance(given, (str, bytes)):
            raise TypeError(f"sets: expected an iterable of coordinate sequences, got {sets!r}")
        try:
            items = list(given)
        except TypeError:
            raise TypeError(f"sets: expected an iterable of coordinate sequences, got {sets!r}") from None
        checked = [f.check(S, f"sets[{i}]") for i, S in enumerate(items)]
        return np.array(f.values(checked), dtype=np.float64)

    # --- matrices ---------------------------------------------------------
    def stationary_marginal(self, S: Sequence[int]) -> FloatArray:
        """pi^(S), indexed by the C-order code of the sorted coordinates of S.

        Examples
        --------
        >>> from infoflux.markov import curie_weiss
        >>> round(float(curie_weiss(4).stationary_marginal([1, 2]).sum()), 12)
        1.0
        """
        return self._core.marginal(list(as_set(S, self.d)))

    def projection(self, S: Sequence[int], *, dense: bool = False) -> Any:
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
        dense = check_flag(dense, "dense")
        s = as_set(S, self.d)
        (ip, ind, dat), _ = self._core.projection(set=list(s), n_threads=self._n_threads)
        k = math.prod(self._sizes[i] for i in s)
        return build_matrix(ip, ind, dat, k, dense)

    def select(self, objective: str | CustomObjective, m: int, method: str = "greedy", **options: Any) -> Selection:
        """Choose coordinates; see :func:`infoflux.markov.select`.

        Examples
        --------
        >>> from infoflux.markov import curie_weiss
        >>> curie_weiss(6).select("entropy_rate", 2).selected
        (0, 5)
        """
        return select(self, objective, m, method=method, **options)


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
    pi : array_like, optional
        Stationary distribution of a matrix P (computed if not given).
    n_threads : int, optional
        Threads for the core (None: all cores). Results do not depend on it.

    References
    ----------
    Z. Lai, M. C. H. Choi, arXiv:2503.23340 (2025); Z. Rached, F. Alajaji,
    L. L. Campbell, "The Kullback-Leibler divergence rate between Markov
    sources", IEEE Trans. Inf. Theory 50, 917-921 (2004).

    Examples
    --------
    >>> import numpy as np
    >>> from infoflux.markov import kl_rate
    >>> P = np.array([[0.9, 0.1], [0.2, 0.8]])
    >>> kl_rate(P, P)
    0.0
    >>> round(kl_rate(P, np.full((2, 2), 0.5)), 6)  # ln 2 - H(P)
    0.309624
    """
    threads = check_threads(n_threads)
    if not isinstance(P, MarkovChain):
        indptr, indices, data, n = csr_arrays(P, "P")
        P = MarkovChain._from_csr(
            (n,),
            indptr,
            indices,
            data,
            pi,
            row_tol=row_tolerance(int(np.diff(indptr).max()) if n else 0),
            pi_tol=pi_tolerance(_max_count(indices, n)),
            n_threads=threads,
        )
    elif pi is not None:
        raise ValueError("pi: give pi only with a matrix P; a MarkovChain has its own")
    if isinstance(L, MarkovChain):
        ip, ind, dat = L._core.matrix()
        n = L.n_states
    else:
        ip, ind, dat, n = csr_arrays(L, "L")
    if n != P.n_states:
        raise ValueError(f"L: has {n} states, P has {P.n_states}")
    return float(P._core.kl_rate(indptr=ip, indices=ind, data=dat, n_threads=threads))
