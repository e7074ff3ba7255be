"""The clock of notify: quiet hours, digests and backoff. Tests move it
(`monkeypatch.setattr(clock, "now", ...)`): 08:00 after a 02:00 notice cannot be waited for."""

from datetime import UTC, datetime


def now() -> datetime:
    """UTC to the millisecond, as the store keeps it."""
    at = datetime.now(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
