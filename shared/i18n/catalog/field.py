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
    "error.photo_type": {
        "es": "La foto debe ser una imagen JPEG, PNG, WebP o HEIC.",
        "en": "The photo must be a JPEG, PNG, WebP or HEIC image.",
    },
    "error.photo_empty": {
        "es": "El archivo de la foto está vacío.",
        "en": "The photo file is empty.",
    },
    "error.visit_not_found": {
        "es": "Esa visita no está en el servidor (sincronice la visita primero).",
        "en": "That visit is not on the server (sync the visit first).",
    },
    "cash.title": {"es": "Resumen de efectivo del día", "en": "Cash summary of the day"},
    "cash.subtitle": {
        "es": "Cobros en efectivo para depositar · {agency}",
        "en": "Cash collected, to deposit · {agency}",
    },
    "cash.agent": {"es": "Agente", "en": "Agent"},
    "cash.day": {"es": "Día", "en": "Day"},
    "cash.count": {"es": "Pagos en efectivo", "en": "Cash payments"},
    "cash.total": {"es": "Total {currency}", "en": "Total {currency}"},
    "cash.column.time": {"es": "Hora", "en": "Time"},
    "cash.column.debtor": {"es": "Deudor (cuenta)", "en": "Debtor (account)"},
    "cash.column.receipt": {"es": "Recibo", "en": "Receipt"},
    "cash.column.amount": {"es": "Monto", "en": "Amount"},
    "cash.none": {
        "es": "No hubo cobros en efectivo este día.",
        "en": "No cash was collected this day.",
    },
    "cash.footer": {
        "es": "Horas en la zona horaria {timezone}.",
        "en": "Times in the {timezone} time zone.",
    },
}
