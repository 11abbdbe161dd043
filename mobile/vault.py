"""Where the session's tokens live on the device: :class:`TokenVault`.

- :class:`SecureStorageVault`: the platform's keystore (Android Keystore-backed encrypted
  preferences, iOS/macOS Keychain, Windows Credential Manager) through the
  ``flet-secure-storage`` service. The installed app uses it when the package is there (it is in
  the APK's dependencies): a copied app data directory then holds no token.
- :class:`StoreVault`: the user's private SQLite store (a 0600 file in the app's data
  directory). The browser app (its Python runs on the server, where there is no keystore), the
  tests, and an installed build without the package.

Both are async, as the secure storage's API is (a call travels to the Flutter side and back).
Tokens are kept per user (the store's name), replaced at each renewal, forgotten at logout.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from typing import Any, Protocol

from mobile.store import Store

TOKENS_KEY = "tokens"


@dataclass(frozen=True, slots=True)
class Tokens:
    access: str
    refresh: str | None


class TokenVault(Protocol):
    async def load(self, store: Store) -> Tokens | None: ...

    async def save(self, store: Store, tokens: Tokens) -> None: ...

    async def forget(self, store: Store) -> None: ...


class StoreVault:
    """The tokens in the user's own store, beside their day."""

    async def load(self, store: Store) -> Tokens | None:
        return _parse(store.get(TOKENS_KEY))

    async def save(self, store: Store, tokens: Tokens) -> None:
        store.put(TOKENS_KEY, _dump(tokens))

    async def forget(self, store: Store) -> None:
        store.put(TOKENS_KEY, None)


class SecureStorageVault:
    """The tokens in the platform's keystore, through a ``flet_secure_storage.SecureStorage``
    service (``get``/``set``/``remove`` are coroutines answered by the Flutter client)."""

    def __init__(self, storage: Any) -> None:
        self._storage = storage

    async def load(self, store: Store) -> Tokens | None:
        return _parse(await self._storage.get(_key(store)))

    async def save(self, store: Store, tokens: Tokens) -> None:
        await self._storage.set(_key(store), _dump(tokens))

    async def forget(self, store: Store) -> None:
        await self._storage.remove(_key(store))


def secure_storage_available() -> bool:
    """Whether the ``flet-secure-storage`` extension is installed (it is in the APK build)."""
    return importlib.util.find_spec("flet_secure_storage") is not None


def vault_for(native: bool) -> TokenVault:
    """The keystore on an installed app with the extension, else the user's store. Call it
    inside the page's session: constructing the service registers it with the page."""
    if native and secure_storage_available():
        import flet_secure_storage

        return SecureStorageVault(flet_secure_storage.SecureStorage())
    return StoreVault()


def _key(store: Store) -> str:
    return f"cobro.{store.path.stem}.tokens"  # cobro.user-<uuid>.tokens


def _dump(tokens: Tokens) -> str:
    return json.dumps({"access": tokens.access, "refresh": tokens.refresh})


def _parse(raw: str | None) -> Tokens | None:
    if not raw:
        return None
    found = json.loads(raw)
    return Tokens(found["access"], found.get("refresh"))
