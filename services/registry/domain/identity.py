"""Identity document numbers: normalised, and checked as far as their format allows.

A resident ID (居民身份证, GB 11643) is 17 digits and a check character: the birth date sits
at positions 7-14 and the last character follows from the others. The region code (first
six digits) is not checked: the demo data uses 999999, so a synthetic number can never be a
real person's. Other documents (passports, permits) are 5-32 letters and digits.
"""

import re
import unicodedata
from datetime import date
from typing import Final

WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS: Final = "10X98765432"
EARLIEST_BIRTH: Final = date(1900, 1, 1)

_RESIDENT_ID: Final = re.compile(r"^\d{17}[\dX]$")
_OTHER_ID: Final = re.compile(r"^[A-Z0-9]{5,32}$")


class BadIdNumber(ValueError):
    """The number cannot be this type's: the message says why."""


def normalise(number: str) -> str:
    """Full-width characters folded (Chinese input methods type １２３), spaces dropped,
    upper case: the same document written two ways is one number."""
    folded = unicodedata.normalize("NFKC", number)
    return "".join(folded.split()).upper()


def check_digit(first17: str) -> str:
    """The check character of a resident ID whose first 17 digits are given."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def birth_date(number: str) -> date | None:
    """The birth date of a (format-valid) resident ID, or None if it is no calendar date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def check_resident_id(number: str, today: date) -> None:
    if len(number) != 18:
        raise BadIdNumber(f"a resident ID number has 18 characters, not {len(number)}")
    if not _RESIDENT_ID.match(number):
        raise BadIdNumber("a resident ID number is 17 digits followed by a digit or X")
    born = birth_date(number)
    if born is None:
        raise BadIdNumber(f"{number[6:14]} (characters 7-14) is not a date of birth")
    if not EARLIEST_BIRTH <= born <= today:
        raise BadIdNumber(f"date of birth {born.isoformat()} is out of range")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise BadIdNumber(f"check digit should be {expected}")


def checked_id_number(id_type: str, number: str, today: date) -> str:
    """The normalised number, or BadIdNumber saying what is wrong with it."""
    normal = normalise(number)
    if id_type == "resident_id":
        check_resident_id(normal, today)
    elif not _OTHER_ID.match(normal):
        raise BadIdNumber("5 to 32 letters and digits")
    return normal
