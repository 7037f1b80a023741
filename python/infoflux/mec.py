"""Minimum-entropy coupling (MEC): greedy couplings with certified lower bounds,
the one-bit coupling, and MEC with a bottleneck (MEC-B).

Given marginals :math:`p_1, \\dots, p_k`, a *coupling* is a joint distribution
:math:`M` whose marginals are the :math:`p_i`; a minimum-entropy coupling
minimises :math:`H(M) = -\\sum_c M_c \\log M_c` (NP-hard). For two marginals
this maximises :math:`I(X;Y) = H(p) + H(q) - H(M)`, which is what MEC-based
steganography and Markov coding games need once per generated token.

Everything here runs in the Rust core: the greedy coupling with a heap in
:math:`O(k\\, n \\log n)`, the lower bounds in :math:`O(n \\log n)`, EBIM in
:math:`O(n \\log n)`. Couplings are returned *sparse* (index arrays and masses,
at most :math:`\\sum_i (n_i - 1) + 1` cells); nothing builds a dense
:math:`n \\times n` matrix unless you ask for :meth:`Coupling.to_dense`.

Units
-----
Entropies and informations are in **bits** by default (the field's
convention); every function takes ``base=`` (``2``, ``math.e`` for nats,
``10``, any positive number other than 1). Rates passed to :func:`ebim` and
:func:`bottleneck_coupling` are in the same units.

Inputs
------
Marginals may be anything array-like, including DLPack producers (PyTorch,
CuPy, JAX); CUDA tensors are copied to the host. Masses must be finite and
non-negative and sum to 1 within ``tol`` (default ``1e-9``); pass
``normalize=True`` to rescale unnormalised weights (e.g. float32 softmax
output or counts). Zero-mass states are allowed and never appear in a cell.

Tie-breaking
------------
Among equal masses the greedy coupling takes the state with the smallest
index first, so results are deterministic. Ties never change the entropy or
the multiset of cell masses, only which labels the cells carry.

References
----------
M. Kocaoglu, A. G. Dimakis, S. Vishwanath, B. Hassibi, "Entropic causal
inference", AAAI 2017. F. Cicalese, L. Gargano, U. Vaccaro, "Minimum-entropy
couplings and their applications", IEEE Trans. Inf. Theory 65(6), 2019.
S. Compton, D. Katz, B. Qi, K. Greenewald, M. Kocaoglu, "Minimum-entropy
coupling approximation guarantees beyond the majorization barrier",
AISTATS 2023. M. R. Ebrahimi, J. Chen, A. Khisti, "Minimum entropy coupling
with bottleneck", NeurIPS 2024.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Sequence
from typing import Any, Union, cast

import numpy as np
import numpy.typing as npt

from infoflux import _core
from infoflux._arrays import to_numpy
from infoflux._validation import check_choice, check_flag, check_int, check_real, check_seed, check_threads

__all__ = [
    "BottleneckCoupling",
    "Coupling",
    "CouplingBatch",
    "EBIMResult",
    "bottleneck_coupling",
    "coupling_lower_bound",
    "ebim",
    "greedy_coupling",
    "greedy_coupling_batch",
    "one_bit_coupling",
    "sample_conditional",
]

BOUND_METHODS = ("majorization", "profile", "majorize_profile")

#: ``Coupling.to_dense`` refuses to allocate more cells than this by default.
DENSE_LIMIT = 1 << 27
# The most float64 cells NumPy can address (2**63 bytes): the bound on
# ``max_size`` and on ``size`` in sample_conditional.
_CELLS_MAX = 1 << 60

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
RngLike = Union[None, int, np.random.Generator, np.random.SeedSequence]


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------


def _bits_per_unit(base: Any) -> float:
    """log2(base): divide a value in bits by this to get it in ``base`` units."""
    b = check_real(base, "base", low=0.0, low_open=True)
    if b == 1.0:
        raise ValueError(f"base: must be finite, > 0 and != 1, got {base!r}")
    return math.log2(b)


def _check_tol(tol: Any) -> float:
    # a tolerance of 1 or more on a sum of probabilities would let masses of
    # any scale through unnormalised
    return check_real(tol, "tol", low=0.0, high=1.0, high_open=True)


def _as_float_array(obj: Any, name: str, ndim: int) -> FloatArray:
    arr = to_numpy(obj, name)
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name}: expected numbers, got an object array") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        shape = "1-D (n,)" if ndim == 1 else "2-D (batch, n)"
        raise ValueError(f"{name}: expected a {shape} array, got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _marginal(obj: Any, name: str, tol: float, normalize: bool) -> FloatArray:
    normalize = check_flag(normalize, "normalize")
    p = _as_float_array(obj, name, 1)
    if p.size == 0:
        raise ValueError(f"{name}: marginal is empty")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name}: contains NaN or infinite masses")
    if np.any(p < 0):
        i = int(np.argmax(p < 0))
        raise ValueError(f"{name}: mass at index {i} is negative ({p[i]!r})")
    with np.errstate(over="ignore"):  # an overflowing sum is handled below
        s = float(np.sum(p))
    if normalize and math.isinf(s):
        # finite masses whose sum overflows: scale by the largest first
        p = p / p.max()
        s = float(np.sum(p))
    if not s > 0.0:
        raise ValueError(f"{name}: has no positive mass")
    if normalize:
        return np.ascontiguousarray(p / s)
    if abs(s - 1.0) > tol:
        raise ValueError(f"{name}: masses sum to {s!r}, not 1 within tol={tol:g}; pass normalize=True to rescale")
    return p


def _marginal_rows(obj: Any, name: str, tol: float, normalize: bool) -> FloatArray:
    normalize = check_flag(normalize, "normalize")
    p = _as_float_array(obj, name, 2)
    if p.shape[1] == 0:
        raise ValueError(f"{name}: marginals are empty (shape {p.shape})")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name}: contains NaN or infinite masses")
    if np.any(p < 0):
        b, i = np.argwhere(p < 0)[0]
        raise ValueError(f"{name}: row {b}, index {i} is negative ({p[b, i]!r})")
    with np.errstate(over="ignore"):  # an overflowing row sum is handled below
        s = p.sum(axis=1)
    if normalize and np.any(np.isinf(s)):
        # finite masses whose row sum overflows: scale those rows by their largest first
        big = np.isinf(s)
        p = p.copy()
        p[big] /= p[big].max(axis=1, keepdims=True)
        s = p.sum(axis=1)
    if np.any(s <= 0):
        raise ValueError(f"{name}: row {int(np.argmax(s <= 0))} has no positive mass")
    if normalize:
        return np.ascontiguousarray(p / s[:, None])
    bad = np.abs(s - 1.0) > tol
    if np.any(bad):
        b = int(np.argmax(bad))
        raise ValueError(
            f"{name}: row {b} sums to {float(s[b])!r}, not 1 within tol={tol:g}; pass normalize=True to rescale"
        )
    return p


def _rate_bits(rate: Any, unit: float) -> float | None:
    """The rate bound in bits; None for an infinite rate (no bound)."""
    bits = check_real(rate, "rate", low=0.0, finite=False) * unit
    return bits if math.isfinite(bits) else None


def _need_two(marginals: Sequence[Any], fname: str) -> None:
    if len(marginals) < 2:
        raise TypeError(f"{fname}() needs at least 2 marginals, got {len(marginals)}")


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


# ---------------------------------------------------------------------------
# result objects
# ---------------------------------------------------------------------------


class Coupling:
    """A sparse joint distribution of k discrete variables.

    Cell ``c`` has mass ``masses[c]`` at ``(indices[0][c], …, indices[k-1][c])``.
    Arrays are read-only.

    Attributes
    ----------
    indices : tuple of int64 arrays
        One index array per marginal.
    masses : float64 array
        Cell masses (all > 0).
    shape : tuple of int
        Sizes of the marginals.
    base : float
        Logarithm base of ``entropy``, ``lower_bound``, ``gap``.
    entropy : float
        :math:`H(M) = -\\sum_c M_c \\log M_c`.
    lower_bounds : dict
        ``{"majorization", "profile", "majorize_profile"}`` → lower bound on
        the entropy of *every* coupling of these marginals (empty where not
        computed, e.g. for the MEC-B joint).
    lower_bound : float or None
        The best of ``lower_bounds``.
    gap : float or None
        ``entropy - lower_bound`` (clipped at 0, which only rounding can
        cross): a certificate; the coupling is within ``gap`` of the
        (unknown) minimum.

    Examples
    --------
    >>> from infoflux.mec import greedy_coupling
    >>> c = greedy_coupling([0.5, 0.5], [0.5, 0.25, 0.25])
    >>> c
    Coupling(shape=(2, 3), cells=3, entropy=1.5 bits, lower_bound=1.5, gap=0)
    >>> c.to_dense().tolist()
    [[0.5, 0.0, 0.0], [0.0, 0.25, 0.25]]
    >>> others, probs = c.conditional(1)  # the other index given X_0 = 1
    >>> others[0].tolist(), probs.tolist()
    ([1, 2], [0.5, 0.5])
    >>> round(c.mutual_information, 12)  # bits
    1.0
    """

    __slots__ = ("_csr", "base", "entropy", "indices", "lower_bounds", "masses", "shape")

    def __init__(
        self,
        indices: Sequence[np.ndarray],
        masses: np.ndarray,
        shape: Sequence[int],
        entropy: float,
        lower_bounds: dict[str, float] | None = None,
        base: float = 2.0,
    ) -> None:
        self.indices: tuple[IntArray, ...] = tuple(_readonly(np.asarray(i, dtype=np.int64)) for i in indices)
        self.masses: FloatArray = _readonly(np.asarray(masses, dtype=np.float64))
        self.shape: tuple[int, ...] = tuple(int(n) for n in shape)
        self.base = float(base)
        self.entropy = float(entropy)
        self.lower_bounds: dict[str, float] = dict(lower_bounds or {})
        # cells grouped by the index on one axis, per axis asked for (see _rows)
        self._csr: dict[int, tuple[IntArray, IntArray]] = {}

    @property
    def lower_bound(self) -> float | None:
        return max(self.lower_bounds.values()) if self.lower_bounds else None

    @property
    def gap(self) -> float | None:
        lb = self.lower_bound
        # bound <= optimum <= entropy exactly; a negative difference is rounding
        return None if lb is None else max(0.0, self.entropy - lb)

    @property
    def n_marginals(self) -> int:
        return len(self.shape)

    def __len__(self) -> int:
        return int(self.masses.size)

    def __repr__(self) -> str:
        lb = self.lower_bound
        extra = "" if lb is None else f", lower_bound={lb:.6g}, gap={self.entropy - lb:.3g}"
        unit = {2.0: "bits", math.e: "nats"}.get(self.base, f"base {self.base:g}")
        return f"Coupling(shape={self.shape}, cells={len(self)}, entropy={self.entropy:.6g} {unit}{extra})"

    def marginal(self, axis: int) -> FloatArray:
        """The marginal along ``axis`` (equal to the input up to rounding)."""
        ax = self._axis(axis)
        # with weights, bincount sums in float64 (NumPy's stubs type it as ints)
        return cast(FloatArray, np.bincount(self.indices[ax], weights=self.masses, minlength=self.shape[ax]))

    @property
    def mutual_information(self) -> float:
        """:math:`I(X;Y) = H(X) + H(Y) - H(X,Y)` of a two-marginal coupling, in ``base`` units."""
        if self.n_marginals != 2:
            raise ValueError(f"mutual_information needs 2 marginals, this coupling has {self.n_marginals}")

        def ent(p: np.ndarray) -> float:
            p = p[p > 0]
            return float(-np.sum(p * np.log2(p))) / math.log2(self.base)

        return ent(self.marginal(0)) + ent(self.marginal(1)) - self.entropy

    def to_dense(self, max_size: int = DENSE_LIMIT) -> FloatArray:
        """The dense joint array of shape ``self.shape``.

        Parameters
        ----------
        max_size : int
            The most entries to allocate, 0 <= max_size <= 2**60 (default
            2**27, 1 GiB of float64).

        Raises
        ------
        MemoryError
            If the array would have more than ``max_size`` entries; raise
            ``max_size`` deliberately.
        """
        max_size = check_int(max_size, "max_size", low=0, high=_CELLS_MAX)
        size = math.prod(self.shape)
        if size > max_size:
            raise MemoryError(
                f"to_dense: shape {self.shape} has {size} entries, more than max_size={max_size}; "
                "use the sparse indices/masses or raise max_size"
            )
        out = np.zeros(self.shape, dtype=np.float64)
        np.add.at(out, self.indices, self.masses)
        return out

    def _axis(self, axis: Any) -> int:
        k = self.n_marginals
        return check_int(axis, "axis", low=-k, high=k - 1) % k

    def _rows(self, axis: int) -> tuple[IntArray, IntArray]:
        """(order, starts): cells grouped by their index on ``axis``, and
        within a group sorted by the other indices (a label order both ends
        of a channel can reproduce)."""
        got = self._csr.get(axis)
        if got is None:
            others = [self.indices[j] for j in range(self.n_marginals) if j != axis]
            order = np.lexsort((*tuple(reversed(others)), self.indices[axis]))
            starts = np.searchsorted(self.indices[axis][order], np.arange(self.shape[axis] + 1))
            got = self._csr[axis] = (order, starts)
        return got

    def conditional(self, index: int, axis: int = 0) -> tuple[tuple[IntArray, ...], FloatArray]:
        """The conditional distribution of the other variables given
        ``variable[axis] == index``.

        Returns
        -------
        (others, probs)
            ``others`` holds one index array per remaining marginal (in order),
            sorted lexicographically; ``probs`` sums to 1.
        """
        return self._conditional(index, axis, "index")

    def _conditional(self, index: Any, axis: Any, name: str) -> tuple[tuple[IntArray, ...], FloatArray]:
        """:meth:`conditional`, with ``name`` the argument errors about ``index`` name."""
        ax = self._axis(axis)
        i = _state_index(index, self.shape[ax], name)
        order, starts = self._rows(ax)
        sel = order[starts[i] : starts[i + 1]]
        if sel.size == 0:
            raise ValueError(f"{name}: state {i} of marginal {ax} has zero mass; its conditional is undefined")
        w = self.masses[sel]
        others = tuple(self.indices[j][sel] for j in range(self.n_marginals) if j != ax)
        return others, w / w.sum()


def _state_index(index: Any, n: int, name: str) -> int:
    return check_int(index, name, low=0, high=n - 1)


def _bounds_dict(b: tuple[float, float, float] | None, unit: float) -> dict[str, float]:
    if b is None:
        return {}
    return {name: v / unit for name, v in zip(BOUND_METHODS, b)}


class CouplingBatch:
    """Greedy couplings of many problems at once, stored back to back.

    ``batch[b]`` is the :class:`Coupling` of row ``b``; cells of row ``b`` are
    ``indices[j][offsets[b]:offsets[b + 1]]`` and ``masses[...]``.

    Attributes
    ----------
    offsets : int64 array, shape (B + 1,)
    indices : tuple of int64 arrays
    masses : float64 array
    shape : tuple of int
        Sizes of the marginals (the same for every row).
    entropy, lower_bound, gap : float64 arrays, shape (B,)
        In ``base`` units (``lower_bound``/``gap`` are NaN when
        ``bounds=False``).
    lower_bounds : dict of float64 arrays

    Examples
    --------
    >>> import numpy as np
    >>> from infoflux.mec import greedy_coupling_batch
    >>> batch = greedy_coupling_batch(np.full((3, 2), 0.5), np.full((3, 4), 0.25))
    >>> len(batch), batch.entropy.round(12).tolist()  # bits
    (3, [2.0, 2.0, 2.0])
    >>> batch[0]
    Coupling(shape=(2, 4), cells=4, entropy=2 bits, lower_bound=2, gap=0)
    """

    __slots__ = ("base", "entropy", "indices", "lower_bounds", "masses", "offsets", "shape")

    def __init__(
        self,
        offsets: IntArray,
        indices: Sequence[IntArray],
        masses: FloatArray,
        shape: Sequence[int],
        entropy: FloatArray,
        lower_bounds: dict[str, FloatArray],
        base: float,
    ) -> None:
        self.offsets: IntArray = _readonly(offsets)
        self.indices: tuple[IntArray, ...] = tuple(_readonly(i) for i in indices)
        self.masses: FloatArray = _readonly(masses)
        self.shape: tuple[int, ...] = tuple(shape)
        self.base = float(base)
        self.entropy: FloatArray = _readonly(entropy)
        self.lower_bounds: dict[str, FloatArray] = {k: _readonly(v) for k, v in lower_bounds.items()}

    @property
    def lower_bound(self) -> FloatArray:
        if not self.lower_bounds:
            return np.full(len(self), np.nan)
        best: FloatArray = np.maximum.reduce(list(self.lower_bounds.values()))
        return best

    @property
    def gap(self) -> FloatArray:
        return np.maximum(self.entropy - self.lower_bound, 0.0)

    def __len__(self) -> int:
        return int(self.offsets.size - 1)

    def __getitem__(self, b: int) -> Coupling:
        index: Any = b  # checked at run time, whatever a caller passes
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"batch index: expected an int, got {type(b).__name__}")
        n = len(self)
        if not -n <= b < n:
            raise IndexError(f"batch index {b} out of range for {n} couplings")
        b = int(b) % n
        s = slice(int(self.offsets[b]), int(self.offsets[b + 1]))
        lb = {k: float(v[b]) for k, v in self.lower_bounds.items()}
        return Coupling([i[s] for i in self.indices], self.masses[s], self.shape, float(self.entropy[b]), lb, self.base)

    def __iter__(self) -> Iterator[Coupling]:
        for b in range(len(self)):
            yield self[b]

    def __repr__(self) -> str:
        return f"CouplingBatch(batch={len(self)}, shape={self.shape}, cells={self.masses.size})"


class EBIMResult:
    """A deterministic encoder :math:`t = f(x)` from :func:`ebim`.

    Attributes
    ----------
    mapping : int64 array, shape (n,)
        ``mapping[x]`` is the code ``t`` of state ``x``. Codes are numbered by
        decreasing :math:`p_T` (ties by smallest member state).
    p_t : float64 array
        :math:`p_T(t) = \\sum_{x: f(x)=t} p_X(x)`, non-increasing.
    mutual_information : float
        :math:`I(X;T) = H(T)` (the encoder is deterministic), ``base`` units.
    rate : float
        The requested bound R (``base`` units); ``mutual_information <= rate``.

    Examples
    --------
    >>> from infoflux.mec import ebim
    >>> enc = ebim([0.5, 0.25, 0.25], rate=1.0)
    >>> enc.mapping.tolist(), enc.p_t.tolist(), round(enc.mutual_information, 12)  # bits
    ([0, 1, 1], [0.5, 0.5], 1.0)
    """

    __slots__ = ("base", "mapping", "mutual_information", "p_t", "rate")

    def __init__(self, mapping: IntArray, p_t: FloatArray, mutual_information: float, rate: float, base: float) -> None:
        self.mapping: IntArray = _readonly(mapping)
        self.p_t: FloatArray = _readonly(p_t)
        self.mutual_information = float(mutual_information)
        self.rate = float(rate)
        self.base = float(base)

    @property
    def entropy_t(self) -> float:
        """:math:`H(T)`, equal to ``mutual_information``."""
        return self.mutual_information

    def __repr__(self) -> str:
        return (
            f"EBIMResult(n={self.mapping.size}, codes={self.p_t.size}, "
            f"I(X;T)={self.mutual_information:.6g}, rate={self.rate:.6g})"
        )


class BottleneckCoupling:
    """MEC with bottleneck: encoder X → T, decoder coupling of T and Y, and the joint.

    Attributes
    ----------
    encoder : EBIMResult
    decoder : Coupling
        Greedy coupling of :math:`p_T` (axis 0) and :math:`p_Y` (axis 1), with bounds.
    joint : Coupling
        :math:`p(x, y) = \\sum_t p(x, t)\\, p(y \\mid t) = p_X(x)\\, p(y \\mid f(x))`,
        sparse, axes (x, y).
    mutual_information : float
        :math:`I(X;Y)`, ``base`` units. Equal to :math:`I(T;Y)` since T is a
        function of X and Y depends on X only through T.

    Examples
    --------
    >>> from infoflux.mec import bottleneck_coupling
    >>> r = bottleneck_coupling([0.5, 0.25, 0.25], [0.5, 0.5], rate=1.0)
    >>> r.encoder.mapping.tolist(), round(r.mutual_information, 12)  # bits
    ([0, 1, 1], 1.0)
    >>> r.joint.to_dense().tolist()
    [[0.5, 0.0], [0.0, 0.25], [0.0, 0.25]]
    """

    __slots__ = ("base", "decoder", "encoder", "joint", "mutual_information")

    def __init__(
        self, encoder: EBIMResult, decoder: Coupling, joint: Coupling, mutual_information: float, base: float
    ) -> None:
        self.encoder: EBIMResult = encoder
        self.decoder: Coupling = decoder
        self.joint: Coupling = joint
        self.mutual_information = float(mutual_information)
        self.base = float(base)

    def __repr__(self) -> str:
        return (
            f"BottleneckCoupling(H(T)={self.encoder.mutual_information:.6g}, "
            f"I(X;Y)={self.mutual_information:.6g}, joint cells={len(self.joint)})"
        )


# ---------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------


def greedy_coupling(
    *marginals: Any,
    normalize: bool = False,
    tol: float = 1e-9,
    base: float = 2,
    bounds: bool = True,
    n_threads: int | None = None,
) -> Coupling:
    """Greedy minimum-entropy coupling of k ≥ 2 marginals (Kocaoglu et al. 2017).

    Repeatedly takes each marginal's largest remaining mass, puts the
    smallest of these, :math:`r = \\min_i \\max_j p_i^{(t)}(j)`, into the cell
    indexed by the argmaxes and subtracts :math:`r` from each. Each step empties
    a state, so there are at most :math:`\\sum_i (n_i - 1) + 1` cells. Heap-based,
    :math:`O(k\\, n \\log n)`. The result's entropy is
    :math:`H(M) = -\\sum_c M_c \\log M_c`; for two marginals it is within
    :math:`\\log_2(e)/e \\approx 0.53` bits of the optimum (Compton et al. 2023).

    Parameters
    ----------
    *marginals : array_like, 1-D
        The marginal distributions (sizes may differ). DLPack/CUDA inputs are
        copied to the host.
    normalize : bool
        Rescale each marginal to sum 1 (otherwise sums must be within ``tol`` of 1).
    tol : float
        Tolerance on the input sums (default 1e-9).
    base : float
        Logarithm base of the entropies (default 2: bits).
    bounds : bool
        Also compute the three lower bounds (:func:`coupling_lower_bound`) so
        the result carries the certificate ``gap = entropy - lower_bound``.
    n_threads : int, optional
        Threads for running the coupling and the bounds side by side.

    Returns
    -------
    Coupling
        Sparse result; marginals reproduce the inputs to float rounding.

    Notes
    -----
    Ties are broken towards the smallest index. Residuals smaller than 4 ulp
    of a state's original mass are rounding noise and are dropped (no junk
    cells); when the input sums differ (within ``tol``), the surplus of the
    larger one is left uncoupled.

    References
    ----------
    M. Kocaoglu, A. G. Dimakis, S. Vishwanath, B. Hassibi, "Entropic causal
    inference", AAAI 2017.

    Examples
    --------
    >>> from infoflux.mec import greedy_coupling
    >>> c = greedy_coupling([0.5, 0.4, 0.1], [0.6, 0.2, 0.2])
    >>> round(c.entropy, 10), round(c.gap, 10)
    (1.7609640474, 0.0)
    >>> sorted(zip(c.indices[0].tolist(), c.indices[1].tolist(), c.masses.round(3).tolist()))
    [(0, 0, 0.5), (1, 1, 0.2), (1, 2, 0.2), (2, 0, 0.1)]
    """
    _need_two(marginals, "greedy_coupling")
    unit = _bits_per_unit(base)
    t = _check_tol(tol)
    ps = [_marginal(m, f"marginals[{j}]", t, normalize) for j, m in enumerate(marginals)]
    with_bounds = check_flag(bounds, "bounds")
    threads = check_threads(n_threads)
    idx, mass, ent, bnd = _core.mec_greedy(marginals=ps, with_bounds=with_bounds, n_threads=threads)
    return Coupling(idx, mass, [p.size for p in ps], ent / unit, _bounds_dict(bnd, unit), base)


def greedy_coupling_batch(
    *marginals: Any,
    normalize: bool = False,
    tol: float = 1e-9,
    base: float = 2,
    bounds: bool = True,
    n_threads: int | None = None,
) -> CouplingBatch:
    """Greedy couplings of many problems at once, in parallel across the batch.

    Row ``b`` of every marginal array is one problem: ``greedy_coupling_batch(P, Q)``
    with ``P`` of shape ``(B, n)`` and ``Q`` of shape ``(B, m)`` couples
    ``P[b]`` with ``Q[b]`` for every ``b``, exactly as :func:`greedy_coupling`
    would (same cells, same order), with rows spread over ``n_threads``
    threads. Results do not depend on the number of threads.

    Parameters
    ----------
    *marginals : array_like, 2-D, shape (B, n_i)
        k ≥ 2 arrays with the same number of rows.
    normalize, tol, base, bounds, n_threads
        As in :func:`greedy_coupling`; sums are checked per row.

    Returns
    -------
    CouplingBatch

    References
    ----------
    M. Kocaoglu et al., AAAI 2017 (greedy); S. Compton et al., AISTATS 2023 (bounds).

    Examples
    --------
    >>> import numpy as np
    >>> from infoflux.mec import greedy_coupling_batch
    >>> P = np.array([[0.5, 0.4, 0.1], [0.25, 0.25, 0.5]])
    >>> Q = np.array([[0.6, 0.2, 0.2], [0.5, 0.5, 0.0]])
    >>> batch = greedy_coupling_batch(P, Q)
    >>> batch.entropy.round(6).tolist()
    [1.760964, 1.5]
    >>> len(batch[1])
    3
    """
    _need_two(marginals, "greedy_coupling_batch")
    unit = _bits_per_unit(base)
    t = _check_tol(tol)
    ps = [_marginal_rows(m, f"marginals[{j}]", t, normalize) for j, m in enumerate(marginals)]
    nb = ps[0].shape[0]
    for j, p in enumerate(ps):
        if p.shape[0] != nb:
            raise ValueError(f"marginals[{j}]: has {p.shape[0]} rows, marginals[0] has {nb}")
    with_bounds = check_flag(bounds, "bounds")
    threads = check_threads(n_threads)
    offsets, idx, mass, ent, bnd = _core.mec_greedy_batch(marginals=ps, with_bounds=with_bounds, n_threads=threads)
    lbs = {name: bnd[:, j] / unit for j, name in enumerate(BOUND_METHODS)} if bounds else {}
    return CouplingBatch(offsets, idx, mass, [p.shape[1] for p in ps], ent / unit, lbs, base)


def coupling_lower_bound(
    *marginals: Any,
    method: str = "majorize_profile",
    normalize: bool = False,
    tol: float = 1e-9,
    base: float = 2,
) -> float:
    """A lower bound on the entropy of every coupling of the marginals.

    ``"majorization"``
        :math:`H(p_1 \\wedge \\dots \\wedge p_k)`: sort each marginal in
        decreasing order, take the elementwise minimum of the prefix sums,
        difference it (the meet of the majorization lattice; Cicalese et al.
        2019). Every coupling is majorized by the meet.
    ``"profile"``
        Compton et al. (2023): the :math:`x` lightest units of mass of any
        marginal sit in states (hence cells) of mass at most :math:`y`, for every
        pair (cumulative mass :math:`x`, state mass :math:`y`) of each marginal
        sorted increasingly; with :math:`c(u)` the tightest such cap at mass level
        :math:`u`, the bound is :math:`\\int_0^1 \\log(1/c(u))\\,du`.
    ``"majorize_profile"`` (default)
        The same constraints with whole cells: the sequence of largest
        admissible cells majorizes every admissible one; its entropy is the
        bound. Never weaker than the other two.

    Parameters
    ----------
    *marginals : array_like, 1-D
    method : {"majorization", "profile", "majorize_profile"}
    normalize, tol, base
        As in :func:`greedy_coupling`.

    Returns
    -------
    float
        In ``base`` units (bits by default).

    References
    ----------
    F. Cicalese, L. Gargano, U. Vaccaro, IEEE Trans. Inf. Theory 65(6), 2019;
    S. Compton, D. Katz, B. Qi, K. Greenewald, M. Kocaoglu, AISTATS 2023.

    Examples
    --------
    >>> from infoflux.mec import coupling_lower_bound
    >>> p, q = [0.5, 0.4, 0.1], [0.6, 0.2, 0.2]
    >>> [round(coupling_lower_bound(p, q, method=m), 10)
    ...  for m in ("majorization", "profile", "majorize_profile")]
    [1.4854752972, 1.6609640474, 1.7609640474]
    """
    _need_two(marginals, "coupling_lower_bound")
    method = check_choice(method, "method", BOUND_METHODS)
    unit = _bits_per_unit(base)
    t = _check_tol(tol)
    ps = [_marginal(m, f"marginals[{j}]", t, normalize) for j, m in enumerate(marginals)]
    b = _core.mec_bounds(marginals=ps)
    return b[BOUND_METHODS.index(method)] / unit


def one_bit_coupling(
    p: Any,
    q: Any,
    *,
    normalize: bool = False,
    tol: float = 1e-9,
    base: float = 2,
) -> Coupling:
    """A coupling of two marginals within one bit of the majorization bound.

    With :math:`z = p \\wedge q` the majorization meet, the result satisfies
    :math:`H(M) \\le H(z) + 1` bit, hence is within 1 bit of the optimum
    (Cicalese, Gargano & Vaccaro 2019). Construction: both marginals sorted
    decreasingly, states are visited from the lightest up; the meet's mass
    :math:`z_i = \\bar Z_i - \\bar Z_{i+1}` (tails
    :math:`\\bar Z_i = \\max(\\bar P_i, \\bar Q_i)`) is split into at most two
    cells, and the surplus of the heavier tail is carried upward as pending
    pieces that are never split again. :math:`O(n \\log n)`.

    The greedy coupling is usually better; this one comes with the
    worst-case guarantee.

    Parameters
    ----------
    p, q : array_like, 1-D
    normalize, tol, base
        As in :func:`greedy_coupling`.

    Returns
    -------
    Coupling
        With the three lower bounds; ``lower_bounds["majorization"]`` is :math:`H(z)`.

    References
    ----------
    F. Cicalese, L. Gargano, U. Vaccaro, "Minimum-entropy couplings and their
    applications", IEEE Trans. Inf. Theory 65(6):3436–3451, 2019.

    Examples
    --------
    >>> from infoflux.mec import one_bit_coupling
    >>> c = one_bit_coupling([0.5, 0.4, 0.1], [0.6, 0.2, 0.2])
    >>> c.entropy <= c.lower_bounds["majorization"] + 1
    True
    >>> c.marginal(0).round(12).tolist()
    [0.5, 0.4, 0.1]
    """
    unit = _bits_per_unit(base)
    t = _check_tol(tol)
    pa = _marginal(p, "p", t, normalize)
    qa = _marginal(q, "q", t, normalize)
    idx, mass, ent = _core.mec_one_bit(p=pa, q=qa)
    bnd = _core.mec_bounds(marginals=[pa, qa])
    return Coupling(idx, mass, (pa.size, qa.size), ent / unit, _bounds_dict(bnd, unit), base)


def ebim(
    p_x: Any,
    rate: float,
    *,
    normalize: bool = False,
    tol: float = 1e-9,
    base: float = 2,
) -> EBIMResult:
    """Greedy deterministic encoder for entropy-bounded information maximisation.

    EBIM: maximise :math:`I(X;T)` subject to :math:`H(T) \\le R`. For a
    deterministic :math:`T = f(X)`, :math:`I(X;T) = H(T)`. Greedy algorithm of
    Ebrahimi, Chen & Khisti (2024): start from the identity; while
    :math:`H(T) > R`, merge the two smallest masses of T if that meets the
    bound (and stop), otherwise merge the two largest. The result is within
    :math:`h(p_2)` bits of the best deterministic mapping (:math:`p_2` the
    second largest mass, :math:`h` the binary entropy). Merging the two
    largest always grows one top cluster of the sorted masses, so a single
    sort and a linear scan suffice: :math:`O(n \\log n)`, no :math:`n \\times n`
    matrix.

    Parameters
    ----------
    p_x : array_like, 1-D
    rate : float
        The bound R on :math:`H(T)`, in ``base`` units, >= 0. With
        :math:`R \\ge H(X)` the identity is returned; with R = 0 a constant.
        The bound is checked with a slack of 1e-12 bits, so that R = H(X)
        computed in any summation order still returns the identity; the
        reported H(T) never exceeds R by more than that.
    normalize, tol, base
        As in :func:`greedy_coupling`.

    Returns
    -------
    EBIMResult
        ``mapping``, ``p_t`` and ``mutual_information`` (= H(T) <= rate).

    References
    ----------
    M. R. Ebrahimi, J. Chen, A. Khisti, "Minimum entropy coupling with
    bottleneck", NeurIPS 2024 (Algorithm 1).

    Examples
    --------
    >>> from infoflux.mec import ebim
    >>> enc = ebim([0.4, 0.25, 0.15, 0.1, 0.06, 0.04], rate=1.5)
    >>> round(enc.mutual_information, 6), enc.p_t.round(2).tolist()
    (1.478898, [0.65, 0.15, 0.1, 0.1])
    >>> enc.mapping.tolist()
    [0, 0, 1, 2, 3, 3]
    """
    unit = _bits_per_unit(base)
    t = _check_tol(tol)
    r_bits = _rate_bits(rate, unit)
    p = _marginal(p_x, "p_x", t, normalize)
    mapping, p_t, h_t = _core.mec_ebim(p_x=p, rate_bits=r_bits)
    return EBIMResult(mapping, p_t, h_t / unit, check_real(rate, "rate", low=0.0, finite=False), base)


def bottleneck_coupling(
    p_x: Any,
    p_y: Any,
    rate: float,
    *,
    normalize: bool = False,
    tol: float = 1e-9,
    base: float = 2,
) -> BottleneckCoupling:
    """Minimum-entropy coupling with bottleneck (MEC-B).

    Couple :math:`X \\sim p_X` and :math:`Y \\sim p_Y` through a code T with
    :math:`H(T) \\le R`: the encoder is the greedy EBIM mapping :math:`t = f(x)`
    (:func:`ebim`), the decoder is the greedy MEC between :math:`p_T` and
    :math:`p_Y`, and the joint is
    :math:`p(x, y) = \\sum_t p(x, t)\\, p(y \\mid t) = p_X(x)\\, p(y \\mid f(x))`.
    Its marginals are exactly :math:`p_X` and :math:`p_Y`, and
    :math:`I(X;Y) = I(T;Y) = H(T) + H(Y) - H(T, Y)`.

    The joint has :math:`\\sum_t |f^{-1}(t)|\\, |\\mathrm{supp}\\, p(\\cdot \\mid t)|`
    cells: sparse for moderate rates, up to :math:`n_X n_Y` when R → 0 (then
    X and Y are independent).

    Parameters
    ----------
    p_x, p_y : array_like, 1-D
    rate : float
        Bound R on H(T), ``base`` units, >= 0.
    normalize, tol, base
        As in :func:`greedy_coupling`.

    Returns
    -------
    BottleneckCoupling

    References
    ----------
    M. R. Ebrahimi, J. Chen, A. Khisti, "Minimum entropy coupling with
    bottleneck", NeurIPS 2024.

    Examples
    --------
    >>> from infoflux.mec import bottleneck_coupling
    >>> r = bottleneck_coupling([0.4, 0.25, 0.15, 0.1, 0.06, 0.04],
    ...                         [0.35, 0.25, 0.2, 0.12, 0.08], rate=1.5)
    >>> round(r.encoder.mutual_information, 6), round(r.mutual_information, 6)
    (1.478898, 1.23864)
    """
    unit = _bits_per_unit(base)
    t = _check_tol(tol)
    r_bits = _rate_bits(rate, unit)
    px = _marginal(p_x, "p_x", t, normalize)
    py = _marginal(p_y, "p_y", t, normalize)
    mapping, p_t, h_t, dec, dec_b, mi, joint = _core.mec_bottleneck(p_x=px, p_y=py, rate_bits=r_bits)
    enc = EBIMResult(mapping, p_t, h_t / unit, check_real(rate, "rate", low=0.0, finite=False), base)
    decoder = Coupling(dec[0], dec[1], (p_t.size, py.size), dec[2] / unit, _bounds_dict(dec_b, unit), base)
    jc = Coupling(joint[0], joint[1], (px.size, py.size), joint[2] / unit, None, base)
    return BottleneckCoupling(enc, decoder, jc, mi / unit, base)


def sample_conditional(
    coupling: Coupling,
    x_index: int,
    rng: RngLike = None,
    *,
    axis: int = 0,
    size: int | None = None,
) -> Any:
    """Sample the other variables of a coupling given one of them.

    Draws from :math:`M(\\cdot \\mid X_{axis} = x)`, e.g. the stegotext token
    given the ciphertext block in MEC steganography, or the action given the
    message in a Markov coding game.

    Semantics: the conditional's cells are ordered by the other indices
    (lexicographically), and each sample consumes exactly one
    ``rng.random()`` draw :math:`u`, returning the first cell whose cumulative
    probability exceeds :math:`u` (inverse CDF). Two parties sharing a
    generator state therefore draw identically.

    Parameters
    ----------
    coupling : Coupling
    x_index : int
        State of marginal ``axis`` to condition on; it must have positive mass.
    rng : numpy.random.Generator, int seed >= 0, SeedSequence or None
        Passed through :func:`numpy.random.default_rng` (a Generator is used
        as is, advancing its state).
    axis : int
        Which marginal ``x_index`` refers to (default 0).
    size : int, optional
        Number of samples, 0 <= size <= 2**60; None returns a single sample.

    Returns
    -------
    int, tuple, or ndarray
        Two marginals: the other index (an int, or an int64 array of ``size``).
        k > 2: a tuple of the k − 1 other indices (or an array of shape
        ``(size, k - 1)``).

    References
    ----------
    C. Schroeder de Witt et al., "Perfectly secure steganography using
    minimum entropy coupling", ICLR 2023; S. Sokota et al., "Communicating
    via Markov decision processes", ICML 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflux.mec import greedy_coupling, sample_conditional
    >>> c = greedy_coupling([0.5, 0.5], [0.5, 0.25, 0.25])
    >>> sample_conditional(c, 0, np.random.default_rng(0))
    0
    >>> sorted(set(sample_conditional(c, 1, 0, size=100).tolist()))
    [1, 2]
    """
    if not isinstance(coupling, Coupling):
        raise TypeError(f"coupling: expected an infoflux.mec.Coupling, got {type(coupling).__name__}")
    if size is not None:
        size = check_int(size, "size", low=0, high=_CELLS_MAX)
    rng = check_seed(rng, "rng")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    others, probs = coupling._conditional(x_index, axis, "x_index")
    cdf = np.cumsum(probs)
    u = gen.random(size)
    pick = np.minimum(np.searchsorted(cdf, u, side="right"), cdf.size - 1)
    if len(others) == 1:
        out = others[0][pick]
        return int(out) if size is None else out
    if size is None:
        return tuple(int(o[pick]) for o in others)
    return np.stack([o[pick] for o in others], axis=-1)
