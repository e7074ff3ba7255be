"""Members, completed activities and reads for the service-record tests.

Members are registered through REGISTER_MEMBER (synthetic people of member_support.py);
an ActivityCompleted is put on JetStream as the activities service would publish it."""

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from nats.js import JetStreamContext

from shared.contracts.catalogue import new_event
from shared.contracts.commands import registry as commands
from shared.contracts.envelope import CloudEvent
from shared.contracts.events.activities import ActivityCompleted, ApprovedHours
from shared.contracts.events.registry import ServiceHoursCredited
from shared.contracts.subjects import dead_letter_stream
from tests.integration.registry.conftest import Registry
from tests.integration.registry.member_support import registration, seed_org
from tests.integration.service_harness import put_on_stream

STARTS = datetime(2026, 5, 1, 17, 0, tzinfo=UTC)  # 2026-05-02 01:00 in Shanghai


async def register(registry: Registry, n: int, **overrides: Any) -> dict[str, Any]:
    """Member n (the org is seeded with the first registration of a test)."""
    db = registry.runtime.db
    if await db["org_units"].find_one({"_id": "quanyun"}) is None:
        await seed_org(db)
    return dict(await registry.call(commands.REGISTER_MEMBER, registration(n, **overrides)))


def activity_completed(
    subdistrict: str,
    activity_id: str,
    volunteers: dict[str, float],
    *,
    title: str = "助老理发",
    starts_at: datetime = STARTS,
) -> CloudEvent:
    data = ActivityCompleted(
        activity_id=activity_id,
        title=title,
        activity_type="service",
        community_id="quanyun",
        organiser_team_ids=["wulaohong"],
        organiser="五老红志愿服务队",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        completed_at=starts_at + timedelta(hours=4),
        approved_by="user:organiser",
        participant_count=len(volunteers),
        volunteers=[ApprovedHours(member_id=m, hours=h) for m, h in volunteers.items()],
    )
    return new_event(data, subdistrict=subdistrict, subject=activity_id)


async def publish(
    js: JetStreamContext, subdistrict: str, event: CloudEvent, msg_id: str | None = None
) -> None:
    """As the activities service's relay publishes (a different `msg_id`: a second copy)."""
    await put_on_stream(js, subdistrict, event, msg_id)


async def credited(
    registry: Registry, member_id: str, source_id: str, count: int = 1
) -> list[ServiceHoursCredited]:
    """Wait until the credit for `source_id` reached `member_id` (its event is out)."""
    found: list[ServiceHoursCredited] = await registry.events.wait_for(
        ServiceHoursCredited,
        where=lambda e: e.member_id == member_id and e.source_id == source_id,
        count=count,
    )
    return found


async def record(registry: Registry, member_id: str, **period: date) -> dict[str, Any]:
    body = commands.GetRecord(member_id=member_id, **period)
    return dict(await registry.call(commands.GET_RECORD, body))


async def credit(
    registry: Registry, member_id: str, reference: str, hours: float, served_on: date
) -> dict[str, Any]:
    body = commands.CreditHours(
        member_id=member_id,
        served_on=served_on,
        hours=hours,
        content=f"纸质记录 {reference}",
        organiser="泉韵社区",
        reference=reference,
    )
    return dict(await registry.call(commands.CREDIT_HOURS, body))


async def dead_letters(js: JetStreamContext, subdistrict: str) -> list[dict[str, Any]]:
    stream = dead_letter_stream(subdistrict)
    info = await js.stream_info(stream)
    letters = []
    if info.state.messages:
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(stream, seq)
            letters.append(json.loads(msg.data or b"{}"))
    return letters
