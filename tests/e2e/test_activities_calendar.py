"""The activities' calendar, stats, bad input and the attendance export through the running
gateway, registry and activities service: each caller sees the calendar of their scope
(a volunteer any community's published activities), filters combine, bad input is a 422
naming the field, and every attendance export is in the audit log."""

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Launch, new_account, sign_in_admin
from tests.e2e.registry_helpers import community, register, team

pytestmark = pytest.mark.e2e


def plan(community_id: str, team_id: str, day: str, title: str, **fields: Any) -> dict[str, Any]:
    return {
        "title": title,
        "activity_type": "clean_up",
        "community_id": community_id,
        "place": "小区中心花园",
        "starts_at": f"{day}T09:00:00+08:00",
        "ends_at": f"{day}T11:00:00+08:00",
        "organiser_team_ids": [team_id],
        "roles": [{"role_id": "sweep", "name": "清扫", "head_count": 5}],
        **fields,
    }


def ids(answer: httpx.Response) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {item["activity_id"] for item in answer.json()["items"]}


def fields(answer: httpx.Response) -> set[str]:
    assert answer.status_code == 422, answer.text
    return {error["field"] for error in answer.json()["errors"]}


async def test_the_calendar_by_scope_and_filters_bad_input_and_an_audited_export(
    launch: Launch,
) -> None:
    processes = [launch("registry"), launch("activities"), launch("gateway")]
    for process in processes:
        await process.ready()
    gateway = processes[-1]
    admin = await sign_in_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=15) as http:
        own, other = await community(http, admin, "景星"), await community(http, admin, "星港")
        _, owner = await new_account(
            http, admin, "景星社区书记", roles=["community_admin"], communities=[own]
        )
        _, stranger = await new_account(
            http, admin, "星港社区主任", roles=["community_admin"], communities=[other]
        )
        hgj = (await team(http, owner, "惠管家", community_id=own))["id"]
        squad = (await team(http, owner, "环境分队", parent_id=hgj))["id"]
        theirs = (await team(http, stranger, "星港志愿队", community_id=other))["id"]
        _, squad_leader = await new_account(
            http, admin, "环境分队长", roles=["team_leader"], teams=[squad]
        )
        member = (await register(http, owner, own, "陈晓梅"))["id"]
        _, volunteer = await new_account(
            http, admin, "陈晓梅", roles=["volunteer"], member_id=member
        )

        async def create(headers: dict[str, str], body: dict[str, Any]) -> str:
            made = await http.post("/api/v1/activities", headers=headers, json=body)
            assert made.status_code == 201, made.text
            activity_id: str = made.json()["activity_id"]
            return activity_id

        may = await create(owner, plan(own, hgj, "2030-05-11", "五月清扫", publish=True))
        june = await create(squad_leader, plan(own, squad, "2030-06-08", "六月清扫"))
        elsewhere = await create(
            stranger, plan(other, theirs, "2030-05-12", "星港清扫", publish=True)
        )

        async def calendar(headers: dict[str, str], **query: str) -> httpx.Response:
            return await http.get("/api/v1/activities", params=query, headers=headers)

        # A community admin: their community's, every status; filters combine.
        assert ids(await calendar(owner, community_id=own)) == {may, june}
        assert ids(await calendar(owner, community_id=own, status="draft")) == {june}
        in_june = await calendar(
            owner,
            community_id=own,
            starts_from="2030-06-01T00:00:00+08:00",
            starts_to="2030-07-01T00:00:00+08:00",
        )
        assert ids(in_june) == {june}
        assert ids(await calendar(owner, team_id=hgj)) == {may, june}, "sub-squads' too"
        assert (await calendar(owner, community_id=other)).status_code == 403
        assert (await calendar(owner, community_id=own, team_id=theirs)).status_code == 404
        # A squad leader: their squad's, drafts included; not the team above.
        assert ids(await calendar(squad_leader, team_id=squad)) == {june}
        assert (await calendar(squad_leader, team_id=hgj)).status_code == 404
        # A volunteer: any community's, published (or completed) only.
        assert ids(await calendar(volunteer, community_id=own)) == {may}
        assert ids(await calendar(volunteer)) >= {may, elsewhere}
        assert june not in ids(await calendar(volunteer))
        drafts = await calendar(volunteer, community_id=own, status="draft")
        assert drafts.status_code == 403, drafts.text
        assert [e["field"] for e in drafts.json()["errors"]] == ["status"]
        assert (await http.get(f"/api/v1/activities/{june}", headers=volunteer)).status_code == 404
        # Another community's admin reaches none of ours.
        for activity_id in (may, june):
            hidden = await http.get(f"/api/v1/activities/{activity_id}", headers=stranger)
            assert hidden.status_code == 404, hidden.text

        # Stats of the community (the planned ones count once done: here only that it answers).
        stats = await http.get(
            "/api/v1/activities/stats", params={"community_id": own}, headers=owner
        )
        assert stats.status_code == 200, stats.text
        refused = await http.get(
            "/api/v1/activities/stats", params={"community_id": own}, headers=stranger
        )
        assert refused.status_code == 403

        # Bad input: a 422 naming the field, on several routes.
        no_end = plan(own, hgj, "2030-05-20", "缺结束时间")
        del no_end["ends_at"]
        assert "ends_at" in fields(
            await http.post("/api/v1/activities", headers=owner, json=no_end)
        )
        backwards = plan(own, hgj, "2030-05-20", "倒着的时间", ends_at="2030-05-20T08:00:00+08:00")
        assert "ends_at" in fields(
            await http.post("/api/v1/activities", headers=owner, json=backwards)
        )
        unknown_type = plan(own, hgj, "2030-05-20", "未知类型", activity_type="juggling")
        assert "activity_type" in fields(
            await http.post("/api/v1/activities", headers=owner, json=unknown_type)
        )
        assert "limit" in fields(await calendar(owner, community_id=own, limit="0"))
        assert "month_from" in fields(
            await http.get(
                "/api/v1/activities/stats",
                params={"community_id": own, "month_from": "2030-13"},
                headers=owner,
            )
        )
        assert "role_id" in fields(
            await http.post(
                f"/api/v1/activities/{may}/signups", headers=volunteer, json={"member_id": member}
            )
        )
        assert "reason" in fields(
            await http.post(f"/api/v1/activities/{may}/cancel", headers=owner, json={})
        )
        assert "code" in fields(
            await http.put(
                "/api/v1/activity-types/Bad-Code", headers=admin, json={"zh": "坏", "en": "Bad"}
            )
        )

        # The attendance export: a file, and an audit record of what was exported.
        exported = await http.get(f"/api/v1/activities/{may}/attendance.csv", headers=owner)
        assert exported.status_code == 200, exported.text
        assert exported.headers["content-type"].startswith("text/csv")
        assert exported.headers["content-disposition"].startswith("attachment; filename=")
        assert exported.headers["cache-control"] == "no-store"
        assert (
            await http.get(f"/api/v1/activities/{may}/attendance.xlsx", headers=stranger)
        ).status_code == 404
        assert (
            await http.get(f"/api/v1/activities/{may}/attendance.csv", headers=volunteer)
        ).status_code == 403
        audit = await http.get("/api/v1/audit", params={"action": "export"}, headers=admin)
        assert audit.status_code == 200, audit.text
        [record] = [e for e in audit.json()["items"] if e["target"] == may]
        assert record["detail"]["resource"] == "attendance"
        assert record["detail"]["format"] == "csv"
        assert record["detail"]["community_id"] == own
        assert record["actor_name"] == "景星社区书记"
