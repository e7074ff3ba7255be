"""What the activities part's handlers share: events, the clock, errors, JSON answers."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from shared.bus.rpc import CallContext
from shared.contracts.catalogue import EventData, new_event
from shared.contracts.envelope import CloudEvent
from shared.contracts.rpc import FieldError, Invalid


class Clock:
    """Now, to the millisecond as the store keeps it. Tests drive the scheduler with their
    own `now` instead of changing this."""

    def now(self) -> datetime:
        at = datetime.now(UTC)
        return at.replace(microsecond=at.microsecond // 1000 * 1000)


class Emitter:
    def __init__(self, subdistrict: str) -> None:
        self.subdistrict = subdistrict

    def __call__(self, data: EventData, subject: str, ctx: CallContext | None) -> CloudEvent:
        """`ctx` None: the scheduler's own doing, a new correlation."""
        return new_event(
            data,
            subdistrict=self.subdistrict,
            subject=subject,
            correlation_id=ctx.correlation_id if ctx else None,
            traceparent=ctx.traceparent if ctx else None,
        )


def raise_if(errors: Sequence[FieldError]) -> None:
    """One Invalid naming every wrong field at once."""
    if errors:
        text = "; ".join(".".join(str(p) for p in e.loc) + f": {e.msg}" for e in errors)
        raise Invalid(text, list(errors))


def invalid(loc: str, msg: str, kind: str) -> Invalid:
    return Invalid(msg, [FieldError(loc=[loc], msg=msg, type=kind)])


def jsonable(value: Any) -> Any:
    """Datetimes as ISO text (the store gives them back tz-aware); the rest as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
