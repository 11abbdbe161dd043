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
    "error.stop_not_in_day": {
        "es": "Esa parada no está en su ruta de ese día.",
        "en": "That stop is not in your route for that day.",
    },
    "error.team_plan_conflict": {
        "es": "Otro supervisor acaba de planificar ese día ({date}) para estos gestores. "
        "Revise su plan antes de volver a planificar.",
        "en": "Another supervisor has just planned that day ({date}) for these agents. "
        "Check their plan before planning again.",
    },
    "error.start_position": {
        "es": "Envíe la latitud y la longitud juntas.",
        "en": "Send latitude and longitude together.",
    },
}
