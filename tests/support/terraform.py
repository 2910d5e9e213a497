"""Running Terraform with the real `hcp` provider against a live Packyard.

Terraform finds the provider through `dev_overrides` in a CLI config file
(TF_CLI_CONFIG_FILE), so nothing is installed and no registry is asked: `terraform init` is
never run. Each workspace has a throwaway HOME (the provider caches tokens in ~/.config/hcp),
CHECKPOINT_DISABLE=1 and the HCP_* variables of one principal. The provider's start-up check
of status.hashicorp.com is turned off with HCP_SKIP_STATUS_CHECK=true (v0.107.0 and later);
older releases skip it only when HCP_API_HOST names a host other than HCP's (`legacy_env`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tests.support.server import LiveServer, Principal, request_summary

TERRAFORM_TIMEOUT = 180  # seconds per terraform command


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout + stderr with whitespace runs folded (Terraform wraps at 80 columns)."""
        return " ".join((self.stdout + self.stderr).split())


@dataclass
class Workspace:
    """One Terraform working directory, run as one principal."""

    server: LiveServer
    terraform: Path
    workdir: Path
    env: dict[str, str]
    runs: list[Run] = field(default_factory=list)

    def write(self, config: str) -> None:
        header = (
            'terraform {\n  required_providers {\n    hcp = { source = "hashicorp/hcp" }\n  }\n}\n'
        )
        (self.workdir / "main.tf").write_text(header + textwrap.dedent(config))

    def run(self, *args: str) -> Run:
        log_from = len(self.server.log_text())
        result = subprocess.run(
            [str(self.terraform), *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TERRAFORM_TIMEOUT,
        )
        run = Run([*args], result.returncode, result.stdout, result.stderr)
        self.runs.append(run)
        lines = [line for line in self.server.log_text()[log_from:].splitlines() if line.strip()]
        # Captured stdout: pytest shows it with any failure of this test.
        print(f"\n$ terraform {' '.join(args)}  (rc={result.returncode})")
        print(f"--- stdout ---\n{result.stdout}--- stderr ---\n{result.stderr}")
        print("--- server requests ---\n" + "\n".join(request_summary(x) for x in lines))
        return run

    def ok(self, *args: str) -> Run:
        run = self.run(*args)
        assert run.returncode == 0, f"terraform {' '.join(args)} failed:\n{run.output}"
        return run

    def apply(self) -> Run:
        return self.ok("apply", "-auto-approve", "-input=false", "-no-color")

    def destroy(self) -> Run:
        return self.ok("destroy", "-auto-approve", "-input=false", "-no-color")

    def plan(self) -> Run:
        """`plan -detailed-exitcode`: 0 no changes, 2 changes (1 is an error)."""
        run = self.run("plan", "-detailed-exitcode", "-input=false", "-no-color")
        assert run.returncode in (0, 2), f"terraform plan failed:\n{run.output}"
        return run

    def assert_no_changes(self) -> None:
        run = self.plan()
        assert run.returncode == 0, f"the second plan is not empty:\n{run.output}"
        assert "No changes." in run.output, run.output

    def import_(self, address: str, identifier: str) -> Run:
        return self.ok("import", "-input=false", "-no-color", address, identifier)

    def outputs(self) -> dict[str, Any]:
        values = json.loads(self.ok("output", "-json").stdout)
        return {name: value["value"] for name, value in values.items()}

    def resources(self) -> dict[str, dict[str, Any]]:
        """Each managed resource's attributes in the state, by address."""
        state = json.loads(self.ok("show", "-json").stdout)
        found = state.get("values", {}).get("root_module", {}).get("resources", [])
        return {item["address"]: item["values"] for item in found if item["mode"] == "managed"}


def legacy_env(server: LiveServer) -> dict[str, str]:
    """For providers older than v0.107.0, which have no HCP_SKIP_STATUS_CHECK: HCP_API_HOST
    set to Packyard's address (hcp-sdk-go reads it after HCP_API_ADDRESS, so nothing else
    changes) turns off the call to status.hashicorp.com, which has no timeout there."""
    return {"HCP_API_HOST": server.address}


class WorkspaceFor(Protocol):
    def __call__(self, principal: Principal, label: str = "main") -> Workspace: ...


@contextmanager
def workspaces(
    server: LiveServer,
    terraform: Path,
    provider_dir: Path,
    root: Path,
    extra_env: dict[str, str] | None = None,
) -> Iterator[WorkspaceFor]:
    """Make workspaces under `root` for principals; each gets its own HOME and directory and
    the environment of client_env, the dev_overrides file and `extra_env`."""
    homes: list[str] = []

    def make(principal: Principal, label: str = "main") -> Workspace:
        workdir = root / label
        workdir.mkdir()
        cli_config = workdir / "dev.tfrc"
        cli_config.write_text(
            "provider_installation {\n"
            f'  dev_overrides {{ "hashicorp/hcp" = "{provider_dir}" }}\n'
            "  direct {}\n"
            "}\n"
        )
        env = server.client_env(principal=principal)
        homes.append(env["HOME"])
        env.update(
            {
                "TF_CLI_CONFIG_FILE": str(cli_config),
                "HCP_SKIP_STATUS_CHECK": "true",
                "TF_IN_AUTOMATION": "1",
                **(extra_env or {}),
            }
        )
        return Workspace(server, terraform, workdir, env)

    try:
        yield make
    finally:
        for home in homes:
            shutil.rmtree(home, ignore_errors=True)
