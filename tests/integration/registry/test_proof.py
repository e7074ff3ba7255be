"""Proof data (志愿服务证明): every field the national rules require, a unique number."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from shared.contracts.commands import registry as commands
from shared.contracts.rpc import Invalid
from tests.integration.registry.conftest import Registry
from tests.integration.registry.member_support import person_name, resident_id
from tests.integration.registry.record_support import credit, register

pytestmark = pytest.mark.integration

REQUIRED = {
    "proof_no",
    "name",
    "id_type",
    "volunteer_no",
    "period",
    "total_hours",
    "entries",
    "issuing_organisation",
    "person_in_charge",
    "contact",
    "handler",
    "issued_on",
}


async def test_a_proof_holds_every_required_field_and_a_unique_number(
    registry: Registry,
) -> None:
    member = await register(registry, 7)
    await credit(registry, member["id"], "p-1", 3, date(2025, 12, 20))
    await credit(registry, member["id"], "p-2", 2.5, date(2026, 1, 10))
    await credit(registry, member["id"], "p-3", 4, date(2026, 2, 5))
    body = commands.GetProof(
        member_id=member["id"], served_from=date(2026, 1, 1), served_to=date(2026, 2, 28)
    )
    proof = await registry.call(commands.GET_PROOF, body, name="王办事")
    assert REQUIRED <= proof.keys()
    assert all(proof[field] not in (None, "") for field in REQUIRED)
    assert proof["name"] == person_name(7) and proof["id_type"] == "resident_id"
    assert proof["volunteer_no"] == member["volunteer_no"]
    assert resident_id(7) not in str(proof)  # never the ID number
    assert proof["period"] == {"served_from": "2026-01-01", "served_to": "2026-02-28"}
    assert proof["total_hours"] == 6.5
    assert proof["entries"] == [
        {
            "served_on": "2026-01-10",
            "content": "纸质记录 p-2",
            "hours": 2.5,
            "organiser": "泉韵社区",
        },
        {
            "served_on": "2026-02-05",
            "content": "纸质记录 p-3",
            "hours": 4.0,
            "organiser": "泉韵社区",
        },
    ]
    settings = registry.settings
    assert proof["issuing_organisation"] == settings.proof_issuer
    assert proof["person_in_charge"] == settings.proof_person_in_charge
    assert proof["contact"] == settings.proof_contact
    assert proof["handler"] == "王办事"
    today = datetime.now(ZoneInfo(settings.time_zone)).date()
    assert proof["issued_on"] == today.isoformat()
    assert proof["proof_no"] == f"{settings.volunteer_no_prefix}-{today.year}-000001"

    again = await registry.call(commands.GET_PROOF, commands.GetProof(member_id=member["id"]))
    assert again["proof_no"] != proof["proof_no"]
    assert again["total_hours"] == 9.5 and again["period"]["served_from"] == "2025-12-20"
    issued = await registry.runtime.db["proofs"].find_one({"_id": proof["proof_no"]})
    assert issued is not None
    assert issued["member_id"] == member["id"] and issued["total_hours"] == 6.5
    assert issued["issued_by"] == "user:test-admin"

    with pytest.raises(Invalid) as backwards:
        await registry.call(
            commands.GET_PROOF,
            commands.GetProof(
                member_id=member["id"], served_from=date(2026, 2, 1), served_to=date(2026, 1, 1)
            ),
        )
    assert backwards.value.details[0].loc == ["served_to"]
