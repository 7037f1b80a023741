"""Bias and RMSE of the KSG mutual information estimators (algorithms 1 and 2,
k = 1, 3, 5, 10) and of the local non-uniformity correction (LNC) on tasks of
the "Beyond Normal" benchmark (P. Czyż, F. Grabowski, J. E. Vogt,
N. Beerenwinkel, A. Marx, NeurIPS 2023).

    python benches/accuracy_knn.py [--n 5000] [--seeds 10] [--high-dim-seeds 2] [--tasks SUBSTRING]

Each task is sampled ``--seeds`` times (``--high-dim-seeds`` times for the
joint dimensions of 50 and more, whose k-NN searches take most of the time)
at N = ``--n`` and estimated with ``infoflux.mutual_info`` at its defaults
(normalisation, noise 1e-8, all cores). The ground truths are the closed
forms the benchmark uses:

- multivariate normal: I = ½ log(det Σ_X det Σ_Y / det Σ); "dense" has every
  correlation 0.5, "sparse" (the benchmark's 2-pair task) correlates
  X_1-Y_1 and X_2-Y_2 at 0.8 and nothing else (I = -log 0.36 for any size);
- Student-t with identity dispersion and ν degrees of freedom: the Gaussian
  part (0 here) plus h(ν, d_X) + h(ν, d_Y) - h(ν, d_X + d_Y), with
  h(ν, d) = log Γ(ν/2) - log Γ((ν+d)/2) + (ν+d)/2 (ψ((ν+d)/2) - ψ(ν/2)) + d/2 log(νπ)
  the entropy of the standard d-dimensional t (Arellano-Valle, Contreras-Reyes
  and Genton, Scand. J. Stat. 40, 2013);
- additive noise: X ~ U(0, 1), Y = X + U(-ε, ε); I = ε - log 2ε for ε ≤ ½,
  1/(4ε) above;
- half-cube: x ↦ sign(x)|x|^{3/2} on every coordinate of a normal task, a
  diffeomorphism of each variable, so I is the base task's.

LNC runs on KSG algorithm 1 where k ≥ the joint dimension, with the
threshold α(k, d) set to the 5% quantile of V̄/V over neighbourhoods of k
points uniform in a d-cube (where no correction is due), estimated here by
Monte Carlo with a fixed seed. Prints Markdown tables (bias, then RMSE, in
nats) after a header with the command, date, CPU and versions.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone

import numpy as np
from scipy.special import digamma, gammaln

import infoflux
from _common import machine, versions

Sampler = Callable[[int, np.random.Generator], "tuple[np.ndarray, np.ndarray]"]
KS = (1, 3, 5, 10)
LNC_KS = (5, 10)


def mvn_truth(cov: np.ndarray, dx: int) -> float:
    ld = np.linalg.slogdet
    return 0.5 * float(ld(cov[:dx, :dx])[1] + ld(cov[dx:, dx:])[1] - ld(cov)[1])


def dense(dx: int, dy: int, off: float = 0.5) -> np.ndarray:
    d = dx + dy
    return np.full((d, d), off) + (1.0 - off) * np.eye(d)


def two_pair(dx: int, dy: int, rho: float = 0.8) -> np.ndarray:
    cov = np.eye(dx + dy)
    for i in range(2):
        cov[i, dx + i] = cov[dx + i, i] = rho
    return cov


def mvn_sampler(cov: np.ndarray, dx: int) -> Sampler:
    chol = np.linalg.cholesky(cov)

    def draw(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        xy = rng.standard_normal((n, cov.shape[0])) @ chol.T
        return xy[:, :dx], xy[:, dx:]

    return draw


def t_entropy(nu: float, d: int) -> float:
    h = 0.5 * (nu + d)
    return float(gammaln(nu / 2) - gammaln(h) + h * (digamma(h) - digamma(nu / 2)) + d / 2 * math.log(nu * math.pi))


def student_sampler(dx: int, dy: int, nu: float) -> Sampler:
    def draw(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        z = rng.standard_normal((n, dx + dy))
        xy = z / np.sqrt(rng.chisquare(nu, size=(n, 1)) / nu)
        return xy[:, :dx], xy[:, dx:]

    return draw


def additive_sampler(eps: float) -> Sampler:
    def draw(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(0.0, 1.0, n)
        return x[:, None], (x + rng.uniform(-eps, eps, n))[:, None]

    return draw


def additive_truth(eps: float) -> float:
    return eps - math.log(2 * eps) if eps <= 0.5 else 1.0 / (4 * eps)


def half_cube(base: Sampler) -> Sampler:
    def draw(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x, y = base(n, rng)
        return np.sign(x) * np.abs(x) ** 1.5, np.sign(y) * np.abs(y) ** 1.5

    return draw


def tasks() -> list[tuple[str, int, int, Sampler, float]]:
    out: list[tuple[str, int, int, Sampler, float]] = []
    for m in (2, 5, 25, 50):
        for kind, cov in (("dense", dense(m, m)), ("sparse", two_pair(m, m))):
            out.append((f"Normal {m}×{m} ({kind})", m, m, mvn_sampler(cov, m), mvn_truth(cov, m)))
    for dx, nu in ((1, 1.0), (2, 1.0), (2, 5.0)):
        truth = 2 * t_entropy(nu, dx) - t_entropy(nu, 2 * dx)
        out.append((f"Student-t {dx}×{dx} (ν={nu:g})", dx, dx, student_sampler(dx, dx, nu), truth))
    out.extend(
        (f"Additive noise 1×1 (ε={eps:g})", 1, 1, additive_sampler(eps), additive_truth(eps)) for eps in (0.1, 0.75)
    )
    bi = np.array([[1.0, 0.75], [0.75, 1.0]])
    out.append(("Half-cube @ normal 1×1 (ρ=0.75)", 1, 1, half_cube(mvn_sampler(bi, 1)), mvn_truth(bi, 1)))
    c5 = two_pair(5, 5)
    out.append(("Half-cube @ normal 5×5 (sparse)", 5, 5, half_cube(mvn_sampler(c5, 5)), mvn_truth(c5, 5)))
    return out


def lnc_alpha(k: int, d: int, draws: int = 20000, quantile: float = 0.05) -> float:
    """The `quantile` of V̄/V (principal-axes over axis-aligned box, both
    centred on the sample) for k points uniform in [-1, 1]^d."""
    rng = np.random.default_rng(1000 * k + d)
    u = rng.uniform(-1.0, 1.0, (draws, k, d))
    log_v = np.log(np.abs(u).max(axis=1)).sum(axis=1)
    _, vecs = np.linalg.eigh(np.einsum("mki,mkj->mij", u, u))
    log_vbar = np.log(np.abs(np.einsum("mki,mij->mkj", u, vecs)).max(axis=1)).sum(axis=1)
    return float(np.quantile(np.exp(log_vbar - log_v), quantile))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--high-dim-seeds", type=int, default=2, help="seeds for joint dimension >= 50")
    ap.add_argument("--tasks", default="", help="only the tasks whose name contains this")
    args = ap.parse_args()
    cols = [f"KSG{a} k={k}" for a in (1, 2) for k in KS] + [f"LNC k={k}" for k in LNC_KS]
    print("`" + " ".join(["python", "benches/accuracy_knn.py", *sys.argv[1:]]) + "`")
    print(f"\n{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}")
    print(f"{versions('infoflux', 'numpy', 'scipy')}; N = {args.n}\n")
    bias_rows, rmse_rows = [], []
    for ti, (name, dx, dy, draw, truth) in enumerate(tasks()):
        if args.tasks not in name:
            continue
        d = dx + dy
        seeds = args.seeds if d < 50 else args.high_dim_seeds
        t0 = time.perf_counter()
        errs: dict[str, list[float]] = {c: [] for c in cols}
        alphas = {k: lnc_alpha(k, d) for k in LNC_KS if k >= d}
        for s in range(seeds):
            x, y = draw(args.n, np.random.default_rng([ti, s]))
            for a in (1, 2):
                for k in KS:
                    errs[f"KSG{a} k={k}"].append(infoflux.mutual_info(x, y, k=k, algorithm=a) - truth)
            for k, alpha in alphas.items():
                errs[f"LNC k={k}"].append(infoflux.mutual_info(x, y, k=k, lnc_alpha=alpha) - truth)
        head = f"| {name} | {truth:.3f} | {seeds} |"
        bias_rows.append(head + "".join(f" {np.mean(e):+.3f} |" if e else " – |" for e in errs.values()))
        rmse = [math.sqrt(np.mean(np.square(e))) if e else None for e in errs.values()]
        rmse_rows.append(head + "".join(" – |" if r is None else f" {r:.3f} |" for r in rmse))
        used = ", ".join(f"α({k}, {d}) = {a:.3f}" for k, a in alphas.items()) or "no LNC (k < d)"
        print(f"{name}: {time.perf_counter() - t0:.1f} s; {used}", file=sys.stderr, flush=True)
    for title, rows in (("Bias (mean estimate - truth), nats", bias_rows), ("RMSE, nats", rmse_rows)):
        print(f"**{title}**\n")
        print("| task | I (nats) | seeds | " + " | ".join(cols) + " |")
        print("|---|---|---|" + "---|" * len(cols))
        print("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
