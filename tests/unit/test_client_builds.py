"""How a client release is built: `go install` first, then the source archive in shared/clients/.

A stand-in `go` (a shell script) records its calls and plays the module proxy's 403, so the
fallback, the checksum check, the cache and the failure messages are checked without a build.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from tests.support import clients
from tests.support.clients import ClientBuildError, build_go_release

MODULE = "example.com/tool"
REFUSED = (
    "go: example.com/tool@v1.2.3: reading https://proxy.golang.org/example.com/tool/@v/"
    "v1.2.3.info: 403 Forbidden"
)


@pytest.fixture
def fake_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `go` whose install fails like the proxy's 403 and whose build writes `-o` FILE."""
    calls = tmp_path / "calls.log"
    script = tmp_path / "go"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$PWD $*" >> {calls}\n'
        'if [ "$1" = install ]; then echo "' + REFUSED + '" >&2; exit 1; fi\n'
        'if [ "$1" = build ]; then test -f go.mod || exit 3; '
        'printf "#!/bin/sh\\n" > "$3"; chmod +x "$3"; exit 0; fi\n'
        "exit 2\n"
    )
    script.chmod(0o755)
    monkeypatch.setattr(clients, "_go", lambda: str(script))
    monkeypatch.setattr(clients, "CACHE_ROOT", tmp_path / "cache")
    shared = tmp_path / "shared"
    (shared / "clients").mkdir(parents=True)
    monkeypatch.setattr(clients, "shared_dir", lambda: shared)
    return calls


def archive(shared: Path, name: str, *, sums: str | None = None) -> Path:
    """`<name>.tar.gz` unpacking to `<name>/go.mod`, and its line in SHA256SUMS."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"module example.com/tool\n"
        info = tarfile.TarInfo(f"{name}/go.mod")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    path = shared / "clients" / f"{name}.tar.gz"
    path.write_bytes(buffer.getvalue())
    digest = sums or hashlib.sha256(path.read_bytes()).hexdigest()
    (shared / "clients" / "SHA256SUMS").write_text(f"{digest}  {path.name}\n")
    return path


def test_the_archive_is_built_when_go_install_is_refused_and_then_cached(
    fake_go: Path, tmp_path: Path
) -> None:
    archive(tmp_path / "shared", "tool-v1.2.3")
    built = build_go_release(MODULE, "v1.2.3", "tool")
    assert built == tmp_path / "cache" / "tool-1.2.3" / "tool"
    assert built.is_file()
    calls = fake_go.read_text().splitlines()
    assert [call.split(" ", 1)[1] for call in calls] == [
        f"install {MODULE}@v1.2.3",
        f"build -o {built} .",
    ]
    assert calls[1].split(" ", 1)[0].endswith("/tool-v1.2.3")  # inside the unpacked source
    assert build_go_release(MODULE, "v1.2.3", "tool") == built
    assert len(fake_go.read_text().splitlines()) == 2  # a warm cache builds nothing


def test_a_missing_archive_fails_naming_it_and_what_go_install_said(
    fake_go: Path, tmp_path: Path
) -> None:
    with pytest.raises(ClientBuildError) as failed:
        build_go_release(MODULE, "v1.2.3", "tool")
    message = str(failed.value)
    assert f"`go install {MODULE}@v1.2.3` failed" in message
    assert str(tmp_path / "shared" / "clients" / "tool-v1.2.3.tar.gz") + " is missing" in message
    assert "403 Forbidden" in message


def test_an_archive_whose_checksum_differs_is_not_built(fake_go: Path, tmp_path: Path) -> None:
    archive(tmp_path / "shared", "tool-v1.2.3", sums="0" * 64)
    with pytest.raises(ClientBuildError, match=r"but .*SHA256SUMS says 0{64}"):
        build_go_release(MODULE, "v1.2.3", "tool")
    assert [line.split(" ", 1)[1] for line in fake_go.read_text().splitlines()] == [
        f"install {MODULE}@v1.2.3"
    ]


def test_an_archive_without_a_checksum_is_not_built(fake_go: Path, tmp_path: Path) -> None:
    archive(tmp_path / "shared", "tool-v1.2.3")
    (tmp_path / "shared" / "clients" / "SHA256SUMS").write_text("")
    with pytest.raises(ClientBuildError, match=r"has no checksum for tool-v1\.2\.3\.tar\.gz"):
        build_go_release(MODULE, "v1.2.3", "tool")
