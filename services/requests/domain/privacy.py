"""The requests service's resident fields and their masks (shared/contracts/privacy.py).

What leaves the service is masked here, field by field, unless the caller's command names
the field in `reveal`. Who may ask for that is the gateway's decision (it checks the role and
writes the audit record); this service only honours the command.
"""

from collections.abc import Callable, Collection, Mapping
from typing import Final

from shared.contracts.privacy import mask_name, mask_phone, mask_text

__all__ = ["RESIDENT_MASKS", "mask_name", "mask_phone", "mask_text", "resident_view"]

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
