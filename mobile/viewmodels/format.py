"""How the app writes numbers, distances, dates and times for people (es/en)."""

from __future__ import annotations

from datetime import date, datetime

from shared.i18n import formats, t


def money(amount_minor: int, currency: str, lang: str, country: str = "") -> str:
    return formats.money(amount_minor, currency, lang, country)


def distance(metres: float | None, lang: str) -> str:
    """``850 m`` or ``1,4 km`` (``1.4 km`` in English)."""
    if metres is None:
        return t("mobile.unknown", lang)
    if metres < 1000:
        return f"{round(metres)} m"
    text = f"{metres / 1000:.1f}"
    return f"{text.replace('.', ',') if lang == 'es' else text} km"


def clock(moment: datetime) -> str:
    """``14:05`` in the moment's own time zone."""
    return moment.strftime("%H:%M")


def day(value: date, lang: str, country: str = "") -> str:
    """``25/11/2025``: day first in Latin America, in English too (``formats.day``)."""
    return formats.day(value, lang, country)


def duration(seconds: int | None, lang: str) -> str:
    """``45 min`` or ``2 h 05``."""
    if seconds is None:
        return t("mobile.unknown", lang)
    minutes = round(seconds / 60)
    if minutes < 60:
        return t("mobile.minutes", lang, n=minutes)
    return f"{minutes // 60} h {minutes % 60:02d}"


def ago(moment: datetime | None, now: datetime, lang: str) -> str:
    """How long ago a sync happened: ``recién``, ``hace 5 min``, ``hace 3 h`` or a date."""
    if moment is None:
        return t("mobile.sync.never", lang)
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        when = t("mobile.sync.just_now", lang)
    elif seconds < 3600:
        when = t("mobile.sync.minutes_ago", lang, n=int(seconds // 60))
    elif seconds < 86400:
        when = t("mobile.sync.hours_ago", lang, n=int(seconds // 3600))
    else:
        when = f"{day(moment.date(), lang)} {clock(moment)}"
    return t("mobile.sync.last", lang, when=when)


def parse_day(text: str) -> date | None:
    """A date typed as ``2025-11-25`` or ``25/11/2025``; ``None`` when it is not one."""
    raw = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None
