"""Time-bank points (时间银行积分): deposits from hours served, withdrawals when points are
exchanged, corrections. Every movement is an entry holding the balance after it, so a
statement's opening balance plus its movements is always its closing balance."""

from datetime import date, datetime, tzinfo
from typing import Any, Literal

from shared.contracts.catalogue import EventData
from shared.contracts.events.registry import PointsChanged
from shared.contracts.rpc import Conflict, FieldError

Document = dict[str, Any]
Kind = Literal["deposit", "withdrawal", "correction"]


def move(
    doc: Document,
    *,
    kind: Kind,
    delta: int,
    reason: str,
    reference: str | None,
    entry_id: str,
    at: datetime,
    floor_at_zero: bool = False,
) -> tuple[Document, PointsChanged]:
    """Apply one movement. A balance never goes below zero: a withdrawal that would is a
    conflict; a correction (`floor_at_zero`) takes what is there and says so in its reason,
    because the points it would take back may already have been exchanged."""
    balance = int(doc.get("points_balance", 0))
    if balance + delta < 0:
        if not floor_at_zero:
            msg = f"not enough points: the balance is {balance}"
            raise Conflict(msg, [FieldError(loc=["points"], msg=msg, type="insufficient")])
        reason = f"{reason}（应扣 {-delta}，余额仅 {balance}，扣至 0）"
        delta = -balance
    entry = {
        "entry_id": entry_id,
        "at": at,
        "kind": kind,
        "delta": delta,
        "balance": balance + delta,
        "reason": reason,
        "reference": reference,
    }
    new = {**doc, "points": [*doc.get("points", []), entry], "points_balance": balance + delta}
    event = PointsChanged(
        member_id=doc["_id"],
        entry_id=entry_id,
        kind=kind,
        delta=delta,
        balance=balance + delta,
        reason=reason,
    )
    return new, event


def withdrawal_for(doc: Document, reference: str) -> Document | None:
    """The withdrawal already made for an exchange's reference, if any."""
    return next(
        (
            e
            for e in doc.get("points", [])
            if e["kind"] == "withdrawal" and e.get("reference") == reference
        ),
        None,
    )


def redeem(
    doc: Document, *, points: int, reason: str, reference: str, entry_id: str, at: datetime
) -> tuple[Document, list[EventData]]:
    """Withdraw points for an exchange, once per reference (a retry changes nothing)."""
    if withdrawal_for(doc, reference) is not None:
        return doc, []
    new, event = move(
        doc,
        kind="withdrawal",
        delta=-points,
        reason=reason,
        reference=reference,
        entry_id=entry_id,
        at=at,
    )
    return new, [event]


def statement(doc: Document, from_date: date | None, to_date: date | None, tz: tzinfo) -> Document:
    """Entries dated (in the subdistrict's time zone) within the range, with the balance
    after each; the opening balance is the one before the first day, the closing one after
    the last."""
    # In the order written: each entry's balance follows from the one before it.
    entries = doc.get("points", [])
    opening = 0
    closing = 0
    shown = []
    for entry in entries:
        day = entry["at"].astimezone(tz).date()
        if from_date is not None and day < from_date:
            opening = closing = int(entry["balance"])
            continue
        if to_date is not None and day > to_date:
            break  # written later than the range: nothing after it is in it
        closing = int(entry["balance"])
        shown.append(
            {
                "entry_id": entry["entry_id"],
                "at": entry["at"].isoformat(),
                "date": day.isoformat(),
                "kind": entry["kind"],
                "delta": int(entry["delta"]),
                "balance": closing,
                "reason": entry["reason"],
                "reference": entry.get("reference"),
            }
        )
    return {
        "member_id": doc["_id"],
        "from_date": from_date.isoformat() if from_date else None,
        "to_date": to_date.isoformat() if to_date else None,
        "opening_balance": opening,
        "entries": shown,
        "deposits": sum(e["delta"] for e in shown if e["delta"] > 0),
        "withdrawals": -sum(e["delta"] for e in shown if e["delta"] < 0),
        "closing_balance": closing,
    }
