"""Replicas behave as one registry: one bootstrap, shared tokens, every replica in use."""

from __future__ import annotations

import json

import httpx

from tests.support.replicas import ReplicaSet
from tests.support.server import ApiClient


def test_replicas_started_together_bootstrap_once(replica_set: ReplicaSet) -> None:
    """Three replicas started at once on an empty database made one organization, one
    project and one admin key, and ran the migrations once."""
    projects = json.loads(replica_set.front.cli("project", "list", "--json").stdout)
    assert len(projects) == 1
    assert projects[0]["project_id"] == replica_set.front.project_id
    principals = json.loads(replica_set.front.cli("principal", "list", "--json").stdout)
    assert [p["name"] for p in principals if p["role"] == "admin"] == ["admin"]
    for replica in replica_set.replicas:
        assert "store is up to date" in replica.cli("migrate").stdout


def test_token_from_one_replica_is_accepted_by_every_replica(replica_set: ReplicaSet) -> None:
    principal = replica_set.front.principal("viewer")
    for issuer in replica_set.replicas:
        token = issuer.token(principal)
        for replica in replica_set.replicas:
            api = ApiClient(replica, token)
            answer = api.get(api.v2 + "/buckets")
            assert answer.status_code == 200, (issuer.port, replica.port, answer.text)
    # A token the replicas did not sign is refused by each of them.
    for replica in replica_set.replicas:
        api = ApiClient(replica, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
        refused = api.get(api.v2 + "/buckets")
        assert refused.status_code == 401 and refused.json()["code"] == 16


def test_balancer_spreads_one_connection_over_every_replica(replica_set: ReplicaSet) -> None:
    """HAProxy routes each request on its own: one client's keep-alive connection reaches
    every replica, and what one replica wrote the next one reads."""
    api = replica_set.front.api("contributor")
    before = replica_set.requests_served("spread-")
    for n in range(9):
        made = api.put(api.v2 + "/buckets", json={"name": f"spread-{n}"})
        assert made.status_code == 200, made.text
        assert api.get(api.v2 + f"/buckets/spread-{n}").status_code == 200
    after = replica_set.requests_served("spread-")
    assert all(b - a >= 2 for a, b in zip(before, after, strict=True)), (before, after)
    assert replica_set.balancer.server_states() == {
        f"replica{n}": "UP" for n in range(1, len(replica_set.replicas) + 1)
    }


def test_urls_handed_out_name_the_balancer(replica_set: ReplicaSet) -> None:
    """Replicas started with --public-url give clients the balancer's address."""
    admin = replica_set.front.api("admin")
    task = admin.get(admin.v1 + "/runtasks/validation").json()
    assert task["api_url"].startswith(replica_set.front.base_url + "/runtasks/")
    env = json.loads(replica_set.replicas[1].cli("env", "--json").stdout)
    assert env["HCP_AUTH_URL"] == replica_set.front.base_url
    assert env["HCP_API_ADDRESS"] == replica_set.front.address
    health = httpx.get(replica_set.front.base_url + "/readyz", verify=replica_set.front.tls())
    assert health.json() == {"status": "ready"}
