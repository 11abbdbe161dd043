"""``decide``: may this debtor be contacted on this channel at this time, and if not, when?

A pure function of the rules (:mod:`backend.contact.rules`), the debtor's time zone, their
consent (authorised channels, opt-outs, disputes) and the attempts already made or planned.
The answer is one of three:

- ``allowed`` at the time asked;
- ``deferred`` until the earliest later time every rule allows (within a horizon), naming the
  rule that holds it back now;
- ``refused``, naming the rule no waiting can satisfy (an opt-out, a dispute, a channel never
  allowed or not authorised).

Attempts may lie after the time asked (contacts already planned); caps and spacings count them
too, so planning out of order never breaks a rule either. A cap's day and week are the debtor's
local calendar day and Monday-to-Sunday week; ``rolling_7d`` is any 168 hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

from backend.contact.rules import Cap, RuleSet, covers
from shared.schemas.enums import Channel

Outcome = Literal["allowed", "deferred", "refused"]
HORIZON = timedelta(days=120)
WEEK = timedelta(days=7)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Attempt:
    """A contact made or planned (``at`` is timezone-aware)."""

    at: datetime
    channel: Channel
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class Consent:
    """What the debtor said: the channels they authorised and opted out of, and whether a
    dispute is open (which freezes all contact)."""

    authorised: frozenset[Channel] = frozenset()
    opted_out: frozenset[Channel] = frozenset()
    disputed: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    at: datetime | None
    rule: str | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome == "allowed"


@lru_cache(maxsize=256)
def holidays_of(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Public holidays of ``country`` (and ``subdivision``) in ``year``; none if unknown."""
    try:
        calendar = holiday_calendars.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError:
        return frozenset()
    return frozenset(calendar)


def is_holiday(rules: RuleSet, day: date) -> bool:
    return bool(rules.country) and day in holidays_of(rules.country, rules.subdivision, day.year)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of local ``day`` (00:00, or the end of a DST gap at midnight)."""
    return datetime.combine(day, time(0), tzinfo=zone)


def decide(
    rules: RuleSet,
    zone: ZoneInfo,
    consent: Consent,
    history: Iterable[Attempt],
    channel: Channel,
    at: datetime,
    horizon: timedelta = HORIZON,
) -> Decision:
    if consent.disputed:
        return Decision("refused", None, "disputed")
    if channel in consent.opted_out:
        return Decision("refused", None, "opted_out")
    if rules.authorised_only and channel not in consent.authorised:
        return Decision("refused", None, "not_authorised")
    hours = rules.hours_for(channel)
    if hours is None or not any(hours.days.values()):
        return Decision("refused", None, "no_hours")
    attempts = tuple(history)
    first_rule: str | None = None
    moment = at
    while moment <= at + horizon:
        blocked = _violation(rules, zone, attempts, channel, moment)
        if blocked is None:
            if first_rule is None:
                return Decision("allowed", at)
            return Decision("deferred", moment, first_rule)
        rule, later = blocked
        first_rule = first_rule or rule
        moment = max(later, moment + _TICK)
    return Decision("refused", None, first_rule)


def _violation(
    rules: RuleSet, zone: ZoneInfo, attempts: tuple[Attempt, ...], channel: Channel, t: datetime
) -> tuple[str, datetime] | None:
    """The first rule contacting at ``t`` breaks and the earliest instant it may stop doing so."""
    local = t.astimezone(zone)
    today = local.date()
    if rules.holidays_apply(channel) and is_holiday(rules, today):
        return "holiday", day_start(today + timedelta(days=1), zone)
    window = _next_window(rules, zone, channel, local)
    if window is not None:
        return "hours", window
    for spacing in rules.spacings:
        if not covers(spacing.channels, channel):
            continue
        close = [
            a.at + spacing.minimum
            for a in attempts
            if covers(spacing.channels, a.channel)
            and _too_close(a, t, spacing.minimum, spacing.after_outcome)
        ]
        if close:
            return "spacing", max(close)
    for cap in rules.caps:
        if covers(cap.channels, channel):
            blocked = _over_cap(cap, zone, attempts, t, today)
            if blocked is not None:
                return f"cap_{cap.period}", blocked
    if rules.channels_per_week is not None:
        start, end = _week(today, zone)
        used = {a.channel for a in attempts if start <= a.at < end}
        if channel not in used and len(used) >= rules.channels_per_week:
            return "channels_per_week", end
    return None


def _too_close(attempt: Attempt, t: datetime, minimum: timedelta, outcome: str | None) -> bool:
    if outcome is not None:
        return attempt.outcome == outcome and attempt.at <= t < attempt.at + minimum
    return abs(t - attempt.at) < minimum


def _next_window(
    rules: RuleSet, zone: ZoneInfo, channel: Channel, local: datetime
) -> datetime | None:
    """None when ``local`` is inside an allowed window, else the next window's start."""
    hours = rules.hours_for(channel)
    assert hours is not None  # decide() refuses channels without hours first
    now = local.time()
    for window in hours.days.get(local.weekday(), ()):
        if window.start <= now < window.end:
            return None
        if now < window.start:
            return datetime.combine(local.date(), window.start, tzinfo=zone)
    for ahead in range(1, 8):
        day = local.date() + timedelta(days=ahead)
        windows = hours.days.get(day.weekday(), ())
        if windows:
            return datetime.combine(day, windows[0].start, tzinfo=zone)
    raise AssertionError("hours with a window allow some weekday")


def _week(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    monday = day - timedelta(days=day.weekday())
    return day_start(monday, zone), day_start(monday + WEEK, zone)


def _over_cap(
    cap: Cap, zone: ZoneInfo, attempts: tuple[Attempt, ...], t: datetime, today: date
) -> datetime | None:
    counted = [a.at for a in attempts if covers(cap.channels, a.channel)]
    if cap.period == "rolling_7d":
        return _over_rolling_cap(cap.limit, counted, t)
    if cap.period == "day":
        start, end = day_start(today, zone), day_start(today + timedelta(days=1), zone)
    else:
        start, end = _week(today, zone)
    if sum(1 for at in counted if start <= at < end) >= cap.limit:
        return end
    return None


def _over_rolling_cap(limit: int, counted: list[datetime], t: datetime) -> datetime | None:
    """Adding ``t`` must leave every 168-hour window ``(s - 7d, s]`` that contains it within
    ``limit``; the fullest such windows end at ``t`` or at a later attempt."""
    ends = [t, *(at for at in counted if t < at < t + WEEK)]
    if all(sum(1 for at in counted if end - WEEK < at <= end) < limit for end in ends):
        return None
    # The windows around t change only when an attempt leaves one (at + 7d) or t passes one.
    events = [at + WEEK for at in counted] + [at + _TICK for at in counted if at >= t]
    return min(e for e in events if e > t)
