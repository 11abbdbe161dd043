"""Contact rules as data: when, how often and through which channels a debtor may be contacted.

A :class:`RuleSet` is what one country's law (``COUNTRY_RULES``, from
``docs/contact.md``) and a portfolio's own overrides on top of it allow. It is plain,
immutable data: :mod:`backend.contact.policy` answers questions about it, and
:func:`rule_set_from_dict` / :func:`rule_set_to_dict` turn it into the JSON a portfolio stores.

Every rule names the channels it covers; an empty set covers every channel. Times are wall-clock
times in the debtor's time zone; windows include their start and exclude their end ("24:00" ends
a window at midnight).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time, timedelta
from itertools import pairwise
from typing import Any, Literal

from shared.schemas.enums import Channel

Period = Literal["day", "week", "rolling_7d"]
PERIODS: tuple[Period, ...] = ("day", "week", "rolling_7d")
ALL: frozenset[Channel] = frozenset()
VOICE: frozenset[Channel] = frozenset({Channel.phone, Channel.visit})
WRITTEN: frozenset[Channel] = frozenset(
    {Channel.whatsapp, Channel.telegram, Channel.sms, Channel.email}
)


class RuleError(ValueError):
    """A rule set that cannot be right (a window ending before it starts, a zero cap...)."""


def covers(channels: frozenset[Channel], channel: Channel) -> bool:
    return not channels or channel in channels


@dataclass(frozen=True, slots=True)
class Window:
    start: time
    end: time

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise RuleError(f"window {self.start}-{self.end} ends before it starts")


@dataclass(frozen=True, slots=True)
class Hours:
    """Allowed windows per weekday (0 = Monday) for ``channels``; a missing day allows nothing."""

    days: dict[int, tuple[Window, ...]]
    channels: frozenset[Channel] = ALL

    def __post_init__(self) -> None:
        for day, windows in self.days.items():
            if day not in range(7):
                raise RuleError(f"weekday {day} is not 0-6")
            ordered = sorted(windows, key=lambda w: w.start)
            for earlier, later in pairwise(ordered):
                if later.start < earlier.end:
                    raise RuleError(f"windows overlap on weekday {day}")
            self.days[day] = tuple(ordered)

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.days.items())), self.channels))


@dataclass(frozen=True, slots=True)
class Cap:
    """At most ``limit`` attempts on ``channels`` per local day, per local week (Monday to
    Sunday) or in any 7 times 24 hours (``rolling_7d``)."""

    limit: int
    period: Period
    channels: frozenset[Channel] = ALL

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise RuleError("a cap allows at least one contact; use the channel list to forbid")
        if self.period not in PERIODS:
            raise RuleError(f"unknown period {self.period!r}")


@dataclass(frozen=True, slots=True)
class Spacing:
    """At least ``minimum`` between two attempts on ``channels`` (or, with ``after_outcome``,
    after an attempt that ended with that outcome, such as a phone conversation)."""

    minimum: timedelta
    channels: frozenset[Channel] = ALL
    after_outcome: str | None = None

    def __post_init__(self) -> None:
        if self.minimum <= timedelta(0):
            raise RuleError("a spacing is positive")


@dataclass(frozen=True, slots=True)
class RuleSet:
    country: str
    hours: tuple[Hours, ...]
    caps: tuple[Cap, ...] = ()
    spacings: tuple[Spacing, ...] = ()
    # Holidays of ``country`` (and ``subdivision``) allow no contact on these channels.
    holiday_channels: frozenset[Channel] | None = ALL
    subdivision: str | None = None
    # At most this many distinct channels in one local week (Colombia: one).
    channels_per_week: int | None = None
    # Only the channels the debtor authorised may be used.
    authorised_only: bool = False
    notes: str = ""

    def hours_for(self, channel: Channel) -> Hours | None:
        """The most specific hours covering ``channel``: its own, else the ones for all."""
        specific = [h for h in self.hours if channel in h.channels]
        general = [h for h in self.hours if not h.channels]
        return (specific or general or [None])[0]

    def holidays_apply(self, channel: Channel) -> bool:
        return self.holiday_channels is not None and covers(self.holiday_channels, channel)

    def with_overrides(self, overrides: dict[str, Any]) -> RuleSet:
        """This rule set with a portfolio's overrides (the keys of :func:`rule_set_to_dict`)."""
        merged = rule_set_to_dict(self) | overrides
        return rule_set_from_dict(merged)


def _clock(moment: time) -> str:
    return "24:00" if moment == time.max else moment.isoformat("minutes")


def _parse_clock(text: str) -> time:
    return time.max if text == "24:00" else time.fromisoformat(text)


def _days(weekdays: range | tuple[int, ...], start: str, end: str) -> dict[int, tuple[Window, ...]]:
    window = Window(_parse_clock(start), _parse_clock(end))
    return {day: (window,) for day in weekdays}


MON_FRI = range(5)
MON_SAT = range(6)
EVERY_DAY = range(7)

COUNTRY_RULES: dict[str, RuleSet] = {
    # Código de Protección y Defensa del Consumidor, art. 62: no visits or calls 20:00-07:00,
    # on weekends or public holidays. Whether chats and SMS count is unsettled: applied to all.
    "PE": RuleSet(
        country="PE",
        hours=(Hours(_days(MON_FRI, "07:00", "20:00")),),
        notes="CPDC art. 62",
    ),
    # Ley 2300 de 2023: Mon-Fri 07-19, Sat 08-15, never Sundays or holidays; authorised channels
    # only; one contact a day and one channel a week (some sources: twice a week, override it).
    "CO": RuleSet(
        country="CO",
        hours=(Hours(_days(MON_FRI, "07:00", "19:00") | _days((5,), "08:00", "15:00")),),
        caps=(Cap(1, "day"),),
        channels_per_week=1,
        authorised_only=True,
        notes="Ley 2300 de 2023",
    ),
    # CONDUSEF: 07:00-22:00 in the debtor's time zone.
    "MX": RuleSet(
        country="MX",
        hours=(Hours(_days(EVERY_DAY, "07:00", "22:00")),),
        holiday_channels=None,
        notes="CONDUSEF, disposiciones de despachos de cobranza",
    ),
    # Ley 21.320: Mon-Sat 08-20; one call or visit a week; other channels two a week, two days
    # apart.
    "CL": RuleSet(
        country="CL",
        hours=(Hours(_days(MON_SAT, "08:00", "20:00")),),
        caps=(Cap(1, "week", VOICE), Cap(2, "week", WRITTEN)),
        spacings=(Spacing(timedelta(days=2), WRITTEN),),
        holiday_channels=None,
        notes="Ley 21.320",
    ),
    # Regulation F: 08:00-21:00 local; more than 7 calls in 7 days, or a call within 7 days of
    # a phone conversation, is presumed harassment.
    "US": RuleSet(
        country="US",
        hours=(Hours(_days(EVERY_DAY, "08:00", "21:00")),),
        caps=(Cap(7, "rolling_7d", frozenset({Channel.phone})),),
        spacings=(Spacing(timedelta(days=7), frozenset({Channel.phone}), "conversation"),),
        holiday_channels=None,
        notes="Regulation F, 12 CFR 1006.14",
    ),
}

# Countries without a rule set of their own get the strictest common hours and no holidays.
DEFAULT_RULES = RuleSet(
    country="",
    hours=(Hours(_days(MON_SAT, "08:00", "20:00")),),
    caps=(Cap(1, "day"),),
    holiday_channels=None,
    notes="default",
)


def rules_for(country: str, overrides: dict[str, Any] | None = None) -> RuleSet:
    base = COUNTRY_RULES.get(country.upper()) or replace(DEFAULT_RULES, country=country.upper())
    return base.with_overrides(overrides) if overrides else base


def _channels_out(channels: frozenset[Channel]) -> list[str]:
    return sorted(c.value for c in channels)


def _channels_in(values: list[str] | None) -> frozenset[Channel]:
    try:
        return frozenset(Channel(v) for v in values or ())
    except ValueError as exc:
        raise RuleError(str(exc)) from exc


def rule_set_to_dict(rules: RuleSet) -> dict[str, Any]:
    return {
        "country": rules.country,
        "subdivision": rules.subdivision,
        "hours": [
            {
                "channels": _channels_out(h.channels),
                "days": {
                    str(day): [[_clock(w.start), _clock(w.end)] for w in ws]
                    for day, ws in sorted(h.days.items())
                },
            }
            for h in rules.hours
        ],
        "caps": [
            {"limit": c.limit, "period": c.period, "channels": _channels_out(c.channels)}
            for c in rules.caps
        ],
        "spacings": [
            {
                "hours": s.minimum / timedelta(hours=1),
                "channels": _channels_out(s.channels),
                "after_outcome": s.after_outcome,
            }
            for s in rules.spacings
        ],
        "holiday_channels": None
        if rules.holiday_channels is None
        else _channels_out(rules.holiday_channels),
        "channels_per_week": rules.channels_per_week,
        "authorised_only": rules.authorised_only,
        "notes": rules.notes,
    }


def rule_set_from_dict(data: dict[str, Any]) -> RuleSet:
    """The rule set ``data`` describes; :class:`RuleError` says what is wrong with it."""
    try:
        hours = tuple(
            Hours(
                {
                    int(day): tuple(Window(_parse_clock(a), _parse_clock(b)) for a, b in windows)
                    for day, windows in h["days"].items()
                },
                _channels_in(h.get("channels")),
            )
            for h in data["hours"]
        )
        caps = tuple(
            Cap(int(c["limit"]), c["period"], _channels_in(c.get("channels")))
            for c in data.get("caps") or ()
        )
        spacings = tuple(
            Spacing(
                timedelta(hours=float(s["hours"])),
                _channels_in(s.get("channels")),
                s.get("after_outcome"),
            )
            for s in data.get("spacings") or ()
        )
        holiday = data.get("holiday_channels", [])
        per_week = data.get("channels_per_week")
        if per_week is not None and int(per_week) < 1:
            raise RuleError("channels_per_week is at least 1")
        return RuleSet(
            country=str(data.get("country") or "").upper(),
            subdivision=data.get("subdivision"),
            hours=hours,
            caps=caps,
            spacings=spacings,
            holiday_channels=None if holiday is None else _channels_in(holiday),
            channels_per_week=None if per_week is None else int(per_week),
            authorised_only=bool(data.get("authorised_only", False)),
            notes=str(data.get("notes") or ""),
        )
    except RuleError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise RuleError(f"malformed rule set: {exc}") from exc
