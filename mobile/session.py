"""A logged-in user on this device: their API client, local store, outbox and sync engine.

:class:`AppContext` is what every view model gets: the configuration, the language, the
position provider, how to make an API client, and the :class:`UserSession` once logged in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from zoneinfo import ZoneInfo

from mobile.config import MobileConfig
from mobile.geo import PositionProvider
from mobile.outbox import Outbox, now
from mobile.store import WORK_ZONE, SessionInfo, Store, remember_active
from mobile.sync import SyncEngine
from mobile.vault import StoreVault, Tokens, TokenVault
from shared.client import CobroClient
from shared.i18n import DEFAULT_LANGUAGE, t
from shared.schemas.auth import Token

#: Makes an API client: ``(token, refresh_token, language) -> CobroClient`` (tests pass an
#: in-process one).
ClientFactory = Callable[[str | None, str | None, str], CobroClient]


def http_client_factory(
    config: MobileConfig, headers: Mapping[str, str] | None = None
) -> ClientFactory:
    """API clients of the configured backend; short timeouts suit a weak signal. ``headers``
    go with every request (the browser app names the browser's address, see ``mobile.app``)."""

    def make(token: str | None, refresh_token: str | None, language: str) -> CobroClient:
        return CobroClient(
            config.api_url,
            token=token,
            refresh_token=refresh_token,
            language=language,
            timeout=15.0,
            headers=headers,
        )

    return make


@dataclass(slots=True)
class UserSession:
    """Everything that belongs to the logged-in user; :meth:`wipe` removes it from the device."""

    info: SessionInfo
    api: CobroClient
    store: Store
    outbox: Outbox
    engine: SyncEngine
    vault: TokenVault

    @classmethod
    async def start(
        cls, info: SessionInfo, api: CobroClient, config: MobileConfig, vault: TokenVault
    ) -> UserSession:
        """Open the user's store (saving who is logged in there and the tokens in ``vault``)
        and wire the sync engine. The client renews its access token on its own; each renewed
        pair is saved at once, so the session survives a restart (or a dead battery) with the
        tokens the API expects."""
        store = Store.for_user(config.data_dir, info.user_id)
        store.save_session(info)
        outbox = Outbox(store)
        session = cls(info, api, store, outbox, SyncEngine(store, outbox, api), vault)
        await vault.save(store, Tokens(info.token, info.refresh_token))
        api.on_tokens = session.tokens_renewed
        return session

    async def tokens_renewed(self, token: Token) -> None:
        self.info = replace(self.info, token=token.access_token, refresh_token=token.refresh_token)
        await self.vault.save(self.store, Tokens(token.access_token, token.refresh_token))

    @property
    def is_supervisor(self) -> bool:
        return self.info.role in ("supervisor", "admin")

    async def close(self) -> None:
        """Leave the data on the device (the app is closing or the session expired)."""
        await self.api.aclose()
        self.store.close()

    async def wipe(self, config: MobileConfig) -> None:
        """Logout: end the session (the API revokes it when reachable), forget the tokens and
        delete this user's store."""
        await self.api.logout()
        await self.api.aclose()
        await self.vault.forget(self.store)
        self.store.wipe()
        remember_active(config.data_dir, None)


@dataclass(slots=True)
class AppContext:
    """Shared by the view models of one running app (one browser tab, one phone)."""

    config: MobileConfig
    positions: PositionProvider
    make_client: ClientFactory
    native: bool = False  # a phone: sessions resume at the next start
    #: Where the tokens are kept: the keystore on an installed app (``mobile.vault``).
    vault: TokenVault = field(default_factory=StoreVault)
    lang: str = DEFAULT_LANGUAGE
    user: UserSession | None = field(default=None)

    def t(self, key: str, **params: object) -> str:
        """The text of ``key`` in the app's language."""
        return t(key, self.lang, **params)

    @property
    def session(self) -> UserSession:
        """The logged-in user (views behind the login only)."""
        if self.user is None:
            raise RuntimeError("no user is logged in")
        return self.user

    def today(self) -> date:
        """The user's day: today in the time zone the server last said they work in (the
        portfolio's: an agent's worklist, a supervisor's team summary), so a device set to
        another zone, or an evening past midnight UTC, does not date a payment or plan the
        team's tomorrow a day late; the device's date before the server said."""
        zone = self.user.store.get(WORK_ZONE) if self.user is not None else None
        if zone is None:
            return now().date()
        return now().astimezone(ZoneInfo(zone)).date()

    def switch_language(self) -> None:
        self.lang = "en" if self.lang == "es" else "es"
        if self.user is not None:
            self.user.api.language = self.lang
