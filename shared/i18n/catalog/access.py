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
}
