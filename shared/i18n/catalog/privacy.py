"""Messages of the personal data endpoints (export, erasure)."""

MESSAGES: dict[str, dict[str, str]] = {
    "error.erasure_blocked": {
        "es": (
            "El deudor aún tiene cuentas con saldo o un plan activo: sus datos personales se "
            "conservan mientras la deuda exista, salvo orden legal (legal_order)."
        ),
        "en": (
            "The debtor still has accounts with a balance or an active plan: their personal "
            "data is kept while the debt exists, unless a legal order says otherwise "
            "(legal_order)."
        ),
    },
    "error.debtor_erased": {
        "es": "Los datos personales de este deudor fueron eliminados; no se pueden modificar.",
        "en": "This debtor's personal data was erased; it cannot be changed.",
    },
}
