"""Texts of the payment page, the receipt and payment errors."""

MESSAGES: dict[str, dict[str, str]] = {
    "pay.title": {"es": "Pago de su deuda", "en": "Pay your debt"},
    "pay.greeting": {"es": "Hola, {name}", "en": "Hello, {name}"},
    "pay.creditor": {"es": "Acreedor", "en": "Creditor"},
    "pay.concept": {"es": "Concepto", "en": "Concept"},
    "pay.amount": {"es": "Monto a pagar", "en": "Amount to pay"},
    "pay.due": {"es": "Pagar antes del", "en": "Pay by"},
    "pay.purpose.balance": {"es": "Saldo total", "en": "Full balance"},
    "pay.purpose.settlement": {"es": "Pago con descuento", "en": "Settlement"},
    "pay.purpose.instalment": {"es": "Cuota del plan", "en": "Plan instalment"},
    "pay.purpose.promise": {"es": "Compromiso de pago", "en": "Promise to pay"},
    "pay.sandbox.label": {
        "es": "SANDBOX: entorno de prueba, no se cobra dinero real",
        "en": "SANDBOX: test environment, no real money is charged",
    },
    "pay.sandbox.button": {"es": "Simular pago (sandbox)", "en": "Simulate payment (sandbox)"},
    "pay.go": {"es": "Pagar ahora", "en": "Pay now"},
    "pay.status.paid": {
        "es": "¡Gracias! Recibimos su pago.",
        "en": "Thank you! We received your payment.",
    },
    "pay.status.expired": {
        "es": "Este enlace venció. Pida uno nuevo.",
        "en": "This link has expired. Please ask for a new one.",
    },
    "pay.status.cancelled": {
        "es": "Este enlace fue anulado.",
        "en": "This link was cancelled.",
    },
    "receipt.title": {"es": "Recibo de pago", "en": "Payment receipt"},
    "receipt.valid": {
        "es": "Recibo válido, registrado en Cobro.",
        "en": "Valid receipt, recorded in Cobro.",
    },
    "receipt.code": {"es": "Código de verificación", "en": "Verification code"},
    "receipt.number": {"es": "N.º de recibo", "en": "Receipt no."},
    "receipt.date": {"es": "Fecha", "en": "Date"},
    "receipt.method": {"es": "Medio", "en": "Method"},
    "receipt.agent": {"es": "Gestor", "en": "Agent"},
    "receipt.debtor": {"es": "Cliente", "en": "Customer"},
    "receipt.reference": {"es": "Cuenta", "en": "Account"},
    "receipt.print": {"es": "Imprimir", "en": "Print"},
    "receipt.method.cash": {"es": "Efectivo", "en": "Cash"},
    "receipt.method.transfer": {"es": "Transferencia", "en": "Transfer"},
    "receipt.method.card_terminal": {"es": "Tarjeta (POS)", "en": "Card terminal"},
    "receipt.method.online": {"es": "Pago en línea", "en": "Online payment"},
    "receipt.method.bank_statement": {"es": "Depósito bancario", "en": "Bank deposit"},
    "error.no_open_promise": {
        "es": "La cuenta no tiene un compromiso de pago abierto.",
        "en": "The account has no open promise to pay.",
    },
    "error.no_matching_plan": {
        "es": "La cuenta no tiene un plan activo para un enlace de tipo {purpose}.",
        "en": "The account has no active plan for a {purpose} link.",
    },
    "error.receipt_number_used": {
        "es": "El recibo {receipt_number} ya fue usado por este gestor.",
        "en": "Receipt {receipt_number} was already used by this agent.",
    },
    "error.invalid_signature": {
        "es": "Firma del webhook inválida o vencida.",
        "en": "Invalid or expired webhook signature.",
    },
    "error.channel_not_configured": {
        "es": "Este canal no está configurado.",
        "en": "This channel is not configured.",
    },
    "error.payment_provider_unavailable": {
        "es": "El proveedor de pagos no está disponible. Intente más tarde.",
        "en": "The payment provider is unavailable. Please try again later.",
    },
}
