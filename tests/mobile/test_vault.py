"""The installed app keeps its tokens in the platform's keystore through flet-secure-storage
(a stand-in of the service here: there is no Flutter client on this machine), the browser app
in the user's store; the session saves, renews, resumes and forgets them through the vault."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mobile.session import AppContext
from mobile.store import Store, remember_active
from mobile.vault import SecureStorageVault, StoreVault, secure_storage_available, vault_for
from mobile.viewmodels.login import logout, resume
from shared.schemas.field import VisitOutcome
from tests.mobile.conftest import Day, Network, login
from tests.mobile.test_sync import first_day, record_visit

MakeCtx = Callable[..., AppContext]


class FakeSecureStorage:
    """``flet_secure_storage.SecureStorage``'s methods the vault calls, answered from a dict
    (the keystore) after a turn of the event loop, as the Flutter side answers."""

    def __init__(self) -> None:
        self.keystore: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        await asyncio.sleep(0)
        return self.keystore.get(key)

    async def set(self, key: str, value: str) -> None:
        if value is None:
            raise ValueError("value can't be None")
        await asyncio.sleep(0)
        self.keystore[key] = value

    async def remove(self, key: str) -> None:
        await asyncio.sleep(0)
        self.keystore.pop(key, None)


def _on_disk(store_path: Path) -> bytes:
    return b"".join(
        Path(f"{store_path}{suffix}").read_bytes()
        for suffix in ("", "-wal")
        if Path(f"{store_path}{suffix}").exists()
    )


def test_the_installed_app_keeps_its_tokens_in_the_keystore_only(
    make_ctx: MakeCtx, day: Day, network: Network
) -> None:
    storage = FakeSecureStorage()

    async def scenario() -> None:
        ctx = make_ctx(native=True, vault=SecureStorageVault(storage))
        await first_day(ctx, day)
        store = ctx.session.store
        key = f"cobro.user-{day.agent.id}.tokens"
        assert list(storage.keystore) == [key]
        kept = json.loads(storage.keystore[key])
        assert kept == {"access": ctx.session.api.token, "refresh": ctx.session.api.refresh_token}
        disk = _on_disk(store.path)
        assert kept["access"].encode() not in disk and kept["refresh"].encode() not in disk
        assert store.session().token == ""  # type: ignore[union-attr]

        # A renewal goes to the keystore at once.
        await record_visit(ctx, 0, VisitOutcome.moved, day)
        ctx.session.api._token = "expired"
        network.requests.clear()
        await ctx.session.engine.sync()
        assert "/api/v1/auth/refresh" in [r.url.path for r in network.requests]
        renewed = json.loads(storage.keystore[key])
        assert renewed["refresh"] == ctx.session.api.refresh_token != kept["refresh"]
        assert renewed["refresh"].encode() not in _on_disk(store.path)
        await ctx.session.close()

        # The app starts again: the session comes back from the keystore, without a login.
        again = await resume(make_ctx(native=True, vault=SecureStorageVault(storage)))
        assert again is not None and again.info.refresh_token == renewed["refresh"]
        assert (await again.engine.sync()).answered == {}
        await again.close()

        # Without the keystore's tokens (cleared by the system) the app asks to log in.
        emptied = FakeSecureStorage()
        assert await resume(make_ctx(native=True, vault=SecureStorageVault(emptied))) is None

    asyncio.run(scenario())


def test_logout_forgets_the_keystores_tokens(make_ctx: MakeCtx, day: Day) -> None:
    storage = FakeSecureStorage()

    async def scenario() -> None:
        ctx = make_ctx(native=True, vault=SecureStorageVault(storage))
        await login(ctx, day.agent)
        assert storage.keystore
        await logout(ctx)
        assert storage.keystore == {}
        assert await resume(make_ctx(native=True, vault=SecureStorageVault(storage))) is None

    asyncio.run(scenario())


def test_tokens_an_older_app_kept_in_the_store_move_to_the_keystore(
    make_ctx: MakeCtx, day: Day, config
) -> None:  # type: ignore[no-untyped-def]
    storage = FakeSecureStorage()

    async def scenario() -> None:
        ctx = make_ctx(native=True)
        await login(ctx, day.agent)
        store = ctx.session.store
        token, refresh = ctx.session.api.token, ctx.session.api.refresh_token
        # What the previous version wrote: the tokens inside the saved session.
        legacy = {**json.loads(store.get("session") or "{}"), "token": token}
        store.put("session", json.dumps({**legacy, "refresh_token": refresh}))
        store.put("tokens", None)
        await ctx.session.close()
        remember_active(config.data_dir, str(day.agent.id))

        again = await resume(make_ctx(native=True, vault=SecureStorageVault(storage)))
        assert again is not None and again.info.refresh_token == refresh
        assert json.loads(storage.keystore[f"cobro.user-{day.agent.id}.tokens"])["access"] == token
        assert again.store.session().token == ""  # type: ignore[union-attr]
        assert token.encode() not in _on_disk(again.store.path)  # type: ignore[union-attr]
        await again.close()

    asyncio.run(scenario())


def test_the_browser_app_keeps_the_store_vault(tmp_path: Path) -> None:
    async def scenario() -> None:
        vault = vault_for(native=False)
        assert isinstance(vault, StoreVault)
        store = Store(tmp_path / "user.sqlite3")
        assert await vault.load(store) is None
        from mobile.vault import Tokens

        await vault.save(store, Tokens("a", "r"))
        assert await vault.load(store) == Tokens("a", "r")
        await vault.forget(store)
        assert await vault.load(store) is None
        store.close()

    asyncio.run(scenario())


def test_the_installed_app_picks_the_real_secure_storage_and_its_api_matches() -> None:
    """The real package imports without a Flutter client; its service is what the installed
    app wraps, and the methods the vault calls have the shapes the stand-in above has."""
    if not secure_storage_available():
        pytest.skip("flet-secure-storage is not installed (pip install -e '.[mobile]')")
    import flet_secure_storage

    vault = vault_for(native=True)
    assert isinstance(vault, SecureStorageVault)
    assert isinstance(vault._storage, flet_secure_storage.SecureStorage)
    real = flet_secure_storage.SecureStorage
    for name in ("get", "set", "remove"):
        method = getattr(real, name)
        assert inspect.iscoroutinefunction(method), name
        wanted = list(inspect.signature(getattr(FakeSecureStorage, name)).parameters)
        positional = [
            p.name
            for p in inspect.signature(method).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD
        ]
        assert positional == wanted, name
