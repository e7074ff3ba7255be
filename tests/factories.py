"""Events, commands and fakes for tests; ids are random per call so tests never collide."""

import secrets
from datetime import UTC, datetime
from typing import Any

from services.gateway.accounts.model import Principal, Role
from shared.contracts.catalogue import new_event
from shared.contracts.envelope import CloudEvent
from shared.contracts.events.common import LocalizedText, Location
from shared.contracts.events.notify import NotificationSent
from shared.contracts.events.requests import RequestCreated


def request_created(
    subdistrict: str, community_id: str = "quanyun", title: str = "楼道灯坏了"
) -> CloudEvent:
    request_id = "r" + secrets.token_hex(6)
    data = RequestCreated(
        request_id=request_id,
        kind="repair",
        kind_name=LocalizedText(zh="维修", en="Repair"),
        title=title,
        location=Location(community_id=community_id),
        channel="wechat_group",
        urgency="normal",
        submitted_at=datetime.now(UTC),
    )
    return new_event(data, subdistrict=subdistrict, subject=request_id)


def notification_sent(notification_id: str = "n1") -> NotificationSent:
    return NotificationSent(
        notification_id=notification_id,
        channel="inbox",
        audience="role:community_admin@community:quanyun",
        cause_event_id="e1",
        cause_event_type="cn.redvest.requests.request.created.v1",
        sent_at=datetime.now(UTC),
    )


def person(
    *roles: Role,
    communities: tuple[str, ...] = (),
    teams: tuple[str, ...] = (),
    member: str | None = None,
) -> Principal:
    """A signed-in person with these roles (a volunteer is member m1 unless told)."""
    return Principal(
        id="u",
        name="n",
        kind="user",
        roles=frozenset(roles),
        communities=frozenset(communities),
        teams=frozenset(teams),
        member_id=member or ("m1" if Role.VOLUNTEER in roles else None),
        partner_id="p1" if Role.PARTNER in roles else None,
    )


def api_key(*scopes: str) -> Principal:
    return Principal(
        id="k",
        name="k",
        kind="api_key",
        roles=frozenset({Role.INTEGRATION}),
        scopes=frozenset(scopes or ("read",)),
    )


class FakeAudit:
    """The gateway's audit log in memory; `fail` makes every write fail (fail-closed tests)."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.records: list[dict[str, Any]] = []

    async def record(self, action: str, **fields: Any) -> None:
        if self.fail:
            raise ConnectionError("the audit store is down")
        self.records.append({"action": action, **fields})
