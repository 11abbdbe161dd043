"""Graph API calls sent to a configurable server root (``WHATSAPP_API_BASE_URL``).

pywa 4.5 has no base-URL setting: it sets its httpx client's base URL to Meta's Graph API. This
transport rewrites each Graph API request's scheme, host, port and path prefix (and its ``Host``
header) on the way out, so a proxy or a test server can stand in, through httpx's public API
only. Requests to any other host (the media download URLs the Graph API answers with, on
Meta's CDN) go out as they are.
"""

from __future__ import annotations

import httpx

GRAPH_HOST = "graph.facebook.com"


class BaseUrlTransport(httpx.AsyncBaseTransport):
    def __init__(self, base_url: str, inner: httpx.AsyncBaseTransport) -> None:
        self._base = httpx.URL(base_url)
        self._prefix = self._base.path.rstrip("/")
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != GRAPH_HOST:
            return await self._inner.handle_async_request(request)
        request.url = request.url.copy_with(
            scheme=self._base.scheme,
            host=self._base.host,
            port=self._base.port,
            path=f"{self._prefix}{request.url.path}",
        )
        request.headers["Host"] = request.url.netloc.decode("ascii")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
