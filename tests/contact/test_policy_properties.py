"""Across random rule sets, time zones, clocks and histories, ``decide`` never lets a contact
break a rule, and a deferral's time is really allowed.

A scheduler is simulated: at increasing clocks it asks for a contact on a random channel and
books it when allowed, or at the deferred time when deferred (so booked contacts may lie ahead
of later questions). The booked history is then checked by :func:`breaches`, written
independently of the engine (ISO weeks and calendar days instead of instants, all pairs for
spacings, every window for rolling caps).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.contact.policy import Attempt, Consent, decide, is_holiday
from backend.contact.rules import ALL, Cap, Hours, RuleSet, Spacing, Window, covers
from shared.schemas.enums import Channel

ZONES = [
    "America/Santiago",
    "America/New_York",
    "America/Bogota",
    "America/Lima",
    "America/Mexico_City",
    "America/Los_Angeles",
]
CHANNELS = list(Channel)

channel_sets = st.frozensets(st.sampled_from(CHANNELS), max_size=3)


@st.composite
def windows(draw: st.DrawFn) -> tuple[Window, ...]:
    marks = sorted(draw(st.sets(st.integers(0, 47), min_size=0, max_size=4)))
    if len(marks) % 2:
        marks = marks[:-1]
    return tuple(
        Window(time(a // 2, 30 * (a % 2)), time(b // 2, 30 * (b % 2)))
        for a, b in zip(marks[::2], marks[1::2], strict=True)
    )


@st.composite
def rule_sets(draw: st.DrawFn) -> RuleSet:
    days = {day: draw(windows()) for day in range(7)}
    if not any(days.values()):
        days[0] = (Window(time(9), time(17)),)
    hours = [Hours(days)]
    if draw(st.booleans()):
        hours.append(Hours({d: draw(windows()) for d in range(7)}, draw(channel_sets)))
    caps = draw(
        st.lists(
            st.builds(
                Cap,
                st.integers(1, 4),
                st.sampled_from(["day", "week", "rolling_7d"]),
                channel_sets,
            ),
            max_size=3,
        )
    )
    spacings = draw(
        st.lists(
            st.builds(
                Spacing,
                st.integers(1, 96).map(lambda h: timedelta(hours=h)),
                channel_sets,
                st.sampled_from([None, "conversation"]),
            ),
            max_size=2,
        )
    )
    return RuleSet(
        country=draw(st.sampled_from(["PE", "CO", "MX", "CL", "US"])),
        hours=tuple(hours),
        caps=tuple(caps),
        spacings=tuple(spacings),
        holiday_channels=draw(st.sampled_from([None, ALL, frozenset({Channel.visit})])),
        channels_per_week=draw(st.sampled_from([None, 1, 2])),
    )


def breaches(rules: RuleSet, zone: ZoneInfo, booked: list[Attempt]) -> list[str]:
    found = []
    for a in booked:
        local = a.at.astimezone(zone)
        hours = rules.hours_for(a.channel)
        todays = hours.days.get(local.weekday(), ()) if hours else ()
        if not any(w.start <= local.time() < w.end for w in todays):
            found.append(f"{a} outside hours")
        if rules.holidays_apply(a.channel) and is_holiday(rules, local.date()):
            found.append(f"{a} on a holiday")
    for cap in rules.caps:
        counted = sorted(a.at for a in booked if covers(cap.channels, a.channel))
        if cap.period == "rolling_7d":
            for end in counted:
                n = sum(1 for at in counted if end - timedelta(days=7) < at <= end)
                if n > cap.limit:
                    found.append(f"{cap} exceeded in the 7 days to {end}")
            continue
        per = Counter(
            at.astimezone(zone).date()
            if cap.period == "day"
            else at.astimezone(zone).isocalendar()[:2]
            for at in counted
        )
        found += [f"{cap} exceeded in {k}" for k, n in per.items() if n > cap.limit]
    for spacing in rules.spacings:
        spaced = [a for a in booked if covers(spacing.channels, a.channel)]
        for first in spaced:
            for second in spaced:
                if first is second or second.at < first.at:
                    continue
                if spacing.after_outcome and first.outcome != spacing.after_outcome:
                    continue
                if second.at - first.at < spacing.minimum:
                    found.append(f"{first} and {second} closer than {spacing}")
    if rules.channels_per_week is not None:
        weekly: dict[tuple[int, int], set[Channel]] = defaultdict(set)
        for a in booked:
            weekly[a.at.astimezone(zone).isocalendar()[:2]].add(a.channel)
        found += [f"{w}: {c}" for w, c in weekly.items() if len(c) > rules.channels_per_week]
    return found


asks = st.lists(
    st.tuples(st.integers(0, 4000), st.sampled_from(CHANNELS), st.booleans()),
    min_size=1,
    max_size=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=rule_sets(),
    zone=st.sampled_from(ZONES).map(ZoneInfo),
    start=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 1)),
    asked=asks,
)
def test_nothing_is_booked_outside_the_rules(
    rules: RuleSet, zone: ZoneInfo, start: datetime, asked: list[tuple[int, Channel, bool]]
) -> None:
    clock = start.replace(tzinfo=UTC)
    booked: list[Attempt] = []
    for minutes, channel, talked in asked:
        clock += timedelta(minutes=minutes)
        decision = decide(rules, zone, Consent(), booked, channel, clock)
        if decision.outcome == "refused":
            continue
        assert decision.at is not None
        if decision.outcome == "deferred":
            assert decision.at > clock and decision.rule
            assert decide(rules, zone, Consent(), booked, channel, decision.at).allowed
        else:
            assert decision.at == clock and decision.rule is None
        # An outcome is known only once a contact happened: none is ever followed by a booked one.
        last = all(a.at < decision.at for a in booked)
        booked.append(Attempt(decision.at, channel, "conversation" if talked and last else None))
        assert breaches(rules, zone, booked) == [], decision
