"""Validates every response against the official spec of its operation, extra properties banned."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests.support.shared import shared_dir

SPEC_DIR = shared_dir() / "spec"


@dataclass
class Operation:
    name: str
    method: str
    pattern: re.Pattern[str]
    template: str
    responses: dict[str, Any]
    root: dict[str, Any] = field(repr=False, default_factory=dict)


def _strict(node: Any) -> Any:
    """Close every object that lists its properties, so extra properties fail validation."""
    if isinstance(node, dict):
        out = {key: _strict(value) for key, value in node.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(item) for item in node]
    return node


def _pattern(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\{[^}]+\}", "[^/]+", template)
    return re.compile("^" + regex + "$")


def _load(path: Path) -> dict[str, Any]:
    if path.suffix == ".json":
        return json.loads(path.read_text())
    return yaml.safe_load(path.read_text())


@cache
def operations() -> list[Operation]:
    found: list[Operation] = []
    for name in (
        "packer-2021-04-30/hcp.swagger.json",
        "packer-2023-01-01/hcp.swagger.json",
        "resource-manager-2019-12-10/hcp.swagger.json",
        "packer-2021-04-30-early/openapi.yml",
    ):
        spec = _load(SPEC_DIR / name)
        root = _strict(copy.deepcopy(spec))
        for template, methods in spec["paths"].items():
            for method, op in methods.items():
                if method == "parameters":
                    continue
                found.append(
                    Operation(
                        f"{name.split('/')[0]}:{op.get('operationId', template)}",
                        method.upper(),
                        _pattern(template),
                        template,
                        op["responses"],
                        root,
                    )
                )
    found += extension_operations()
    # The current revision wins where both have an operation; the early file only adds two,
    # and they answer in the current revision's shapes (CONTRACT.md).
    current = next(op.root for op in found if op.name.startswith("packer-2021-04-30:"))
    for op in found:
        if op.template.endswith(("/ancestors", "/children")):
            key = "ancestors" if op.template.endswith("/ancestors") else "children"
            op.root = current
            op.responses = {
                "200": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            key: {
                                "type": "array",
                                "items": {"$ref": "#/definitions/hashicorp.cloud.packer.Iteration"},
                            }
                        },
                    }
                },
                "default": {"schema": {"$ref": "#/definitions/google.rpc.Status"}},
            }
    return found


EXTENSION_SPEC = Path(__file__).parents[2] / "src/packyard/wire/extension/openapi.yaml"


def extension_operations() -> list[Operation]:
    """The Packyard extension API's operations, from the document the server ships."""
    spec = _load(EXTENSION_SPEC)
    root = _strict(copy.deepcopy(spec))
    return [
        Operation(
            f"packyard-v1:{op['operationId']}",
            method.upper(),
            _pattern(template),
            template,
            op["responses"],
            root,
        )
        for template, methods in spec["paths"].items()
        for method, op in methods.items()
        if method != "parameters" and "application/json" in str(op["responses"])
    ]


def find_operation(method: str, path: str) -> Operation | None:
    matches = [op for op in operations() if op.method == method and op.pattern.match(path)]
    literal = sorted(matches, key=lambda op: op.template.count("{"))
    return literal[0] if literal else None


def _schema_for(op: Operation, status: int) -> dict[str, Any] | None:
    response = op.responses.get(str(status)) or op.responses.get("default")
    if response is None:
        return None
    if "schema" in response:  # Swagger 2
        schema = response["schema"]
    else:  # OpenAPI 3
        schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    root = op.root
    return {
        **_strict(schema),
        "definitions": root.get("definitions", {}),
        "components": root.get("components", {}),
    }


def validate(method: str, path: str, status: int, body: Any) -> str:
    """Validate one response; answer the operation name. Raise on any mismatch."""
    op = find_operation(method, path)
    if op is None:
        raise AssertionError(f"{method} {path} is not an operation of any spec")
    validator = _validator(op, status)
    if validator is None:
        raise AssertionError(f"{op.name} declares no schema for status {status}")
    validator.validate(body)
    return op.name


_validators: dict[tuple[str, str, str, int], jsonschema.Draft4Validator | None] = {}


def _validator(op: Operation, status: int) -> jsonschema.Draft4Validator | None:
    """One validator per operation and status, its schema checked once (building is slow)."""
    key = (op.name, op.method, op.template, status)
    if key not in _validators:
        schema = _schema_for(op, status)
        if schema is not None:
            jsonschema.Draft4Validator.check_schema(schema)
        _validators[key] = (
            None
            if schema is None
            else jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
        )
    return _validators[key]
