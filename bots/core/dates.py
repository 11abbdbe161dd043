"""Dates as debtors write them, in Spanish and English, resolved against ``today``.

``today`` is the portfolio's local date. Text is folded first (lower case, no accents), so
"mañana" and "manana" are the same word. Understood, in order of precedence:

* ISO dates ``2026-12-15`` (both languages).
* Numeric dates ``15/12``, ``15-12-2026``, ``15.12.26`` (dots only with a year): day first
  (``day_first``, the way Latin America writes them, in Spanish and in English: ``03/04`` is
  3 April for a Peruvian whatever language they write in), month first only for a portfolio in
  the United States (``day_first=False``); when only the other reading is a date (``15/12``
  month first) that one is taken. Two-digit years are 20xx. Without a year, the next such date
  from today (this year, or next year once passed).
* Month names: ``15 de diciembre``, ``15 dic``, ``december 15``, ``dec 15th``, ``15 december``,
  optionally with a year; without one, the next such date from today.
* ``pasado mañana`` / ``the day after tomorrow`` (+2), ``mañana`` / ``tomorrow`` (+1),
  ``hoy`` / ``today``; ``en 3 días`` / ``dentro de 3 días`` / ``in 3 days`` (+3); ``en una
  semana`` / ``la próxima semana`` / ``in a week`` / ``next week`` (+7).
* Weekdays: ``el viernes``, ``el próximo viernes``, ``friday``, ``next friday``: the next such
  day after today (a week ahead when today is that day).
* ``fin de mes`` / ``end of (the) month``: the last day of this month.
* A day of the month alone, ``el 15`` / ``los 15`` / ``the 15th`` / ``on the 15th``: the 15th
  of this month, or of next month once passed; a day the month lacks (``el 31`` in April) is
  its last day.

Birth dates (:func:`parse_birth_date`) need a full date with a four-digit year.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from shared.text import fold

MONTHS: dict[str, int] = {
    **{
        name: number
        for number, names in enumerate(
            [
                ("enero", "ene", "january", "jan"),
                ("febrero", "feb", "february"),
                ("marzo", "mar", "march"),
                ("abril", "abr", "april", "apr"),
                ("mayo", "may"),
                ("junio", "jun", "june"),
                ("julio", "jul", "july"),
                ("agosto", "ago", "august", "aug"),
                ("septiembre", "setiembre", "sep", "sept", "set", "september"),
                ("octubre", "oct", "october"),
                ("noviembre", "nov", "november"),
                ("diciembre", "dic", "december", "dec"),
            ],
            start=1,
        )
        for name in names
    }
}
WEEKDAYS: dict[str, int] = {
    "lunes": 0,
    "martes": 1,
    "miercoles": 2,
    "jueves": 3,
    "viernes": 4,
    "sabado": 5,
    "domingo": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s*(?:de(?:l)?\s+)?(\d{4}))?"

ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
# ``15/12``, ``15-12-26``; with dots only with a year (``15.50`` is an amount, not a date).
NUMERIC = re.compile(
    r"(?<![\d.,/-])(\d{1,2})(?:[/-](\d{1,2})(?:[/-](\d{4}|\d{2}))?|\.(\d{1,2})\.(\d{4}|\d{2}))"
    r"(?![\d/-]|[.,]\d)"
)
DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){_ORD}\s+(?:de\s+|of\s+)?({_MONTH})\b\.?{_YEAR}")
MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}}){_ORD}\b{_YEAR}")
IN_DAYS = re.compile(r"\b(?:en|dentro de|in|within)\s+(\d{1,3})\s+(?:dias?|days?)\b")
NEXT_WEEK = re.compile(
    r"\b(?:en una semana|dentro de una semana|la proxima semana|la semana que viene|"
    r"in a week|in one week|next week)\b"
)
DAY_AFTER = re.compile(r"\b(?:pasado manana|(?:the )?day after tomorrow)\b")
TOMORROW = re.compile(r"\b(?:manana|tomorrow)\b")
MORNING = re.compile(r"\b(?:(?:por|de|en) la|esta) manana\b")  # "in the morning", not tomorrow
TODAY = re.compile(r"\b(?:hoy|today)\b")
WEEKDAY = re.compile(rf"\b({'|'.join(WEEKDAYS)})\b")
MONTH_END = re.compile(r"\b(?:(?:a\s+)?fin(?:al)?(?:es)? de(?:l)? mes|end of (?:the )?month)\b")
DAY_ONLY = re.compile(
    r"\b(?:el|los|the|on the|on)\s+(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?:%|[/.-]\d))"
)


def _full_year(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _upcoming(today: date, month: int, day: int, year: int | None) -> date | None:
    """The date with that day and month: in ``year`` when given, else the next one from today."""
    if year is not None:
        return _make(year, month, day)
    found = _make(today.year, month, day)
    if found is not None and found >= today:
        return found
    return _make(today.year + 1, month, day) or found


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def date_spans(text: str) -> list[tuple[int, int]]:
    """Where the numeric and named dates are in folded ``text`` (so their digits are not
    taken for amounts)."""
    spans = []
    for pattern in (ISO, NUMERIC, DAY_MONTH, MONTH_DAY, IN_DAYS, DAY_ONLY):
        spans += [match.span() for match in pattern.finditer(text)]
    return spans


def _numeric_parts(match: re.Match[str]) -> tuple[int, int, str | None]:
    first, slash_second, slash_year, dot_second, dot_year = match.groups()
    if slash_second is not None:
        return int(first), int(slash_second), slash_year
    return int(first), int(dot_second), dot_year


def _day_month(first: int, second: int, day_first: bool) -> tuple[int, int]:
    """(day, month) in the reader's order, unless only the other reading is possible
    (``15/12`` month first, ``12/25`` day first)."""
    day, month = (first, second) if day_first else (second, first)
    if month > 12 >= day:
        return month, day
    return day, month


def _absolute(text: str, today: date, day_first: bool) -> date | None:
    if match := ISO.search(text):
        return _make(*(int(g) for g in match.groups()))
    if match := NUMERIC.search(text):
        first, second, year = _numeric_parts(match)
        day, month = _day_month(first, second, day_first)
        return _upcoming(today, month, day, _full_year(year))
    if match := DAY_MONTH.search(text):
        day, month, year = match.groups()
        return _upcoming(today, MONTHS[month], int(day), _full_year(year))
    if match := MONTH_DAY.search(text):
        month, day, year = match.groups()
        return _upcoming(today, MONTHS[month], int(day), _full_year(year))
    return None


def _relative(text: str, today: date) -> date | None:
    if match := IN_DAYS.search(text):
        return today + timedelta(days=int(match.group(1)))
    if NEXT_WEEK.search(text):
        return today + timedelta(days=7)
    if DAY_AFTER.search(text):
        return today + timedelta(days=2)
    if TOMORROW.search(MORNING.sub("", text)):
        return today + timedelta(days=1)
    if TODAY.search(text):
        return today
    if match := WEEKDAY.search(text):
        ahead = (WEEKDAYS[match.group(1)] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    if MONTH_END.search(text):
        return _month_end(today.year, today.month)
    if match := DAY_ONLY.search(text):
        day = int(match.group(1))
        if not 1 <= day <= 31:
            return None
        this_month = _month_end(today.year, today.month)
        if day >= today.day:
            return this_month.replace(day=min(day, this_month.day))
        following = _month_end(this_month.year + this_month.month // 12, this_month.month % 12 + 1)
        return following.replace(day=min(day, following.day))
    return None


def parse_date(text: str, today: date, day_first: bool = True) -> date | None:
    """The date ``text`` mentions (see the module docstring), or None."""
    folded = fold(text)
    return _absolute(folded, today, day_first) or _relative(folded, today)


def parse_birth_date(text: str, day_first: bool = True) -> date | None:
    """A full date with a four-digit year (``15/03/1980``, ``1980-03-15``, ``15 de marzo de
    1980``, ``March 15, 1980``), numeric ones day first unless ``day_first`` is False."""
    folded = fold(text)
    if match := ISO.search(folded):
        return _make(*(int(g) for g in match.groups()))
    if match := NUMERIC.search(folded):
        first, second, year = _numeric_parts(match)
        if year is not None and len(year) == 4:
            day, month = _day_month(first, second, day_first)
            return _make(int(year), month, day)
    for pattern, day_first in ((DAY_MONTH, True), (MONTH_DAY, False)):
        if (match := pattern.search(folded)) and match.group(3):
            a, b, year = match.groups()
            day, month = (a, b) if day_first else (b, a)
            return _make(int(year), MONTHS[month], int(day))
    return None
