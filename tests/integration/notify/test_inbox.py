"""The inbox over NATS: a reader's notifications across the addresses they read, read state
per reader, the unread count, marking read, and the staff desk's listing. Notifications are
put in the store as the fan-out writes them (domain/inbox.py), so these tests need no rules."""

import secrets
from datetime import UTC, datetime
from typing import Any

import pytest

from services.notify.domain.inbox import Message, Notification, notification_id
from shared.contracts.commands import notify as commands
from shared.contracts.ids import new_id
from shared.contracts.rpc import Invalid
from tests.integration.notify.conftest import Notify

pytestmark = pytest.mark.integration

BASE = datetime(2026, 5, 27, 9, 0, tzinfo=UTC)


async def put(
    notify: Notify,
    audience: str,
    title: str,
    *,
    community_id: str | None = "c1",
    read_by: list[str] | None = None,
    proxy_for: str | None = None,
) -> str:
    """One inbox notification, stored as the fan-out stores it; ids grow with each call."""
    cause = new_id()
    item = Notification(
        id=notification_id(cause, audience),
        audience=audience,
        community_id=community_id,
        priority="normal",
        cause_event_id=cause,
        cause_event_type="RequestCreated",
        zh=Message(title=title, body=f"{title}（正文）"),
        en=Message(title=f"EN {title}", body="body"),
        read_by=read_by or [],
        proxy_for=proxy_for,
        created_at=BASE,
    )
    doc = {"_id": item.id, **item.model_dump(exclude={"id"})}
    await notify.runtime.aggregates("notifications").insert(doc)
    return item.id


def reader(account: str, *audiences: str) -> dict[str, Any]:
    return {"reader": account, "audiences": list(audiences)}


async def inbox(notify: Notify, who: dict[str, Any], **query: Any) -> dict[str, Any]:
    page: dict[str, Any] = await notify.call(
        commands.MY_INBOX, commands.MyInbox(**who, **query), actor=f"user:{who['reader']}"
    )
    return page


async def unread(notify: Notify, who: dict[str, Any]) -> int:
    count: dict[str, Any] = await notify.call(
        commands.UNREAD_COUNT, commands.UnreadCount(**who), actor=f"user:{who['reader']}"
    )
    return int(count["unread"])


async def mark(notify: Notify, who: dict[str, Any], **body: Any) -> int:
    done: dict[str, Any] = await notify.call(
        commands.MARK_READ, commands.MarkRead(**who, **body), actor=f"user:{who['reader']}"
    )
    return int(done["marked"])


async def test_a_reader_sees_every_address_of_theirs_newest_first_and_nothing_else(
    notify: Notify,
) -> None:
    desk = "role:community_admin@community:c1"
    mine = [
        await put(notify, "account:a1", "你提交的诉求已受理"),
        await put(notify, desk, "新诉求：楼道灯坏了"),
        await put(notify, "member:m1", "活动提醒", proxy_for="m9"),
    ]
    await put(notify, "role:community_admin@community:c2", "别的社区")
    await put(notify, "member:m2", "别人的")
    a1 = reader("a1", "account:a1", "member:m1", desk)

    first = await inbox(notify, a1, limit=2)
    assert [i["id"] for i in first["items"]] == [mine[2], mine[1]]
    assert first["next_cursor"] == mine[1]
    rest = await inbox(notify, a1, limit=2, cursor=first["next_cursor"])
    assert [i["id"] for i in rest["items"]] == [mine[0]] and rest["next_cursor"] is None

    item = first["items"][0]
    assert item["zh"] == {"title": "活动提醒", "body": "活动提醒（正文）"}
    assert item["en"]["title"] == "EN 活动提醒"
    assert item["read"] is False and item["proxy_for"] == "m9"
    assert "read_by" not in item  # who else read a shared notice is not the reader's business
    assert await unread(notify, a1) == 3


async def test_read_state_is_per_reader_and_marks_only_the_readers_own(notify: Notify) -> None:
    desk = "role:community_admin@community:c1"
    shared = await put(notify, desk, "新诉求：漏水")
    other = await put(notify, desk, "新诉求：噪音")
    elsewhere = await put(notify, "member:m2", "别人的")
    one, two = reader("admin1", desk), reader("admin2", desk)

    # An id outside the reader's addresses is ignored, and counted as not marked.
    assert await mark(notify, one, notification_ids=[shared, elsewhere]) == 1
    assert await mark(notify, one, notification_ids=[shared]) == 0  # already read
    assert await unread(notify, one) == 1
    assert await unread(notify, two) == 2  # the other admin has not read it
    unread_page = await inbox(notify, one, unread_only=True)
    assert [i["id"] for i in unread_page["items"]] == [other]
    flags = {i["id"]: i["read"] for i in (await inbox(notify, one))["items"]}
    assert flags == {shared: True, other: False}
    member_m2 = await inbox(notify, reader("a2", "member:m2"), unread_only=True)
    assert [i["id"] for i in member_m2["items"]] == [elsewhere]

    assert await mark(notify, two, all=True) == 2
    assert await unread(notify, two) == 0
    assert await unread(notify, one) == 1
    assert (await inbox(notify, two, unread_only=True))["items"] == []


async def test_marking_nothing_is_refused_naming_the_field(notify: Notify) -> None:
    with pytest.raises(Invalid) as refused:
        await mark(notify, reader("a1", "account:a1"))
    assert refused.value.details[0].loc == ["notification_ids"]


async def test_a_phone_number_typed_into_a_title_leaves_masked(notify: Notify) -> None:
    await put(notify, "account:a1", "请回电 13812345678")
    item = (await inbox(notify, reader("a1", "account:a1")))["items"][0]
    assert item["zh"]["title"] == "请回电 138****5678"


async def test_the_desk_lists_a_communitys_desk_newest_first(notify: Notify) -> None:
    community = "c" + secrets.token_hex(3)
    desk = f"role:community_admin@community:{community}"
    ids = [
        await put(notify, desk, "新诉求：一", community_id=community),
        await put(notify, desk, "新诉求：二", community_id=community),
    ]
    # A member's own notice in the community is theirs to read, not the desk's.
    await put(notify, "member:m5", "志愿者的", community_id=community)
    await put(notify, desk, "别处", community_id="elsewhere")
    listed: dict[str, Any] = await notify.call(
        commands.LIST_NOTIFICATIONS, commands.ListNotifications(community_id=community)
    )
    assert [i["id"] for i in listed["items"]] == list(reversed(ids))
    assert listed["items"][0]["created_at"].startswith("2026-05-27T09:")
    same: dict[str, Any] = await notify.call(
        commands.LIST_NOTIFICATIONS,
        commands.ListNotifications(community_id=community, audience=desk),
    )
    assert same["items"] == listed["items"]
    with pytest.raises(Invalid) as refused:
        await notify.call(
            commands.LIST_NOTIFICATIONS,
            commands.ListNotifications(community_id=community, audience="member:m5"),
        )
    assert [d.loc for d in refused.value.details] == [["audience"]]


async def test_read_by_is_not_indexed_and_the_query_fields_are(notify: Notify) -> None:
    # Equality on an indexed array field gives wrong answers on nx-27017 (docs/storage.md):
    # the unread filter stays right only while `read_by` has no index.
    indexes = await notify.runtime.aggregates("notifications").collection.index_information()
    keys = {field for spec in indexes.values() for field, _ in spec["key"]}
    assert {"audience", "community_id"} <= keys
    assert "read_by" not in keys
