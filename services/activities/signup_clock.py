"""The clock of sign-ups, attendance and completion. Tests move it
(`monkeypatch.setattr(signup_clock, "now", ...)`): check-in, check-out and completion happen
hours after the sign-ups, and a test cannot wait that long."""

from datetime import UTC, datetime


def now() -> datetime:
    """UTC to the millisecond, as the store keeps it: an answer and a later read agree."""
    at = datetime.now(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
