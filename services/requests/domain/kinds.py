"""The catalogue of request kinds (诉求类别, Open311 "services"): pure.

A kind says how long a request may take from acceptance (the same day, or N working days of
the official calendar), who usually handles it, and which extra fields it asks for. The
catalogue lives in the `kinds` collection, seeded from DEFAULT_KINDS on first start and
edited with DEFINE_KIND; these defaults are also what the pure rules use without a store.

Default time limits (working days after the day of acceptance, see domain/calendar.py):
emergency the same day; repair, health and environment 3 (a leak or a broken light cannot
wait a week; 12345 practice is 3 working days for "urgent living" matters); hardship help
and a neighbour dispute 5 (visits and mediation take appointments); a suggestion and a
complaint 15 (the 12345 rule for non-urgent complaints).
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.contracts.commands.requests import DefineKind, ExtraField, TimeLimit
from shared.contracts.events.common import LocalizedText
from shared.contracts.events.requests import HandlerType
from shared.contracts.rpc import FieldError

Group = Literal["help", "repair", "dispute", "health", "environment", "feedback", "emergency"]

GROUP_NAMES: Mapping[str, LocalizedText] = {
    "emergency": LocalizedText(zh="紧急求助", en="Emergency"),
    "help": LocalizedText(zh="帮扶救助", en="Help"),
    "repair": LocalizedText(zh="维修维护", en="Repairs"),
    "dispute": LocalizedText(zh="矛盾调解", en="Disputes"),
    "health": LocalizedText(zh="健康关怀", en="Health"),
    "environment": LocalizedText(zh="环境卫生", en="Environment"),
    "feedback": LocalizedText(zh="意见建议", en="Feedback"),
}


class Kind(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    zh: str
    en: str
    group: Group
    time_limit: TimeLimit
    default_handler: HandlerType | None = None
    extra_fields: tuple[ExtraField, ...] = ()
    auto_dispatch: bool = False

    @property
    def name(self) -> LocalizedText:
        return LocalizedText(zh=self.zh, en=self.en)


def _choice(code: str, zh: str, en: str, values: Sequence[str]) -> ExtraField:
    return ExtraField(code=code, zh=zh, en=en, type="choice", values=list(values))


def _days(n: int) -> TimeLimit:
    return TimeLimit(working_days=n)


# None of the defaults' extra fields is required: a request from Open311 or a phone call
# must not be refused for a detail the resident could not give.
DEFAULT_KINDS: tuple[Kind, ...] = (
    Kind(
        code="emergency",
        zh="紧急求助",
        en="Emergency",
        group="emergency",
        time_limit=TimeLimit(same_day=True),
        default_handler="grid_worker",
        extra_fields=(
            ExtraField(code="people_at_risk", zh="涉及人数", en="People at risk", type="number"),
        ),
    ),
    Kind(
        code="repair",
        zh="维修",
        en="Repair",
        group="repair",
        time_limit=_days(3),
        default_handler="property_company",
        extra_fields=(
            _choice(
                "facility",
                "设施",
                "Facility",
                ["water_pipe", "electricity", "lighting", "elevator", "door_lock", "other"],
            ),
            ExtraField(code="indoor", zh="户内", en="Inside a home", type="boolean"),
        ),
    ),
    Kind(
        code="hardship_help",
        zh="困难帮扶",
        en="Hardship help",
        group="help",
        time_limit=_days(5),
        default_handler="volunteer",
        extra_fields=(
            _choice(
                "need",
                "需求",
                "Need",
                ["daily_care", "shopping", "medical_escort", "companionship", "other"],
            ),
        ),
    ),
    Kind(
        code="neighbour_dispute",
        zh="邻里纠纷",
        en="Neighbour dispute",
        group="dispute",
        time_limit=_days(5),
        default_handler="building_head",
        extra_fields=(
            _choice(
                "dispute_type",
                "纠纷类型",
                "Dispute type",
                ["noise", "water_leak", "parking", "pets", "shared_space", "other"],
            ),
        ),
    ),
    Kind(
        code="health",
        zh="健康",
        en="Health",
        group="health",
        time_limit=_days(3),
        default_handler="volunteer",
        extra_fields=(
            ExtraField(code="home_visit", zh="需要上门", en="Home visit needed", type="boolean"),
        ),
    ),
    Kind(
        code="environment",
        zh="环境卫生",
        en="Environment",
        group="environment",
        time_limit=_days(3),
        default_handler="property_company",
        extra_fields=(
            _choice(
                "issue", "问题", "Issue", ["garbage", "greening", "pests", "littering", "other"]
            ),
        ),
    ),
    Kind(
        code="suggestion",
        zh="建议",
        en="Suggestion",
        group="feedback",
        time_limit=_days(15),
    ),
    Kind(
        code="complaint",
        zh="投诉",
        en="Complaint",
        group="feedback",
        time_limit=_days(15),
        default_handler="grid_worker",
    ),
)
DEFAULTS: Mapping[str, Kind] = {k.code: k for k in DEFAULT_KINDS}
# The old name: code -> display name of the default kinds.
KINDS: Mapping[str, LocalizedText] = {k.code: k.name for k in DEFAULT_KINDS}


class UnknownKind(ValueError):
    def __init__(self, kind: str, known: Iterable[str] = DEFAULTS) -> None:
        super().__init__(f"unknown request kind {kind!r}; one of: {', '.join(known)}")


def find(kinds: Mapping[str, Kind], code: str) -> Kind:
    """Raises UnknownKind, naming the known ones."""
    if code not in kinds:
        raise UnknownKind(code, kinds)
    return kinds[code]


def kind_name(kind: str) -> LocalizedText:
    """A default kind's name (raises UnknownKind)."""
    return find(DEFAULTS, kind).name


def ordered(kinds: Iterable[Kind]) -> list[Kind]:
    """The defaults in their own order (the emergency first), then the others by code."""
    position = {code: i for i, code in enumerate(DEFAULTS)}
    return sorted(kinds, key=lambda k: (position.get(k.code, len(position)), k.code))


# --- Definitions ------------------------------------------------------------------------------


def definition_errors(cmd: DefineKind) -> list[FieldError]:
    """What the contract's types cannot say: a time limit must say one of its two ways, a
    choice needs its values (and only a choice has values), field codes are unique."""
    errors = []
    limit = cmd.time_limit
    if limit.same_day == (limit.working_days is not None):
        msg = "a time limit is either same_day or a number of working_days (exactly one)"
        errors.append(FieldError(loc=["time_limit"], msg=msg, type="time_limit"))
    seen: set[str] = set()
    for i, field in enumerate(cmd.extra_fields):
        loc: list[str | int] = ["extra_fields", i]
        if field.type == "choice" and not field.values:
            msg = f"the choice {field.code!r} needs its values"
            errors.append(FieldError(loc=[*loc, "values"], msg=msg, type="missing"))
        if field.type != "choice" and field.values:
            msg = f"only a choice has values; {field.code!r} is a {field.type}"
            errors.append(FieldError(loc=[*loc, "values"], msg=msg, type="unexpected"))
        if field.values and len(set(field.values)) != len(field.values):
            msg = f"the values of {field.code!r} repeat"
            errors.append(FieldError(loc=[*loc, "values"], msg=msg, type="duplicate"))
        if field.code in seen:
            msg = f"the field {field.code!r} is defined twice"
            errors.append(FieldError(loc=[*loc, "code"], msg=msg, type="duplicate"))
        seen.add(field.code)
    return errors


def from_definition(cmd: DefineKind) -> Kind:
    return Kind.model_validate(cmd.model_dump())


# --- Stored shape ({_id: code, ...}) and the view that leaves the service ------------------------


def to_doc(kind: Kind) -> dict[str, Any]:
    fields = kind.model_dump(mode="json", exclude={"code"})
    return {"_id": kind.code, **fields}


def from_doc(doc: Mapping[str, Any]) -> Kind:
    fields = {k: v for k, v in doc.items() if k in Kind.model_fields}
    return Kind.model_validate({**fields, "code": doc["_id"]})


def view(kind: Kind) -> dict[str, Any]:
    """A kind as LIST_KINDS answers it. `name`, `group.name` and `fields` (each with a
    `name`) are the shape the gateway's Open311 mapping reads; the rest is the definition."""
    group = GROUP_NAMES[kind.group]
    extra = [f.model_dump(mode="json") for f in kind.extra_fields]
    return {
        "code": kind.code,
        "zh": kind.zh,
        "en": kind.en,
        "name": kind.name.model_dump(),
        "group": {"code": kind.group, "name": group.model_dump()},
        "time_limit": kind.time_limit.model_dump(mode="json"),
        "default_handler": kind.default_handler,
        "auto_dispatch": kind.auto_dispatch,
        "extra_fields": extra,
        "fields": [{**f, "name": {"zh": f["zh"], "en": f["en"]}} for f in extra],
    }
