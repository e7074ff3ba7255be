"""A micro-wish (微心愿) through the running gateway, registry and requests service: a
volunteer collects it from an elder, the community's admin publishes it, the wall shows it
with the elder masked, one volunteer claims it (a second claim is a 409), fulfils it, the
volunteer who entered it confirms it for the elder, and the claimant's hours reach their
service record in the registry once."""

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Launch, new_account
from tests.e2e.registry_helpers import register
from tests.e2e.requests_world import ELDER_PHONE, make_world
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


async def test_a_wish_from_the_elder_to_the_claimants_credit(launch: Launch) -> None:
    processes = [launch("registry"), launch("requests"), launch("gateway")]
    for process in processes:
        await process.ready()
    async with httpx.AsyncClient(base_url=processes[-1].base_url, timeout=15) as http:
        w = await make_world(http, processes[-1])
        claimant = (await register(http, w.admin, w.own, "赵明"))["id"]
        _, claimant_account = await new_account(
            http, w.admin, "赵明", roles=["volunteer"], member_id=claimant
        )
        late = (await register(http, w.admin, w.own, "钱多多"))["id"]
        _, late_account = await new_account(
            http, w.admin, "钱多多", roles=["volunteer"], member_id=late
        )

        # The helper collects it from the elder; bad input names the field.
        body = {
            "title": "想要一台能听戏的收音机",
            "description": "老伴走后一个人住，喜欢听黄梅戏",
            "location": {"community_id": w.own, "building_id": w.building},
            "resident_name": "王秀英",
            "resident_phone": ELDER_PHONE,
        }
        wrong = await http.post(
            "/api/v1/wishes", headers=w.helper_account, json={**body, "resident_phone": "1"}
        )
        assert wrong.status_code == 422
        assert [e["field"] for e in wrong.json()["errors"]] == ["resident_phone"]
        made = await http.post("/api/v1/wishes", headers=w.helper_account, json=body)
        assert made.status_code == 201, made.text
        wish_id = made.json()["id"]
        url = f"/api/v1/wishes/{wish_id}"
        assert "王秀英" not in made.text and ELDER_PHONE not in made.text

        # Until it is published it is the community admins' only.
        assert (await http.get(url, headers=claimant_account)).status_code == 404
        early = await http.post(
            url + "/claim",
            headers=claimant_account,
            json={"claimant_type": "member", "claimant_id": claimant},
        )
        assert early.status_code == 404, early.text
        pending = await http.get(
            "/api/v1/wishes", headers=w.ca, params={"community_id": w.own, "status": "submitted"}
        )
        assert wish_id in [i["id"] for i in pending.json()["items"]]
        stranger = await http.post(
            url + "/review", headers=w.stranger, json={"decision": "publish"}
        )
        assert stranger.status_code == 404
        published = await http.post(url + "/review", headers=w.ca, json={"decision": "publish"})
        assert published.status_code == 200, published.text
        assert published.json()["status"] == "published"

        # The wall: every signed-in user, the elder masked.
        async def wall() -> httpx.Response:
            return await http.get(
                "/api/v1/wishes", headers=late_account, params={"community_id": w.own}
            )

        shown = await wall()
        assert shown.status_code == 200, shown.text
        [on_wall] = [i for i in shown.json()["items"] if i["id"] == wish_id]
        assert on_wall["resident"]["name"] == "王**"
        assert "王秀英" not in shown.text and ELDER_PHONE not in shown.text

        # One claimant: the volunteer claims as themselves; a second claim is a 409.
        for_another = await http.post(
            url + "/claim",
            headers=late_account,
            json={"claimant_type": "member", "claimant_id": claimant},
        )
        assert for_another.status_code == 403, for_another.text
        claimed = await http.post(
            url + "/claim",
            headers=claimant_account,
            json={"claimant_type": "member", "claimant_id": claimant},
        )
        assert claimed.status_code == 200, claimed.text
        second = await http.post(
            url + "/claim",
            headers=late_account,
            json={"claimant_type": "member", "claimant_id": late},
        )
        assert second.status_code == 409, second.text

        # Only the claimant fulfils; the helper who entered it confirms for the elder.
        photo = {"photo_refs": ["wishes/radio.jpg"], "note": "送到王奶奶家"}
        assert (await http.post(url + "/fulfil", headers=late_account, json=photo)).status_code == (
            404
        )
        fulfilled = await http.post(url + "/fulfil", headers=claimant_account, json=photo)
        assert fulfilled.status_code == 200, fulfilled.text
        self_credit = await http.post(url + "/confirm", headers=claimant_account, json={"hours": 2})
        assert self_credit.status_code == 404, self_credit.text
        confirmed = await http.post(url + "/confirm", headers=w.helper_account, json={"hours": 2})
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["status"] == "confirmed"
        again = await http.post(url + "/confirm", headers=w.helper_account, json={"hours": 2})
        assert again.status_code == 409, again.text

        # The claimant's record shows the hours, once.
        async def record() -> dict[str, Any]:
            answer = await http.get(f"/api/v1/members/{claimant}/record", headers=claimant_account)
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()
            return found

        credited = await eventually(
            record, lambda r: r["total_hours"] > 0, within=30, what="the claimant's credit"
        )
        assert credited["total_hours"] == 2.0
        assert [e["source_id"] for e in credited["entries"]] == [wish_id]
