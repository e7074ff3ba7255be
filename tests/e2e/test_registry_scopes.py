"""惠管家 and its six sub-squads through the running gateway and registry: a sub-squad
leader manages only their squad, the team's leader all six, the community admin every
team of the community, another community's admin nothing (404), and a subdistrict admin
sees the subdistrict's totals."""

import httpx
import pytest

from tests.e2e.conftest import Launch, new_account, sign_in_admin
from tests.e2e.registry_helpers import community, join, register, team

pytestmark = pytest.mark.e2e

SQUADS = ("助老", "维修", "环境", "文体", "调解", "宣传")


async def test_a_squad_leader_manages_only_their_squad_and_the_team_leader_all(
    launch: Launch,
) -> None:
    processes = [launch("registry"), launch("gateway")]
    for process in processes:
        await process.ready()
    gateway = processes[-1]
    admin = await sign_in_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        own, other = await community(http, admin, "景星"), await community(http, admin, "星港")
        _, owner = await new_account(
            http, admin, "景星社区书记", roles=["community_admin"], communities=[own]
        )
        _, stranger = await new_account(
            http, admin, "星港社区主任", roles=["community_admin"], communities=[other]
        )
        hgj = (await team(http, owner, "惠管家", community_id=own))["id"]
        squads = [(await team(http, owner, f"{n}分队", parent_id=hgj))["id"] for n in SQUADS]
        first, sibling = squads[0], squads[1]
        in_first = await register(http, owner, own, "张桂英", tags=["old_party_member"])
        in_sibling = await register(http, owner, own, "刘志强", tags=["party_member"])
        newcomer = await register(http, owner, own, "陈晓梅")
        await join(http, owner, first, in_first["id"], "leader")
        await join(http, owner, sibling, in_sibling["id"], "member")
        _, squad_leader = await new_account(
            http, admin, "助老分队长", roles=["team_leader"], teams=[first]
        )
        _, team_leader = await new_account(
            http, admin, "惠管家队长", roles=["team_leader"], teams=[hgj]
        )

        # The sub-squad leader: their squad, its members; nothing beside or above it.
        read = await http.get(f"/api/v1/teams/{first}", headers=squad_leader)
        assert read.status_code == 200, read.text
        assert read.json()["path"] == [hgj]
        renamed = await http.patch(
            f"/api/v1/teams/{first}", headers=squad_leader, json={"name": "助老服务分队"}
        )
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["name"] == "助老服务分队"
        added = await http.post(
            f"/api/v1/teams/{first}/members",
            headers=squad_leader,
            json={"member_id": newcomer["id"]},
        )
        assert added.status_code == 200, added.text
        members = (await http.get(f"/api/v1/teams/{first}", headers=squad_leader)).json()
        assert newcomer["id"] in {m["member_id"] for m in members["members"]}
        mine = await http.get(f"/api/v1/members/{in_first['id']}", headers=squad_leader)
        assert mine.status_code == 200, mine.text
        for path in (f"/api/v1/teams/{sibling}", f"/api/v1/teams/{hgj}"):
            assert (await http.get(path, headers=squad_leader)).status_code == 404, path
            changed = await http.patch(path, headers=squad_leader, json={"name": "改名"})
            assert changed.status_code == 404, path
            joined = await http.post(
                path + "/members", headers=squad_leader, json={"member_id": newcomer["id"]}
            )
            assert joined.status_code == 404, path
        theirs = await http.get(f"/api/v1/members/{in_sibling['id']}", headers=squad_leader)
        assert theirs.status_code == 404
        above = await http.post(
            "/api/v1/teams", headers=squad_leader, json={"name": "新分队", "parent_id": hgj}
        )
        assert above.status_code == 404

        # The team's leader: the team and all six squads, and everyone in them.
        whole = await http.get(f"/api/v1/teams/{hgj}", headers=team_leader)
        assert whole.status_code == 200, whole.text
        assert {s["id"] for s in whole.json()["subsquads"]} == set(squads)
        for squad in squads:
            answer = await http.get(f"/api/v1/teams/{squad}", headers=team_leader)
            assert answer.status_code == 200, (squad, answer.text)
        for member in (in_first, in_sibling):
            answer = await http.get(f"/api/v1/members/{member['id']}", headers=team_leader)
            assert answer.status_code == 200, answer.text

        # The community admin: every team of the community, as a tree.
        tree = await http.get("/api/v1/teams", params={"community_id": own}, headers=owner)
        assert tree.status_code == 200, tree.text
        [top] = [t for t in tree.json()["teams"] if t["id"] == hgj]
        assert {c["id"] for c in top["children"]} == set(squads)
        for squad in (hgj, *squads):
            answer = await http.get(f"/api/v1/teams/{squad}", headers=owner)
            assert answer.status_code == 200, answer.text

        # Another community's admin: nothing, and not even confirmation that it exists.
        for squad in (hgj, first):
            answer = await http.get(f"/api/v1/teams/{squad}", headers=stranger)
            assert answer.status_code == 404, answer.text
        hidden = await http.get(f"/api/v1/members/{in_first['id']}", headers=stranger)
        assert hidden.status_code == 404
        listed = await http.get("/api/v1/teams", params={"community_id": own}, headers=stranger)
        assert listed.status_code == 403
        stats = await http.get("/api/v1/registry/stats", params={"team_id": hgj}, headers=stranger)
        assert stats.status_code == 404

        # The subdistrict admin: the totals, and per community.
        totals = await http.get("/api/v1/registry/stats", headers=admin)
        assert totals.status_code == 200, totals.text
        assert totals.json()["totals"]["members"] == 3
        assert totals.json()["totals"]["by_tag"] == {"old_party_member": 1, "party_member": 1}
        per = {c["community_id"]: c["members"] for c in totals.json()["communities"]}
        assert per[own] == 3 and per[other] == 0
        team_stats = await http.get(
            "/api/v1/registry/stats", params={"community_id": own, "team_id": hgj}, headers=owner
        )
        assert team_stats.status_code == 200, team_stats.text
        assert team_stats.json()["totals"]["members"] == 3  # the squads' members count
        refused = await http.get("/api/v1/registry/stats", headers=owner)
        assert refused.status_code == 403, "a community admin names their community"
