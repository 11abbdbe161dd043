"""The single-process default: the API with the bots and web app mounted beside it."""

from backend.app import create_app
from backend.conversations.service import ensure_bot_identity
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.core.headers import page_policy

app = create_app()


def _bot_token() -> str:
    """A token for the bots' service user, minted in this process for a day (minted again
    when it expires or the credential is rotated)."""
    with session_scope() as session:
        return ensure_bot_identity(session, days=1)


# The channel webhooks (/webhooks/telegram, /webhooks/whatsapp) need the "bots" extra; the
# API-only image (Dockerfile) has neither it nor the bots package and serves without them.
try:
    from bots.app import include_webhooks
except ModuleNotFoundError as missing:
    if missing.name not in ("bots", "telegram", "pywa", "pywa_async"):
        raise
else:
    include_webhooks(app, _bot_token)

# The debtor self-service portal at /portal (bots/portal): a debtor channel like the chats, on
# the same bot API; it needs only the bots package (docs/portal.md).
try:
    from bots.portal.app import include_portal
except ModuleNotFoundError as missing:
    if missing.name != "bots":
        raise
else:
    include_portal(app, _bot_token, get_settings().secret_key)

# The field agent app in the browser at /app (needs the "mobile" extra; see mobile/web.py).
try:
    from mobile import web as field_app
except ModuleNotFoundError as missing:
    if missing.name not in ("mobile", "flet", "flet_web", "flet_map"):
        raise
else:
    if field_app.mount(app):
        page_policy(app, field_app.MOUNT_PATH, field_app.content_security_policy())
