"""Roster import: the registry's IMPORT_MEMBERS against the least the same work can cost.

`registry`: the registry service built and started in this process on a fresh subdistrict
(one community, compound and building created through CREATE_ORG_UNIT), then one
IMPORT_MEMBERS call (a valid N-row XLSX roster, mode valid_rows_only) through an RpcClient,
as the gateway makes it. Two clocks from sending the call: until its reply (the rows are
written, each member with its MemberRegistered in the embedded outbox), and until all N
MemberRegistered are stored in the JetStream events stream (the outbox relay's part).

`raw`: the same documents (built beforehand, with the same fields, sizes and embedded
outbox event, in a collection with the same indexes) written with one `insert_many`, then
the same N event bodies published to JetStream one after another, each publish
acknowledged before the next (with Nats-Msg-Id, as the relay does). No file to read, no
checks, no encryption, no per-row round trips: what is left is the I/O itself.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import nats
from pymongo import ASCENDING

from bench.cleanup import drop_subdistrict
from services.registry.bootstrap import build
from services.registry.config import DEV_ID_KEY, RegistrySettings
from services.registry.domain.members import new_member, registered, volunteer_no
from services.registry.id_vault import IdVault
from services.registry.member_handlers import INDEXED_FIELDS, UNIQUE_FIELDS
from services.registry.roster import IMPORT_COLUMNS, write_roster
from shared.bus.rpc import RpcClient
from shared.bus.streams import ensure_streams
from shared.contracts.catalogue import event_type_of, new_event
from shared.contracts.commands import registry as commands
from shared.contracts.commands.registry import HomeIn, RegisterMember
from shared.contracts.envelope import CONTENT_TYPE
from shared.contracts.events.registry import MemberRegistered
from shared.contracts.ids import new_id
from shared.contracts.privacy import mask_id_number
from shared.contracts.subjects import database_name, events_stream
from shared.store.client import make_client
from tests.integration.registry.member_support import person_name, phone, resident_id

POLL_INTERVAL_S = 0.02
RPC_TIMEOUT_S = 120.0
CONCURRENT_PUBLISHES = 64
ACTOR = "user:bench-admin"
# (unit id, kind, name, parent): what every roster row lives in.
ORG = (
    ("quanyun", "community", "泉韵社区", None),
    ("haide", "compound", "海德公元", "quanyun"),
    ("haide-1", "building", "1栋", "haide"),
)
HOME = HomeIn(community_id="quanyun", compound_id="haide", building_id="haide-1")


@dataclass
class ImportResult:
    name: str
    description: str
    rows: int
    written_s: float  # from the start until the rows are written
    events_s: float  # from the start until all events are stored in the stream
    written: int  # rows actually written
    events: int  # MemberRegistered actually in the stream

    @property
    def rows_rate(self) -> float:
        return self.rows / self.written_s if self.written_s > 0 else 0.0

    @property
    def events_rate(self) -> float:
        return self.rows / self.events_s if self.events_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "rows": self.rows,
            "written_s": round(self.written_s, 4),
            "rows_written_per_s": round(self.rows_rate, 1),
            "events_s": round(self.events_s, 4),
            "events_published_per_s": round(self.events_rate, 1),
            "rows_stored": self.written,
            "events_stored": self.events,
        }


def fresh_subdistrict(tag: str) -> str:
    return f"bench_{tag}_{secrets.token_hex(3)}"


def registered_subject(subdistrict: str) -> str:
    return event_type_of(MemberRegistered.model_construct()).subject(subdistrict)


def roster_cells(i: int) -> dict[str, str]:
    """Row i of a valid roster, written the way community workers fill one in."""
    n = 100_000 + i  # synthetic resident IDs (region 999999), one per row
    return {
        "name": person_name(n),
        "id_type": "居民身份证",
        "id_number": resident_id(n),
        "phone": phone(n),
        "community": "泉韵社区",
        "compound": "海德公元",
        "building": "1栋",
        "unit": f"{i % 6 + 1}单元",
        "skills": "宣讲、快板",
        "availability": "周末上午,工作日晚上",
        "tags": "老党员、党员" if i % 7 else "",
    }


def roster_file(rows: int) -> str:
    lines = [roster_cells(i) for i in range(rows)]
    return base64.b64encode(write_roster(list(IMPORT_COLUMNS), lines, "xlsx")).decode()


def registration(i: int) -> RegisterMember:
    """What the import makes of row i (its names resolved to codes and unit ids)."""
    cells = roster_cells(i)
    return RegisterMember(
        name=cells["name"],
        id_type="resident_id",
        id_number=cells["id_number"],
        phone=cells["phone"],
        home=HOME.model_copy(update={"unit": cells["unit"]}),
        skills=["talks", "clapper_talk"],
        availability=["weekend_morning", "weekday_evening"],
        tags=["old_party_member", "party_member"] if i % 7 else [],
    )


def stored_members(
    rows: int, subdistrict: str, vault: IdVault
) -> list[tuple[dict[str, Any], bytes, str]]:
    """(stored document, event body as the relay publishes it, event id) per row."""
    now = datetime.now(UTC).replace(microsecond=0)
    out = []
    for i in range(rows):
        cmd = registration(i)
        doc = new_member(
            cmd,
            member_id=new_id(),
            volunteer_no=volunteer_no("QT", i + 1),
            id_cipher=vault.encrypt(cmd.id_number),
            id_hash=vault.hash(cmd.id_number),
            id_masked=mask_id_number(cmd.id_number) or "",
            today=now.date(),
            now=now,
            by=ACTOR,
        )
        event = new_event(registered(doc), subdistrict=subdistrict, subject=doc["_id"])
        dumped = event.model_dump(mode="json")
        stored = {**doc, "version": 1, "revision": 1, "outbox": [dumped], "has_outbox": True}
        body = json.dumps({k: v for k, v in dumped.items() if v is not None}, ensure_ascii=False)
        out.append((stored, body.encode(), event.id))
    return out


async def count_events(js: Any, subdistrict: str) -> int:
    subject = registered_subject(subdistrict)
    info = await js.stream_info(events_stream(subdistrict), subjects_filter=subject)
    return int((info.state.subjects or {}).get(subject, 0))


async def wait_for_events(js: Any, subdistrict: str, n: int, started: float) -> tuple[float, int]:
    """Seconds since `started` when the stream held all N events (polled), and the count."""
    deadline = time.monotonic() + max(120.0, n / 5)
    count = await count_events(js, subdistrict)
    while count < n and time.monotonic() < deadline:
        await asyncio.sleep(POLL_INTERVAL_S)
        count = await count_events(js, subdistrict)
    return time.perf_counter() - started, count


async def registry(nats_url: str, mongo_url: str, rows: int) -> ImportResult:
    subdistrict = fresh_subdistrict("import")
    settings = RegistrySettings(
        subdistrict=subdistrict, nats_url=nats_url, mongo_url=mongo_url, allow_dev_secret=True
    )
    runtime = build(settings)
    nc = await nats.connect(nats_url)
    content = roster_file(rows)
    try:
        await runtime.start()
        rpc = RpcClient(nc, subdistrict, RPC_TIMEOUT_S)

        async def call(command: str, body: Any) -> Any:
            return await rpc.call(commands.SERVICE, command, body, actor=ACTOR, actor_name="基准")

        for unit_id, kind, name, parent in ORG:
            body = commands.CreateOrgUnit.model_validate(
                {"unit_id": unit_id, "kind": kind, "name": name, "parent_id": parent}
            )
            await call(commands.CREATE_ORG_UNIT, body)
        js = nc.jetstream()
        roster = commands.ImportMembers(
            content_base64=content, format="xlsx", mode="valid_rows_only"
        )
        started = time.perf_counter()
        report = await call(commands.IMPORT_MEMBERS, roster)
        written_s = time.perf_counter() - started
        events_s, events = await wait_for_events(js, subdistrict, rows, started)
        written = len(report["created"])
    finally:
        await nc.close()
        await asyncio.wait_for(runtime.stop(), 30)
        await drop_subdistrict(nats_url, mongo_url, subdistrict, ("registry",))
    description = "IMPORT_MEMBERS over RPC (XLSX, valid_rows_only); outbox relay publishes"
    return ImportResult("registry", description, rows, written_s, events_s, written, events)


async def raw(nats_url: str, mongo_url: str, rows: int, in_flight: int = 1) -> ImportResult:
    """insert_many of the finished documents, then the event bodies published (`in_flight`
    awaited at a time; 1 keeps the stream in write order, as the relay does)."""
    subdistrict = fresh_subdistrict("importraw")
    vault = IdVault(DEV_ID_KEY, allow_dev_secret=True)
    prepared = stored_members(rows, subdistrict, vault)
    nc = await nats.connect(nats_url)
    mongo = make_client(mongo_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js, subdistrict)
        members = mongo[database_name(subdistrict, "registry")]["members"]
        # The registry's indexes on members (uniqueness of ID numbers is part of the work).
        for name in UNIQUE_FIELDS:
            await members.create_index([(name, ASCENDING)], unique=True)
        for name in (*INDEXED_FIELDS, "has_outbox"):
            await members.create_index([(name, ASCENDING)])
        subject, stream = registered_subject(subdistrict), events_stream(subdistrict)

        async def publish(body: bytes, event_id: str) -> None:
            await js.publish(
                subject,
                body,
                stream=stream,
                headers={"Nats-Msg-Id": event_id, "Content-Type": CONTENT_TYPE},
            )

        started = time.perf_counter()
        await members.insert_many([doc for doc, _, _ in prepared])
        written_s = time.perf_counter() - started
        await _publish_all([(body, event_id) for _, body, event_id in prepared], publish, in_flight)
        events_s = time.perf_counter() - started
        written = await members.estimated_document_count()
        events = await count_events(js, subdistrict)
    finally:
        await nc.close()
        await mongo.close()
        await drop_subdistrict(nats_url, mongo_url, subdistrict, ("registry",))
    tag = "raw" if in_flight == 1 else f"raw_{in_flight}_in_flight"
    description = f"insert_many + {rows} x js.publish, {in_flight} awaited at a time"
    return ImportResult(tag, description, rows, written_s, events_s, written, events)


async def _publish_all(
    bodies: list[tuple[bytes, str]],
    publish: Callable[[bytes, str], Awaitable[None]],
    in_flight: int,
) -> None:
    if in_flight == 1:
        for body, event_id in bodies:
            await publish(body, event_id)
        return
    gate = asyncio.Semaphore(in_flight)

    async def one(body: bytes, event_id: str) -> None:
        async with gate:
            await publish(body, event_id)

    await asyncio.gather(*(one(b, i) for b, i in bodies))
