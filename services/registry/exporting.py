"""Roster export: the import's columns plus volunteer number, status, hours and star level,
names instead of ids (a roster is read by people), phone and ID numbers masked unless
revealed."""

from typing import Any

from services.registry.id_vault import IdVault
from services.registry.importing import Directory
from services.registry.roster import AVAILABILITY, ID_TYPES, STATUSES, TAGS
from shared.contracts.privacy import mask_phone

Document = dict[str, Any]
SEPARATOR = "、"


def roster_row(doc: Document, directory: Directory, vault: IdVault, reveal: bool) -> dict[str, str]:
    home = doc.get("home") or {}

    def unit_name(unit_id: str | None) -> str:
        if not unit_id:
            return ""
        unit = directory.units.get(unit_id)
        return str(unit["name"]) if unit else unit_id

    phone = doc.get("phone") or ""
    hours = float(doc.get("total_hours", 0.0))
    return {
        "volunteer_no": doc["volunteer_no"],
        "name": doc["name"],
        "id_type": ID_TYPES.get(doc["id_type"], doc["id_type"]),
        "id_number": vault.decrypt(doc["id_cipher"]) if reveal else doc.get("id_masked", ""),
        "phone": phone if reveal else mask_phone(phone) or "",
        "community": unit_name(home.get("community_id")),
        "compound": unit_name(home.get("compound_id")),
        "building": unit_name(home.get("building_id")),
        "unit": home.get("unit") or "",
        "skills": SEPARATOR.join(directory.skills.get(s) or s for s in doc.get("skills", [])),
        "availability": SEPARATOR.join(AVAILABILITY.get(a, a) for a in doc.get("availability", [])),
        "tags": SEPARATOR.join(TAGS.get(t, t) for t in doc.get("tags", [])),
        "status": STATUSES.get(doc["status"], doc["status"]),
        "total_hours": f"{hours:g}",
        "star_level": str(doc.get("star_level", 0)),
    }
