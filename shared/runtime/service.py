"""The process every back-end service runs: a FastStream NATS broker and an AsyncMongoClient,
started in a small ASGI app's lifespan that also answers health and metrics.

Start-up order: connect NATS -> ensure streams -> create indexes -> start outbox relays
(which sweep at once) -> start consumers. Shutdown (SIGTERM via uvicorn): stop fetching and
let in-flight handlers finish (bounded by graceful_timeout_s) -> flush the relays -> close.
"""

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import uvicorn
from fastapi import FastAPI
from faststream.nats import NatsBroker
from faststream.nats.subscriber.usecases.stream_pull_subscriber import PullStreamSubscriber
from pydantic import BaseModel

from shared.bus import rpc
from shared.bus.consumer import EventConsumer, EventHandler, consumer_kwargs, subscribe
from shared.bus.max_deliveries import watch_max_deliveries
from shared.bus.streams import ensure_streams
from shared.contracts.catalogue import EventData, catalogue
from shared.contracts.commands.health import PING, Ping
from shared.contracts.subjects import events_filter, rpc_subject
from shared.logging import configure_logging
from shared.runtime.health import health_routes
from shared.settings import ServiceSettings
from shared.store.aggregates import AggregateStore
from shared.store.client import make_client, ping, service_database
from shared.store.idempotency import ProcessedEvents
from shared.store.outbox import OutboxRelay

log = logging.getLogger(__name__)


StartupHook = Callable[[], Awaitable[None]]
BackgroundLoop = Callable[[], Coroutine[Any, Any, None]]


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.name = settings.service
        self.broker = NatsBroker(
            settings.nats_url,
            graceful_timeout=settings.graceful_timeout_s,
            name=f"redvest-{self.name}",
            # Reconnect for ever: FastStream's pull loop spins on a closed connection, so a
            # client that gave up after an outage would freeze the whole process.
            max_reconnect_attempts=-1,
            logger=logging.getLogger(f"faststream.{self.name}"),
        )
        self.mongo = make_client(settings.mongo_url)
        self.db = service_database(self.mongo, settings.subdistrict, self.name)
        self.processed = ProcessedEvents(
            self.db, retention=timedelta(days=settings.processed_retention_days)
        )
        self.relays: dict[str, OutboxRelay] = {}
        self.stores: dict[str, AggregateStore] = {}
        self.startup_hooks: list[StartupHook] = []
        # Loops a service runs beside its handlers (a scheduler), started last, stopped first.
        self.background_loops: list[BackgroundLoop] = []
        self.background_tasks: list[asyncio.Task[None]] = []
        self.consumers: list[EventConsumer] = []
        # Payload model per subscribed subject, for the AsyncAPI document: our handlers take
        # the raw message (to answer validation errors themselves), so FastStream cannot
        # infer it from their signatures.
        self.payloads: dict[str, list[type[BaseModel]]] = {}
        self.command(PING, Ping, self._ping)

    # -- what a service's bootstrap declares --------------------------------------------

    def aggregates(self, collection: str) -> AggregateStore:
        """A store for one aggregate type whose events the relay publishes."""
        if collection not in self.stores:
            self.stores[collection] = AggregateStore(
                self.db[collection], on_events=functools.partial(self._wake, collection)
            )
        return self.stores[collection]

    def command(
        self, command: str, model: type[BaseModel], handler: Callable[[Any, rpc.CallContext], Any]
    ) -> None:
        self.payloads[rpc_subject(self.settings.subdistrict, self.name, command)] = [model]
        rpc.serve(
            self.broker,
            subdistrict=self.settings.subdistrict,
            service=self.name,
            command=command,
            model=model,
            handler=handler,
            concurrency=self.settings.rpc_concurrency,
        )

    def consume(
        self, name: str, handlers: Mapping[type[EventData], EventHandler], subject: str = ""
    ) -> EventConsumer:
        """A durable consumer `<service>_<name>`; subject defaults to the one event type."""
        if not subject:
            specs = {m: s for s in catalogue().values() for m in [s.model] if m in handlers}
            subject = (
                next(iter(specs.values())).subject(self.settings.subdistrict)
                if len(specs) == 1
                else events_filter(self.settings.subdistrict)
            )
        consumer = EventConsumer(
            subdistrict=self.settings.subdistrict,
            name=f"{self.name}_{name}",
            handlers=handlers,
            processed=self.processed,
            broker=self.broker,
            **consumer_kwargs(self.settings),
        )
        subscribe(self.broker, consumer, subject)
        watch_max_deliveries(self.broker, self.settings.subdistrict, consumer.name, self.processed)
        self.consumers.append(consumer)
        self.payloads[subject] = [s.envelope for s in catalogue().values() if s.model in handlers]
        return consumer

    def on_startup(self, hook: StartupHook) -> None:
        self.startup_hooks.append(hook)

    def background(self, loop: BackgroundLoop) -> None:
        """Run `loop` (a coroutine that runs until cancelled, e.g. a scheduler) once the
        service serves; on SIGTERM it is cancelled before anything else stops. A loop must be
        restart-safe: a replica may be killed at any point of it."""
        self.background_loops.append(loop)

    def document_events(self, *models: type[EventData]) -> None:
        """Declare the events this service publishes, for its AsyncAPI document."""
        for spec in catalogue().values():
            if spec.model in models:
                self.broker.publisher(
                    spec.subject(self.settings.subdistrict),
                    title=spec.name,
                    description=spec.description,
                    schema=spec.envelope,
                )

    # -- lifecycle ------------------------------------------------------------------------

    async def _ping(self, _: "Ping", __: rpc.CallContext) -> dict[str, Any]:
        return {"service": self.name, "checks": await self.ready()}

    def _wake(self, collection: str, aggregate_id: str) -> None:
        relay = self.relays.get(collection)
        if relay is not None:
            relay.wake(aggregate_id)

    async def start(self) -> None:
        await self.broker.connect()
        js = self.broker.connection.jetstream()
        await ensure_streams(js, self.settings.subdistrict)
        await self.processed.create_indexes()
        for collection, store in self.stores.items():
            await store.create_indexes()
            relay = OutboxRelay(
                store.collection,
                js,
                self.settings.subdistrict,
                sweep_interval_s=self.settings.outbox_sweep_interval_s,
            )
            self.relays[collection] = relay
            relay.start()
        for hook in self.startup_hooks:
            await hook()
        await self.broker.start()
        # The server must have our subscriptions before readiness says we serve commands.
        await self.broker.connection.flush()
        self.background_tasks = [asyncio.create_task(loop()) for loop in self.background_loops]
        log.info("service started")

    async def stop(self) -> None:
        log.info("service stopping: finishing in-flight messages")
        for task in self.background_tasks:
            task.cancel()
        await asyncio.gather(*self.background_tasks, return_exceptions=True)
        # Pull loops first: stop asking for more, and let each finish what its last fetch
        # (at most one fetch timeout) brought. FastStream's own stop cancels that loop, and a
        # message fetched in that instant would sit unacknowledged until ack_wait.
        pulls = [s for s in self.broker.subscribers if isinstance(s, PullStreamSubscriber)]
        for subscriber in pulls:
            subscriber.running = False
        loops = [task for subscriber in pulls for task in subscriber.tasks]
        if loops:
            await asyncio.wait(loops, timeout=self.settings.graceful_timeout_s)
        # Then all at once: each waits for its in-flight handlers, and one after another the
        # waits would add up past the orchestrator's grace period.
        await asyncio.gather(*(s.stop() for s in self.broker.subscribers))
        for relay in self.relays.values():
            await relay.stop()
        await self.broker.stop()
        await self.mongo.close()
        log.info("service stopped")

    async def ready(self) -> dict[str, bool]:
        return {"nats": await self.broker.ping(timeout=1.0), "mongodb": await ping(self.mongo)}

    # -- the process ----------------------------------------------------------------------

    def app(self) -> FastAPI:
        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        app = FastAPI(title=f"RedVest {self.name}", lifespan=lifespan, docs_url=None)
        health_routes(app, self.ready)
        return app

    def run(self) -> None:
        configure_logging(self.name, self.settings.subdistrict, self.settings.log_level)
        uvicorn.run(
            self.app(),
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_config=None,
            timeout_graceful_shutdown=int(self.settings.graceful_timeout_s),
        )
