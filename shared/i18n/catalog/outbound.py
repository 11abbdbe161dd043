"""Texts of the e-mail unsubscribe page and its errors."""

MESSAGES: dict[str, dict[str, str]] = {
    "unsubscribe.title": {
        "es": "Dejar de recibir correos",
        "en": "Stop these e-mails",
    },
    "unsubscribe.ask": {
        "es": (
            "Si confirma, {agency} no le enviará más recordatorios de pago por correo electrónico."
        ),
        "en": "If you confirm, {agency} will send you no more payment reminders by e-mail.",
    },
    "unsubscribe.button": {"es": "Darme de baja", "en": "Unsubscribe"},
    "unsubscribe.done.title": {
        "es": "Listo: ya no recibirá estos correos",
        "en": "Done: you will get no more of these e-mails",
    },
    "unsubscribe.done": {
        "es": "Registramos su baja. {agency} no le enviará más recordatorios por correo.",
        "en": "We recorded your request. {agency} will send you no more reminders by e-mail.",
    },
    "error.invalid_unsubscribe_link": {
        "es": "Este enlace para darse de baja no es válido. Use el del último correo recibido.",
        "en": "This unsubscribe link is not valid. Use the one in the latest e-mail you got.",
    },
    "error.expired_unsubscribe_link": {
        "es": "Este enlace para darse de baja venció. Use el del último correo recibido.",
        "en": "This unsubscribe link has expired. Use the one in the latest e-mail you got.",
    },
    "error.one_click_required": {
        "es": "Para darse de baja, envíe List-Unsubscribe=One-Click (RFC 8058).",
        "en": "To unsubscribe, send List-Unsubscribe=One-Click (RFC 8058).",
    },
}
