"""Notice fan-out: notify's POST_NOTICE to a building of N residents against the least the
same writes can cost.

`notify`: the notify service built and started in this process on a fresh subdistrict (no
channel configured but the inbox, the welcome rule of MemberRegistered switched off with
PUT_RULE so that only the notice is told). Before the clock: one community, compound and
building (OrgUnitCreated) and N residents at home there (MemberRegistered, status active)
put on JetStream as the registry's relay would, and waited for in notify's `members`
projection. Then one POST_NOTICE to `building:<id>` through an RpcClient, as the gateway
makes it. Two clocks from sending the call: until the `notifications` collection holds all
N inbox items (each inserted with its NotificationSent in the embedded outbox), and until
all N NotificationSent are stored in the JetStream events stream (the outbox relay's part).
The call's reply (the notice stored) comes long before either: the fan-out runs after it,
in notify's own consumer of NoticePosted.

`raw`: the same N notification documents (built beforehand, the fan-out's shape and texts,
one embedded NotificationSent each, in a collection with the inbox's indexes) written with
one `insert_many`, then the N event bodies published to JetStream one after another, each
acknowledged before the next (with Nats-Msg-Id, as the relay does). No notice, no consumer,
no rule, no audience, no templates, no per-recipient round trips.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import nats
from pymongo import ASCENDING

from bench.cleanup import drop_subdistrict
from bench.roster_import import POLL_INTERVAL_S, RPC_TIMEOUT_S, fresh_subdistrict
from services.notify.bootstrap import build
from services.notify.config import NotifySettings
from services.notify.domain import recipients
from services.notify.domain.inbox import Message, Notification, notification_id
from services.notify.domain.rules import DEFAULT_RULES
from services.notify.inbox_handlers import COLLECTION, INDEXED_FIELDS
from shared.bus.rpc import RpcClient
from shared.bus.streams import ensure_streams
from shared.contracts.catalogue import event_type_of, new_event
from shared.contracts.commands import notify as commands
from shared.contracts.envelope import CONTENT_TYPE
from shared.contracts.events.notify import NotificationSent
from shared.contracts.events.registry import (
    Home,
    MemberProfile,
    MemberRegistered,
    OrgUnitCreated,
    OrgUnitKind,
    OrgUnitView,
)
from shared.contracts.ids import new_id
from shared.contracts.privacy import mask_name
from shared.contracts.subjects import database_name, events_stream
from shared.store.client import make_client
from tests.integration.registry.member_support import person_name
from tests.integration.service_harness import publish_event

ACTOR = "user:bench-admin"
COMMUNITY, COMPOUND, BUILDING = "quanyun", "haide", "haide-1"
# (unit id, kind, name, parent, compound): where every resident lives.
ORG: tuple[tuple[str, OrgUnitKind, str, str | None, str | None], ...] = (
    (COMMUNITY, "community", "泉韵社区", None, None),
    (COMPOUND, "compound", "海德公元", COMMUNITY, None),
    (BUILDING, "building", "1栋", COMPOUND, COMPOUND),
)
# A notice as staff write one (the texts are what the inbox stores, in both languages).
TITLE_ZH = "停水通知"
BODY_ZH = (
    "因供水管网检修，1栋将于本周六 08:00–17:00 停水。请提前储水，关好水龙头；"
    "行动不便的老人如需送水，请联系楼栋志愿者。"
)
TITLE_EN = "Water cut"
BODY_EN = (
    "Building 1 has no water this Saturday, 08:00-17:00, for mains repairs. Please store "
    "water beforehand and close your taps; elders who need water brought up, ask your "
    "building's volunteer."
)


@dataclass
class FanoutResult:
    name: str
    description: str
    recipients: int
    stored_s: float  # from the start until all N notifications are stored
    events_s: float  # from the start until all N NotificationSent are in the stream
    stored: int  # notifications actually stored
    events: int  # NotificationSent actually in the stream
    reply_s: float | None = None  # notify only: POST_NOTICE's reply (the notice stored)

    @property
    def stored_rate(self) -> float:
        return self.recipients / self.stored_s if self.stored_s > 0 else 0.0

    @property
    def events_rate(self) -> float:
        return self.recipients / self.events_s if self.events_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "recipients": self.recipients,
            "stored_s": round(self.stored_s, 4),
            "stored_per_s": round(self.stored_rate, 1),
            "events_s": round(self.events_s, 4),
            "events_per_s": round(self.events_rate, 1),
            "notifications_stored": self.stored,
            "events_stored": self.events,
        }
        if self.reply_s is not None:
            out["reply_s"] = round(self.reply_s, 4)
        return out


def sent_subject(subdistrict: str) -> str:
    return event_type_of(NotificationSent.model_construct()).subject(subdistrict)


async def count_sent(js: Any, subdistrict: str) -> int:
    subject = sent_subject(subdistrict)
    info = await js.stream_info(events_stream(subdistrict), subjects_filter=subject)
    return int((info.state.subjects or {}).get(subject, 0))


def resident(i: int) -> MemberRegistered:
    """Resident i, at home in the building, as the registry's MemberRegistered carries them."""
    profile = MemberProfile(
        member_id=new_id(),
        volunteer_no=f"QT{i + 1:06d}",
        display_name=mask_name(person_name(100_000 + i)) or "*",
        home=Home(
            community_id=COMMUNITY, compound_id=COMPOUND, building_id=BUILDING, unit=f"{i % 6 + 1}"
        ),
        skills=[],
        status="active",
    )
    return MemberRegistered(member=profile, registered_at=datetime.now(UTC))


def notice(priority: str = "normal") -> commands.PostNotice:
    return commands.PostNotice.model_validate(
        {
            "notice_id": new_id(),
            "community_id": COMMUNITY,
            "scope": f"building:{BUILDING}",
            "priority": priority,
            "title_zh": TITLE_ZH,
            "body_zh": BODY_ZH,
            "title_en": TITLE_EN,
            "body_en": BODY_EN,
        }
    )


def welcome_off() -> commands.PutRule:
    """MemberRegistered's default rule, disabled: the residents were registered long before
    the notice, so their welcomes are not part of what is measured."""
    rule = DEFAULT_RULES["MemberRegistered"]
    return commands.PutRule.model_validate(
        {
            "event_type": rule.event_type,
            "audiences": rule.audiences,
            "priority": rule.priority,
            "channels": rule.channels,
            "enabled": False,
            "templates": {
                "zh-CN": {"title": rule.zh.title, "body": rule.zh.body},
                "en": {"title": rule.en.title, "body": rule.en.body},
            },
        }
    )


async def wait_until(
    probe: Callable[[], Awaitable[int]], n: int, started: float, what: str
) -> tuple[float, int]:
    """Seconds since `started` when `probe()` reached N (polled), and the last count."""
    times, counts = await wait_all({what: probe}, n, started)
    return times[what], counts[what]


async def wait_all(
    probes: dict[str, Callable[[], Awaitable[int]]], n: int, started: float
) -> tuple[dict[str, float], dict[str, int]]:
    """For each probe, seconds since `started` when it first reached N (all polled in one
    loop, so one clock never waits on another's poll), and its last count."""
    deadline = time.monotonic() + max(120.0, n / 5)
    times: dict[str, float] = {}
    counts: dict[str, int] = {}
    while True:
        for what, probe in probes.items():
            if what not in times:
                counts[what] = await probe()
                if counts[what] >= n:
                    times[what] = time.perf_counter() - started
        if len(times) == len(probes) or time.monotonic() >= deadline:
            break
        await asyncio.sleep(POLL_INTERVAL_S)
    for what in probes.keys() - times.keys():
        print(f"  (gave up waiting for {what}: {counts[what]} of {n})")
        times[what] = time.perf_counter() - started
    return times, counts


async def notify(nats_url: str, mongo_url: str, n: int) -> FanoutResult:
    subdistrict = fresh_subdistrict("fanout")
    settings = NotifySettings(subdistrict=subdistrict, nats_url=nats_url, mongo_url=mongo_url)
    runtime = build(settings)
    nc = await nats.connect(nats_url)
    try:
        await runtime.start()
        rpc = RpcClient(nc, subdistrict, RPC_TIMEOUT_S)

        async def call(command: str, body: Any) -> Any:
            return await rpc.call(commands.SERVICE, command, body, actor=ACTOR, actor_name="基准")

        await call(commands.PUT_RULE, welcome_off())
        js = nc.jetstream()
        for unit_id, kind, name, parent, compound in ORG:
            view = OrgUnitView(
                unit_id=unit_id,
                kind=kind,
                name=name,
                parent_id=parent,
                community_id=COMMUNITY,
                compound_id=compound,
            )
            await publish_event(js, subdistrict, OrgUnitCreated(unit=view), subject=unit_id)
        for i in range(n):
            registered = resident(i)
            await publish_event(js, subdistrict, registered, subject=registered.member.member_id)
        members, notifications = runtime.db["members"], runtime.db[COLLECTION]
        _, projected = await wait_until(
            members.estimated_document_count, n, time.perf_counter(), "the members projection"
        )
        if projected < n:
            raise RuntimeError(f"notify projected {projected} of {n} residents")

        async def stored() -> int:
            return int(await notifications.estimated_document_count())

        async def sent() -> int:
            return await count_sent(js, subdistrict)

        before = (await stored(), await sent())
        if before != (0, 0):  # a welcome or a stray notice would be counted as the notice's
            raise RuntimeError(f"notify told someone before the notice: {before}")
        started = time.perf_counter()
        await call(commands.POST_NOTICE, notice())
        reply_s = time.perf_counter() - started
        times, counts = await wait_all({"stored": stored, "sent": sent}, n, started)
        stored_s, events_s = times["stored"], times["sent"]
        written, events = counts["stored"], counts["sent"]
    finally:
        await nc.close()
        await asyncio.wait_for(runtime.stop(), 30)
        await drop_subdistrict(nats_url, mongo_url, subdistrict, ("notify",))
    description = "POST_NOTICE over RPC to building:<id>; fan-out consumer; outbox relay"
    return FanoutResult("notify", description, n, stored_s, events_s, written, events, reply_s)


def stored_notifications(n: int, subdistrict: str) -> list[tuple[dict[str, Any], bytes, str]]:
    """(stored document, event body as the relay publishes it, event id) per resident, as
    the fan-out writes them for one notice."""
    now = datetime.now(UTC).replace(microsecond=0)
    cause_id, correlation_id = new_id(), new_id()
    zh, en = Message(title=TITLE_ZH, body=BODY_ZH), Message(title=TITLE_EN, body=BODY_EN)
    out = []
    for _ in range(n):
        address = recipients.member(new_id())
        item = Notification(
            id=notification_id(cause_id, address),
            audience=address,
            community_id=COMMUNITY,
            priority="normal",
            cause_event_id=cause_id,
            cause_event_type="NoticePosted",
            zh=zh,
            en=en,
            created_at=now,
        )
        sent = NotificationSent(
            notification_id=item.id,
            channel="inbox",
            audience=address,
            cause_event_id=cause_id,
            cause_event_type="NoticePosted",
            sent_at=now,
        )
        event = new_event(
            sent,
            subdistrict=subdistrict,
            subject=item.id,
            correlation_id=correlation_id,
            causation_id=cause_id,
        )
        dumped = event.model_dump(mode="json")
        doc = {"_id": item.id, **item.model_dump(exclude={"id"})}
        stored = {**doc, "version": 1, "revision": 1, "outbox": [dumped], "has_outbox": True}
        body = json.dumps({k: v for k, v in dumped.items() if v is not None}, ensure_ascii=False)
        out.append((stored, body.encode(), event.id))
    return out


async def raw(nats_url: str, mongo_url: str, n: int) -> FanoutResult:
    """insert_many of the finished notifications, then their events published in order."""
    subdistrict = fresh_subdistrict("fanoutraw")
    prepared = stored_notifications(n, subdistrict)
    nc = await nats.connect(nats_url)
    mongo = make_client(mongo_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js, subdistrict)
        notifications = mongo[database_name(subdistrict, "notify")][COLLECTION]
        for name in (*INDEXED_FIELDS, "has_outbox"):  # the inbox's and the relay's indexes
            await notifications.create_index([(name, ASCENDING)])
        subject, stream = sent_subject(subdistrict), events_stream(subdistrict)
        started = time.perf_counter()
        await notifications.insert_many([doc for doc, _, _ in prepared])
        stored_s = time.perf_counter() - started
        for _, body, event_id in prepared:
            await js.publish(
                subject,
                body,
                stream=stream,
                headers={"Nats-Msg-Id": event_id, "Content-Type": CONTENT_TYPE},
            )
        events_s = time.perf_counter() - started
        written = await notifications.estimated_document_count()
        events = await count_sent(js, subdistrict)
    finally:
        await nc.close()
        await mongo.close()
        await drop_subdistrict(nats_url, mongo_url, subdistrict, ("notify",))
    description = f"insert_many + {n} x js.publish, each awaited"
    return FanoutResult("raw", description, n, stored_s, events_s, written, events)
