"""What the organisation's and the teams' handlers share: events, clocks, errors."""

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.bus.rpc import CallContext
from shared.contracts.catalogue import EventData, new_event
from shared.contracts.envelope import CloudEvent
from shared.contracts.rpc import Conflict, FieldError, Invalid
from shared.store.aggregates import AggregateStore

Change = Callable[[dict[str, Any]], tuple[dict[str, Any], Sequence[CloudEvent]]]
# Rounds of the store's own retries. Joinings are independent changes to one team document,
# and a busy sign-up day has many at once: each must land, so a lost race is tried again.
ROUNDS_ON_RACE = 5


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


class _Refused(Exception):
    """Carries what `change` raised out of the store, told apart from a lost race."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


async def update_until_it_lands(
    store: AggregateStore, aggregate_id: str, change: Change
) -> dict[str, Any]:
    """`store.update` without an expected revision, tried again while other writers win the
    race; what `change` itself raises (a rule broken, nothing to change) goes straight out."""

    def guarded(doc: dict[str, Any]) -> tuple[dict[str, Any], Sequence[CloudEvent]]:
        try:
            return change(doc)
        except Exception as exc:
            raise _Refused(exc) from exc

    for round_ in range(ROUNDS_ON_RACE):
        try:
            return await store.update(aggregate_id, guarded)
        except _Refused as refused:
            raise refused.error from None
        except Conflict:
            if round_ == ROUNDS_ON_RACE - 1:
                raise
    raise AssertionError("unreachable")
