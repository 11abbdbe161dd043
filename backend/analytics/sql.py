"""Portable SQL functions the KPI queries need, the same on PostgreSQL and SQLite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Float, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from backend.core.db import UTCDateTime


class month_start(GenericFunction[Any]):
    """The first day of the month of a date or UTC timestamp."""

    type = Date()
    name = "month_start"
    inherit_cache = True


@compiles(month_start)
def _month_start_postgresql(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


class seconds_between(GenericFunction[Any]):
    """Seconds from the second timestamp to the first."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between)
def _seconds_between_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


class plus_days(GenericFunction[Any]):
    """A UTC timestamp a whole number of days later."""

    type = UTCDateTime()
    name = "plus_days"
    inherit_cache = True


@compiles(plus_days)
def _plus_days_postgresql(element: plus_days, compiler: Any, **kw: Any) -> str:
    at, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"({at} + make_interval(days => {days}))"


@compiles(plus_days, "sqlite")
def _plus_days_sqlite(element: plus_days, compiler: Any, **kw: Any) -> str:
    # As SQLite stores UTCDateTime: "YYYY-MM-DD HH:MM:SS.ffffff".
    at, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"strftime('%Y-%m-%d %H:%M:%f000', {at}, '+' || {days} || ' days')"


def metres(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """SQL: the great-circle distance in metres between two positions (haversine)."""
    half_lat = func.sin(func.radians(lat2 - lat1) / 2)
    half_lon = func.sin(func.radians(lon2 - lon1) / 2)
    inner = (
        half_lat * half_lat
        + func.cos(func.radians(lat1)) * func.cos(func.radians(lat2)) * half_lon * half_lon
    )
    return 2 * EARTH_RADIUS_M * func.asin(func.sqrt(inner))


EARTH_RADIUS_M = 6_371_000
