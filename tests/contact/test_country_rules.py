"""The country rule sets say what ``docs/contact.md`` says, in the debtor's local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.contact.policy import Attempt, Consent, Decision, decide
from backend.contact.rules import RuleError, rule_set_from_dict, rule_set_to_dict, rules_for
from shared.schemas.enums import Channel

LIMA = ZoneInfo("America/Lima")
BOGOTA = ZoneInfo("America/Bogota")
SANTIAGO = ZoneInfo("America/Santiago")
NEW_YORK = ZoneInfo("America/New_York")
MEXICO = ZoneInfo("America/Mexico_City")
EVERYTHING = Consent(authorised=frozenset(Channel))


def ask(
    country: str,
    zone: ZoneInfo,
    channel: Channel,
    at: datetime,
    history: list[Attempt] | None = None,
    consent: Consent = EVERYTHING,
) -> Decision:
    return decide(rules_for(country), zone, consent, history or [], channel, at)


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def test_peru_no_visits_at_night_at_weekends_or_on_holidays() -> None:
    friday_night = local(LIMA, 2026, 12, 4, 20, 0)
    assert ask("PE", LIMA, Channel.visit, friday_night) == Decision(
        "deferred", local(LIMA, 2026, 12, 7, 7, 0), "hours"
    )
    assert ask("PE", LIMA, Channel.visit, local(LIMA, 2026, 12, 4, 19, 59)).allowed
    # 8 and 9 December (Inmaculada Concepción, Batalla de Ayacucho) are holidays in Peru.
    assert ask("PE", LIMA, Channel.phone, local(LIMA, 2026, 12, 8, 10, 0)) == Decision(
        "deferred", local(LIMA, 2026, 12, 10, 7, 0), "holiday"
    )


def test_colombia_one_contact_a_day_one_channel_a_week_authorised_only() -> None:
    monday = local(BOGOTA, 2026, 11, 30, 9, 0)
    sms = [Attempt(monday, Channel.sms)]
    same_day = ask("CO", BOGOTA, Channel.sms, monday + timedelta(hours=2), sms)
    assert same_day == Decision("deferred", local(BOGOTA, 2026, 12, 1, 7, 0), "cap_day")
    other_channel = ask("CO", BOGOTA, Channel.whatsapp, local(BOGOTA, 2026, 12, 2, 9, 0), sms)
    assert other_channel == Decision(
        "deferred", local(BOGOTA, 2026, 12, 7, 7, 0), "channels_per_week"
    )
    # Tuesday 8 December is a holiday in Colombia.
    assert ask("CO", BOGOTA, Channel.sms, local(BOGOTA, 2026, 12, 8, 9, 0)).at == local(
        BOGOTA, 2026, 12, 9, 7, 0
    )
    saturday_afternoon = local(BOGOTA, 2026, 12, 5, 15, 0)
    assert ask("CO", BOGOTA, Channel.sms, saturday_afternoon).at == local(BOGOTA, 2026, 12, 7, 7)
    refused = ask("CO", BOGOTA, Channel.phone, monday, consent=Consent(frozenset({Channel.sms})))
    assert refused == Decision("refused", None, "not_authorised")


def test_chile_weekly_caps_spacing_and_daylight_saving() -> None:
    # Chile moves its clocks forward at midnight between Saturday 5 and Sunday 6 September 2026.
    saturday_night = local(SANTIAGO, 2026, 9, 5, 20, 30)
    decision = ask("CL", SANTIAGO, Channel.visit, saturday_night)
    assert decision.at == datetime(2026, 9, 7, 11, 0, tzinfo=UTC)  # 08:00 at UTC-3
    assert ask("CL", SANTIAGO, Channel.visit, local(SANTIAGO, 2026, 9, 4, 19, 0)).at == datetime(
        2026, 9, 4, 23, 0, tzinfo=UTC
    )  # 19:00 at UTC-4, the day before
    tuesday = local(SANTIAGO, 2026, 9, 8, 10, 0)
    visited = [Attempt(tuesday, Channel.visit)]
    assert ask("CL", SANTIAGO, Channel.phone, tuesday + timedelta(days=1), visited) == Decision(
        "deferred", local(SANTIAGO, 2026, 9, 14, 8, 0), "cap_week"
    )
    written = [Attempt(tuesday, Channel.sms)]
    assert ask("CL", SANTIAGO, Channel.email, tuesday + timedelta(days=1), written) == Decision(
        "deferred", tuesday + timedelta(days=2), "spacing"
    )
    written.append(Attempt(tuesday + timedelta(days=2), Channel.email))
    assert ask("CL", SANTIAGO, Channel.whatsapp, tuesday + timedelta(days=4), written).rule == (
        "cap_week"
    )


def test_regulation_f_seven_calls_in_seven_days_and_the_week_after_a_conversation() -> None:
    start = local(NEW_YORK, 2026, 6, 1, 9, 0)
    calls = [Attempt(start + timedelta(days=d, hours=d), Channel.phone) for d in range(7)]
    eighth = ask("US", NEW_YORK, Channel.phone, start + timedelta(days=6, hours=8), calls)
    assert eighth == Decision("deferred", calls[0].at + timedelta(days=7), "cap_rolling_7d")
    assert ask("US", NEW_YORK, Channel.sms, start + timedelta(days=6, hours=8), calls).allowed
    talked = [Attempt(start, Channel.phone, "conversation")]
    assert ask("US", NEW_YORK, Channel.phone, start + timedelta(days=3), talked) == Decision(
        "deferred", start + timedelta(days=7), "spacing"
    )
    # Clocks spring forward on 8 March 2026: 08:00 local is 12:00 UTC that day, 13:00 before.
    assert ask("US", NEW_YORK, Channel.phone, local(NEW_YORK, 2026, 3, 8, 6, 0)).at == datetime(
        2026, 3, 8, 12, 0, tzinfo=UTC
    )
    assert ask("US", NEW_YORK, Channel.phone, local(NEW_YORK, 2026, 3, 7, 6, 0)).at == datetime(
        2026, 3, 7, 13, 0, tzinfo=UTC
    )


def test_mexico_hours_every_day() -> None:
    late = local(MEXICO, 2026, 12, 6, 22, 0)
    assert ask("MX", MEXICO, Channel.whatsapp, late).at == local(MEXICO, 2026, 12, 7, 7, 0)
    assert ask("MX", MEXICO, Channel.whatsapp, local(MEXICO, 2026, 12, 6, 21, 59)).allowed


@pytest.mark.parametrize(
    ("consent", "rule"),
    [
        (Consent(frozenset(Channel), frozenset({Channel.whatsapp})), "opted_out"),
        (Consent(frozenset(Channel), disputed=True), "disputed"),
    ],
)
def test_opt_outs_and_disputes_refuse_whatever_the_time(consent: Consent, rule: str) -> None:
    noon = local(MEXICO, 2026, 12, 7, 12, 0)
    assert ask("MX", MEXICO, Channel.whatsapp, noon, consent=consent) == Decision(
        "refused", None, rule
    )


def test_rule_sets_round_trip_and_take_overrides() -> None:
    for country in ("PE", "CO", "MX", "CL", "US", "AR"):
        rules = rules_for(country)
        assert rule_set_from_dict(rule_set_to_dict(rules)) == rules
    twice_a_week = rules_for("CO", {"channels_per_week": 2})
    assert twice_a_week.channels_per_week == 2
    assert twice_a_week.caps == rules_for("CO").caps


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hours": [{"days": {"0": [["18:00", "08:00"]]}}]}, "ends before it starts"),
        ({"hours": [{"days": {"9": [["08:00", "18:00"]]}}]}, "weekday 9"),
        ({"caps": [{"limit": 0, "period": "day"}]}, "at least one"),
        ({"caps": [{"limit": 1, "period": "month"}]}, "unknown period"),
        ({"caps": [{"limit": 1, "period": "day", "channels": ["fax"]}]}, "fax"),
        ({"spacings": [{"hours": -1}]}, "positive"),
        ({"hours": "always"}, "malformed"),
        ({"channels_per_week": 0}, "at least 1"),
    ],
)
def test_impossible_rules_are_refused_with_a_reason(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(RuleError, match=message):
        rules_for("PE", overrides)


def test_absurd_numbers_are_malformed_not_crashes() -> None:
    with pytest.raises(RuleError, match="malformed"):
        rules_for("PE", {"caps": [{"limit": float("inf"), "period": "day"}]})
    with pytest.raises(RuleError, match="malformed"):
        rules_for("PE", {"spacings": [{"hours": 1e300}]})
