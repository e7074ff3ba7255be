"""What every channel adapter is: one message out, or an error that says whether to retry."""

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Outgoing:
    """One rendered message for one recipient on one channel.

    `address` is the channel's own: a robot id, an e-mail address, a mobile number, a
    webhook id. `payload` is the notification as integrators see it (the webhook body)."""

    delivery_id: str
    channel: str
    address: str
    language: str
    title: str
    body: str
    priority: str
    cause_event_id: str
    cause_event_type: str
    payload: dict[str, Any] = field(default_factory=dict)


class ChannelError(Exception):
    """A send failed. `retryable=False` (a bad address, a refused key) goes dead at once."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Channel(Protocol):
    name: str
    # The most messages per minute to one rate key (None: no limit of its own).
    per_minute: int | None

    def rate_key(self, message: Outgoing) -> str:
        """What the limit counts per: a robot's id, or the channel as a whole."""
        ...

    async def send(self, message: Outgoing) -> None:
        """Deliver, or raise ChannelError."""
        ...

    async def close(self) -> None: ...
