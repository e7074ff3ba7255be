"""Contact data in what notify shows or emits: e-mail addresses kept to their first
characters, mobile and ID numbers masked as everywhere (shared/contracts/privacy.py). Pure."""

import re
from typing import Final

from shared.contracts.privacy import mask_phone, mask_text

# Enough of an e-mail's local part for staff to tell two addresses apart.
EMAIL_KEPT: Final = 2
_PART: Final = r"[^@\s<>\"'(),;:\[\]]"
EMAIL: Final = re.compile(f"{_PART}+@{_PART}+\\.{_PART}{{2,}}")


def mask_email(address: str) -> str:
    """li.lei@example.com -> li***@example.com"""
    local, _, domain = address.rpartition("@")
    if not local:
        return "***"
    return f"{local[:EMAIL_KEPT]}***@{domain}"


def mask_address(channel: str, address: str) -> str | None:
    """A delivery's address as shown: robot and webhook ids are not personal."""
    if channel == "sms":
        return mask_phone(address)
    if channel == "email":
        return mask_email(address)
    return address


def mask_free_text(text: str | None) -> str | None:
    """E-mail addresses, mobiles and ID numbers inside a text (a channel's error message)."""
    if not text:
        return text
    return mask_text(EMAIL.sub(lambda m: mask_email(m.group()), text))
