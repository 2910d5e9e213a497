"""Property-based requests from the official specs against a live server.

Schemathesis generates each operation's path parameters, query and body from the two Packer
specs and the resource-manager reads Packyard serves; half the time a path parameter names
real content, so requests reach the use cases behind the lookups. Every answer must be a
non-5xx whose body matches the operation's schema (errors in the google.rpc.Status shape).
The examples are derandomized and bounded, so every run sends the same requests.

It works in a project of its own, whose admin sends every request: a fuzzed
DeleteRegistry or DeleteBucket changes nothing another test relies on, and the project's
content is seeded again before each operation.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import NotSet
from schemathesis.specs.openapi.schemas import APIOperation

from packyard.wire.app import API_ROUTES
from tests.api.tenants import Tenant, World, new_tenant
from tests.support import contract
from tests.support.server import LiveServer

EXAMPLES = 8  # per operation and mode: bounded, and the same ones every run
SPECS = ("packer-2021-04-30", "packer-2023-01-01", "resource-manager-2019-12-10")
SERVED = {(route.method, re.sub(r"\{[^}]+\}", "{}", route.path)) for route in API_ROUTES}


def _load(name: str) -> Any:
    """A spec whose dotted path parameters ({location.project_id}) are renamed with '_'.

    Schemathesis fills path templates with str.format, which reads dots as attributes.
    """
    spec = json.loads((contract.SPEC_DIR / name / "hcp.swagger.json").read_text())
    paths = {}
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    parameter["name"] = parameter["name"].replace(".", "_")
        paths[re.sub(r"\{[^}]+\}", lambda m: m.group(0).replace(".", "_"), template)] = item
    spec["paths"] = paths
    return schemathesis.openapi.from_dict(spec)


def _served(method: str, template: str) -> bool:
    return (method, re.sub(r"\{[^}]+\}", "{}", template)) in SERVED


@cache
def operations() -> dict[str, APIOperation]:
    found: dict[str, APIOperation] = {}
    for name in SPECS:
        for result in _load(name).get_all_operations():
            operation = result.ok()
            if _served(operation.method.upper(), operation.path):
                label = f"{name}:{operation.definition.raw.get('operationId', operation.path)}"
                found[label] = operation
    return found


def test_every_served_spec_operation_is_fuzzed():
    # 30 of 2021-04-30 less the two early ones, 52 of 2023-01-01, and of the resource
    # manager the 3 reads and the 2 IAM policy operations on a bucket's resource name.
    assert len(operations()) == 28 + 52 + 3 + 2


def _known(world: World) -> dict[str, str]:
    """Real values for the path parameters, by name."""
    t = world.t
    return {
        "location_organization_id": t.organization_id,
        "location_project_id": t.project_id,
        "bucket_slug": world.bucket,
        "bucket_name": world.bucket,
        "fingerprint": world.fingerprint,
        "iteration_id": world.version_id,
        "build_id": world.build_id,
        "slug": world.channel,
        "channel_name": world.channel,
        "incremental_version": "1",
        "task_type": "validation",
        "sbom_name": world.sbom,
        "enforced_block_id": world.block_id,
        "enforced_block_version_id": world.block_version_id,
        "id": t.project_id,
    }


@pytest.fixture(scope="module")
def fuzz_tenant(live_server: LiveServer) -> Tenant:
    tenant = new_tenant(live_server)
    tenant.clients["admin"] = tenant.client("admin")
    return tenant


@pytest.fixture(scope="module")
def seeded(fuzz_tenant: Tenant) -> dict[str, World]:
    return {}


@pytest.fixture
def world(fuzz_tenant: Tenant, seeded: dict[str, World], label: str) -> World:
    """The tenant's content, seeded afresh after any write (a fuzzed request may have
    deleted, revoked or deactivated what the next operation's requests look up)."""
    if "world" not in seeded or seeded.pop("dirty", None):
        api = fuzz_tenant.admin
        response = api.put(api.v2 + "/registry", json={})
        assert response.status_code in (200, 409), response.text
        seeded["world"] = World(fuzz_tenant)
    if operations()[label].method.upper() != "GET":
        seeded["dirty"] = seeded["world"]
    return seeded["world"]


def _url(operation: APIOperation, path_parameters: dict[str, Any]) -> str:
    return re.sub(
        r"\{([^}]+)\}", lambda m: str(path_parameters[m.group(1)]), operation.path
    )  # values arrive percent-encoded


def _send(world: World, operation: APIOperation, case: Any, real: dict[str, bool]) -> None:
    known = _known(world)
    params = dict(case.path_parameters or {})
    for name in params:
        if name.startswith("location_") or real.get(name):
            params[name] = known[name]
    headers = {"Authorization": world.api.http.headers["Authorization"]}
    content = None
    if not isinstance(case.body, NotSet):
        content = json.dumps(case.body).encode()
        headers["Content-Type"] = "application/json"
    http: httpx.Client = world.api.http
    response = http.request(
        operation.method.upper(),
        _url(operation, params),
        params=case.query or None,
        content=content,
        headers=headers,
    )
    described = f"{operation.method.upper()} {response.request.url} {content!r}"
    assert response.status_code < 500 or (
        response.status_code == 501 and response.json().get("code") == 12
    ), f"{described}\n-> {response.status_code} {response.text}"
    body = response.json()
    if response.status_code != 200:
        assert body["details"] == [] and body["message"], f"{described}\n-> {body}"
    # Validate against the operation that was meant, named by a path of plain placeholders.
    canonical = re.sub(r"\{[^}]+\}", "fuzzed-value", operation.path)
    try:
        contract.validate(operation.method.upper(), canonical, response.status_code, body)
    except Exception as exc:
        raise AssertionError(f"{described}\n-> {response.status_code} {body}\n{exc}") from None


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
@pytest.mark.parametrize("label", sorted(operations()))
def test_fuzzed_requests_get_valid_answers(world: World, label: str, mode: GenerationMode) -> None:
    operation = operations()[label]
    names = [
        name
        for name in re.findall(r"\{([^}]+)\}", operation.path)
        if not name.startswith("location_")
    ]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(), real=st.fixed_dictionaries({n: st.booleans() for n in names})
    )
    def run(case: Any, real: dict[str, bool]) -> None:
        _send(world, operation, case, real)

    run()
