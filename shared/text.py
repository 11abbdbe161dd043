"""Text normalisation for search: lower-case, no accents, single spaces."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    if text.isascii():  # nothing to decompose (the common case, and ten times faster)
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())
