"""Subject and stream names: the one place that spells them.

Events:   rv.<subdistrict>.evt.<service>.<aggregate>.<action>.v<version>
Commands: rv.<subdistrict>.rpc.<service>.<command>
Dead letters: rv.<subdistrict>.dlq.<consumer>

So a subscriber takes one event type (`rv.quantang.evt.requests.request.created.v1`),
one service (`rv.quantang.evt.requests.>`), everything (`rv.quantang.evt.>`), or the same
across subdistricts with `*` in the second token.
"""

import re

PREFIX = "rv"
SUBDISTRICT_PATTERN = r"^[a-z][a-z0-9_]{1,31}$"
_SUBDISTRICT = re.compile(SUBDISTRICT_PATTERN)


def check_subdistrict(subdistrict: str) -> str:
    """Subdistrict ids become subject tokens and stream names, so they are kept plain."""
    if not _SUBDISTRICT.match(subdistrict):
        raise ValueError(
            f"subdistrict id {subdistrict!r} must match {SUBDISTRICT_PATTERN} "
            "(lowercase letters, digits, underscore)"
        )
    return subdistrict


def event_subject(subdistrict: str, service: str, aggregate: str, action: str, version: int) -> str:
    return f"{PREFIX}.{subdistrict}.evt.{service}.{aggregate}.{action}.v{version}"


def events_filter(subdistrict: str = "*", service: str | None = None) -> str:
    """Wildcard for all events of a subdistrict ('*' = every subdistrict), or of one service."""
    base = f"{PREFIX}.{subdistrict}.evt"
    return f"{base}.{service}.>" if service else f"{base}.>"


def rpc_subject(subdistrict: str, service: str, command: str) -> str:
    return f"{PREFIX}.{subdistrict}.rpc.{service}.{command}"


def dead_letter_subject(subdistrict: str, consumer: str) -> str:
    return f"{PREFIX}.{subdistrict}.dlq.{consumer}"


def events_stream(subdistrict: str) -> str:
    return f"RV_EVT_{subdistrict.upper()}"


def dead_letter_stream(subdistrict: str) -> str:
    return f"RV_DLQ_{subdistrict.upper()}"


def advisories_stream(subdistrict: str) -> str:
    return f"RV_ADV_{subdistrict.upper()}"


def database_name(subdistrict: str, service: str) -> str:
    return f"rv_{subdistrict}_{service}"
