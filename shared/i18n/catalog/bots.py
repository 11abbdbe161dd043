"""Texts of the debtor chat bots (every channel) and of the bot API's errors.

Button labels stay within 24 characters (WhatsApp's list rows); placeholders are filled by
``bots.core``: ``{name}`` the debtor's first name, amounts already formatted for the currency
and language, dates already formatted for the language.
"""

from typing import Any

MESSAGES: dict[str, dict[str, Any]] = {
    # Errors of the bot API.
    "error.verification_required": {
        "es": "Primero hay que verificar la identidad del deudor en este chat.",
        "en": "The debtor's identity must be verified in this chat first.",
    },
    "error.verification_locked": {
        "es": "Demasiados intentos fallidos. Intente de nuevo en {retry_after_seconds} segundos.",
        "en": "Too many failed attempts. Try again in {retry_after_seconds} seconds.",
    },
    "error.bot_identity_unusable": {
        "es": "El usuario de los bots existe pero no es un usuario bot activo.",
        "en": "The bots' user exists but is not an active bot user.",
    },
    "error.opt_out_channel": {
        "es": "Estos canales no se pueden desactivar aquí: {channels}.",
        "en": "These channels cannot be turned off here: {channels}.",
    },
    "error.conversation_state_too_large": {
        "es": "El estado de la conversación supera los {limit} caracteres.",
        "en": "The conversation state exceeds {limit} characters.",
    },
    "error.voucher_type": {
        "es": "Solo se aceptan fotos (JPEG, PNG, WebP, HEIC, GIF) y documentos PDF.",
        "en": "Only photos (JPEG, PNG, WebP, HEIC, GIF) and PDF documents are accepted.",
    },
    # Greeting, language and verification.
    "bot.greeting": {
        "es": "¡Hola! 👋 Soy el asistente virtual de Cobro. Le ayudo a consultar su deuda, "
        "pagar, ver opciones de pago o hablar con un asesor.\n¿En qué idioma desea continuar?",
        "en": "Hi! 👋 I'm Cobro's virtual assistant. I can help you check what you owe, pay, "
        "see payment options or talk to a person.\nWhich language would you like to use?",
    },
    "bot.greeting.short": {
        "es": "¡Hola! 👋 Soy el asistente virtual de Cobro.",
        "en": "Hi! 👋 I'm Cobro's virtual assistant.",
    },
    "bot.language.set": {
        "es": "Perfecto, continuamos en español.",
        "en": "Great, let's continue in English.",
    },
    "bot.verify.ask_id": {
        "es": "Para proteger sus datos, primero debo verificar su identidad. Escriba su número "
        "de documento (DNI, CE, cédula, RUT…).",
        "en": "To protect your data, I first need to verify your identity. Please type your "
        "ID document number.",
    },
    "bot.verify.bad_id": {
        "es": "Ese no parece un número de documento. Escríbalo con sus números y letras, por "
        "ejemplo 45678912.",
        "en": "That doesn't look like an ID number. Please type its digits and letters, for "
        "example 45678912.",
    },
    "bot.verify.ask_factor": {
        "es": "Gracias. Ahora escriba los últimos 4 dígitos del teléfono que tenemos "
        "registrado, o su fecha de nacimiento (dd/mm/aaaa).",
        "en": "Thank you. Now type the last 4 digits of the phone number we have on file, or "
        "your date of birth (day/month/year, dd/mm/yyyy).",
    },
    "bot.verify.bad_factor": {
        "es": "Necesito los últimos 4 dígitos de su teléfono (por ejemplo 4321) o su fecha de "
        "nacimiento (por ejemplo 15/03/1985).",
        "en": "I need the last 4 digits of your phone (for example 4321) or your date of birth "
        "(for example 15/03/1985 for 15 March 1985).",
    },
    "bot.verify.failed": {
        "es": {
            "one": "No pudimos verificar esos datos. Le queda {count} intento. Escriba de "
            "nuevo su número de documento.",
            "other": "No pudimos verificar esos datos. Le quedan {count} intentos. Escriba de "
            "nuevo su número de documento.",
        },
        "en": {
            "one": "We couldn't verify those details. You have {count} attempt left. Please "
            "type your ID number again.",
            "other": "We couldn't verify those details. You have {count} attempts left. Please "
            "type your ID number again.",
        },
    },
    "bot.verify.locked": {
        "es": {
            "one": "Por su seguridad, la verificación en este chat está en pausa tras varios "
            "intentos fallidos. Podrá intentarlo de nuevo en {count} minuto. Si lo prefiere, "
            "un asesor puede llamarle.",
            "other": "Por su seguridad, la verificación en este chat está en pausa tras varios "
            "intentos fallidos. Podrá intentarlo de nuevo en {count} minutos. Si lo prefiere, "
            "un asesor puede llamarle.",
        },
        "en": {
            "one": "For your security, verification in this chat is paused after several failed "
            "attempts. You can try again in {count} minute. If you prefer, a person can call "
            "you.",
            "other": "For your security, verification in this chat is paused after several "
            "failed attempts. You can try again in {count} minutes. If you prefer, a person can "
            "call you.",
        },
    },
    "bot.verify.locked_hours": {
        "es": {
            "one": "Por su seguridad, la verificación en este chat está en pausa tras varios "
            "intentos fallidos. Podrá intentarlo de nuevo en {count} hora. Si lo prefiere, un "
            "asesor puede llamarle.",
            "other": "Por su seguridad, la verificación en este chat está en pausa tras varios "
            "intentos fallidos. Podrá intentarlo de nuevo en {count} horas. Si lo prefiere, un "
            "asesor puede llamarle.",
        },
        "en": {
            "one": "For your security, verification in this chat is paused after several failed "
            "attempts. You can try again in {count} hour. If you prefer, a person can call you.",
            "other": "For your security, verification in this chat is paused after several "
            "failed attempts. You can try again in {count} hours. If you prefer, a person can "
            "call you.",
        },
    },
    "bot.verify.link_invalid": {
        "es": "Ese enlace no es válido, ya venció o ya se usó en otro chat. También puede "
        "verificarse con su número de documento.",
        "en": "That link is invalid, has expired or was already used in another chat. You can "
        "also verify with your ID number.",
    },
    "bot.verify.expired": {
        "es": "Por seguridad, su sesión terminó. Verifiquemos su identidad de nuevo.",
        "en": "For your security, your session ended. Let's verify your identity again.",
    },
    "bot.welcome": {
        "es": "Gracias, {name}. Su identidad está verificada.",
        "en": "Thank you, {name}. Your identity is verified.",
    },
    "bot.menu.prompt": {
        "es": "{name}, ¿en qué le puedo ayudar?",
        "en": "{name}, how can I help you?",
    },
    "bot.menu.title": {"es": "Elija una opción", "en": "Choose an option"},
    "bot.unknown": {
        "es": "Disculpe, no le entendí. Elija una opción o escriba, por ejemplo: «saldo», "
        "«pagar», «puedo pagar 150 al mes», «6 cuotas», «pagaré el viernes» o «asesor».",
        "en": "Sorry, I didn't understand. Choose an option or type, for example: "
        "“balance”, “pay”, “I can pay 150 a month”, “6 instalments”, “I'll pay on Friday” "
        "or “agent”.",
    },
    "bot.unknown.short": {
        "es": "Disculpe, no le entendí.",
        "en": "Sorry, I didn't understand.",
    },
    "bot.unavailable": {
        "es": "Nuestro sistema no está disponible en este momento. Por favor, escríbanos de "
        "nuevo en unos minutos.",
        "en": "Our system is not available right now. Please write to us again in a few minutes.",
    },
    "bot.error": {
        "es": "Lo siento, algo salió mal. Por favor, inténtelo de nuevo o escriba «asesor».",
        "en": "Sorry, something went wrong. Please try again or type “agent”.",
    },
    # Buttons (24 characters at most).
    "bot.button.es": {"es": "Español", "en": "Español"},
    "bot.button.en": {"es": "English", "en": "English"},
    "bot.button.balance": {"es": "Ver mi saldo", "en": "My balance"},
    "bot.button.pay": {"es": "Pagar ahora", "en": "Pay now"},
    "bot.button.offers": {"es": "Opciones de pago", "en": "Payment options"},
    "bot.button.promise": {"es": "Prometer fecha de pago", "en": "Promise a pay date"},
    "bot.button.plan": {"es": "Mi plan y cuotas", "en": "My plan"},
    "bot.button.agent": {"es": "Hablar con un asesor", "en": "Talk to a person"},
    "bot.button.menu": {"es": "Menú principal", "en": "Main menu"},
    "bot.button.other_language": {"es": "English", "en": "Español"},
    "bot.button.yes": {"es": "Sí, confirmo", "en": "Yes, confirm"},
    "bot.button.no": {"es": "No", "en": "No"},
    "bot.button.accept": {"es": "Aceptar", "en": "Accept"},
    "bot.button.counter": {"es": "Otra propuesta", "en": "Propose other terms"},
    "bot.button.option": {"es": "Opción {n}", "en": "Option {n}"},
    "bot.button.pay_balance": {"es": "Pagar todo", "en": "Pay in full"},
    "bot.button.pay_instalment": {"es": "Pagar cuota {number}", "en": "Pay instalment {number}"},
    "bot.button.pay_down": {"es": "Pagar la inicial", "en": "Pay the down payment"},
    "bot.button.pay_settlement": {"es": "Pagar pago único", "en": "Pay the settlement"},
    "bot.button.pay_promise": {"es": "Pagar lo prometido", "en": "Pay what I promised"},
    "bot.button.single": {"es": "Pago único", "en": "One payment"},
    "bot.button.monthly": {"es": "Cuota mensual", "en": "Monthly instalment"},
    "bot.button.all": {"es": "Todo: {amount}", "en": "All: {amount}"},
    "bot.button.instalment": {"es": "Cuota: {amount}", "en": "Instalment: {amount}"},
    # Accounts, balance and plan.
    "bot.accounts.none": {
        "es": "{name}, no tiene deudas pendientes con nosotros. 🎉",
        "en": "{name}, you have no pending debts with us. 🎉",
    },
    "bot.accounts.list": {
        "es": {
            "one": "{name}, tiene {count} cuenta pendiente:",
            "other": "{name}, tiene {count} cuentas pendientes:",
        },
        "en": {
            "one": "{name}, you have {count} open account:",
            "other": "{name}, you have {count} open accounts:",
        },
    },
    "bot.accounts.line": {
        "es": "• {creditor}, {product} ···{reference}: {balance}",
        "en": "• {creditor}, {product} ···{reference}: {balance}",
    },
    "bot.accounts.choose": {"es": "¿Sobre qué cuenta?", "en": "Which account?"},
    "bot.balance.one": {
        "es": "{name}, su saldo con {creditor} ({product} ···{reference}) es {balance}.",
        "en": "{name}, your balance with {creditor} ({product} ···{reference}) is {balance}.",
    },
    "bot.balance.overdue": {
        "es": {"one": "Tiene {count} día de atraso.", "other": "Tiene {count} días de atraso."},
        "en": {"one": "It is {count} day overdue.", "other": "It is {count} days overdue."},
    },
    "bot.overview.options": {
        "es": {
            "one": "Tiene {count} opción para ponerse al día:",
            "other": "Tiene {count} opciones para ponerse al día:",
        },
        "en": {
            "one": "You have {count} option to settle it:",
            "other": "You have {count} options to settle it:",
        },
    },
    "bot.overview.hint": {
        "es": "Toque una para aceptarla, o escríbame su propuesta (por ejemplo «6 cuotas desde el "
        "15»).",
        "en": "Tap one to accept it, or type your own proposal (for example “6 instalments "
        "starting on the 15th”).",
    },
    "bot.balance.plan": {
        "es": "Tiene un plan activo: su próxima cuota es de {amount} y vence el {date}.",
        "en": "You have an active plan: your next instalment of {amount} is due on {date}.",
    },
    "bot.balance.promise": {
        "es": "Se comprometió a pagar {amount} el {date}.",
        "en": "You promised to pay {amount} on {date}.",
    },
    "bot.plan.none": {
        "es": "No tiene un plan de pagos activo en esta cuenta. Puede ver sus opciones de pago.",
        "en": "You have no active payment plan on this account. You can see your payment options.",
    },
    "bot.plan.status": {
        "es": "Su plan con {creditor}: {paid_count} de {count} pagos hechos ({paid} de {total}).",
        "en": "Your plan with {creditor}: {paid_count} of {count} payments made ({paid} of "
        "{total}).",
    },
    "bot.plan.next": {
        "es": "Próxima cuota: N.º {number}, {amount}, vence el {date}.",
        "en": "Next instalment: #{number}, {amount}, due on {date}.",
    },
    "bot.plan.next_down": {
        "es": "Próximo pago: la inicial, {amount}, vence el {date}.",
        "en": "Next payment: the down payment, {amount}, due on {date}.",
    },
    "bot.plan.already": {
        "es": "{name}, esa opción ya está aceptada: su acuerdo es {terms}.",
        "en": "{name}, that option is already accepted: your agreement is {terms}.",
    },
    "bot.plan.other": {
        "es": "{name}, esta cuenta ya tiene un acuerdo vigente: {terms}.",
        "en": "{name}, this account already has an agreement in place: {terms}.",
    },
    "bot.plan.accepted": {
        "es": "¡Listo, {name}! Su acuerdo quedó registrado: {terms}.",
        "en": "Done, {name}! Your agreement is recorded: {terms}.",
    },
    "bot.plan.first": {
        "es": "Su primer pago es de {amount} y vence el {date}. ¿Desea pagarlo ahora?",
        "en": "Your first payment of {amount} is due on {date}. Would you like to pay it now?",
    },
    # Paying.
    "bot.pay.choose": {
        "es": "¿Qué desea pagar?",
        "en": "What would you like to pay?",
    },
    "bot.documents.link": {
        "es": "Su cronograma, sus recibos y su constancia de no adeudo están aquí (el enlace "
        "sirve una vez, durante una hora):\n{url}",
        "en": "Your payment schedule, receipts and paid-in-full certificate are here (the link "
        "works once, for an hour):\n{url}",
    },
    "bot.pay.link": {
        "es": "Aquí tiene su enlace para pagar {amount} de forma segura:\n{url}\nEs válido "
        "hasta el {date}.",
        "en": "Here is your secure link to pay {amount}:\n{url}\nIt is valid until {date}.",
    },
    # Offers and proposals.
    "bot.offers.intro": {
        "es": "Estas son sus opciones con {creditor} (válidas hasta el {date}):",
        "en": "These are your options with {creditor} (valid until {date}):",
    },
    "bot.offers.hint": {
        "es": "Elija una opción para aceptarla, o escríbame su propuesta: «puedo pagar 150 "
        "al mes», «6 cuotas desde el 15» o «40% ahora y el resto en 3».",
        "en": "Choose an option to accept it, or type your own proposal: “I can pay 150 a "
        "month”, “6 instalments starting on the 15th” or “40% now and the rest in 3”.",
    },
    "bot.offers.plan_active": {
        "es": "Ya tiene un plan de pagos activo en esta cuenta:",
        "en": "You already have an active payment plan on this account:",
    },
    "bot.offer.line": {"es": "{n}. {terms}", "en": "{n}. {terms}"},
    "bot.offer.settlement": {
        "es": "un pago único de {total} hasta el {date}",
        "en": "one payment of {total} by {date}",
    },
    "bot.offer.saving": {
        "es": "(ahorra {discount})",
        "en": "(you save {discount})",
    },
    "bot.offer.plan": {
        "es": {
            "one": "{count} cuota de {amount}, el {date}",
            "other": "{count} cuotas {frequency} de {amount}, la primera el {date}",
        },
        "en": {
            "one": "{count} instalment of {amount}, on {date}",
            "other": "{count} {frequency} instalments of {amount}, the first on {date}",
        },
    },
    "bot.offer.plan_last": {
        "es": {
            "one": "{count} cuota de {amount}, el {date}, y una última de {last}",
            "other": "{count} cuotas {frequency} de {amount}, la primera el {date}, y una "
            "última de {last}",
        },
        "en": {
            "one": "{count} instalment of {amount}, on {date}, and a last one of {last}",
            "other": "{count} {frequency} instalments of {amount}, the first on {date}, and a "
            "last one of {last}",
        },
    },
    "bot.offer.plan_first": {
        "es": "una primera cuota de {first} el {date} y {count} cuotas {frequency} de {amount}",
        "en": "a first instalment of {first} on {date} and {count} {frequency} instalments of "
        "{amount}",
    },
    "bot.offer.plan_two": {
        "es": "{count} cuotas {frequency} de {amount} y {rest} de {other}, la primera el {date}",
        "en": "{count} {frequency} instalments of {amount} and {rest} of {other}, the first on "
        "{date}",
    },
    "bot.offer.plan_range": {
        "es": "{count} cuotas {frequency} de {low} a {high}, la primera el {date}",
        "en": "{count} {frequency} instalments from {low} to {high}, the first on {date}",
    },
    "bot.offer.label.settlement": {
        "es": "Pago único {total} hasta el {date}",
        "en": "One payment {total} by {date}",
    },
    "bot.offer.label.plan": {
        "es": {"one": "{count} cuota de {amount}", "other": "{count} cuotas de {amount}"},
        "en": {"one": "{count} instalment of {amount}", "other": "{count} instalments of {amount}"},
    },
    "bot.offer.label.down": {
        "es": "Inicial {amount} + {plan}",
        "en": "{amount} down + {plan}",
    },
    "bot.offer.down": {
        "es": "una inicial de {amount} el {date} y",
        "en": "a down payment of {amount} on {date} and",
    },
    "bot.frequency.monthly": {"es": "mensuales", "en": "monthly"},
    "bot.frequency.biweekly": {"es": "quincenales", "en": "biweekly"},
    "bot.frequency.weekly": {"es": "semanales", "en": "weekly"},
    "bot.propose.how": {
        "es": "Escríbame lo que puede pagar, por ejemplo: «puedo pagar 150 al mes», «6 cuotas», "
        "«pago el 40% ahora y el resto en 4 cuotas» o «800 en un solo pago».",
        "en": "Tell me what you can pay, for example: “I can pay 150 a month”, “6 "
        "instalments”, “40% now and the rest in 4 instalments” or “800 in one payment”.",
    },
    "bot.propose.accepted": {
        "es": "¡Buenas noticias! Su propuesta está dentro de lo permitido: {terms}. ¿La acepta?",
        "en": "Good news! Your proposal is within the limits: {terms}. Do you accept it?",
    },
    "bot.propose.counter": {
        "es": "No puedo aprobar esa propuesta porque {reason}, pero puedo ofrecerle {terms}. "
        "¿La acepta?",
        "en": "I can't approve that proposal because {reason}, but I can offer you {terms}. "
        "Do you accept?",
    },
    "bot.propose.approval": {
        "es": "Su propuesta necesita la aprobación de un supervisor porque {reason}. Ya la "
        "enviamos y le contactaremos pronto.",
        "en": "Your proposal needs a supervisor's approval because {reason}. We have sent it "
        "and will contact you soon.",
    },
    "bot.propose.meanwhile": {
        "es": "Mientras tanto, puede aceptar {terms}.",
        "en": "Meanwhile, you can accept {terms}.",
    },
    "bot.propose.date_moved": {
        "es": "Pidió empezar el {asked}, pero lo más cercano que su acreedor permite es el {date}.",
        "en": "You asked to start on {asked}, but the closest date your creditor allows is {date}.",
    },
    "bot.propose.ask_count": {
        "es": "¿En cuántas cuotas pagaría el resto? Por ejemplo: «4 cuotas».",
        "en": "In how many instalments would you pay the rest? For example: “4 instalments”.",
    },
    "bot.propose.ask_kind": {
        "es": "¿{amount} sería un pago único o una cuota mensual?",
        "en": "Would {amount} be one single payment or a monthly instalment?",
    },
    "bot.violation.too_many_instalments": {
        "es": "el máximo es de {maximum} cuotas",
        "en": "the maximum is {maximum} instalments",
    },
    "bot.violation.too_few_instalments": {
        "es": "el mínimo es de {minimum} cuotas",
        "en": "the minimum is {minimum} instalments",
    },
    "bot.violation.instalment_below_minimum": {
        "es": "la cuota mínima es {minimum}",
        "en": "the minimum instalment is {minimum}",
    },
    "bot.violation.down_payment_below_minimum": {
        "es": "la inicial mínima es {minimum}",
        "en": "the minimum down payment is {minimum}",
    },
    "bot.violation.discount_above_maximum": {
        "es": "el pago único mínimo es {minimum_amount}",
        "en": "the lowest single payment is {minimum_amount}",
    },
    "bot.violation.amount_above_balance": {
        "es": "el monto supera su saldo",
        "en": "the amount is more than your balance",
    },
    "bot.violation.plan_too_long": {
        "es": "el plan no puede durar más de {max_days} días",
        "en": "the plan cannot last more than {max_days} days",
    },
    "bot.violation.first_payment_too_late": {
        "es": "el primer pago debe ser a más tardar el {latest}",
        "en": "the first payment must be by {latest}",
    },
    "bot.violation.settlement_after_deadline": {
        "es": "el pago único debe hacerse a más tardar el {latest}",
        "en": "the single payment must be made by {latest}",
    },
    "bot.violation.frequency_not_allowed": {
        "es": "esa frecuencia de pago no está disponible",
        "en": "that payment frequency is not available",
    },
    "bot.violation.other": {
        "es": "no cumple las condiciones de su acreedor",
        "en": "it does not meet your creditor's terms",
    },
    # Promises.
    "bot.promise.ask_date": {
        "es": "¿Qué día realizará el pago? Por ejemplo: «el viernes», «15/12» o «fin de mes».",
        "en": "On what date will you pay? For example: “Friday”, “15/12” or “end of month”.",
    },
    "bot.promise.ask_amount": {
        "es": "¿Cuánto pagará el {date}?",
        "en": "How much will you pay on {date}?",
    },
    "bot.promise.amount_hint": {
        "es": "Escriba el monto, por ejemplo: 150 o 1.250,50.",
        "en": "Please type the amount, for example: 150 or 1,250.50.",
    },
    "bot.promise.confirm": {
        "es": "¿Confirma que pagará {amount} el {date}?",
        "en": "Do you confirm you will pay {amount} on {date}?",
    },
    "bot.promise.done": {
        "es": "Gracias, {name}. Registramos su compromiso de pagar {amount} el {date}. Si lo "
        "desea, puede pagar ahora mismo.",
        "en": "Thank you, {name}. Your promise to pay {amount} on {date} is recorded. If you "
        "like, you can pay right now.",
    },
    "bot.promise.dropped": {
        "es": "Entendido, no registré ningún compromiso.",
        "en": "Understood, I did not record any promise.",
    },
    # Photos, documents and what the bot cannot read.
    "bot.voucher.received": {
        "es": "Recibimos su comprobante; lo revisaremos hoy y le avisaremos cuando el pago quede "
        "registrado.",
        "en": "We received your receipt; we will review it today and let you know once the "
        "payment is recorded.",
    },
    "bot.voucher.verify_first": {
        "es": "Gracias por enviar su comprobante. Para guardarlo en su cuenta primero debo "
        "verificar su identidad.",
        "en": "Thank you for sending your receipt. To keep it on your account I first need to "
        "verify your identity.",
    },
    "bot.voucher.send_again": {
        "es": "Ahora sí: envíeme de nuevo la foto o el PDF de su comprobante.",
        "en": "Now please send me the photo or PDF of your receipt again.",
    },
    "bot.voucher.too_large": {
        "es": "Ese archivo es demasiado grande (máximo 5 MB). Envíe una foto del comprobante, "
        "por favor.",
        "en": "That file is too large (5 MB at most). Please send a photo of the receipt.",
    },
    "bot.voucher.bad_type": {
        "es": "Solo puedo guardar fotos o archivos PDF del comprobante.",
        "en": "I can only keep photos or PDF files of the receipt.",
    },
    "bot.voucher.failed": {
        "es": "No pude guardar ese archivo. Inténtelo de nuevo o escriba «asesor».",
        "en": "I couldn't keep that file. Please try again or type “agent”.",
    },
    "bot.media.unsupported": {
        "es": "Por ahora no puedo escuchar audios ni ver stickers, videos o ubicaciones. Puedo "
        "mostrarle su saldo y sus opciones de pago, enviarle un enlace para pagar, guardar la "
        "foto de su comprobante o pedir que un asesor le llame. Escríbame en un mensaje de "
        "texto.",
        "en": "I can't listen to voice notes or see stickers, videos or locations yet. I can "
        "show your balance and payment options, send you a payment link, keep a photo of your "
        "receipt or ask a person to call you. Please write me a text message.",
    },
    # Payment confirmations pushed to the chat (backend.conversations.notices).
    "bot.payment.received": {
        "es": "¡Gracias, {name}! Recibimos su pago de {amount} del {date} ({creditor}).",
        "en": "Thank you, {name}! We received your payment of {amount} on {date} ({creditor}).",
    },
    "bot.payment.balance": {
        "es": "Su saldo ahora es {balance}.",
        "en": "Your balance is now {balance}.",
    },
    "bot.payment.paid_off": {
        "es": "Su deuda con {creditor} quedó pagada por completo.",
        "en": "Your debt with {creditor} is now paid in full.",
    },
    "bot.payment.next": {
        "es": "Su próxima cuota es de {amount} y vence el {date}.",
        "en": "Your next instalment of {amount} is due on {date}.",
    },
    "bot.payment.receipt_code": {
        "es": "Recibo {code}, verifíquelo en {url}",
        "en": "Receipt {code}, check it at {url}",
    },
    "bot.payment.receipt": {
        "es": "Comprobante: {url}",
        "en": "Receipt: {url}",
    },
    # A person, opt-out.
    "bot.agent.done": {
        "es": "Listo. Pedí que un asesor se comunique con usted pronto, por este medio o por "
        "teléfono.",
        "en": "Done. I've asked a person to contact you soon, here or by phone.",
    },
    "bot.agent.ask_id": {
        "es": "Escriba su número de documento y pediré que un asesor le llame al teléfono que "
        "tenemos registrado.",
        "en": "Type your ID document number and I'll ask a person to call you at the phone "
        "number we have on file.",
    },
    "bot.agent.unverified": {
        "es": "Listo. Si sus datos coinciden con nuestros registros, un asesor le llamará pronto "
        "al teléfono que tenemos registrado.",
        "en": "Done. If your details match our records, a person will call you soon at the "
        "phone number we have on file.",
    },
    "bot.agent.none": {
        "es": "No encontré cuentas abiertas para derivarle a un asesor.",
        "en": "I found no open accounts to pass on to a person.",
    },
    "bot.optout.done": {
        "es": "Listo. No le enviaremos más mensajes por este canal. Si cambia de opinión, "
        "escriba ALTA.",
        "en": "Done. We won't send you any more messages on this channel. If you change your "
        "mind, type START.",
    },
    "bot.optout.active": {
        "es": "Usted se dio de baja de este canal. Para volver a usarlo, escriba ALTA.",
        "en": "You unsubscribed from this channel. To use it again, type START.",
    },
    "bot.optin.done": {
        "es": "¡Bienvenido de vuelta! Los mensajes por este canal están activos otra vez.",
        "en": "Welcome back! Messages on this channel are active again.",
    },
    # What the API refused, said for a debtor.
    "bot.refused.negotiation_limit": {
        "es": "Ya usó las negociaciones disponibles por este medio en este periodo. Un asesor "
        "puede ayudarle.",
        "en": "You have used the negotiations available here for this period. A person can "
        "help you.",
    },
    "bot.refused.plan_active": {
        "es": "Esta cuenta ya tiene un plan de pagos activo.",
        "en": "This account already has an active payment plan.",
    },
    "bot.refused.offer_gone": {
        "es": "Esa opción ya no está vigente. Pida sus opciones de nuevo para ver las actuales.",
        "en": "That option is no longer valid. Ask for your options again to see the current ones.",
    },
    "bot.refused.nothing_to_pay": {
        "es": "Esta cuenta no tiene nada pendiente de ese tipo.",
        "en": "This account has nothing of that kind to pay.",
    },
    "bot.refused.account_closed": {
        "es": "Esta cuenta ya no admite acuerdos ni pagos por aquí.",
        "en": "This account no longer takes agreements or payments here.",
    },
    "bot.refused.promise_date": {
        "es": "La fecha debe estar entre hoy y los próximos {max_days} días.",
        "en": "The date must be between today and the next {max_days} days.",
    },
    "bot.refused.promise_amount": {
        "es": "El monto debe ser mayor que cero y no superar su saldo.",
        "en": "The amount must be more than zero and no more than your balance.",
    },
    "bot.refused.other": {
        "es": "No pude completar esa operación. Puede intentarlo de otra forma o hablar con un "
        "asesor.",
        "en": "I couldn't complete that. You can try another way or talk to a person.",
    },
}
