"""An activity from plan to credited hours through the running gateway, registry and
activities service: a team leader plans and publishes it for their team, a volunteer signs
themselves up (and nobody else), checks in with the code, the leader approves the hours and
completes it, and the volunteer's service record in the registry shows the hours once."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Launch, new_account, sign_in_admin
from tests.e2e.registry_helpers import community, join, register, team
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

# Sign-ups close when the activity starts and completion opens then: the steps before the
# start take a few seconds on a loaded machine, the test waits for the start after them.
LEAD = timedelta(seconds=12)


def plan(community_id: str, team_id: str, starts_at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "title": "小小植物学家",
        "activity_type": "science_class",
        "community_id": community_id,
        "place": "社区活动室",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=2)).isoformat(),
        "target_group": "children",
        "organiser_team_ids": [team_id],
        "roles": [{"role_id": "teacher", "name": "讲解员", "head_count": 2}],
        "participant_capacity": 20,
        **fields,
    }


async def test_a_volunteer_signs_up_checks_in_and_their_hours_reach_the_registry_once(
    launch: Launch,
) -> None:
    processes = [launch("registry"), launch("activities"), launch("gateway")]
    for process in processes:
        await process.ready()
    gateway = processes[-1]
    admin = await sign_in_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=15) as http:
        own, other = await community(http, admin, "景星"), await community(http, admin, "星港")
        _, stranger = await new_account(
            http, admin, "星港社区主任", roles=["community_admin"], communities=[other]
        )
        hgj = (await team(http, admin, "惠管家", community_id=own))["id"]
        volunteer_member = (await register(http, admin, own, "张桂英"))["id"]
        teammate = (await register(http, admin, own, "刘志强"))["id"]
        for member in (volunteer_member, teammate):
            await join(http, admin, hgj, member, "member")
        _, leader = await new_account(http, admin, "惠管家队长", roles=["team_leader"], teams=[hgj])
        _, volunteer = await new_account(
            http, admin, "张桂英", roles=["volunteer"], member_id=volunteer_member
        )

        # The leader plans it for their team, then publishes it.
        starts_at = datetime.now(UTC) + LEAD
        made = await http.post("/api/v1/activities", headers=leader, json=plan(own, hgj, starts_at))
        assert made.status_code == 201, made.text
        activity_id = made.json()["activity_id"]
        url = f"/api/v1/activities/{activity_id}"
        assert (await http.get(url, headers=volunteer)).status_code == 404, "a draft is hidden"
        published = await http.post(url + "/publish", headers=leader)
        assert published.status_code == 200, published.text
        assert published.json()["status"] == "published"

        # Another community's admin learns nothing of it.
        hidden = (("GET", url), ("POST", url + "/publish"), ("GET", url + "/check-in-code"))
        for method, path in hidden:
            answer = await http.request(method, path, headers=stranger)
            assert answer.status_code == 404, (path, answer.text)

        # The volunteer signs up themselves (once the activities service knows the member
        # from the registry's events), never someone else.
        async def sign_up(member: str) -> httpx.Response:
            return await http.post(
                url + "/signups",
                headers=volunteer,
                json={"member_id": member, "role_id": "teacher"},
            )

        signed = await eventually(
            lambda: sign_up(volunteer_member),
            lambda r: r.status_code != 422,
            what="the activities service to know the member",
        )
        assert signed.status_code == 201, signed.text
        assert signed.json()["status"] == "confirmed"
        refused = await sign_up(teammate)
        assert refused.status_code == 403, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["member_id"]

        # What the volunteer sees: their own place in full, nobody else's ids.
        seen = await http.get(url, headers=volunteer)
        assert seen.status_code == 200, seen.text
        [role] = seen.json()["roles"]
        [mine] = role["confirmed"]
        assert mine["mine"] is True and mine["member_id"] == volunteer_member
        assert "check_in_code" not in seen.text and "created_by" not in seen.json()

        # Check-in with the code the leader shows on site; a wrong code is refused.
        code = await http.get(url + "/check-in-code", headers=leader)
        assert code.status_code == 200, code.text
        assert (await http.get(url + "/check-in-code", headers=volunteer)).status_code == 403
        check_in = url + "/check-in"
        wrong = await http.post(
            check_in, headers=volunteer, json={"member_id": volunteer_member, "code": "000000x"}
        )
        assert wrong.status_code == 422, wrong.text
        assert [e["field"] for e in wrong.json()["errors"]] == ["code"]
        no_code = await http.post(check_in, headers=volunteer, json={"member_id": volunteer_member})
        assert no_code.status_code == 422, no_code.text
        assert [e["field"] for e in no_code.json()["errors"]] == ["code"]
        checked = await http.post(
            check_in,
            headers=volunteer,
            json={"member_id": volunteer_member, "code": code.json()["code"]},
        )
        assert checked.status_code == 200, checked.text

        # Once it has started the leader approves the hours and completes it.
        async def approve() -> httpx.Response:
            return await http.post(
                url + "/hours/approvals",
                headers=leader,
                json={"approvals": [{"member_id": volunteer_member, "hours": 2}]},
            )

        approved = await eventually(
            approve, lambda r: r.status_code != 409, within=60, what="the activity to start"
        )
        assert approved.status_code == 200, approved.text
        completed = await http.post(
            url + "/complete",
            headers=leader,
            json={"summary": "孩子们认识了二十种植物", "participant_count": 18},
        )
        assert completed.status_code == 200, completed.text
        assert completed.json()["status"] == "completed"
        again = await http.post(url + "/complete", headers=leader, json={"summary": "再来一次"})
        assert again.status_code == 409, again.text

        # The registry credits the hours, once.
        async def record() -> dict[str, Any]:
            answer = await http.get(f"/api/v1/members/{volunteer_member}/record", headers=volunteer)
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()
            return found

        credited = await eventually(
            record, lambda r: r["total_hours"] > 0, within=30, what="the hours to be credited"
        )
        assert credited["total_hours"] == 2.0
        assert [e["source_id"] for e in credited["entries"]] == [activity_id]
        teammate_record = await http.get(f"/api/v1/members/{teammate}/record", headers=admin)
        assert teammate_record.json()["total_hours"] == 0.0

        # The volunteer's past activities list it (once the service's clock has passed its
        # start, which may be a moment after ours); a completed activity stays readable.
        async def past() -> httpx.Response:
            return await http.get(
                f"/api/v1/members/{volunteer_member}/activities",
                params={"when": "past"},
                headers=volunteer,
            )

        listed = await eventually(
            past, lambda r: activity_id in r.text, what="the activity among the past ones"
        )
        [line] = listed.json()["items"]
        assert line["mine"]["approved_hours"] == 2.0
        assert (await http.get(url, headers=volunteer)).status_code == 200
