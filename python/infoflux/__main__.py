"""``python -m infoflux demo``: every family of infoflux on built-in
synthetic data with a known answer, printed beside the answer with its unit
and run time."""

from __future__ import annotations

import argparse
import functools
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import infoflux
from infoflux import sklearn as drop_in

#: The samples -n accepts: fewer leave the k-NN rows too noisy to check
#: against their truths, more are the benchmarks' business.
N_MIN, N_MAX = 1_000, 10_000_000
N_DEFAULT = 20_000
#: Samples of the surrogate test (99 surrogates): enough to find the coupling.
N_SIGNIFICANCE = 2_000


@dataclass(frozen=True)
class Row:
    """One line of the table: ``run()`` gives the value in ``unit``; it
    passes when within ``tol`` of ``truth`` or, without a truth, when
    ``check(value)`` holds (``expect`` then says what is expected)."""

    name: str
    unit: str
    run: Callable[[], float]
    truth: float | None
    tol: float = 0.0
    expect: str = ""
    check: Callable[[float], bool] | None = None

    def passes(self, value: float) -> bool:
        if self.truth is not None:
            return abs(value - self.truth) <= self.tol
        return self.check is not None and self.check(value)


def knn_tolerance(n: int) -> float:
    """What a k-NN estimate may miss its truth by at n samples: its bias
    (about 0.01 nats here) plus four standard errors of about 1/sqrt(n)."""
    return 0.02 + 4.0 / math.sqrt(n)


def _ar_pair(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x white noise, y_t = 0.5 y_(t-1) + 0.5 x_(t-1) + e_t: TE(x->y) = 0.5 ln 1.25."""
    x = rng.standard_normal(n)
    e = rng.standard_normal(n)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = 0.5 * y[t - 1] + 0.5 * x[t - 1] + e[t]
    return x, y


def _mi(xy: np.ndarray) -> float:
    return float(infoflux.mutual_info(xy[:, 0], xy[:, 1]))


def _knn_rows(n: int, rng: np.random.Generator) -> list[Row]:
    tol = knn_tolerance(n)
    rows: list[Row] = []
    pairs: dict[float, np.ndarray] = {}
    for rho in (0.3, 0.6, 0.9):
        xy = pairs[rho] = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
        rows.append(
            Row(
                f"mutual_info, Gaussian pair rho={rho}, KSG-1",
                "nats",
                functools.partial(_mi, xy),
                -0.5 * math.log(1 - rho**2),
                tol,
            )
        )
    a = rng.standard_normal((5, 5))
    cov = a @ a.T + 2 * np.eye(5)
    d = np.sqrt(np.diag(cov))
    cov /= np.outer(d, d)
    z = rng.multivariate_normal(np.zeros(5), cov, size=n)
    det = np.linalg.det
    rows.append(
        Row(
            "mutual_info, 3-D vs 2-D Gaussian, KSG-2",
            "nats",
            lambda: float(infoflux.mutual_info(z[:, :3], z[:, 3:], algorithm=2)),
            0.5 * math.log(det(cov[:3, :3]) * det(cov[3:, 3:]) / det(cov)),
            tol,
        )
    )
    rows.append(
        Row(
            "entropy, 2-D Gaussian (Kozachenko-Leonenko)",
            "nats",
            lambda: float(infoflux.entropy(z[:, :2])),
            0.5 * math.log((2 * math.pi * math.e) ** 2 * det(cov[:2, :2])),
            tol,
        )
    )
    c = rng.standard_normal(n)
    x = c + rng.standard_normal(n)
    y = c + x + rng.standard_normal(n)
    rows.append(
        Row(
            "conditional_mutual_info I(X;Y|Z) (Frenzel-Pompe)",
            "nats",
            lambda: float(infoflux.conditional_mutual_info(x, y, c)),
            0.5 * math.log(2.0),
            tol,
        )
    )
    i, j = np.unravel_index(np.argmax(np.abs(cov - np.eye(5))), cov.shape)
    rows.append(
        Row(
            f"mutual_info_matrix, 5 Gaussian columns: ({min(i, j)}, {max(i, j)})",
            "nats",
            lambda: float(infoflux.mutual_info_matrix(z)[i, j]),
            -0.5 * math.log(1 - cov[i, j] ** 2),
            tol,
        )
    )
    six = pairs[0.6]
    rows.append(
        Row(
            "sklearn.mutual_info_regression, rho=0.6 pair",
            "nats",
            lambda: float(drop_in.mutual_info_regression(six[:, :1], six[:, 1], random_state=0)[0]),
            -0.5 * math.log(1 - 0.6**2),
            tol,
        )
    )
    return rows


def _te_rows(n: int, rng: np.random.Generator) -> list[Row]:
    tol = knn_tolerance(n)
    te = 0.5 * math.log(1.25)
    src, tgt = _ar_pair(n, rng)
    s_src, s_tgt = _ar_pair(N_SIGNIFICANCE, rng)
    net = np.column_stack([src, tgt, rng.standard_normal(n)])
    return [
        Row(
            "transfer_entropy X->Y, coupled AR(1) (KSG)",
            "nats",
            lambda: float(infoflux.transfer_entropy(src, tgt)),
            te,
            tol,
        ),
        Row(
            "transfer_entropy Y->X, same pair (no flow)",
            "nats",
            lambda: float(infoflux.transfer_entropy(tgt, src)),
            0.0,
            tol,
        ),
        Row(
            f"transfer_entropy_significance X->Y, n={N_SIGNIFICANCE:,}",
            "p-value",
            lambda: infoflux.transfer_entropy_significance(s_src, s_tgt, n_surrogates=99).p_value,
            None,
            expect="0.01 (1/100)",
            check=lambda p: p <= 0.011,
        ),
        Row(
            "transfer_entropy_matrix, 3 channels: (0, 1)",
            "nats",
            lambda: float(infoflux.transfer_entropy_matrix(net).values[0, 1]),
            te,
            tol,
        ),
    ]


def _coupling_rows() -> list[Row]:
    """Exact answers: the greedy coupling the majorize-profile bound certifies
    optimal, and the worked EBIM/MEC-B example of Ebrahimi, Chen & Khisti."""
    p, q = [0.5, 0.4, 0.1], [0.6, 0.2, 0.2]
    px = [0.4, 0.25, 0.15, 0.1, 0.06, 0.04]
    py = [0.35, 0.25, 0.2, 0.12, 0.08]
    # the cells of X=1 are (1, 1) and (1, 2), 0.25 each
    halves = infoflux.greedy_coupling([0.5, 0.5], [0.5, 0.25, 0.25])
    opt = 1.7609640474  # H of the cells (0.5, 0.2, 0.1, 0.1, 0.1): 0.5 + 0.2 log2 5 + 0.3 log2 10
    return [
        Row(
            "greedy_coupling, p=(.5,.4,.1) q=(.6,.2,.2)",
            "bits",
            lambda: infoflux.greedy_coupling(p, q).entropy,
            opt,
            1e-9,
        ),
        Row(
            "greedy_coupling_batch, the same pair twice",
            "bits",
            lambda: float(infoflux.greedy_coupling_batch([p, p], [q, q]).entropy[1]),
            opt,
            1e-9,
        ),
        Row("coupling_lower_bound (majorize_profile)", "bits", lambda: infoflux.coupling_lower_bound(p, q), opt, 1e-9),
        Row(
            "one_bit_coupling, same pair",
            "bits",
            lambda: infoflux.one_bit_coupling(p, q).entropy,
            None,
            expect=f"<= {opt:.4f} + 1",
            check=lambda h: opt - 1e-9 <= h <= opt + 1,
        ),
        Row(
            "sample_conditional, P(Y=1 | X=1), 10^5 draws",
            "prob.",
            lambda: float(np.mean(infoflux.sample_conditional(halves, 1, 0, size=10**5) == 1)),
            0.5,
            4 * math.sqrt(0.25 / 10**5),
        ),
        Row(
            "ebim, 6 states, rate R=1.5", "bits", lambda: infoflux.ebim(px, rate=1.5).mutual_information, 1.478898, 5e-7
        ),
        Row(
            "bottleneck_coupling (MEC-B), same, R=1.5",
            "bits",
            lambda: infoflux.bottleneck_coupling(px, py, rate=1.5).mutual_information,
            1.23864,
            5e-6,
        ),
    ]


def _markov_rows() -> list[Row]:
    """Lai & Choi (2025): the Curie-Weiss chain's entropy rate and its greedy
    and exhaustive subset selections; a Bernoulli-Laplace chain's entropy
    rate and a two-state KL rate, summed by hand."""

    def chain() -> infoflux.MarkovChain:
        # built in every call, so that the times include the chain and no
        # call reads the previous one's cached entropies
        return infoflux.curie_weiss(10, 0.1, 1.0)

    urn = (1, 1, 1, 1, 4)
    small = infoflux.bernoulli_laplace(urn, 4)
    # the truth: -sum pi_i P_ij ln P_ij over the dense matrix
    urn_P, urn_pi = small.matrix(dense=True), small.pi
    P = np.array([[0.9, 0.1], [0.2, 0.8]])
    L = np.array([[0.5, 0.5], [0.5, 0.5]])
    pi = np.array([2 / 3, 1 / 3])
    kl = float(sum(pi[i] * P[i, j] * math.log(P[i, j] / L[i, j]) for i in range(2) for j in range(2)))
    return [
        Row("curie_weiss d=10: entropy rate", "nats", lambda: chain().entropy_rate(), 2.29109165382, 5e-11),
        Row(
            "select, greedy, m=3 of 10 coordinates",
            "nats",
            lambda: infoflux.select(chain(), "entropy_rate", 3).value,
            0.8393313,
            5e-8,
        ),
        Row(
            "select, exhaustive, m=6 of 10",
            "nats",
            lambda: infoflux.select(chain(), "entropy_rate", 6, method="exhaustive").value,
            1.5712151,
            5e-8,
        ),
        Row(
            "bernoulli_laplace (1,1,1,1,4), N=4: entropy rate",
            "nats",
            lambda: infoflux.bernoulli_laplace(urn, 4).entropy_rate(),
            float(-np.sum(urn_pi[:, None] * urn_P * np.log(np.where(urn_P > 0, urn_P, 1.0)))),
            1e-12,
        ),
        Row("kl_rate, two-state chain vs fair coin", "nats", lambda: infoflux.kl_rate(P, L), kl, 1e-12),
    ]


def _mixture_mi(mu: float) -> float:
    """I(X;C) of X | C ~ N(+-mu, 1), C a fair coin: H(X) - H(X|C), H(X) by a Riemann sum of the
    mixture density on a grid fine enough (1e-3) that its error is far below the tolerances."""
    x = np.linspace(-mu - 12.0, mu + 12.0, 24_001 + int(2_000 * mu))
    f = 0.5 * (np.exp(-0.5 * (x - mu) ** 2) + np.exp(-0.5 * (x + mu) ** 2)) / math.sqrt(2 * math.pi)
    h = -float(np.sum(f * np.log(f)) * (x[1] - x[0]))
    return h - 0.5 * math.log(2 * math.pi * math.e)


def _discrete_rows(n: int, rng: np.random.Generator) -> list[Row]:
    tol = knn_tolerance(n)
    symbols = rng.integers(0, 8, n)
    bit = rng.integers(0, 2, n)
    flipped = bit ^ (rng.random(n) < 0.1)
    bsc = math.log(2) + 0.1 * math.log(0.1) + 0.9 * math.log(0.9)
    label = rng.integers(0, 2, n)
    feature = (2 * label - 1) + rng.standard_normal(n)
    return [
        Row(
            "discrete.entropy, uniform 8 symbols (Grassberger)",
            "nats",
            lambda: float(infoflux.discrete.entropy(symbols, estimator="grassberger")),
            math.log(8),
            tol,
        ),
        Row(
            "discrete.mutual_info, BSC p=0.1 (Miller-Madow)",
            "nats",
            lambda: float(infoflux.discrete.mutual_info(bit, flipped, estimator="miller_madow")),
            bsc,
            tol,
        ),
        Row(
            "sklearn.mutual_info_classif, N(+-1,1) by a coin",
            "nats",
            lambda: float(drop_in.mutual_info_classif(feature[:, None], label, random_state=0)[0]),
            _mixture_mi(1.0),
            tol,
        ),
    ]


def _network_rows() -> list[Row]:
    """A 3-process chain, 0 -> 1 at lag 2 and 1 -> 2 at lag 1, 1,000 samples: the row's value
    is the number of links found when they are exactly the true (source, target, lag) links, -1
    otherwise. 50 permutations a test; FDR off, as 50 permutations cannot reach its threshold."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((1_000, 3))
    for t in range(2, X.shape[0]):
        X[t, 1] += 0.6 * X[t - 2, 0]
        X[t, 2] += 0.6 * X[t - 1, 1]
    truth = {(0, 1, 2), (1, 2, 1)}

    def links() -> float:
        found = infoflux.network.infer_network(
            X,
            max_lag_sources=3,
            n_perm_max_stat=50,
            n_perm_min_stat=50,
            n_perm_omnibus=50,
            n_perm_max_seq=50,
            fdr_correction=False,
        ).edges()
        got = {(int(e[0]), int(e[1]), int(e[2])) for e in found}
        return float(len(got)) if got == truth else -1.0

    return [Row("network.infer_network, chain 0->1 (lag 2) ->2 (lag 1)", "links", links, 2.0, 0.0)]


def _timed(f: Callable[[], Any]) -> tuple[Any, float]:
    f()  # the first call starts the thread pool and warms the caches
    t0 = time.perf_counter()
    value = f()
    return value, time.perf_counter() - t0


def demo(n: int) -> int:
    rng = np.random.default_rng(2024)
    print(f"infoflux {infoflux.__version__} demo: n = {n:,} samples, k = 3 (TE k = 4), {os.cpu_count()} cores")
    print("Each row in its own unit; time: the second of two identical calls (the first warms threads and caches).")
    print(
        f"k-NN and TE rows pass within {knn_tolerance(n):.4f} nats of the truth at this n (bias + 4 standard errors)."
    )
    sections = [
        ("k-NN estimators", _knn_rows(n, rng)),
        ("transfer entropy", _te_rows(n, rng)),
        ("minimum-entropy coupling", _coupling_rows()),
        ("Markov-chain subset selection", _markov_rows()),
        ("discrete estimators and the classification drop-in", _discrete_rows(n, rng)),
        ("network inference (multivariate TE, IDTxl's algorithm)", _network_rows()),
    ]
    head = f"{'estimate':<52} {'value':>10} {'truth':>13} {'error':>9}  {'unit':<7} {'time':>9}"
    failed: list[str] = []
    for title, rows in sections:
        print(f"\n{title}\n{head}\n{'-' * len(head)}")
        for row in rows:
            value, dt = _timed(row.run)
            ok = row.passes(value)
            truth = f"{row.truth:13.4f}" if row.truth is not None else f"{row.expect:>13}"
            err = f"{value - row.truth:+9.4f}" if row.truth is not None else f"{'':9}"
            mark = "" if ok else "  FAIL"
            print(f"{row.name:<52} {value:10.4f} {truth} {err}  {row.unit:<7} {dt * 1e3:8.2f} ms{mark}")
            if not ok:
                failed.append(row.name)
    if failed:
        print(f"\n{len(failed)} row(s) missed their truth: {'; '.join(failed)}", file=sys.stderr)
        return 1
    print(f"\nAll {sum(len(r) for _, r in sections)} rows within their tolerance.")
    return 0


def _samples(text: str) -> int:
    """-n: an integer in [N_MIN, N_MAX], or an argparse error saying so."""
    try:
        n = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer in [{N_MIN:,}, {N_MAX:,}], got {text!r}") from None
    if not N_MIN <= n <= N_MAX:
        raise argparse.ArgumentTypeError(f"must be in [{N_MIN:,}, {N_MAX:,}], got {n:,}")
    return n


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m infoflux", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("demo", help="run every family of estimators on synthetic data with known values")
    d.add_argument(
        "-n",
        type=_samples,
        default=N_DEFAULT,
        metavar="N",
        help=f"samples of the k-NN and TE rows, in [{N_MIN:,}, {N_MAX:,}] (default {N_DEFAULT:,})",
    )
    args = p.parse_args(argv)
    return demo(args.n)


if __name__ == "__main__":
    sys.exit(main())
