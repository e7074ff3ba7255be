"""`python -m services.registry import FILE`: a community worker's roster into the registry,
through the running service (IMPORT_MEMBERS over NATS), never around it.

The whole file is checked first (a dry run); then it is sent in chunks, each a roster file
of its own, with a progress bar. Exit status: 0 all rows imported (or, with --dry-run, all
valid), 1 rows were rejected, 2 the file, the arguments or the connection were wrong."""

import argparse
import asyncio
import base64
import getpass
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import nats
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from services.registry.config import RegistrySettings
from services.registry.roster import Roster, RosterRow, RosterUnreadable, read_roster, write_roster
from shared.bus.rpc import RpcClient
from shared.contracts.commands import registry as commands
from shared.contracts.rpc import Invalid, ServiceError, Unavailable

CHUNK_ROWS: Final = 50
TIMEOUT_S: Final = 60.0
OK, REJECTED, BAD_INPUT = 0, 1, 2


@dataclass
class Outcome:
    created: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def add_import_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser("import", help="import members from an XLSX or CSV roster")
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--mode", choices=["all_or_nothing", "valid_rows_only"], default="all_or_nothing"
    )
    parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    parser.add_argument("--community", help="every row must be in this community (its id)")


def run_import(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console()
    fmt = args.file.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        console.print(f"[red]{args.file}: an .xlsx or .csv file, please[/red]")
        return BAD_INPUT
    try:
        content = args.file.read_bytes()
        roster = read_roster(content, fmt)
    except (OSError, RosterUnreadable) as exc:
        console.print(f"[red]{args.file}: {exc}[/red]")
        return BAD_INPUT
    if not roster.rows:
        console.print(f"[red]{args.file}: no rows under the header[/red]")
        return BAD_INPUT
    try:
        return asyncio.run(_import(args, fmt, content, roster, console))
    except Unavailable as exc:
        console.print(f"[red]the registry is not reachable: {exc.message}[/red]")
        return BAD_INPUT


async def _import(
    args: argparse.Namespace, fmt: str, content: bytes, roster: Roster, console: Console
) -> int:
    settings = RegistrySettings()
    try:
        client = await nats.connect(settings.nats_url, connect_timeout=5, max_reconnect_attempts=1)
    except (OSError, nats.errors.Error) as exc:
        raise Unavailable(f"cannot connect to {settings.nats_url} ({exc})") from exc
    rpc = RpcClient(client, settings.subdistrict, TIMEOUT_S)
    actor = f"cli:{getpass.getuser()}"
    try:

        async def call(body: commands.ImportMembers) -> dict[str, Any]:
            answer: dict[str, Any] = await rpc.call(
                commands.SERVICE, commands.IMPORT_MEMBERS, body, actor=actor, timeout_s=TIMEOUT_S
            )
            return answer

        try:
            checked = await _check(args, fmt, content, roster, call)
        except Invalid as exc:
            console.print(f"[red]{args.file}: {exc.message}[/red]")
            return BAD_INPUT
        _print_errors(console, checked.errors, f"{len(roster.rows)} rows checked")
        if args.dry_run:
            return REJECTED if checked.errors else OK
        if checked.errors and args.mode == "all_or_nothing":
            console.print("[red]nothing imported[/red] (all_or_nothing: fix the rows above)")
            return REJECTED
        bad = {e["row"] for e in checked.errors}
        good = [row for row in roster.rows if row.number not in bad]
        written = await _write(args, fmt, roster.columns, good, call, console)
    finally:
        await client.drain()
    _print_errors(console, written.errors, "rejected while importing")
    console.print(f"[green]{len(written.created)} members imported[/green]")
    return REJECTED if checked.errors or written.errors else OK


async def _check(
    args: argparse.Namespace, fmt: str, content: bytes, roster: Roster, call: Any
) -> Outcome:
    """One dry run of the whole file; a file over the message limit is checked in chunks
    (then a duplicate across two chunks shows only when the second is written)."""
    if len(content) <= commands.MAX_ROSTER_BYTES:
        report = await call(_body(args, fmt, content, dry_run=True))
        return Outcome(errors=report["errors"])
    outcome = Outcome()
    for chunk in _chunks(roster.rows):
        report = await call(_body(args, fmt, _file(roster.columns, chunk, fmt), dry_run=True))
        outcome.errors += _renumbered(report["errors"], chunk)
    return outcome


async def _write(
    args: argparse.Namespace,
    fmt: str,
    columns: list[str],
    rows: list[RosterRow],
    call: Any,
    console: Console,
) -> Outcome:
    outcome = Outcome()
    columns_shown = (
        TextColumn("[bold]importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns_shown, console=console) as progress:
        task = progress.add_task("import", total=len(rows))
        for chunk in _chunks(rows):
            report = await call(_body(args, fmt, _file(columns, chunk, fmt), dry_run=False))
            outcome.created += _renumbered(report["created"], chunk)
            outcome.errors += _renumbered(report["errors"], chunk)
            progress.advance(task, len(chunk))
    return outcome


def _body(
    args: argparse.Namespace, fmt: str, content: bytes, *, dry_run: bool
) -> commands.ImportMembers:
    return commands.ImportMembers(
        content_base64=base64.b64encode(content).decode(),
        format=fmt,  # type: ignore[arg-type]  # checked: xlsx or csv
        mode=args.mode,
        dry_run=dry_run,
        community_id=args.community,
    )


def _chunks(rows: list[RosterRow]) -> list[list[RosterRow]]:
    return [rows[i : i + CHUNK_ROWS] for i in range(0, len(rows), CHUNK_ROWS)]


def _file(columns: list[str], rows: list[RosterRow], fmt: str) -> bytes:
    return write_roster(columns, [row.cells for row in rows], fmt)


def _renumbered(entries: list[dict[str, Any]], chunk: list[RosterRow]) -> list[dict[str, Any]]:
    """A chunk's row numbers (its header is row 1) as the original file's."""
    return [{**entry, "row": chunk[entry["row"] - 2].number} for entry in entries]


def _print_errors(console: Console, errors: list[dict[str, Any]], title: str) -> None:
    if not errors:
        if title.endswith("checked"):
            console.print(f"{title}: [green]every row is valid[/green]")
        return
    table = Table(title=f"{title}: {len({e['row'] for e in errors})} rows rejected")
    for heading in ("row", "field", "why"):
        table.add_column(heading)
    for error in sorted(errors, key=lambda e: e["row"]):
        table.add_row(str(error["row"]), error["field"], error["message"])
    console.print(table)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.registry")
    subcommands = parser.add_subparsers(dest="command", required=True)
    add_import_parser(subcommands)
    args = parser.parse_args(argv)  # exits 2 on bad arguments
    try:
        return run_import(args)
    except ServiceError as exc:
        Console().print(f"[red]{exc.message}[/red]")
        return BAD_INPUT
