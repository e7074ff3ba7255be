"""Open311 GeoReport v2 <-> our requests: pure mapping, no I/O.

- a request kind (the requests service's catalogue, `list_kinds`) is a *service*; its code
  is the `service_code`, its name (zh, or en for `Accept-Language: en`) the `service_name`,
  its group's name the `group`;
- the location every request needs is the *attribute* `community_id` (required), with
  `compound_id` and `building_id` (optional); a kind's own extra fields (`extra_fields`:
  string, number, boolean, choice) follow as more attributes (a boolean or a choice is a
  `singlevaluelist`), and a POST's values for them become the command's `extra`, typed.
  The spec's `address_id` is the same location as one path, `community/compound/building`
  (ADDRESS_ID): what GET answers, a POST may send back instead of the attributes;
- our statuses map onto the spec's `open`/`closed` (CLOSED_STATUSES; everything else,
  including statuses added later, is open);
- personal data never leaves through Open311: a service request carries no resident.

Errors are the spec's `[{"code": <HTTP status>, "description": ...}]` (Open311Error).
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from pydantic import ValidationError

Lang = Literal["zh", "en"]
SpecStatus = Literal["open", "closed"]

# Our statuses that are finished for the resident: resolved (办结; a follow-up may reopen
# it, and it is open again), closed (after the follow-up, or as a duplicate or not ours),
# returned (退单), transferred elsewhere, cancelled. "duplicate" and "not_responsible" are
# how a request is closed (`closed_as`), kept here should a status ever say so. Everything
# else (submitted, accepted, dispatched, in_progress, and statuses added later) is open.
CLOSED_STATUSES: Final = frozenset(
    {
        "resolved",
        "closed",
        "returned",
        "transferred",
        "cancelled",
        "duplicate",
        "not_responsible",
    }
)
SPEC_STATUSES: Final = ("open", "closed")

# The spec's window: a search may not span more than 90 days, and defaults to the last 90.
MAX_WINDOW: Final = timedelta(days=90)
MAX_IDS: Final = 100

# Location attributes every service takes; `order` and wording as the spec's attributes.
LOCATION_ATTRIBUTES: Final[tuple[dict[str, Any], ...]] = (
    {
        "code": "community_id",
        "required": True,
        "order": 1,
        "description": {"zh": "社区编号", "en": "Community id"},
        "datatype_description": {
            "zh": "请求所在社区的编号（必填）",
            "en": "the id of the community the request is in (required)",
        },
    },
    {
        "code": "compound_id",
        "required": False,
        "order": 2,
        "description": {"zh": "小区编号", "en": "Compound id"},
        "datatype_description": {"zh": "小区编号（可选）", "en": "the compound's id (optional)"},
    },
    {
        "code": "building_id",
        "required": False,
        "order": 3,
        "description": {"zh": "楼栋编号", "en": "Building id"},
        "datatype_description": {"zh": "楼栋编号（可选）", "en": "the building's id (optional)"},
    },
)
LOCATION_CODES: Final = tuple(a["code"] for a in LOCATION_ATTRIBUTES)

# The catalogue's groups (KindBody.group), named for the spec's `group`.
GROUP_NAMES: Final[Mapping[str, Mapping[str, str]]] = {
    "help": {"zh": "帮扶救助", "en": "Help"},
    "repair": {"zh": "维修", "en": "Repairs"},
    "dispute": {"zh": "矛盾纠纷", "en": "Disputes"},
    "health": {"zh": "医疗健康", "en": "Health"},
    "environment": {"zh": "环境卫生", "en": "Environment"},
    "feedback": {"zh": "意见建议", "en": "Feedback"},
    "emergency": {"zh": "紧急求助", "en": "Emergencies"},
}
# A boolean extra field as the spec's list of values.
BOOLEAN_VALUES: Final = (
    {"key": "true", "name": {"zh": "是", "en": "Yes"}},
    {"key": "false", "name": {"zh": "否", "en": "No"}},
)
TRUE_WORDS: Final = frozenset({"true", "1", "yes", "是"})
FALSE_WORDS: Final = frozenset({"false", "0", "no", "否"})

# POST fields of the spec we accept but do not keep: a request has no coordinates, free-text
# address, e-mail, device or account today (and keeps no more personal data than it needs);
# media_url waits for photo references. `api_key` and `jurisdiction_id` are read elsewhere.
ACCEPTED_NOT_KEPT: Final = frozenset(
    {"lat", "long", "address_string", "email", "device_id", "account_id"}
    | {"media_url", "api_key", "jurisdiction_id"}
)
POST_FIELDS: Final = frozenset(
    {"service_code", "description", "first_name", "last_name", "phone", "address_id"}
    | ACCEPTED_NOT_KEPT
)
# address_id: the location codes as one path, `community/compound/building`, a missing part
# left empty (`quanyun//b3`: no compound) and trailing empty parts dropped (`quanyun`).
ADDRESS_ID_SEPARATOR: Final = "/"
TITLE_LENGTH: Final = 30

# Our command's fields, as the spec names them in an error.
SPEC_FIELD: Final[Mapping[str, str]] = {
    "kind": "service_code",
    "title": "description",
    "description": "description",
    "location.community_id": "attribute[community_id]",
    "location.compound_id": "attribute[compound_id]",
    "location.building_id": "attribute[building_id]",
    "resident_name": "first_name/last_name",
    "resident_phone": "phone",
}

_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
_CJK = re.compile(r"[\u3400-\u9fff]")


class Open311Error(Exception):
    """An error the spec's way: an HTTP status and a description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def error_body(status: int, description: str) -> list[dict[str, Any]]:
    return [{"code": status, "description": description}]


def language(accept_language: str | None) -> Lang:
    """Chinese unless the caller's first preference is English."""
    first = (accept_language or "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh"


def check_jurisdiction(given: str | None, ours: str) -> None:
    """jurisdiction_id is the deployment's subdistrict id; optional, but checked if given."""
    if given is not None and given != ours:
        raise Open311Error(404, f"jurisdiction_id {given!r} was not found; this is {ours!r}")


def spec_status(status: str) -> SpecStatus:
    return "closed" if status in CLOSED_STATUSES else "open"


# --- services ---------------------------------------------------------------------------------


def normal_kind(kind: Mapping[str, Any]) -> dict[str, Any]:
    """A kind of the catalogue (`list_kinds`: {code, zh, en, group, extra_fields: [{code,
    zh, en, type, required, values}], ...}) in the one shape this module reads: {code,
    name: {zh, en}, group: {code, name: {zh, en}}, fields: [{code, type, required,
    name: {zh, en}, values}]}. A kind already in that shape is kept as it is."""
    code = str(kind.get("code") or kind.get("_id") or "")
    name = kind.get("name")
    if not isinstance(name, Mapping):
        name = {"zh": kind.get("zh") or code, "en": kind.get("en") or code}
    group = kind.get("group")
    if not isinstance(group, Mapping):
        named = GROUP_NAMES.get(str(group), {"zh": str(group or ""), "en": str(group or "")})
        group = {"code": group, "name": named}
    fields = kind.get("fields")
    if fields is None:
        fields = [_field(f) for f in kind.get("extra_fields") or [] if isinstance(f, Mapping)]
    return {**kind, "code": code, "name": name, "group": group, "fields": fields}


def _field(extra: Mapping[str, Any]) -> dict[str, Any]:
    """An extra field of the catalogue ({code, zh, en, type, required, values})."""
    kind_type = extra.get("type", "string")
    values = list(BOOLEAN_VALUES) if kind_type == "boolean" else list(extra.get("values") or [])
    return {
        "code": extra["code"],
        "type": kind_type,
        "required": bool(extra.get("required", False)),
        "name": {"zh": extra.get("zh") or extra["code"], "en": extra.get("en") or extra["code"]},
        "values": values,
    }


def service(kind: Mapping[str, Any], lang: Lang) -> dict[str, Any]:
    """One entry of services.json from one kind of the catalogue."""
    kind = normal_kind(kind)
    other: Lang = "en" if lang == "zh" else "zh"
    return {
        "service_code": kind["code"],
        "service_name": kind["name"][lang],
        "description": kind.get("description", {}).get(lang) or kind["name"][lang],
        "metadata": True,  # the location attributes, at least
        "type": "realtime",  # the request (and its id) exists as soon as the POST answers
        "keywords": ",".join([kind["name"][other], kind["code"]]),
        "group": kind.get("group", {}).get("name", {}).get(lang, ""),
    }


def find_kind(kinds: Iterable[Mapping[str, Any]], code: str) -> Mapping[str, Any]:
    for kind in kinds:
        if normal_kind(kind)["code"] == code:
            return normal_kind(kind)
    raise Open311Error(404, f"service_code {code!r} was not found")


def service_definition(kind: Mapping[str, Any], lang: Lang) -> dict[str, Any]:
    """services/{code}.json: the location attributes, then the kind's own fields."""
    kind = normal_kind(kind)
    attributes = [
        {
            "variable": True,
            "code": a["code"],
            "datatype": "string",
            "required": a["required"],
            "datatype_description": a["datatype_description"][lang],
            "order": a["order"],
            "description": a["description"][lang],
            "values": [],
        }
        for a in LOCATION_ATTRIBUTES
    ]
    for order, field in enumerate(kind.get("fields", []), start=len(attributes) + 1):
        attributes.append(kind_attribute(field, order, lang))
    return {"service_code": kind["code"], "attributes": attributes}


def kind_attribute(field: Mapping[str, Any], order: int, lang: Lang) -> dict[str, Any]:
    """A kind's extra field (code, type, required, allowed values, names) as an attribute.
    Shape expected of the catalogue: {code, type, required, name: {zh, en}, values: [...]};
    a boolean is a list of two values, true and false."""
    kind_type = field.get("type", "string")
    values = field.get("values") or (list(BOOLEAN_VALUES) if kind_type == "boolean" else [])
    datatype = {"number": "number", "integer": "number", "datetime": "datetime", "text": "text"}
    name = field.get("name", {}).get(lang) or field["code"]
    return {
        "variable": True,
        "code": field["code"],
        "datatype": ("singlevaluelist" if values else datatype.get(kind_type, "string")),
        "required": bool(field.get("required", False)),
        "datatype_description": field.get("description", {}).get(lang, ""),
        "order": order,
        "description": name,
        "values": [
            {"key": v if isinstance(v, str) else v["key"], "name": _value_name(v, lang)}
            for v in values
        ],
    }


def _value_name(value: Any, lang: Lang) -> str:
    if isinstance(value, str):
        return value
    name = value.get("name", value["key"])
    return str(name.get(lang, value["key"]) if isinstance(name, Mapping) else name)


# --- service requests -------------------------------------------------------------------------


def service_request(
    view: Mapping[str, Any], kinds: Iterable[Mapping[str, Any]], lang: Lang
) -> dict[str, Any]:
    """A request's public (masked) view as the spec's service request. No resident data."""
    names = {k["code"]: k["name"][lang] for k in map(normal_kind, kinds)}
    location = view.get("location") or {}
    timeline = view.get("timeline") or []
    handler = view.get("handler") or {}
    photos = view.get("photo_refs") or view.get("photos") or []
    return {
        "service_request_id": view["id"],
        "status": spec_status(view["status"]),
        "status_notes": status_notes(timeline) or view.get("close_reason"),
        "service_name": names.get(view["kind"], view["kind"]),
        "service_code": view["kind"],
        "description": view.get("description") or view.get("title", ""),
        "agency_responsible": handler.get("name") if isinstance(handler, Mapping) else None,
        "service_notice": None,
        "requested_datetime": view["submitted_at"],
        "updated_datetime": last_change(view, timeline),
        "expected_datetime": _text_or_none(view.get("deadline") or view.get("due_at")),
        "address": None,  # no free-text address: the location is community/compound/building
        "address_id": address_id(location),
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": _photo_url(photos[0]) if photos else None,
    }


def address_id(location: Mapping[str, Any]) -> str | None:
    """{community_id, compound_id, building_id} -> `community/compound/building`; a missing
    middle part stays empty so the path reads back the same (`quanyun//b3`)."""
    parts = [str(location.get(c) or "") for c in LOCATION_CODES]
    while parts and not parts[-1]:
        parts.pop()
    return ADDRESS_ID_SEPARATOR.join(parts) or None


def location_of_address_id(value: str) -> dict[str, str]:
    """`community/compound/building` (as address_id answers) -> the location attributes."""
    parts = value.split(ADDRESS_ID_SEPARATOR)
    if len(parts) > len(LOCATION_CODES) or not parts[0].strip():
        raise Open311Error(
            400,
            "address_id must be community_id[/compound_id[/building_id]], as GET answers it",
        )
    pairs = zip(LOCATION_CODES, parts, strict=False)  # fewer parts: the later codes absent
    return {code: part.strip() for code, part in pairs if part.strip()}


def status_notes(timeline: Sequence[Mapping[str, Any]]) -> str | None:
    """The latest public note in the timeline (a return reason, a resolution note...):
    never a note added along the way (the handler's working notes, mediation notes)."""
    for entry in reversed(timeline):
        if entry.get("private") or entry.get("visibility", "public") != "public":
            continue
        if entry.get("mediation") or "note" in str(entry.get("action") or ""):
            continue
        note = entry.get("note")
        if note:
            return str(note)
    return None


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def last_change(view: Mapping[str, Any], timeline: Sequence[Mapping[str, Any]]) -> str:
    at = view.get("updated_at") or (timeline[-1].get("at") if timeline else None)
    return str(at or view["submitted_at"])


def _photo_url(photo: Any) -> str | None:
    if isinstance(photo, str):
        return photo
    if isinstance(photo, Mapping):
        url = photo.get("url")
        return str(url) if url else None
    return None


def post_response(created: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"service_request_id": created["id"], "service_notice": None, "account_id": None}]


# --- POST requests.json -----------------------------------------------------------------------


def split_post_fields(fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(top-level fields, attributes) from a form (`attribute[code]=v`) or a JSON body
    (`"attribute": {"code": v}` or the form's flat keys). Unknown fields are a 400."""
    top: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in fields.items():
        if key == "attribute" and isinstance(value, Mapping):
            attributes.update({str(k): v for k, v in value.items()})
        elif match := _ATTRIBUTE_KEY.match(key):
            # `attribute[code][]` is the spec's multi-value notation: always a list.
            many = bool(match.group(2)) and not isinstance(value, list)
            attributes[match.group(1)] = [value] if many else value
        elif key in POST_FIELDS:
            top[key] = value
        else:
            unknown.append(key)
    if unknown:
        raise Open311Error(400, f"unknown field(s): {', '.join(sorted(unknown))}")
    return top, attributes


def create_request_body(
    fields: Mapping[str, Any],
    kinds: Iterable[Mapping[str, Any]],
    *,
    entered_by: str | None,
) -> dict[str, Any]:
    """The CreateRequest body (not yet validated) for a spec POST; Open311Error if a spec
    rule is broken (missing service_code: 400; unknown: 404; missing attribute: 400)."""
    top, attributes = split_post_fields(fields)
    code = _text(top.get("service_code"), "service_code")
    if not code:
        raise Open311Error(400, "service_code was not provided")
    kind = find_kind(kinds, code)
    declared = {a["code"]: a for a in LOCATION_ATTRIBUTES} | {
        f["code"]: f for f in kind.get("fields", [])
    }
    unknown = sorted(set(attributes) - set(declared))
    if unknown:
        names = ", ".join(f"attribute[{a}]" for a in unknown)
        raise Open311Error(400, f"{names}: not an attribute of service {code!r}")
    values: dict[str, Any] = {
        k: _text(v, f"attribute[{k}]") if k in LOCATION_CODES else extra_value(declared[k], v)
        for k, v in attributes.items()
    }
    given_address = _text(top.get("address_id"), "address_id")
    if given_address and not values.get("community_id"):
        # The attributes, when given, win; address_id fills in for them.
        values |= location_of_address_id(given_address)
    missing = [c for c, a in declared.items() if a.get("required") and values.get(c) in (None, "")]
    if missing:
        names = ", ".join(f"attribute[{a}]" for a in missing)
        raise Open311Error(400, f"required attribute(s) not provided: {names}")
    description = " ".join((_text(top.get("description"), "description") or "").split())
    body: dict[str, Any] = {
        "kind": code,
        "title": title_of(description) or kind["name"]["zh"],
        "description": description,
        "location": {c: values[c] for c in LOCATION_CODES if values.get(c)},
        "channel": "app",
        "entered_by": entered_by,
    }
    extra = {c: v for c, v in values.items() if c not in LOCATION_CODES and v is not None}
    if extra:
        body["extra"] = extra
    name = resident_name(
        _text(top.get("first_name"), "first_name"), _text(top.get("last_name"), "last_name")
    )
    if name:
        body["resident_name"] = name
    phone = _text(top.get("phone"), "phone")
    if phone:
        body["resident_phone"] = normalize_phone(phone)
    return body


def title_of(description: str) -> str:
    return description[:TITLE_LENGTH].strip()


def resident_name(first: str | None, last: str | None) -> str | None:
    """Chinese names family name first (王 + 秀英); others 'First Last'."""
    first, last = (first or "").strip(), (last or "").strip()
    if not (first or last):
        return None
    if _CJK.search(first + last):
        return last + first
    return " ".join(p for p in (first, last) if p)


def normalize_phone(phone: str) -> str:
    """'+86 138-1234-1234' -> '13812341234'; anything else is left for validation."""
    digits = re.sub(r"[\s\-().]", "", phone)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def _text(value: Any, field: str) -> str | None:
    """One value. A field given twice (a repeated form field, a JSON list) is a 400: which
    one was meant cannot be told, and dropping one silently loses what the caller sent."""
    if value is None:
        return None
    if isinstance(value, list):
        if len(value) > 1:
            raise Open311Error(400, f"{field} was given more than once; it takes one value")
        return _text(value[0], field) if value else None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip()
    raise Open311Error(400, f"{field} must be text")


def one_text(value: Any, field: str) -> str | None:
    """A spec field that takes one value, as text (400 if given twice or not text)."""
    return _text(value, field)


def extra_value(field: Mapping[str, Any], value: Any) -> str | float | bool | None:
    """A kind's own attribute as the command's `extra` takes it, by the field's type: one
    value (the catalogue has no multi-value fields: `attribute[code][]` with one value is
    that value; more is a 400), a number, a boolean (true/false, 1/0, yes/no), or one of a
    choice's values."""
    name = f"attribute[{field['code']}]"
    kind_type = field.get("type", "string")
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) and kind_type == "boolean":
        return value
    text = _text(value, name)
    if text is None or text == "":
        return None
    if kind_type in ("number", "integer"):
        try:
            return float(text)
        except ValueError as exc:
            raise Open311Error(400, f"{name} must be a number") from exc
    if kind_type == "boolean":
        word = text.lower()
        if word in TRUE_WORDS | FALSE_WORDS:
            return word in TRUE_WORDS
        raise Open311Error(400, f"{name} must be true or false")
    keys = [v if isinstance(v, str) else v.get("key") for v in field.get("values") or []]
    if keys and text not in keys:
        raise Open311Error(400, f"{name} must be one of: {', '.join(map(str, keys))}")
    return text


def validation_description(exc: ValidationError) -> str:
    """Our command's validation errors, naming the spec's fields."""
    parts = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"])
        if len(error["loc"]) > 1 and error["loc"][0] == "extra":
            loc = f"attribute[{error['loc'][1]}]"
        parts.append(f"{SPEC_FIELD.get(loc, loc)}: {error['msg']}")
    return "; ".join(parts)


# --- GET requests.json ------------------------------------------------------------------------


def csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def parse_datetime(value: str, field: str) -> datetime:
    """W3C/ISO 8601 with a time zone (the spec requires one)."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise Open311Error(400, f"{field} is not an ISO 8601 date-time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise Open311Error(400, f"{field} needs a time zone (Z or +08:00): {value!r}")
    return parsed


def list_filters(
    *,
    service_request_id: str | None,
    service_code: str | None,
    start_date: str | None,
    end_date: str | None,
    status: str | None,
    now: datetime,
) -> dict[str, Any]:
    """ListRequests filters for the spec's GET requests.json parameters.

    service_request_id (comma list) overrides every other filter, as the spec says.
    Otherwise the window is start_date..end_date (both inclusive), at most 90 days,
    by default the 90 days up to now (or up to end_date)."""
    ids = csv(service_request_id)
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(400, f"service_request_id: at most {MAX_IDS} ids at once")
        return {"ids": ids}
    filters: dict[str, Any] = {}
    kinds = csv(service_code)
    if kinds:
        if len(kinds) > MAX_IDS:
            raise Open311Error(400, f"service_code: at most {MAX_IDS} codes at once")
        filters["kinds"] = kinds
    end = parse_datetime(end_date, "end_date") if end_date else None
    start = parse_datetime(start_date, "start_date") if start_date else None
    until = end or now
    since = start or until - MAX_WINDOW
    if since > until:
        raise Open311Error(400, "start_date is after end_date")
    if until - since > MAX_WINDOW:
        raise Open311Error(400, "start_date to end_date may not span more than 90 days")
    filters["submitted_from"] = since
    if end:
        # Inclusive end; stored times have millisecond precision, so the exclusive bound is
        # the next millisecond.
        filters["submitted_to"] = end.replace(
            microsecond=end.microsecond // 1000 * 1000
        ) + timedelta(milliseconds=1)
    wanted = csv(status)
    unknown = sorted(set(wanted) - set(SPEC_STATUSES))
    if unknown:
        raise Open311Error(400, f"status must be open and/or closed, not {', '.join(unknown)}")
    if set(wanted) == {"closed"}:
        filters["statuses"] = sorted(CLOSED_STATUSES)
    elif set(wanted) == {"open"}:
        filters["not_statuses"] = sorted(CLOSED_STATUSES)
    return filters
