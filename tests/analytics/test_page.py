"""The dashboard page and its assets as the backend serves them."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient


class _Body(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.texts = json.loads(dict(attrs)["data-texts"] or "{}")


@pytest.mark.parametrize(
    ("query", "header", "title"),
    [("", "es", "Indicadores de cobranza"), ("?lang=en", "es", "Collections KPIs"),
     ("", "en-GB,en;q=0.8", "Collections KPIs")],
)  # fmt: skip
def test_the_page_speaks_the_asked_language(
    client: TestClient, query: str, header: str, title: str
) -> None:
    answer = client.get(f"/analytics{query}", headers={"Accept-Language": header})
    assert answer.status_code == 200
    assert f"<title>{title}</title>" in answer.text
    body = _Body()
    body.feed(answer.text)
    assert body.texts["title"] == title  # the script's texts, in the same language
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert answer.headers["x-frame-options"] == "DENY"


def test_the_assets_are_served_from_the_backend(client: TestClient) -> None:
    chart = client.get("/analytics/static/chart.umd.min.js")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("text/javascript")
    assert "Chart.js v4.6.2" in chart.text[:200]
    assert "Released under the MIT License" in chart.text[:200]
    assert client.get("/analytics/static/dashboard.css").status_code == 200
    for name in ("pages.py", "..%2Fpages.py", "chart.js-LICENSE.md"):
        assert client.get(f"/analytics/static/{name}").status_code == 404
