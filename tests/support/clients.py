"""Real HashiCorp client binaries for the end-to-end tests, built from source on demand.

Each client is a Go *wrapper module*: a throwaway module that requires the client's
module and blank-imports its main package from a `tools.go`, so that `go install`
resolves the dependency graph through the wrapper's go.mod. This is what makes it
possible to build releases that a plain `go install module@version` cannot:

* Packer 1.9.x: the Go module proxy answers 403 for github.com/hashicorp/packer
  @v1.9.5 and for its `@v/list`, so `go install github.com/hashicorp/packer@v1.9.4`
  fails on the deprecation look-up; a pinned `require` in a wrapper does not ask
  for the list.
* Packer >= 1.10 carries a `replace` (go-cty fork) that `go install pkg@version`
  refuses; a wrapper can repeat the replace directive.
* terraform-provider-hcp: the proxy answers 403 for its `@v/list`, so a pinned `require`
  in a wrapper builds it; the checksum database does not answer for the hcp-sdk-go release
  it requires (v0.161.0), so the provider's own go.sum vouches for it.

Releases the proxy refuses outright (terraform-provider-hcp v0.83.0 and v0.114.0) are built
by build_go_release: `go install module@version` first, then the tagged source kept in
../shared/clients/ (checked against its SHA256SUMS) with `go build`.

Binaries are cached under ~/.cache/packyard/<name>/ (PACKYARD_CLIENT_CACHE names another
directory) and built only when missing, by one process at a time (client_cache.py): a test
that needs a client the background prebuild is building waits for it.
Tests never skip because a client is missing: they build it (a cold build of
Packer 1.9.4 takes a few minutes).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import textwrap
import time
from pathlib import Path

from tests.support.client_cache import CACHE_ROOT as CACHE_ROOT
from tests.support.client_cache import ClientBuildError as ClientBuildError
from tests.support.client_cache import exclusive_build
from tests.support.shared import shared_dir

BUILD_TIMEOUT = 30 * 60  # seconds; a cold module download plus compile

PACKER_19_VERSION = "v1.9.4"
"""Newest Packer speaking the 2021-04-30 API that the module proxy serves (v1.9.5 is refused)."""

PACKER_CURRENT_VERSION = "v1.16.0"
"""Newest Packer the module proxy serves; it speaks the 2023-01-01 API (go 1.26.3)."""

TERRAFORM_VERSION = "v1.5.7"
"""The last Terraform release under MPL-2.0 (1.6 and later are BUSL-1.1)."""

HCP_PROVIDER_VERSION = "v0.111.0"
"""Newest terraform-provider-hcp that builds from what the module proxy serves. It serves
v0.112.0 too, but that release requires an untagged hcp-sdk-go commit the proxy refuses, and
its 2022-12-02 build-service packages exist in no hcp-sdk-go tag the proxy serves whole
(v0.170.0's go.mod is refused); v0.113.0 and later are refused outright."""

HCP_PROVIDER_OLDEST_VERSION = "v0.83.0"
"""The last terraform-provider-hcp with `hcp_packer_iteration` / `hcp_packer_image` (the
2021-04-30 API). The module proxy refuses it (403); built from ../shared/clients/."""

HCP_PROVIDER_NEWEST_VERSION = "v0.114.0"
"""The newest terraform-provider-hcp. The module proxy refuses it (403); built from
../shared/clients/."""


GO_CTY_REPLACE = "github.com/zclconf/go-cty => github.com/nywilken/go-cty v1.13.3"
"""Packer >= 1.10's go.mod replace; the fork is needed at run time too (it makes cty values
gob-encodable for the plugin RPC, packer-plugin-sdk issue 187)."""


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise ClientBuildError(
            "the `go` tool is not on PATH; it is needed to build the client binaries"
        )
    return go


def _tools_go(package: str) -> str:
    return f'//go:build tools\n\npackage tools\n\nimport _ "{package}"\n'


def _run_go(
    go: str, step: list[str], *, workdir: Path, env: dict[str, str], failure: str, log: list[str]
) -> str:
    """Run one `go` step in the wrapper, appending its output to `log`; answer its stdout."""
    started = time.monotonic()
    try:
        result = subprocess.run(
            [go, *step],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise ClientBuildError(
            f"{failure}: `go {' '.join(step)}` timed out after {BUILD_TIMEOUT}s\n"
            + "\n".join(log)
            + f"\n{exc.stdout or ''}{exc.stderr or ''}"
        ) from exc
    elapsed = time.monotonic() - started
    log.append(
        f"$ go {' '.join(step)}  ({elapsed:.0f}s, rc={result.returncode})\n"
        f"{result.stdout}{result.stderr}"
    )
    if result.returncode != 0:
        raise ClientBuildError(f"{failure}\n--- output ---\n" + "\n".join(log))
    return result.stdout


def build_wrapper_module(
    name: str, go_mod: str, package: str, binary: str, *, sums_from: str | None = None
) -> Path:
    """Return ~/.cache/packyard/<name>/<binary>, building it through a wrapper module if absent.

    `go_mod` is the wrapper's complete go.mod text (module line, go line, require and any
    replace directives); `package` is the main package to install. The build runs in a
    temporary directory with `go mod tidy` then `GOBIN=<cache dir> go install <package>`.
    `sums_from` ("module@version", itself checked against the checksum database) seeds the
    wrapper's go.sum with that module's own go.sum, for dependencies the checksum database
    does not answer for. On failure a ClientBuildError carries the full output.
    """
    target_dir = CACHE_ROOT / name
    with exclusive_build(target_dir):
        return _build_wrapper_module(target_dir, go_mod, package, binary, sums_from)


def _build_wrapper_module(
    target_dir: Path, go_mod: str, package: str, binary: str, sums_from: str | None
) -> Path:
    name = target_dir.name
    target = target_dir / binary
    if target.is_file() and os.access(target, os.X_OK):
        return target

    go = _go()
    target_dir.mkdir(parents=True, exist_ok=True)
    env = _go_env(target_dir)
    failure = f"building {name} failed\n--- go.mod ---\n{go_mod}"
    log: list[str] = []
    with tempfile.TemporaryDirectory(prefix=f"packyard-wrap-{name}-") as work:
        workdir = Path(work)
        (workdir / "go.mod").write_text(textwrap.dedent(go_mod).strip() + "\n")
        (workdir / "tools.go").write_text(_tools_go(package))
        if sums_from is not None:
            found = _run_go(
                go,
                ["mod", "download", "-json", sums_from],
                workdir=workdir,
                env=env,
                failure=failure,
                log=log,
            )
            sums = Path(json.loads(found)["Dir"]) / "go.sum"
            (workdir / "go.sum").write_text(sums.read_text())
        for step in (["mod", "tidy"], ["install", package]):
            _run_go(go, step, workdir=workdir, env=env, failure=failure, log=log)
    if not target.is_file():
        raise ClientBuildError(
            f"building {name}: go install succeeded but {target} is missing\n" + "\n".join(log)
        )
    return target


def packer_19() -> Path:
    """Packer 1.9.4, the last line speaking the 2021-04-30 API (MPL-2.0)."""
    return build_wrapper_module(
        name=f"packer-{PACKER_19_VERSION.lstrip('v')}",
        go_mod=f"""
            module packerwrap

            go 1.20

            require github.com/hashicorp/packer {PACKER_19_VERSION}
        """,
        package="github.com/hashicorp/packer",
        binary="packer",
    )


def packer_current() -> Path:
    """The newest Packer (1.16.0), speaking the 2023-01-01 API (BUSL-1.1).

    Built through a wrapper that repeats Packer's go-cty `replace` (GO_CTY_REPLACE), which
    `go install github.com/hashicorp/packer@v1.16.0` refuses and the binary needs.
    """
    return build_wrapper_module(
        name=f"packer-{PACKER_CURRENT_VERSION.lstrip('v')}",
        go_mod=f"""
            module packerwrap

            go 1.26.3

            require github.com/hashicorp/packer {PACKER_CURRENT_VERSION}

            replace {GO_CTY_REPLACE}
        """,
        package="github.com/hashicorp/packer",
        binary="packer",
    )


def terraform() -> Path:
    """Terraform 1.5.7, the last MPL-2.0 release (plugin protocol 6, dev_overrides)."""
    return build_wrapper_module(
        name=f"terraform-{TERRAFORM_VERSION.lstrip('v')}",
        go_mod=f"""
            module terraformwrap

            go 1.20

            require github.com/hashicorp/terraform {TERRAFORM_VERSION}
        """,
        package="github.com/hashicorp/terraform",
        binary="terraform",
    )


def hcp_provider() -> Path:
    """terraform-provider-hcp v0.111.0 (MPL-2.0): the Packer data sources and resources of
    the 2023-01-01 API, and the bucket IAM resources. Terraform finds it through
    `dev_overrides` naming this binary's directory."""
    return build_wrapper_module(
        name=f"terraform-provider-hcp-{HCP_PROVIDER_VERSION.lstrip('v')}",
        go_mod=f"""
            module provwrap

            go 1.23.0

            require github.com/hashicorp/terraform-provider-hcp {HCP_PROVIDER_VERSION}
        """,
        package="github.com/hashicorp/terraform-provider-hcp",
        binary="terraform-provider-hcp",
        sums_from=f"github.com/hashicorp/terraform-provider-hcp@{HCP_PROVIDER_VERSION}",
    )


def _go_env(gobin: Path) -> dict[str, str]:
    """The build's environment. Go links in GOTMPDIR and moves the binary into place; with
    GOTMPDIR beside the cache that move is a rename, so a build stopped part way (scripts/test
    stops the background builds when it ends) never leaves a partial binary in the cache."""
    env = dict(os.environ)
    env.setdefault("GOFLAGS", "-buildvcs=false")
    env.setdefault("GOTOOLCHAIN", "local")
    if "GOTMPDIR" not in env:
        work = gobin.parent / ".go-tmp"
        work.mkdir(parents=True, exist_ok=True)
        env["GOTMPDIR"] = str(work)
    env["GOBIN"] = str(gobin)
    return env


def _verified_archive(archive: Path) -> None:
    """Check `archive` against the SHA256SUMS next to it; raise ClientBuildError if not."""
    sums = archive.parent / "SHA256SUMS"
    if not archive.is_file():
        raise ClientBuildError(f"the source archive {archive} is missing")
    if not sums.is_file():
        raise ClientBuildError(f"{sums} is missing, so {archive.name} cannot be verified")
    wanted = {
        line.split()[1].lstrip("*"): line.split()[0]
        for line in sums.read_text().splitlines()
        if len(line.split()) == 2
    }
    if archive.name not in wanted:
        raise ClientBuildError(f"{sums} has no checksum for {archive.name}")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != wanted[archive.name]:
        raise ClientBuildError(
            f"{archive} has sha256 {digest}, but {sums} says {wanted[archive.name]}"
        )


def build_go_release(module: str, version: str, binary: str) -> Path:
    """Return ~/.cache/packyard/<binary>-<version>/<binary>, building it if absent.

    First `GOBIN=<cache dir> go install <module>@<version>`; when the module proxy refuses
    that (it answers 403 for some releases), the tagged source kept in ../shared/clients/
    (`<binary>-<version>.tar.gz`, checked against SHA256SUMS there) is unpacked into a
    temporary directory and built with `go build -o <cache dir>/<binary> .`. When neither
    works a ClientBuildError names the archive path and what `go install` said.
    """
    target_dir = CACHE_ROOT / f"{binary}-{version.lstrip('v')}"
    with exclusive_build(target_dir):
        return _build_go_release(target_dir, module, version, binary)


def _build_go_release(target_dir: Path, module: str, version: str, binary: str) -> Path:
    target = target_dir / binary
    if target.is_file() and os.access(target, os.X_OK):
        return target

    go = _go()
    target_dir.mkdir(parents=True, exist_ok=True)
    env = _go_env(target_dir)
    log: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix=f"packyard-install-{binary}-") as work:
            _run_go(
                go,
                ["install", f"{module}@{version}"],
                workdir=Path(work),
                env=env,
                failure=f"go install {module}@{version} failed",
                log=log,
            )
        if target.is_file():
            return target
        log.append(f"go install succeeded but {target} is missing")
    except ClientBuildError:
        pass
    installed = "\n".join(log)

    archive = shared_dir() / "clients" / f"{binary}-{version}.tar.gz"
    try:
        _verified_archive(archive)
    except ClientBuildError as exc:
        raise ClientBuildError(
            f"building {binary} {version}: `go install {module}@{version}` failed and "
            f"the fallback source cannot be used: {exc}\n--- go install ---\n{installed}"
        ) from exc
    with tempfile.TemporaryDirectory(prefix=f"packyard-src-{binary}-") as work:
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        source = Path(work) / f"{binary}-{version}"
        if not (source / "go.mod").is_file():
            raise ClientBuildError(f"{archive} does not unpack to {source.name}/go.mod")
        _run_go(
            go,
            ["build", "-o", str(target), "."],
            workdir=source,
            env=env,
            failure=(
                f"building {binary} {version}: `go install {module}@{version}` failed and "
                f"`go build` of {archive} failed too"
            ),
            log=log,
        )
    if not target.is_file():
        raise ClientBuildError(f"go build of {archive} succeeded but {target} is missing")
    return target


def hcp_provider_release(version: str) -> Path:
    """terraform-provider-hcp at `version` (e.g. v0.83.0, v0.114.0), built by
    build_go_release: `go install` first, then the archive in ../shared/clients/."""
    return build_go_release(
        "github.com/hashicorp/terraform-provider-hcp", version, "terraform-provider-hcp"
    )
