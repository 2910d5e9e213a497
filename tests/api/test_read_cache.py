"""The hot-read cache keys on what changes an answer: reads with junk query parameters get
the answer they get without them and neither add entries nor bytes to the cache (as /metrics
shows for the server's one worker)."""

from __future__ import annotations

import httpx

from tests.api.conftest import push
from tests.support.server import LiveServer


def cache_gauges(server: LiveServer) -> tuple[float, float]:
    """(entries, bytes) of the server's read cache, from /metrics."""
    text = httpx.get(server.base_url + "/metrics", verify=server.tls()).text
    values = {
        line.split()[0]: float(line.split()[1])
        for line in text.splitlines()
        if line.startswith("packyard_read_cache_")
    }
    return values["packyard_read_cache_entries"], values["packyard_read_cache_bytes"]


def test_junk_query_parameters_neither_grow_the_cache_nor_change_the_answer(
    live_server, admin, name
):
    push(admin, name, "fp-1")
    reads = [
        (admin.v1 + f"/images/{name}", []),
        (admin.v1 + f"/images/{name}/iteration", [("fingerprint", "fp-1")]),
        (admin.v1 + f"/images/{name}/channels/latest", []),
        (admin.v2 + f"/buckets/{name}", []),
        (admin.v2 + f"/buckets/{name}/versions/fp-1", []),
        (admin.v2 + f"/buckets/{name}/channels/latest", []),
    ]
    answers = {}
    for path, params in reads:
        for _ in range(2):  # rendered, then kept
            response = admin.get(path, params=params)
            assert response.status_code == 200, response.text
        answers[path] = response.json()
    entries, size = cache_gauges(live_server)
    assert entries >= len(reads) and size > 0
    for number in range(40):
        for path, params in reads:
            junk = [
                (f"junk-{number}", "x" * 500),
                ("pagination.page_size", str(number)),
                ("iteration_id", ""),
                ("fingerprint", "not-this-one"),  # a repeated parameter: the last one counts
                *(params or [("fingerprint", "")]),
            ]
            response = admin.get(path, params=junk)
            assert response.status_code == 200, response.text
            assert response.json() == answers[path], path
    assert cache_gauges(live_server) == (entries, size)
