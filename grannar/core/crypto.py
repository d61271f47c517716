"""Encryption of single field values (personnummer) with a key from the environment."""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@cache
def _field_key(key: str, secret_key: str) -> bytes:
    if key:
        return key.encode()
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"grannar-field-encryption"
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(derived)


@cache
def _fernet(key: bytes) -> Fernet:
    return Fernet(key)


def fernet() -> Fernet:
    return _fernet(_field_key(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY))


def key_check_values() -> dict[str, str]:
    """A check value per key (field encryption, survey pseudonyms): a keyed hash that tells
    whether two environments hold the same key without revealing it."""
    keys = {
        "GRANNAR_FIELD_KEY": _field_key(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY),
        "GRANNAR_PSEUDONYM_KEY": settings.GRANNAR_PSEUDONYM_KEY.encode(),
    }
    return {
        name: hmac.new(key, b"grannar key check value", hashlib.sha256).hexdigest()[:16]
        for name, key in keys.items()
    }


def encrypt_text(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("The value cannot be decrypted with the configured key.") from error
