"""PDF documents for debtors (plan schedule, receipt, paid-in-full certificate), drawn with
fpdf2 (pure Python) from a plain :class:`Document`: a title, label/value pairs, an optional
table, paragraphs and a footer. The words, money and dates are the caller's, already in the
reader's language (``shared.i18n``).

The PDF's built-in Helvetica covers Latin-1, which holds Spanish and English (á, ñ, ¿, ü);
a character outside it (a narrow no-break space CLDR may print, a name in another script) is
written as its closest Latin-1 form, so a document is never refused for a name.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "Helvetica"
MUTED = (91, 102, 117)
INK = (28, 36, 48)
OK = (10, 92, 58)
WARN = (138, 28, 28)
_SPACES = {"\u202f": "\xa0", "\u2009": " ", "\u2007": " ", "\u2011": "-", "\u2013": "-"}
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "..."}
# Letters Unicode does not decompose into a Latin-1 base letter.
_LETTERS = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "€": "EUR"}


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    widths: tuple[float, ...]  # fractions of the page width, adding up to 1
    align: tuple[str, ...]  # "L" or "R" per column


@dataclass(frozen=True, slots=True)
class Document:
    lang: str
    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    table: Table | None = None
    paragraphs: list[str] = field(default_factory=list)
    highlight: str | None = None  # a line in a box: the amount, the certificate's status
    highlight_ok: bool = True
    footer: list[str] = field(default_factory=list)
    author: str = "Cobro"


def latin1(text: str) -> str:
    """``text`` as Helvetica can write it (see the module's notes)."""
    for source, target in {**_SPACES, **_QUOTES, **_LETTERS}.items():
        text = text.replace(source, target)
    if all(ord(c) < 256 for c in text):
        return text
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        plain = unicodedata.normalize("NFKD", char)
        kept = "".join(c for c in plain if ord(c) < 256 and not unicodedata.combining(c))
        out.append(kept or "?")
    return "".join(out)


def render(doc: Document) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(latin1(doc.title))
    pdf.set_author(latin1(doc.author))
    pdf.set_creator("Cobro")
    pdf.set_lang(doc.lang)
    pdf.add_page()
    width = pdf.epw

    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(width, 9, latin1(doc.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(width, 6, latin1(doc.subtitle), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    if doc.highlight:
        pdf.set_font(FONT, "B", 15)
        pdf.set_text_color(*(OK if doc.highlight_ok else WARN))
        pdf.multi_cell(
            width, 10, latin1(doc.highlight), border=1, align="C",
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip
        pdf.ln(4)

    label_width = width * 0.38
    for label, value in doc.facts:
        pdf.set_font(FONT, "", 10)
        pdf.set_text_color(*MUTED)
        pdf.cell(label_width, 7, latin1(label))
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(*INK)
        pdf.multi_cell(width - label_width, 7, latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)

    if doc.table is not None:
        _table(pdf, doc.table, width)
        pdf.ln(3)

    pdf.set_font(FONT, "", 10.5)
    pdf.set_text_color(*INK)
    for paragraph in doc.paragraphs:
        pdf.multi_cell(width, 6, latin1(paragraph), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)

    if doc.footer:
        pdf.ln(4)
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(*MUTED)
        for line in doc.footer:
            pdf.multi_cell(width, 4.5, latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _table(pdf: FPDF, table: Table, width: float) -> None:
    widths = [width * w for w in table.widths]
    pdf.c_margin = 2  # room between a right-aligned column and the next
    pdf.set_font(FONT, "B", 9.5)
    pdf.set_text_color(*INK)
    pdf.set_fill_color(236, 240, 244)
    for text, w, align in zip(table.header, widths, table.align, strict=True):
        pdf.cell(w, 7, latin1(text), border="B", align=align, fill=True)
    pdf.ln(7)
    pdf.set_font(FONT, "", 9.5)
    for row in table.rows:
        for text, w, align in zip(row, widths, table.align, strict=True):
            pdf.cell(w, 6.5, latin1(text), border="B", align=align)
        pdf.ln(6.5)
