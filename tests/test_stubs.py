"""The .pyi stubs of the compiled module match what it exports (a light
stubtest: names, parameter names, kinds and which have defaults, both
directions, for functions, class constructors and methods), and the package
ships py.typed. ``python -m mypy.stubtest infoflux._core`` checks the types
as well; this test needs nothing but the standard library."""

import ast
import inspect
import sys
from pathlib import Path

import pytest

import infoflux
from infoflux import _core

PKG = Path(infoflux.__file__).parent

KINDS = {
    "posonly": inspect.Parameter.POSITIONAL_ONLY,
    "args": inspect.Parameter.POSITIONAL_OR_KEYWORD,
    "kwonly": inspect.Parameter.KEYWORD_ONLY,
}


def _stub_tree():
    return ast.parse((PKG / "_core.pyi").read_text())


def _params(fn, *, drop_first=False):
    """[(name, kind, has_default)] of a stub function."""
    a = fn.args
    positional = [(p, "posonly") for p in a.posonlyargs] + [(p, "args") for p in a.args]
    defaults = [False] * (len(positional) - len(a.defaults)) + [True] * len(a.defaults)
    out = [(p.arg, KINDS[kind], d) for (p, kind), d in zip(positional, defaults)]
    out += [(p.arg, KINDS["kwonly"], d is not None) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    return out[1:] if drop_first else out


def _runtime(obj, *, drop_self=False):
    params = list(inspect.signature(obj).parameters.values())
    if drop_self and params and params[0].name in ("self", "cls"):
        params = params[1:]
    return [(p.name, p.kind, p.default is not inspect.Parameter.empty) for p in params]


def stub_functions():
    return {node.name: _params(node) for node in _stub_tree().body if isinstance(node, ast.FunctionDef)}


def stub_classes():
    """{class: (constructor params or None, {method: params}, {property names})}."""
    out = {}
    for node in _stub_tree().body:
        if not isinstance(node, ast.ClassDef):
            continue
        ctor, methods, props = None, {}, set()
        for m in node.body:
            if not isinstance(m, ast.FunctionDef):
                continue
            if m.name in ("__init__", "__new__"):
                ctor = _params(m, drop_first=True)
            elif any(isinstance(d, ast.Name) and d.id == "property" for d in m.decorator_list):
                props.add(m.name)
            elif not m.name.startswith("_"):
                methods[m.name] = _params(m, drop_first=True)
        out[node.name] = (ctor, methods, props)
    return out


def test_every_export_has_a_stub_and_back():
    stubs = set(stub_functions()) | set(stub_classes())
    exported = {n for n in dir(_core) if not n.startswith("_")}
    assert exported - stubs == set(), "exports without stubs"
    assert stubs - exported == set(), "stubs without exports"


@pytest.mark.parametrize("name", sorted(stub_functions()))
def test_function_parameters_match(name):
    assert _runtime(getattr(_core, name)) == stub_functions()[name], name


@pytest.mark.parametrize("name", sorted(stub_classes()))
def test_class_constructor_and_methods_match(name):
    cls = getattr(_core, name)
    ctor, methods, props = stub_classes()[name]
    try:
        runtime_ctor = _runtime(cls)
    except ValueError:  # no text signature: a class Python code cannot construct
        runtime_ctor = None
    # CPython < 3.10 does not expose an abi3 class's text signature (PyO3 sets it through the
    # type's doc slot, which those versions ignore for heap types); 3.10+ and stubtest check it
    if not (runtime_ctor is None and sys.version_info < (3, 10)):
        assert runtime_ctor == ctor, f"{name}: constructor"
    public = {n for n in dir(cls) if not n.startswith("_")}
    assert public == set(methods) | props, f"{name}: attributes"
    for prop in props:
        assert inspect.isgetsetdescriptor(inspect.getattr_static(cls, prop)), f"{name}.{prop}: not a property"
    for meth, params in methods.items():
        assert _runtime(getattr(cls, meth), drop_self=True) == params, f"{name}.{meth}"


def test_the_checks_see_a_wrong_stub():
    # the comparison is not vacuous: a stub written positionally is caught
    tree = ast.parse("def mi_local(x, y, k, algorithm, window=None, n_threads=None): ...")
    assert _params(tree.body[0]) != _runtime(_core.mi_local)


def test_py_typed_is_shipped():
    assert (PKG / "py.typed").is_file()


def test_public_api_is_documented():
    for name in infoflux.__all__:
        obj = getattr(infoflux, name)
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__ or ""
            assert "Examples" in doc and "References" in doc, name
