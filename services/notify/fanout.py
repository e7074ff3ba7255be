"""From an event to notifications: a durable consumer per service (notify_registry,
notify_activities, notify_requests, and notify_notices for notify's own NoticePosted) takes
its events in stream order. For each it brings the projections up to date, then, if the
event type's rule is enabled:

1. resolves the rule's audiences into recipients and the group scopes it touches
   (domain/audiences.py), adding the volunteer of a resident reached by proxy;
2. renders the rule's templates in both languages (once per language, or per recipient when
   they name the recipient);
3. writes each recipient's inbox notification with its NotificationSent in the same insert,
   and a delivery per other channel they chose (when due: schedule.plan), one per robot whose
   scopes the notice touches and one per webhook that wants the event type.

Every id is deterministic (event, recipient, channel) and a second insert is refused, so
however often the event arrives, each recipient hears once per channel. Notify's own
NotificationSent/NotificationFailed are not taken, so nothing ever notifies about notifying."""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.notify import clock, delivery_store, notice_handlers, rule_handlers
from services.notify.channels import registry as channel_registry
from services.notify.channels import webhook
from services.notify.config import NotifySettings
from services.notify.domain import audiences, message_context, preferences, recipients, rules
from services.notify.domain.audiences import Facts, Subject
from services.notify.domain.delivery import Delivery, delivery_id
from services.notify.domain.inbox import Message, Notification, notification_id
from services.notify.domain.preferences import Effective, Preferences
from services.notify.domain.recipients import Recipient
from services.notify.domain.rules import Rule
from services.notify.domain.schedule import plan
from services.notify.domain.templates import TemplateError, render
from services.notify.projections import Projections
from shared.bus.consumer import EventContext
from shared.contracts.catalogue import catalogue, new_event
from shared.contracts.events.notify import NoticePosted, NotificationSent
from shared.contracts.rpc import Conflict
from shared.contracts.subjects import events_filter
from shared.runtime.service import ServiceRuntime
from shared.store.aggregates import AggregateStore

log = logging.getLogger(__name__)

# Whose events are fanned out (besides notify's own NoticePosted).
FANNED_SERVICES = ("registry", "activities", "requests")
LANGUAGES = ("zh-CN", "en")
# Group channels speak Chinese: a robot's group and an integrator's feed.
GROUP_LANGUAGE = "zh-CN"


@dataclass(frozen=True)
class Cause:
    """The event being fanned out, as every write of it names it."""

    ctx: EventContext
    name: str
    priority: str
    community_id: str | None
    now: datetime

    @property
    def event_id(self) -> str:
        return self.ctx.envelope.id


class Messages:
    """The rule's texts rendered: once per language, or per recipient (and language) when the
    templates name the recipient (`recipient_name`, `proxy_for`): a community-wide notice
    reaches hundreds."""

    def __init__(self, rule: Rule, variables: dict[str, Any], tz: str) -> None:
        self.rule, self.variables, self.tz = rule, variables, tz
        texts = [rule.zh.title, rule.zh.body, rule.en.title, rule.en.body]
        self.personal = message_context.uses_recipient(texts)
        self._done: dict[tuple[str, str, str], Message] = {}

    def render(self, language: str, who: Mapping[str, str]) -> Message:
        key = (
            (language, who["recipient_name"], who["proxy_for"])
            if self.personal
            else (language, "", "")
        )
        if key not in self._done:
            text = self.rule.zh if language == "zh-CN" else self.rule.en
            variables = {**self.variables, **who} if self.personal else self.variables
            self._done[key] = Message(
                title=render(text.title, variables, self.tz),
                body=render(text.body, variables, self.tz),
            )
        return self._done[key]


class Fanout:
    def __init__(self, runtime: ServiceRuntime, settings: NotifySettings) -> None:
        self.settings = settings
        self.projections = Projections(runtime.db)
        self.rules = rule_handlers.RuleBook(runtime.db)
        self.notifications = runtime.aggregates("notifications")
        self.deliveries: AggregateStore = delivery_store.store_of(runtime)
        self.configured = channel_registry.configured(settings)
        self.default_quiet = (settings.quiet_start, settings.quiet_end)

    async def handle(self, ctx: EventContext) -> None:
        await self.projections.apply(ctx)
        name = catalogue()[ctx.envelope.type].name
        if name in rules.NEVER_NOTIFIED:
            return
        if rules.outdated(name, ctx.data.model_dump(mode="json"), clock.now()):
            log.info("outdated: nobody told", extra={"event_type": name})
            return
        rule = await self.rules.get(name)
        if rule is None or not rule.enabled:
            return
        try:
            await self.fan_out(ctx, name, rule)
        except TemplateError as exc:
            # Saved templates are checked; one that still fails (an event's field missing)
            # falls back to the built-in text rather than leaving everyone untold.
            default = rules.DEFAULT_RULES.get(name)
            log.error("template failed", extra={"event_type": name, "error": str(exc)})
            if default is None or default == rule:
                raise
            await self.fan_out(ctx, name, default)

    async def fan_out(self, ctx: EventContext, name: str, rule: Rule) -> None:
        data: dict[str, Any] = ctx.data.model_dump(mode="json")
        subject = await self.projections.subject(data)
        wanted = audiences.lookups(rule.audiences, data, subject)
        facts = await self.projections.facts(wanted)
        audience = audiences.resolve(rule.audiences, data, subject, facts)
        prefs = await self.projections.preferences.many(
            r.member_id for r in audience.recipients if r.member_id
        )
        via = {m: p.via_member_id for m, p in prefs.items() if p.via_member_id}
        told = audiences.with_proxies(audience.recipients, via)
        community = audiences.community_of(data, subject)
        cause = Cause(ctx, name, rules.priority_of(rule, data), community, clock.now())
        messages = Messages(
            rule, await self._variables(cause, data, subject), self.settings.time_zone
        )
        names = await self._names(told, facts, messages.personal)
        for recipient in told:
            await self._tell(cause, rule, recipient, prefs, messages, names)
        await self._robots(cause, rule, audience.scopes, messages)
        await self._webhooks(cause, rule, messages)
        log.info(
            "event fanned out",
            extra={"event_type": name, "recipients": len(told), "scopes": sorted(audience.scopes)},
        )

    # -- what the templates read ---------------------------------------------------------

    async def _variables(
        self, cause: Cause, data: dict[str, Any], subject: Subject
    ) -> dict[str, Any]:
        community = (
            await self.projections.org_unit(cause.community_id) if cause.community_id else None
        )
        team_name = _str((data.get("team") or {}).get("name"))
        team_id = _str(data.get("team_id"))
        if team_name is None and team_id:
            team_name = _str((await self.projections.team(team_id) or {}).get("name"))
        return message_context.event_context(
            data,
            subject,
            subdistrict=self.settings.subdistrict,
            occurred_at=cause.ctx.envelope.time,
            tz=self.settings.time_zone,
            community_name=_str((community or {}).get("name")) or cause.community_id,
            team_name=team_name,
        )

    async def _names(
        self, told: Sequence[Recipient], facts: Facts, personal: bool
    ) -> dict[str, str]:
        """Members' masked names, for the templates that name them and for 【代收】 titles."""
        wanted = {r.proxy_for for r in told if r.proxy_for}
        if personal:
            wanted |= {r.member_id for r in told if r.member_id}
        known = {m: doc for m, doc in facts.members.items() if m in wanted}
        known.update(await self.projections.members(wanted - known.keys()))
        return {m: str(doc.get("display_name") or "") for m, doc in known.items()}

    # -- writing -------------------------------------------------------------------------

    async def _tell(
        self,
        cause: Cause,
        rule: Rule,
        recipient: Recipient,
        prefs: Mapping[str, Preferences],
        messages: Messages,
        names: Mapping[str, str],
    ) -> None:
        said = {lang: _say(messages, recipient, lang, names) for lang in LANGUAGES}
        if recipient.member_id is None or recipient.proxy_for:
            # Desks, accounts and a volunteer told for a resident: the inbox only.
            if "inbox" in rule.channels:
                await self._inbox(cause, recipient, said)
            return
        member_prefs = prefs.get(recipient.member_id)
        chosen = preferences.effective(
            member_prefs, rule.channels, self.configured, self.default_quiet
        )
        if "inbox" in chosen.channels:
            await self._inbox(cause, recipient, said)
        for channel in chosen.channels:
            address = preferences.address_for(member_prefs, channel)
            if channel != "inbox" and address:
                message = said["en" if chosen.language == "en" else "zh-CN"]
                await self._deliver(cause, recipient, channel, address, chosen, message)

    async def _inbox(self, cause: Cause, recipient: Recipient, said: Mapping[str, Message]) -> None:
        item = Notification(
            id=notification_id(cause.event_id, recipient.address),
            audience=recipient.address,
            community_id=recipient.community_id,
            priority=cause.priority,
            cause_event_id=cause.event_id,
            cause_event_type=cause.ctx.envelope.type,
            zh=said["zh-CN"],
            en=said["en"],
            proxy_for=recipient.proxy_for,
            created_at=cause.now,
        )
        sent = NotificationSent(
            notification_id=item.id,
            channel="inbox",
            audience=item.audience,
            cause_event_id=cause.event_id,
            cause_event_type=cause.ctx.envelope.type,
            sent_at=cause.now,
        )
        envelope = cause.ctx.envelope
        event = new_event(
            sent,
            subdistrict=self.settings.subdistrict,
            subject=item.id,
            correlation_id=envelope.correlationid,
            causation_id=envelope.id,
            traceparent=envelope.traceparent,
        )
        doc = {"_id": item.id, **item.model_dump(exclude={"id"})}
        try:
            await self.notifications.insert(doc, [event])
        except Conflict:
            pass  # the same event again: told already

    async def _deliver(
        self,
        cause: Cause,
        recipient: Recipient,
        channel: str,
        address: str,
        chosen: Effective,
        message: Message,
        payload: dict[str, Any] | None = None,
    ) -> None:
        due_at, digest = plan(cause.now, cause.priority, chosen, self.settings)
        delivery = Delivery(
            id=delivery_id(cause.event_id, recipient.address, channel),
            cause_event_id=cause.event_id,
            cause_event_type=cause.ctx.envelope.type,
            recipient=recipient.address,
            community_id=recipient.community_id,
            channel=channel,
            address=address,
            language=chosen.language,
            priority=cause.priority,
            title=message.title,
            body=message.body,
            payload=payload or {},
            due_at=due_at,
            digest=digest,
            created_at=cause.now,
        )
        await delivery_store.enqueue(self.deliveries, delivery)

    async def _robots(
        self, cause: Cause, rule: Rule, scopes: frozenset[str], messages: Messages
    ) -> None:
        """Each robot whose group the notice concerns posts it once. Groups keep the
        subdistrict's default quiet hours: nobody's phone should buzz at 2 a.m."""
        if "wecom_robot" not in rule.channels or "wecom_robot" not in self.configured:
            return
        quiet = Effective(
            channels=["wecom_robot"],
            language=GROUP_LANGUAGE,
            quiet_start=self.default_quiet[0],
            quiet_end=self.default_quiet[1],
            digest=False,
        )
        for robot in self.settings.wecom_robots:
            if scopes & set(robot.scopes):
                group = Recipient(recipients.robot(robot.id), cause.community_id)
                message = _say(messages, group, GROUP_LANGUAGE, {})
                await self._deliver(cause, group, "wecom_robot", robot.id, quiet, message)

    async def _webhooks(self, cause: Cause, rule: Rule, messages: Messages) -> None:
        """Each integrator's endpoint that wants the event type gets it once, at once (a
        machine has no quiet hours)."""
        if "webhook" not in rule.channels or "webhook" not in self.configured:
            return
        any_hour = Effective(
            channels=["webhook"],
            language=GROUP_LANGUAGE,
            quiet_start=None,
            quiet_end=None,
            digest=False,
        )
        for hook in self.settings.webhooks:
            if hook.event_types and cause.name not in hook.event_types:
                continue
            integrator = Recipient(recipients.webhook(hook.id), cause.community_id)
            address = integrator.address
            message = _say(messages, integrator, GROUP_LANGUAGE, {})
            payload = webhook.payload(
                delivery_id=delivery_id(cause.event_id, address, "webhook"),
                event_id=cause.event_id,
                event_type=cause.name,
                subdistrict=self.settings.subdistrict,
                community_id=cause.community_id,
                recipient=address,
                priority=cause.priority,
                title=message.title,
                body=message.body,
                language=GROUP_LANGUAGE,
                occurred_at=cause.ctx.envelope.time,
            )
            await self._deliver(cause, integrator, "webhook", hook.id, any_hour, message, payload)


def _say(
    messages: Messages, recipient: Recipient, language: str, names: Mapping[str, str]
) -> Message:
    """The message for one recipient in one language; on a resident's behalf, so marked."""
    who = message_context.recipient_context(recipient, language, names)
    message = messages.render(language, who)
    if recipient.proxy_for:
        title = message_context.proxy_title(message.title, who["proxy_for"], language)
        return Message(title=title, body=message.body)
    return message


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def install(runtime: ServiceRuntime, settings: NotifySettings) -> None:
    fanout = Fanout(runtime, settings)
    # A consumer per service, each in its stream order: an emergency request is never queued
    # behind a 500-row roster import. Facts from the registry (homes, teams, preferences) are
    # as fresh as the registry's consumer has got. Notify's own NotificationSent/Failed are
    # not taken at all; its NoticePosted has a consumer of its own.
    for service in FANNED_SERVICES:
        models = [s.model for s in catalogue().values() if s.service == service]
        runtime.consume(
            service,
            {model: fanout.handle for model in models},
            subject=events_filter(settings.subdistrict, service),
        )
    runtime.consume("notices", {NoticePosted: fanout.handle})
    notice_handlers.install(runtime, settings)
