"""Personal data sealed at rest: AES-GCM with versioned keys, and keyed blind indexes.

A sealed value is stored as ``v{version}:`` + base64(nonce | ciphertext | tag): a random
96-bit nonce per value, the column's name as associated data (a value copied into another
column does not open). Keys come from ``COBRO_DATA_KEYS`` ("2:<base64 32 bytes>,1:<...>",
the current one first; older ones only open values not yet re-sealed by
``cobro rotate-data-key``). A blind index is the HMAC-SHA256 (hex) of a normalised value
under ``COBRO_INDEX_KEY``, a separate key: equal values have equal indexes, so lookups match
exactly without decrypting, and nothing about the value can be read from it without the key.
Outside production, when unset, both keys are derived from the secret key (``make run``
needs nothing); production refuses to start without them (``backend.core.config``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.core.config import get_settings

NONCE_BYTES = 12


class SealError(ValueError):
    """A sealed value that cannot be opened (unknown key version, tampered, malformed)."""


@dataclass(frozen=True)
class Keyring:
    current: int
    ciphers: dict[int, AESGCM]
    index_key: bytes


def parse_keys(text: str) -> list[tuple[int, bytes]]:
    """``"2:<base64>,1:<base64>"`` as (version, 32-byte key) pairs, in the given order."""
    keys: list[tuple[int, bytes]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        version, sep, encoded = part.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
            number = int(version)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"COBRO_DATA_KEYS: {version!r} is not version:base64") from exc
        if not sep or number < 1 or len(key) != 32:
            raise ValueError(f"COBRO_DATA_KEYS: key {version!r} must be N:<base64 of 32 bytes>")
        if any(number == known for known, _ in keys):
            raise ValueError(f"COBRO_DATA_KEYS: version {number} given twice")
        keys.append((number, key))
    return keys


def _derived(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"cobro:{purpose}:{secret}".encode()).digest()


@lru_cache(maxsize=8)
def _keyring(data_keys: str, index_key: str, secret: str) -> Keyring:
    keys = parse_keys(data_keys) or [(1, _derived(secret, "data-key"))]
    index = base64.b64decode(index_key) if index_key else _derived(secret, "index-key")
    if len(index) < 32:
        raise ValueError("COBRO_INDEX_KEY must be the base64 of at least 32 bytes")
    return Keyring(keys[0][0], {v: AESGCM(k) for v, k in keys}, index)


def keyring() -> Keyring:
    settings = get_settings()
    return _keyring(settings.data_keys, settings.index_key, settings.secret_key)


def seal(value: str, context: str) -> str:
    """``value`` encrypted under the current key, bound to ``context`` (the column)."""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.ciphers[ring.current].encrypt(nonce, value.encode(), context.encode())
    return f"v{ring.current}:{base64.b64encode(nonce + sealed).decode()}"


def key_version(token: str) -> int:
    version, sep, _ = token.partition(":")
    if not sep or not version.startswith("v") or not version[1:].isdigit():
        raise SealError("not a sealed value")
    return int(version[1:])


def unseal(token: str, context: str) -> str:
    cipher = keyring().ciphers.get(key_version(token))
    if cipher is None:
        raise SealError(f"no key of version {key_version(token)} in COBRO_DATA_KEYS")
    try:
        raw = base64.b64decode(token.partition(":")[2], validate=True)
        opened = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
    except (binascii.Error, InvalidTag, ValueError) as exc:
        raise SealError("a sealed value does not open with its key") from exc
    return opened.decode()


def blind_index(value: str, purpose: str) -> str:
    """The keyed HMAC-SHA256 (hex) of an already normalised value; ``purpose`` separates the
    indexes of different kinds of values."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.digest(keyring().index_key, message, "sha256").hex()
