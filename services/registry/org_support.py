"""What the organisation's and the teams' handlers share: events, clocks, errors."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from shared.bus.rpc import CallContext
from shared.contracts.catalogue import EventData, new_event
from shared.contracts.envelope import CloudEvent
from shared.contracts.rpc import FieldError, Invalid


class Clock:
    def __init__(self, time_zone: str) -> None:
        self.zone = ZoneInfo(time_zone)

    def now(self) -> datetime:
        """To the millisecond, as the store keeps it: an answer and a later read agree."""
        at = datetime.now(UTC)
        return at.replace(microsecond=at.microsecond // 1000 * 1000)

    def today(self) -> date:
        """Today in the subdistrict, the default date of a joining or a leaving."""
        return datetime.now(self.zone).date()


class Emitter:
    def __init__(self, subdistrict: str) -> None:
        self.subdistrict = subdistrict

    def __call__(self, data: EventData, subject: str, ctx: CallContext) -> CloudEvent:
        return new_event(
            data,
            subdistrict=self.subdistrict,
            subject=subject,
            correlation_id=ctx.correlation_id,
            traceparent=ctx.traceparent,
        )


def raise_if(errors: Sequence[FieldError]) -> None:
    """One Invalid naming every wrong field at once."""
    if errors:
        raise Invalid("; ".join(f"{_loc(e)}: {e.msg}" for e in errors), list(errors))


def _loc(error: FieldError) -> str:
    return ".".join(str(part) for part in error.loc)
