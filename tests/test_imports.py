"""The import graph of the package has no cycle.

Every ``import`` statement of every module counts, at module level or inside
a function (an import moved into a function still makes the two modules
depend on each other); only imports under ``if TYPE_CHECKING:``, which never
run, are left out."""

import ast
from pathlib import Path

import pytest

import infoflux

PKG = Path(infoflux.__file__).parent


def _module_names(root):
    """{dotted module name: file} of a package folder (subpackages included);
    compiled modules are known by their stubs and import nothing of it."""
    out = {}
    for stub in root.rglob("*.pyi"):
        out[".".join(stub.relative_to(root.parent).with_suffix("").parts)] = stub
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking(node):
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree):
    """Import nodes, skipping the bodies of ``if TYPE_CHECKING:``."""
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and _type_checking(node):
            todo.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        todo.extend(ast.iter_child_nodes(node))


def import_graph(root):
    """{module: set of package modules it imports} for the package at ``root``."""
    modules = _module_names(root)
    graph = {}
    for name, path in modules.items():
        if path.suffix == ".pyi":
            graph[name] = set()
            continue
        is_pkg = path.name == "__init__.py"
        here = name if is_pkg else name.rpartition(".")[0]
        deps = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                # "from pkg import mod" imports the submodule mod when there is one
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for t in targets:
                # "import a.b.c" runs a.b.c: the longest package module named
                while t and t not in modules:
                    t = t.rpartition(".")[0]
                if t and t != name:
                    deps.add(t)
        graph[name] = deps
    return graph


def find_cycle(graph):
    """A list of modules forming a cycle (first repeated at the end), or None."""
    state = {}
    stack = []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == "open":
                return [*stack[stack.index(d) :], d]
            if d not in state:
                found = visit(d)
                if found:
                    return found
        stack.pop()
        state[m] = "done"
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_package_import_graph_has_no_cycle():
    graph = import_graph(PKG)
    assert "infoflux._knn" in graph and "infoflux._dispatch" in graph["infoflux._knn"]
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle)


def test_the_walk_finds_a_cycle_hidden_in_a_function(tmp_path):
    pkg = tmp_path / "pkgx"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from pkgx import a\n")
    (pkg / "a.py").write_text("from pkgx.b import g\n")
    (pkg / "b.py").write_text("def g():\n    from . import c\n    return c\n")
    (pkg / "c.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    import pkgx.b\nimport pkgx.a\n")
    graph = import_graph(pkg)
    assert graph["pkgx.c"] == {"pkgx.a"}  # the TYPE_CHECKING import is not counted
    assert find_cycle(graph) == ["pkgx.a", "pkgx.b", "pkgx.c", "pkgx.a"]
    (pkg / "c.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    import pkgx.a\n")
    assert find_cycle(import_graph(pkg)) is None


@pytest.mark.parametrize(
    "module",
    ["infoflux._backend_rust", "infoflux._backend_xp", "infoflux._embedding", "infoflux._results", "infoflux._seeds"],
)
def test_backends_and_shared_modules_do_not_import_the_public_modules(module):
    # the public modules choose a backend; a backend or a shared module that
    # imported them back would close a cycle through the dispatch
    public = {"infoflux", "infoflux._knn", "infoflux._te", "infoflux._dispatch", "infoflux._gpu"}
    assert import_graph(PKG)[module] & public == set()


def test_import_and_host_calls_leave_the_array_api_backend_unimported():
    import os
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import sys, numpy as np
        import infoflux
        x = np.random.default_rng(0).standard_normal(300)
        infoflux.mutual_info(x, x ** 3)
        infoflux.transfer_entropy_matrix(np.column_stack([x, np.roll(x, 1)]), n_surrogates=2)
        print(sorted(m for m in ("infoflux._backend_xp", "infoflux._array_api", "infoflux._gpu", "array_api_compat")
                     if m in sys.modules))
    """)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(PKG.parent), env.get("PYTHONPATH")] if p)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
