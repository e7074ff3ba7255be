"""A leak through the running gateway, registry and requests service, as the community's
admin would work it: a volunteer enters it from the building's WeChat group for an elder,
the admin accepts it, dispatches it to the compound's property company, it is resolved, the
follow-up call finds the elder unsatisfied and reopens it, it is resolved again and the
elder is satisfied: closed. The timeline shows each step; another community's admin learns
nothing of it; bad input is a 422 naming the field."""

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Launch, new_account, sign_in_admin
from tests.e2e.requests_world import ELDER_PHONE, make_world, until_known

pytestmark = pytest.mark.e2e


def leak(community: str, compound: str, building: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": "repair",
        "title": "楼上漏水，天花板在滴水",
        "description": "王奶奶家卫生间天花板滴水，已经两天",
        "location": {"community_id": community, "compound_id": compound, "building_id": building},
        "channel": "wechat_group",
        "urgency": "urgent",
        "resident_name": "王秀英",
        "resident_phone": ELDER_PHONE,
        "extra": {"facility": "water_pipe", "indoor": True},
        **fields,
    }


async def test_a_leak_from_the_wechat_group_to_a_satisfied_follow_up(launch: Launch) -> None:
    processes = [
        launch("registry"),
        # The follow-up call comes "from the next day": a test cannot wait for tomorrow.
        launch("requests", FOLLOW_UP_FROM_NEXT_DAY="false"),
        launch("gateway"),
    ]
    for process in processes:
        await process.ready()
    async with httpx.AsyncClient(base_url=processes[-1].base_url, timeout=15) as http:
        w = await make_world(http, processes[-1])
        body = leak(w.own, w.compound, w.building)

        # Bad input names the field; an extra field the kind does not have is refused.
        for wrong, field in (
            ({"title": ""}, "title"),
            ({"resident_phone": "12345"}, "resident_phone"),
            ({"channel": "carrier_pigeon"}, "channel"),
            ({"extra": {"facility": "water_pipe", "colour": "red"}}, "extra.colour"),
            ({"extra": {"facility": "roof"}}, "extra.facility"),
        ):
            refused = await http.post(
                "/api/v1/requests", headers=w.helper_account, json={**body, **wrong}
            )
            assert refused.status_code == 422, (wrong, refused.text)
            fields = [e["field"] for e in refused.json()["errors"]]
            assert field in fields, (wrong, fields)

        # The volunteer enters it from the building's WeChat group, for the elder.
        made = await http.post("/api/v1/requests", headers=w.helper_account, json=body)
        assert made.status_code == 201, made.text
        request_id = made.json()["id"]
        url = f"/api/v1/requests/{request_id}"
        assert made.json()["entered_by"] == f"user:{w.helper_account_id}"
        assert made.json()["channel"] == "wechat_group"
        assert made.json()["resident"]["phone"] == "138****5678"
        assert made.json()["extra"] == {"facility": "water_pipe", "indoor": True}

        # Another community's admin learns nothing of it, whatever they try.
        for method, path, payload in (
            ("GET", url, None),
            ("POST", url + "/accept", None),
            ("POST", url + "/notes", {"text": "看看"}),
            ("GET", url + "/suggestions", None),
        ):
            hidden = await http.request(method, path, headers=w.stranger, json=payload)
            assert hidden.status_code == 404, (path, hidden.text)
        # The volunteer who entered it does not run it.
        assert (await http.post(url + "/accept", headers=w.helper_account)).status_code == 403

        board = await http.get(
            "/api/v1/requests",
            headers=w.ca,
            params={"community_id": w.own, "status": "submitted"},
        )
        assert board.status_code == 200, board.text
        assert request_id in [item["id"] for item in board.json()["items"]]

        # 受理, then 派单 to the compound's property company.
        accepted = await http.post(url + "/accept", headers=w.ca)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "accepted" and accepted.json()["deadline"]
        again = await http.post(url + "/accept", headers=w.ca)
        assert again.status_code == 409, again.text
        dispatched = await until_known(
            http,
            "POST",
            url + "/dispatch",
            w.ca,
            {
                "handler_type": "property_company",
                "handler_id": w.compound,
                "note": "请物业上门查看",
                "expected_revision": accepted.json()["revision"],
            },
        )
        assert dispatched.status_code == 200, dispatched.text
        assert dispatched.json()["handler"]["name"] == "海德物业"
        stale = await http.post(
            url + "/dispatch",
            headers=w.ca,
            json={
                "handler_type": "property_company",
                "handler_id": w.compound,
                "expected_revision": accepted.json()["revision"],
            },
        )
        assert stale.status_code == 409, stale.text

        # The property company works it (the admin records it for them), resolves it.
        started = await http.post(url + "/start", headers=w.ca)
        assert started.status_code == 200, started.text
        assert started.json()["status"] == "in_progress"
        resolved = await http.post(
            url + "/resolve", headers=w.ca, json={"notes": "更换了楼上的水管接头"}
        )
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["status"] == "resolved"

        # 回访: unsatisfied reopens it with the same handler.
        unhappy = await http.post(
            url + "/follow-up",
            headers=w.ca,
            json={"satisfaction": "unsatisfied", "comment": "还在滴水"},
        )
        assert unhappy.status_code == 200, unhappy.text
        assert unhappy.json()["status"] == "in_progress" and unhappy.json()["reopened"] == 1
        assert unhappy.json()["handler"]["id"] == w.compound
        bad = await http.post(url + "/follow-up", headers=w.ca, json={"satisfaction": "meh"})
        assert bad.status_code == 422
        assert [e["field"] for e in bad.json()["errors"]] == ["satisfaction"]

        resolved = await http.post(
            url + "/resolve", headers=w.ca, json={"notes": "重新做了防水", "hours_spent": 2}
        )
        assert resolved.status_code == 200, resolved.text
        closed = await http.post(
            url + "/follow-up", headers=w.ca, json={"satisfaction": "satisfied"}
        )
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "closed" and closed.json()["closed_as"] == "closed"

        # The timeline shows each step, in order, and who took it.
        shown = await http.get(url, headers=w.ca)
        assert shown.status_code == 200, shown.text
        steps = [(e["action"], e["status"]) for e in shown.json()["timeline"]]
        expected = [
            ("accepted", "accepted"),
            ("dispatched", "dispatched"),
            ("started", "in_progress"),
            ("resolved", "resolved"),
            ("followed_up", "in_progress"),
            ("resolved", "resolved"),
            ("followed_up", "closed"),
        ]
        assert steps[-len(expected) :] == expected, steps
        assert all(e["by"] and e["by"].startswith("user:") for e in shown.json()["timeline"][-7:])
        assert shown.json()["resident"]["phone"] == "138****5678"  # masked for the admin too

        # A closed request is done with: nothing more moves it.
        late = await http.post(url + "/cancel", headers=w.helper_account, json={})
        assert late.status_code == 409, late.text


async def test_the_kinds_catalogue_and_open311_agree(launch: Launch) -> None:
    processes = [launch("requests"), launch("gateway")]
    for process in processes:
        await process.ready()
    async with httpx.AsyncClient(base_url=processes[-1].base_url, timeout=15) as http:
        admin = await sign_in_admin(processes[-1])
        _, volunteer = await new_account(http, admin, "志愿者", roles=["volunteer"], member_id="m1")
        kinds = await http.get("/api/v1/request-kinds", headers=volunteer)
        assert kinds.status_code == 200, kinds.text
        by_code = {k["code"]: k for k in kinds.json()["items"]}
        assert {"emergency", "repair", "neighbour_dispute", "complaint"} <= set(by_code)
        assert by_code["repair"]["time_limit"]["working_days"]

        # Only the subdistrict defines kinds; a new one is an Open311 service at once.
        kind = {
            "zh": "高空抛物",
            "en": "Things thrown from height",
            "group": "environment",
            "time_limit": {"working_days": 2},
            "extra_fields": [
                {"code": "floor", "zh": "楼层", "en": "Floor", "type": "number", "required": True}
            ],
        }
        refused = await http.put("/api/v1/request-kinds/throwing", headers=volunteer, json=kind)
        assert refused.status_code == 403
        defined = await http.put("/api/v1/request-kinds/throwing", headers=admin, json=kind)
        assert defined.status_code == 200, defined.text
        wrong = await http.put(
            "/api/v1/request-kinds/throwing", headers=admin, json={**kind, "group": "gossip"}
        )
        assert wrong.status_code == 422
        assert [e["field"] for e in wrong.json()["errors"]] == ["group"]

        definition = await http.get(
            "/open311/v2/services/throwing.json", headers={**admin, "Accept-Language": "en"}
        )
        assert definition.status_code == 200, definition.text
        floor = definition.json()["attributes"][3]
        assert (floor["code"], floor["datatype"], floor["required"], floor["description"]) == (
            "floor",
            "number",
            True,
            "Floor",
        )
        posted = await http.post(
            "/open311/v2/requests.json",
            headers=admin,
            data={
                "service_code": "throwing",
                "attribute[community_id]": "c-open311",
                "attribute[floor]": "12",
                "description": "12楼有人往下扔东西",
            },
        )
        assert posted.status_code == 201, posted.text
        request_id = posted.json()[0]["service_request_id"]
        shown = await http.get(f"/api/v1/requests/{request_id}", headers=admin)
        assert shown.json()["extra"] == {"floor": 12.0}
        missing = await http.post(
            "/open311/v2/requests.json",
            headers=admin,
            data={"service_code": "throwing", "attribute[community_id]": "c-open311"},
        )
        assert missing.status_code == 400
        assert "attribute[floor]" in missing.json()[0]["description"]
