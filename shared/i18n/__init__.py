"""Translations for every user-facing text (Spanish default, English).

Catalogues live in ``shared/i18n/catalog/<area>.py`` as ``MESSAGES = {key: {"es": ..., "en": ...}}``
so each area owns its keys. ``t(key, lang, **params)`` formats with ``str.format``.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Any

from shared.i18n import catalog

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"


@lru_cache
def messages() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
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
    text = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text
