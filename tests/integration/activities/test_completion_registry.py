"""A weekly anti-fraud clapper-talk series, both services running: members registered in
the registry reach the activities service by the registry's events; the leader enters each
occurrence's paper roster and completes it; the hours reach the registry's records exactly
once each, even when an ActivityCompleted is delivered twice."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.contracts.commands import activities as commands
from shared.contracts.commands import registry as registry_commands
from shared.contracts.events.activities import ActivityCompleted, ApprovedHours
from shared.contracts.events.registry import ServiceHoursCredited
from tests.integration.activities.conftest import Activities
from tests.integration.activities.signup_support import (
    known_members,
    movable_clock,
    next_saturday_9am,
    role,
)
from tests.integration.registry.conftest import (  # noqa: F401 (fixtures)
    Registry,
    registry,
    registry_overrides,
)
from tests.integration.registry.member_support import registration, seed_org
from tests.integration.service_harness import put_on_stream
from tests.waiting import eventually

pytestmark = pytest.mark.integration

HOURS = [(2.0, 1.5, 1.0), (2.0, 2.0, 0.0), (1.5, 1.5, 1.5), (2.0, 1.0, 0.5)]


async def record(service: Registry, member_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await service.call(
        registry_commands.GET_RECORD, registry_commands.GetRecord(member_id=member_id)
    )
    return found


async def test_series_hours_reach_the_registry_once(
    activities: Activities,
    registry: Registry,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await seed_org(registry.runtime.db)
    members = []
    for n in range(3):
        registered = await registry.call(
            registry_commands.REGISTER_MEMBER, registration(n + 1, skills=["talks"])
        )
        members.append(registered["id"])
    # The activities service learns of them from the registry's MemberRegistered.
    await eventually(
        lambda: known_members(activities, members),
        lambda found: len(found) == 3,
        what="the registry's members in the activities projection",
    )

    first = next_saturday_9am()
    clock = movable_clock(monkeypatch, first - timedelta(days=1))
    created = await activities.call(
        commands.CREATE_SERIES,
        commands.CreateSeries(
            series_id="anti-fraud",
            title="防诈骗快板宣讲",
            activity_type="clapper_talk_show",
            community_id="quanyun",
            place="社区广场",
            starts_at=first,
            ends_at=first + timedelta(hours=2),
            roles=[role("perform", 3, "talks", name="快板表演")],
            rule=commands.SeriesRule(weekdays=[first.isoweekday()], count=4),
            publish=True,
        ),
    )
    occurrences = sorted(created["activities"], key=lambda a: a["starts_at"])
    assert len(occurrences) == 4
    # Two sign up ahead for the first; the third just comes (the roster adds them).
    for member_id in members[:2]:
        await activities.call(
            commands.SIGN_UP,
            commands.SignUp(
                activity_id=occurrences[0]["activity_id"], member_id=member_id, role_id="perform"
            ),
        )

    for week, hours in zip(occurrences, HOURS, strict=True):
        activity_id = week["activity_id"]
        clock.at = week_start(week) + timedelta(hours=3)
        lines = [
            commands.RosterLine(member_id=m, role_id="perform", hours=h)
            if h
            else commands.RosterLine(member_id=m, role_id="perform", no_show=True)
            for m, h in zip(members, hours, strict=True)
        ]
        await activities.call(
            commands.ENTER_ROSTER, commands.EnterRoster(activity_id=activity_id, lines=lines)
        )
        await activities.call(
            commands.COMPLETE_ACTIVITY,
            commands.CompleteActivity(activity_id=activity_id, summary="讲了电信诈骗的套路"),
            actor="user:leader",
        )
    completed = await activities.events.wait_for(ActivityCompleted, count=4)

    # One ActivityCompleted delivered a second time (as after a relay crash before its ack),
    # then a marker: the registry's consumer takes them in order, so once the marker is
    # credited the second copy has been handled.
    envelope = next(e for e, data in activities.events.seen if isinstance(data, ActivityCompleted))
    await put_on_stream(
        activities.js, activities.settings.subdistrict, envelope, msg_id=envelope.id + "-2"
    )
    marker = ActivityCompleted(
        **{**completed[0].model_dump(), "activity_id": "marker", "volunteers": []},
    ).model_copy(update={"volunteers": [ApprovedHours(member_id=members[0], hours=0.5)]})
    await activities.publish(marker, subject="marker")
    await registry.events.wait_for(ServiceHoursCredited, where=lambda e: e.source_id == "marker")

    expected = {m: sum(h[n] for h in HOURS) for n, m in enumerate(members)}
    expected[members[0]] += 0.5
    for member_id, total in expected.items():
        shown = await record(registry, member_id)
        assert shown["total_hours"] == total
        sources = [e["source_id"] for e in shown["entries"]]
        assert len(sources) == len(set(sources))  # each occurrence once
        assert {e["organiser"] for e in shown["entries"]} == {"quanyun"}
    credits = 3 + 3 + 2 + 3 + 1  # the no-show earns nothing; the marker's one
    assert len(registry.events.of(ServiceHoursCredited)) == credits
    assert {c.approved_by for c in completed} == {"user:leader"}


def week_start(summary: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(summary["starts_at"])
