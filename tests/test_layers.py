"""The portal's modules depend in one direction, and platforms stay in their packages.

Read from the source (no import runs), so a rule broken anywhere fails here:

* no module imports a project module inside a function, except an `AppConfig.ready`
  (Django's place for wiring that needs the app registry);
* the graph of project modules is acyclic;
* the platform kit (`connections/platforms/*.py`) imports nothing of the portal but the kit;
* a platform package imports the kit, itself, and (its sandbox only) the sandbox shell;
* nothing outside a platform package imports it: the registry loads packages by name;
* nothing outside a platform package names a platform (but its registration line).
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from connections.platforms import installed, registry

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "api", "audit", "connections", "orders", "portal", "sandbox")
KIT = "connections.platforms"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def project_modules() -> dict[str, Path]:
    """Every module of the portal's code: tests, benchmarks and migrations left out."""
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).parts
            if "migrations" in relative or "tests" in relative:
                continue
            modules[_module_name(path)] = path
    return modules


def _resolve(module: str, node: ast.ImportFrom | ast.Import, path: Path) -> list[str]:
    """The project modules an import statement names (a `from pkg import name` may name a module)."""
    known = project_modules()
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        if node.level:
            package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    found = []
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target:
            found.append(target)
    return found


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, path: Path):
        self.module, self.path = module, path
        self.top: set[str] = set()
        self.inside_functions: list[tuple[int, str]] = []
        self._function: list[str] = []
        self._class: list[ast.ClassDef] = []

    def visit_ClassDef(self, node):
        self._class.append(node)
        self.generic_visit(node)
        self._class.pop()

    def _visit_function(self, node):
        self._function.append(node.name)
        self.generic_visit(node)
        self._function.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _visit_function

    def _visit_import(self, node):
        targets = [t for t in _resolve(self.module, node, self.path) if t != self.module]
        if not targets:
            return
        if not self._function:
            self.top.update(targets)
            return
        in_ready = self._function == ["ready"] and self.path.name == "apps.py"
        if not in_ready:
            self.inside_functions.append((node.lineno, ", ".join(sorted(set(targets)))))

    visit_Import = visit_ImportFrom = _visit_import


@cache
def imports() -> dict[str, _Imports]:
    found = {}
    for module, path in project_modules().items():
        visitor = _Imports(module, path)
        visitor.visit(ast.parse(path.read_text(), str(path)))
        found[module] = visitor
    return found


def _platform_package(module: str) -> str | None:
    """`connections.platforms.<key>` for a module of a platform package, else None."""
    parts = module.split(".")
    if module.startswith(f"{KIT}.") and (ROOT / "connections" / "platforms" / parts[2]).is_dir():
        return ".".join(parts[:3])
    return None


def test_the_rules_see_the_code():
    assert len(project_modules()) > 40
    assert "connections.sync" in imports()["portal.tasks"].top


def test_no_project_import_hides_in_a_function():
    hidden = [
        f"{project_modules()[module].relative_to(ROOT)}:{line} imports {targets}"
        for module, found in imports().items()
        for line, targets in found.inside_functions
    ]
    assert not hidden, "Imports inside functions (move them to the top, and break the cycle they dodge):\n" + "\n".join(
        hidden
    )


def test_the_module_graph_has_no_cycle():
    graph = {module: found.top for module, found in imports().items()}
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            pytest.fail("Import cycle: " + " -> ".join(cycle))


def test_the_kit_imports_only_the_kit():
    kit = [m for m in project_modules() if m.startswith(f"{KIT}.") and _platform_package(m) is None]
    assert f"{KIT}.registry" in kit
    wrong = {m: sorted(t for t in imports()[m].top if not t.startswith(KIT)) for m in kit}
    assert not {m: t for m, t in wrong.items() if t}


def test_a_platform_package_imports_the_kit_itself_and_the_sandbox_shell():
    wrong = {}
    for module, found in imports().items():
        package = _platform_package(module)
        if package is None:
            continue
        in_sandbox = module.startswith(f"{package}.sandbox")
        for target in found.top:
            kit_module = target.startswith(f"{KIT}.") and _platform_package(target) is None
            own = target == package or target.startswith(f"{package}.")
            shell = in_sandbox and (target == "sandbox" or target.startswith("sandbox."))
            if not (kit_module or own or shell):
                wrong.setdefault(module, []).append(target)
    assert not wrong


def test_nothing_outside_a_platform_package_imports_it():
    wrong = {
        module: sorted(
            t for t in found.top if _platform_package(t) and _platform_package(t) != _platform_package(module)
        )
        for module, found in imports().items()
    }
    assert not {m: t for m, t in wrong.items() if t}


# Where a platform may be named outside its package: its registration line, the settings an
# operator sets (.env.example), the docs, and the past (migrations record what was).
NAMING_ALLOWED = ("connections/platforms/installed.py", ".env.example")


def _platform_words() -> list[str]:
    words = []
    for package in installed.PLATFORMS:
        platform = registry.get(package.rpartition(".")[2])
        words += [platform.key, platform.short_name, platform.name]
    return sorted(set(words), key=len, reverse=True)


def test_nothing_outside_the_platform_packages_names_a_platform():
    pattern = re.compile("|".join(rf"\b{re.escape(word)}\b" for word in _platform_words()), re.IGNORECASE)
    packages = {ROOT / Path(*package.split(".")) for package in installed.PLATFORMS}
    named = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        parts = relative.parts
        if (
            not path.is_file()
            or path.suffix not in {".py", ".html", ".js", ".css", ".toml", ".txt", ".cfg", ".example", ".graphql"}
            or parts[0] in {".venv", ".git", "tests", "bench", "var", "staticfiles"}
            or "migrations" in parts
            or any(path.is_relative_to(package) for package in packages)
            or str(relative) in NAMING_ALLOWED
        ):
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if pattern.search(line):
                named.append(f"{relative}:{number}: {line.strip()}")
    assert not named, "Outside its package, a platform is asked through the registry, not named:\n" + "\n".join(named)


def test_each_platform_package_is_named_by_its_key_and_registered_once():
    keys = [package.rpartition(".")[2] for package in installed.PLATFORMS]
    assert len(set(keys)) == len(keys)
    assert sorted(keys) == sorted(p.key for p in registry.all_platforms())
