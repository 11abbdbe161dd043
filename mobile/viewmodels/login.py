"""Login, resuming a session on a phone, and logout."""

from __future__ import annotations

from dataclasses import replace

from mobile.session import AppContext, UserSession
from mobile.store import SessionInfo, Store, active_user, remember_active
from mobile.vault import Tokens
from shared.client import ApiError, ApiUnavailable
from shared.schemas.enums import Role

#: Roles that use the app: agents work their day, supervisors watch their team's routes.
APP_ROLES = (Role.agent, Role.supervisor, Role.admin)


class LoginViewModel:
    """The login form. :meth:`submit` returns the started session or sets :attr:`error`."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.email = ""
        self.password = ""
        self.error: str | None = None
        self.busy = False

    async def submit(self) -> UserSession | None:
        self.error = None
        email, password = self.email.strip(), self.password
        if not email or not password:
            self.error = self.ctx.t("mobile.login.missing")
            return None
        api = self.ctx.make_client(None, None, self.ctx.lang)
        self.busy = True
        try:
            await api.login(email, password)
            me = await api.me()
        except (ApiError, ApiUnavailable) as exc:
            await api.aclose()
            # Unreachable: say so; refused or throttled (429, 503 login_busy): say why.
            offline = isinstance(exc, ApiUnavailable) and exc.code != "login_busy"
            self.error = self.ctx.t("mobile.login.offline") if offline else exc.message
            return None
        finally:
            self.busy = False
        if me.role not in APP_ROLES:
            await api.aclose()
            self.error = self.ctx.t("mobile.login.role")
            return None
        info = SessionInfo(
            token=api.token or "",
            refresh_token=api.refresh_token,
            user_id=str(me.id),
            email=me.email,
            full_name=me.full_name,
            role=me.role.value,
            language=self.ctx.lang,
        )
        session = await UserSession.start(info, api, self.ctx.config, self.ctx.vault)
        if self.ctx.native:
            remember_active(self.ctx.config.data_dir, info.user_id)
        self.password = ""
        self.ctx.user = session
        return session


async def resume(ctx: AppContext) -> UserSession | None:
    """On a phone, reopen the last user's store and session without asking (works offline:
    the access token is renewed at the next sync with the refresh token from the vault; a
    session that ended shows up then, and the app asks to log in again). Tokens an older
    version kept in the store move to the vault."""
    if not ctx.native:
        return None
    user_id = active_user(ctx.config.data_dir)
    if user_id is None:
        return None
    store = Store.for_user(ctx.config.data_dir, user_id)
    info = store.session()
    tokens = await ctx.vault.load(store)
    store.close()
    legacy = info is not None and tokens is None and bool(info.token)
    if legacy:
        tokens = Tokens(info.token, info.refresh_token)  # type: ignore[union-attr]
    if info is None or tokens is None:
        remember_active(ctx.config.data_dir, None)
        return None
    info = replace(info, token=tokens.access, refresh_token=tokens.refresh)
    ctx.lang = info.language
    api = ctx.make_client(info.token, info.refresh_token, info.language)
    ctx.user = await UserSession.start(info, api, ctx.config, ctx.vault)
    if legacy:
        ctx.user.store.truncate_log()
    return ctx.user


async def logout(ctx: AppContext) -> None:
    """Log out and delete the user's data from the device."""
    if ctx.user is not None:
        await ctx.user.wipe(ctx.config)
        ctx.user = None
