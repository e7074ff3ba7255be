"""The subdistrict's event stream and its dead-letter stream, created idempotently."""

import dataclasses

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.contracts.subjects import (
    PREFIX,
    advisories_stream,
    dead_letter_stream,
    events_filter,
    events_stream,
)

DUPLICATE_WINDOW_S = 120.0  # Nats-Msg-Id dedup window: longer than any relay retry burst
ADVISORY_RETENTION_S = 30 * 24 * 3600.0


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


def advisories_stream_config(subdistrict: str) -> StreamConfig:
    """JetStream's own notices that it stopped redelivering one of our events (kept, so
    none is lost while no replica listens; see shared/bus/max_deliveries.py)."""
    return StreamConfig(
        name=advisories_stream(subdistrict),
        subjects=[f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{events_stream(subdistrict)}.*"],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        max_age=ADVISORY_RETENTION_S,
        description=f"RedVest max-delivery advisories of subdistrict {subdistrict}",
    )


async def ensure_streams(js: JetStreamContext, subdistrict: str) -> None:
    """Create the streams if missing; safe to run from every replica at every start.

    An existing stream keeps what an operator set (retention limits, replicas, ...): only
    the settings the code relies on (subjects, duplicate window) are put right."""
    for config in (
        events_stream_config(subdistrict),
        dead_letter_stream_config(subdistrict),
        advisories_stream_config(subdistrict),
    ):
        assert config.name is not None
        try:
            current = (await js.stream_info(config.name)).config
        except NotFoundError:
            await js.add_stream(config)
            continue
        if (current.subjects, current.duplicate_window) != (
            config.subjects,
            config.duplicate_window,
        ):
            await js.update_stream(
                dataclasses.replace(
                    current, subjects=config.subjects, duplicate_window=config.duplicate_window
                )
            )
