"""The house's layers, read from the code's own imports (module level and inside functions).

Apps import only downwards in LAYERS (docs/architecture.md draws them); apps on one layer do
not import each other; no two modules import each other, directly or round a circle.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "grannar"

# Bottom first. Apps on one layer stand side by side and may not import each other.
LAYERS: list[set[str]] = [
    {"core"},
    {"programmes"},
    {"people"},
    {"training"},
    {"evaluation", "collaboration"},
    {"reporting"},
    {"demo"},
    {"api"},
    {"site"},
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> set[str]:
    """Every grannar module `path` names in an import, wherever the import stands."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("grannar.")}


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module → the grannar modules it imports (migrations left out: Django writes them)."""
    paths = {
        _module_name(p, root): p
        for p in root.rglob("*.py")
        if "migrations" not in p.relative_to(root).parts
    }
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        targets = set()
        for name in _imports(path, module):
            while name and name not in paths:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_breaches(graph: dict[str, set[str]]) -> list[str]:
    breaches = []
    for module, targets in sorted(graph.items()):
        own = _app(module)
        for target in sorted(targets):
            other = _app(target)
            if not other or other == own or not own:
                continue
            if own not in RANK or other not in RANK:
                breaches.append(f"{module} -> {target}: app not in LAYERS")
            elif RANK[other] >= RANK[own]:
                breaches.append(f"{module} -> {target}: {own} may not import {other}")
    return breaches


def module_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_app_has_a_layer():
    apps = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    assert apps <= set(RANK), f"add to LAYERS: {sorted(apps - set(RANK))}"


def test_apps_import_only_downwards():
    assert layer_breaches(import_graph()) == []


def test_no_import_cycle_between_modules():
    assert module_cycles(import_graph()) == []


def test_no_demo_builder_loose_at_the_package_root():
    assert sorted(p.name for p in ROOT.glob("demo*.py")) == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # core reaching up to people, the breach this test exists for
        ({"core/__init__.py": "", "core/x.py": "from grannar.people import y\n"}, "core"),
        # an import inside a function counts too
        (
            {"training/__init__.py": "", "training/a.py": "def f():\n    import grannar.site\n"},
            "site",
        ),
        # two apps on one layer
        (
            {
                "evaluation/__init__.py": "",
                "evaluation/a.py": "from grannar.collaboration import m\n",
            },
            "collaboration",
        ),
    ],
)
def test_the_check_sees_an_upward_import(tmp_path, files, expected):
    root = tmp_path / "grannar"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    for app in ("people", "site", "collaboration"):
        (root / app).mkdir(exist_ok=True)
        (root / app / "__init__.py").write_text("")
    breaches = layer_breaches(import_graph(root))
    assert len(breaches) == 1
    assert expected in breaches[0]


def test_the_check_sees_a_cycle_inside_a_function(tmp_path):
    root = tmp_path / "grannar" / "training"
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "services.py").write_text("from grannar.training import tasks\n")
    (root / "tasks.py").write_text("def job():\n    from grannar.training.services import f\n")
    assert module_cycles(import_graph(root.parent)) == [
        ["grannar.training.services", "grannar.training.tasks"]
    ]
