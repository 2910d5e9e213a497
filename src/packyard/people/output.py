"""What every people's command shares: its options, its client, tables, JSON and exit codes."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from packyard.people.client import Client
from packyard.people.errors import CommandError, Refused
from packyard.people.settings import resolve_target

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")]
ProfileName = Annotated[
    str | None,
    typer.Option(
        "--profile", help="A profile `packyard login` stored (default: $HCP_*, else default)."
    ),
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask; for scripts and CI.")]

P = ParamSpec("P")
R = TypeVar("R")

out = Console(soft_wrap=True)
err = Console(stderr=True)


def command(function: Callable[P, R]) -> Callable[P, R]:
    """A command that ends with a clear message and its exit code, never a traceback."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except CommandError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return run


def connect(profile: str | None) -> Client:
    return Client(resolve_target(profile))


def emit_json(payload: object) -> None:
    typer.echo(json.dumps(payload, indent=2, sort_keys=True))


def table(columns: Sequence[str], rows: Iterable[Sequence[object]], *, title: str = "") -> None:
    """A table; a titled one with no rows is one line saying so."""
    rows = list(rows)
    if title and not rows:
        typer.echo(f"{title}: none")
        return
    grid = Table(*columns, title=title or None, title_justify="left")
    for row in rows:
        grid.add_row(*(escape(text(cell)) for cell in row))
    out.print(grid)


def fields(pairs: Iterable[tuple[str, object]]) -> None:
    """Name: value lines, for one thing."""
    pairs = list(pairs)
    width = max((len(name) for name, _ in pairs), default=0) + 1
    for name, value in pairs:
        typer.echo(f"{name + ':':<{width}} {text(value)}")


def text(value: object) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in sorted(value.items())) or "-"
    if isinstance(value, list):
        return ", ".join(text(item) for item in value) or "-"
    return str(value)


def short_time(value: object) -> str:
    """An RFC 3339 time to the second ("2024-05-01 12:00:00")."""
    return str(value or "")[:19].replace("T", " ") or "-"


def confirm(question: str, *, yes: bool) -> None:
    """Ask before a destructive change; --yes skips it, and no answer is a refusal."""
    if yes:
        return
    if not sys.stdin.isatty():
        typer.echo(f"{question} [y/N]: ", err=True, nl=False)
        answer = sys.stdin.readline().strip().lower()
        typer.echo("", err=True)
    else:
        answer = "y" if typer.confirm(question, default=False) else "n"
    if answer not in ("y", "yes"):
        raise Refused("nothing was changed (give --yes to skip this question)")


@contextmanager
def progress(what: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on the terminal (nothing when stderr is not one): advance(n)."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with bar:
        task = bar.add_task(what, total=total)
        yield lambda count: bar.advance(task, count)


def collect(client: Client, path: str, key: str, what: str, **params: Any) -> list[Any]:
    """Every page of a list, with a progress bar while it comes in."""
    with progress(what) as advance:
        return list(client.pages(path, key, params=params, progress=advance))
