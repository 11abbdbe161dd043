"""Receiving an upload: one multipart ``file`` field, refused as soon as it passes the limit.

The declared Content-Length is checked before anything is read, and the body is counted while
it streams (chunked uploads declare nothing), so an oversized upload answers 413
``payload_too_large`` without being stored. The file itself spools to a temporary file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from backend.core.config import get_settings
from backend.core.errors import PayloadTooLarge
from backend.imports.errors import FileRequired

ENVELOPE = 64 * 1024  # room for the multipart boundaries and part headers


def upload_body_bytes() -> int:
    """The largest request body of an upload route (``backend.core.bodylimit``): the largest
    file plus its envelope."""
    return get_settings().max_upload_bytes + ENVELOPE


async def read_upload(request: Request, limit: int) -> UploadFile:
    """The uploaded ``file`` (the caller closes it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + ENVELOPE:
        raise PayloadTooLarge(limit=limit)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise FileRequired()
    parser = MultiPartParser(
        request.headers, _capped(request.stream(), limit + ENVELOPE, limit), max_files=1
    )
    try:
        form = await parser.parse()
    except MultiPartException:
        raise FileRequired() from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        await form.close()
        raise FileRequired()
    if upload.size is not None and upload.size > limit:
        await form.close()
        raise PayloadTooLarge(limit=limit)
    return upload


async def _capped(stream: AsyncIterator[bytes], cap: int, limit: int) -> AsyncIterator[bytes]:
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > cap:
            raise PayloadTooLarge(limit=limit)
        yield chunk
