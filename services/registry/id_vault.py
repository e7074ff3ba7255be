"""ID numbers at rest: encrypted (AES-256-GCM) and beside them a keyed hash (HMAC-SHA256)
to find a number registered twice without decrypting anything.

Both keys are derived (HKDF-SHA256) from one configured secret, REGISTRY_ID_KEY, so the
cipher key and the hash key are never the same bytes. The hash covers the normalised number
only (not its type): the same number under two document types is one person to check.
"""

import base64
import binascii
import hashlib
import hmac
import os
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from services.registry.config import DEV_ID_KEY, RegistrySettings

CIPHER_PREFIX: Final = "k1:"  # the key generation: a rotated key would write k2:
NONCE_BYTES: Final = 12


class IdKeyRefused(RuntimeError):
    """The configured ID key must not (or cannot) be used."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


class IdVault:
    def __init__(self, key_base64: str, *, allow_dev_secret: bool = False) -> None:
        if key_base64 == DEV_ID_KEY and not allow_dev_secret:
            raise IdKeyRefused(
                "REGISTRY_ID_KEY is the public development key: set REGISTRY_ID_KEY to your "
                "own (openssl rand -base64 32), or REGISTRY_ALLOW_DEV_SECRET=1 for a demo"
            )
        try:
            master = base64.b64decode(key_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise IdKeyRefused("REGISTRY_ID_KEY must be base64 (openssl rand -base64 32)") from exc
        if len(master) != 32:
            raise IdKeyRefused(
                f"REGISTRY_ID_KEY must be base64 of 32 bytes, not {len(master)} "
                "(openssl rand -base64 32)"
            )
        self._cipher = AESGCM(_derive(master, b"redvest registry id cipher v1"))
        self._hash_key = _derive(master, b"redvest registry id hash v1")

    @classmethod
    def from_settings(cls, settings: RegistrySettings) -> "IdVault":
        return cls(settings.id_key, allow_dev_secret=settings.allow_dev_secret)

    def encrypt(self, number: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher.encrypt(nonce, number.encode(), None)
        return CIPHER_PREFIX + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, cipher: str) -> str:
        if not cipher.startswith(CIPHER_PREFIX):
            raise ValueError("not an ID cipher of this key generation")
        raw = base64.b64decode(cipher[len(CIPHER_PREFIX) :])
        return self._cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()

    def hash(self, normalised_number: str) -> str:
        return hmac.new(self._hash_key, normalised_number.encode(), hashlib.sha256).hexdigest()
