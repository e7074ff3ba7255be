"""A micro-wish (微心愿): its states, the guards between them and the events they emit. Pure.

submitted -> published (the resident masked) | rejected; published -> claimed (one claimant)
-> fulfilled (a photo for proof) -> confirmed (by the resident, or a volunteer for them; the
claimant is then credited by the registry). Every step appends to the wish's timeline.
"""

from datetime import datetime
from typing import Any, Final

from shared.contracts.catalogue import EventData
from shared.contracts.commands.requests import SubmitWish
from shared.contracts.events.requests import (
    Claimant,
    WishClaimed,
    WishConfirmed,
    WishFulfilled,
    WishPublished,
    WishSubmitted,
)
from shared.contracts.privacy import mask_name, mask_text
from shared.contracts.rpc import Conflict, FieldError, Invalid

Document = dict[str, Any]
Change = tuple[Document, list[EventData]]

# What the wall shows unless asked for one status: the wishes the public may see.
ON_THE_WALL: Final = ("published", "claimed", "fulfilled", "confirmed")


def _guard(doc: Document, allowed: str, action: str) -> None:
    if doc["status"] != allowed:
        msg = f"wish {doc['_id']} is {doc['status']}: only a {allowed} wish can be {action}"
        raise Conflict(msg, [FieldError(loc=["wish_id"], msg=msg, type="status")])


def _step(
    doc: Document,
    status: str,
    action: str,
    by: str | None,
    at: datetime,
    note: str = "",
    **fields: Any,
) -> Document:
    entry = {"at": at, "by": by, "action": action, "status": status, "note": note}
    return {**doc, **fields, "status": status, "timeline": [*doc.get("timeline", []), entry]}


def _public_title(doc: Document) -> str:
    """Events go to every subscriber: a phone number typed into the title is masked."""
    return mask_text(doc["title"]) or doc["title"]


def display_name(doc: Document) -> str:
    return mask_name(doc["resident"]["name"]) or "*"


def submit(cmd: SubmitWish, *, wish_id: str, by: str | None, at: datetime) -> Change:
    doc: Document = {
        "_id": wish_id,
        "title": cmd.title,
        "description": cmd.description,
        "location": cmd.location.model_dump(),
        "resident": {"name": cmd.resident_name, "phone": cmd.resident_phone},
        "entered_by": by,
        "submitted_at": at,
        "status": "submitted",
        "claimant": None,
        "photo_refs": [],
        "hours": 0.0,
        "timeline": [],
    }
    doc = _step(doc, "submitted", "submit", by, at)
    event = WishSubmitted(
        wish_id=wish_id,
        community_id=cmd.location.community_id,
        title=_public_title(doc),
        entered_by=by,
    )
    return doc, [event]


def review(
    doc: Document, decision: str, reason: str | None, *, by: str | None, at: datetime
) -> Change:
    """Published: on the wall, masked. Rejected: needs a reason (told to whoever entered it);
    no event, since nobody outside the community follows a wish that never went public."""
    _guard(doc, "submitted", "reviewed")
    if decision == "reject":
        if not reason:
            msg = "a rejection needs a reason"
            raise Invalid(msg, [FieldError(loc=["reason"], msg=msg, type="missing")])
        new = _step(
            doc,
            "rejected",
            "reject",
            by,
            at,
            reason,
            reviewed_by=by,
            reviewed_at=at,
            reject_reason=reason,
        )
        return new, []
    new = _step(doc, "published", "publish", by, at, reason or "", reviewed_by=by, reviewed_at=at)
    event = WishPublished(
        wish_id=doc["_id"],
        community_id=doc["location"]["community_id"],
        title=_public_title(doc),
        display_name=display_name(doc),
    )
    return new, [event]


def claim(doc: Document, claimant: Claimant, *, by: str | None, at: datetime) -> Change:
    """One claimant: a wish already claimed is a conflict, whoever asks."""
    if doc["status"] == "claimed" and doc.get("claimant"):
        msg = f"wish {doc['_id']} is claimed already"
        raise Conflict(msg, [FieldError(loc=["wish_id"], msg=msg, type="claimed")])
    _guard(doc, "published", "claimed")
    new = _step(doc, "claimed", "claim", by, at, claimant=claimant.model_dump(), claimed_at=at)
    event = WishClaimed(
        wish_id=doc["_id"],
        community_id=doc["location"]["community_id"],
        claimant=claimant,
        title=_public_title(doc),
    )
    return new, [event]


def fulfil(
    doc: Document, photo_refs: list[str], note: str, *, by: str | None, at: datetime
) -> Change:
    _guard(doc, "claimed", "fulfilled")
    new = _step(
        doc, "fulfilled", "fulfil", by, at, note, photo_refs=list(photo_refs), fulfilled_at=at
    )
    event = WishFulfilled(
        wish_id=doc["_id"],
        community_id=doc["location"]["community_id"],
        claimant=Claimant.model_validate(doc["claimant"]),
        photo_refs=list(photo_refs),
    )
    return new, [event]


def confirm(doc: Document, hours: float, points: int, *, by: str | None, at: datetime) -> Change:
    """`points` go to a member claimant only; a partner unit has no time-bank account."""
    _guard(doc, "fulfilled", "confirmed")
    claimant = Claimant.model_validate(doc["claimant"])
    points = points if claimant.type == "member" else 0
    new = _step(
        doc,
        "confirmed",
        "confirm",
        by,
        at,
        confirmed_by=by,
        confirmed_at=at,
        hours=float(hours),
        points=points,
    )
    event = WishConfirmed(
        wish_id=doc["_id"],
        community_id=doc["location"]["community_id"],
        claimant=claimant,
        title=_public_title(doc),
        hours=hours,
        points=points,
        confirmed_by=by,
        confirmed_at=at,
    )
    return new, [event]
