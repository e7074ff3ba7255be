"""A neighbour dispute through the running gateway, registry and requests service: handled
by the building head (a volunteer account tied to that member), who sees the resident's
phone (audited as a reveal, reason "handler") and the mediation notes; their team leader,
who oversees but does not handle it, sees neither and cannot act on it; the volunteer sees
it among their assigned requests; closed as "not responsible", the reason shows on it."""

import httpx
import pytest

from tests.e2e.conftest import Launch
from tests.e2e.requests_world import ELDER_PHONE, make_world, until_known

pytestmark = pytest.mark.e2e

MEDIATION = "双方同意各让一步，楼上承担维修费"
WORKING = "已约双方周六上午在物业办公室见面"


async def test_a_dispute_handled_by_the_building_head_keeps_mediation_to_them(
    launch: Launch,
) -> None:
    processes = [launch("registry"), launch("requests"), launch("gateway")]
    for process in processes:
        await process.ready()
    async with httpx.AsyncClient(base_url=processes[-1].base_url, timeout=15) as http:
        w = await make_world(http, processes[-1])
        made = await http.post(
            "/api/v1/requests",
            headers=w.ca,
            json={
                "kind": "neighbour_dispute",
                "title": "楼上漏水到楼下，两家吵起来了",
                "location": {
                    "community_id": w.own,
                    "compound_id": w.compound,
                    "building_id": w.building,
                },
                "channel": "in_person",
                "resident_name": "王秀英",
                "resident_phone": ELDER_PHONE,
                "extra": {"dispute_type": "water_leak"},
            },
        )
        assert made.status_code == 201, made.text
        url = f"/api/v1/requests/{made.json()['id']}"
        assert (await http.post(url + "/accept", headers=w.ca)).status_code == 200

        # Before it is theirs, the building head does not see it.
        assert (await http.get(url, headers=w.head_account)).status_code == 404
        dispatched = await until_known(
            http,
            "POST",
            url + "/dispatch",
            w.ca,
            {"handler_type": "building_head", "handler_id": w.head},
        )
        assert dispatched.status_code == 200, dispatched.text
        assert dispatched.json()["handler"]["member_id"] == w.head

        # The handler works it and keeps mediation notes; their leader may not act on it.
        assert (await http.post(url + "/start", headers=w.leader)).status_code == 404
        started = await http.post(url + "/start", headers=w.head_account)
        assert started.status_code == 200, started.text
        for text, mediation in ((MEDIATION, True), (WORKING, False)):
            noted = await http.post(
                url + "/notes",
                headers=w.head_account,
                json={"text": text, "mediation": mediation},
            )
            assert noted.status_code == 200, noted.text
        helper_note = await http.post(url + "/notes", headers=w.helper_account, json={"text": "x"})
        assert helper_note.status_code == 404, helper_note.text

        # The handler sees the mediation notes and the phone (audited, reason "handler").
        own_view = await http.get(url, headers=w.head_account)
        assert own_view.status_code == 200, own_view.text
        assert own_view.headers["Cache-Control"] == "no-store"
        assert own_view.json()["resident"]["phone"] == ELDER_PHONE
        assert own_view.json()["resident"]["name"] == "王**"
        assert {n["text"] for n in own_view.json()["notes"]} == {MEDIATION, WORKING}
        audit = await http.get(
            "/api/v1/audit", headers=w.admin, params={"action": "reveal", "limit": 100}
        )
        assert audit.status_code == 200, audit.text
        [record] = [r for r in audit.json()["items"] if r["target"] == made.json()["id"]]
        assert record["reason"] == "handler" and record["detail"]["fields"] == ["phone"]

        # Their team leader oversees it: no mediation notes, no phone.
        overseen = await http.get(url, headers=w.leader)
        assert overseen.status_code == 200, overseen.text
        assert [n["text"] for n in overseen.json()["notes"]] == [WORKING]
        assert MEDIATION not in overseen.text and ELDER_PHONE not in overseen.text
        assert overseen.json()["resident"]["phone"] == "138****5678"
        # The community's admin sees the notes; the phone only by an audited reveal.
        admins = await http.get(url, headers=w.ca)
        assert {n["text"] for n in admins.json()["notes"]} == {MEDIATION, WORKING}
        assert admins.json()["resident"]["phone"] == "138****5678"

        # The volunteer sees their assigned requests (a listing carries no mediation notes:
        # the request itself shows them to whom it may); their leader sees the same.
        assigned_url = f"/api/v1/members/{w.head}/requests"
        mine = await http.get(assigned_url, headers=w.head_account)
        assert mine.status_code == 200, mine.text
        [item] = [i for i in mine.json()["items"] if i["id"] == made.json()["id"]]
        assert item["status"] == "in_progress" and MEDIATION not in mine.text
        assert ELDER_PHONE not in mine.text
        led = await http.get(assigned_url, headers=w.leader)
        assert led.status_code == 200, led.text
        assert made.json()["id"] in led.text and MEDIATION not in led.text
        helper_list = await http.get(assigned_url, headers=w.helper_account)
        assert helper_list.status_code == 404, helper_list.text
        stranger_list = await http.get(assigned_url, headers=w.stranger)
        assert stranger_list.status_code == 404, stranger_list.text

        # Another community's admin: 404 for the request and everything on it.
        for method, path in (("GET", url), ("POST", url + "/not-responsible")):
            hidden = await http.request(
                method, path, headers=w.stranger, json={"reason": "不归我们管"}
            )
            assert hidden.status_code == 404, (path, hidden.text)

        # Not the community's to handle: closed, the reason on the request.
        short = await http.post(url + "/not-responsible", headers=w.ca, json={"reason": "x"})
        assert short.status_code == 422
        assert [e["field"] for e in short.json()["errors"]] == ["reason"]
        closed = await http.post(
            url + "/not-responsible", headers=w.ca, json={"reason": "属于产权纠纷，请走司法途径"}
        )
        assert closed.status_code == 200, closed.text
        shown = (await http.get(url, headers=w.head_account)).json()
        assert (shown["status"], shown["closed_as"], shown["close_reason"]) == (
            "closed",
            "not_responsible",
            "属于产权纠纷，请走司法途径",
        )
        still_open = await http.get(assigned_url, headers=w.head_account)
        assert made.json()["id"] not in still_open.text  # open ones only, by default
        everything = await http.get(
            assigned_url, headers=w.head_account, params={"open_only": "false"}
        )
        assert made.json()["id"] in everything.text
