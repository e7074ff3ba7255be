import base64
from datetime import date

import pytest

from services.registry.config import DEV_ID_KEY
from services.registry.domain.identity import (
    BadIdNumber,
    check_digit,
    checked_id_number,
    normalise,
)
from services.registry.id_vault import CIPHER_PREFIX, IdKeyRefused, IdVault

pytestmark = pytest.mark.unit

TODAY = date(2025, 6, 1)
KEY = base64.b64encode(bytes(range(32))).decode()


def synthetic(born: str = "19500101", seq: str = "123") -> str:
    first17 = "999999" + born + seq
    return first17 + check_digit(first17)


def test_the_standards_example_passes() -> None:
    # GB 11643-1999's own example number (a made-up person).
    assert checked_id_number("resident_id", "11010519491231002x", TODAY) == "11010519491231002X"


def test_a_wrong_check_digit_says_which_it_should_be() -> None:
    good = synthetic()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(BadIdNumber, match=f"check digit should be {good[17]}"):
        checked_id_number("resident_id", wrong, TODAY)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("99999919500101123", "18 characters"),
        ("9999991950010112A4", "17 digits"),
        (synthetic("19500230")[:17] + "0", "not a date of birth"),
        (synthetic("18991231"), "out of range"),
        (synthetic("20300101"), "out of range"),
    ],
)
def test_malformed_resident_ids_are_refused_with_the_reason(number: str, reason: str) -> None:
    with pytest.raises(BadIdNumber, match=reason):
        checked_id_number("resident_id", number, TODAY)


def test_the_region_code_is_not_checked_so_demo_numbers_pass() -> None:
    assert checked_id_number("resident_id", synthetic(), TODAY).startswith("999999")


def test_numbers_are_normalised_before_checking() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in synthetic())
    assert normalise(" " + full_width[:6] + " " + full_width[6:]) == synthetic()
    assert checked_id_number("passport", "e 1234 5678", TODAY) == "E12345678"


@pytest.mark.parametrize("number", ["E12", "E1234-567", "x" * 33])
def test_other_documents_are_5_to_32_letters_and_digits(number: str) -> None:
    with pytest.raises(BadIdNumber):
        checked_id_number("passport", number, TODAY)


def test_the_cipher_round_trips_and_is_never_the_same_twice() -> None:
    vault = IdVault(KEY)
    first, second = vault.encrypt(synthetic()), vault.encrypt(synthetic())
    assert first.startswith(CIPHER_PREFIX)
    assert first != second
    assert synthetic() not in first
    assert vault.decrypt(first) == vault.decrypt(second) == synthetic()


def test_the_hash_is_stable_keyed_and_not_the_cipher_key() -> None:
    vault, again = IdVault(KEY), IdVault(KEY)
    other = IdVault(base64.b64encode(bytes(32)).decode())
    assert vault.hash(synthetic()) == again.hash(synthetic())
    assert vault.hash(synthetic()) != other.hash(synthetic())
    assert vault.hash(synthetic()) != vault.hash(synthetic(seq="124"))
    assert len(vault.hash(synthetic())) == 64


def test_another_key_cannot_decrypt() -> None:
    cipher = IdVault(KEY).encrypt(synthetic())
    with pytest.raises(Exception):  # noqa: B017 (the AEAD's InvalidTag)
        IdVault(base64.b64encode(bytes(32)).decode()).decrypt(cipher)


def test_the_development_key_is_refused_unless_allowed() -> None:
    with pytest.raises(IdKeyRefused, match=r"REGISTRY_ID_KEY.*REGISTRY_ALLOW_DEV_SECRET"):
        IdVault(DEV_ID_KEY)
    assert IdVault(DEV_ID_KEY, allow_dev_secret=True).hash("X")


@pytest.mark.parametrize("key", ["not base64!", base64.b64encode(bytes(16)).decode(), ""])
def test_a_key_that_is_not_32_bytes_of_base64_is_refused(key: str) -> None:
    with pytest.raises(IdKeyRefused, match="REGISTRY_ID_KEY"):
        IdVault(key)


def test_the_service_refuses_to_install_with_the_development_key() -> None:
    from services.registry import member_handlers
    from services.registry.config import RegistrySettings
    from shared.runtime.service import ServiceRuntime

    settings = RegistrySettings(subdistrict="quantang", allow_dev_secret=False)
    with pytest.raises(IdKeyRefused, match="REGISTRY_ALLOW_DEV_SECRET"):
        member_handlers.install(ServiceRuntime(settings), settings)
