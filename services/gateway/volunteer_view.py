"""What a volunteer sees of an activity they do not organise (GET_ACTIVITY's answer reduced).

Every volunteer may read a published or completed activity, so what they see must suit
every volunteer: the activity itself, how full each role is with the confirmed and
waitlisted volunteers by their masked names only, the participants as counts (residents,
often elders, are nobody else's business), and their own sign-ups and attendance in full.
Fields are listed, not removed: one the service adds later stays hidden until it is listed
here (fail closed)."""

from typing import Any, Final

Document = dict[str, Any]

ACTIVITY_FIELDS: Final = (
    "activity_id",
    "title",
    "activity_type",
    "status",
    "community_id",
    "compound_id",
    "place",
    "starts_at",
    "ends_at",
    "target_group",
    "organiser_team_ids",
    "partner_unit_ids",
    "description",
    "participant_capacity",
    "series_id",
    "occurrence",
    "volunteers_needed",
    "volunteers_confirmed",
    "participants_confirmed",
    "published_at",
    "revision",
)
ROLE_FIELDS: Final = ("role_id", "name", "head_count", "required_skill", "confirmed_count")
# Someone else's place on a role, as every volunteer may see it.
OTHERS_FIELDS: Final = ("display_name", "status", "waitlist_position")


def volunteer_view(activity: Document, member_id: str | None) -> Document:
    view: Document = {k: activity[k] for k in ACTIVITY_FIELDS if k in activity}
    view["roles"] = [_role(role, member_id) for role in _dicts(activity.get("roles"))]
    participants = activity.get("participants")
    participants = participants if isinstance(participants, dict) else {}
    entries = [*_dicts(participants.get("confirmed")), *_dicts(participants.get("waitlist"))]
    view["participants"] = {
        "capacity": participants.get("capacity"),
        "confirmed_count": len(_dicts(participants.get("confirmed"))),
        "waitlist_count": len(_dicts(participants.get("waitlist"))),
        "mine": [e for e in entries if _is(e, member_id)],
    }
    view["attendance"] = [a for a in _dicts(activity.get("attendance")) if _is(a, member_id)]
    return view


def _role(role: Document, member_id: str | None) -> Document:
    shown: Document = {k: role[k] for k in ROLE_FIELDS if k in role}
    for place in ("confirmed", "waitlist"):
        shown[place] = [_place(e, member_id) for e in _dicts(role.get(place))]
    return shown


def _place(entry: Document, member_id: str | None) -> Document:
    if _is(entry, member_id):
        return {**entry, "mine": True}
    return {k: entry[k] for k in OTHERS_FIELDS if k in entry}


def _is(entry: Document, member_id: str | None) -> bool:
    return member_id is not None and entry.get("member_id") == member_id


def _dicts(value: Any) -> list[Document]:
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []
