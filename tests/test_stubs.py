"""The .pyi stubs of the compiled module match what it exports (a light
stubtest: names and parameter names, both directions), and the package ships
py.typed."""

import ast
import inspect
from pathlib import Path

import infoflux
from infoflux import _core

PKG = Path(infoflux.__file__).parent


def stub_functions():
    tree = ast.parse((PKG / "_core.pyi").read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = [a.arg for a in node.args.args + node.args.kwonlyargs]
        elif isinstance(node, ast.ClassDef):
            out[node.name] = None
    return out


def stub_methods():
    tree = ast.parse((PKG / "_core.pyi").read_text())
    return {
        node.name: {m.name for m in node.body if isinstance(m, ast.FunctionDef) and not m.name.startswith("_")}
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def test_class_methods_match():
    for cls, methods in stub_methods().items():
        actual = {n for n in dir(getattr(_core, cls)) if not n.startswith("_")}
        assert actual == methods, cls


def test_every_export_has_a_stub_and_back():
    stubs = stub_functions()
    exported = {n for n in dir(_core) if not n.startswith("_")}
    assert exported - set(stubs) == set(), "functions without stubs"
    assert set(stubs) - exported == set(), "stubs without functions"


def test_parameter_names_match():
    for name, params in stub_functions().items():
        if params is None:
            continue
        sig = inspect.signature(getattr(_core, name))
        assert list(sig.parameters) == params, name


def test_py_typed_is_shipped():
    assert (PKG / "py.typed").is_file()


def test_public_api_is_documented():
    for name in infoflux.__all__:
        obj = getattr(infoflux, name)
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__ or ""
            assert "Examples" in doc and "References" in doc, name
