"""shared/text.py: folding for search."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from shared.text import fold


def _decomposed_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


def test_fold_drops_accents_case_and_extra_spaces() -> None:
    assert fold("  José  MARÍA\tÑuñez ") == "jose maria nunez"
    assert fold("Av. Arequipa  1234") == "av. arequipa 1234"


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_folds_as_the_decomposing_rule_does(text: str) -> None:
    assert fold(text) == _decomposed_fold(text)
