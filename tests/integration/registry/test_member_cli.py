"""The import CLI as a community worker runs it: a separate process, against the registry
running (here in the test's process) on the test's NATS and subdistrict."""

import asyncio
import os
import sys
from pathlib import Path

import pytest

from services.registry.roster import IMPORT_COLUMNS, write_roster
from tests.integration.registry.conftest import Registry
from tests.integration.registry.member_support import seed_org
from tests.integration.registry.test_import_members import roster_row

pytestmark = pytest.mark.integration

# Rows 10 (check digit) and 57 (no name) are bad; see test_import_members.FAULTS.
BAD_ROWS = (10, 57)


@pytest.fixture
async def org(registry: Registry) -> Registry:
    await seed_org(registry.runtime.db)
    return registry


def roster_file(tmp_path: Path, rows: range, fmt: str = "xlsx") -> Path:
    path = tmp_path / f"roster.{fmt}"
    path.write_bytes(write_roster(list(IMPORT_COLUMNS), [roster_row(r) for r in rows], fmt))
    return path


async def run_cli(registry: Registry, *args: str | Path) -> tuple[int, str]:
    env = {
        **os.environ,
        "REGISTRY_NATS_URL": registry.settings.nats_url,
        "REGISTRY_SUBDISTRICT": registry.settings.subdistrict,
        "COLUMNS": "200",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.registry",
        *map(str, args),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def members(registry: Registry) -> int:
    return await registry.runtime.db["members"].count_documents({})


async def test_a_dry_run_lists_the_bad_rows_and_writes_nothing(
    org: Registry, tmp_path: Path
) -> None:
    code, out = await run_cli(org, "import", roster_file(tmp_path, range(2, 62)), "--dry-run")
    assert code == 1, out
    assert "2 rows rejected" in out
    assert "check digit should be" in out and "required" in out
    assert await members(org) == 0


async def test_all_or_nothing_with_bad_rows_imports_nothing(org: Registry, tmp_path: Path) -> None:
    code, out = await run_cli(org, "import", roster_file(tmp_path, range(2, 62)))
    assert code == 1, out
    assert "nothing imported" in out
    assert await members(org) == 0


async def test_valid_rows_only_imports_the_good_rows_in_chunks(
    org: Registry, tmp_path: Path
) -> None:
    path = roster_file(tmp_path, range(2, 122), "csv")  # 120 rows: three chunks
    code, out = await run_cli(org, "import", path, "--mode", "valid_rows_only")
    assert code == 1, out
    assert "118 members imported" in out
    assert await members(org) == 118
    names = {doc["name"] async for doc in org.runtime.db["members"].find({}, {"name": 1})}
    assert roster_row(121)["name"] in names  # the last chunk's last row


async def test_a_clean_roster_imports_everything_and_exits_0(org: Registry, tmp_path: Path) -> None:
    path = roster_file(tmp_path, range(60, 115))
    code, out = await run_cli(org, "import", path, "--community", "quanyun")
    assert code == 0, out
    assert "every row is valid" in out and "55 members imported" in out
    assert await members(org) == 55


async def test_bad_files_and_arguments_exit_2(org: Registry, tmp_path: Path) -> None:
    text = tmp_path / "roster.txt"
    text.write_text("hello")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    for args in (
        ("import", text),
        ("import", broken),
        ("import", tmp_path / "missing.csv"),
        ("import", roster_file(tmp_path, range(2, 4)), "--mode", "sometimes"),
        ("export",),
    ):
        code, out = await run_cli(org, *args)
        assert code == 2, (args, out)
    assert await members(org) == 0
