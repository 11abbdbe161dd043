"""Messages of access control: identifiers outside the caller's scope, opt-outs, policy
ceilings and the approval of policy changes."""

MESSAGES: dict[str, dict[str, str]] = {
    "error.not_available": {
        "es": "Ese identificador no está disponible para usted. Consulte a un administrador.",
        "en": "That identifier is not available to you. Ask an administrator.",
    },
    "import.row.reference_not_available": {
        "es": "Esta referencia o su deudor no están disponibles para usted; "
        "consulte a un administrador.",
        "en": "This reference or its debtor is not available to you; ask an administrator.",
    },
    "error.opt_out_clear_forbidden": {
        "es": "Solo el deudor, o un administrador indicando el motivo, puede levantar una "
        "exclusión de contacto.",
        "en": "Only the debtor, or an administrator giving the reason, can lift an opt-out.",
    },
    "error.policy_change_decided": {
        "es": "Este cambio de política ya fue decidido ({status}).",
        "en": "This policy change was already decided ({status}).",
    },
    "error.policy_change_stale": {
        "es": "La política cambió desde que se pidió este cambio: recházelo y que se pida "
        "de nuevo sobre la política actual.",
        "en": "The policy changed since this change was asked for: reject it and have it "
        "asked again over the current policy.",
    },
    "error.api_key_user_refused": {
        "es": "No se puede crear una clave de API para ese usuario (los bots tienen su propia "
        "credencial).",
        "en": "An API key cannot be made for that user (the bots have their own credential).",
    },
}
