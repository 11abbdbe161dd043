"""The SQL the set-based jobs build rows with reads the same on both databases, and as Python
would write it: ids, UUID text, JSON, local dates, day counts, page-key filters."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, Uuid, literal, select, union_all
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.core.sqlbuild import (
    among,
    days_between,
    json_object,
    json_of,
    json_record,
    local_date,
    new_id,
    uuid_text,
)


def test_new_ids_are_version_7_and_a_later_statement_sorts_after(session: Session) -> None:
    first = [session.execute(select(new_id())).scalar_one() for _ in range(50)]
    assert all(
        isinstance(i, uuid.UUID) and i.version == 7 and i.variant == uuid.RFC_4122 for i in first
    )
    assert first == sorted(first) and len(set(first)) == 50
    millis = first[0].int >> 80
    assert abs(millis - datetime.now(UTC).timestamp() * 1000) < 60_000


def test_uuid_text_is_str_of_the_uuid(session: Session) -> None:
    given = uuid.uuid4()
    assert session.execute(select(uuid_text(literal(given, Uuid())))).scalar_one() == str(given)


def test_json_objects_keep_key_order_and_nest(session: Session) -> None:
    payload = json_object("b", 2, "a", "x")
    built = json_record(
        {"z": 1, "id": uuid_text(literal(uuid.UUID(int=1), Uuid())), "p": json_of(payload)}
    )
    row = session.execute(select(built)).scalar_one()
    assert list(row) == ["z", "id", "p"]
    assert row == {"z": 1, "id": str(uuid.UUID(int=1)), "p": {"b": 2, "a": "x"}}


def test_local_date_is_the_day_in_the_timezone_across_dst(session: Session) -> None:
    instants = [
        datetime(2026, 3, 6, 2, 30, tzinfo=UTC),  # 21:30 the day before in Lima
        datetime(2026, 4, 4, 11, 30, tzinfo=UTC),  # Auckland's DST ends the next night
        datetime(2026, 4, 5, 11, 30, tzinfo=UTC),
        datetime(2026, 9, 26, 13, 59, tzinfo=UTC),  # ... and starts
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    ]
    for at in instants:
        for zone in ("America/Lima", "Pacific/Auckland", "America/Santiago", "UTC"):
            stamped = literal(at, AuditEvent.__table__.c.at.type)
            day = session.execute(select(local_date(stamped, literal(zone, String())))).scalar_one()
            assert str(day) == at.astimezone(ZoneInfo(zone)).date().isoformat(), (at, zone)


def test_days_between_dates(session: Session) -> None:
    start = date(2026, 2, 20)
    for days in (0, 1, 9, 366):
        later = literal(start + timedelta(days=days), Date())
        assert (
            session.execute(select(days_between(later, literal(start, Date())))).scalar_one()
            == days
        )


def _strings(*given: str) -> Any:
    return union_all(*(select(literal(g, String()).label("v")) for g in given)).subquery()


def test_among_is_in(session: Session) -> None:
    keys, rows = _strings("a", "c"), _strings("a", "b", "c")
    query = select(rows.c.v).where(among(rows.c.v, select(keys.c.v))).order_by(rows.c.v)
    assert session.execute(query).scalars().all() == ["a", "c"]
