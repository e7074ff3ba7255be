"""What a member looks like when it leaves the registry: masked unless `reveal` names a field.

The gateway decides who may reveal and audits it; this only obeys. Never out: the ID cipher
and hash, the record entries, points, corrections and the store's own fields."""

from collections.abc import Collection, Sequence
from typing import Any

from services.registry.id_vault import IdVault
from shared.contracts.privacy import mask_name, mask_phone

Document = dict[str, Any]


def member_view(
    doc: Document,
    reveal: Collection[str] = (),
    teams: Sequence[Document] = (),
    vault: IdVault | None = None,
) -> dict[str, Any]:
    """`teams`: the member's current memberships (team_members.memberships_of). The ID
    number is decrypted only with `vault` given; without it, it stays masked (fail closed)."""
    id_number = doc.get("id_masked")
    if "id_number" in reveal and vault is not None:
        id_number = vault.decrypt(doc["id_cipher"])
    registered_at = doc.get("registered_at")
    return {
        "id": doc["_id"],
        "volunteer_no": doc["volunteer_no"],
        "name": doc["name"] if "name" in reveal else mask_name(doc["name"]),
        "id_type": doc["id_type"],
        "id_number": id_number,
        "phone": doc.get("phone") if "phone" in reveal else mask_phone(doc.get("phone")),
        "home": doc["home"],
        "skills": doc.get("skills", []),
        "availability": doc.get("availability", []),
        "tags": doc.get("tags", []),
        "status": doc["status"],
        "left": doc.get("left"),
        "merged_into": doc.get("merged_into"),
        "merged_from": doc.get("merged_from", []),
        "registered_at": registered_at.isoformat() if registered_at else None,
        "teams": list(teams),
        "total_hours": doc.get("total_hours", 0.0),
        "star_level": doc.get("star_level", 0),
        "star_pending": doc.get("star_pending", []),
        "points_balance": doc.get("points_balance", 0),
        "revision": doc.get("revision", 1),
    }
