"""The one error handler module, on a small app of its own: every failure becomes JSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import DataError

from backend.core import handlers
from backend.core.errors import Conflict, NotAuthenticated
from shared.money import from_decimal


class DriverError(Exception):
    """Stands in for the DBAPI exception SQLAlchemy wraps."""


def build() -> FastAPI:
    app = FastAPI()
    handlers.install(app)

    @app.get("/conflict")
    def conflict() -> None:
        # Message parameters may share names with error_response's own arguments.
        raise Conflict("error.account_not_open", status="paid")

    @app.get("/money")
    def money() -> None:
        from_decimal("1.005", "USD")

    @app.get("/database")
    def database() -> None:
        raise DataError("INSERT ...", {}, DriverError("text cannot contain NUL"))

    @app.get("/login")
    def login() -> None:
        raise NotAuthenticated()

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("a bug")

    @app.get("/pay/{token}")
    def secret_path(token: str) -> None:
        raise DataError("UPDATE ...", {}, DriverError(f"invalid input: {token}"))

    @app.get("/receipts/{token}")
    def secret_bug(token: str) -> None:
        raise RuntimeError("a bug")

    return app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(build(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        (
            "/conflict",
            409,
            {
                "code": "conflict",
                "message": "The account is not open (status: paid).",
                "details": {"status": "paid"},
            },
        ),
        (
            "/money",
            422,
            {
                "code": "amount_precision",
                "message": "The amount has more decimals than USD allows.",
                "details": {"reason": "1.005 has more decimals than USD allows (2)"},
            },
        ),
        ("/database", 422, {"code": "validation_error", "message": "The data sent is not valid."}),
        ("/login", 401, {"code": "not_authenticated", "message": "Please log in to continue."}),
        (
            "/bug",
            500,
            {"code": "internal_error", "message": "Internal error. It has been logged for review."},
        ),
        (
            "/nowhere",
            404,
            {"code": "route_not_found", "message": "The requested route does not exist."},
        ),
    ],
)
def test_errors_are_json_with_code_and_message(
    client: TestClient, path: str, status: int, body: dict[str, object]
) -> None:
    response = client.get(path, headers={"Accept-Language": "en"})
    assert (response.status_code, response.json()) == (status, body)
    assert ("www-authenticate" in response.headers) == (status == 401)


def test_spanish_by_default(client: TestClient) -> None:
    assert client.get("/conflict").json()["message"] == (
        "La cuenta no está abierta (estado: paid)."
    )


@pytest.mark.parametrize("path", ["/pay/tok-SECRET-123", "/receipts/tok-SECRET-123"])
def test_logs_name_the_route_never_the_path_or_the_drivers_words(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    """A path may carry a payment link's token or a document number, and a driver's message
    may quote the value it refused: the logs hold the route template and the error's class."""
    with caplog.at_level("INFO", logger=handlers.log.name):
        assert client.get(path).status_code in (422, 500)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "{token}" in logged
    assert "SECRET" not in logged
