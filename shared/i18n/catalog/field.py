"""Texts of the field agent API: sync answers and worklist errors."""

MESSAGES: dict[str, dict[str, str]] = {
    "error.not_your_account": {
        "es": "Esta cuenta no está asignada a usted.",
        "en": "This account is not assigned to you.",
    },
    "error.account_paid": {
        "es": "La cuenta ya está pagada.",
        "en": "The account is already paid.",
    },
    "error.account_closed": {
        "es": "La cuenta está cerrada (castigada).",
        "en": "The account is closed (written off).",
    },
    "error.overpayment": {
        "es": "El pago supera el saldo de la cuenta; un supervisor debe revisarlo.",
        "en": "The payment exceeds the account balance; a supervisor must review it.",
    },
    "error.agent_required": {
        "es": "Indique el agente (agent_id).",
        "en": "Say which agent (agent_id).",
    },
    "error.start_position": {
        "es": "Envíe la latitud y la longitud juntas.",
        "en": "Send latitude and longitude together.",
    },
}
