"""Log lines: JSON in production, readable in development, with the bound context."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from shared.observability.logs import formatter, json_wanted, logging_config


@pytest.mark.parametrize(
    ("env", "wanted"),
    [
        ({}, False),
        ({"COBRO_ENV": "development"}, False),
        ({"COBRO_ENV": "production"}, True),
        ({"COBRO_ENV": "production", "COBRO_LOG_FORMAT": "console"}, False),
        ({"COBRO_ENV": "development", "COBRO_LOG_FORMAT": "JSON"}, True),
    ],
)
def test_json_in_production_unless_told_otherwise(env: dict[str, str], wanted: bool) -> None:
    assert json_wanted(env) is wanted


def _render(json_lines: bool, emit) -> str:
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    keep = Keep()
    keep.setFormatter(formatter(json=json_lines))
    logger = logging.getLogger("cobro.test_logs")
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    try:
        with structlog.contextvars.bound_contextvars(request_id="r-1", job="x.y"):
            emit()
    finally:
        logger.removeHandler(keep)
    (line,) = lines
    return line


def test_structlog_and_standard_library_events_render_as_json_with_the_context() -> None:
    ours = json.loads(
        _render(True, lambda: structlog.get_logger("cobro.test_logs").info("done", rows=3))
    )
    assert {k: ours[k] for k in ("event", "rows", "request_id", "job", "level", "logger")} == {
        "event": "done",
        "rows": 3,
        "request_id": "r-1",
        "job": "x.y",
        "level": "info",
        "logger": "cobro.test_logs",
    }
    assert ours["timestamp"].endswith("Z")

    def failing() -> None:
        try:
            raise ValueError("bad")
        except ValueError:
            logging.getLogger("cobro.test_logs").exception("failed %s", "here")

    theirs = json.loads(_render(True, failing))
    assert (theirs["event"], theirs["level"], theirs["request_id"]) == (
        "failed here",
        "error",
        "r-1",
    )
    assert theirs["exception"][0]["exc_type"] == "ValueError"


def test_development_lines_are_for_people() -> None:
    line = _render(False, lambda: structlog.get_logger("cobro.test_logs").info("done", rows=3))
    assert "done" in line and "rows=3" in line and "request_id=r-1" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_servers_log_requests_once_and_never_a_url() -> None:
    """uvicorn's access line (raw path and query) is off, and so are httpx's per-call lines."""
    config = logging_config(json=True, log_level="INFO")
    assert config["loggers"]["uvicorn.access"] == {
        "handlers": [],
        "propagate": False,
        "level": "WARNING",
    }
    assert config["loggers"]["httpx"]["level"] == "WARNING"
    assert config["formatters"]["cobro"] == {
        "()": "shared.observability.logs.formatter",
        "json": True,
    }
    json.dumps(config)  # plain data: uvicorn hands it to every worker process it starts
