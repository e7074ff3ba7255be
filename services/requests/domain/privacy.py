"""Masking of personal information (PIPL, GB/T 35273): shown masked unless revealed.

A presentation policy of the requests service: what leaves it is masked here, field by
field, unless the caller's command names the field in `reveal`. Who may ask for that is the
gateway's decision (it checks the role and writes the audit record); this service only
honours the command.
"""

from collections.abc import Callable, Collection, Mapping
from typing import Final

# Every masked field shows at least this many stars, whatever its length.
MIN_HIDDEN: Final = 4


def mask_phone(phone: str | None) -> str | None:
    """13812341234 -> 138****1234; shorter numbers keep at most the last four."""
    if not phone:
        return phone
    n = len(phone)
    if n >= 11:
        return f"{phone[:3]}{'*' * (n - 7)}{phone[-4:]}"
    if n >= 4 + MIN_HIDDEN:  # e.g. an 8-digit landline: ****1234
        return f"{'*' * (n - 4)}{phone[-4:]}"
    return "*" * n


def mask_name(name: str | None) -> str | None:
    """张三丰 -> 张**: enough for a volunteer to recognise a neighbour, not for the public.

    A one-character name is masked whole: keeping its first character would show it all."""
    if not name:
        return name
    if len(name) == 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)


# The resident's fields that leave the service, each with its mask. The keys are exactly
# the values `GetRequest.reveal` accepts (a unit test holds them equal).
RESIDENT_MASKS: Final[Mapping[str, Callable[[str | None], str | None]]] = {
    "name": mask_name,
    "phone": mask_phone,
}


def resident_view(
    resident: Mapping[str, str | None] | None, reveal: Collection[str] = ()
) -> dict[str, str | None]:
    """The resident as shown: every field masked except those named in `reveal`.

    Fields outside RESIDENT_MASKS are never shown, revealed or not."""
    resident = resident or {}
    return {
        field: resident.get(field) if field in reveal else mask(resident.get(field))
        for field, mask in RESIDENT_MASKS.items()
    }
