"""The transfer-entropy embedding: its parameters, their validation and the
construction of the embedded blocks, written once for both backends (the
blocks are slices of the series, joined by the backend's ``concat``)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Callable

from infoflux._validation import check_choice, check_int, check_k

# concat(arrays, axis): numpy.concatenate on the host, xp.concat on a device
Concat = Callable[[list[Any], int], Any]

METHODS = ("permutation", "time_shift", "block")


@dataclass(frozen=True)
class Embedding:
    """Embedding parameters, JIDT's (k, k_tau, l, l_tau, u) plus conditions."""

    history: int = 1
    history_delay: int = 1
    source_history: int = 1
    source_delay: int = 1
    lag: int = 1
    condition_history: tuple[int, ...] = ()
    condition_delay: tuple[int, ...] = ()
    condition_lag: tuple[int, ...] = ()

    @property
    def first_index(self) -> int:
        """s: the first time index n whose vectors are complete."""
        s = max((self.history - 1) * self.history_delay, (self.source_history - 1) * self.source_delay + self.lag - 1)
        for m, tau, w in zip(self.condition_history, self.condition_delay, self.condition_lag):
            s = max(s, (m - 1) * tau + w - 1)
        return s

    def rows(self, length: int) -> int:
        """Embedded rows of a trial of ``length`` samples: n = s, ..., T-2."""
        return max(0, length - self.first_index - 1)


@dataclass(frozen=True)
class EmbeddingArgs:
    """The embedding keywords of a public call, as given (validated per pair
    by :func:`check_embedding` once the number of condition columns is known)."""

    history: Any = 1
    history_delay: Any = 1
    source_history: Any = 1
    source_delay: Any = 1
    lag: Any = 1
    condition_history: Any = 1
    condition_delay: Any = 1
    condition_lag: Any = 1


def per_condition(value: Any, name: str, n_cond: int, low: int) -> tuple[int, ...]:
    """One integer for every condition column, or a sequence of one per
    column; the single integer is checked even when there are no conditions."""
    if isinstance(value, str) or not isinstance(value, Iterable) or getattr(value, "ndim", 1) == 0:
        return (check_int(value, name, low=low),) * n_cond
    vals = list(value)
    if len(vals) != n_cond:
        raise ValueError(f"{name}: expected one value per condition column ({n_cond}), got {len(vals)}")
    return tuple(check_int(v, f"{name}[{i}]", low=low) for i, v in enumerate(vals))


#: per_condition(value, name, low): one integer >= low for each condition column
PerCondition = Callable[[Any, str, int], tuple[int, ...]]


def embedding_of(args: EmbeddingArgs, per_condition: PerCondition) -> Embedding:
    """The embedding of a call's keywords, checked in their order: integers
    >= 1 for the target and source fields and the lag; each condition field
    read by ``per_condition`` (condition lags may be 0)."""
    return Embedding(
        history=check_int(args.history, "history", low=1),
        history_delay=check_int(args.history_delay, "history_delay", low=1),
        source_history=check_int(args.source_history, "source_history", low=1),
        source_delay=check_int(args.source_delay, "source_delay", low=1),
        lag=check_int(args.lag, "lag", low=1),
        condition_history=per_condition(args.condition_history, "condition_history", 1),
        condition_delay=per_condition(args.condition_delay, "condition_delay", 1),
        condition_lag=per_condition(args.condition_lag, "condition_lag", 0),
    )


def check_embedding(
    lengths: Sequence[int], n_cond: int, args: EmbeddingArgs, *, k: Any, exclude: int
) -> tuple[Embedding, int]:
    """Validate the embedding for trials of the given lengths and ``n_cond``
    condition columns; return (embedding, k). ``exclude`` is a validated
    Theiler window, which removes up to 2 * exclude candidates per point."""
    emb = embedding_of(args, lambda value, name, low: per_condition(value, name, n_cond, low))
    n_rows = sum(emb.rows(T) for T in lengths)
    k = check_k(
        k,
        n_rows,
        extra=2 * exclude,
        shortfall=f"history/lag: the embedding (first usable index {emb.first_index})",
        note=f" and exclude={exclude}" if exclude else "",
    )
    return emb, k


def check_trials(source: Sequence[Any], target: Sequence[Any]) -> None:
    """Source and target trials pair up: as many of each, of equal lengths."""
    if len(source) != len(target):
        raise ValueError(f"source and target: {len(source)} source trials but {len(target)} target trials")
    for i, (a, b) in enumerate(zip(source, target)):
        if a.shape[0] != b.shape[0]:
            where = f" in trial {i}" if len(source) > 1 else ""
            raise ValueError(f"source and target: series of different lengths{where} ({a.shape[0]} vs {b.shape[0]})")


def check_condition_trials(conditions: Sequence[Any], target: Sequence[Any]) -> None:
    """The conditions have a trial for each of the target's, of its length."""
    if len(conditions) != len(target):
        raise ValueError(f"conditions: {len(conditions)} trials but the target has {len(target)}")
    for c, b in zip(conditions, target):
        if c.shape[0] != b.shape[0]:
            raise ValueError(f"conditions: length {c.shape[0]} differs from the target's {b.shape[0]}")


def _columns(series: Any, start: int, stop: int, offsets: Sequence[int], concat: Concat) -> Any:
    """Columns series[start + o : stop + o] for each offset o, all dimensions
    of each: slices (a single one is returned as a view, not gathered)."""
    cols = [series[start + o : stop + o, :] for o in offsets]
    return cols[0] if len(cols) == 1 else concat(cols, 1)


def _stack(blocks: list[Any], axis: int, concat: Concat) -> Any:
    return blocks[0] if len(blocks) == 1 else concat(blocks, axis)


def embed(
    source: Sequence[Any],
    target: Sequence[Any],
    conditions: Sequence[Any] | None,
    emb: Embedding,
    concat: Concat,
) -> tuple[Any, Any, Any, list[int]]:
    """Embedded blocks (X source past, Y target next, Z target past +
    conditions), pooled over trials, and the number of rows of each trial.

    For each trial of length T, rows n = s, ..., T-2 with
    s = max((k-1) k_tau, (l-1) l_tau + u - 1, (m_c-1) tau_c + w_c - 1):

        target past  = [y_n, y_(n-k_tau), ..., y_(n-(k-1) k_tau)]
        target next  =  y_(n+1)
        source past  = [x_(n+1-u), x_(n+1-u-l_tau), ..., x_(n+1-u-(l-1) l_tau)]
        condition c  = [c_(n+1-w), c_(n+1-w-tau), ..., c_(n+1-w-(m-1) tau)]

    The trials are (n, d) arrays; :func:`check_embedding` has made sure that
    some rows exist.
    """
    s = emb.first_index
    xs, ys, zs, lengths = [], [], [], []
    for t, (x, y) in enumerate(zip(source, target)):
        m = emb.rows(y.shape[0])
        lengths.append(m)
        if m == 0:
            continue
        start, stop = s, s + m
        xs.append(
            _columns(x, start, stop, [1 - emb.lag - j * emb.source_delay for j in range(emb.source_history)], concat)
        )
        ys.append(_columns(y, start, stop, [1], concat))
        z = [_columns(y, start, stop, [-j * emb.history_delay for j in range(emb.history)], concat)]
        if conditions is not None:
            c = conditions[t]
            for col, (mc, tau, w) in enumerate(zip(emb.condition_history, emb.condition_delay, emb.condition_lag)):
                z.append(_columns(c[:, col : col + 1], start, stop, [1 - w - j * tau for j in range(mc)], concat))
        zs.append(_stack(z, 1, concat))
    return _stack(xs, 0, concat), _stack(ys, 0, concat), _stack(zs, 0, concat), lengths


def check_exclude(exclude: Any) -> int:
    return check_int(exclude, "exclude", low=0)


def check_method(method: Any, block_size: Any) -> tuple[str, int | None]:
    """The surrogate method and its explicit block size (None: the default,
    chosen per target by :func:`block_size_for`). A given block size is
    checked whatever the method, though only ``"block"`` uses it."""
    meth = check_choice(method, "method", METHODS)
    size = None if block_size is None else check_int(block_size, "block_size", low=1)
    return meth, size if meth == "block" else None


def block_size_for(method: str, block_size: int | None, lengths: Sequence[int]) -> int | None:
    """The block size a surrogate computation uses: None unless
    ``method="block"``, then the given one or sqrt of the shortest trial."""
    if method != "block":
        return None
    if block_size is None:
        return max(1, round(math.sqrt(min(lengths))))
    return block_size


def conditioning_columns(conditioning: Any, p: int, args: EmbeddingArgs) -> list[int] | None:
    """Validate a network's ``conditioning`` and condition embedding (one
    integer each); return the candidate conditioning columns (None for
    pairwise TE)."""
    for name, v in (
        ("condition_history", args.condition_history),
        ("condition_delay", args.condition_delay),
        ("condition_lag", args.condition_lag),
    ):
        check_int(v, name, low=0 if name == "condition_lag" else 1)
    if conditioning is None:
        return None
    if isinstance(conditioning, str):
        if conditioning != "all":
            raise ValueError(f"conditioning: must be None, 'all' or a sequence of column indices, got {conditioning!r}")
        return list(range(p))
    if not isinstance(conditioning, Iterable) or getattr(conditioning, "ndim", 1) != 1:
        raise TypeError(
            "conditioning: expected None, 'all' or a sequence of column indices, "
            f"got {type(conditioning).__name__} {conditioning!r}"
        )
    cols = [check_int(c, "conditioning", low=0, high=p - 1) for c in conditioning]
    if len(set(cols)) != len(cols):
        raise ValueError("conditioning: repeated column index")
    return cols
