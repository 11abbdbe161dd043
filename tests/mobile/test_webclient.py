"""The lighter web client: the overlay Flet is given, and compressed answers for its files.

The browser side (bytes on the wire, no request off the origin) is measured in Chromium by
``tests/mobile/test_browser.py`` and ``benchmarks/web_weight.py``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.datastructures import Headers

from mobile import webclient

pytest.importorskip("flet_web")


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    """A small stand-in for Flet's client with the same layout."""
    root = tmp_path / "web"
    (root / "assets" / "fonts").mkdir(parents=True)
    (root / "index.html").write_text("<html>\n<head>\n<title>Flet</title></head></html>")
    fonts = [
        {"family": "MaterialIcons", "fonts": [{"asset": "fonts/MaterialIcons-Regular.otf"}]},
        {"family": "packages/flutter_math_fork/KaTeX_Main", "fonts": [{"asset": "k.ttf"}]},
        {"family": "packages/cupertino_icons/CupertinoIcons", "fonts": [{"asset": "c.ttf"}]},
    ]
    (root / "assets" / "FontManifest.json").write_text(json.dumps(fonts))
    (root / "main.dart.wasm").write_bytes(b"\0asm" + b"wasm body " * 5000)
    (root / "assets" / "fonts" / "roboto.woff2").write_bytes(b"w" * 5000)
    (root / "small.js").write_text("x")
    return root


def test_the_overlay_drops_maths_fonts_and_keeps_scripts_on_the_origin(
    web_dir: Path, tmp_path: Path
) -> None:
    overlay = webclient.build_overlay(web_dir, tmp_path / "overlay")
    fonts = json.loads((overlay / "assets" / "FontManifest.json").read_text())
    assert [font["family"] for font in fonts] == ["MaterialIcons"]
    index = (overlay / "index.html").read_text()
    # The guard runs first, before Flet's own scripts and the client's bootstrap.
    assert index.index("HTMLScriptElement.prototype") < index.index("<title>")
    assert "window.location.origin" in index
    assert "cobro-offline" not in index  # no banner asked for


def test_the_overlay_carries_the_connection_lost_banner(web_dir: Path, tmp_path: Path) -> None:
    lines = ["Sin conexión", 'No "connection" </script><script>alert(1)</script>']
    overlay = webclient.build_overlay(web_dir, tmp_path / "overlay", lines)
    index = (overlay / "index.html").read_text()
    assert "cobro-offline" in index and "window.WebSocket = Watched" in index
    assert '"Sin conexi\\u00f3n"' in index  # JSON, escaped
    assert "</script><script>alert" not in index  # a text cannot close the script
    assert index.index("window.WebSocket") < index.index("<title>")  # before Flet's client


def test_the_real_client_has_what_the_overlay_expects(tmp_path: Path) -> None:
    """A Flet upgrade that renamed these files would silently serve the heavy client."""
    web_dir = webclient.package_web_dir()
    overlay = webclient.build_overlay(web_dir, tmp_path / "overlay")
    fonts = json.loads((overlay / "assets" / "FontManifest.json").read_text())
    assert [font["family"] for font in fonts] == ["MaterialIcons"]
    assert (web_dir / "main.dart.wasm").is_file()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br, zstd", ["br", "gzip"]),
        ("gzip", ["gzip"]),
        ("br;q=0, gzip", ["gzip"]),
        ("identity", []),
        ("", []),
    ],
)
def test_accepted_encodings(header: str, expected: list[str]) -> None:
    assert webclient.accepted(Headers({"accept-encoding": header})) == expected


def _client(web_dir: Path, cache: Path) -> TestClient:
    from fastapi.staticfiles import StaticFiles

    inner = StaticFiles(directory=web_dir)
    app = FastAPI()
    app.mount("/app", webclient.lighter(inner, web_dir, cache))
    return TestClient(app)


def test_client_files_are_answered_compressed_from_a_kept_copy(
    web_dir: Path, tmp_path: Path
) -> None:
    client = _client(web_dir, tmp_path / "cache")
    body = (web_dir / "main.dart.wasm").read_bytes()

    answer = client.get("/app/main.dart.wasm", headers={"Accept-Encoding": "br"})
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "br"
    assert answer.headers["content-type"] == "application/wasm"
    assert answer.headers["vary"] == "Accept-Encoding"
    assert int(answer.headers["content-length"]) < len(body) / 10
    assert answer.content == body  # httpx decodes it (brotli is installed)
    kept = list((tmp_path / "cache" / "compressed").glob("main.dart.wasm.*.br"))
    assert len(kept) == 1

    zipped = client.get("/app/main.dart.wasm", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == body  # httpx decodes gzip

    plain = client.get("/app/main.dart.wasm", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == body


def test_a_changed_file_gets_a_new_copy(web_dir: Path, tmp_path: Path) -> None:
    client = _client(web_dir, tmp_path / "cache")
    client.get("/app/main.dart.wasm", headers={"Accept-Encoding": "gzip"})
    (web_dir / "main.dart.wasm").write_bytes(b"\0asm" + b"other body " * 4000)
    answer = client.get("/app/main.dart.wasm", headers={"Accept-Encoding": "gzip"})
    assert answer.content == (web_dir / "main.dart.wasm").read_bytes()
    assert gzip.decompress(next((tmp_path / "cache").rglob("*.gz")).read_bytes())


@pytest.mark.parametrize(
    "path",
    [
        "/app/assets/fonts/roboto.woff2",  # compressed already
        "/app/small.js",  # too small to gain
        "/app/index.html",  # Flet patches it per mount
        "/app/../web/main.dart.wasm",  # outside the client
        "/app/missing.js",
    ],
)
def test_other_files_go_to_flet_as_they_are(web_dir: Path, tmp_path: Path, path: str) -> None:
    answer = _client(web_dir, tmp_path / "cache").get(path, headers={"Accept-Encoding": "br"})
    assert "content-encoding" not in answer.headers
    assert not (tmp_path / "cache").exists()
