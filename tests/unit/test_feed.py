"""Who sees which event on the live feed: pure, no I/O."""

import json
import time
from types import SimpleNamespace
from typing import Any

import jwt
import nats.errors
import pytest

from services.gateway.accounts.model import Principal, Role
from services.gateway.accounts.security import TokenError, principal_from_token
from services.gateway.feed import (
    EventFeed,
    FeedInterrupted,
    StreamSlots,
    communities_of,
    may_see,
    selected,
)
from tests.factories import api_key, person

pytestmark = pytest.mark.unit

CREATED = "cn.redvest.requests.request.created.v1"
SENT = "cn.redvest.notify.notification.sent.v1"


SUB = person(Role.SUBDISTRICT_ADMIN)
KEY = api_key()
QUANYUN = person(Role.COMMUNITY_ADMIN, communities=("quanyun",))
TWO = person(Role.COMMUNITY_ADMIN, communities=("quanyun", "xinggang"))
LEADER = person(Role.TEAM_LEADER, teams=("t1",))
VOLUNTEER = person(Role.VOLUNTEER)
PARTNER = person(Role.PARTNER)


def event(type_: str, data: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": "e1", "type": type_, "data": data}


def request_in(community: str) -> dict[str, Any]:
    return event(CREATED, {"request_id": "r1", "location": {"community_id": community}})


def notification_for(community: str) -> dict[str, Any]:
    return event(SENT, {"audience": f"role:community_admin@community:{community}"})


WITH_COMMUNITY_ID = event("cn.redvest.x.y.z.v1", {"community_id": "quanyun"})
NAMES_NONE = event("cn.redvest.members.member.joined.v1", {"member_id": "m1"})


@pytest.mark.parametrize(
    ("who", "what", "sees"),
    [
        (SUB, request_in("xinggang"), True),
        (SUB, NAMES_NONE, True),
        (KEY, notification_for("xinggang"), True),
        (KEY, NAMES_NONE, True),
        (QUANYUN, request_in("quanyun"), True),
        (QUANYUN, notification_for("quanyun"), True),
        (QUANYUN, WITH_COMMUNITY_ID, True),
        (QUANYUN, request_in("xinggang"), False),
        (QUANYUN, notification_for("xinggang"), False),
        (QUANYUN, NAMES_NONE, False),  # an event that names no community is not theirs
        (TWO, request_in("xinggang"), True),
        (TWO, notification_for("quanyun"), True),
        (TWO, request_in("other"), False),
        # no event concerns these roles yet: they see nothing, not even their own community's
        (LEADER, request_in("quanyun"), False),
        (VOLUNTEER, notification_for("quanyun"), False),
        (PARTNER, NAMES_NONE, False),
    ],
)
def test_who_sees_what(who: Principal, what: dict[str, Any], sees: bool) -> None:
    assert may_see(who, what) is sees


def test_a_community_id_that_only_starts_like_yours_is_not_yours() -> None:
    assert not may_see(QUANYUN, request_in("quanyun2"))
    assert not may_see(QUANYUN, notification_for("quanyun2"))
    assert not may_see(QUANYUN, event(SENT, {"audience": "role:community_admin@community:"}))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "quanyun",
        [],
        {"location": "quanyun"},
        {"location": {"community_id": ["quanyun"]}},
        {"community_id": 7},
        {"audience": ["@community:quanyun"]},
        {"location": {"community_id": ""}},
    ],
)
def test_malformed_data_shows_nothing_to_a_community_admin(data: Any) -> None:
    assert communities_of(event(CREATED, data)) == frozenset()
    assert not may_see(QUANYUN, event(CREATED, data))


def test_an_event_may_concern_several_communities() -> None:
    both = event(
        SENT,
        {"location": {"community_id": "a"}, "community_id": "b", "audience": "x@community:c"},
    )
    assert communities_of(both) == {"a", "b", "c"}
    assert communities_of({"type": CREATED}) == frozenset()


def test_a_named_community_and_types_narrow_the_feed() -> None:
    assert selected(SUB, request_in("quanyun"), community="quanyun")
    assert not selected(SUB, request_in("xinggang"), community="quanyun")
    assert not selected(SUB, NAMES_NONE, community="quanyun")
    assert selected(SUB, request_in("quanyun"), types={CREATED})
    assert not selected(SUB, notification_for("quanyun"), types={CREATED})
    assert selected(TWO, notification_for("xinggang"), community="xinggang", types={SENT})
    # naming a community never widens what the caller's own scope allows
    assert not selected(QUANYUN, request_in("xinggang"), community="xinggang")


# -- reading: the feed never skips silently (a fake subscription stands in for nats-py) --


def message(stream: int, consumer: int, body: Any = None) -> SimpleNamespace:
    data = json.dumps(body if body is not None else event(CREATED, {})).encode()
    sequence = SimpleNamespace(stream=stream, consumer=consumer)
    return SimpleNamespace(data=data, metadata=SimpleNamespace(sequence=sequence))


class FakeSubscription:
    def __init__(self, *messages: SimpleNamespace, library_last: int = 0) -> None:
        self.messages = list(messages)
        self._sub = SimpleNamespace(_jsi=SimpleNamespace(_sseq=library_last))

    @property
    def pending_msgs(self) -> int:
        return len(self.messages)

    async def next_msg(self, timeout: float | None) -> SimpleNamespace:  # noqa: ASYNC109 (nats-py's)
        if not self.messages:
            raise nats.errors.TimeoutError
        return self.messages.pop(0)


def feed_of(subscription: FakeSubscription) -> EventFeed:
    return EventFeed(None, "S", subscription)  # type: ignore[arg-type]


async def test_the_feed_reads_in_order_and_skips_what_is_no_cloudevent() -> None:
    subscription = FakeSubscription(
        message(7, 1), message(8, 2, body=[1]), message(9, 3), library_last=9
    )
    opened = feed_of(subscription)
    got = [await opened.next(1), await opened.next(1)]
    assert [item.sequence for item in got if item is not None] == [7, 9]
    assert await opened.next(1) is None


@pytest.mark.parametrize(
    "messages",
    [
        (message(7, 1), message(9, 3)),  # nats-py dropped the second: its buffer was full
        (message(7, 1), message(9, 1)),  # it recreated the consumer after dropping some
    ],
)
async def test_a_gap_ends_the_feed(messages: tuple[SimpleNamespace, ...]) -> None:
    opened = feed_of(FakeSubscription(*messages))
    assert (await opened.next(1)) is not None
    with pytest.raises(FeedInterrupted, match="fell behind"):
        await opened.next(1)


async def test_messages_dropped_at_the_end_end_the_feed_once_it_is_idle() -> None:
    opened = feed_of(FakeSubscription(message(7, 1), library_last=9))
    assert (await opened.next(1)) is not None
    with pytest.raises(FeedInterrupted, match="fell behind"):
        await opened.next(1)


def test_streams_per_caller_are_counted_and_given_back_once() -> None:
    slots = StreamSlots(2)
    first, second = slots.take("u1"), slots.take("u1")
    assert first is not None and second is not None
    assert slots.take("u1") is None
    assert slots.take("u2") is not None  # another caller has their own
    first.release()
    first.release()  # idempotent: the generator and the background task both release
    assert slots.held("u1") == 1
    assert slots.take("u1") is not None
    assert slots.take("u1") is None


def test_a_principal_from_a_token_knows_when_the_token_expires() -> None:
    """What the live feed ends a stream by; the signature is checked on the way."""
    secret = "s" * 40
    exp = int(time.time()) + 300
    claims = {"sub": "u1", "typ": "access", "exp": exp, "aud": "t1"}
    token = jwt.encode(claims, secret, algorithm="HS256")
    assert principal_from_token(token, secret, "t1").expires_at == exp
    with pytest.raises(TokenError):
        principal_from_token(token, "x" * 40, "t1")
