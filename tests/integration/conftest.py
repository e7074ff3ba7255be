"""Integration fixtures: JetStream streams of the test's own subdistrict."""

from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from shared.bus.streams import ensure_streams
from shared.contracts.subjects import advisories_stream, dead_letter_stream, events_stream


@pytest.fixture
async def js(nats_client: NatsClient, subdistrict: str) -> AsyncIterator[JetStreamContext]:
    context = nats_client.jetstream()
    await ensure_streams(context, subdistrict)
    yield context
    for stream in (
        events_stream(subdistrict),
        dead_letter_stream(subdistrict),
        advisories_stream(subdistrict),
    ):
        await context.delete_stream(stream)
