"""Deliveries: their store and indexes, the dispatcher's loop over the configured channels,
and the delivery log with its retry for admins."""

import asyncio
import logging
from weakref import WeakKeyDictionary

from services.notify import delivery_store
from services.notify.channels.base import Channel
from services.notify.channels.registry import build_channels
from services.notify.config import NotifySettings
from services.notify.delivery_log import DeliveryLog
from services.notify.dispatcher import Dispatcher
from shared.contracts.commands import notify as commands
from shared.runtime.service import ServiceRuntime

log = logging.getLogger(__name__)

# The dispatcher of each built runtime, for tests that drive its pass themselves.
_dispatchers: "WeakKeyDictionary[ServiceRuntime, Dispatcher]" = WeakKeyDictionary()


def dispatcher_of(runtime: ServiceRuntime) -> Dispatcher:
    return _dispatchers[runtime]


async def close_channels(channels: dict[str, Channel]) -> None:
    results = await asyncio.gather(
        *(channel.close() for channel in channels.values()), return_exceptions=True
    )
    for name, result in zip(channels, results, strict=True):
        if isinstance(result, BaseException):
            log.warning("channel %s did not close cleanly", name, exc_info=result)


def install(runtime: ServiceRuntime, settings: NotifySettings) -> None:
    store = delivery_store.store_of(runtime)
    # Built when the service starts (HTTP clients belong to its event loop), closed when
    # the dispatcher's loop stops.
    channels: dict[str, Channel] = {}
    dispatcher = Dispatcher(store, channels, settings, settings.subdistrict)
    _dispatchers[runtime] = dispatcher
    delivery_log = DeliveryLog(store)

    async def start() -> None:
        await delivery_store.create_indexes(store)
        channels.update(build_channels(settings))

    runtime.on_startup(start)
    runtime.background(lambda: dispatcher.run(on_stop=lambda: close_channels(channels)))
    runtime.command(commands.LIST_DELIVERIES, commands.ListDeliveries, delivery_log.list_deliveries)
    runtime.command(commands.RETRY_DELIVERY, commands.RetryDelivery, delivery_log.retry)
