"""The layering rules, read from the source with `ast` (imports inside functions included):
the product never imports the simulator, and the ground floor imports nothing above it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "polyrank"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)):
            names.add(str(node.args[0].value))
    return names


def _modules(under: Path) -> list[Path]:
    return sorted(p for p in under.rglob("*.py"))


def test_the_product_never_imports_the_simulator():
    sim = PACKAGE / "sim"
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p)
                                            if n == "polyrank.sim" or n.startswith("polyrank.sim."))
        for p in _modules(PACKAGE) if sim not in p.parents}
    assert not {k: v for k, v in offenders.items() if v}


def test_the_simulator_does_not_reuse_the_clients_parsers():
    """A bug in a parser shared by the client and the fake would be copied into the fake and
    hidden from every test: the replay speaks the protocols with its own code."""
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p)
                                            if n.startswith(("polyrank.upstream",
                                                             "polyrank.ingest")))
        for p in _modules(PACKAGE / "sim" / "replay")}
    assert not {k: v for k, v in offenders.items() if v}


def test_the_ground_floor_imports_nothing_above_it():
    for name in ("errors.py", "categories.py", "settings.py"):
        above = {n for n in _imports(PACKAGE / name)
                 if n.startswith("polyrank.") and not n.startswith(("polyrank.errors",))}
        assert not above, f"{name} imports {above}"


def test_the_rule_checker_sees_imports_inside_functions(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from polyrank.sim.world import x\n")
    assert "polyrank.sim.world" in _imports(probe)


def test_the_product_runs_without_the_simulators_dependencies():
    """Import every product module in a fresh interpreter: neither the simulator nor what
    only it needs (graphql-core, pycryptodome) is loaded."""
    import subprocess
    import sys

    product = sorted(
        ".".join(("polyrank", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
            ".__init__")
        for p in _modules(PACKAGE)
        if (PACKAGE / "sim") not in p.parents and p.name != "__main__.py")
    code = (
        "import importlib, sys\n"
        f"for name in {product!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'graphql', 'Crypto'}),\n"
        "      sorted(n for n in sys.modules if n.startswith('polyrank.sim')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "[]"]
