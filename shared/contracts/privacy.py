"""How personal information (PIPL, GB/T 35273) looks when it leaves a service: masked.

One policy for every service, so a phone number reads 138****1234 wherever it appears.
Which fields a caller may see unmasked is each service's `reveal` (decided and audited by
the gateway); these functions only mask.
"""

import re
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


def mask_id_number(number: str | None) -> str | None:
    """430121199003071234 -> 4301**********1234: the province and city, and the last four."""
    if not number:
        return number
    if len(number) < 8 + MIN_HIDDEN:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


# --- Free text: what a resident said may itself hold personal data ---------------------------
#
# Titles, descriptions and notes are the resident's own words and are stored as given, but
# a phone number or an ID number typed into them leaves the service masked, like the
# resident's fields. `reveal` does not cover free text: the unmasked words stay in the store.
# Digits may be ASCII or full-width (１３８…), as Chinese input methods type them. Other
# numbers (landlines, bank cards, licence plates) are not recognised yet.

_DIGIT: Final = "[0-9\uff10-\uff19]"
_X: Final = "[Xx\uff38\uff58]"  # an ID number's check character X, half- or full-width
# A resident ID number (居民身份证号): 17 digits and a digit or X, or the 15 digits of the
# first generation. Not inside a longer run of digits (an order number stays).
ID_NUMBER: Final = re.compile(
    f"(?<!{_DIGIT})(?:{_DIGIT}{{17}}(?:{_DIGIT}|{_X})|{_DIGIT}{{15}})(?!{_DIGIT})"
)
# A mainland mobile number: 1[3-9] and nine more digits, as one run or grouped 3-4-4 with
# spaces or hyphens (138 0000 0123, 138-0000-0123); a +86 or 0086 in front stays as it is.
_SEP: Final = "[ \u3000\\-\uff0d]?"
MOBILE: Final = re.compile(
    f"(?:(?<=\\+86)|(?<=0086)|(?<!{_DIGIT}))"
    f"[1\uff11][3-9\uff13-\uff19]{_DIGIT}{_SEP}{_DIGIT}{{4}}{_SEP}{_DIGIT}{{4}}(?!{_DIGIT})"
)
_KEPT_CHARACTER: Final = re.compile(f"{_DIGIT}|{_X}")


def _keep_ends(text: str, first: int, last: int) -> str:
    """Every digit starred except the first `first` and the last `last`; separators kept."""
    positions = [i for i, c in enumerate(text) if _KEPT_CHARACTER.fullmatch(c)]
    hidden = set(positions[first : len(positions) - last])
    return "".join("*" if i in hidden else c for i, c in enumerate(text))


def mask_text(text: str | None) -> str | None:
    """Phone and ID numbers in free text masked: 13800000123 -> 138****0123,
    110101199003071234 -> 110101********1234 (the region, then the last four)."""
    if not text:
        return text
    # Phones first: `0086 13900000456` written together is 15 digits, like an old ID.
    text = MOBILE.sub(lambda m: _keep_ends(m.group(), 3, 4), text)
    return ID_NUMBER.sub(lambda m: _keep_ends(m.group(), 6, 4), text)
