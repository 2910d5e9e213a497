"""A wire handler parses, calls one use case and renders (docs/architecture.md).

Read from the source: for each handler a `Route(...)` of the wire names, the calls it makes to
functions of `packyard.services`, followed through the wire's own helpers. Building a value a
use case takes (a class, such as `VersionChange`) is not a call of a use case.
"""

from __future__ import annotations

import ast
from pathlib import Path

import packyard.wire

WIRE = Path(packyard.wire.__file__).parent


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(WIRE.rglob("*.py")):
        parts = path.relative_to(WIRE.parent.parent).with_suffix("").parts
        found[".".join(parts)] = ast.parse(path.read_text())
    return found


def _names(tree: ast.Module, module: str) -> dict[str, str]:
    """What each name a module binds at its top refers to, in full."""
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.setdefault(node.name, f"{module}.{node.name}")
    return names


class Wire:
    def __init__(self) -> None:
        self.trees = _modules()
        self.names = {module: _names(tree, module) for module, tree in self.trees.items()}
        self.functions = {
            f"{module}.{node.name}": (node, module)
            for module, tree in self.trees.items()
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }

    def resolve(self, node: ast.expr, module: str) -> str | None:
        names = self.names[module]
        if isinstance(node, ast.Name):
            target = names.get(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            base = names.get(node.value.id)
            target = None if base is None else f"{base}.{node.attr}"
        else:
            return None
        while target is not None and target not in self.functions:
            owner, _, name = target.rpartition(".")
            again = self.names.get(owner, {}).get(name)  # a name another wire module imports
            if again in (None, target):
                break
            target = again
        return target

    def use_cases(self, function: str, seen: frozenset[str] = frozenset()) -> list[str]:
        if function in seen or function not in self.functions:
            return []
        node, module = self.functions[function]
        found: list[str] = []
        for call in ast.walk(node):
            if not isinstance(call, ast.Call):
                continue
            target = self.resolve(call.func, module)
            if target is None:
                continue
            if (
                target.startswith("packyard.services.")
                and not target.rsplit(".", 1)[1][0].isupper()
            ):
                found.append(target.removeprefix("packyard.services."))
            elif target in self.functions:
                found += self.use_cases(target, seen | {function})
        return found

    def handlers(self) -> set[str]:
        found = set()
        for module, tree in self.trees.items():
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or getattr(node.func, "id", "") != "Route":
                    continue
                if len(node.args) >= 3:
                    handler = self.resolve(node.args[2], module)
                    if handler in self.functions:
                        found.add(handler)
        return found


def test_each_route_handler_calls_one_use_case() -> None:
    wire = Wire()
    handlers = wire.handlers()
    assert len(handlers) > 80  # both planes, the extension, IAM, the registry, the projects
    more = {
        handler: calls for handler in sorted(handlers) if len(calls := wire.use_cases(handler)) > 1
    }
    assert not more, f"handlers calling more than one use case: {more}"
