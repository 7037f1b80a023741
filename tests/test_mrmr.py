"""MRMRSelector: scikit-learn's estimator contract, the selections on data
with a known answer, the scores against the formulas evaluated with
infoflux's own estimators on the same prepared data, bad input, and
independence of the thread count."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.feature_selection._mutual_info import _compute_mi_cd
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

import infoflux
from infoflux import _core, discrete
from infoflux._mrmr import _Data
from infoflux.sklearn import (
    MRMRSelector,
    _labels,
    mutual_info_classif,
    mutual_info_regression,
)

CRITERIA = ["mrmr", "mrmr_quotient", "jmi", "cmim"]


# scikit-learn's checks that do not apply, with the reason.
EXPECTED_FAILED: dict[str, str] = {}


@parametrize_with_checks([MRMRSelector(random_state=0)], expected_failed_checks=lambda est: EXPECTED_FAILED)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _known(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y depends on features 0 and 1; feature 2 is a near-copy of 0; 3..7 are noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 8))
    X[:, 2] = X[:, 0] + 0.05 * rng.standard_normal(n)
    y_reg = X[:, 0] + 0.8 * X[:, 1] + 0.3 * rng.standard_normal(n)
    y_cls = np.digitize(y_reg, [-1.0, 0.0, 1.0])
    return X, y_reg, y_cls


@pytest.mark.parametrize("criterion", CRITERIA)
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_known_answer_skips_the_copy(criterion, task):
    X, y_reg, y_cls = _known()
    y = y_cls if task == "classification" else y_reg
    sel = MRMRSelector(3, criterion=criterion, random_state=0).fit(X, y)
    assert sel.task_ == task
    # relevance alone ranks the copy of feature 0 second
    assert set(np.argsort(-sel.relevance_)[:2].tolist()) == {0, 2}
    assert sorted(sel.order_[:2].tolist()) == [0, 1]
    assert sel.support_[[0, 1]].all()
    assert sel.transform(X).shape == (X.shape[0], 3)


def test_known_answer_discrete_features():
    rng = np.random.default_rng(1)
    n = 4000
    X = rng.integers(0, 4, size=(n, 6))
    X[:, 2] = np.where(rng.random(n) < 0.95, X[:, 0], rng.integers(0, 4, size=n))
    y = X[:, 0] + X[:, 1]
    for criterion in CRITERIA:
        sel = MRMRSelector(2, criterion=criterion, discrete_features=True).fit(X, y)
        assert sorted(sel.order_.tolist()) == [0, 1], criterion


# ------------------------------------------------------------------ the formulas


def _ksg(a: np.ndarray, b: np.ndarray, k: int = 3) -> float:
    return max(0.0, float(infoflux.mutual_info(a, b, k=k, normalize=False, noise=0)))


def _fp(a: np.ndarray, b: np.ndarray, c: np.ndarray, k: int = 3) -> float:
    return max(0.0, float(infoflux.conditional_mutual_info(a, b, c, k=k, normalize=False, noise=0)))


def _plug(a: np.ndarray, b: np.ndarray) -> float:
    return max(0.0, float(discrete.mutual_info(a, b, estimator="plugin")))


def _prepared(sel: MRMRSelector, X, y, discrete_mask, classification: bool) -> _Data:
    rng = np.random.RandomState(sel.random_state)
    yv = _labels(np.asarray(y), "y") if classification else np.asarray(y, dtype=float)
    return _Data(X, yv, discrete_mask, classification, rng, sel.n_neighbors, None)


def _replay(criterion: str, rel: np.ndarray, pair, m: int) -> tuple[list[int], list[float]]:
    """The greedy selection written from the definitions, with ``pair(s, j)``
    the pairwise term (I(f_j; f_s) for mRMR, I(f_j; y | f_s) otherwise)."""
    p = rel.shape[0]
    order = [int(np.argmax(rel))]
    scores = [float(rel[order[0]])]
    while len(order) < m:
        best, best_key = -1, None
        for j in range(p):
            if j in order:
                continue
            terms = [pair(s, j) for s in order]
            if criterion == "mrmr":
                sc = rel[j] - sum(terms) / len(terms)
            elif criterion == "mrmr_quotient":
                sc = rel[j] / max(sum(terms) / len(terms), 0.01)
            elif criterion == "jmi":
                sc = sum(rel[s] + t for s, t in zip(order, terms))
            else:
                sc = min([rel[j], *terms])
            key = (sc, rel[j], -j)
            if best_key is None or key > best_key:
                best, best_key = j, key
        order.append(best)
        assert best_key is not None
        scores.append(float(best_key[0]))
    return order, scores


@pytest.mark.parametrize("criterion", ["mrmr", "mrmr_quotient", "cmim", "jmi"])
def test_scores_equal_the_formulas_regression(criterion):
    X, y, _ = _known(600, seed=3)
    X = X[:, :6]
    sel = MRMRSelector(4, criterion=criterion, random_state=7).fit(X, y)
    np.testing.assert_allclose(sel.relevance_, mutual_info_regression(X, y, random_state=7), rtol=0, atol=1e-12)
    d = _prepared(sel, X, y, np.zeros(6, dtype=bool), False)
    # the prepared data give the relevance back through the estimators
    rel = np.array([_ksg(d.cont[j], d.y_cont) for j in range(6)])
    np.testing.assert_allclose(rel, sel.relevance_, rtol=0, atol=1e-12)
    if criterion.startswith("mrmr"):

        def pair(s, j):
            return _ksg(d.cont[j], d.cont[s])
    else:

        def pair(s, j):
            return _fp(d.cont[j], d.y_cont, d.cont[s])

    order, scores = _replay(criterion, sel.relevance_, pair, 4)
    assert sel.order_.tolist() == order
    np.testing.assert_allclose(sel.scores_, scores, rtol=0, atol=1e-12)
    rows = sel.redundancy_ if criterion.startswith("mrmr") else sel.conditional_relevance_
    assert rows.shape == (3, 6)
    for t, s in enumerate(order[:-1]):
        for j in range(6):
            if j in order[: t + 1]:
                assert np.isnan(rows[t, j])
            else:
                assert abs(rows[t, j] - pair(s, j)) <= 1e-12


@pytest.mark.parametrize("criterion", CRITERIA)
def test_scores_equal_the_formulas_discrete(criterion):
    """All features discrete, a class target: every term is a plug-in MI."""
    rng = np.random.default_rng(4)
    n = 800
    X = rng.integers(0, 3, size=(n, 5))
    X[:, 4] = (X[:, 0] + (rng.random(n) < 0.2)) % 3
    y = (X[:, 0] + X[:, 1] > 2).astype(int) + (X[:, 2] == 0)
    sel = MRMRSelector(4, criterion=criterion, discrete_features=True).fit(X, y)
    rel = np.array([_plug(X[:, j], y) for j in range(5)])
    np.testing.assert_allclose(sel.relevance_, rel, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sel.relevance_, mutual_info_classif(X, y, discrete_features=True), rtol=0, atol=1e-12)
    if criterion.startswith("mrmr"):

        def pair(s, j):
            return _plug(X[:, j], X[:, s])
    else:

        def pair(s, j):
            return max(0.0, _plug(np.column_stack([X[:, j], X[:, s]]), y) - rel[s])

    order, scores = _replay(criterion, sel.relevance_, pair, 4)
    assert sel.order_.tolist() == order
    np.testing.assert_allclose(sel.scores_, scores, rtol=0, atol=1e-12)


@pytest.mark.parametrize("criterion", ["jmi", "cmim"])
def test_scores_equal_the_formulas_classification(criterion):
    """Continuous features, a class target: I(f; y | s) = I((f, s); y) - I(s; y),
    the first term by the estimator of Ross (2014) in two dimensions."""
    X, _, y = _known(500, seed=13)
    X = X[:, :5]
    sel = MRMRSelector(4, criterion=criterion, random_state=4).fit(X, y)
    np.testing.assert_allclose(sel.relevance_, mutual_info_classif(X, y, random_state=4), rtol=0, atol=1e-12)
    d = _prepared(sel, X, y, np.zeros(5, dtype=bool), True)
    rel = sel.relevance_

    def pair(s, j):
        x = np.ascontiguousarray(np.column_stack([d.cont[j], d.cont[s]]))
        joint = max(0.0, float(_core.ross_mutual_info(x=x, labels=d.y_codes, k=3)))
        return max(0.0, joint - rel[s])

    order, scores = _replay(criterion, rel, pair, 4)
    assert sel.order_.tolist() == order
    np.testing.assert_allclose(sel.scores_, scores, rtol=0, atol=1e-12)


def test_conditional_terms_with_mixed_features_classification():
    """A class target, one discrete and one continuous feature in I(f; y | s):
    the chain-rule formulas of the docstring, with scikit-learn's Ross and
    contingency-table estimators."""
    from sklearn.metrics import mutual_info_score

    X, _, y = _known(600, seed=14)
    X = X[:, :4]
    X[:, 3] = np.digitize(X[:, 1], [-0.5, 0.5])
    mask = np.array([False, False, False, True])
    sel = MRMRSelector(4, criterion="cmim", discrete_features=mask, random_state=3).fit(X, y)
    d = _prepared(sel, X, y, mask, True)
    yc = d.y_codes
    rel = sel.relevance_
    s3 = _labels(X[:, 3], "X")

    def joint(a, b):
        return _labels(a * (b.max() + 1) + b, "j")

    for t, s in enumerate(sel.order_[:-1].tolist()):
        for j in range(4):
            got = sel.conditional_relevance_[t, j]
            if np.isnan(got) or mask[s] == mask[j]:
                continue
            if mask[s]:  # f continuous, s discrete: I(f; (y, s)) - I(f; s)
                f = d.cont[d.pos[j]]
                want = _compute_mi_cd(f, joint(yc, s3), 3) - _compute_mi_cd(f, s3, 3)
            else:  # f discrete, s continuous: I(f; y) - I(f; s) + I(s; (f, y)) - I(s; y)
                c = d.cont[d.pos[s]]
                want = (
                    mutual_info_score(s3, yc) - _compute_mi_cd(c, s3, 3) + _compute_mi_cd(c, joint(s3, yc), 3) - rel[s]
                )
            assert abs(got - max(0.0, want)) <= 1e-12, (t, s, j)


@pytest.mark.parametrize("criterion", ["jmi", "cmim"])
def test_conditional_terms_with_mixed_features_regression(criterion):
    X, y, _ = _known(600, seed=15)
    X = X[:, :5]
    X[:, 3] = np.digitize(X[:, 1], [-0.5, 0.5])
    X[:, 4] = np.digitize(X[:, 4], [0.0])
    sel = MRMRSelector(5, criterion=criterion, discrete_features=[3, 4], random_state=0).fit(X, y)
    rows = sel.conditional_relevance_
    assert rows.shape == (4, 5)
    assert np.all(rows[~np.isnan(rows)] >= 0)
    assert np.all(np.isfinite(sel.scores_))
    assert sel.order_[0] == int(np.argmax(sel.relevance_))


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_mixed_pairs_use_ross(task):
    """A discrete and a continuous feature: I(f; s) is the estimator of Ross
    (2014), here scikit-learn's own implementation of it."""
    X, y_reg, y_cls = _known(700, seed=5)
    X = X[:, :5]
    X[:, 3] = np.digitize(X[:, 0], [-0.5, 0.5])  # discrete, redundant with 0
    X[:, 4] = np.round(X[:, 4])
    mask = np.array([False, False, False, True, True])
    y = y_cls if task == "classification" else y_reg
    sel = MRMRSelector(5, discrete_features=mask, random_state=2).fit(X, y)
    d = _prepared(sel, X, y, mask, task == "classification")
    codes = {j: _labels(X[:, j], "X") for j in (3, 4)}

    def pair(s, j):
        if mask[s] and mask[j]:
            return _plug(X[:, j], X[:, s])
        if not mask[s] and not mask[j]:
            return _ksg(d.cont[d.pos[j]], d.cont[d.pos[s]])
        c = d.cont[d.pos[j]] if not mask[j] else d.cont[d.pos[s]]
        lab = codes[s] if mask[s] else codes[j]
        return _compute_mi_cd(c, lab, 3)

    order, scores = _replay("mrmr", sel.relevance_, pair, 5)
    assert sel.order_.tolist() == order
    np.testing.assert_allclose(sel.scores_, scores, rtol=0, atol=1e-12)


def test_core_primitives_equal_the_pair_estimates():
    rng = np.random.default_rng(8)
    n = 500
    cols = np.ascontiguousarray(rng.standard_normal((4, n)))
    x = cols[0] + 0.5 * rng.standard_normal(n)
    got = _core.ksg_mi_against_columns(x=x, columns=cols, index=[3, 1], k=4)
    want = [float(infoflux.mutual_info(x, cols[j], k=4, normalize=False, noise=0)) for j in (3, 1)]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    got = _core.ksg_cmi_against_columns(y=x, z=cols[2], columns=cols, index=[0, 3], k=3)
    want = [float(infoflux.conditional_mutual_info(cols[j], x, cols[2], normalize=False, noise=0)) for j in (0, 3)]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    codes = np.ascontiguousarray(rng.integers(0, 5, size=(3, n)), dtype=np.int64)
    got = _core.plugin_mi_against_columns(x=codes[0], columns=codes, index=[1, 2, 0])
    want = [float(discrete.mutual_info(codes[0], codes[j])) for j in (1, 2, 0)]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


# ------------------------------------------------------------ scikit-learn use


def test_pipeline_grid_search_and_clone():
    X, _, y = _known(600, seed=6)
    pipe = make_pipeline(StandardScaler(), MRMRSelector(random_state=0), LinearSVC())
    grid = GridSearchCV(
        pipe, {"mrmrselector__n_features_to_select": [1, 2], "mrmrselector__criterion": ["mrmr", "jmi"]}, cv=2
    )
    grid.fit(X, y)
    assert grid.best_params_["mrmrselector__n_features_to_select"] in (1, 2)
    sel = MRMRSelector(3, criterion="cmim", n_neighbors=5, random_state=1)
    twin = clone(sel)
    assert twin.get_params() == sel.get_params()
    assert not hasattr(twin, "support_")
    assert twin.set_params(criterion="jmi").criterion == "jmi"


def test_feature_names_and_sparse():
    import pandas as pd

    X, _, y = _known(400, seed=9)
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    sel = MRMRSelector(2, random_state=0).fit(df, y)
    assert sel.get_feature_names_out().tolist() == [f"f{j}" for j in sorted(sel.order_.tolist())]
    Xd = np.random.default_rng(0).integers(0, 3, size=(300, 4)).astype(float)
    Xd[:, 0] = y[:300] % 3
    dense = MRMRSelector(2, discrete_features=True).fit(Xd, y[:300])
    sparse = MRMRSelector(2).fit(sp.csr_matrix(Xd), y[:300])
    assert sparse.order_.tolist() == dense.order_.tolist()
    np.testing.assert_array_equal(sparse.scores_, dense.scores_)


@pytest.mark.parametrize("criterion", CRITERIA)
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_thread_count_does_not_matter(criterion, task):
    X, y_reg, y_cls = _known(1500, seed=10)
    y = y_cls if task == "classification" else y_reg
    runs = [MRMRSelector(4, criterion=criterion, random_state=0, n_jobs=t).fit(X, y) for t in (1, 2, 3, None)]
    for r in runs[1:]:
        np.testing.assert_array_equal(r.order_, runs[0].order_)
        np.testing.assert_array_equal(r.scores_, runs[0].scores_)
        np.testing.assert_array_equal(r.relevance_, runs[0].relevance_)


def test_random_state_instance_advances_once_like_sklearn():
    X, y, _ = _known(300, seed=11)
    a = np.random.RandomState(5)
    MRMRSelector(2, random_state=a).fit(X, y)
    b = np.random.RandomState(5)
    mutual_info_regression(X, y, random_state=b)
    assert a.randint(1 << 30) == b.randint(1 << 30)


# ------------------------------------------------------------------ bad input


def test_bad_input_names_the_argument():
    X, y, y_cls = _known(100, seed=12)
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MRMRSelector(2).fit(Xn, y)
    yn = y.copy()
    yn[0] = np.nan
    with pytest.raises(ValueError, match=r"y.*NaN"):
        MRMRSelector(2).fit(X, yn)
    for bad in (0, 9, -1, 1.5, 0.0, "3", True):
        with pytest.raises(InvalidParameterError, match="n_features_to_select"):
            MRMRSelector(bad).fit(X, y)
    with pytest.raises(ValueError, match="y: has a single class"):
        MRMRSelector(2).fit(X, np.zeros(100, dtype=int))
    with pytest.raises(ValueError, match="y: has 99 samples but X has 100"):
        MRMRSelector(2).fit(X, y[:99])
    with pytest.raises(InvalidParameterError, match="'criterion' parameter of MRMRSelector"):
        MRMRSelector(2, criterion="mifs").fit(X, y)
    with pytest.raises(InvalidParameterError, match="'task' parameter"):
        MRMRSelector(2, task="ranking").fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        MRMRSelector(2, task="classification").fit(X, y)
    with pytest.raises(InvalidParameterError, match="n_neighbors"):
        MRMRSelector(2, n_neighbors=0).fit(X, y_cls)
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        MRMRSelector(2, n_jobs=0).fit(X, y_cls)
    with pytest.raises(InvalidParameterError, match="random_state"):
        MRMRSelector(2, random_state="seed").fit(X, y_cls)
    with pytest.raises(ValueError, match="sparse matrix can't have continuous"):
        MRMRSelector(2, discrete_features=False).fit(sp.csr_matrix(X), y_cls)
    with pytest.raises(ValueError, match="y: every class has a single sample"), warnings.catch_warnings():
        # scikit-learn's target check warns that so many classes look like a regression target
        warnings.simplefilter("ignore", UserWarning)
        MRMRSelector(2).fit(X, np.arange(100))
    Xd = X.copy()
    Xd[:, 0] = np.arange(100)
    with pytest.raises(ValueError, match=r"X: feature 0 \(declared discrete\): every value occurs once"):
        MRMRSelector(2, discrete_features=[0]).fit(Xd, y)
    with pytest.raises(ValueError, match="y: MRMRSelector requires y to be passed"):
        MRMRSelector(2).fit(X, None)
    for bad in ([[1.0], [2.0]], np.empty((0, 3))):
        with pytest.raises(ValueError):
            MRMRSelector(1).fit(bad, [0, 1][: len(bad)])


def test_core_primitives_refuse_bad_input():
    x = np.zeros(10)
    cols = np.zeros((2, 10))
    with pytest.raises(ValueError, match="index"):
        _core.ksg_mi_against_columns(x=x, columns=cols, index=[2], k=3)
    with pytest.raises(ValueError, match="columns"):
        _core.ksg_mi_against_columns(x=x[:9], columns=cols, index=[0], k=3)
    with pytest.raises(ValueError, match="x"):
        _core.ksg_mi_against_columns(x=np.full(10, np.nan), columns=cols, index=[0], k=3)
    with pytest.raises(ValueError, match="x: codes"):
        _core.plugin_mi_against_columns(x=np.full(10, 10), columns=np.zeros((1, 10), dtype=np.int64), index=[0])


def test_importable_without_scikit_learn():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["sklearn"] = None
        from infoflux.sklearn import MRMRSelector, mutual_info_classif
        try:
            MRMRSelector(2)
        except ImportError as e:
            print("ImportError", "scikit-learn" in str(e))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ImportError", "True"]
