"""mRMR feature selection, infoflux's MRMRSelector against mrmr-selection, side by side.

Side by side:  python benches/bench_mrmr.py [--n 100000] [--p 200] [--select 20] [--peer-mi-columns 6]
                                            [--one-thread]   (infoflux on one thread as well)
               python benches/bench_mrmr.py --peer-mi-full   (the peer with MI run through: hours)

Data: n samples of p continuous features with a 4-class target; 10
informative features, 40 noisy copies of them, the rest noise. Picking
``--select`` features by mRMR (difference):

- infoflux: ``MRMRSelector(criterion="mrmr")``, relevance and redundancy
  by MI (Ross 2014 for feature-class, KSG for feature-feature), on all
  cores (and on one thread with ``--one-thread``);
- mrmr-selection (``mrmr.mrmr_classif``) with its default scores:
  relevance by the F-statistic, redundancy by Pearson correlation;
- mrmr-selection with MI: its ``relevance=`` and ``redundancy=`` given
  scikit-learn's ``mutual_info_classif`` and ``mutual_info_regression``
  (n_jobs=-1), the same estimators as infoflux's. At the default size that
  run takes hours, so by default its time is extrapolated: scikit-learn's
  two functions are timed on ``--peer-mi-columns`` columns and scaled to
  the p relevance columns and the Σ_t (p - t) redundancy columns that
  mrmr-selection asks for (its own bookkeeping is left out, which favours
  it). ``--peer-mi-full`` runs it through instead.

Each configuration runs once (the timings are long); the ratios are the
figures to read.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable

import numpy as np
import pandas as pd
from mrmr import mrmr_classif
from sklearn.feature_selection import mutual_info_classif as sk_mic
from sklearn.feature_selection import mutual_info_regression as sk_mir

from infoflux.sklearn import MRMRSelector

sys.path.insert(0, os.path.dirname(__file__))
from _common import fmt, machine, versions


def make_data(n: int, p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    n_inf = min(10, p)
    w = rng.uniform(0.5, 1.5, size=n_inf)
    score = X[:, :n_inf] @ w
    y = np.digitize(score, np.quantile(score, [0.25, 0.5, 0.75]))
    for j in range(n_inf, min(n_inf + 40, p)):  # noisy copies of the informative features
        X[:, j] = X[:, j % n_inf] + 0.5 * X[:, j]
    return X, y


def timed(f: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = f()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--p", type=int, default=200)
    ap.add_argument("--select", type=int, default=20)
    ap.add_argument("--peer-mi-columns", type=int, default=6)
    ap.add_argument("--peer-mi-full", action="store_true")
    ap.add_argument("--one-thread", action="store_true")
    args = ap.parse_args()
    n, p, m = args.n, args.p, args.select
    X, y = make_data(n, p)
    df, ys = pd.DataFrame(X, columns=[f"f{j}" for j in range(p)]), pd.Series(y)

    print(f"# mRMR, {m} of {p} features, n = {n}, 4 classes")
    print(f"# {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}")
    print(f"# {versions('infoflux', 'mrmr-selection', 'scikit-learn', 'pandas', 'numpy')}")
    rows: list[tuple[str, float, str]] = []

    ta, sela = timed(lambda: MRMRSelector(m, random_state=0, n_jobs=None).fit(X, y))
    rows.append((f"infoflux MRMRSelector, MI, all cores ({os.cpu_count()})", ta, ""))
    if args.one_thread:
        t1, sel1 = timed(lambda: MRMRSelector(m, random_state=0, n_jobs=1).fit(X, y))
        rows.append(("infoflux MRMRSelector, MI, 1 thread", t1, ""))
        assert sela.order_.tolist() == sel1.order_.tolist(), "thread count changed the selection"

    tf, picked_f = timed(lambda: mrmr_classif(X=df, y=ys, K=m, show_progress=False))
    rows.append(("mrmr-selection, F-statistic + correlation (its default)", tf, ""))

    def relevance(X: pd.DataFrame, y: pd.Series) -> pd.Series:
        return pd.Series(sk_mic(X.to_numpy(), y.to_numpy(), random_state=0, n_jobs=-1), index=X.columns)

    def redundancy(target_column: str, features: list[str], X: pd.DataFrame) -> pd.Series:
        v = sk_mir(X[features].to_numpy(), X[target_column].to_numpy(), random_state=0, n_jobs=-1)
        return pd.Series(v, index=features)

    if args.peer_mi_full:
        tm, _ = timed(
            lambda: mrmr_classif(X=df, y=ys, K=m, relevance=relevance, redundancy=redundancy, show_progress=False)
        )
        rows.append(("mrmr-selection, MI (scikit-learn's estimators), run through", tm, ""))
    else:
        c = max(1, min(args.peer_mi_columns, p - 1))
        t_rel, _ = timed(lambda: relevance(df.iloc[:, :c], ys))
        t_red, _ = timed(lambda: redundancy("f0", [f"f{j}" for j in range(1, c + 1)], df))
        pairs = sum(p - t for t in range(1, m))
        tm = t_rel / c * p + t_red / c * pairs
        note = f"extrapolated: {c} columns timed, scaled to {p} + {pairs}"
        rows.append(("mrmr-selection, MI (scikit-learn's estimators)", tm, note))

    width = max(len(r[0]) for r in rows)
    print(f"{'configuration':<{width}}  {'time':>9}  vs infoflux (all cores)")
    for name, t, note in rows:
        print(f"{name:<{width}}  {fmt(t):>9}  {t / ta:8.2f}x  {note}")
    print(f"infoflux picks:       {sela.order_.tolist()}")
    print(f"mrmr-selection (F):   {[int(f[1:]) for f in picked_f]}")


if __name__ == "__main__":
    main()
