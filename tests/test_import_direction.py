"""The code reads in one direction: the domain knows nothing of Slack, the scheduler or the web;
the database plumbing knows nothing of the domain; and no module of bot/ imports itself back
through others. Read from the source with `ast`, so nothing is imported to check it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"


def module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in it (a function-local import counts too)."""
    package = (
        module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    )
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


MODULES = {module_name(path): path for path in BOT.rglob("*.py")}
GRAPH = {
    name: {
        target
        for target in imports_of(path)
        if target in MODULES and target != name and not name.startswith(target + ".")
    }
    for name, path in MODULES.items()
}


def package_of(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_domain_imports_nothing_of_slack_the_scheduler_or_the_web() -> None:
    forbidden = ("slack_sdk", "slack_bolt", "apscheduler", "bot.slack", "bot.jobs", "bot.web")
    wrong = {
        (name, target)
        for name, path in MODULES.items()
        if package_of(name, "bot.domain")
        for target in imports_of(path)
        if any(package_of(target, prefix) for prefix in forbidden)
    }
    assert wrong == set()


def test_the_database_plumbing_imports_nothing_of_the_domain() -> None:
    wrong = {
        (name, target)
        for name, path in MODULES.items()
        if package_of(name, "bot.db")
        for target in imports_of(path)
        if package_of(target, "bot.domain")
    }
    assert wrong == set()


def test_only_entry_points_import_the_wiring() -> None:
    entry_points = {"bot.cli", "bot.commands", "bot.serve", "bot.wiring"}
    assert {name for name, targets in GRAPH.items() if "bot.wiring" in targets} <= entry_points


def test_no_module_of_bot_imports_itself_back() -> None:
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycles.append([*path[path.index(name) :], name])
            return
        if name in done:
            return
        for target in sorted(GRAPH[name]):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(GRAPH):
        visit(name, [])
    assert cycles == []


def test_importing_the_domain_loads_no_slack_bolt_or_scheduler() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pkgutil, importlib, bot.domain\n"
            "for m in pkgutil.iter_modules(bot.domain.__path__):\n"
            "    importlib.import_module('bot.domain.' + m.name)\n"
            "print(' '.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=BOT.parent,
    ).stdout.split()
    assert [
        m for m in loaded if m.split(".")[0] in ("slack_sdk", "slack_bolt", "apscheduler")
    ] == []
