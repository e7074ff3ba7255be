"""What the notify routes show: contact data masked, whatever the service answered.

The notify service masks its answers already; masking again here is cheap and idempotent
(a masked value masks to itself), and keeps a phone number or an e-mail address from ever
leaving the gateway whole if a view of the service forgets one."""

import re
from collections.abc import Callable
from typing import Any, Final

from shared.contracts.privacy import mask_phone, mask_text

# Channels whose delivery `address` is personal data; robots and webhooks are named by id.
PHONE_CHANNELS: Final = frozenset({"sms"})
EMAIL_CHANNELS: Final = frozenset({"email"})


# As the notify service masks them: enough of the local part to tell two addresses apart.
EMAIL_KEPT: Final = 2
EMAIL: Final = re.compile(r"([^@\s<>\"'(),;:]+)@([^@\s<>\"'(),;:]+\.[^@\s<>\"'(),;:]{2,})")


def mask_email(address: str | None) -> str | None:
    """li.lei@example.com -> li***@example.com (and li***@example.com stays as it is)."""
    if not address or "@" not in address:
        return address
    local, _, domain = address.rpartition("@")
    return f"{local[:EMAIL_KEPT]}***@{domain}"


def _masked_strings(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(EMAIL.sub(lambda m: mask_email(m.group()) or "", value))
    if isinstance(value, dict):
        return {k: _masked_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_strings(v) for v in value]
    return value


def preferences_view(answer: Any) -> Any:
    if not isinstance(answer, dict):
        return answer
    view = dict(answer)
    if isinstance(view.get("phone"), str):
        view["phone"] = mask_phone(view["phone"])
    if isinstance(view.get("email"), str):
        view["email"] = mask_email(view["email"])
    return view


def delivery_view(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    view = dict(item)
    address, channel = view.get("address"), view.get("channel")
    if isinstance(address, str):
        if channel in PHONE_CHANNELS:
            view["address"] = mask_phone(address)
        elif channel in EMAIL_CHANNELS:
            view["address"] = mask_email(address)
    for free_text in ("title", "body", "payload", "last_error", "history"):
        if free_text in view:
            view[free_text] = _masked_strings(view[free_text])
    return view


def page_of(answer: Any, view: Callable[[Any], Any]) -> Any:
    """A cursor page with each item shown through `view`."""
    if isinstance(answer, dict) and isinstance(answer.get("items"), list):
        return {**answer, "items": [view(item) for item in answer["items"]]}
    return answer
