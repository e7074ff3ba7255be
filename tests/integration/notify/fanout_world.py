"""A small Quantang for the fan-out tests: org units, members at home, teams, published as
the registry's relay would; requests and wishes as the requests service's; preferences set
through the service; and reading what the fan-out wrote (inbox items, deliveries)."""

from datetime import UTC, date, datetime
from typing import Any

from shared.contracts.commands import notify as commands
from shared.contracts.envelope import CloudEvent
from shared.contracts.events.notify import NoticePosted
from shared.contracts.events.registry import (
    Home,
    MemberProfile,
    MemberRegistered,
    OrgUnitCreated,
    OrgUnitKind,
    OrgUnitView,
    TeamCreated,
    TeamView,
    VolunteerJoinedTeam,
)
from tests.integration.notify.conftest import Notify
from tests.waiting import eventually

Document = dict[str, Any]
COMMUNITY = "c1"
PHONE = "13812341234"

# Channels configured (their endpoints are never reached: the dispatcher's loop sleeps, and
# these tests look at the deliveries the fan-out stores), two group robots, one integrator.
CHANNELS: dict[str, Any] = {
    "dispatch_interval_s": 3600.0,
    "smtp_host": "127.0.0.1",
    "smtp_port": 2525,
    "sms_url": "http://127.0.0.1:9/sms",
    "sms_access_key_id": "test-key",
    "sms_access_key_secret": "test-secret",
    "wecom_url": "http://127.0.0.1:9/cgi-bin/webhook/send",
    "wecom_robots": [
        {"id": "b1-group", "key": "k1", "scopes": ["building:b1"]},
        {"id": "c1-staff", "key": "k2", "scopes": ["staff:c1"]},
    ],
    "webhooks": [{"id": "crm", "url": "http://127.0.0.1:9/hook", "secret": "s3cret"}],
}


async def unit(
    notify: Notify,
    unit_id: str,
    kind: OrgUnitKind,
    name: str,
    *,
    parent: str | None = None,
    compound: str | None = None,
    community: str = COMMUNITY,
) -> None:
    view = OrgUnitView(
        unit_id=unit_id,
        kind=kind,
        name=name,
        parent_id=parent,
        community_id=community,
        compound_id=compound,
    )
    await notify.publish(OrgUnitCreated(unit=view), subject=unit_id)


async def member(
    notify: Notify,
    member_id: str,
    *,
    building: str | None = "b1",
    compound: str | None = "k1",
    community: str = COMMUNITY,
    status: str = "active",
    name: str = "李**",
) -> None:
    profile = MemberProfile(
        member_id=member_id,
        volunteer_no=f"QT{member_id}",
        display_name=name,
        home=Home(community_id=community, compound_id=compound, building_id=building),
        skills=[],
        status=status,  # type: ignore[arg-type]
    )
    data = MemberRegistered(member=profile, registered_at=datetime.now(UTC))
    await notify.publish(data, subject=member_id)


async def team(
    notify: Notify,
    team_id: str,
    members: list[str],
    *,
    parent: str | None = None,
    leaders: list[str] | None = None,
) -> None:
    path = [parent] if parent else []
    view = TeamView(
        team_id=team_id,
        name=f"队{team_id}",
        community_id=COMMUNITY,
        parent_id=parent,
        path=path,
        leader_ids=leaders or [],
    )
    await notify.publish(TeamCreated(team=view), subject=team_id)
    for member_id in members:
        joined = VolunteerJoinedTeam(
            team_id=team_id,
            team_path=path,
            member_id=member_id,
            role="member",
            joined_on=date(2031, 1, 5),
        )
        await notify.publish(joined, subject=team_id)


async def quantang(notify: Notify) -> None:
    """Community c1 with compound k1 (buildings b1, b2); m1, m2 at home in b1, m3 in b2, m4 in
    b1 but gone (left)."""
    await unit(notify, COMMUNITY, "community", "泉韵社区")
    await unit(notify, "k1", "compound", "海德小区", parent=COMMUNITY)
    await unit(notify, "b1", "building", "1号楼", parent="k1", compound="k1")
    await unit(notify, "b2", "building", "2号楼", parent="k1", compound="k1")
    await member(notify, "m1", name="李**")
    await member(notify, "m2", name="赵**")
    await member(notify, "m3", building="b2", name="孙**")
    await member(notify, "m4", status="left", name="周**")
    await projected(notify, "members", "m4", status="left")
    await projected(notify, "org_units", "b2", kind="building")


async def preferences(notify: Notify, member_id: str, **fields: Any) -> Document:
    change = commands.PutPreferences(member_id=member_id, **fields)
    answer: Document = await notify.call(commands.PUT_PREFERENCES, change)
    return answer


async def projected(notify: Notify, collection: str, doc_id: str, **expected: Any) -> Document:
    """The projection's document once it holds `expected`."""

    async def probe() -> Document | None:
        found: Document | None = await notify.runtime.db[collection].find_one({"_id": doc_id})
        return found

    doc = await eventually(
        probe,
        lambda d: d is not None and all(d.get(k) == v for k, v in expected.items()),
        what=f"{collection} {doc_id} with {expected}",
    )
    assert doc is not None
    return doc


async def inbox(notify: Notify, cause_event_id: str) -> dict[str, Document]:
    """The inbox items an event made, by address."""
    found = notify.runtime.db["notifications"].find({"cause_event_id": cause_event_id})
    return {doc["audience"]: doc async for doc in found}


async def deliveries(notify: Notify, cause_event_id: str) -> dict[tuple[str, str], Document]:
    """The deliveries an event made, by (recipient, channel)."""
    found = notify.runtime.db["deliveries"].find({"cause_event_id": cause_event_id})
    return {(doc["recipient"], doc["channel"]): doc async for doc in found}


async def told(notify: Notify, cause_event_id: str, address: str) -> Document:
    """The inbox item of `address` for the event, once written."""

    async def probe() -> dict[str, Document]:
        return await inbox(notify, cause_event_id)

    items = await eventually(probe, lambda found: address in found, what=f"inbox of {address}")
    return items[address]


async def delivered(
    notify: Notify, cause_event_id: str, recipient: str, channel: str
) -> dict[tuple[str, str], Document]:
    """Every delivery of the event once the one of (recipient, channel) is written."""

    async def probe() -> dict[tuple[str, str], Document]:
        return await deliveries(notify, cause_event_id)

    return await eventually(
        probe, lambda found: (recipient, channel) in found, what=f"{channel} to {recipient}"
    )


async def envelope_of(notify: Notify, notice_id: str) -> CloudEvent:
    """The NoticePosted envelope of a posted notice, once an outside subscriber saw it."""

    async def probe() -> list[CloudEvent]:
        return [
            envelope
            for envelope, data in notify.events.seen
            if isinstance(data, NoticePosted) and data.notice_id == notice_id
        ]

    found = await eventually(probe, what=f"NoticePosted {notice_id}")
    return found[0]
