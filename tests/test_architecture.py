"""The house rules of ARCHITECTURE.md, checked on the code itself with ``ast``.

- No import cycles between modules, counting imports inside functions (only imports under
  ``if TYPE_CHECKING:`` are exempt: they never run).
- Data flows one way: each room has a floor (:data:`FLOORS`), and a module imports only
  from its own room or from rooms on a lower floor.
- Private stays private: a ``_module`` is imported only from inside its own package, and
  no module imports another module's ``_private`` names.
- No module over 600 lines, no function over 80 lines of code.
- Every subpackage says in its docstring what it holds and what it may import.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assetmap"

#: The floors of the house, bottom first: a module may import its own room and any room
#: on a lower floor, never one on its own floor or above. A room is a module or a package.
FLOORS: list[list[str]] = [
    ["assetmap.errors", "assetmap.settings", "assetmap.provenance", "assetmap._resources"],
    [
        "assetmap.schema",
        "assetmap.icons",
        "assetmap._colours",
        "assetmap._units_checks",
        "assetmap._outdir",
        "assetmap.csvsafe",
    ],
    ["assetmap.domains", "assetmap.region"],
    ["assetmap.indicators"],
    ["assetmap.readers"],
    ["assetmap.online"],
    ["assetmap.assets"],
    ["assetmap._dedupe_rules", "assetmap._dedupe_blocks", "assetmap._dedupe_merge"],
    ["assetmap.dedupe", "assetmap.review"],
    ["assetmap.analysis"],
    ["assetmap.anchor"],
    ["assetmap.maps", "assetmap.report"],
    ["assetmap.export"],
    ["assetmap.atlas"],
    ["assetmap.readback"],
    ["assetmap.project", "assetmap.testing"],
    ["assetmap.sample"],
    ["assetmap.cli"],
]

#: Longest modules and functions allowed, in lines (functions: lines of code, without the
#: docstring, blank lines and comment lines).
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80

#: Exceptions to the size rules, each with its reason (none today).
SIZE_EXCEPTIONS: dict[str, str] = {}


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    tree: ast.Module
    imports: list[tuple[str, list[str], int]] = field(default_factory=list)


def _module_name(path: Path) -> tuple[str, bool]:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skip.update(id(n) for n in ast.walk(child))
    return skip


def _imports(mod: Module) -> list[tuple[str, list[str], int]]:
    """(imported module, names imported from it, line) for every runtime import."""
    skip = _type_checking_nodes(mod.tree)
    package = mod.name if mod.is_package else mod.name.rpartition(".")[0]
    found: list[tuple[str, list[str], int]] = []
    for node in ast.walk(mod.tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, [a.name for a in node.names], node.lineno))
    return [f for f in found if f[0] == "assetmap" or f[0].startswith("assetmap.")]


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name, is_package = _module_name(path)
        mod = Module(name, path, is_package, ast.parse(path.read_text(encoding="utf-8")))
        mod.imports = _imports(mod)
        out[name] = mod
    return out


def _edges(modules: dict[str, Module]) -> dict[str, dict[str, int]]:
    """Module → {module it imports: line}, resolving ``from pkg import module``."""
    edges: dict[str, dict[str, int]] = {name: {} for name in modules}
    for name, mod in modules.items():
        for target, names, line in mod.imports:
            hits = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
            if not hits or len(hits) < len(names):
                hits.append(target)
            for hit in hits:
                if hit in modules and hit != name:
                    edges[name].setdefault(hit, line)
    return edges


def _room(name: str) -> str | None:
    for floor in FLOORS:
        for room in floor:
            if name == room or name.startswith(room + "."):
                return room
    return None


def _floor(room: str) -> int:
    return next(i for i, floor in enumerate(FLOORS) if room in floor)


def test_every_module_has_a_room(modules):
    homeless = [n for n in modules if n != "assetmap" and _room(n) is None]
    assert not homeless, f"add these modules to a room in FLOORS: {homeless}"


def test_no_import_cycles(modules):
    edges = _edges(modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_data_flows_one_way(modules):
    wrong = []
    for name, targets in _edges(modules).items():
        if name == "assetmap":
            continue  # the table of contents re-exports from every floor
        here = _room(name)
        for target, line in targets.items():
            there = _room(target)
            if here is None or there is None or here == there:
                continue
            if _floor(there) >= _floor(here):
                wrong.append(f"{modules[name].path.name}:{line} {name} imports {target}")
    assert not wrong, "imports against the flow (see FLOORS):\n" + "\n".join(wrong)


def test_private_stays_private(modules):
    wrong = []
    for name, mod in modules.items():
        package = name if mod.is_package else name.rpartition(".")[0]
        for target, names, line in mod.imports:
            where = f"{mod.path.relative_to(PACKAGE.parent)}:{line}"
            for n in names:
                full = f"{target}.{n}"
                if n.startswith("_") and full not in modules and target != name:
                    wrong.append(f"{where} imports the private name {n} of {target}")
            for t in [target] + [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]:
                parts = t.split(".")
                for i, part in enumerate(parts):
                    owner = ".".join(parts[:i])
                    if part.startswith("_") and not part.startswith("__"):
                        if not (package == owner or package.startswith(owner + ".")):
                            wrong.append(f"{where} imports {t}, private to {owner}")
                        break
    assert not wrong, "\n".join(sorted(set(wrong)))


def _code_lines(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    doc: set[int] = set()
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        doc = set(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    count = 0
    for i in range(node.lineno, (node.end_lineno or node.lineno) + 1):
        text = lines[i - 1].strip()
        if i not in doc and text and not text.startswith("#"):
            count += 1
    return count


def test_modules_and_functions_stay_small(modules):
    big = []
    for mod in modules.values():
        rel = str(mod.path.relative_to(PACKAGE.parent))
        lines = mod.path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_MODULE_LINES and rel not in SIZE_EXCEPTIONS:
            big.append(f"{rel}: {len(lines)} lines")
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = _code_lines(lines, node)
                key = f"{rel}:{node.name}"
                if n > MAX_FUNCTION_LINES and key not in SIZE_EXCEPTIONS:
                    big.append(f"{key} (line {node.lineno}): {n} lines of code")
    assert not big, "split these along the flow:\n" + "\n".join(big)


def test_every_subpackage_says_what_it_holds_and_may_import(modules):
    for mod in modules.values():
        if mod.is_package and mod.name != "assetmap":
            doc = ast.get_docstring(mod.tree) or ""
            assert "May import" in doc, f"{mod.path}: say what this room may import"


def test_the_rules_catch_what_they_are_for(tmp_path):
    """The checker itself: a planted cycle, a private import and an upward import."""
    fake = {
        "assetmap.analysis.a": "from assetmap.analysis import b\n",
        "assetmap.analysis.b": "def f():\n    from assetmap.analysis import a\n",
        "assetmap.readers.r": "from assetmap.analysis._x import _y\n",
        "assetmap.analysis._x": "_y = 1\n",
    }
    mods = {}
    for name, src in fake.items():
        mod = Module(name, PACKAGE / (name.replace(".", "/") + ".py"), False, ast.parse(src))
        mod.imports = _imports(mod)
        mods[name] = mod
    edges = _edges(mods)
    assert "assetmap.analysis.a" in edges["assetmap.analysis.b"]  # inside a function counts
    assert "assetmap.analysis.b" in edges["assetmap.analysis.a"]
    assert _floor(_room("assetmap.analysis._x")) > _floor(_room("assetmap.readers.r"))
    with pytest.raises(AssertionError, match="private"):
        test_private_stays_private(mods)
    with pytest.raises(AssertionError, match="against the flow"):
        test_data_flows_one_way(mods)
    with pytest.raises(AssertionError, match="cycles"):
        test_no_import_cycles(mods)
