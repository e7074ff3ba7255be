"""Remove what a benchmark run created: it matters on servers given by the environment."""

import contextlib
from collections.abc import Iterable

import nats

from shared.contracts.subjects import (
    advisories_stream,
    database_name,
    dead_letter_stream,
    events_stream,
)
from shared.store.client import make_client


async def drop_subdistrict(
    nats_url: str, mongo_url: str, subdistrict: str, services: Iterable[str]
) -> None:
    """Delete the subdistrict's streams and the named services' databases; best effort."""
    with contextlib.suppress(Exception):
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            streams = (events_stream, dead_letter_stream, advisories_stream)
            for stream in (name(subdistrict) for name in streams):
                with contextlib.suppress(Exception):
                    await js.delete_stream(stream)
        finally:
            await nc.close()
    mongo = make_client(mongo_url)
    try:
        for service in services:
            with contextlib.suppress(Exception):
                await mongo.drop_database(database_name(subdistrict, service))
    finally:
        await mongo.close()
