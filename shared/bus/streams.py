"""The subdistrict's event stream and its dead-letter stream, created idempotently."""

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.contracts.subjects import (
    PREFIX,
    dead_letter_stream,
    events_filter,
    events_stream,
)

DUPLICATE_WINDOW_S = 120.0  # Nats-Msg-Id dedup window: longer than any relay retry burst


def events_stream_config(subdistrict: str) -> StreamConfig:
    return StreamConfig(
        name=events_stream(subdistrict),
        subjects=[events_filter(subdistrict)],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        duplicate_window=DUPLICATE_WINDOW_S,
        description=f"RedVest events of subdistrict {subdistrict}",
    )


def dead_letter_stream_config(subdistrict: str) -> StreamConfig:
    return StreamConfig(
        name=dead_letter_stream(subdistrict),
        subjects=[f"{PREFIX}.{subdistrict}.dlq.>"],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW_S,
        description=f"RedVest dead letters of subdistrict {subdistrict}",
    )


async def ensure_streams(js: JetStreamContext, subdistrict: str) -> None:
    """Create or update both streams; safe to run from every replica at every start."""
    for config in (events_stream_config(subdistrict), dead_letter_stream_config(subdistrict)):
        assert config.name is not None
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)
