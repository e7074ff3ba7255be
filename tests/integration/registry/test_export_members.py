import asyncio
import base64
import io
import secrets
from collections.abc import AsyncIterator
from typing import Any

import nats
import openpyxl
import pytest
from nats.js import JetStreamContext

from services.registry.bootstrap import build
from services.registry.roster import read_roster
from shared.bus.rpc import RpcClient
from shared.contracts.commands import registry as commands
from shared.contracts.commands.registry import HomeIn
from shared.contracts.subjects import advisories_stream, dead_letter_stream, events_stream
from tests.integration.registry.conftest import Registry, registry_settings
from tests.integration.registry.member_support import (
    person_name,
    phone,
    registration,
    resident_id,
    seed_org,
)
from tests.integration.service_harness import Recorder

pytestmark = pytest.mark.integration

PEOPLE = range(300, 306)
XINGGANG = HomeIn(
    community_id="xinggang", compound_id="pingguo", building_id="pingguo-1", unit="1单元"
)


@pytest.fixture
async def members(registry: Registry) -> list[dict[str, Any]]:
    await seed_org(registry.runtime.db)
    made = []
    for n in PEOPLE:
        extra: dict[str, Any] = {"tags": ["old_party_member"], "skills": ["talks", "repair"]}
        if n == 303:
            extra = {"home": XINGGANG, "availability": [], "phone": None, "skills": []}
        if n == 304:
            extra = {"id_type": "passport", "id_number": f"E{n:08d}"}
        made.append(await registry.call(commands.REGISTER_MEMBER, registration(n, **extra)))
    await registry.call(
        commands.CHANGE_MEMBER_STATUS,
        commands.ChangeMemberStatus(member_id=made[5]["id"], status="suspended", reason="病休"),
    )
    return made


@pytest.fixture
async def fresh_registry(
    nats_url: str, mongo_url: str, js: JetStreamContext
) -> AsyncIterator[Registry]:
    """A second subdistrict's registry, empty but for the same organisation."""
    subdistrict = "t" + secrets.token_hex(4)
    settings = registry_settings(nats_url, mongo_url, subdistrict)
    runtime = build(settings)
    await runtime.start()
    await seed_org(runtime.db)
    client = await nats.connect(nats_url, connect_timeout=5)
    try:
        yield Registry(runtime, settings, RpcClient(client, subdistrict, 10), Recorder())
    finally:
        await client.drain()
        await asyncio.wait_for(runtime.stop(), 30)
        for stream in (events_stream, dead_letter_stream, advisories_stream):
            await js.delete_stream(stream(subdistrict))


async def export(registry: Registry, **options: Any) -> dict[str, Any]:
    return dict(await registry.call(commands.EXPORT_MEMBERS, commands.ExportMembers(**options)))


def rows_of(answer: dict[str, Any]) -> list[dict[str, str]]:
    fmt = answer["filename"].rsplit(".", 1)[1]
    return [row.cells for row in read_roster(base64.b64decode(answer["content_base64"]), fmt).rows]


async def test_an_export_masks_phone_and_id_numbers_and_has_the_roster_columns(
    registry: Registry, members: list[dict[str, Any]]
) -> None:
    answer = await export(registry)
    assert answer["content_type"].startswith("application/vnd.openxmlformats")
    assert answer["filename"].endswith(".xlsx") and answer["rows"] == len(PEOPLE)
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(answer["content_base64"]))).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["志愿者编号", "姓名", "证件类型", "证件号码"]
    assert header[-3:] == ["状态", "累计时长", "星级"]

    rows = rows_of(answer)
    first = rows[0]
    assert first["volunteer_no"] == members[0]["volunteer_no"]
    assert first["name"] == person_name(300)
    assert first["id_number"] == resident_id(300)[:4] + "*" * 10 + resident_id(300)[-4:]
    assert first["phone"] == phone(300)[:3] + "****" + phone(300)[-4:]
    assert (first["community"], first["compound"], first["building"]) == (
        "泉韵社区",
        "海德公元",
        "1栋",
    )
    assert (first["skills"], first["tags"], first["availability"]) == (
        "宣讲、维修",
        "老党员",
        "周末上午",
    )
    assert (first["status"], first["total_hours"], first["star_level"]) == ("在册", "0", "0")
    assert rows[5]["status"] == "暂停"
    assert rows[4]["id_type"] == "护照"
    cells = {str(v) for line in sheet.iter_rows(values_only=True) for v in line}
    assert not cells & ({resident_id(n) for n in PEOPLE} | {phone(n) for n in PEOPLE})


async def test_export_filters_and_csv_with_a_bom(
    registry: Registry, members: list[dict[str, Any]]
) -> None:
    answer = await export(registry, format="csv", community_id="xinggang")
    content = base64.b64decode(answer["content_base64"])
    assert content.startswith(b"\xef\xbb\xbf") and answer["filename"].endswith(".csv")
    assert [r["volunteer_no"] for r in rows_of(answer)] == [members[3]["volunteer_no"]]
    suspended = await export(registry, status="suspended", format="csv")
    assert [r["volunteer_no"] for r in rows_of(suspended)] == [members[5]["volunteer_no"]]
    shown = rows_of(await export(registry, reveal=True, format="csv"))
    assert [r["id_number"] for r in shown] == [
        resident_id(n) if n != 304 else f"E{n:08d}" for n in PEOPLE
    ]
    assert shown[0]["phone"] == phone(300)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
async def test_an_export_imported_into_a_fresh_subdistrict_reproduces_the_members(
    registry: Registry, members: list[dict[str, Any]], fresh_registry: Registry, fmt: str
) -> None:
    answer = await export(registry, reveal=True, format=fmt)
    body = commands.ImportMembers(content_base64=answer["content_base64"], format=fmt)  # type: ignore[arg-type]
    report = await fresh_registry.call(commands.IMPORT_MEMBERS, body)
    assert report["errors"] == [] and len(report["created"]) == len(PEOPLE)

    def person(view: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            view[k]
            for k in (
                "name",
                "id_type",
                "id_number",
                "phone",
                "home",
                "skills",
                "availability",
                "tags",
            )
        )

    reveal: list[Any] = ["name", "phone", "id_number"]
    originals = [
        person(
            await registry.call(
                commands.GET_MEMBER, commands.GetMember(member_id=m["id"], reveal=reveal)
            )
        )
        for m in members
    ]
    copies = [
        person(
            await fresh_registry.call(
                commands.GET_MEMBER, commands.GetMember(member_id=c["member_id"], reveal=reveal)
            )
        )
        for c in report["created"]
    ]
    assert copies == originals
