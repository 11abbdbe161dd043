"""Rendering ``Outgoing`` with each channel's widgets and limits."""

from __future__ import annotations

import pytest

from bots.core.messages import Button, Outgoing
from bots.telegram.render import keyboard
from bots.whatsapp.render import BUTTON_TITLE, fit, render


def options(count: int, label: str = "Opción {n}") -> tuple[Button, ...]:
    return tuple(Button(f"opt:{n}", label.format(n=n)) for n in range(1, count + 1))


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Ver opciones", 20, "Ver opciones"),
        ("Pagar el saldo total ahora", 20, "Pagar el saldo tota…"),
        ("Pagar   el\nsaldo", 20, "Pagar el saldo"),
        ("Cuota de S/ 99 ", 10, "Cuota de…"),
        ("Pagá ya 👍🏽 hoy", 10, "Pagá ya 👍…"),
        ("e\u0301xito total", 2, "e…"),  # the accent never travels without its letter
        ("👨\u200d👩\u200d👧 familia", 3, "👨…"),  # nor a joiner without what it joins
    ],
)
def test_fit_cuts_safely(text: str, limit: int, expected: str) -> None:
    assert fit(text, limit) == expected
    assert len(fit(text, limit)) <= limit


def test_up_to_three_short_options_are_reply_buttons() -> None:
    [message] = render(Outgoing("¿Qué deseas?", buttons=options(3)))
    assert isinstance(message.buttons, list)
    assert [(b.title, b.callback_data) for b in message.buttons] == [
        ("Opción 1", "opt:1"),
        ("Opción 2", "opt:2"),
        ("Opción 3", "opt:3"),
    ]


def test_long_labels_are_cut_to_20_characters() -> None:
    [message] = render(Outgoing("?", buttons=(Button("a", "Acepto el plan de pagos propuesto"),)))
    assert isinstance(message.buttons, list)
    assert message.buttons[0].title == "Acepto el plan de p…"
    assert len(message.buttons[0].title) == BUTTON_TITLE


def test_titles_that_collide_once_cut_become_a_list_with_full_descriptions() -> None:
    buttons = options(2, label="Plan de 12 cuotas mensuales, opción {n}")
    [message] = render(Outgoing("Elige", buttons=buttons, list_title="Planes"))
    rows = message.buttons.to_dict()["sections"][0]["rows"]  # type: ignore[union-attr]
    assert rows[0] == {
        "id": "opt:1",
        "title": "Plan de 12 cuotas mensu…",
        "description": "Plan de 12 cuotas mensuales, opción 1",
    }


def test_more_than_ten_options_continue_in_another_list() -> None:
    messages = render(Outgoing("Elige una fecha", buttons=options(13), list_title="Fechas"))
    assert [m.text for m in messages] == ["Elige una fecha", "Fechas"]
    sizes = [len(m.buttons.to_dict()["sections"][0]["rows"]) for m in messages]  # type: ignore[union-attr]
    assert sizes == [10, 3]


def test_a_list_without_a_title_still_has_a_button() -> None:
    [message] = render(Outgoing("Elige", buttons=options(4)))
    assert message.buttons.to_dict()["button"] == "☰"  # type: ignore[union-attr]


def test_a_link_beside_options_goes_in_the_text() -> None:
    [message] = render(Outgoing("Paga:", buttons=options(1), url="https://pay.test/x"))
    assert (message.text, message.preview_url) == ("Paga:\nhttps://pay.test/x", True)


@pytest.mark.parametrize("button_id", ["", "x" * 257])
def test_ids_whatsapp_refuses_raise_before_sending(button_id: str) -> None:
    with pytest.raises(ValueError, match="button ids"):
        render(Outgoing("?", buttons=(Button(button_id, "Sí"),)))


def test_telegram_keyboard_the_link_then_one_option_per_row() -> None:
    markup = keyboard(Outgoing("?", buttons=options(2), url="https://pay.test/x"))
    assert markup is not None
    assert markup.to_dict() == {
        "inline_keyboard": [
            [{"text": "🔗 pay.test", "url": "https://pay.test/x"}],
            [{"text": "Opción 1", "callback_data": "opt:1"}],
            [{"text": "Opción 2", "callback_data": "opt:2"}],
        ]
    }
    assert keyboard(Outgoing("solo texto")) is None
