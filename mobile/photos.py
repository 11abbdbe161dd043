"""Visit photos on the device: taken with the visit, kept until the visit synced, then sent.

The agent takes the photo on the visit screen (the phone's camera or gallery, the browser's
file picker); it is stored in the device's store at once, with a ``client_id`` of its own and
the visit's, so nothing is lost offline. The server only takes a photo of a visit it has, so
:func:`upload_pending` sends a photo once its visit was answered (after the outbox push of a
sync) and leaves it waiting while the visit is still pending. The upload is safe to repeat: the
server stores a ``client_id`` once. A photo the server refuses (a file that is no image, its
visit rejected) is kept as ``refused`` with the code; a sent one drops its bytes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from mobile.outbox import PENDING, new_client_id, now
from mobile.store import Store, StoredPhoto
from shared.client import ApiError, AuthError
from shared.schemas.field import SyncStatus, VisitPhotoRead

SENT, REFUSED = "sent", "refused"


class PhotoApi(Protocol):
    async def upload_visit_photo(
        self, client_id: str, visit_client_id: str, content: bytes, taken_at: datetime | None
    ) -> VisitPhotoRead: ...


def queue(store: Store, visit_client_id: str, account_id: uuid.UUID, content: bytes) -> str:
    """Keep a photo of the visit ``visit_client_id`` for upload; its ``client_id``."""
    client_id = new_client_id()
    store.add_photo(StoredPhoto(client_id, visit_client_id, str(account_id), now(), content))
    return client_id


async def upload_pending(store: Store, api: PhotoApi) -> int:
    """Send the photos whose visit synced; how many the server took. ``ApiUnavailable`` (and
    an expired session) propagate: the photos stay pending for the next sync."""
    sent = 0
    for photo in store.photos(PENDING):
        visit = store.action_status(photo.visit_client_id)
        if visit == PENDING:
            continue
        if visit == SyncStatus.rejected.value:
            store.photo_done(photo.client_id, REFUSED, "visit_rejected")
            continue
        try:
            await api.upload_visit_photo(
                photo.client_id, photo.visit_client_id, photo.content, photo.taken_at
            )
        except AuthError:
            raise
        except ApiError as exc:
            store.photo_done(photo.client_id, REFUSED, exc.code)
            continue
        store.photo_done(photo.client_id, SENT)
        sent += 1
    return sent
