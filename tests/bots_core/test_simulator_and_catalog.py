"""The terminal simulator with a scripted stdin, and the bots' catalogue."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import httpx

from bots import simulator
from shared.i18n import LANGUAGES, placeholders
from shared.i18n.catalog.bots import MESSAGES
from tests.bots_core.conftest import BASE_URL, ID_NUMBER, PHONE, Seeded

ROOT = Path(__file__).resolve().parents[2]


def test_simulator_talks_with_numbered_buttons(app, seeded: Seeded) -> None:
    typed = "1\n" + f"{ID_NUMBER}\n{PHONE[-4:]}\n" + "1\n" + "9\n" + "/salir\n" + "never read\n"
    out = io.StringIO()
    asyncio.run(
        simulator.run(
            BASE_URL,
            seeded.token,
            user_id="+51987654321",
            stdin=io.StringIO(typed),
            stdout=out,
            transport=httpx.ASGITransport(app=app),
        )
    )
    shown = out.getvalue()
    assert "bot> ¡Hola! 👋" in shown and "[1] Español" in shown and "[2] English" in shown
    assert "Gracias, Rosa" in shown and "S/\xa01,200.00" in shown  # the balance at once...
    assert "[1] Pago único S/\xa01,080.00 hasta el" in shown  # ...and the options in words
    assert "Su acuerdo quedó registrado" in shown  # "1" pressed the first option
    assert "Su plan con" in shown  # "9" is not a button there: read as text, the plan shown
    assert "never read" not in shown


def test_every_bot_text_is_in_both_languages_with_the_same_placeholders() -> None:
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), key
        assert placeholders(texts["es"]) == placeholders(texts["en"]), key


def test_buttons_fit_whatsapp() -> None:
    sample = {"amount": "S/\xa012,345.67", "n": 10, "number": 12}
    for key, texts in MESSAGES.items():
        if key.startswith("bot.button."):
            for text in texts.values():
                assert len(text.format(**sample)) <= 24, (key, text)


def test_every_key_the_bots_use_exists() -> None:
    used = set()
    for path in (ROOT / "bots").rglob("*.py"):
        used |= set(re.findall(r"[\"'](bot\.[a-z_.]+[a-z_])[\"']", path.read_text("utf-8")))
    missing = sorted(key for key in used if key not in MESSAGES)
    assert used and not missing, missing
