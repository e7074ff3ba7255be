"""The dispatcher: every `dispatch_interval_s`, due pending deliveries go out on their
channels, within each channel's rate limit, and their outcome is written with its event.

A pass (`tick(now)`):
1. find pending deliveries due by `now`, oldest first, at most `dispatch_batch`;
2. claim each with a guarded write (token + expiry; two replicas: one wins, the other
   re-reads and leaves it), so each delivery is sent by one sender;
3. combine a member's digest deliveries per channel into one message;
4. per rate key (a robot, a channel), in order: reserve a slot (none: back in the queue
   until one frees), send, write the outcome — sent + NotificationSent, failed and pending
   again after a backoff, or dead + NotificationFailed. Different keys go concurrently.
A sender that dies mid-pass leaves claims that expire after `claim_timeout_s`: the delivery
goes out later (at least once, never lost). On stop, a pass under way finishes its sends."""

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING

from services.notify import clock, rate_slots
from services.notify.channels.base import Channel, ChannelError, Outgoing
from services.notify.config import NotifySettings
from services.notify.delivery_store import utc
from services.notify.domain import delivery_states as states
from services.notify.domain import digest
from services.notify.domain.backoff import next_delay
from services.notify.domain.masking import mask_free_text
from shared.contracts.catalogue import EventData, new_event
from shared.contracts.envelope import CloudEvent
from shared.contracts.rpc import Conflict, NotFound
from shared.store.aggregates import AggregateStore, Document

log = logging.getLogger(__name__)

# How long a stopping service waits for sends under way, beyond their own timeout.
STOP_GRACE_S = 5.0


@dataclass
class Unit:
    """One message on one channel: one delivery, or a member's digest of several."""

    deliveries: list[Document]
    message: Outgoing
    channel: Channel | None  # None: the channel is not configured any more


def outgoing(doc: Document) -> Outgoing:
    return Outgoing(
        delivery_id=doc["_id"],
        channel=doc["channel"],
        address=doc["address"],
        language=doc["language"],
        title=doc["title"],
        body=doc["body"],
        priority=doc["priority"],
        cause_event_id=doc["cause_event_id"],
        cause_event_type=doc["cause_event_type"],
        payload=doc.get("payload") or {},
    )


def digest_message(docs: Sequence[Document]) -> Outgoing:
    """A member's digest deliveries on one channel as one message, in their language."""
    first = docs[0]
    language = first["language"]
    title, body = digest.render([digest.Item(d["title"], d["body"]) for d in docs], language)
    return Outgoing(
        delivery_id=f"digest:{first['_id']}",
        channel=first["channel"],
        address=docs[-1]["address"],
        language=language,
        title=title,
        body=body,
        priority=first["priority"],
        cause_event_id=first["cause_event_id"],
        cause_event_type=first["cause_event_type"],
        payload={"digest": [d.get("payload") or {} for d in docs]},
    )


def _deferral(
    token: str, until: datetime
) -> Callable[[Document], tuple[Document, EventData | None]]:
    return lambda doc: (states.defer(doc, token, until), None)


class Dispatcher:
    def __init__(
        self,
        store: AggregateStore,
        channels: dict[str, Channel],
        settings: NotifySettings,
        subdistrict: str,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.channels = channels
        self.settings = settings
        self.subdistrict = subdistrict
        self.slots = rate_slots.RateSlots(store.collection.database[rate_slots.COLLECTION])
        self.rng = rng or random.Random()

    # -- one pass ---------------------------------------------------------------------------

    async def tick(self, now: datetime) -> int:
        """One pass at `now`: the number of deliveries tried (sent, failed or dead)."""
        now = utc(now)
        due = self.store.collection.find(
            {"status": "pending", "due_at": {"$lte": now}},
            {"_id": 1},
            sort=[("due_at", ASCENDING), ("created_at", ASCENDING)],
            limit=self.settings.dispatch_batch,
        )
        ids = [doc["_id"] async for doc in due]
        if not ids:
            return 0
        token = uuid.uuid4().hex
        claimed = await asyncio.gather(*(self._claim(i, now, token) for i in ids))
        units = self._units([doc for doc in claimed if doc is not None])
        queues: dict[tuple[str, str], list[Unit]] = {}
        for unit in units:
            queues.setdefault(self._rate_key(unit), []).append(unit)
        outcomes = await asyncio.gather(
            *(self._send_in_order(queue, now, token) for queue in queues.values()),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                # Their claims expire and a later pass sends what this one could not settle.
                log.error("a rate key's queue failed", exc_info=outcome)
        return sum(n for n in outcomes if isinstance(n, int))

    async def _claim(self, delivery_id: str, now: datetime, token: str) -> Document | None:
        until = now + timedelta(seconds=self.settings.claim_timeout_s)
        try:
            return await self.store.update(
                delivery_id, lambda doc: (states.claim(doc, now, until, token), [])
            )
        except (states.NotClaimable, NotFound):
            return None
        except Conflict:  # lost every race for it: others are on it, or the next pass is
            return None

    def _units(self, docs: list[Document]) -> list[Unit]:
        """Single deliveries as they are; digest ones combined per (recipient, channel)."""
        units: list[Unit] = []
        digests: dict[tuple[str, str], list[Document]] = {}
        for doc in docs:
            if doc["digest"]:
                digests.setdefault((doc["recipient"], doc["channel"]), []).append(doc)
            else:
                units.append(Unit([doc], outgoing(doc), self.channels.get(doc["channel"])))
        for (_, channel), group in digests.items():
            units.append(Unit(group, digest_message(group), self.channels.get(channel)))
        return units

    @staticmethod
    def _rate_key(unit: Unit) -> tuple[str, str]:
        if unit.channel is None:
            return (unit.message.channel, "")
        return (unit.message.channel, unit.channel.rate_key(unit.message))

    async def _send_in_order(self, queue: list[Unit], now: datetime, token: str) -> int:
        """One rate key's messages, in order. Once no slot is left, the rest wait for the
        time one frees (within a pass `now` stands still, so the key stays full)."""
        tried = 0
        free_at: datetime | None = None
        for unit in queue:
            if free_at is None:
                free_at = await self._reserve(unit, now)
            if free_at is not None:
                await self._write_each(unit, token, _deferral(token, free_at))
                continue
            await self._send(unit, now, token)
            tried += len(unit.deliveries)
        return tried

    async def _reserve(self, unit: Unit, now: datetime) -> datetime | None:
        channel = unit.channel
        if channel is None or channel.per_minute is None:
            return None
        return await self.slots.reserve(channel.rate_key(unit.message), channel.per_minute, now)

    async def _send(self, unit: Unit, now: datetime, token: str) -> None:
        if unit.channel is None:
            error = f"channel {unit.message.channel} is not configured"
            await self._failed(unit, now, token, error, retryable=False)
            return
        timeout = self.settings.send_timeout_s
        try:
            await asyncio.wait_for(unit.channel.send(unit.message), timeout)
        except ChannelError as exc:
            await self._failed(unit, now, token, str(exc), retryable=exc.retryable)
        except TimeoutError:
            await self._failed(unit, now, token, f"no answer within {timeout:g} s", retryable=True)
        except Exception as exc:  # a fault in an adapter: retried, and logged for a fix
            log.exception("channel %s failed unexpectedly", unit.message.channel)
            await self._failed(unit, now, token, f"{type(exc).__name__}: {exc}", retryable=True)
        else:
            await self._write_each(unit, token, lambda d: states.sent(d, token, now))

    async def _failed(
        self, unit: Unit, now: datetime, token: str, error: str, *, retryable: bool
    ) -> None:
        # A digest's deliveries wait the same time, so they stay together for the next try.
        attempts = max(d["attempts"] for d in unit.deliveries) + 1
        delay = next_delay(
            attempts, self.settings.backoff_base_s, self.settings.backoff_max_s, self.rng
        )
        retry_at = utc(now + timedelta(seconds=delay))
        log.warning(
            "send failed",
            extra={
                "delivery_ids": [d["_id"] for d in unit.deliveries],
                "error": mask_free_text(error),
            },
        )
        await self._write_each(
            unit,
            token,
            lambda d: states.failed(
                d,
                token,
                now,
                error,
                retryable=retryable,
                max_attempts=self.settings.max_attempts,
                retry_at=retry_at,
            ),
        )

    async def _write_each(
        self,
        unit: Unit,
        token: str,
        change: Callable[[Document], tuple[Document, EventData | None]],
    ) -> None:
        """The outcome on each delivery of the unit, each with its event, in one write."""
        for doc in unit.deliveries:
            try:
                await self.store.update(
                    doc["_id"], lambda current: self._with_event(change(current))
                )
            except states.ClaimLost:
                log.warning(
                    "claim lost: another sender took over", extra={"delivery_id": doc["_id"]}
                )

    def _with_event(
        self, outcome: tuple[Document, EventData | None]
    ) -> tuple[Document, list[CloudEvent]]:
        doc, data = outcome
        if data is None:
            return doc, []
        event = new_event(
            data,
            subdistrict=self.subdistrict,
            subject=doc["_id"],
            causation_id=doc["cause_event_id"],
        )
        return doc, [event]

    # -- the loop ---------------------------------------------------------------------------

    async def run(self, on_stop: Callable[[], Awaitable[Any]] | None = None) -> None:
        """Pass after pass until cancelled; a pass under way finishes its sends first (or
        its claims expire), then `on_stop` (closing the channels) runs."""
        try:
            while True:
                await self._one_pass()
                await asyncio.sleep(self.settings.dispatch_interval_s)
        finally:
            if on_stop is not None:
                await on_stop()

    async def _one_pass(self) -> None:
        task = asyncio.create_task(self.tick(clock.now()))
        try:
            handled = await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait({task}, timeout=self.settings.send_timeout_s + STOP_GRACE_S)
            raise
        except Exception:
            log.exception("dispatch pass failed; the next pass tries again")
            return
        if handled:
            log.info("deliveries tried", extra={"count": handled})
