"""The web self-service portal's texts (``bots/portal``)."""

MESSAGES = {
    "portal.title": {"es": "Mi cuenta", "en": "My account"},
    "portal.skip": {"es": "Ir al contenido", "en": "Skip to content"},
    "portal.more": {"es": "Más opciones", "en": "More options"},
    "portal.logout": {"es": "Salir", "en": "Sign out"},
    "portal.back": {"es": "Mis cuentas", "en": "My accounts"},
    "portal.back_account": {"es": "Volver a la cuenta", "en": "Back to the account"},
    "portal.link_refused": {
        "es": "Este enlace no es válido, ya venció o se abrió en otro dispositivo. Verifíquese "
        "con su documento.",
        "en": "This link is not valid, has expired or was opened on another device. Verify "
        "yourself with your ID.",
    },
    "portal.verify.title": {"es": "Verifique su identidad", "en": "Verify your identity"},
    "portal.verify.intro": {
        "es": "Para ver sus cuentas, ingrese su documento de identidad y un dato más.",
        "en": "To see your accounts, enter your ID number and one more detail.",
    },
    "portal.verify.id_number": {"es": "Número de documento", "en": "ID number"},
    "portal.verify.factor": {
        "es": "Un dato más (uno de los dos)",
        "en": "One more detail (either one)",
    },
    "portal.verify.phone_last4": {
        "es": "Últimos 4 dígitos de su teléfono",
        "en": "Last 4 digits of your phone",
    },
    "portal.verify.or": {"es": "o", "en": "or"},
    "portal.verify.birth_date": {"es": "Fecha de nacimiento", "en": "Date of birth"},
    "portal.verify.submit": {"es": "Continuar", "en": "Continue"},
    "portal.verify.link_hint": {
        "es": "¿Recibió un recordatorio? Su enlace le da acceso directo.",
        "en": "Did you get a reminder? Its link signs you in directly.",
    },
    "portal.verify.missing": {
        "es": "Ingrese su documento y uno de los dos datos.",
        "en": "Enter your ID number and one of the two details.",
    },
    "portal.verify.invalid": {
        "es": "Revise los datos ingresados.",
        "en": "Please check the details you entered.",
    },
    "portal.verify.failed": {
        "es": {
            "one": "Los datos no coinciden. Le queda {count} intento.",
            "other": "Los datos no coinciden. Le quedan {count} intentos.",
        },
        "en": {
            "one": "The details do not match. You have {count} attempt left.",
            "other": "The details do not match. You have {count} attempts left.",
        },
    },
    "portal.verify.locked": {
        "es": {
            "one": "Por su seguridad, la verificación está en pausa. Intente de nuevo en "
            "{count} minuto, o pida que un asesor le llame.",
            "other": "Por su seguridad, la verificación está en pausa. Intente de nuevo en "
            "{count} minutos, o pida que un asesor le llame.",
        },
        "en": {
            "one": "For your security, verification is paused. Try again in {count} minute, "
            "or ask a person to call you.",
            "other": "For your security, verification is paused. Try again in {count} "
            "minutes, or ask a person to call you.",
        },
    },
    "portal.verify.again": {
        "es": "Su sesión terminó. Verifíquese de nuevo.",
        "en": "Your session ended. Please verify yourself again.",
    },
    "portal.accounts.title": {"es": "Hola, {name}", "en": "Hello, {name}"},
    "portal.accounts.none": {
        "es": "No tiene cuentas pendientes.",
        "en": "You have no outstanding accounts.",
    },
    "portal.accounts.overdue": {
        "es": {"one": "{count} día de atraso", "other": "{count} días de atraso"},
        "en": {"one": "{count} day overdue", "other": "{count} days overdue"},
    },
    "portal.accounts.open": {"es": "Ver opciones", "en": "See options"},
    "portal.accounts.paid": {"es": "Pagadas", "en": "Paid"},
    "portal.accounts.paid_note": {
        "es": "Pagada en su totalidad. Sus recibos y su constancia:",
        "en": "Paid in full. Your receipts and certificate:",
    },
    "portal.account.balance": {"es": "Saldo", "en": "Balance"},
    "portal.account.promise": {
        "es": "Se comprometió a pagar {amount} el {date}.",
        "en": "You promised to pay {amount} on {date}.",
    },
    "portal.account.paid": {
        "es": "Esta cuenta está pagada. Puede descargar su constancia de no adeudo.",
        "en": "This account is paid. You can download your paid-in-full certificate.",
    },
    "portal.plan.title": {"es": "Su plan de pagos", "en": "Your payment plan"},
    "portal.plan.next": {
        "es": "Próximo pago: {amount} hasta el {date}.",
        "en": "Next payment: {amount} by {date}.",
    },
    "portal.plan.accepted": {
        "es": "¡Listo! Su acuerdo quedó registrado",
        "en": "Done! Your agreement is recorded",
    },
    "portal.offers.title": {"es": "Sus opciones", "en": "Your options"},
    "portal.offers.until": {"es": "Vigente hasta el {date}", "en": "Valid until {date}"},
    "portal.offers.accept": {"es": "Aceptar esta opción", "en": "Accept this option"},
    "portal.offers.none": {
        "es": "No hay opciones disponibles por aquí en este momento. Puede pagar, proponer "
        "otra forma o hablar con un asesor.",
        "en": "No options are available here right now. You can pay, propose other terms or "
        "talk to a person.",
    },
    "portal.pay.instalment": {"es": "Pagar ahora", "en": "Pay now"},
    "portal.pay.balance": {"es": "Pagar el saldo total", "en": "Pay the full balance"},
    "portal.pay.promise": {"es": "Pagar lo prometido", "en": "Pay the promised amount"},
    "portal.propose.title": {"es": "Proponer un plan", "en": "Propose a plan"},
    "portal.propose.intro": {
        "es": "Su saldo es {balance}. Díganos cómo puede pagar y le respondemos al instante.",
        "en": "Your balance is {balance}. Tell us how you can pay and get an answer at once.",
    },
    "portal.propose.kind": {"es": "¿Cómo quiere pagar?", "en": "How would you like to pay?"},
    "portal.propose.plan": {"es": "En un número de cuotas", "en": "In a number of instalments"},
    "portal.propose.by_amount": {
        "es": "Con un monto fijo por cuota",
        "en": "With a fixed amount per instalment",
    },
    "portal.propose.instalment": {
        "es": "Monto por cuota ({currency})",
        "en": "Amount per instalment ({currency})",
    },
    "portal.propose.frequency": {"es": "Cada cuánto paga", "en": "How often you pay"},
    "portal.propose.weekly": {"es": "Cada semana", "en": "Every week"},
    "portal.propose.biweekly": {"es": "Cada dos semanas", "en": "Every two weeks"},
    "portal.propose.monthly": {"es": "Cada mes", "en": "Every month"},
    "portal.propose.settlement": {"es": "En un solo pago", "en": "In a single payment"},
    "portal.propose.count": {"es": "Número de cuotas", "en": "Number of instalments"},
    "portal.propose.amount": {
        "es": "Monto del pago único ({currency})",
        "en": "Single payment amount ({currency})",
    },
    "portal.propose.down": {
        "es": "Cuota inicial, opcional ({currency})",
        "en": "Down payment, optional ({currency})",
    },
    "portal.propose.first": {"es": "Fecha del primer pago", "en": "First payment date"},
    "portal.propose.insist": {
        "es": "Si no está dentro de lo permitido, enviarla a un supervisor",
        "en": "If it is not within the limits, send it to a supervisor",
    },
    "portal.propose.submit": {"es": "Enviar propuesta", "en": "Send proposal"},
    "portal.propose.again": {"es": "Proponer otra forma", "en": "Propose other terms"},
    "portal.propose.invalid": {
        "es": "Indique el número de cuotas, el monto por cuota o el del pago único, y revise "
        "los montos.",
        "en": "Give the number of instalments, the amount per instalment or the single "
        "payment amount, and check the amounts.",
    },
    "portal.proposal.accepted": {
        "es": "Su propuesta está dentro de lo permitido",
        "en": "Your proposal is within the limits",
    },
    "portal.proposal.counter_offer": {
        "es": "Le proponemos otra forma",
        "en": "We can offer you other terms",
    },
    "portal.proposal.needs_approval": {
        "es": "Su propuesta necesita aprobación",
        "en": "Your proposal needs approval",
    },
    "portal.proposal.reason": {
        "es": "No podemos aprobarla aquí porque {reason}.",
        "en": "We cannot approve it here because {reason}.",
    },
    "portal.proposal.sent": {
        "es": "La enviamos a un supervisor; le contactaremos pronto. Mientras tanto puede "
        "aceptar la opción de arriba.",
        "en": "We sent it to a supervisor and will contact you soon. Meanwhile you can accept "
        "the option above.",
    },
    "portal.promise.title": {"es": "Prometer un pago", "en": "Promise a payment"},
    "portal.promise.amount": {"es": "Monto ({currency})", "en": "Amount ({currency})"},
    "portal.promise.date": {"es": "¿Cuándo pagará?", "en": "When will you pay?"},
    "portal.promise.submit": {"es": "Registrar promesa", "en": "Record promise"},
    "portal.promise.invalid": {
        "es": "Indique un monto y una fecha válidos.",
        "en": "Give a valid amount and date.",
    },
    "portal.promise.done": {
        "es": "Registramos su promesa de pagar {amount} el {date}. ¡Gracias!",
        "en": "We recorded your promise to pay {amount} on {date}. Thank you!",
    },
    "portal.dispute.title": {"es": "No estoy de acuerdo", "en": "I disagree with this debt"},
    "portal.dispute.intro": {
        "es": "Cuéntenos qué pasa. Pausaremos los recordatorios mientras lo revisamos.",
        "en": "Tell us what is wrong. We pause reminders while we review it.",
    },
    "portal.dispute.reason": {"es": "Motivo", "en": "Reason"},
    "portal.dispute.reason.not_recognised": {
        "es": "No reconozco esta deuda",
        "en": "I do not recognise this debt",
    },
    "portal.dispute.reason.already_paid": {"es": "Ya la pagué", "en": "I already paid it"},
    "portal.dispute.reason.identity_theft": {
        "es": "Suplantaron mi identidad",
        "en": "Someone used my identity",
    },
    "portal.dispute.reason.wrong_amount": {
        "es": "El monto es incorrecto",
        "en": "The amount is wrong",
    },
    "portal.dispute.reason.other": {"es": "Otro motivo", "en": "Another reason"},
    "portal.dispute.statement": {"es": "Explíquenos", "en": "Tell us more"},
    "portal.dispute.evidence": {
        "es": "Documento de respaldo, opcional (foto o PDF, hasta 5 MB)",
        "en": "Supporting document, optional (photo or PDF, up to 5 MB)",
    },
    "portal.dispute.submit": {"es": "Enviar", "en": "Send"},
    "portal.dispute.missing": {
        "es": "Elija un motivo y cuéntenos qué pasa.",
        "en": "Choose a reason and tell us what is wrong.",
    },
    "portal.dispute.file": {
        "es": "No pudimos recibir el archivo: envíe una foto o un PDF de hasta 5 MB.",
        "en": "We could not take that file: send a photo or a PDF of up to 5 MB.",
    },
    "portal.documents.title": {"es": "Mis documentos", "en": "My documents"},
    "portal.documents.schedule": {
        "es": "Cronograma de pagos (PDF)",
        "en": "Payment schedule (PDF)",
    },
    "portal.documents.certificate": {
        "es": "Constancia de no adeudo (PDF)",
        "en": "Paid-in-full certificate (PDF)",
    },
    "portal.documents.receipt": {
        "es": "Recibo de {amount} del {date} (PDF)",
        "en": "Receipt for {amount} of {date} (PDF)",
    },
    "portal.documents.none": {
        "es": "Aún no hay documentos para esta cuenta.",
        "en": "There are no documents for this account yet.",
    },
    "portal.preferences.title": {"es": "Cómo contactarme", "en": "How to contact me"},
    "portal.preferences.intro": {
        "es": "Marque los medios por los que no quiere recibir mensajes sobre sus cuentas.",
        "en": "Tick the channels on which you do not want messages about your accounts.",
    },
    "portal.preferences.legend": {"es": "No contactarme por", "en": "Do not contact me by"},
    "portal.preferences.save": {"es": "Guardar", "en": "Save"},
    "portal.preferences.saved": {"es": "Guardamos sus preferencias.", "en": "Preferences saved."},
    "portal.channel.whatsapp": {"es": "WhatsApp", "en": "WhatsApp"},
    "portal.channel.telegram": {"es": "Telegram", "en": "Telegram"},
    "portal.channel.sms": {"es": "SMS", "en": "Text message (SMS)"},
    "portal.channel.email": {"es": "Correo electrónico", "en": "E-mail"},
    "portal.channel.phone": {"es": "Llamadas", "en": "Phone calls"},
    "portal.agent.ask": {"es": "Hablar con un asesor", "en": "Talk to a person"},
    "portal.agent.done": {
        "es": "Un asesor le llamará pronto al teléfono registrado.",
        "en": "A person will call you soon on the phone we have on file.",
    },
    "portal.error.not_found": {"es": "No encontramos esa página", "en": "Page not found"},
    "portal.error.form": {
        "es": "El formulario venció. Vuelva a intentarlo desde la página anterior.",
        "en": "The form expired. Please try again from the previous page.",
    },
    "portal.error.unavailable": {
        "es": "El servicio no está disponible. Intente en unos minutos.",
        "en": "The service is unavailable. Please try again in a few minutes.",
    },
}
