from datetime import UTC, datetime

import pytest

from services.requests.domain import wishes
from services.requests.wish_views import wish_view
from shared.contracts.commands.common import CommandLocation
from shared.contracts.commands.requests import SubmitWish
from shared.contracts.events.requests import (
    Claimant,
    WishClaimed,
    WishConfirmed,
    WishPublished,
    WishSubmitted,
)
from shared.contracts.rpc import Conflict, Invalid

pytestmark = pytest.mark.unit

AT = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
MEMBER = Claimant(type="member", id="m1", name="李**")


def submitted() -> wishes.Document:
    cmd = SubmitWish(
        title="想要一台收音机 13812345678",
        location=CommandLocation(community_id="quanyun", compound_id="haide"),
        resident_name="王秀英",
        resident_phone="13812345678",
    )
    doc, events = wishes.submit(cmd, wish_id="w1", by="user:v1", at=AT)
    assert isinstance(events[0], WishSubmitted) and events[0].entered_by == "user:v1"
    assert "13812345678" not in events[0].title  # events carry no phone, not even in text
    return doc


def test_a_wish_goes_from_submission_to_confirmation_with_its_timeline() -> None:
    doc, events = wishes.review(submitted(), "publish", None, by="user:ca", at=AT)
    assert isinstance(events[0], WishPublished) and events[0].display_name == "王**"
    doc, events = wishes.claim(doc, MEMBER, by="user:v2", at=AT)
    assert isinstance(events[0], WishClaimed) and doc["claimant"]["id"] == "m1"
    doc, _ = wishes.fulfil(doc, ["photo/1.jpg"], "送到了", by="user:v2", at=AT)
    doc, events = wishes.confirm(doc, 1.5, 10, by="user:v1", at=AT)
    confirmed = events[0]
    assert isinstance(confirmed, WishConfirmed)
    assert (confirmed.hours, confirmed.points, confirmed.claimant.id) == (1.5, 10, "m1")
    assert doc["status"] == "confirmed" and doc["photo_refs"] == ["photo/1.jpg"]
    assert [e["action"] for e in doc["timeline"]] == [
        "submit",
        "publish",
        "claim",
        "fulfil",
        "confirm",
    ]


def test_a_second_claim_and_steps_out_of_order_are_conflicts_naming_the_status() -> None:
    doc = submitted()
    with pytest.raises(Conflict, match="is submitted"):
        wishes.claim(doc, MEMBER, by=None, at=AT)
    doc, _ = wishes.review(doc, "publish", None, by=None, at=AT)
    doc, _ = wishes.claim(doc, MEMBER, by=None, at=AT)
    other = Claimant(type="partner", id="clinic")
    with pytest.raises(Conflict, match="claimed already"):
        wishes.claim(doc, other, by=None, at=AT)
    with pytest.raises(Conflict, match="is claimed"):
        wishes.confirm(doc, 1, 10, by=None, at=AT)


def test_a_rejection_needs_a_reason_and_emits_nothing() -> None:
    with pytest.raises(Invalid) as refused:
        wishes.review(submitted(), "reject", None, by=None, at=AT)
    assert refused.value.details[0].loc == ["reason"]
    doc, events = wishes.review(submitted(), "reject", "不属于微心愿", by=None, at=AT)
    assert doc["status"] == "rejected" and events == []


def test_a_partner_claimant_gets_no_points() -> None:
    doc, _ = wishes.review(submitted(), "publish", None, by=None, at=AT)
    doc, _ = wishes.claim(doc, Claimant(type="partner", id="clinic"), by=None, at=AT)
    doc, _ = wishes.fulfil(doc, ["p"], "", by=None, at=AT)
    _, events = wishes.confirm(doc, 2, 10, by=None, at=AT)
    assert isinstance(events[0], WishConfirmed) and events[0].points == 0


def test_the_resident_leaves_masked_and_the_wall_has_no_phone() -> None:
    doc = submitted()
    detail = wish_view(doc)
    assert detail["resident"] == {"name": "王**", "phone": "138****5678"}
    assert "13812345678" not in str(detail)
    wall = wish_view(doc, on_wall=True)
    assert wall["resident"] == {"name": "王**"} and "timeline" not in wall
