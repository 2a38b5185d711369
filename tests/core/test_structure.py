"""The shape of the code, read from its source with ast: small modules and functions, an import
graph without cycles (between modules, and between dcaudit's packages and top modules), and no
dependency declared in pyproject.toml that nothing imports.

Every import counts, wherever it stands (inside a function or under TYPE_CHECKING as well): an
import hidden in a function is still a dependency. ``from package import name`` depends on the
submodule when ``name`` is one, else on the package.
"""

from __future__ import annotations

import ast
import itertools
import re
import tomllib
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "dcaudit"
SKIPPED = (PACKAGE / "demo" / "site",)  # the demo site's static files, not dcaudit's code
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True)
class Module:
    name: str  # dotted: dcaudit.crawl.fetcher; a package is named by its __init__.py
    path: Path
    tree: ast.Module
    lines: int

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"

    @property
    def where(self) -> str:
        return self.path.relative_to(REPO).as_posix()


@dataclass
class Graph:
    """Who imports whom; each edge keeps the first import line that makes it."""

    edges: dict[str, dict[str, str]] = field(default_factory=dict)  # from -> to -> "file:line"

    def add(self, source: str, target: str, where: str) -> None:
        self.edges.setdefault(source, {})
        if target != source:
            self.edges[source].setdefault(target, where)
        self.edges.setdefault(target, {})


def read_module(path: Path, text: str) -> Module:
    parts = path.relative_to(REPO).with_suffix("").parts
    name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    return Module(name, path, ast.parse(text, str(path)), len(text.splitlines()))


@cache
def modules() -> dict[str, Module]:
    """Every module of dcaudit, by dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if not any(path.is_relative_to(skipped) for skipped in SKIPPED):
            module = read_module(path, path.read_text(encoding="utf-8"))
            found[module.name] = module
    return found


def _imports(module: Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, list[str]]]:
    """Every import statement with the dotted names it reaches (absolute)."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            yield node, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.name.split(".")
                if not module.is_package:
                    package = package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([node.module] if node.module else [])])
            yield node, [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _own_target(name: str, known: Mapping[str, Module]) -> str | None:
    """The dcaudit module an imported dotted name lives in, if any."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(known: Mapping[str, Module]) -> Graph:
    """Module -> the modules of ``known`` it imports."""
    graph = Graph()
    for module in known.values():
        graph.add(module.name, module.name, "")
        for node, names in _imports(module):
            where = f"{module.where}:{node.lineno}"
            if isinstance(node, ast.ImportFrom):
                submodules = [n for n in names[1:] if n in known]
                # the package itself only when some name is not a submodule of it
                names = submodules + ([names[0]] if len(submodules) < len(node.names) else [])
            for name in names:
                target = _own_target(name, known)
                if target is not None:
                    graph.add(module.name, target, where)
    return graph


def _unit(module: str) -> str:
    """A module's place in the package graph: its subpackage of dcaudit, or itself."""
    return ".".join(module.split(".")[:2])


@cache
def module_graph() -> Graph:
    return import_graph(modules())


def package_graph(modules_graph: Graph) -> Graph:
    """The module graph with each module replaced by its unit (see ``_unit``)."""
    graph = Graph()
    for source, targets in modules_graph.edges.items():
        graph.add(_unit(source), _unit(source), "")
        for target, where in targets.items():
            if _unit(target) != _unit(source):
                modules_apart = (source, target) != (_unit(source), _unit(target))
                said = f"{where} ({source} -> {target})" if modules_apart else where
                graph.add(_unit(source), _unit(target), said)
    return graph


def strongly_connected(edges: Mapping[str, Mapping[str, str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of nodes that reach each other (those of two or more
    are the cycles), without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            following = next(successors, None)
            if following is not None:
                if following not in index:
                    index[following] = low[following] = len(index)
                    stack.append(following)
                    on_stack.add(following)
                    work.append((following, iter(sorted(edges[following]))))
                elif following in on_stack:
                    low[node] = min(low[node], index[following])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(sorted(group))
    return groups


def _cycle_through(start: str, group: Sequence[str], graph: Graph) -> list[str]:
    """The shortest way from ``start`` back to itself inside one group."""
    members = set(group)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in sorted(graph.edges[node]):
            if target not in members:
                continue
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if target not in came_from:
                came_from[target] = node
                queue.append(target)
    return [start]


def describe_cycles(graph: Graph) -> list[str]:
    """One line per cycle, then the import that makes each of its arrows."""
    described = []
    for group in strongly_connected(graph.edges):
        if len(group) < 2:
            continue
        cycle = _cycle_through(group[0], group, graph)
        lines = [" -> ".join(cycle)]
        if len(cycle) - 1 < len(group):
            lines[0] += f" (one of the cycles among {', '.join(group)})"
        lines += [f"    {a} -> {b}: {graph.edges[a][b]}" for a, b in itertools.pairwise(cycle)]
        described.append("\n".join(lines))
    return described


# The layers of dcaudit, in the pipeline's order: a module may import its own layer and the
# layers above it, never one below. Named by unit (see ``_unit``), without "dcaudit.".
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "the shared base",
        (
            *("dcaudit", "errors", "models", "config", "engine", "parse", "redact"),
            *("transaction", "killpoint", "stopping", "owner", "css_match"),
        ),
    ),
    ("crawl", ("crawl",)),
    ("extract", ("extract",)),
    ("classify", ("classify",)),
    ("page checks and the browser", ("checks", "browser", "identity", "locator")),
    # summary: the figures of a stored run; chunks: a stored run read in chunks
    ("store", ("store", "summary", "chunks")),
    ("score", ("score",)),
    ("baselines and differences", ("baseline", "diff", "gate")),
    ("report", ("report",)),
    (
        "orchestration",
        (
            *("pipeline", "stages", "resume", "batch", "demo", "__main__"),
            *("cli", "cli_changes", "cli_common", "cli_rules"),
        ),
    ),
)


def _short(unit: str) -> str:
    return unit.removeprefix("dcaudit.")


def layer_problems(
    graph: Graph, units: set[str], layers: Sequence[tuple[str, Sequence[str]]]
) -> list[str]:
    """Units placed in no layer or in two, names in ``layers`` that are no unit, and every
    import from a layer to a later one (file:line, the modules, the two layers)."""
    placed: dict[str, int] = {}
    problems = []
    for rank, (layer, members) in enumerate(layers):
        for member in members:
            if member in placed:
                problems.append(f"{member} is in two layers: {layers[placed[member]][0]}, {layer}")
            placed[member] = rank
    for unit in sorted(units):
        if _short(unit) not in placed:
            problems.append(f"{unit} is in no layer: add it to LAYERS in {Path(__file__).name}")
    known = {_short(unit) for unit in units}
    gone = [name for name in placed if name not in known]
    problems += [f"{name} in LAYERS is no module of dcaudit" for name in gone]
    for source, targets in sorted(graph.edges.items()):
        for target, where in sorted(targets.items()):
            here, there = placed.get(_short(_unit(source))), placed.get(_short(_unit(target)))
            if here is not None and there is not None and here < there:
                problems.append(
                    f"{where}: {source} -> {target} "
                    f"({layers[here][0]} imports {layers[there][0]}, a later layer)"
                )
    return problems


Function = ast.FunctionDef | ast.AsyncFunctionDef


def _functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, Function]]:
    """Every function and method, nested ones too, with its qualified name."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = f"{prefix}{node.name}"
            if not isinstance(node, ast.ClassDef):
                yield name, node
            yield from _functions(node, f"{name}.")
        else:
            yield from _functions(node, prefix)


def _distribution(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"pyproject.toml: cannot read the requirement {requirement!r}"
    return _normalised(match.group(1))


def _normalised(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def imported_top_names() -> set[str]:
    """The first part of every absolute import in dcaudit."""
    names: set[str] = set()
    for module in modules().values():
        for node, reached in _imports(module):
            if isinstance(node, ast.Import) or node.level == 0:
                names.update(n.split(".")[0] for n in reached if n)
    return names


# -- the tests ------------------------------------------------------------------------------


def test_the_whole_package_is_read() -> None:
    found = modules()
    assert {"dcaudit", "dcaudit.cli", "dcaudit.pipeline", "dcaudit.classify.decision"} <= set(found)
    assert len(module_graph().edges) == len(found)
    assert "dcaudit.config" in module_graph().edges["dcaudit.cli"]


def test_no_module_is_over_600_lines() -> None:
    long = [f"{m.where}: {m.lines} lines" for m in modules().values() if m.lines > MAX_MODULE_LINES]
    assert not long, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(long)


def test_no_function_is_over_60_lines() -> None:
    long = []
    for module in modules().values():
        for name, node in _functions(module.tree):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                long.append(f"{module.where}:{node.lineno} {name}: {length} lines")
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(long)


def test_no_import_cycle_between_modules() -> None:
    cycles = describe_cycles(module_graph())
    assert not cycles, "modules that import each other:\n" + "\n".join(cycles)


def test_no_import_cycle_between_packages() -> None:
    """Between dcaudit's subpackages and its top modules (dcaudit.cli, dcaudit.pipeline ...)."""
    cycles = describe_cycles(package_graph(module_graph()))
    assert not cycles, "packages and top modules that import each other:\n" + "\n".join(cycles)


def test_every_import_points_down_the_pipeline() -> None:
    units = {_unit(name) for name in modules()}
    problems = layer_problems(module_graph(), units, LAYERS)
    assert not problems, "imports against the layers (LAYERS):\n" + "\n".join(problems)


def test_every_declared_dependency_is_imported() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    provides: dict[str, set[str]] = {}  # distribution -> the top-level names it installs
    for top, distributions in packages_distributions().items():
        for distribution in distributions:
            provides.setdefault(_normalised(distribution), set()).add(top)
    imported = imported_top_names()
    unused = []
    for requirement in project["dependencies"]:
        distribution = _distribution(requirement)
        names = provides.get(distribution) or {distribution.replace("-", "_")}
        if not names & imported:
            unused.append(f"{requirement} (import name {' or '.join(sorted(names))})")
    assert not unused, "declared in pyproject.toml, imported nowhere in dcaudit:\n" + "\n".join(
        unused
    )


# -- the checks themselves catch what they should -----------------------------------------


def test_a_cycle_is_found_and_named() -> None:
    graph = Graph()
    for source, target in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "d"), ("b", "a")]:
        graph.add(source, target, f"{source}.py:1")
    assert strongly_connected(graph.edges) == [["d"], ["a", "b", "c"]]
    (cycle,) = describe_cycles(graph)
    assert cycle.splitlines() == [
        "a -> b -> a (one of the cycles among a, b, c)",
        "    a -> b: a.py:1",
        "    b -> a: b.py:1",
    ]


def test_imports_are_resolved_to_the_modules_they_reach() -> None:
    sources = {
        "dcaudit/__init__.py": "",
        "dcaudit/kit/__init__.py": "from dcaudit.kit.parts import Part\n",
        "dcaudit/kit/parts.py": "import dcaudit.kit.tools as tools\n",
        "dcaudit/kit/tools.py": "def f():\n    from . import parts\n",
        "dcaudit/top.py": "from dcaudit.kit import VALUE, tools\nfrom .kit.parts import x\n",
    }
    known = {}
    for path, text in sources.items():
        module = read_module(REPO / path, text)
        known[module.name] = module
    edges = import_graph(known).edges
    assert edges["dcaudit.kit"] == {"dcaudit.kit.parts": "dcaudit/kit/__init__.py:1"}
    assert set(edges["dcaudit.kit.tools"]) == {"dcaudit.kit.parts"}  # inside a function too
    # a name that is not a submodule makes the package a dependency; one that is does not
    assert set(edges["dcaudit.top"]) == {"dcaudit.kit", "dcaudit.kit.tools", "dcaudit.kit.parts"}
    cycle = describe_cycles(import_graph(known))
    assert cycle[0].startswith("dcaudit.kit.parts -> dcaudit.kit.tools -> dcaudit.kit.parts")
    units = package_graph(import_graph(known)).edges
    assert set(units["dcaudit.top"]) == {"dcaudit.kit"}
    assert units["dcaudit.top"]["dcaudit.kit"].startswith("dcaudit/top.py:1 (dcaudit.top -> ")
    assert describe_cycles(package_graph(import_graph(known))) == []


def test_a_wrong_way_import_is_found_and_named() -> None:
    graph = Graph()
    for source, target in [
        ("dcaudit.crawl.fetcher", "dcaudit.models"),
        ("dcaudit.crawl.fetcher", "dcaudit.store"),
        ("dcaudit.store", "dcaudit.models"),
        ("dcaudit.report.html", "dcaudit.store"),
    ]:
        graph.add(source, target, f"{source.replace('.', '/')}.py:7")
    layers = [("base", ["models"]), ("crawl", ["crawl", "gone"]), ("store", ["store", "crawl"])]
    units = {"dcaudit.models", "dcaudit.crawl", "dcaudit.store", "dcaudit.report"}
    assert layer_problems(graph, units, layers) == [
        "crawl is in two layers: crawl, store",
        f"dcaudit.report is in no layer: add it to LAYERS in {Path(__file__).name}",
        "gone in LAYERS is no module of dcaudit",
    ]
    layers = [("base", ["models"]), ("crawl", ["crawl"]), ("store", ["store", "report"])]
    assert layer_problems(graph, units, layers) == [
        "dcaudit/crawl/fetcher.py:7: dcaudit.crawl.fetcher -> dcaudit.store "
        "(crawl imports store, a later layer)"
    ]
