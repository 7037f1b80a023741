"""infoflux.sklearn against scikit-learn: the same input contract (what is
accepted, what raises, what warns) and the same numbers for discrete,
continuous and mixed features, dense and sparse, regression and
classification. scikit-learn's own test file runs in tests/sklearn_upstream.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.exceptions import DataConversionWarning
from sklearn.feature_selection import SelectKBest
from sklearn.feature_selection import mutual_info_classif as sk_mic
from sklearn.feature_selection import mutual_info_regression as sk_mir
from sklearn.feature_selection._mutual_info import _compute_mi_cd
from sklearn.metrics import mutual_info_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from infoflux.sklearn import InvalidParameterError, _labels, _mi_discrete, _mi_ross
from infoflux.sklearn import mutual_info_classif as mic
from infoflux.sklearn import mutual_info_regression as mir

BOTH = [(mir, sk_mir, False), (mic, sk_mic, True)]


def _data(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, size=n)
    X = np.column_stack(
        [
            labels + 0.7 * rng.standard_normal(n),  # continuous, informative
            rng.integers(0, 3, size=n),  # discrete, independent
            rng.standard_normal(n) * 50 + 3,  # continuous, independent
            (labels > 1).astype(float),  # discrete, informative
        ]
    )
    y_reg = labels + 0.5 * rng.standard_normal(n)
    return X, y_reg, labels


def _target(is_classif: bool, y_reg, labels):
    return labels if is_classif else y_reg


# --------------------------------------------------------------- same numbers


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [1, 3, 7])
@pytest.mark.parametrize("discrete", ["auto", False, True, [1, 3], [False, True, False, True], [3]])
@pytest.mark.parametrize("func", BOTH, ids=["regression", "classif"])
def test_dense_equals_sklearn(seed, k, discrete, func):
    ours, theirs, is_classif = func
    X, y_reg, labels = _data(seed, n=int(np.random.default_rng(seed).integers(40, 400)))
    if discrete is True:
        X = np.round(X)  # every feature discrete: integral values
    y = _target(is_classif, y_reg, labels)
    a = ours(X, y, discrete_features=discrete, n_neighbors=k, random_state=seed)
    with warnings.catch_warnings():
        # scikit-learn's own mutual_info_score warns about float labels; not ours to check
        warnings.simplefilter("ignore", UserWarning)
        b = theirs(X, y, discrete_features=discrete, n_neighbors=k, random_state=seed)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array])
@pytest.mark.parametrize("func", BOTH, ids=["regression", "classif"])
def test_sparse_auto_is_all_discrete(container, func):
    ours, theirs, is_classif = func
    rng = np.random.default_rng(5)
    X = rng.integers(0, 3, size=(200, 5)) * (rng.random((200, 5)) < 0.4)
    labels = (X[:, 0] + rng.integers(0, 2, size=200)) % 3
    y = _target(is_classif, labels + 0.3 * rng.standard_normal(200), labels)
    Xs = container(X.astype(float))
    a = ours(Xs, y, random_state=1)
    np.testing.assert_allclose(a, theirs(Xs, y, random_state=1), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(a, ours(Xs, y, discrete_features=True, random_state=1))
    np.testing.assert_array_equal(a, ours(X, y, discrete_features=True, random_state=1))
    with pytest.raises(ValueError, match="sparse"):
        ours(Xs, y, discrete_features=False)
    with pytest.raises(ValueError, match="sparse"):
        ours(Xs, y, discrete_features=[0, 1])


@pytest.mark.parametrize("seed", range(4))
def test_classif_continuous_features_equal_sklearn_at_scale(seed):
    rng = np.random.default_rng(100 + seed)
    n = 3000
    y = rng.integers(0, 10, size=n)
    X = y[:, None] * rng.uniform(0, 1, size=5) + rng.standard_normal((n, 5))
    for k in (3, 10):
        np.testing.assert_allclose(
            mic(X, y, n_neighbors=k, random_state=seed), sk_mic(X, y, n_neighbors=k, random_state=seed), atol=1e-12
        )


def test_string_labels_and_integral_float_labels():
    X, _, labels = _data(3)
    names = np.array(["a", "bb", "c", "d"])[labels]
    ref = mic(X, labels, random_state=0)
    np.testing.assert_array_equal(mic(X, names, random_state=0), ref)
    np.testing.assert_array_equal(mic(X, labels.astype(float), random_state=0), ref)
    np.testing.assert_allclose(ref, sk_mic(X, names, random_state=0), atol=1e-12)


# ------------------------------------------------------------ the estimators


@pytest.mark.parametrize("seed", range(150))
def test_ross_equals_sklearn_compute_mi_cd(seed):
    """Tiny classes (brute-force neighbours in scikit-learn), exact ties,
    singleton classes, k larger than a class, scales from 1e-3 to 1e3."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 250))
    d = rng.integers(0, int(rng.integers(1, 30)), size=n)
    c = rng.standard_normal(n) * 10 ** rng.uniform(-3, 3)
    if seed % 3 == 0:
        c = np.round(c, 1)
    k = int(rng.integers(1, 12))
    try:
        theirs = _compute_mi_cd(c, d, k)
    except ValueError:  # every class a singleton: scikit-learn fails inside its KD-tree
        with pytest.raises(ValueError, match="occurs once"):
            _mi_ross(c, _labels(d, "y"), k, "y")
        return
    assert abs(_mi_ross(c, _labels(d, "y"), k, "y") - theirs) <= 1e-12


def test_ross_closed_form():
    """X ~ Bernoulli(p), Y | X=0 ~ U(-1, 1), Y | X=1 ~ U(0, 2): I(X;Y) in
    closed form (the example of scikit-learn's tests), through the public
    function with a continuous feature and a class target."""
    rng = np.random.default_rng(0)
    n = 20000
    for p in (0.3, 0.5, 0.7):
        x = (rng.uniform(size=n) > p).astype(int)
        c = np.where(x == 0, rng.uniform(-1, 1, n), rng.uniform(0, 2, n))
        truth = -0.5 * ((1 - p) * np.log(0.5 * (1 - p)) + p * np.log(0.5 * p) + np.log(0.5)) - np.log(2)
        got = mic(c[:, None], x, n_neighbors=5, random_state=0)[0]
        assert abs(got - truth) < 0.02


@pytest.mark.parametrize("seed", range(20))
def test_contingency_mi_equals_sklearn(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 500))
    a = rng.integers(0, int(rng.integers(1, 20)), size=n)
    b = (a * int(rng.integers(0, 2)) + rng.integers(0, int(rng.integers(1, 10)), size=n)) % 7
    ours = _mi_discrete(_labels(a, "x"), _labels(b, "y"))
    assert abs(ours - mutual_info_score(a, b)) <= 1e-12


def test_contingency_mi_by_hand():
    x = np.array([0, 1, 1, 0, 0])
    y = np.array([1, 0, 0, 0, 1])
    hx = -(3 / 5) * np.log(3 / 5) - (2 / 5) * np.log(2 / 5)
    hxy = -1 / 5 * np.log(1 / 5) - 2 * (2 / 5) * np.log(2 / 5)
    assert abs(_mi_discrete(x, y) - (2 * hx - hxy)) < 1e-15
    assert _mi_discrete(x, np.zeros(5, dtype=np.intp)) == 0.0


# ------------------------------------------------------------- the contract


@pytest.mark.parametrize("func", [mir, mic])
def test_n_jobs_zero_and_out_of_range_raise_valueerror(func):
    X, y_reg, labels = _data(0, 100)
    y = labels if func is mic else y_reg
    for bad in (0, 2**63, -(2**63) - 1, 2**70):
        with pytest.raises(ValueError, match="n_jobs"):
            func(X, y, n_jobs=bad)
    for bad in (1.0, "2", True):
        with pytest.raises(ValueError, match="'n_jobs' parameter"):
            func(X, y, n_jobs=bad)
    ref = func(X, y, random_state=0, n_jobs=1)
    for ok in (2, -1, -2, None, 2**63 - 1, -(2**63)):
        np.testing.assert_array_equal(func(X, y, random_state=0, n_jobs=ok), ref)


@pytest.mark.parametrize("func", [mir, mic])
def test_parameter_errors_are_valueerror_and_typeerror(func):
    X, y_reg, labels = _data(0, 100)
    y = labels if func is mic else y_reg
    name = func.__name__
    with pytest.raises(InvalidParameterError) as info:
        func(X, y, n_neighbors=3.0)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    assert str(info.value) == (
        f"The 'n_neighbors' parameter of {name} must be an int in the range [1, inf). Got 3.0 instead."
    )
    cases = [
        {"n_neighbors": 0},
        {"n_neighbors": True},
        {"copy": "yes"},
        {"random_state": "x"},
        {"random_state": -1},
        {"random_state": 2**32},
        {"random_state": np.random.default_rng(0)},
        {"discrete_features": "manual"},
        {"discrete_features": None},
        {"discrete_features": 1},
    ]
    for kwargs in cases:
        with pytest.raises(ValueError, match=f"'{next(iter(kwargs))}' parameter of {name}"):
            func(X, y, **kwargs)
    with pytest.raises(ValueError, match="'X' parameter"):
        func("abc", y)


@pytest.mark.parametrize("func", [mir, mic])
def test_discrete_features_index_errors(func):
    X, y_reg, labels = _data(0, 100)
    y = labels if func is mic else y_reg
    with pytest.raises(IndexError, match="discrete_features"):
        func(X, y, discrete_features=[True, False, True])
    with pytest.raises(IndexError, match="discrete_features"):
        func(X, y, discrete_features=[1, 4])
    with pytest.raises(IndexError, match="discrete_features"):
        func(X, y, discrete_features=[0.0])
    with pytest.raises(ValueError, match="discrete_features"):
        func(X, y, discrete_features=[[1]])
    with pytest.raises(ValueError, match="discrete_features"):
        func(X, y, discrete_features=[])
    # negative indices count from the end, as in scikit-learn
    np.testing.assert_array_equal(
        func(X, y, discrete_features=[-1], random_state=0), func(X, y, discrete_features=[3], random_state=0)
    )


@pytest.mark.parametrize("func", [mir, mic])
def test_object_and_pandas_nullable_input(func):
    X, y_reg, labels = _data(1, 150)
    y = labels if func is mic else y_reg
    ref = func(X, y, random_state=0)
    np.testing.assert_array_equal(func(X.astype(object), y, random_state=0), ref)
    np.testing.assert_array_equal(func(X.tolist(), y.tolist(), random_state=0), ref)
    frame = pd.DataFrame(X).astype("Float64")
    np.testing.assert_array_equal(func(frame, y, random_state=0), ref)
    np.testing.assert_array_equal(func(pd.DataFrame(X), pd.Series(y), random_state=0), ref)
    Xi = np.round(X).astype(np.int64)
    np.testing.assert_array_equal(
        func(pd.DataFrame(Xi).astype("Int64"), y, random_state=0), func(Xi, y, random_state=0)
    )
    with pytest.raises(ValueError, match="contains NaN"):
        func(frame.where(frame > -1), y)
    with pytest.raises(ValueError, match="X: cannot be converted"):
        func(np.array([["a", "b"]] * 150, dtype=object), y)
    with pytest.raises(ValueError, match="X"):
        func(np.array([["1", "2"]] * 150), y)
    with pytest.raises(ValueError, match="complex"):
        func(X + 1j, y)


@pytest.mark.parametrize("func", [mir, mic])
def test_shapes(func):
    X, y_reg, labels = _data(2, 80)
    y = labels if func is mic else y_reg
    with pytest.raises(ValueError, match="2-D"):
        func(X[:, 0], y)
    with pytest.raises(ValueError, match="2-D"):
        func(X[:, :, None], y)
    with pytest.raises(ValueError, match="no samples"):
        func(X[:0], y[:0])
    with pytest.raises(ValueError, match="no features"):
        func(X[:, :0], y)
    with pytest.raises(ValueError, match="y: has 79 samples"):
        func(X, y[:-1])
    with pytest.raises(ValueError, match="y: should be a 1-D"):
        func(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        func(np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError, match="Input X contains infinity"):
        func(np.where(X > 1, np.inf, X), y)


@pytest.mark.parametrize("func", [mir, mic])
def test_column_vector_y_warns_like_sklearn(func):
    X, y_reg, labels = _data(3, 120)
    y = labels if func is mic else y_reg
    with pytest.warns(DataConversionWarning, match="A column-vector y was passed"):
        got = func(X, y[:, None], random_state=0)
    np.testing.assert_array_equal(got, func(X, y, random_state=0))


def test_target_checks():
    X, y_reg, labels = _data(4, 100)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        mic(X, y_reg)
    with pytest.raises(ValueError, match="Input y contains NaN"):
        mir(X, np.where(y_reg > 1, np.nan, y_reg))
    with pytest.raises(ValueError, match="Input y contains NaN"):
        mic(X, np.where(labels > 1, np.nan, labels))
    with pytest.raises(ValueError, match="n_neighbors"):
        mir(X, y_reg, n_neighbors=100)  # KSG needs k < n
    # Ross takes k = min(k, class size - 1): a large k is allowed, as in scikit-learn
    np.testing.assert_allclose(
        mic(X, labels, n_neighbors=500, random_state=0), sk_mic(X, labels, n_neighbors=500, random_state=0), atol=1e-12
    )
    # one class: no information, as in scikit-learn
    np.testing.assert_allclose(mic(X, np.zeros(100), random_state=0), 0.0, atol=1e-12)


def test_discrete_feature_with_all_values_distinct_names_it():
    X, y_reg, _ = _data(5, 60)
    with pytest.raises(ValueError, match=r"X: feature 0 \(declared discrete\): every value occurs once"):
        mir(X, y_reg, discrete_features=[0])
    with pytest.raises(ValueError, match="y: every value occurs once"):
        mic(X, np.arange(60))


def test_input_not_modified():
    X, y_reg, labels = _data(6, 100)
    X0, y0 = X.copy(), y_reg.copy()
    mir(X, y_reg, copy=False, discrete_features=[1, 3], random_state=0)
    mic(X, labels, copy=False, random_state=0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y_reg, y0)


def test_select_k_best_in_a_pipeline():
    X, _, labels = _data(7, 400)
    pipe = make_pipeline(StandardScaler(), SelectKBest(lambda A, b: mic(A, b, random_state=0), k=2))
    pipe.fit(X, labels)
    np.testing.assert_array_equal(pipe[-1].get_support(indices=True), [0, 3])
    assert pipe.transform(X).shape == (400, 2)


def test_works_without_scikit_learn():
    """scikit-learn is optional: discrete features, sparse input and the
    column-vector warning (then a UserWarning) need nothing from it."""
    code = textwrap.dedent(
        """
        import sys, warnings
        sys.modules["sklearn"] = None  # any import of scikit-learn now fails
        import numpy as np
        from infoflux.sklearn import mutual_info_classif, mutual_info_regression
        rng = np.random.default_rng(0)
        X = rng.integers(0, 3, size=(100, 2)).astype(float)
        y = X[:, 0] + rng.standard_normal(100)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            a = mutual_info_regression(X, y[:, None], discrete_features=True, random_state=0)
        assert [type(x.message) for x in w] == [UserWarning], w
        b = mutual_info_classif(X, X[:, 0].astype(int), random_state=0)
        print(a[0] > a[1], b[0] > b[1])
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]


@pytest.mark.parametrize("order", ["C", "F", "strided"])
@pytest.mark.parametrize("k", [3, 40])
@pytest.mark.parametrize("func", BOTH, ids=["regression", "classif"])
def test_memory_layout_follows_sklearn(order, k, func):
    """Integer-valued features declared continuous carry only the 1e-10
    noise within a class; with k large enough for scikit-learn's brute-force
    search the result then hinges on the last bit of the scaled input, which
    depends on X's memory layout. The drop-in follows it."""
    ours, theirs, is_classif = func
    X, y_reg, labels = _data(4, 100)
    X = np.round(X)
    if order == "F":
        X = np.asfortranarray(X)
    elif order == "strided":
        X = np.repeat(X, 2, axis=0)[::2]
    else:
        X = np.ascontiguousarray(X)
    y = _target(is_classif, y_reg, labels)
    for discrete in ([False, True, False, False], False) if not is_classif else ("auto",):
        a = ours(X, y, discrete_features=discrete, n_neighbors=k, random_state=0)
        b = theirs(X, y, discrete_features=discrete, n_neighbors=k, random_state=0)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_all_continuous_regression_is_layout_independent():
    """All features continuous: the regression scales a C-ordered copy,
    whatever X's layout, so its numbers do not depend on it."""
    X, y_reg, _ = _data(8, 300)
    ref = mir(np.ascontiguousarray(X), y_reg, random_state=0)
    np.testing.assert_array_equal(mir(np.asfortranarray(X), y_reg, random_state=0), ref)
    np.testing.assert_array_equal(mir(np.repeat(X, 2, axis=0)[::2], y_reg, random_state=0), ref)


@pytest.mark.parametrize("scale", [1e-3, 1e100, 1e151, 1e200, 1e300, 1e307])
def test_huge_magnitudes_scale_invariant(scale):
    """Columns beyond 1e150, where scikit-learn's variance overflows (it
    warns and then sees a constant column), give the values of the unscaled
    data: MI does not depend on a feature's or the target's unit."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 2))
    y = x[:, 0] + rng.standard_normal(300)
    labels = (y > 0).astype(int)
    np.testing.assert_allclose(mir(x * scale, y, random_state=0), mir(x, y, random_state=0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(mir(x, y * scale, random_state=0), mir(x, y, random_state=0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(mic(x * scale, labels, random_state=0), mic(x, labels, random_state=0), atol=1e-12)


def _finite_arrays():
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    values = st.one_of(
        st.floats(min_value=-1e308, max_value=1e308, allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, 1.0, -1.0, 5e-324, 1e-300, 1e300, -1e300, 1.7e308]),
    )
    return arrays(np.float64, st.tuples(st.integers(2, 40), st.integers(1, 3)), elements=values)


def test_property_finite_or_clear_error():
    """Arrays across the float64 range, subnormals and exact ties: a finite,
    non-negative value for every feature or a ValueError/TypeError; never
    another exception, a NaN or a RuntimeWarning."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(X=_finite_arrays(), data=st.data())
    def check(X, data):
        n = X.shape[0]
        y = data.draw(st.lists(st.sampled_from([0.0, 1.0, 1e-300, 1e300, -2.5]), min_size=n, max_size=n))
        y = np.asarray(y)
        k = data.draw(st.integers(1, 4))
        discrete = data.draw(st.sampled_from(["auto", True, [0]]))
        for func, target in ((mir, y), (mic, np.sign(y))):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                try:
                    out = func(X, target, discrete_features=discrete, n_neighbors=k, random_state=0)
                except (ValueError, TypeError):
                    continue
            assert out.shape == (X.shape[1],)
            assert np.all(np.isfinite(out)) and np.all(out >= 0)

    check()


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64])
@pytest.mark.parametrize("seed", range(8))
def test_target_dtypes_with_discrete_features_equal_sklearn(dtype, seed):
    """scikit-learn scales and noises a float32 (float16) target in its own
    precision, and its brute-force search over small classes rounds float32
    distances to float32: with discrete features, where the Ross estimator
    sees these roundings, the drop-in does the same."""
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(20, 400))
    X = rng.standard_normal((n, 3))
    y = (X[:, 0] + rng.standard_normal(n) * rng.uniform(0.01, 3)) * (10 if dtype is np.int64 else 1)
    X[:, [0, 2]] = np.round(X[:, [0, 2]] * rng.uniform(0.5, 3))
    for discrete in ([0, 2], [0]):
        k = int(rng.integers(1, 8))
        a = mir(X, y.astype(dtype), discrete_features=discrete, n_neighbors=k, random_state=seed)
        b = sk_mir(X, y.astype(dtype), discrete_features=discrete, n_neighbors=k, random_state=seed)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("func", [mir, mic])
def test_select_k_best_passes_check_estimator(func):
    from functools import partial

    from sklearn.utils.estimator_checks import check_estimator

    est = SelectKBest(partial(func, random_state=0), k=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's SkipTestWarning for checks that do not apply
        results = check_estimator(est, on_fail=None)
    failed = [(r["check_name"], str(r["exception"])) for r in results if r["status"] == "failed"]
    assert failed == []
    assert len(results) > 40


# ------------------------------------------------- the Rust core of the classification


@pytest.mark.parametrize("seed", range(40))
def test_classif_core_equals_the_numpy_estimator(seed):
    """mutual_info_classif computes its continuous features in the Rust core
    (one call for all columns); the NumPy estimator _mi_ross is the
    reference: tiny and singleton classes, ties, scales from 1e-3 to 1e3.
    Bit for bit with NumPy 2.4; the NumPy releases for Python 3.9 round a
    few last bits differently (their reductions and logarithms), hence the
    1e-14 tolerance."""
    from infoflux import _core

    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(4, 300))
    d = rng.integers(0, int(rng.integers(1, 25)), size=n)
    X = rng.standard_normal((n, 3)) * 10 ** rng.uniform(-3, 3)
    if seed % 3 == 0:
        X = np.round(X, 1)
    k = int(rng.integers(1, 10))
    labels = _labels(d, "y")
    if np.bincount(labels).max() < 2:
        with pytest.raises(ValueError, match="every class has a single sample"):
            _core.ross_mutual_info_columns(x=X, labels=labels, k=k)
        with pytest.raises(ValueError, match="occurs once"):
            mic(X, d, n_neighbors=k, random_state=0)
        return
    cols = _core.ross_mutual_info_columns(x=X, labels=labels, k=k)
    for j in range(3):
        assert max(0.0, cols[j]) == pytest.approx(_mi_ross(X[:, j].copy(), labels, k, "y"), rel=0, abs=1e-14)
    np.testing.assert_allclose(
        mic(X, d, n_neighbors=k, random_state=0), sk_mic(X, d, n_neighbors=k, random_state=0), rtol=0, atol=1e-12
    )


def test_classif_does_not_depend_on_n_jobs():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 10, size=20_000)
    X = y[:, None] * rng.uniform(0, 1, size=4) + rng.standard_normal((20_000, 4))
    ref = mic(X, y, random_state=0, n_jobs=1)
    for jobs in (2, 3, -1, None):
        np.testing.assert_array_equal(mic(X, y, random_state=0, n_jobs=jobs), ref)
    np.testing.assert_allclose(ref, sk_mic(X, y, random_state=0), rtol=0, atol=1e-12)
