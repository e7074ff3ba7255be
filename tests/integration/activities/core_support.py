"""Activities for the core tests (lifecycle, series, calendar, export, stats), and a way to
put sign-ups, attendance or a completion straight into an activity's document, as the
sign-ups part would write them (these tests are about the core, not about sign-ups)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.commands import activities as commands
from tests.integration.activities.conftest import Activities

# A Saturday, 09:00 in Shanghai: far enough ahead that every activity here is upcoming.
SATURDAY = datetime(2031, 3, 8, 1, 0, tzinfo=UTC)


def plan(**overrides: Any) -> commands.CreateActivity:
    fields: dict[str, Any] = {
        "title": "植物科普小课堂",
        "activity_type": "science_class",
        "community_id": "quanyun",
        "place": "泉韵社区活动室",
        "starts_at": SATURDAY,
        "ends_at": SATURDAY + timedelta(hours=2),
        "target_group": "children",
        "organiser_team_ids": ["wulaohong"],
        "roles": [
            {"role_id": "teacher", "name": "讲解老师", "head_count": 2},
            {"role_id": "helper", "name": "秩序维护", "head_count": 1},
        ],
        "participant_capacity": 20,
    }
    return commands.CreateActivity.model_validate({**fields, **overrides})


async def create(activities: Activities, **overrides: Any) -> dict[str, Any]:
    return dict(await activities.call(commands.CREATE_ACTIVITY, plan(**overrides)))


async def poke(
    activities: Activities, activity_id: str, change: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Change the stored activity as another part of the service would (a whole-document
    write through the aggregate store)."""

    def apply(doc: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        new = {**doc}
        change(new)
        return new, []

    return await activities.runtime.aggregates("activities").update(activity_id, apply)


def volunteer(member_id: str, role_id: str, seq: int, status: str = "confirmed") -> dict[str, Any]:
    return {
        "signup_id": f"s-{member_id}",
        "member_id": member_id,
        "role_id": role_id,
        "status": status,
        "seq": seq,
        "signed_up_at": SATURDAY - timedelta(days=3),
        "signed_up_by": f"user:{member_id}",
    }


def participant(
    n: int, seq: int, *, member_id: str | None = None, status: str = "confirmed", **more: Any
) -> dict[str, Any]:
    return {
        "signup_id": f"p-{n}",
        "member_id": member_id,
        "name": more.pop("name", f"居民{n}号"),
        "phone": more.pop("phone", None),
        "proxy": more.pop("proxy", False),
        "entered_by": more.pop("entered_by", None),
        "status": status,
        "seq": seq,
        "registered_at": SATURDAY - timedelta(days=2),
        **more,
    }


async def seed_member(activities: Activities, member_id: str, number: str, name: str) -> None:
    """A member as the members projection keeps them (masked name)."""
    await activities.runtime.db["members"].replace_one(
        {"_id": member_id},
        {"_id": member_id, "volunteer_no": number, "display_name": name, "status": "active"},
        upsert=True,
    )
