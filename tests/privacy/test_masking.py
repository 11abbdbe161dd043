"""The audit log's personal-data policy (``backend.audit.masking``) and where it is applied."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import JSON, cast, insert, literal, null, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from backend.audit import service as audit
from backend.audit.masking import mask_contact, mask_email, mask_id, mask_phone, masked
from backend.audit.models import AuditEvent
from backend.core.clock import utcnow
from backend.core.sqlbuild import json_object, json_of, uuid_text
from backend.debtors.models import Debtor, document_index
from tests import builders as b

SYSTEM = b.SYSTEM


def test_each_kind_of_personal_data_has_its_mask() -> None:
    assert mask_id("45678912") == "****8912"
    assert mask_id("123") == "****"
    assert mask_phone("+51987651234") == "+51*********"
    assert mask_phone("12345") == "*****"
    assert mask_email("rosa.quispe@example.com") == "r***@example.com"
    assert mask_email("no-at-sign") == "***"
    assert mask_contact("rosa@example.pe") == "r***@example.pe"
    assert mask_contact("+51987651234") == "+51*********"


def test_masking_walks_lists_and_nested_objects_and_keeps_the_rest() -> None:
    values = {
        "id_number": "45678912",
        "phones": ["+51987654321", "+51912345678"],
        "emails": ["rosa@example.pe"],
        "birth_date": date(1985, 3, 15),
        "first_name": "Rosa",
        "addresses": [{"line1": "Av. Arequipa 1234", "city": "Lima", "latitude": -12.0864321}],
        "payload": {"contact": "51987654321", "recipient": "rosa@example.pe", "reason": None},
        "balance_minor": 12_000,
        "phone_count": 2,
        "opt_outs": ["sms"],
    }
    assert masked(values) == {
        "id_number": "****8912",
        "phones": ["+51*********", "+51*********"],
        "emails": ["r***@example.pe"],
        "birth_date": "****-**-**",
        "first_name": "R***",
        "addresses": [{"line1": "***", "city": "Lima", "latitude": -12.09}],
        "payload": {"contact": "519********", "recipient": "r***@example.pe", "reason": None},
        "balance_minor": 12_000,
        "phone_count": 2,
        "opt_outs": ["sms"],
    }
    assert masked(masked(values)) == masked(values)  # idempotent: rows may pass twice
    assert masked(None) is None
    assert masked({"addresses": 2}) == {"addresses": 2}  # the importer's count of addresses


def test_every_writer_masks(session: Session) -> None:
    """``record``, ``event_row``/``record_many`` and rows built elsewhere (the importer's)."""
    raw = {"id_number": "45678912", "phones": ["+51987654321"]}
    audit.record(session, SYSTEM, "test.record", "debtor", "a", after=raw)
    audit.record_many(
        session,
        [
            audit.event_row(SYSTEM, "test.many", "debtor", "b", before=raw),
            {**audit.event_row(SYSTEM, "test.foreign", "debtor", "c"), "after": raw},
        ],
    )
    session.flush()
    events = session.execute(
        select(AuditEvent).where(col(AuditEvent.action).startswith("test."))
    ).scalars()
    stored = [e.after or e.before for e in events]
    assert len(stored) == 3
    assert all(s == {"id_number": "****8912", "phones": ["+51*********"]} for s in stored)


def test_set_based_events_may_not_name_personal_fields(session: Session) -> None:
    """The database cannot mask, so JSON built in SQL for an event that names a personal
    field, as a key or through a column of that name, is refused before it runs."""
    debtor = b.debtor(session, b.portfolio(session))
    before = audit_count(session)

    def events(after) -> object:
        return select(
            literal("debtor.test").label("action"),
            literal("debtor").label("entity_type"),
            uuid_text(Debtor.id).label("entity_id"),
            cast(null(), audit.AuditEvent.__table__.c.account_id.type).label("account_id"),
            cast(null(), JSON).label("before"),
            after.label("after"),
        ).where(Debtor.id == debtor.id)

    keyed = json_object("id_number", Debtor.id_number)
    by_column = json_object("who", Debtor.first_name)
    nested = select(json_object("x", json_object("phones", literal("+51987654321"))).label("j"))
    given = select(json_object("emails", literal("a@b.pe")).label("payload")).subquery("given")
    from_subquery = select(json_object("payload", json_of(given.c.payload)).label("after"))
    for after in (keyed, by_column):
        with pytest.raises(ValueError, match="personal data"):
            audit.record_selected(session, SYSTEM, events(after), at=utcnow())
    assert audit.unmasked_fields(nested) == {"phones"}
    assert audit.unmasked_fields(from_subquery) == {"emails"}  # as tasks.open_selected nests
    audit.record_selected(session, SYSTEM, events(json_object("kind", Debtor.kind)), at=utcnow())
    assert audit_count(session) == before + 1


def audit_count(session: Session) -> int:
    return len(session.execute(select(AuditEvent.id)).all())


def test_a_failed_statement_does_not_carry_its_parameters(session: Session) -> None:
    """Database errors end up in logs and in a failed job's stored error: the values a
    statement was given (here a national ID) are not part of their message."""
    portfolio = b.portfolio(session)
    b.debtor(session, portfolio, id_number="45678912")
    with pytest.raises(IntegrityError) as failed, session.begin_nested():
        session.execute(
            insert(Debtor).values(
                id=uuid.uuid4(),
                portfolio_id=portfolio.id,
                kind="person",
                id_type="DNI",
                id_number="45678912",
                id_number_index=document_index("45678912"),
                emails=[],
                preferred_language="es",
                opt_outs=[],
                search_text="",
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
    assert "parameters hidden" in str(failed.value)
    # (PostgreSQL's own DETAIL line, before it, still names the key's values: see
    # docs/privacy.md, "Logs".)
    assert "45678912" not in str(failed.value).split("[SQL:")[-1]
