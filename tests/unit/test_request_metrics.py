"""/metrics lists an operation's series once it has been asked, and counts each request."""

from __future__ import annotations

import re

from tests.support.in_process import in_process


def _count(text: str, operation: str) -> float | None:
    found = re.search(
        rf'^packyard_request_seconds_count\{{operation="{re.escape(operation)}"\}} (\S+)$',
        text,
        re.M,
    )
    return None if found is None else float(found.group(1))


def test_series_appear_at_their_first_request_and_count_every_one(tmp_path):
    with in_process(tmp_path) as served, served.api() as api:
        text = api.get("/metrics").text
        assert _count(text, "v2023.GetRegistry") is None  # created by no request yet
        assert 'operation="v2023.DeleteChannel"' not in text
        for _ in range(3):
            api.get(api.v2 + "/registry")
        text = api.get("/metrics").text
        assert _count(text, "v2023.GetRegistry") == 3
        assert re.search(
            r'^packyard_requests_total\{operation="v2023.GetRegistry",status="\d+"\} 3\.0$',
            text,
            re.M,
        )
        assert 'operation="v2023.DeleteChannel"' not in text
