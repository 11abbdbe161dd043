"""Structured logs: structlog for Cobro's own events, the standard library's ``logging`` for
everyone else's (uvicorn, procrastinate, SQLAlchemy), all rendered by one formatter to stderr.

JSON lines in production (``COBRO_ENV=production``, or ``COBRO_LOG_FORMAT=json``), coloured
human-readable lines otherwise (``make run``). Context bound with
``structlog.contextvars`` (a request's id, a job's name and id) joins every line logged inside
it, whoever logs it.
"""

from __future__ import annotations

import logging
import logging.config
import os
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, Processor


def _add_process(_: Any, __: str, event: EventDict) -> EventDict:
    """Which process wrote the line: `cobro serve --workers N` runs several."""
    event.setdefault("process", os.getpid())
    return event


# Added to every event, structlog's and the standard library's alike.
_PRE_CHAIN: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _add_process,
]


def configure_structlog() -> None:
    """Send structlog's events through the standard library, so one handler writes them all."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,  # below the logger's level: no further work
            *_PRE_CHAIN,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def formatter(json: bool = False) -> logging.Formatter:
    """The one formatter (``logging.config`` builds it by this dotted name in each process)."""
    configure_structlog()
    renderer: list[Processor] = (
        [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
        if json
        else [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_PRE_CHAIN,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    )


def json_wanted(env: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """JSON with ``COBRO_LOG_FORMAT=json``, console with ``console``, else JSON in production."""
    values = os.environ if env is None else env
    chosen = values.get("COBRO_LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "console"):
        return chosen == "json"
    return values.get("COBRO_ENV", "development") == "production"


def level() -> str:
    return os.environ.get("COBRO_LOG_LEVEL", "info").upper()


def logging_config(json: bool | None = None, log_level: str | None = None) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary (plain data: uvicorn hands it to each worker
    process it starts). uvicorn's access log is off: the request middleware logs every request
    once, with its route template instead of the raw path and query."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "cobro": {
                "()": "shared.observability.logs.formatter",
                "json": json_wanted() if json is None else json,
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "cobro",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": log_level or level()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            # httpx logs every call's full URL, query included, at INFO.
            "httpx": {"level": "WARNING"},
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }


def configure(json: bool | None = None, log_level: str | None = None) -> None:
    """Set this process's logging up (processes uvicorn does not start: ``cobro worker``)."""
    logging.config.dictConfig(logging_config(json, log_level))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    if not structlog.is_configured():
        configure_structlog()
    return structlog.stdlib.get_logger(name)
