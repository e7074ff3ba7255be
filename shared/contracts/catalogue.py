"""The catalogue of event types: model, name, version and subject, registered in one place.

A service adds an event by declaring a pydantic model in `shared/contracts/events/<service>.py`
with the `@event(...)` decorator. Changes to a version are additive only; a breaking change
is a new version (a new subject), never a new class name.
"""

import builtins
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from shared.contracts.envelope import CloudEvent
from shared.contracts.ids import new_id
from shared.contracts.subjects import event_subject


class EventData(BaseModel):
    """Base of every event payload. Consumers ignore fields they do not know."""

    model_config = ConfigDict(extra="ignore", frozen=True)


@dataclass(frozen=True, eq=False)
class EventType:
    name: str
    service: str
    aggregate: str
    action: str
    version: int
    model: type[EventData]
    description: str

    @property
    def type(self) -> str:
        return f"cn.redvest.{self.service}.{self.aggregate}.{self.action}.v{self.version}"

    def subject(self, subdistrict: str) -> str:
        return event_subject(subdistrict, self.service, self.aggregate, self.action, self.version)

    @functools.cached_property
    def envelope(self) -> "builtins.type[CloudEvent]":
        """The message on the wire: a CloudEvent whose `type` and `data` are this event's."""
        model: builtins.type[CloudEvent] = create_model(
            f"{self.name}Event",
            __base__=CloudEvent,
            __doc__=f"CloudEvent carrying {self.name}. {self.description}",
            type=(Literal[self.type], self.type),  # type: ignore[arg-type]
            data=(self.model, ...),
        )
        return model


_CATALOGUE: dict[str, EventType] = {}
_BY_MODEL: dict[type[EventData], EventType] = {}

E = TypeVar("E", bound=type[EventData])


def event(service: str, aggregate: str, action: str, version: int = 1) -> Callable[[E], E]:
    def register(model: E) -> E:
        spec = EventType(
            name=model.__name__,
            service=service,
            aggregate=aggregate,
            action=action,
            version=version,
            model=model,
            description=(model.__doc__ or "").strip(),
        )
        if spec.type in _CATALOGUE:
            raise ValueError(f"event type {spec.type} is registered twice")
        _CATALOGUE[spec.type] = spec
        _BY_MODEL[model] = spec
        return model

    return register


def catalogue() -> dict[str, EventType]:
    import shared.contracts.events  # noqa: F401  (registers every event module)

    return dict(_CATALOGUE)


def event_type_of(data: EventData) -> EventType:
    return _BY_MODEL[type(data)]


def new_event(
    data: EventData,
    *,
    subdistrict: str,
    subject: str | None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    traceparent: str | None = None,
) -> CloudEvent:
    spec = event_type_of(data)
    event_id = new_id()
    return CloudEvent(
        id=event_id,
        time=datetime.now(UTC),
        source=f"/redvest/{subdistrict}/{spec.service}",
        type=spec.type,
        subject=subject,
        dataschema=f"https://redvest.example/schemas/events/{spec.type}.json",
        data=data.model_dump(mode="json"),
        subdistrict=subdistrict,
        correlationid=correlation_id or event_id,
        causationid=causation_id,
        traceparent=traceparent,
    )


class MalformedEvent(Exception):
    """A message that can never be processed: it goes to the dead-letter stream at once."""


def parse_event(raw: bytes) -> tuple[CloudEvent, EventData]:
    try:
        envelope = CloudEvent.model_validate_json(raw)
    except ValidationError as exc:
        raise MalformedEvent(f"invalid CloudEvents envelope: {_errors(exc)}") from exc
    spec = catalogue().get(envelope.type)
    if spec is None:
        raise MalformedEvent(f"unknown event type or version: {envelope.type}")
    try:
        data = spec.model.model_validate(envelope.data)
    except ValidationError as exc:
        raise MalformedEvent(f"invalid data for {envelope.type}: {_errors(exc)}") from exc
    return envelope, data


def _errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()
    )


def payload_schema(spec: EventType) -> dict[str, Any]:
    schema = spec.model.model_json_schema()
    schema["$id"] = f"https://redvest.example/schemas/events/{spec.type}.json"
    schema["title"] = spec.name
    schema["x-event-type"] = spec.type
    schema["x-subject"] = spec.subject("{subdistrict}")
    return schema
