"""Micro-wishes over NATS: the wall, one claimant, and the claimant's credit reaching the
registry once (both services running)."""

from typing import Any

import pytest

from shared.contracts.commands import registry as registry_commands
from shared.contracts.commands import requests as commands
from shared.contracts.commands.common import CommandLocation
from shared.contracts.events.registry import PointsChanged, ServiceHoursCredited
from shared.contracts.events.requests import WishConfirmed, WishPublished
from shared.contracts.ids import new_id
from shared.contracts.rpc import Conflict, NotFound
from tests.integration.registry.conftest import Registry
from tests.integration.registry.conftest import registry as registry  # the fixture
from tests.integration.registry.conftest import registry_overrides as registry_overrides
from tests.integration.registry.record_support import register
from tests.integration.requests.conftest import Requests
from tests.integration.requests.registry_world import member, projected

pytestmark = pytest.mark.integration

VOLUNTEER = "user:volunteer-1"


async def published_wish(service: Requests, title: str = "想要一台收音机") -> dict[str, Any]:
    wish = await service.call(
        commands.SUBMIT_WISH,
        commands.SubmitWish(
            title=title,
            location=CommandLocation(community_id="quanyun", compound_id="haide"),
            resident_name="王秀英",
            resident_phone="13812345678",
        ),
        actor=VOLUNTEER,
    )
    assert wish["status"] == "submitted" and wish["entered_by"] == VOLUNTEER
    review = commands.ReviewWish(wish_id=wish["id"], decision="publish")
    return dict(await service.call(commands.REVIEW_WISH, review))


async def test_a_wish_from_submission_to_the_claimants_credit_reaching_the_registry_once(
    requests_service: Requests, registry: Registry
) -> None:
    claimant = (await register(registry, 7))["id"]  # the requests service hears of them too
    await projected(requests_service, "members", claimant, status="active")
    wish = await published_wish(requests_service)
    wish_id = wish["id"]

    claim = commands.ClaimWish(wish_id=wish_id, claimant_type="member", claimant_id=claimant)
    claimed = await requests_service.call(commands.CLAIM_WISH, claim)
    assert claimed["claimant"]["id"] == claimant and claimed["claimant"]["name"].endswith("*")
    fulfil = commands.FulfilWish(wish_id=wish_id, photo_refs=["photos/radio.jpg"])
    await requests_service.call(commands.FULFIL_WISH, fulfil)
    confirm = commands.ConfirmWish(wish_id=wish_id, hours=2)
    confirmed = await requests_service.call(commands.CONFIRM_WISH, confirm, actor=VOLUNTEER)
    assert confirmed["status"] == "confirmed" and confirmed["confirmed_by"] == VOLUNTEER
    assert [e["status"] for e in confirmed["timeline"]] == [
        "submitted",
        "published",
        "claimed",
        "fulfilled",
        "confirmed",
    ]

    event = (await requests_service.events.wait_for(WishConfirmed))[0]
    assert event.points == requests_service.settings.wish_points
    # The same event again, as a second delivery under another message id.
    await requests_service.publish(event, subject=wish_id, msg_id=new_id())
    # Then another wish's confirmation: the registry takes events in order.
    marker = event.model_copy(update={"wish_id": "marker-wish", "hours": 1.0})
    await requests_service.publish(marker, subject="marker-wish")
    await registry.events.wait_for(
        ServiceHoursCredited, where=lambda e: e.source_id == "marker-wish"
    )
    await registry.events.wait_for(PointsChanged, where=lambda e: e.member_id == claimant, count=4)

    record = await registry.call(
        registry_commands.GET_RECORD, registry_commands.GetRecord(member_id=claimant)
    )
    mine = [e for e in record["entries"] if e["source_id"] == wish_id]
    assert len(mine) == 1 and mine[0]["source"] == "wish" and mine[0]["hours"] == 2.0
    assert record["total_hours"] == 3.0
    # 10 points an hour, and the wish's own points, once for each wish.
    points = requests_service.settings.wish_points
    assert record["points_balance"] == 30 + 2 * points
    credits = registry.events.of(ServiceHoursCredited)
    assert [c.source_id for c in credits if c.member_id == claimant].count(wish_id) == 1


async def test_one_claimant_only_and_the_claimant_must_be_an_active_member(
    requests_service: Requests,
) -> None:
    await member(requests_service, "first", skills=[])
    await member(requests_service, "second", skills=[])
    await member(requests_service, "gone", skills=[], status="left")
    await projected(requests_service, "members", "gone", status="left")
    await projected(requests_service, "members", "second")
    wish = await published_wish(requests_service)

    def claim(who: str, kind: str = "member") -> commands.ClaimWish:
        return commands.ClaimWish(wish_id=wish["id"], claimant_type=kind, claimant_id=who)  # type: ignore[arg-type]

    with pytest.raises(NotFound, match="nobody"):
        await requests_service.call(commands.CLAIM_WISH, claim("nobody"))
    with pytest.raises(Conflict, match="left"):
        await requests_service.call(commands.CLAIM_WISH, claim("gone"))
    await requests_service.call(commands.CLAIM_WISH, claim("first"))
    with pytest.raises(Conflict, match="claimed"):
        await requests_service.call(commands.CLAIM_WISH, claim("second"))
    with pytest.raises(Conflict, match="claimed"):
        await requests_service.call(commands.CLAIM_WISH, claim("clinic-1", "partner"))
    with pytest.raises(Conflict, match="is claimed"):
        confirm = commands.ConfirmWish(wish_id=wish["id"], hours=1)
        await requests_service.call(commands.CONFIRM_WISH, confirm)
    shown = await requests_service.call(commands.GET_WISH, commands.GetWish(wish_id=wish["id"]))
    assert shown["claimant"]["id"] == "first"


async def test_the_wall_masks_the_resident_and_shows_only_reviewed_wishes(
    requests_service: Requests,
) -> None:
    wish = await published_wish(requests_service, "想要一副老花镜")
    second = await published_wish(requests_service, "想学用智能手机")
    waiting = await requests_service.call(
        commands.SUBMIT_WISH,
        commands.SubmitWish(
            title="想要一台轮椅",
            location=CommandLocation(community_id="quanyun"),
            resident_name="赵德明",
        ),
    )
    published = await requests_service.events.wait_for(WishPublished, count=2)
    assert {p.display_name for p in published} == {"王**"}

    wall = await requests_service.call(
        commands.WISH_WALL, commands.WishWall(community_id="quanyun")
    )
    assert [w["id"] for w in wall["items"]] == [second["id"], wish["id"]]  # newest first
    assert all(w["resident"] == {"name": "王**"} for w in wall["items"])
    assert "王秀英" not in str(wall) and "5678" not in str(wall)
    held = await requests_service.call(
        commands.WISH_WALL, commands.WishWall(community_id="quanyun", status="submitted")
    )
    assert [w["id"] for w in held["items"]] == [waiting["id"]]
    page = await requests_service.call(
        commands.WISH_WALL, commands.WishWall(community_id="quanyun", limit=1)
    )
    rest = await requests_service.call(
        commands.WISH_WALL,
        commands.WishWall(community_id="quanyun", limit=1, cursor=page["next_cursor"]),
    )
    assert [w["id"] for w in page["items"] + rest["items"]] == [second["id"], wish["id"]]
    other = await requests_service.call(
        commands.WISH_WALL, commands.WishWall(community_id="xinggang")
    )
    assert other["items"] == []
