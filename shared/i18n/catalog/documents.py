"""Texts of the documents debtors ask for (PDF): the plan's schedule, receipts, and the
paid-in-full certificate ("constancia de no adeudo") with its public verification page."""

MESSAGES: dict[str, dict[str, str]] = {
    "doc.subtitle": {
        "es": "{creditor} · {product} · cuenta {reference}",
        "en": "{creditor} · {product} · account {reference}",
    },
    "doc.generated": {
        "es": "Emitido por {agency} el {day}.",
        "en": "Issued by {agency} on {day}.",
    },
    "doc.debtor": {"es": "Titular", "en": "Account holder"},
    # The plan's schedule
    "doc.schedule.title": {"es": "Cronograma de pagos", "en": "Payment schedule"},
    "doc.plan.kind": {"es": "Tipo de acuerdo", "en": "Agreement"},
    "doc.plan.kind.instalments": {"es": "Pago en cuotas", "en": "Instalment plan"},
    "doc.plan.kind.settlement": {"es": "Pago único con descuento", "en": "Settlement"},
    "doc.plan.status": {"es": "Estado", "en": "Status"},
    "doc.plan.status.offered": {"es": "ofrecido", "en": "offered"},
    "doc.plan.status.active": {"es": "vigente", "en": "active"},
    "doc.plan.status.completed": {"es": "cumplido", "en": "completed"},
    "doc.plan.status.broken": {"es": "incumplido", "en": "broken"},
    "doc.plan.status.cancelled": {"es": "anulado", "en": "cancelled"},
    "doc.plan.agreed_on": {"es": "Acordado el", "en": "Agreed on"},
    "doc.plan.total": {"es": "Total a pagar", "en": "Total to pay"},
    "doc.plan.discount": {"es": "Descuento", "en": "Discount"},
    "doc.plan.paid": {"es": "Pagado hasta hoy", "en": "Paid so far"},
    "doc.schedule.number": {"es": "Cuota", "en": "No."},
    "doc.schedule.due": {"es": "Vence", "en": "Due"},
    "doc.schedule.amount": {"es": "Monto", "en": "Amount"},
    "doc.schedule.paid": {"es": "Pagado", "en": "Paid"},
    "doc.schedule.status": {"es": "Estado", "en": "Status"},
    "doc.schedule.down_payment": {"es": "Inicial", "en": "Down"},
    "doc.instalment.pending": {"es": "pendiente", "en": "pending"},
    "doc.instalment.partial": {"es": "pago parcial", "en": "part paid"},
    "doc.instalment.paid": {"es": "pagada", "en": "paid"},
    "doc.instalment.missed": {"es": "vencida", "en": "missed"},
    "doc.schedule.last_differs": {
        "es": "Las primeras {count} cuotas son de {amount}; la última es de {last}.",
        "en": "The first {count} instalments are {amount}; the last one is {last}.",
    },
    "doc.schedule.how_to_pay": {
        "es": "Para pagar una cuota, pida su enlace de pago por WhatsApp o Telegram.",
        "en": "To pay an instalment, ask for its payment link on WhatsApp or Telegram.",
    },
    # Receipts
    "doc.receipt.verify": {
        "es": "Verifique este recibo en {url}",
        "en": "Check this receipt at {url}",
    },
    # The paid-in-full certificate
    "doc.certificate.title": {"es": "Constancia de no adeudo", "en": "Paid-in-full certificate"},
    "doc.certificate.valid": {"es": "Constancia válida", "en": "Valid certificate"},
    "doc.certificate.revoked": {
        "es": "Constancia revocada: la cuenta volvió a registrar deuda",
        "en": "Certificate revoked: the account shows a debt again",
    },
    "doc.certificate.statement.paid": {
        "es": (
            "{agency}, por encargo de {creditor}, deja constancia de que {debtor}, {id_type} "
            "{id_number}, no mantiene deuda pendiente por la cuenta {reference} ({product}), "
            "pagada en su totalidad el {day}."
        ),
        "en": (
            "{agency}, on behalf of {creditor}, certifies that {debtor}, {id_type} {id_number}, "
            "owes nothing on account {reference} ({product}), paid in full on {day}."
        ),
    },
    "doc.certificate.statement.dispute_upheld": {
        "es": (
            "{agency}, por encargo de {creditor}, deja constancia de que {debtor}, {id_type} "
            "{id_number}, no mantiene deuda pendiente por la cuenta {reference} ({product}): "
            "su reclamo fue resuelto a su favor y la cuenta se cerró sin saldo el {day}."
        ),
        "en": (
            "{agency}, on behalf of {creditor}, certifies that {debtor}, {id_type} {id_number}, "
            "owes nothing on account {reference} ({product}): their claim was upheld and the "
            "account was closed with nothing owed on {day}."
        ),
    },
    "doc.certificate.closed_on.paid": {"es": "Pagada en su totalidad el", "en": "Paid in full on"},
    "doc.certificate.closed_on.dispute_upheld": {
        "es": "Cerrada sin deuda el",
        "en": "Closed with nothing owed on",
    },
    "doc.certificate.issued_on": {"es": "Emitida el", "en": "Issued on"},
    "doc.certificate.holder": {"es": "Titular (iniciales)", "en": "Holder (initials)"},
    "doc.certificate.verify": {
        "es": "Cualquier persona puede verificar esta constancia en {url}",
        "en": "Anyone can check this certificate at {url}",
    },
    "doc.certificate.public_note": {
        "es": "Esta página muestra solo lo necesario para verificar la constancia.",
        "en": "This page shows only what is needed to check the certificate.",
    },
    "error.no_plan": {
        "es": "La cuenta no tiene un plan de pagos.",
        "en": "The account has no payment plan.",
    },
    "error.account_not_paid": {
        "es": "La cuenta aún tiene deuda ({status}): no se puede emitir la constancia.",
        "en": "The account still shows a debt ({status}): no certificate can be issued.",
    },
    "error.certificate_not_issued": {
        "es": "Aún no se emitió una constancia para esta cuenta.",
        "en": "No certificate has been issued for this account yet.",
    },
    "error.no_receipt_code": {
        "es": "Este pago no tiene código de verificación (su recibo es la página de pago).",
        "en": "This payment has no verification code (its receipt is its payment page).",
    },
}
