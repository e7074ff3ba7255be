"""The data of a volunteer service proof (志愿服务证明), as the national rules list it: name,
ID type, volunteer number (never the ID number), hours and content in a period, issuing
organisation, person in charge, handler, contact, proof number and date."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.registry.domain.records import in_period, total_of

Document = dict[str, Any]


@dataclass(frozen=True)
class Issuer:
    organisation: str
    person_in_charge: str
    contact: str


def proof_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year}-{sequence:06d}"


def period_of(
    doc: Document, served_from: date | None, served_to: date | None, today: date
) -> tuple[date | None, date]:
    """An open start is the first entry's day; an open end is today."""
    if served_from is None:
        days = [r["served_on"] for r in doc.get("records", [])]
        served_from = date.fromisoformat(min(days)) if days else None
    return served_from, served_to or today


def proof_data(
    doc: Document,
    *,
    proof_no: str,
    served_from: date | None,
    served_to: date,
    issuer: Issuer,
    handler: str | None,
    issued_on: date,
) -> Document:
    entries = sorted(
        (r for r in doc.get("records", []) if in_period(r["served_on"], served_from, served_to)),
        key=lambda r: (r["served_on"], r["record_id"]),
    )
    return {
        "proof_no": proof_no,
        "member_id": doc["_id"],
        # In full: the proof is the volunteer's own document (the gateway decides who asks).
        "name": doc.get("name"),
        "id_type": doc.get("id_type"),
        "volunteer_no": doc.get("volunteer_no"),
        "period": {
            "served_from": served_from.isoformat() if served_from else None,
            "served_to": served_to.isoformat(),
        },
        "total_hours": total_of(entries),
        "entries": [
            {
                "served_on": r["served_on"],
                "content": r["content"],
                "hours": float(r["hours"]),
                "organiser": r.get("organiser"),
            }
            for r in entries
        ],
        "issuing_organisation": issuer.organisation,
        "person_in_charge": issuer.person_in_charge,
        "contact": issuer.contact,
        "handler": handler,
        "issued_on": issued_on.isoformat(),
    }
