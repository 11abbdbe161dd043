"""Translations for every user-facing text (Spanish default, English).

Catalogues live in ``shared/i18n/catalog/<area>.py`` as ``MESSAGES = {key: {"es": ..., "en": ...}}``
so each area owns its keys. ``t(key, lang, **params)`` formats with ``str.format``.

A text that depends on a number is a dict of CLDR plural forms (Babel's rules for the
language: ``one``, ``other``, and ``many`` where the language has it), chosen by the ``count``
parameter: ``{"one": "Le queda {count} intento.", "other": "Le quedan {count} intentos."}``; a
form the language uses but the text lacks falls back to ``other``.
"""

from __future__ import annotations

import importlib
import pkgutil
import string
from functools import lru_cache
from typing import Any

from babel import Locale

from shared.i18n import catalog

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"


def placeholders(text: str | dict[str, str]) -> set[str]:
    """The ``{names}`` a text (every plural form of it) is filled with."""
    forms = text.values() if isinstance(text, dict) else [text]
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


def plural_form(lang: str, count: Any) -> str:
    """CLDR's plural category of ``count`` in ``lang`` (``one``, ``many``, ``other``...)."""
    try:
        return _locale(lang).plural_form(abs(count))
    except (TypeError, ValueError):
        return "other"


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    return Locale.parse(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


@lru_cache
def messages() -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for info in pkgutil.iter_modules(catalog.__path__):
        module = importlib.import_module(f"{catalog.__name__}.{info.name}")
        for key, texts in module.MESSAGES.items():
            if key in merged:
                raise RuntimeError(f"i18n key {key!r} defined twice")
            merged[key] = texts
    return merged


def normalize_language(value: str | None) -> str:
    """Pick es/en from a language tag or an Accept-Language header (quality values honoured)."""
    if not value:
        return DEFAULT_LANGUAGE
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in value.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    texts = messages().get(key)
    if texts is None:
        return key
    text: Any = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    if isinstance(text, dict):
        text = text.get(plural_form(lang, params.get("count", 0))) or text["other"]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text
