"""k-NN estimators written once against the Python array API standard.

The same functions run on NumPy (how CI tests them), CuPy and PyTorch (how
CUDA inputs are computed on the GPU): every operation goes through the
namespace ``xp`` that ``array_api_compat.array_namespace`` returns for the
input, so intermediates stay on the input's device and nothing is copied to
the host except scalars (the estimate, a validity flag) and, for the noise,
one host-to-device upload.

The numbers follow the Rust core (``rust/core/src/knn.rs``) operation for
operation so that float64 results agree to rounding:

* distances are ``|a - b|`` per coordinate, the max over a variable's
  columns, the joint distance the max over variables (max is exact, so the
  order does not matter); the Euclidean norm sums squares in column order and
  takes the square root last;
* the point itself (and, with ``window > 0``, every j with |i - j| <= window)
  is neither a neighbour nor counted;
* algorithm 1 counts strictly inside ε_i (the k-th joint-neighbour
  distance), algorithm 2 counts ``<=`` the per-variable extents of the k
  joint neighbours;
* ψ is the same recurrence + asymptotic series as ``special.rs``.

Two engines give the same counts:

* the sorted-window engine (the default, :func:`knn_counts_sorted`): the
  k-NN search looks at a window of neighbours in the order of one sorted
  column and accepts it only when the gap to the first sample outside proves
  that it holds the k nearest (else the window doubles), and counts walk the
  runs that an exact bisection finds in a sorted column. Work is about
  n x (samples close in that column), not n^2;
* the all-pairs engine (``search="brute"``, :func:`knn_counts`): (tile, n)
  distance tiles, O(n^2); simple enough to serve as the reference.

Memory stays bounded in both: every step runs over tiles of queries sized
so that their temporaries fit a budget (half the free device memory where
the library reports it, else 256 MiB); ``tile_size`` overrides the rows per
tile. One-column counting spaces use an exact vectorised bisection.

A hand-written kernel (CuPy RawKernel, Triton) fusing the window search
would save most of the memory traffic of these array operations; none is
included yet, because no GPU was available to test one against this code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

# Bytes budget for one tile's temporaries when the library cannot report its
# free memory (NumPy): small enough for CI machines, large enough that the
# per-tile Python overhead is negligible.
DEFAULT_HOST_BUDGET = 256 * 2**20
# Fraction of the free device memory a tile may use: the rest is headroom for
# the allocator's fragmentation and for other users of the device.
DEVICE_BUDGET_FRACTION = 0.5

# When not None, the estimators append (label, device) of their main
# intermediates here; the GPU tests use it to prove nothing went to the host.
TRACE: list[tuple[str, Any]] | None = None


def _trace(label: str, a: Any) -> None:
    if TRACE is not None:
        from array_api_compat import device

        TRACE.append((label, device(a)))


# ----------------------------------------------------------------- digamma


def _series(inv2: Any) -> Any:
    # Bernoulli terms B2n/(2n) of the asymptotic expansion, Horner form, in
    # the same order as rust/core/src/special.rs so the roundings match.
    return inv2 * (
        1.0 / 12.0
        - inv2
        * (
            1.0 / 120.0
            - inv2
            * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * (691.0 / 32760.0 - inv2 / 12.0))))
        )
    )


def digamma_scalar(x: float) -> float:
    """ψ(x) for a Python float x > 0, the algorithm of :func:`digamma`."""
    if not x > 0.0:
        return math.nan
    acc = 0.0
    while x < 10.0:
        acc -= 1.0 / x
        x += 1.0
    inv = 1.0 / x
    series: float = _series(inv * inv)
    return acc + math.log(x) - 0.5 * inv - series


def digamma(xp: Any, x: Any) -> Any:
    """Elementwise ψ(x) for x > 0 (float64 array), with array operations only.

    Upward recurrence ψ(x) = ψ(x + 1) - 1/x until x >= 10, then the
    asymptotic series ln x - 1/(2x) - Σ B₂ₙ/(2n x²ⁿ) to x⁻¹⁴ (error below
    1e-17 there). Ten recurrence steps bring any x > 0 to >= 10, so the loop
    has a fixed length and needs no data-dependent control flow. x <= 0
    gives NaN.
    """
    valid = x > 0.0
    x = xp.where(valid, x, 1.0)  # keep invalid entries out of 1/x and log
    acc = xp.zeros_like(x)
    for _ in range(10):
        small = x < 10.0
        # acc - 0.0 and x + 0.0 are exact, so where() reproduces the scalar loop
        acc = acc - xp.where(small, 1.0 / x, 0.0)
        x = xp.where(small, x + 1.0, x)
    inv = 1.0 / x
    out = acc + xp.log(x) - 0.5 * inv - _series(inv * inv)
    return xp.where(valid, out, xp.nan)


# ------------------------------------------------------------------ helpers


def _free_bytes(xp: Any, a: Any) -> int | None:
    """Free memory on ``a``'s device if the library reports it, else None."""
    from array_api_compat import is_cupy_array, is_torch_array

    try:
        if is_torch_array(a) and a.is_cuda:
            import torch

            return int(torch.cuda.mem_get_info(a.device)[0])
        if is_cupy_array(a):
            import cupy

            with cupy.cuda.Device(a.device.id):
                return int(cupy.cuda.runtime.memGetInfo()[0])
    except Exception:  # a library too old to say: fall back to the default budget
        return None
    return None


def tile_rows(xp: Any, a: Any, n: int, arrays_per_row: int, tile_size: int | None = None) -> int:
    """Rows per tile so that ``arrays_per_row`` (tile, n) float64 temporaries
    fit in the memory budget (or ``tile_size`` if given)."""
    if tile_size is not None:
        if isinstance(tile_size, bool) or not isinstance(tile_size, int) or tile_size < 1:
            raise ValueError(f"tile_size: expected a positive integer (rows per tile), got {tile_size!r}")
        return min(tile_size, n)
    free = _free_bytes(xp, a)
    budget = DEFAULT_HOST_BUDGET if free is None else int(free * DEVICE_BUDGET_FRACTION)
    rows = budget // max(1, n * 8 * arrays_per_row)
    return int(max(1, min(n, rows)))


def _take_rows(xp: Any, m: Any, idx: Any) -> Any:
    """m[r, idx[r]] for a 2-D m and 1-D idx (a gather without
    take_along_axis, which older array-API versions lack)."""
    t, n = m.shape
    flat = xp.reshape(m, (t * n,))
    return xp.take(flat, xp.arange(t, dtype=idx.dtype, device=_dev(m)) * n + idx)


def _dev(a: Any) -> Any:
    from array_api_compat import device

    return device(a)


def _excluded(xp: Any, i0: int, i1: int, n: int, window: int, dev: Any, trial: Any = None) -> Any:
    """(tile, n) mask of the pairs that may not be neighbours: j == i, and
    |i - j| <= window (Theiler window) when window > 0, within one trial when
    ``trial`` (int64 trial id per row) is given."""
    rows = xp.arange(i0, i1, dtype=xp.int64, device=dev)[:, None]
    cols = xp.arange(0, n, dtype=xp.int64, device=dev)[None, :]
    if window == 0:
        return rows == cols
    near = xp.abs(rows - cols) <= window
    if trial is not None:
        near = near & (trial[i0:i1][:, None] == trial[None, :])
    return near


def _group_distances(xp: Any, cols: Sequence[Any], q: Sequence[Any], group: range) -> Any:
    """(tile, n) max-norm distances over the columns of one variable."""
    d = None
    for c in group:
        dc = xp.abs(q[c][:, None] - cols[c][None, :])
        d = dc if d is None else xp.maximum(d, dc)
    return d


# PyTorch has a one-pass top-k; the generic 2k passes stay as the fallback
# (and are what CI tests). Set to False to force the generic code on PyTorch.
USE_TORCH_TOPK = True


def _library_topk(dist: Any, k: int) -> list[Any] | None:
    """torch.topk along the last axis (k smallest, increasing), or None for
    other libraries. Ties may come in another order than the generic code's;
    only algorithm 2 with exact ties can notice."""
    if not USE_TORCH_TOPK:
        return None
    from array_api_compat import is_torch_array

    if not is_torch_array(dist):
        return None
    import torch

    idx = torch.topk(dist, k, dim=-1, largest=False, sorted=True).indices
    return [idx[..., m] for m in range(k)]


def _k_smallest(xp: Any, dist: Any, k: int) -> list[Any]:
    """Column indices of the k smallest entries of each row, in increasing
    order (ties: lowest column first), by k rounds of argmin + masking.

    The array API has no top-k; k is small (typically 3 to 10), so k passes
    over the tile cost less than a sort of each row.
    """
    fast = _library_topk(dist, k)
    if fast is not None:
        return fast
    n = dist.shape[1]
    cols = xp.arange(0, n, dtype=xp.int64, device=_dev(dist))[None, :]
    out = []
    work = dist
    for m in range(k):
        idx = xp.argmin(work, axis=1)
        idx = xp.astype(idx, xp.int64)
        out.append(idx)
        if m + 1 < k:
            work = xp.where(cols == idx[:, None], xp.inf, work)
    return out


# ---------------------------------------------------------- 1-D counting


def _first_true(xp: Any, n: int, m: int, pred: Callable[[Any], Any], dev: Any) -> Any:
    """For each of m queries, the first j in [0, n] where the monotone
    (false...false true...true) predicate pred(j) holds; n if none.

    Vectorised bisection: ceil(log2(n + 1)) rounds, each one gather.
    """
    lo = xp.zeros((m,), dtype=xp.int64, device=dev)
    hi = xp.full((m,), n, dtype=xp.int64, device=dev)
    for _ in range(max(1, (n + 1).bit_length())):
        mid = (lo + hi) // 2
        ok = pred(xp.clip(mid, 0, n - 1)) | (mid >= n)
        open_ = lo < hi
        hi = xp.where(open_ & ok, mid, hi)
        lo = xp.where(open_ & ~ok, mid + 1, lo)
    return lo


def count_1d(xp: Any, v: Any, radius: Any, strict: bool, window: int = 0, trial: Any = None) -> Any:
    """#{j ≠ i (outside the window): |v_j - v_i| < radius_i (strict) or
    <= radius_i} for every i of a 1-D float array v.

    ``fl(|s - a|)`` is monotone in s on either side of a (subtraction is
    correctly rounded, hence monotone), so in sorted order the matches form
    one contiguous run around a; its ends are found by bisection with the
    exact comparison the brute-force count makes, so the counts are exact,
    not off by a rounding at the boundary.
    """
    n = v.shape[0]
    dev = _dev(v)
    order = xp.argsort(v, stable=True)
    s = xp.take(v, order)

    def inside(d: Any, r: Any = radius) -> Any:
        return d < r if strict else d <= r

    # left end: first j whose value is >= v_i or already close enough
    left = _first_true(xp, n, n, lambda j: (xp.take(s, j) >= v) | inside(v - xp.take(s, j)), dev)
    # right end: first j whose value is > v_i and too far
    right = _first_true(xp, n, n, lambda j: (xp.take(s, j) > v) & ~inside(xp.take(s, j) - v), dev)
    # The run [left, right) holds i itself. If even distance 0 is not inside
    # (a strict radius of 0: exact duplicates with algorithm 1), nothing is.
    self_in = inside(xp.zeros_like(radius))
    cnt = xp.where(self_in, right - left - 1, 0)
    for o in range(1, window + 1):
        # samples within the Theiler window that passed: remove them
        if o >= n:
            break
        d = xp.abs(v[o:] - v[:-o])
        fwd = inside(d, radius[:-o])  # i, its partner j = i + o
        bwd = inside(d, radius[o:])  # i, its partner j = i - o
        if trial is not None:  # the window never crosses a trial boundary
            same = trial[o:] == trial[:-o]
            fwd, bwd = fwd & same, bwd & same
        fwd, bwd = xp.astype(fwd, xp.int64), xp.astype(bwd, xp.int64)
        zero = xp.zeros((o,), dtype=xp.int64, device=dev)
        cnt = cnt - xp.concat([fwd, zero]) - xp.concat([zero, bwd])
    return cnt


# ------------------------------------------------------------- KSG engine


def knn_counts(
    xp: Any,
    joint: Any,
    groups: Sequence[range],
    spaces: Sequence[Sequence[int]],
    k: int,
    algorithm: int,
    window: int = 0,
    tile_size: int | None = None,
    trial: Any = None,
) -> list[Any]:
    """Neighbour counts of every sample in each marginal space.

    ``joint`` is (n, D) float; ``groups`` the column ranges of the variables;
    ``spaces`` lists the marginal spaces as lists of group ids. Returns one
    int64 array of shape (n,) per space: the number of j (not i, not in the
    window) whose distance in every group of the space is < ε_i
    (algorithm 1) or <= that group's extent among the k joint neighbours
    (algorithm 2).
    """
    n, D = joint.shape
    dev = _dev(joint)
    strict = algorithm == 1
    cols = [joint[:, c] for c in range(D)]
    one_col = [len(s) == 1 and len(groups[s[0]]) == 1 for s in spaces]
    # per-row radius of every group, filled tile by tile
    radius_parts: list[list[Any]] = [[] for _ in groups]
    tile_counts: list[list[Any]] = [[] for _ in spaces]
    rows = tile_rows(xp, joint, n, len(groups) + 4, tile_size)
    for i0 in range(0, n, rows):
        i1 = min(n, i0 + rows)
        q = [c[i0:i1] for c in cols]
        dg = [_group_distances(xp, cols, q, g) for g in groups]
        dj = dg[0]
        for d in dg[1:]:
            dj = xp.maximum(dj, d)
        excl = _excluded(xp, i0, i1, n, window, dev, trial)
        dj = xp.where(excl, xp.inf, dj)
        _trace("joint distances", dj)
        nbrs = _k_smallest(xp, dj, k)
        if strict:
            eps = _take_rows(xp, dj, nbrs[-1])
            rad = [eps for _ in groups]
        else:
            rad = []
            for d in dg:
                e = _take_rows(xp, d, nbrs[0])
                for idx in nbrs[1:]:
                    e = xp.maximum(e, _take_rows(xp, d, idx))
                rad.append(e)
        for g, r in enumerate(rad):
            radius_parts[g].append(r)
        for s, space in enumerate(spaces):
            if one_col[s]:
                continue
            inside = None
            for g in space:
                m = dg[g] < rad[g][:, None] if strict else dg[g] <= rad[g][:, None]
                inside = m if inside is None else inside & m
            inside = inside & ~excl
            tile_counts[s].append(xp.sum(xp.astype(inside, xp.int64), axis=1))
    radius = [xp.concat(p) for p in radius_parts]
    out = []
    for s, space in enumerate(spaces):
        if one_col[s]:
            g = space[0]
            out.append(count_1d(xp, cols[groups[g][0]], radius[g], strict, window, trial))
        else:
            out.append(xp.concat(tile_counts[s]))
        _trace("counts", out[-1])
    return out


def _f64(xp: Any, c: Any) -> Any:
    return xp.astype(c, xp.float64)


def _counts(
    xp: Any,
    joint: Any,
    groups: Sequence[range],
    spaces: Sequence[Sequence[int]],
    k: int,
    algorithm: int,
    window: int,
    tile_size: int | None,
    search: str,
    trial: Any = None,
) -> list[Any]:
    if search == "sorted":
        return [
            c[0, :] for c in knn_counts_sorted(xp, joint, None, groups, spaces, k, algorithm, window, trial, tile_size)
        ]
    if search == "brute":
        return knn_counts(xp, joint, groups, spaces, k, algorithm, window, tile_size, trial)
    raise ValueError(f"search: must be 'sorted' or 'brute', got {search!r}")


def mi_local(
    xp: Any,
    x: Any,
    y: Any,
    k: int,
    algorithm: int,
    window: int = 0,
    tile_size: int | None = None,
    search: str = "sorted",
) -> Any:
    """Local KSG mutual information (nats), shape (n,), float64.

    ``search``: "sorted" (sorted windows and runs, the default) or "brute"
    (all pairs in tiles); both give the same counts."""
    n = x.shape[0]
    joint = xp.concat([x, y], axis=1)
    dx, dy = x.shape[1], y.shape[1]
    groups = [range(dx), range(dx, dx + dy)]
    nx, ny = _counts(xp, joint, groups, [[0], [1]], k, algorithm, window, tile_size, search)
    psi_k, psi_n = digamma_scalar(float(k)), digamma_scalar(float(n))
    if algorithm == 1:
        return psi_k + psi_n - digamma(xp, _f64(xp, nx) + 1.0) - digamma(xp, _f64(xp, ny) + 1.0)
    return psi_k - 1.0 / k + psi_n - digamma(xp, _f64(xp, nx)) - digamma(xp, _f64(xp, ny))


def cmi_from_joint(
    xp: Any,
    joint: Any,
    groups: Sequence[range],
    k: int,
    algorithm: int,
    window: int = 0,
    tile_size: int | None = None,
    search: str = "sorted",
) -> Any:
    """Local conditional MI I(X;Y|Z) (nats) on a joint matrix whose column
    groups are X, Y, Z."""
    nxz, nyz, nz = _counts(xp, joint, groups, [[0, 2], [1, 2], [2]], k, algorithm, window, tile_size, search)
    psi_k = digamma_scalar(float(k))
    if algorithm == 1:
        return (
            psi_k
            - digamma(xp, _f64(xp, nxz) + 1.0)
            - digamma(xp, _f64(xp, nyz) + 1.0)
            + digamma(xp, _f64(xp, nz) + 1.0)
        )
    nxz, nyz, nz = _f64(xp, nxz), _f64(xp, nyz), _f64(xp, nz)
    return psi_k - 2.0 / k + digamma(xp, nz) - digamma(xp, nxz) - digamma(xp, nyz) + 1.0 / nxz + 1.0 / nyz


def cmi_local(
    xp: Any,
    x: Any,
    y: Any,
    z: Any,
    k: int,
    algorithm: int,
    window: int = 0,
    tile_size: int | None = None,
    search: str = "sorted",
) -> Any:
    """Local Frenzel-Pompe (algorithm 1) or JIDT algorithm-2 CMI (nats)."""
    dx, dy, dz = x.shape[1], y.shape[1], z.shape[1]
    joint = xp.concat([x, y, z], axis=1)
    groups = [range(dx), range(dx, dx + dy), range(dx + dy, dx + dy + dz)]
    return cmi_from_joint(xp, joint, groups, k, algorithm, window, tile_size, search)


def _ln_ball_diameter1(d: int, metric: str) -> float:
    """ln of the volume of the ball of diameter 1 in dimension d."""
    if metric == "chebyshev":
        return 0.0
    return d / 2.0 * math.log(math.pi) - math.lgamma(d / 2.0 + 1.0) - d * math.log(2.0)


def entropy_local(xp: Any, x: Any, k: int, metric: str, tile_size: int | None = None, search: str = "sorted") -> Any:
    """Local Kozachenko-Leonenko entropy (nats):
    h_i = ψ(N) - ψ(k) + ln c_d + d ln(2 ρ_i)."""
    n, d = x.shape
    if search == "sorted":
        rho = kth_distance_sorted(xp, x, k, metric, tile_size)
        return _entropy_values(xp, rho, n, d, k, metric)
    if search != "brute":
        raise ValueError(f"search: must be 'sorted' or 'brute', got {search!r}")
    dev = _dev(x)
    cols = [x[:, c] for c in range(d)]
    rows = tile_rows(xp, x, n, 4, tile_size)
    rho_parts = []
    for i0 in range(0, n, rows):
        i1 = min(n, i0 + rows)
        dist = None
        for c in range(d):
            diff = cols[c][i0:i1][:, None] - cols[c][None, :]
            if metric == "chebyshev":
                term = xp.abs(diff)
                dist = term if dist is None else xp.maximum(dist, term)
            else:
                term = diff * diff  # squared sum in column order, as the k-d tree
                dist = term if dist is None else dist + term
        dist = xp.where(_excluded(xp, i0, i1, n, 0, dev), xp.inf, dist)
        _trace("distances", dist)
        idx = _k_smallest(xp, dist, k)[-1]
        rho_parts.append(_take_rows(xp, dist, idx))
    rho = xp.concat(rho_parts)
    if metric == "euclidean":
        rho = xp.sqrt(rho)
    return _entropy_values(xp, rho, n, d, k, metric)


def _entropy_values(xp: Any, rho: Any, n: int, d: int, k: int, metric: str) -> Any:
    if bool(xp.any(rho == 0.0)):
        raise ValueError(
            "x: duplicate samples: the distance to the k-th neighbour is 0, so the entropy is -inf; "
            "add noise (noise>0) or raise k"
        )
    base = digamma_scalar(float(n)) - digamma_scalar(float(k)) + _ln_ball_diameter1(d, metric)
    return base + float(d) * xp.log(2.0 * _f64(xp, rho))


def mi_matrix(xp: Any, X: Any, k: int, algorithm: int, tile_size: int | None = None, search: str = "sorted") -> Any:
    """(p, p) matrix of KSG MI (nats) between the columns of X, diagonal NaN."""
    p = X.shape[1]
    dev = _dev(X)
    vals = {}
    for a in range(p):
        for b in range(a + 1, p):
            loc = mi_local(xp, X[:, a : a + 1], X[:, b : b + 1], k, algorithm, 0, tile_size, search)
            vals[(a, b)] = xp.mean(loc)
    # assemble on the device: one row at a time from the 0-d means
    nan = xp.full((), xp.nan, dtype=xp.float64, device=dev)
    rows = []
    for a in range(p):
        row = [nan if a == b else vals[(min(a, b), max(a, b))] for b in range(p)]
        rows.append(xp.stack(row))
    return xp.stack(rows)


# ------------------------------------------------------- transfer entropy


def _take_last(xp: Any, m: Any, idx: Any) -> Any:
    """m[..., r, idx[..., r]]: gather along the last axis of a (t, n) or
    (B, t, n) array m with (B, t) or (t,) indices (m broadcast over B)."""
    t, n = m.shape[-2], m.shape[-1]
    lead = idx.shape[:-1]
    if m.ndim == 2 and len(lead):
        # the same (t, n) matrix for every batch member
        flat_idx = xp.reshape(xp.arange(t, dtype=idx.dtype, device=_dev(m)) * n + idx, (-1,))
        return xp.reshape(xp.take(xp.reshape(m, (t * n,)), flat_idx), idx.shape)
    B = 1
    for b in lead:
        B *= b
    base = xp.reshape(xp.arange(B * t, dtype=idx.dtype, device=_dev(m)), idx.shape) * n
    flat = xp.take(xp.reshape(m, (B * t * n,)), xp.reshape(base + idx, (-1,)))
    return xp.reshape(flat, idx.shape)


def cmi_batched(
    xp: Any,
    xs: Any,
    y: Any,
    z: Any,
    k: int,
    algorithm: int,
    window: int = 0,
    trial: Any = None,
    tile_size: int | None = None,
    search: str = "sorted",
) -> Any:
    """Local CMI I(X_b; Y | Z) (nats) for a batch of sources X_b against one
    target side (Y, Z): ``xs`` is (B, n, dx), the result (B, n).

    This is how transfer-entropy surrogates run in one pass: the target-side
    distances d_Y, d_Z of a row tile are computed once and shared by every
    source of the batch, whose joint searches and counts then run as one
    (B, tile, n) array operation. Conventions are those of
    :func:`cmi_from_joint` (and the Rust core's ``te`` module), value for value.
    """
    B, n, dx = xs.shape
    dy, dz = y.shape[1], z.shape[1]
    dev = _dev(y)
    strict = algorithm == 1
    if search == "sorted":
        groups = [range(dx), range(dx, dx + dy), range(dx + dy, dx + dy + dz)]
        nxz, nyz, nz = knn_counts_sorted(
            xp, xp.concat([y, z], axis=1), xs, groups, [[0, 2], [1, 2], [2]], k, algorithm, window, trial, tile_size
        )
        return _cmi_values(xp, nxz, nyz, nz, k, strict)
    if search != "brute":
        raise ValueError(f"search: must be 'sorted' or 'brute', got {search!r}")
    xcols = [xs[:, :, c] for c in range(dx)]  # (B, n) each
    ycols = [y[:, c] for c in range(dy)]
    zcols = [z[:, c] for c in range(dz)]

    def lt(d: Any, r: Any) -> Any:  # the count comparison, radii broadcast over the last axis
        return d < r[..., None] if strict else d <= r[..., None]

    rows = tile_rows(xp, y, n, 6 * B + 4, tile_size)
    parts: dict[str, list[Any]] = {"xz": [], "yz": [], "z": [], "rz": []}
    for i0 in range(0, n, rows):
        i1 = min(n, i0 + rows)
        dY = _group_distances(xp, ycols, [c[i0:i1] for c in ycols], range(dy))
        dZ = _group_distances(xp, zcols, [c[i0:i1] for c in zcols], range(dz))
        dX = None
        for c in xcols:
            dc = xp.abs(c[:, i0:i1, None] - c[:, None, :])
            dX = dc if dX is None else xp.maximum(dX, dc)
        excl = _excluded(xp, i0, i1, n, window, dev, trial)
        dj = xp.where(excl[None, :, :], xp.inf, xp.maximum(dX, xp.maximum(dY, dZ)[None, :, :]))
        _trace("joint distances", dj)
        nbrs = _k_smallest_last(xp, dj, k)
        if strict:
            eps = _take_last(xp, dj, nbrs[-1])
            rx = ry = rz = eps
        else:
            rx, ry, rz = (_extent(xp, d, nbrs) for d in (dX, dY, dZ))
        keep = ~excl[None, :, :]
        parts["xz"].append(xp.sum(xp.astype(lt(dX, rx) & lt(dZ[None, :, :], rz) & keep, xp.int64), axis=-1))
        parts["yz"].append(xp.sum(xp.astype(lt(dY[None, :, :], ry) & lt(dZ[None, :, :], rz) & keep, xp.int64), axis=-1))
        if dz > 1:
            parts["z"].append(xp.sum(xp.astype(lt(dZ[None, :, :], rz) & keep, xp.int64), axis=-1))
        parts["rz"].append(rz)
    nxz = xp.concat(parts["xz"], axis=1)
    nyz = xp.concat(parts["yz"], axis=1)
    if dz > 1:
        nz = xp.concat(parts["z"], axis=1)
    else:
        rz = xp.concat(parts["rz"], axis=1)
        nz = xp.stack([count_1d(xp, zcols[0], rz[b, :], strict, window, trial) for b in range(B)])
    _trace("counts", nxz)
    return _cmi_values(xp, nxz, nyz, nz, k, strict)


def _cmi_values(xp: Any, nxz: Any, nyz: Any, nz: Any, k: int, strict: bool) -> Any:
    """Local CMI from the counts: Frenzel-Pompe (strict) or JIDT algorithm 2."""
    psi_k = digamma_scalar(float(k))
    if strict:
        return (
            psi_k
            - digamma(xp, _f64(xp, nxz) + 1.0)
            - digamma(xp, _f64(xp, nyz) + 1.0)
            + digamma(xp, _f64(xp, nz) + 1.0)
        )
    nxz, nyz, nz = _f64(xp, nxz), _f64(xp, nyz), _f64(xp, nz)
    return psi_k - 2.0 / k + digamma(xp, nz) - digamma(xp, nxz) - digamma(xp, nyz) + 1.0 / nxz + 1.0 / nyz


def _k_smallest_last(xp: Any, dist: Any, k: int) -> list[Any]:
    """As :func:`_k_smallest` along the last axis of a (B, t, n) array."""
    fast = _library_topk(dist, k)
    if fast is not None:
        return fast
    n = dist.shape[-1]
    cols = xp.arange(0, n, dtype=xp.int64, device=_dev(dist))
    out = []
    work = dist
    for m in range(k):
        idx = xp.astype(xp.argmin(work, axis=-1), xp.int64)
        out.append(idx)
        if m + 1 < k:
            work = xp.where(cols == idx[..., None], xp.inf, work)
    return out


def _extent(xp: Any, d: Any, nbrs: list[Any]) -> Any:
    """Largest distance in ``d`` among the k neighbours (algorithm 2)."""
    e = _take_last(xp, d, nbrs[0])
    for idx in nbrs[1:]:
        e = xp.maximum(e, _take_last(xp, d, idx))
    return e


# ------------------------------------------------- sorted-window engine
#
# The brute-force engine above does O(n^2) work per estimate. This one finds
# the same neighbours and counts with work proportional to the samples that
# are close in one coordinate, which for the low-dimensional spaces of KSG
# estimators is a small fraction of n:
#
# * k-NN search: samples are sorted by one column (the "sort column"); the
#   candidates of the query at sorted position p are positions p - W ... p + W.
#   Let ε̂ be the k-th smallest joint distance among the candidates. Every
#   sample outside the window is at least gap = min(s_p - s_(p-W-1),
#   s_(p+W+1) - s_p) away in the sort column (fl(|a - b|) is monotone in b),
#   hence at least gap away in the max norm; if gap > ε̂ the candidates hold
#   the k nearest neighbours and ε̂ = ε exactly. Queries that fail retry
#   with W doubled, until the window is the whole data set.
# * counts in a space of several columns: the samples within the radius in
#   one (sorted) column form a contiguous run, found by exact bisection; the
#   run is walked in chunks, the other columns compared exactly.
#
# Queries are flat over (batch member b, sorted position p): a batch of
# sources (transfer-entropy surrogates) shares the target-side columns, the
# sorted orders and runs, and differs only in the gathered source values.


class _Columns:
    """Column access for a batch: ``per`` (B, n, Dp) columns differ by batch
    member (the TE source), ``shared`` (n, Ds) columns are common. Column c
    < Dp is per-member, c >= Dp is shared column c - Dp."""

    def __init__(self, xp: Any, shared: Any, per: Any) -> None:
        self.xp = xp
        self.n = shared.shape[0]
        self.B = 1 if per is None else per.shape[0]
        self.Dp = 0 if per is None else per.shape[2]
        self.shared = [shared[:, c] for c in range(shared.shape[1])]
        self.per = [] if per is None else [xp.reshape(per[:, :, c], (-1,)) for c in range(self.Dp)]
        self.D = self.Dp + len(self.shared)

    def is_shared(self, c: int) -> bool:
        return c >= self.Dp

    def values(self, c: int, b: Any, i: Any) -> Any:
        """Column c at original sample indices i of members b (same shapes;
        b is ignored for shared columns)."""
        xp = self.xp
        shape = i.shape
        if self.is_shared(c):
            return xp.reshape(xp.take(self.shared[c - self.Dp], xp.reshape(i, (-1,))), shape)
        flat = xp.reshape(b * self.n + i, (-1,))
        return xp.reshape(xp.take(self.per[c], flat), shape)


def _excl_pairs(xp: Any, oi: Any, oj: Any, window: int, trial: Any) -> Any:
    """Mask of excluded (query, candidate) pairs, by original indices oi
    (broadcast against oj): the sample itself, and the Theiler window."""
    ex = oj == oi
    if window > 0:
        near = xp.abs(oj - oi) <= window
        if trial is not None:
            tj = xp.reshape(xp.take(trial, xp.reshape(oj, (-1,))), oj.shape)
            ti = xp.reshape(xp.take(trial, xp.reshape(oi, (-1,))), oi.shape)
            near = near & (tj == ti)
        ex = ex | near
    return ex


def _rows_for(n_items: int, width: int, arrays: int, like: Any, xp: Any, tile_size: int | None) -> int:
    """Queries per tile when each query holds ``arrays`` temporaries of
    ``width`` entries."""
    if tile_size is not None:
        return tile_rows(xp, like, n_items, 1, tile_size)
    free = _free_bytes(xp, like)
    budget = DEFAULT_HOST_BUDGET if free is None else int(free * DEVICE_BUDGET_FRACTION)
    return int(max(1, min(n_items, budget // max(1, width * 8 * arrays))))


def _bisect_run(xp: Any, sv: Any, a: Any, r: Any, strict: bool) -> Any:
    """[lo, hi): the positions j of the sorted values sv with
    fl(|sv_j - a|) inside r (< r or <= r), per query; exact (see count_1d).
    Empty (lo == hi) when even distance 0 is not inside."""
    n = sv.shape[0]
    dev = _dev(sv)
    m = a.shape[0]

    def inside(d: Any) -> Any:
        return d < r if strict else d <= r

    lo = _first_true(xp, n, m, lambda j: (xp.take(sv, j) >= a) | inside(a - xp.take(sv, j)), dev)
    hi = _first_true(xp, n, m, lambda j: (xp.take(sv, j) > a) & ~inside(xp.take(sv, j) - a), dev)
    return lo, xp.where(inside(xp.zeros_like(r)), hi, lo)


def _search_rounds(
    xp: Any,
    cols: Any,
    groups: Sequence[range],
    order: Any,
    sv: Any,
    pending: Any,
    W: int,
    k: int,
    strict: bool,
    window: int,
    trial: Any,
    like: Any,
    tile_size: int | None,
    metric: str = "max",
) -> Any:
    """k-NN search of the queries ``pending`` by sorted windows, starting at
    half-width W and doubling for the queries whose window is not proven to
    hold their k nearest neighbours. Returns (query ids, (q, G) radii per
    group) per tile, and (window, number of queries it sufficed for) pairs."""
    n = cols.n
    dev = _dev(sv)
    done_q, done_r, needed = [], [], []
    while pending.shape[0] > 0:
        W = min(W, n)
        offs = xp.concat(
            [xp.arange(-W, 0, dtype=xp.int64, device=dev), xp.arange(1, W + 1, dtype=xp.int64, device=dev)]
        )
        rows = _rows_for(pending.shape[0], 2 * W, len(groups) + 6, like, xp, tile_size)
        failed = []
        for t0 in range(0, pending.shape[0], rows):
            q = pending[t0 : min(t0 + rows, pending.shape[0])]  # in-bounds stop (array API)
            qb, qp = q // n, q % n
            pos = qp[:, None] + offs[None, :]
            valid = (pos >= 0) & (pos < n)
            oj = xp.reshape(xp.take(order, xp.reshape(xp.clip(pos, 0, n - 1), (-1,))), pos.shape)
            oi = xp.take(order, qp)
            bb = qb[:, None]
            dg = []
            for rg in groups:
                d = None
                for c in rg:
                    diff = cols.values(c, bb, oj) - cols.values(c, qb, oi)[:, None]
                    if metric == "euclidean":  # squared, summed in column order as the k-d tree
                        dc = diff * diff
                        d = dc if d is None else d + dc
                    else:
                        dc = xp.abs(diff)
                        d = dc if d is None else xp.maximum(d, dc)
                dg.append(d)
            dj = dg[0]
            for d in dg[1:]:
                dj = xp.maximum(dj, d)
            if window > 0:
                valid = valid & ~_excl_pairs(xp, oi[:, None], oj, window, trial)
            # (offset 0 is not a candidate: the query itself never is)
            dj = xp.where(valid, dj, xp.inf)
            _trace("joint distances", dj)
            nbrs = _k_smallest(xp, dj, k)
            eps = _take_rows(xp, dj, nbrs[-1])
            left = xp.where(qp - W - 1 >= 0, xp.take(sv, qp) - xp.take(sv, xp.clip(qp - W - 1, 0, n - 1)), xp.inf)
            right = xp.where(qp + W + 1 < n, xp.take(sv, xp.clip(qp + W + 1, 0, n - 1)) - xp.take(sv, qp), xp.inf)
            # fewer than k usable candidates: the k-th pick repeated an
            # earlier one, so eps is meaningless; retry with a wider window
            enough = xp.sum(xp.astype(dj < xp.inf, xp.int64), axis=1) >= k
            gap = xp.minimum(left, right)
            if metric == "euclidean":  # eps is a squared distance; fl(g*g) is monotone in g
                gap = gap * gap
            ok = (gap > eps) & enough
            if strict:
                rad = [eps for _ in groups]
            else:
                rad = []
                for d in dg:
                    e = _take_rows(xp, d, nbrs[0])
                    for idx in nbrs[1:]:
                        e = xp.maximum(e, _take_rows(xp, d, idx))
                    rad.append(e)
            done_q.append(q[ok])
            needed.append((W, int(xp.sum(xp.astype(ok, xp.int64)))))
            done_r.append(xp.stack([r[ok] for r in rad], axis=1))
            failed.append(q[~ok])
        pending = xp.concat(failed)
        if W >= n and pending.shape[0] > 0:  # cannot happen: the window is everything
            raise RuntimeError("k-NN search did not converge")
        W *= 2
    return done_q, done_r, needed


def _pilot_window(
    xp: Any,
    cols: Any,
    groups: Sequence[range],
    order: Any,
    sv: Any,
    k: int,
    strict: bool,
    window: int,
    trial: Any,
    like: Any,
    tile_size: int | None,
    metric: str = "max",
) -> int:
    """Start window: the one that 90% of ~1000 spread-out queries need, so
    that most queries succeed in the first round instead of doubling."""
    m = cols.B * cols.n
    pilot = xp.arange(0, m, max(1, m // 1000), dtype=xp.int64, device=_dev(sv))
    _, _, w_needed = _search_rounds(
        xp, cols, groups, order, sv, pilot, max(8, 4 * k), k, strict, window, trial, like, tile_size, metric
    )
    total, acc = sum(c for _, c in w_needed), 0
    for w, c in sorted(w_needed):
        acc += c
        if acc >= 0.9 * total:
            return int(w)
    return max(8, 4 * k)


def kth_distance_sorted(
    xp: Any, x: Any, k: int, metric: str, tile_size: int | None = None, start_window: int | None = None
) -> Any:
    """Distance of every sample of x (n, d) to its k-th nearest neighbour
    (max norm, or Euclidean), by the sorted-window search."""
    cols = _Columns(xp, x, None)
    n = cols.n
    dev = _dev(x)
    v = cols.shared[0]
    order = xp.astype(xp.argsort(v, stable=True), xp.int64)
    sv = xp.take(v, order)
    met = "euclidean" if metric == "euclidean" else "max"
    groups = [range(x.shape[1])]
    W = start_window or _pilot_window(xp, cols, groups, order, sv, k, True, 0, None, x, tile_size, met)
    done_q, done_r, _ = _search_rounds(
        xp,
        cols,
        groups,
        order,
        sv,
        xp.arange(0, n, dtype=xp.int64, device=dev),
        int(W),
        k,
        True,
        0,
        None,
        x,
        tile_size,
        met,
    )
    eps = xp.take(xp.concat(done_r, axis=0)[:, 0], xp.argsort(xp.concat(done_q)))  # by sorted position
    rho = xp.take(eps, xp.astype(xp.argsort(order, stable=True), xp.int64))  # by sample
    return xp.sqrt(rho) if met == "euclidean" else rho


def knn_counts_sorted(
    xp: Any,
    shared: Any,
    per: Any,
    groups: Sequence[range],
    spaces: Sequence[Sequence[int]],
    k: int,
    algorithm: int,
    window: int = 0,
    trial: Any = None,
    tile_size: int | None = None,
    start_window: int | None = None,
) -> list[Any]:
    """Neighbour counts as :func:`knn_counts`, by sorted windows and runs.

    ``shared`` (n, Ds) and ``per`` (B, n, Dp) or None: the joint space of
    member b is [per[b], shared] (per-member columns first); ``groups`` are
    column ranges in that numbering. Returns one (B, n) int64 array per space.
    Every space of several columns, and the search, needs a shared column.
    """
    cols = _Columns(xp, shared, per)
    n, B = cols.n, cols.B
    dev = _dev(shared)
    strict = algorithm == 1
    m = B * n
    group_of = {c: g for g, rg in enumerate(groups) for c in rg}

    sort_cache: dict[int, Any] = {}

    def sorted_col(c: int) -> Any:  # (order, sorted values, inverse order) of a shared column
        if c not in sort_cache:
            v = cols.shared[c - cols.Dp]
            order = xp.astype(xp.argsort(v, stable=True), xp.int64)
            sort_cache[c] = (order, xp.take(v, order), xp.astype(xp.argsort(order, stable=True), xp.int64))
        return sort_cache[c]

    # ---- search: queries q = b * n + p, p a position in the sort column
    cs = cols.Dp
    order, sv, _ = sorted_col(cs)
    W = start_window or _pilot_window(xp, cols, groups, order, sv, k, strict, window, trial, shared, tile_size)
    done_q, done_r, _ = _search_rounds(
        xp,
        cols,
        groups,
        order,
        sv,
        xp.arange(0, m, dtype=xp.int64, device=dev),
        int(W),
        k,
        strict,
        window,
        trial,
        shared,
        tile_size,
    )
    perm = xp.argsort(xp.concat(done_q))
    radius = xp.take(xp.concat(done_r, axis=0), perm, axis=0)  # (m, G) in query order
    qb_all = xp.arange(0, m, dtype=xp.int64, device=dev) // n
    oi_all = xp.take(order, xp.arange(0, m, dtype=xp.int64, device=dev) % n)
    # ---- counts, per space, in query order
    out = []
    for space in spaces:
        scols = [c for g in space for c in groups[g]]
        shared_cols = [c for c in scols if cols.is_shared(c)]
        if not shared_cols:
            raise ValueError("internal: every counting space needs a column shared by the batch")
        c0 = shared_cols[0]
        order0, sv0, _ = sorted_col(c0)
        a = cols.values(c0, qb_all, oi_all)
        r0 = radius[:, group_of[c0]]
        lo, hi = _bisect_run(xp, sv0, a, r0, strict)
        others = [c for c in scols if c != c0]
        if not others:
            # one column: the run is the answer, less the excluded samples in it
            cnt = hi - lo
            cnt = cnt - xp.astype((r0 > 0.0) if strict else (r0 >= 0.0), xp.int64)  # the sample itself
            for o in range(1, window + 1):
                for sign in (1, -1):
                    j = oi_all + sign * o
                    ok = (j >= 0) & (j < n)
                    jc = xp.clip(j, 0, n - 1)
                    if trial is not None:
                        ok = ok & (xp.take(trial, jc) == xp.take(trial, oi_all))
                    d = xp.abs(cols.values(c0, qb_all, jc) - a)
                    ok = ok & ((d < r0) if strict else (d <= r0))
                    cnt = cnt - xp.astype(ok, xp.int64)
            out.append(cnt)
            continue
        # several columns: walk the runs in chunks of C positions
        C = 256
        rows = _rows_for(m, C, len(others) + 5, shared, xp, tile_size)
        parts = []
        lens = hi - lo
        # tiles of queries with similar run lengths: the work of a tile is
        # its row count times its longest run
        by_len = xp.argsort(lens)
        for t0 in range(0, m, rows):
            t1 = min(m, t0 + rows)
            sel = by_len[t0:t1]
            lo_t, len_t = xp.take(lo, sel), xp.take(lens, sel)
            qb_t, oi_t = xp.take(qb_all, sel), xp.take(oi_all, sel)
            qb, oi = qb_t[:, None], oi_t[:, None]
            own = [cols.values(c, qb_t, oi_t)[:, None] for c in others]
            rad_o = [xp.take(radius[:, group_of[c]], sel)[:, None] for c in others]
            cnt = xp.zeros((t1 - t0,), dtype=xp.int64, device=dev)
            longest = int(xp.max(len_t)) if t1 > t0 else 0
            for w0 in range(0, longest, C):
                step = xp.arange(w0, w0 + C, dtype=xp.int64, device=dev)[None, :]
                valid = step < len_t[:, None]
                pos = xp.clip(lo_t[:, None] + step, 0, n - 1)
                oj = xp.reshape(xp.take(order0, xp.reshape(pos, (-1,))), pos.shape)
                inside = valid & ~_excl_pairs(xp, oi, oj, window, trial)
                for c, own_c, r in zip(others, own, rad_o):
                    d = xp.abs(cols.values(c, qb, oj) - own_c)
                    inside = inside & ((d < r) if strict else (d <= r))
                cnt = cnt + xp.sum(xp.astype(inside, xp.int64), axis=1)
            parts.append(cnt)
        out.append(xp.take(xp.concat(parts), xp.argsort(by_len)))
    # query order (b, sorted position p) -> (b, original sample order[p])
    _, _, inv = sorted_col(cs)
    back = xp.reshape(xp.arange(0, B, dtype=xp.int64, device=dev)[:, None] * n + inv[None, :], (-1,))
    res = [xp.reshape(xp.take(c, back), (B, n)) for c in out]
    for c in res:
        _trace("counts", c)
    return res
