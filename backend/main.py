"""The single-process default: the API with the bots and web app mounted beside it."""

from backend.app import create_app
from backend.conversations.service import ensure_bot_identity
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

# The field agent app in the browser at /app (needs the "mobile" extra; see mobile/web.py).
try:
    from mobile import web as field_app
except ModuleNotFoundError as missing:
    if missing.name not in ("mobile", "flet", "flet_web", "flet_map"):
        raise
else:
    if field_app.mount(app):
        page_policy(app, field_app.MOUNT_PATH, field_app.content_security_policy())
