"""A lighter Flet web client: fewer files asked for, the big ones sent compressed, no CDN.

Flet's web client (the ``flet-web`` package) is served as shipped, with three changes made at
the first start under ``COBRO_WEB_CACHE_DIR`` (default ``var/web``), per Flet version:

* an *overlay* given to Flet as its ``assets_dir`` (Flet takes ``index.html`` and
  ``assets/FontManifest.json`` from there): the font manifest without the KaTeX maths fonts
  and Cupertino icons the app never draws (Flutter loads every font the manifest lists at
  start), and a page whose first script keeps scripts on this origin. Flet's client asks
  jsDelivr for Rive's optional animation runtime (a ``<script>`` it adds); the app uses no
  Rive animation, so a script pointing elsewhere gets an empty ``src`` and fails at once,
  without any request (as it failed before, refused by the page's Content-Security-Policy);
* :class:`Precompressed`: files of the client (``main.dart.wasm``, CanvasKit, the icon
  font...) are answered brotli- or gzip-compressed, per the browser's ``Accept-Encoding``,
  from copies compressed once, at their first request, and kept in the cache directory.

``benchmarks/web_weight.py`` measures the result in Chromium (docs/mobile.md has the figures).
"""

from __future__ import annotations

import gzip
import json
import mimetypes
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from anyio import to_thread
from starlette.datastructures import Headers
from starlette.responses import FileResponse
from starlette.types import ASGIApp, Receive, Scope, Send

#: Font families of Flet's client the app never draws (maths formulas, iOS-style icons).
UNUSED_FONTS = ("packages/flutter_math_fork/", "packages/cupertino_icons/")
#: Files Flet rewrites per mount (base path, websocket URL): never served from the package.
PATCHED = frozenset({"index.html", "manifest.json", "assets/FontManifest.json"})
#: Smaller files gain nothing worth a cached copy.
MIN_BYTES = 1024
#: Kinds of file worth compressing (fonts in woff2 and PNGs are compressed already).
COMPRESSIBLE = (".wasm", ".js", ".mjs", ".json", ".otf", ".ttf", ".bin", ".html", ".css")
#: Brotli's quality 5: within 3% of quality 9 on ``main.dart.wasm``, compressed in about a
#: second (quality 11 takes over a minute).
BROTLI_QUALITY = 5

#: The page's first script: a ``<script>`` pointing off this origin gets an empty ``src``.
SAME_ORIGIN_SCRIPTS = """<script>
  // Cobro: no request leaves this origin. Flet's client adds a <script> for Rive's optional
  // runtime from a CDN; an empty src fails at once (error event) without a request.
  (function () {
    var src = Object.getOwnPropertyDescriptor(HTMLScriptElement.prototype, "src");
    Object.defineProperty(HTMLScriptElement.prototype, "src", {
      configurable: true,
      enumerable: src.enumerable,
      get: function () { return src.get.call(this); },
      set: function (value) {
        var url = new URL(String(value), document.baseURI);
        src.set.call(this, url.origin === window.location.origin ? value : "");
      }
    });
  })();
</script>
"""

#: The connection-lost banner. The app's Python runs on the server: while the websocket is
#: down nothing can be drawn or recorded from there, so the page itself says so, from the
#: moment the socket closes (or the browser goes offline) until it opens again (Flet's client
#: reconnects on its own and the server keeps the session meanwhile).
OFFLINE_BANNER = """<script>
  (function () {
    var texts = __TEXTS__;
    var banner = null;
    function show(offline) {
      if (!document.body) return;
      if (!banner) {
        banner = document.createElement("div");
        banner.id = "cobro-offline";
        banner.setAttribute("role", "alert");
        banner.style.cssText = "position:fixed;left:0;right:0;top:0;z-index:2147483647;" +
          "background:#B00020;color:#fff;font:600 17px/1.35 Roboto,Arial,sans-serif;" +
          "padding:12px 14px;box-shadow:0 2px 6px rgba(0,0,0,.4);display:none";
        texts.forEach(function (text, i) {
          var line = document.createElement("div");
          line.textContent = text;
          if (i > 0) line.style.cssText = "font-weight:400;font-size:15px";
          banner.appendChild(line);
        });
        document.body.appendChild(banner);
      }
      banner.style.display = offline ? "block" : "none";
    }
    var Native = window.WebSocket;
    function Watched(url, protocols) {
      var socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
      socket.addEventListener("open", function () { show(!navigator.onLine); });
      socket.addEventListener("close", function () { show(true); });
      return socket;
    }
    Watched.prototype = Native.prototype;
    ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (name) {
      Watched[name] = Native[name];
    });
    window.WebSocket = Watched;
    window.addEventListener("offline", function () { show(true); });
  })();
</script>
"""

mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("text/javascript", ".mjs")


def package_web_dir() -> Path:
    """Flet's compiled web client (``FLET_WEB_PATH`` overrides it, as it does for Flet)."""
    from flet_web import get_package_web_dir

    return Path(get_package_web_dir())


def cache_dir(env: dict[str, str] | os._Environ[str] | None = None) -> Path:
    """``COBRO_WEB_CACHE_DIR``, else ``var/web`` under the working directory; one folder per
    Flet version inside."""
    values = os.environ if env is None else env
    root = Path(values.get("COBRO_WEB_CACHE_DIR") or Path("var") / "web")
    return root / metadata.version("flet-web")


def build_overlay(web_dir: Path, target: Path, offline: Sequence[str] = ()) -> Path:
    """Write the overlay (``index.html``, ``assets/FontManifest.json``) into ``target``;
    ``offline``: the lines of the connection-lost banner (none: no banner)."""
    index = (web_dir / "index.html").read_text(encoding="utf-8")
    head = index.index("<head>") + len("<head>")
    fonts = json.loads((web_dir / "assets" / "FontManifest.json").read_text(encoding="utf-8"))
    kept = [font for font in fonts if not str(font["family"]).startswith(UNUSED_FONTS)]
    scripts = SAME_ORIGIN_SCRIPTS
    if offline:
        # json.dumps escapes quotes; "</" is escaped too so a text cannot end the script.
        texts = json.dumps(list(offline)).replace("</", "<\\/")
        scripts += OFFLINE_BANNER.replace("__TEXTS__", texts)
    page = index[:head] + "\n" + scripts + index[head:]
    _write(target / "index.html", page.encode())
    _write(target / "assets" / "FontManifest.json", json.dumps(kept).encode())
    return target


def _write(path: Path, data: bytes) -> None:
    """Replace ``path`` at once (several server processes may write the same file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def _brotli(data: bytes) -> bytes:
    import brotli

    return bytes(brotli.compress(data, quality=BROTLI_QUALITY))


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


ENCODERS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "br": (".br", _brotli),
    "gzip": (".gz", _gzip),
}


def accepted(headers: Headers) -> list[str]:
    """The encodings of :data:`ENCODERS` the request accepts, best first."""
    offered = {
        part.split(";")[0].strip().lower()
        for part in headers.get("accept-encoding", "").split(",")
        if not part.strip().endswith(";q=0")
    }
    return [name for name in ENCODERS if name in offered]


class CompressedCopies:
    """Compressed copies of the client's files, made once and kept in ``root``."""

    def __init__(self, web_dir: Path, root: Path) -> None:
        self.web_dir = web_dir.resolve()
        self.root = root
        self._lock = threading.Lock()
        self._file_locks: dict[Path, threading.Lock] = {}

    def source(self, relative: str) -> Path | None:
        """The client's file at ``relative`` when it is worth compressing, else ``None``."""
        if not relative or relative in PATCHED or not relative.endswith(COMPRESSIBLE):
            return None
        path = (self.web_dir / relative).resolve()
        if not path.is_relative_to(self.web_dir) or not path.is_file():
            return None
        return path if path.stat().st_size >= MIN_BYTES else None

    def copy(self, source: Path, encoding: str) -> Path:
        """The compressed copy of ``source`` (made now if missing or stale); blocking."""
        suffix, encode = ENCODERS[encoding]
        stat = source.stat()
        relative = source.relative_to(self.web_dir)
        version = f"{stat.st_size}-{stat.st_mtime_ns}"
        target = self.root / relative.parent / f"{relative.name}.{version}{suffix}"
        if target.exists():
            return target
        with self._lock:
            lock = self._file_locks.setdefault(target, threading.Lock())
        with lock:
            if not target.exists():
                _write(target, encode(source.read_bytes()))
        return target


class Precompressed:
    """Answers GET and HEAD for the client's files with a compressed copy when the browser
    accepts one; everything else (the websocket, Flet's patched files) goes to ``app``."""

    def __init__(self, app: ASGIApp, copies: CompressedCopies) -> None:
        self.app = app
        self.copies = copies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        encodings = accepted(headers)
        source = self.copies.source(_relative(scope)) if encodings else None
        if source is None:
            await self.app(scope, receive, send)
            return
        encoding = encodings[0]
        copy = await to_thread.run_sync(self.copies.copy, source, encoding)
        media_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        response = FileResponse(
            copy,
            media_type=media_type,
            headers={"Content-Encoding": encoding, "Vary": "Accept-Encoding"},
        )
        await response(scope, receive, send)


def _relative(scope: Scope) -> str:
    """The request's path inside the mounted app, without the leading slash."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.lstrip("/")


def lighter(app: ASGIApp, web_dir: Path, cache: Path) -> Any:
    """``app`` (Flet's ASGI app) behind :class:`Precompressed`, copies kept in ``cache``."""
    return Precompressed(app, CompressedCopies(web_dir, cache / "compressed"))
