"""``infoflux.sklearn.mutual_info_classif`` against scikit-learn's, side by side.

Side by side:  python benches/bench_sklearn.py [--n 100000] [--p 20] [--classes 10] [--repeat 3]

N samples of p continuous features and a label of ``--classes`` equiprobable
classes (each feature the label times a feature-specific weight plus
Gaussian noise), ``random_state=0``, best wall time of ``--repeat`` runs
(scikit-learn: of as many as fit in a minute), with ``n_jobs=1`` and with
``n_jobs=-1`` (all cores) for both libraries. The two results must agree to
1e-12. The times include the preprocessing both libraries share (scaling,
the noise draw from the RandomState).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import datetime, timezone

import numpy as np
from sklearn.feature_selection import mutual_info_classif as sk_mic

from infoflux.sklearn import mutual_info_classif as if_mic

sys.path.insert(0, os.path.dirname(__file__))
from _common import best_of, fmt, machine, versions


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--p", type=int, default=20)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    print(f"versions: Python {platform.python_version()}, {versions('infoflux', 'scikit-learn', 'numpy', 'scipy')}")
    print(
        f"command: python benches/bench_sklearn.py --n {args.n} --p {args.p} --classes {args.classes} "
        f"--repeat {args.repeat}"
    )
    print()
    rng = np.random.default_rng(0)
    y = rng.integers(0, args.classes, args.n)
    X = y[:, None] * rng.uniform(0.0, 0.5, args.p) + rng.standard_normal((args.n, args.p))
    print(f"mutual_info_classif, {args.n} samples x {args.p} continuous features, {args.classes} classes")
    print()
    print("| n_jobs | scikit-learn | infoflux | ratio |")
    print("|---|---|---|---|")
    for jobs in (1, -1):
        ours = if_mic(X, y, random_state=0, n_jobs=jobs)
        theirs = sk_mic(X, y, random_state=0, n_jobs=jobs)
        gap = float(np.max(np.abs(ours - theirs)))
        if gap > 1e-12:
            raise SystemExit(f"the results differ by {gap:.3g} (n_jobs={jobs})")
        t_sk = best_of(lambda: sk_mic(X, y, random_state=0, n_jobs=jobs), repeat=args.repeat, budget=180.0)
        t_if = best_of(lambda: if_mic(X, y, random_state=0, n_jobs=jobs), repeat=args.repeat)
        label = "1" if jobs == 1 else f"-1 ({os.cpu_count()} cores)"
        print(f"| {label} | {fmt(t_sk)} | {fmt(t_if)} | {t_sk / t_if:.1f}x |")


if __name__ == "__main__":
    main()
