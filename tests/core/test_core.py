"""Security tokens, keyset pagination helpers and account visibility rules."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from types import SimpleNamespace

import jwt
import pytest
from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.accounts.scope import account_visibility, visible_account
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.errors import NotFound, ValidationFailed
from backend.core.ids import uuid7_stream, uuid7s
from backend.core.pagination import next_cursor, page_params
from backend.core.security import (
    ALGORITHM,
    create_access_token,
    decode_access_token,
    hash_password,
    verify_password,
)
from backend.users.models import User
from shared.schemas.enums import Role
from tests import builders as b


def test_token_round_trip() -> None:
    subject = uuid.uuid4()
    claims = decode_access_token(create_access_token(subject, "agent", version=0, minutes=5))
    assert (claims["sub"], claims["role"], claims["typ"]) == (str(subject), "agent", "access")
    assert claims["exp"] - claims["iat"] == 300


@pytest.mark.parametrize(
    "claims",
    [
        {"typ": "refresh"},  # not an access token
        {"exp": utcnow() - timedelta(seconds=1)},  # expired
        {"exp": None},  # required claims missing
        {"sub": None},
        {"ver": None},  # issued before token versions: refused
    ],
)
def test_bad_tokens_are_refused(claims: dict[str, object]) -> None:
    now = utcnow()
    base: dict[str, object] = {
        "sub": str(uuid.uuid4()),
        "role": "admin",
        "ver": 0,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "typ": "access",
    }
    payload = {k: v for k, v in {**base, **claims}.items() if v is not None}
    token = jwt.encode(payload, get_settings().secret_key, algorithm=ALGORITHM)
    with pytest.raises(jwt.PyJWTError):
        decode_access_token(token)


def test_tokens_signed_otherwise_are_refused() -> None:
    payload = {"sub": "x", "iat": utcnow(), "exp": utcnow() + timedelta(minutes=5)}
    forged = jwt.encode({**payload, "typ": "access"}, "another-secret-key-of-enough-length")
    with pytest.raises(jwt.PyJWTError):
        decode_access_token(forged)
    unsigned = jwt.encode({**payload, "typ": "access"}, None, algorithm="none")
    with pytest.raises(jwt.PyJWTError):
        decode_access_token(unsigned)


def test_passwords_are_hashed() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2") and "correct horse" not in hashed
    assert verify_password("correct horse", hashed)
    assert not verify_password("Correct horse", hashed)


def test_page_params() -> None:
    cursor = uuid.uuid4()
    assert page_params(cursor=str(cursor), limit=7).cursor == cursor
    assert page_params(cursor=None, limit=7).cursor is None
    assert page_params(cursor="", limit=7).cursor is None  # clients that send None as ''
    for bad in ("abc", "1234", "' OR 1=1"):
        with pytest.raises(ValidationFailed) as raised:
            page_params(cursor=bad, limit=7)
        assert raised.value.message_key == "error.invalid_cursor"


def test_next_cursor_is_the_last_row_shown_only_when_more_exist() -> None:
    rows = [SimpleNamespace(id=i) for i in range(4)]
    assert next_cursor(rows, limit=4) is None
    assert next_cursor(rows, limit=3) == "2"
    assert next_cursor(rows[:1], limit=1) is None


def _loads(session: Session, user: User, account_id: uuid.UUID) -> bool:
    try:
        visible_account(session, user, account_id)
    except NotFound:
        return False
    return True


def test_visibility_rules(session: Session) -> None:
    admin = b.user(session, Role.admin)
    lead = b.user(session, Role.supervisor)
    other_lead = b.user(session, Role.supervisor)
    mine = b.user(session, Role.agent, supervisor=lead)
    theirs = b.user(session, Role.agent, supervisor=other_lead)
    portfolio = b.portfolio(session)
    accounts = {
        "mine": b.account(session, portfolio, agent=mine),
        "theirs": b.account(session, portfolio, agent=theirs),
        "nobody": b.account(session, portfolio),
    }
    expected = {
        admin.id: {"mine", "theirs", "nobody"},
        lead.id: {"mine"},
        other_lead.id: {"theirs"},
        mine.id: {"mine"},
        theirs.id: {"theirs"},
    }
    for user in (admin, lead, other_lead, mine, theirs):
        query = select(Account.id).where(
            account_visibility(user), Account.portfolio_id == portfolio.id
        )
        visible = set(session.exec(query))
        names = {name for name, account in accounts.items() if account.id in visible}
        assert names == expected[user.id], user.role
        # Loading one account by id agrees with the query (404 for the others).
        assert {
            name for name, account in accounts.items() if _loads(session, user, account.id)
        } == expected[user.id]


def test_uuid7s_are_ordinary_distinct_version_7_ids_of_now() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid7s(2000)
    after = time.time_ns() // 1_000_000
    assert len(set(made)) == 2000
    for value in made[:50]:
        same = uuid.UUID(str(value))  # as if read back: equal, same hash, same text
        assert (value, hash(value), value.hex) == (same, hash(same), same.hex)
        assert value.version == 7 and value.variant == uuid.RFC_4122
        assert before <= value.int >> 80 <= after
    stream = uuid7_stream(batch=3)
    assert len({next(stream) for _ in range(10)}) == 10
