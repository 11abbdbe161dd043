"""Web weight: the bytes a browser downloads to open the field app the first time.

``cobro field-app`` (from ``--tree``, default this checkout) starts on a free port; Debian's
Chromium (``/usr/bin/chromium``, driven by Playwright, nothing downloaded) opens ``/app/`` at
360x640 with an empty cache and waits for the login screen (its ``Correo`` field), then for the
network to go quiet. Every request is recorded through the DevTools protocol: its URL, the
bytes that crossed the wire (``encodedDataLength``: headers plus the body as sent, compressed
when it was) and the body's size once decoded. The websocket's frames (the app's own screens)
are counted apart.

Prints the heaviest files, the total and every request that left the page's origin (there must
be none: the app is served without CDNs); writes ``benchmarks/results/web_weight.json``.

Usage: ``python benchmarks/web_weight.py [--tree PATH] [--label NAME] [--top 15]``;
``--tree`` measures another checkout (e.g. ``git worktree add /tmp/before HEAD~3``) with the
same browser and measure.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import RESULTS, ROOT, cobro, free_port, log

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@dataclass(slots=True)
class Transfer:
    url: str
    status: int = 0
    encoding: str = ""
    wire_bytes: int = 0  # encodedDataLength: headers and the body as it travelled
    body_bytes: int = 0  # the body once decoded
    failed: str = ""


@dataclass(slots=True)
class Weight:
    """What the first load of a page cost."""

    origin: str
    transfers: list[Transfer] = field(default_factory=list)
    websocket_bytes: int = 0

    @property
    def wire_bytes(self) -> int:
        return sum(t.wire_bytes for t in self.transfers)

    @property
    def body_bytes(self) -> int:
        return sum(t.body_bytes for t in self.transfers)

    def foreign(self) -> list[str]:
        """Requests to anywhere but the page's origin (``data:`` and ``blob:`` stay local)."""
        local = ("data:", "blob:", self.origin + "/")
        return [t.url for t in self.transfers if not t.url.startswith(local)]


def record(cdp: Any, origin: str) -> Weight:
    """Listen to a DevTools session's network events; the result fills as the page loads."""
    weight = Weight(origin)
    by_id: dict[str, Transfer] = {}

    def sent(event: dict[str, Any]) -> None:
        if event["requestId"] not in by_id:  # a redirect keeps its id: count the first URL
            by_id[event["requestId"]] = Transfer(event["request"]["url"])
            weight.transfers.append(by_id[event["requestId"]])

    def received(event: dict[str, Any]) -> None:
        if (transfer := by_id.get(event["requestId"])) is not None:
            response = event["response"]
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            transfer.status = int(response.get("status", 0))
            transfer.encoding = headers.get("content-encoding", "")

    def data(event: dict[str, Any]) -> None:
        if (transfer := by_id.get(event["requestId"])) is not None:
            transfer.body_bytes += int(event.get("dataLength", 0))

    def finished(event: dict[str, Any]) -> None:
        if (transfer := by_id.get(event["requestId"])) is not None:
            transfer.wire_bytes = int(event.get("encodedDataLength", 0))

    def failed(event: dict[str, Any]) -> None:
        if (transfer := by_id.get(event["requestId"])) is not None:
            transfer.failed = str(event.get("errorText") or "failed")

    def frame(event: dict[str, Any]) -> None:
        weight.websocket_bytes += len(event["response"].get("payloadData", ""))

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.dataReceived", data)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.loadingFailed", failed)
    cdp.on("Network.webSocketFrameReceived", frame)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    return weight


def first_load(page: Any, url: str, quiet_ms: int = 2500) -> Weight:
    """Open ``url`` in ``page`` (a fresh Playwright page) until the login screen shows and the
    network is quiet; the :class:`Weight` of everything requested meanwhile."""
    parts = urlsplit(url)
    weight = record(page.context.new_cdp_session(page), f"{parts.scheme}://{parts.netloc}")
    page.goto(url)
    placeholder = page.locator("flt-semantics-placeholder")
    placeholder.wait_for(state="attached", timeout=60_000)
    placeholder.evaluate("element => element.click()")  # Flutter's semantics tree, for the DOM
    page.get_by_label("Correo").wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(quiet_ms)  # fonts and the renderer's late pieces
    return weight


def measure(tree: Path) -> Weight:
    from playwright.sync_api import sync_playwright

    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            "COBRO_LOG_LEVEL": "warning",
            "COBRO_API_URL": "http://127.0.0.1:9",  # the login screen needs no API
            "COBRO_MOBILE_DATA_DIR": str(Path(scratch) / "devices"),
        }
        url = f"sqlite:///{Path(scratch) / 'unused.db'}"
        with cobro(["field-app", "--port", str(port)], url, tree=tree, env=env):
            base = f"http://127.0.0.1:{port}"
            _wait_up(base)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page(viewport={"width": 360, "height": 640})
                    return first_load(page, f"{base}/app/")
                finally:
                    browser.close()


def _wait_up(base: str) -> None:
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/livez", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("cobro field-app did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--label", default="current")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    weight = measure(args.tree.resolve())
    mb = 1_000_000
    print(f"{'wire':>10} {'decoded':>10} {'enc':>5}  url")
    for t in sorted(weight.transfers, key=lambda t: -t.wire_bytes)[: args.top]:
        path = urlsplit(t.url).path or t.url
        print(f"{t.wire_bytes:>10,} {t.body_bytes:>10,} {t.encoding or '-':>5}  {path}")
    print(
        f"{len(weight.transfers)} requests: {weight.wire_bytes / mb:.2f} MB transferred, "
        f"{weight.body_bytes / mb:.2f} MB decoded; websocket {weight.websocket_bytes:,} bytes"
    )
    foreign = weight.foreign()
    print(f"requests leaving {weight.origin}: {len(foreign)}")
    for url in foreign:
        print(f"  {url}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "web_weight.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    results[args.label] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "wire_bytes": weight.wire_bytes,
        "body_bytes": weight.body_bytes,
        "requests": len(weight.transfers),
        "websocket_bytes": weight.websocket_bytes,
        "foreign": foreign,
        "transfers": [asdict(t) for t in weight.transfers],
    }
    out.write_text(json.dumps(results, indent=2) + "\n")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
