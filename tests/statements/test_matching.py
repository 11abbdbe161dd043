"""The matching rules in memory: normalisation, rule order, short keys, whole-word ids."""

from __future__ import annotations

import uuid

from backend.statements.matching import AccountInfo, LinkInfo, Matcher, normalise, words
from shared.schemas.statements import MatchReason


def account(ref: str, id_number: str = "", debtor: uuid.UUID | None = None) -> AccountInfo:
    return AccountInfo(uuid.uuid4(), ref, debtor or uuid.uuid4(), "Rosa Quispe", id_number, 500)


def link(of: AccountInfo, amount: int = 500) -> LinkInfo:
    return LinkInfo(
        uuid.uuid4(), of.id, amount, "Tok-en_12345678xyz", f"cs_builtin_{uuid.uuid4().hex}"
    )


def found(matcher: Matcher, reference: str, description: str = "", amount: int = 500):
    return [
        (c.reason, c.account.external_ref) for c in matcher.match(reference, description, amount)
    ]


def test_normalisation_ignores_case_accents_spaces_dashes_dots_slashes() -> None:
    assert normalise(" Pe-001 / cuota. Ñandú ") == "PE001CUOTANANDU"
    assert words("RUT 12.345.678-K, dni:44556677 Pe-001") == [
        "RUT",
        "12345678K",
        "DNI",
        "44556677",
        "PE",
        "001",
    ]


def test_a_link_wins_over_references_and_only_for_its_amount() -> None:
    target, other = account("PE-0001"), account("PE-0002")
    pay = link(target)
    matcher = Matcher([target, other], [pay])
    assert found(matcher, f"Pago {pay.token[:10]} PE-0002") == [
        (MatchReason.payment_link, "PE-0001")
    ]
    assert found(matcher, str(pay.id).upper()) == [(MatchReason.payment_link, "PE-0001")]
    assert found(matcher, "x", pay.provider_reference or "") == [
        (MatchReason.payment_link, "PE-0001")
    ]
    assert found(matcher, f"Pago {pay.token[:10]} PE-0002", amount=499) == [
        (MatchReason.external_ref, "PE-0002")
    ]
    matcher.link_paid(pay.id)
    assert found(matcher, f"Pago {pay.token[:10]}") == []


def test_reference_fragments_of_two_accounts_are_ambiguous() -> None:
    matcher = Matcher([account("AB-1002"), account("ab 10020"), account("ZZ-9")], [])
    assert found(matcher, "transf AB10020 ene") == [
        (MatchReason.external_ref, "AB-1002"),
        (MatchReason.external_ref, "ab 10020"),
    ]
    assert found(matcher, "dep", "cliente ab-1002-0") == [
        (MatchReason.external_ref, "AB-1002"),
        (MatchReason.external_ref, "ab 10020"),
    ]


def test_short_keys_match_only_a_whole_reference() -> None:
    matcher = Matcher([account("Z9"), account("A-12")], [])
    assert found(matcher, "z-9") == [(MatchReason.external_ref, "Z9")]
    assert found(matcher, "XZ9 A12") == []
    assert found(matcher, "a12") == [(MatchReason.external_ref, "A-12")]


def test_national_ids_match_whole_words_only() -> None:
    debtor = uuid.uuid4()
    two = [account("R-1", "44556677", debtor), account("R-2", "44556677", debtor)]
    chilean = account("R-3", "12345678K")
    matcher = Matcher([*two, chilean], [])
    assert found(matcher, "DNI 44556677") == [
        (MatchReason.national_id, "R-1"),
        (MatchReason.national_id, "R-2"),
    ]
    assert found(matcher, "op 0044556677") == []
    assert found(matcher, "abono", "RUT 12.345.678-k") == [(MatchReason.national_id, "R-3")]


def test_links_of_accounts_that_are_not_open_are_not_indexed() -> None:
    closed = account("PE-0009")
    pay = link(closed)
    matcher = Matcher([], [pay])
    assert found(matcher, pay.token[:10]) == []
