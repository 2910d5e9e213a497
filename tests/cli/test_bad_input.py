"""Bad input to every people's command: a clear message, the right exit code, nothing written.

Exit codes: 1 refused (a declined question, a role too low), 2 usage (bad arguments, or the
server's InvalidArgument), 3 not found, 4 conflict.
"""

from __future__ import annotations

from tests.cli.conftest import snapshot

LATER = "2099-01-01T00:00:00Z"


def _cases(bucket: str) -> list[tuple[int, list[str], str | None]]:
    """(exit code, arguments, input) for commands that must change nothing in `bucket`."""
    return [
        # usage: caught before a request, or refused by the server as InvalidArgument
        (2, ["bucket", "create", "x" * 300], None),
        (2, ["bucket", "create", f"{bucket}-x", "--label", "novalue"], None),
        (2, ["bucket", "label", bucket], None),
        (2, ["bucket", "label", bucket, "=x"], None),
        (2, ["version", "show", bucket], None),
        (2, ["channel", "create", bucket, "x" * 300], None),
        (2, ["channel", "access", bucket, "production"], None),
        (2, ["channel", "promote", bucket, "--from", "staging"], None),
        (2, ["revoke", bucket, "v1", "--at", LATER, "--in", "1d", "--yes"], None),
        (2, ["revoke", bucket, "v1", "--at", "tomorrow", "--yes"], None),
        (2, ["revoke", bucket, "v1", "--at", "2099-01-01T00:00:00", "--yes"], None),
        (2, ["revoke", bucket, "v1", "--in", "forever", "--yes"], None),
        (2, ["revoke", bucket, "v1", "--in", "99999d", "--yes"], None),
        (2, ["resolve", bucket, "production", "--platform", " ", "--region", "r1"], None),
        (2, ["resolve", bucket, "production", "--region", "r1"], None),
        (2, ["ancestry", bucket, "--type", "cousins"], None),
        (2, ["find", " "], None),
        (2, ["bucket", "ls", "--label", "x"], None),
        # not found
        (3, ["bucket", "show", f"{bucket}-none"], None),
        (3, ["bucket", "delete", f"{bucket}-none", "--yes"], None),
        (3, ["bucket", "label", f"{bucket}-none", "a=b"], None),
        (3, ["version", "show", bucket, "v9"], None),
        (3, ["version", "delete", bucket, "fp-none", "--yes"], None),
        (3, ["build", "show", bucket, "v1", "no-such-build"], None),
        (3, ["sbom", "ls", bucket, "v1", "no-such-build"], None),
        (3, ["channel", "create", bucket, "canary", "--version", "v9"], None),
        (3, ["channel", "assign", bucket, "production", "v9"], None),
        (3, ["channel", "assign", bucket, "nothing", "v1"], None),
        (3, ["channel", "promote", bucket, "--from", "nothing", "--to", "production"], None),
        (3, ["channel", "history", bucket, "nothing"], None),
        (3, ["channel", "delete", bucket, "nothing", "--yes"], None),
        (3, ["revoke", bucket, "v1", "v9", "--yes"], None),  # v1 is not revoked either
        (3, ["revocation", "restore", bucket, "v9"], None),
        (3, ["resolve", bucket, "production", "--platform", "gce", "--region", "r1"], None),
        # conflict
        (4, ["bucket", "create", bucket], None),
        (4, ["channel", "create", bucket, "production"], None),
        (4, ["revocation", "restore", bucket, "v1"], None),
        (4, ["revocation", "cancel", bucket, "v1", "v2"], None),
        # refused: the question asked and declined (or no answer at all)
        (1, ["bucket", "delete", bucket], "n\n"),
        (1, ["version", "delete", bucket, "v1"], "no\n"),
        (1, ["channel", "delete", bucket, "staging"], ""),
        (1, ["revoke", bucket, "v1", "v2"], "\n"),
    ]


def test_bad_input_writes_nothing(cli, api, pushed):
    bucket = pushed["bucket"]
    before = snapshot(api, bucket)
    for code, args, answer in _cases(bucket):
        message = cli.fails(code, *args, input=answer)
        assert "error:" in message or "Usage:" in message, (args, message)
    assert snapshot(api, bucket) == before
    assert snapshot(api, f"{bucket}-x") is None


VIEWER_REFUSED = [
    ["bucket", "create", "{bucket}-v"],
    ["bucket", "label", "{bucket}", "a=b"],
    ["bucket", "delete", "{bucket}", "--yes"],
    ["version", "delete", "{bucket}", "v1", "--yes"],
    ["channel", "create", "{bucket}", "canary"],
    ["channel", "assign", "{bucket}", "production", "v2"],
    ["channel", "promote", "{bucket}", "--from", "staging", "--to", "production"],
    ["channel", "access", "{bucket}", "production", "--restricted"],
    ["channel", "delete", "{bucket}", "staging", "--yes"],
    ["revoke", "{bucket}", "v1", "--yes"],
]


def test_a_viewer_is_refused_and_nothing_is_written(viewer_cli, api, pushed):
    bucket = pushed["bucket"]
    before = snapshot(api, bucket)
    for args in VIEWER_REFUSED:
        assert "may not" in viewer_cli.fails(1, *(arg.format(bucket=bucket) for arg in args))
    assert snapshot(api, bucket) == before
    assert snapshot(api, f"{bucket}-v") is None
