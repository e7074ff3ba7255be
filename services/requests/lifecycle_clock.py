"""The clock of a request's lifecycle. Tests move it
(`monkeypatch.setattr(lifecycle_clock, "now", ...)`): a return a day later, a follow-up the
next day, an extension after the deadline cannot be waited for."""

from datetime import UTC, datetime


def now() -> datetime:
    """UTC to the millisecond, as the store keeps it: an answer and a later read agree."""
    at = datetime.now(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
