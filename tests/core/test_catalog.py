"""Every error the API can answer has a message in Spanish and English, with the same
placeholders, and languages are picked from Accept-Language as browsers send it."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import backend.main  # noqa: F401  (imports every router, so every DomainError subclass exists)
from backend.core.errors import DomainError
from backend.core.handlers import _HTTP_CODES
from shared.i18n import LANGUAGES, messages, normalize_language, placeholders, t

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    path
    for folder in ("backend", "shared")
    for path in (ROOT / folder).rglob("*.py")
    if "catalog" not in path.parts and "migrations" not in path.parts
]
LITERAL_KEY = re.compile(r"[\"'](error\.[a-z0-9_]+)[\"']")
RAISED_CODE = re.compile(r"(?:MoneyError|IdentityError)\(\s*[\"']([a-z0-9_]+)[\"']")


def subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= subclasses(sub)
    return found


def used_keys() -> set[str]:
    keys = {f"error.{cls.code}" for cls in subclasses(DomainError)}
    keys |= {f"error.{code}" for code in _HTTP_CODES.values()}
    keys |= {"error.internal_error", "error.bad_request", "error.validation_error"}
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        keys |= set(LITERAL_KEY.findall(source))
        # Money and identity errors are answered with their code as the message key.
        keys |= {f"error.{code}" for code in RAISED_CODE.findall(source)}
    return keys


@pytest.mark.parametrize("key", sorted(used_keys()))
def test_every_error_key_is_translated(key: str) -> None:
    texts = messages().get(key)
    assert texts is not None, f"{key} has no message"
    assert set(texts) >= set(LANGUAGES)
    assert placeholders(texts["es"]) == placeholders(texts["en"]), key


def test_unknown_key_and_missing_parameter_degrade_gracefully() -> None:
    assert t("error.no_such_key", "en") == "error.no_such_key"
    assert t("error.currency_mismatch", "en", given="USD", expected="PEN") == (
        "Currency USD does not match the account's (PEN)."
    )
    assert "{given}" in t("error.currency_mismatch", "en")
    assert t("error.not_found", "fr") == "No encontrado."


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "es"),
        ("", "es"),
        ("en", "en"),
        ("EN-gb", "en"),
        ("es-419", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("es;q=0.5, en;q=0.6", "en"),
        ("en;q=0, es;q=0.1", "es"),
        ("fr, de;q=0.9", "es"),
        ("fr, en;q=0.1", "en"),
        ("en;q=abc", "en"),
        (";;;,,,", "es"),
        ("x" * 5000, "es"),
    ],
)
def test_normalize_language(header: str | None, language: str) -> None:
    assert normalize_language(header) == language


def _forms(text: object) -> list[str]:
    return list(text.values()) if isinstance(text, dict) else [str(text)]


@pytest.mark.parametrize(
    "key",
    sorted(
        k for k, v in messages().items() if any(isinstance(v.get(lang), dict) for lang in LANGUAGES)
    ),
)
def test_plural_texts_have_every_form_they_need(key: str) -> None:
    texts = messages()[key]
    for lang in LANGUAGES:
        forms = texts[lang]
        assert isinstance(forms, dict) and "other" in forms and "one" in forms, (key, lang)
        names = {
            frozenset(n for _, n, _, _ in string.Formatter().parse(form) if n)
            for form in _forms(forms)
        }
        assert all("count" in found for found in names), (key, lang)


@pytest.mark.parametrize(
    ("lang", "count", "text"),
    [
        ("es", 1, "Le queda 1 intento."),
        ("es", 2, "Le quedan 2 intentos."),
        ("es", 0, "Le quedan 0 intentos."),
        ("en", 1, "You have 1 attempt left."),
        ("en", 3, "You have 3 attempts left."),
    ],
)
def test_numbers_agree_with_their_words(lang: str, count: int, text: str) -> None:
    assert text in t("bot.verify.failed", lang, count=count)
