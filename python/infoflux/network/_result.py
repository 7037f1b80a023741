"""Results of a network inference: one :class:`TargetResult` per target and
the :class:`NetworkResult` that joins them (adjacency matrices, pandas and
networkx views, a plot, JSON files)."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

# a variable: (process, lag), lag in samples before the target's current value
Var = tuple[int, int]

_FORMAT = "infoflux.network/1"


@dataclass(frozen=True)
class Step:
    """One test of the analysis of a target.

    ``kind`` is "target" or "source" (inclusion by the maximum statistic:
    the best candidate of the round), "prune" (the minimum statistic: the
    weakest selected variable) or "sequential" (the sequential maximum
    statistic of a selected variable); ``statistic`` is its conditional MI
    (nats) and ``significant`` whether p < the step's alpha.
    """

    kind: str
    variable: Var
    statistic: float
    p_value: float
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "variable": list(self.variable),
            "statistic": self.statistic,
            "p_value": self.p_value,
            "significant": self.significant,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Step:
        return cls(d["kind"], _var(d["variable"]), float(d["statistic"]), float(d["p_value"]), bool(d["significant"]))


def _var(v: Any) -> Var:
    return (int(v[0]), int(v[1]))


def _opt(v: Any) -> float | None:
    return None if v is None else float(v)


@dataclass(frozen=True)
class TargetResult:
    """The analysis of one target.

    Attributes
    ----------
    target : int
        The target process.
    sources_tested : tuple of int
        The processes whose past was offered as candidates.
    selected_target_past : tuple of (process, lag)
        The target's own past variables in the conditioning set (TE
        algorithms; empty for MI).
    selected_sources : tuple of (process, lag)
        The source variables that passed every test (and the FDR
        correction, in a network's result).
    source_te, source_p : tuple of float
        Per selected source variable: its conditional MI with the target's
        current value given every other selected variable (nats), and its
        p-value of the sequential maximum statistic.
    omnibus_te, omnibus_p : float or None
        The conditional MI of all sources selected before the omnibus test
        jointly, given the target past, and its p-value (None when no
        source variable reached the omnibus test).
    omnibus_significant : bool
    steps : tuple of Step
        Every test in the order it ran.
    fdr_significant : bool or None
        Whether the target (or, with ``correct_by_target=False``, any of
        its variables) survived the FDR correction; None without it.
    """

    target: int
    sources_tested: tuple[int, ...]
    selected_target_past: tuple[Var, ...]
    selected_sources: tuple[Var, ...]
    source_te: tuple[float, ...]
    source_p: tuple[float, ...]
    omnibus_te: float | None
    omnibus_p: float | None
    omnibus_significant: bool
    steps: tuple[Step, ...]
    fdr_significant: bool | None = None

    def restricted(self, keep: set[Var], fdr: bool) -> TargetResult:
        """The result with only the ``keep`` source variables, after FDR."""
        idx = [i for i, v in enumerate(self.selected_sources) if v in keep]
        return replace(
            self,
            selected_sources=tuple(self.selected_sources[i] for i in idx),
            source_te=tuple(self.source_te[i] for i in idx),
            source_p=tuple(self.source_p[i] for i in idx),
            fdr_significant=fdr,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "sources_tested": list(self.sources_tested),
            "selected_target_past": [list(v) for v in self.selected_target_past],
            "selected_sources": [list(v) for v in self.selected_sources],
            "source_te": list(self.source_te),
            "source_p": list(self.source_p),
            "omnibus_te": self.omnibus_te,
            "omnibus_p": self.omnibus_p,
            "omnibus_significant": self.omnibus_significant,
            "steps": [s.to_dict() for s in self.steps],
            "fdr_significant": self.fdr_significant,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TargetResult:
        fdr = d.get("fdr_significant")
        return cls(
            target=int(d["target"]),
            sources_tested=tuple(int(p) for p in d["sources_tested"]),
            selected_target_past=tuple(_var(v) for v in d["selected_target_past"]),
            selected_sources=tuple(_var(v) for v in d["selected_sources"]),
            source_te=tuple(float(v) for v in d["source_te"]),
            source_p=tuple(float(v) for v in d["source_p"]),
            omnibus_te=_opt(d["omnibus_te"]),
            omnibus_p=_opt(d["omnibus_p"]),
            omnibus_significant=bool(d["omnibus_significant"]),
            steps=tuple(Step.from_dict(s) for s in d["steps"]),
            fdr_significant=None if fdr is None else bool(fdr),
        )


_WEIGHTS = ("binary", "te", "p_value", "max_lag")


@dataclass(frozen=True)
class NetworkResult:
    """The inferred network: a :class:`TargetResult` per analysed target.

    Attributes
    ----------
    n_processes : int
    targets : dict of int to TargetResult
        The final results (after the FDR correction, when it was asked for).
    settings : dict
        The settings of the analysis (algorithm, lags, permutations, alphas,
        seeds), as saved with the result.
    """

    n_processes: int
    targets: dict[int, TargetResult]
    settings: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, target: int) -> TargetResult:
        return self.targets[target]

    def edges(self) -> list[tuple[int, int, int, float, float]]:
        """Every selected source variable as (source, target, lag, TE, p)."""
        out = []
        for t, r in sorted(self.targets.items()):
            for (p, lag), te, pv in zip(r.selected_sources, r.source_te, r.source_p):
                out.append((p, t, lag, te, pv))
        return out

    def adjacency(self, weights: str = "binary") -> npt.NDArray[Any]:
        """(n_processes, n_processes) matrix, entry [source, target]:

        - "binary": 1 where any past variable of the source was selected, else 0 (int);
        - "te": the largest TE of the source's selected variables (0.0 without an edge);
        - "p_value": the smallest p-value of them (NaN without an edge);
        - "max_lag": the lag of the variable of the largest TE (0 without an edge, int).
        """
        if weights not in _WEIGHTS:
            raise ValueError(f"weights: must be one of {', '.join(map(repr, _WEIGHTS))}, got {weights!r}")
        P = self.n_processes
        binary = np.zeros((P, P), dtype=np.int64)
        te = np.zeros((P, P))
        pv = np.full((P, P), np.nan)
        lag = np.zeros((P, P), dtype=np.int64)
        for s, t, lg, v, p in self.edges():
            if binary[s, t] == 0 or v > te[s, t]:
                te[s, t] = v
                lag[s, t] = lg
            binary[s, t] = 1
            pv[s, t] = p if math.isnan(pv[s, t]) else min(pv[s, t], p)
        return {"binary": binary, "te": te, "p_value": pv, "max_lag": lag}[weights]

    def to_pandas(self) -> Any:
        """The selected source variables as a pandas DataFrame (columns
        source, target, lag, te, p_value, omnibus_te, omnibus_p); needs pandas."""
        import pandas as pd  # optional dependency: imported only when asked for

        rows = [
            {
                "source": s,
                "target": t,
                "lag": lg,
                "te": v,
                "p_value": p,
                "omnibus_te": self.targets[t].omnibus_te,
                "omnibus_p": self.targets[t].omnibus_p,
            }
            for s, t, lg, v, p in self.edges()
        ]
        cols = ["source", "target", "lag", "te", "p_value", "omnibus_te", "omnibus_p"]
        return pd.DataFrame(rows, columns=cols)

    def to_networkx(self) -> Any:
        """A networkx DiGraph: every process a node, an edge source -> target
        where any source variable was selected, with attributes ``lags``
        (sorted list), ``te`` and ``max_lag`` (of the variable of the largest
        TE) and ``p_value`` (the smallest); needs networkx."""
        import networkx as nx  # optional dependency: imported only when asked for

        g = nx.DiGraph()
        g.add_nodes_from(range(self.n_processes))
        te, pv, lag = self.adjacency("te"), self.adjacency("p_value"), self.adjacency("max_lag")
        lags: dict[tuple[int, int], list[int]] = {}
        for s, t, lg, _v, _p in self.edges():
            lags.setdefault((s, t), []).append(lg)
        for (s, t), ls in sorted(lags.items()):
            g.add_edge(s, t, lags=sorted(ls), te=float(te[s, t]), p_value=float(pv[s, t]), max_lag=int(lag[s, t]))
        return g

    def plot(self, kind: str = "graph", ax: Any = None) -> Any:
        """Draw the network (needs matplotlib) and return the axes.

        ``kind="graph"``: processes on a circle, an arrow per edge labelled
        with its lag u (of the largest TE) and TE; ``kind="heatmap"``: the
        "te" adjacency matrix (rows sources, columns targets).
        """
        import matplotlib.pyplot as plt  # optional dependency: imported only when asked for

        if kind not in ("graph", "heatmap"):
            raise ValueError(f"kind: must be 'graph' or 'heatmap', got {kind!r}")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 5))
        P = self.n_processes
        te, lag = self.adjacency("te"), self.adjacency("max_lag")
        if kind == "heatmap":
            im = ax.imshow(te, cmap="viridis")
            ax.set_xlabel("target")
            ax.set_ylabel("source")
            ax.set_xticks(range(P))
            ax.set_yticks(range(P))
            ax.figure.colorbar(im, ax=ax, label="TE (nats)")
            return ax
        angle = 2 * np.pi * np.arange(P) / P
        xy = np.column_stack([np.cos(angle), np.sin(angle)])
        for i in range(P):
            ax.annotate(str(i), xy[i], ha="center", va="center", bbox={"boxstyle": "circle", "fc": "w"})
        for s, t in zip(*np.nonzero(self.adjacency("binary"))):
            ax.annotate("", xy=xy[t] * 0.85, xytext=xy[s] * 0.85, arrowprops={"arrowstyle": "->"})
            mid = (xy[s] + xy[t]) / 2 * 0.85
            ax.text(mid[0], mid[1], f"u={lag[s, t]}, {te[s, t]:.2f}", fontsize=8, ha="center")
        ax.set_xlim(-1.3, 1.3)
        ax.set_ylim(-1.3, 1.3)
        ax.set_aspect("equal")
        ax.axis("off")
        return ax

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "n_processes": self.n_processes,
            "settings": self.settings,
            "targets": [self.targets[t].to_dict() for t in sorted(self.targets)],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NetworkResult:
        if d.get("format") != _FORMAT:
            raise ValueError(f"path: not a saved network result (format {d.get('format')!r})")
        targets = {int(r["target"]): TargetResult.from_dict(r) for r in d["targets"]}
        return cls(n_processes=int(d["n_processes"]), targets=targets, settings=dict(d["settings"]))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the result as JSON (floats written exactly: a loaded result
        equals the saved one)."""
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=1)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NetworkResult:
        """Read a result written by :meth:`save`."""
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))
