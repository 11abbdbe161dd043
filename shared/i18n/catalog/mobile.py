"""Texts of the field agent app (``mobile/``): every key starts with ``mobile.``."""

from typing import Any

MESSAGES: dict[str, dict[str, Any]] = {
    # App, navigation, language
    "mobile.app.title": {"es": "Cobro en campo", "en": "Cobro field"},
    "mobile.nav.today": {"es": "Hoy", "en": "Today"},
    "mobile.nav.map": {"es": "Mapa", "en": "Map"},
    "mobile.nav.sync": {"es": "Sincronizar", "en": "Sync"},
    "mobile.nav.team": {"es": "Equipo", "en": "Team"},
    "mobile.nav.back": {"es": "Volver", "en": "Back"},
    "mobile.language.switch": {"es": "English", "en": "Español"},
    "mobile.logout": {"es": "Cerrar sesión", "en": "Log out"},
    "mobile.logout.confirm": {
        "es": "Se borrarán los datos de este teléfono. {pending} acciones aún no se enviaron.",
        "en": "This phone's data will be deleted. {pending} actions have not been sent yet.",
    },
    "mobile.logout.cancel": {"es": "Cancelar", "en": "Cancel"},
    "mobile.offline.banner": {
        "es": "Sin conexión: no se puede registrar hasta reconectar",
        "en": "No connection: nothing can be recorded until it reconnects",
    },
    # Login
    "mobile.login.title": {"es": "Ingresar", "en": "Log in"},
    "mobile.login.email": {"es": "Correo", "en": "Email"},
    "mobile.login.password": {"es": "Contraseña", "en": "Password"},
    "mobile.login.submit": {"es": "Ingresar", "en": "Log in"},
    "mobile.login.missing": {
        "es": "Escriba su correo y su contraseña.",
        "en": "Enter your email and password.",
    },
    "mobile.login.offline": {
        "es": "Sin conexión con el servidor. Para ingresar por primera vez se necesita señal.",
        "en": "Cannot reach the server. Logging in for the first time needs a connection.",
    },
    "mobile.login.role": {
        "es": "Esta aplicación es para gestores de campo y supervisores.",
        "en": "This app is for field agents and supervisors.",
    },
    "mobile.login.expired": {
        "es": "Su sesión venció: ingrese de nuevo. Lo pendiente se conserva.",
        "en": "Your session expired: log in again. Pending work is kept.",
    },
    # Sync status
    "mobile.sync.title": {"es": "Sincronización", "en": "Sync"},
    "mobile.sync.now": {"es": "Sincronizar ahora", "en": "Sync now"},
    "mobile.sync.running": {"es": "Sincronizando…", "en": "Syncing…"},
    "mobile.sync.pending": {"es": "{count} por enviar", "en": "{count} to send"},
    "mobile.sync.all_sent": {"es": "Todo enviado", "en": "All sent"},
    "mobile.sync.never": {"es": "Nunca sincronizado", "en": "Never synced"},
    "mobile.sync.last": {"es": "Última sincronización: {when}", "en": "Last synced: {when}"},
    "mobile.sync.just_now": {"es": "recién", "en": "just now"},
    "mobile.sync.minutes_ago": {"es": "hace {n} min", "en": "{n} min ago"},
    "mobile.sync.hours_ago": {"es": "hace {n} h", "en": "{n} h ago"},
    "mobile.sync.offline": {
        "es": "Sin conexión: lo registrado se guarda en el teléfono y se enviará solo.",
        "en": "Offline: what you record is kept on the phone and will be sent by itself.",
    },
    "mobile.sync.expired": {
        "es": "La sesión venció: ingrese de nuevo para enviar lo pendiente.",
        "en": "Session expired: log in again to send pending work.",
    },
    "mobile.sync.failed": {
        "es": "El servidor no aceptó la sincronización: {error}",
        "en": "The server did not accept the sync: {error}",
    },
    "mobile.sync.attention": {
        "es": "Requieren su atención: {count}",
        "en": "Need your attention: {count}",
    },
    "mobile.sync.queue": {"es": "Registros de hoy", "en": "Today's records"},
    "mobile.sync.queue_empty": {"es": "Aún no registró nada.", "en": "Nothing recorded yet."},
    "mobile.sync.shift": {
        "es": "En turno (envía mi ubicación)",
        "en": "On shift (sends my location)",
    },
    "mobile.sync.shift_every": {
        "es": "Ubicación cada {seconds} s mientras está en turno.",
        "en": "Location every {seconds} s while on shift.",
    },
    "mobile.status.pending": {"es": "Por enviar", "en": "Waiting to send"},
    "mobile.status.unsynced": {"es": "Pendiente de sincronizar", "en": "Pending sync"},
    "mobile.status.applied": {"es": "Enviado", "en": "Sent"},
    "mobile.status.duplicate": {"es": "Enviado", "en": "Sent"},
    "mobile.status.conflict": {"es": "Conflicto", "en": "Conflict"},
    "mobile.status.rejected": {"es": "Rechazado", "en": "Rejected"},
    "mobile.action.visit": {"es": "Visita", "en": "Visit"},
    "mobile.action.promise": {"es": "Promesa", "en": "Promise"},
    "mobile.action.payment": {"es": "Pago", "en": "Payment"},
    "mobile.action.location": {"es": "Ubicaciones", "en": "Locations"},
    "mobile.action.note": {"es": "Nota", "en": "Note"},
    "mobile.action.stop": {"es": "Parada", "en": "Stop"},
    # Today
    "mobile.today.title": {"es": "Visitas de hoy", "en": "Today's visits"},
    "mobile.today.refresh": {"es": "Actualizar", "en": "Refresh"},
    "mobile.today.empty": {
        "es": "No hay visitas. Sincronice para traer su ruta.",
        "en": "No visits. Sync to get your route.",
    },
    "mobile.today.summary": {
        "es": {
            "one": "{done}/{count} visita · {distance} · {start}–{end}",
            "other": "{done}/{count} visitas · {distance} · {start}–{end}",
        },
        "en": {
            "one": "{done}/{count} visit · {distance} · {start}–{end}",
            "other": "{done}/{count} visits · {distance} · {start}–{end}",
        },
    },
    "mobile.today.not_today": {
        "es": {
            "one": "{count} parada más queda para otro día",
            "other": "{count} paradas más quedan para otro día",
        },
        "en": {
            "one": "{count} more stop left for another day",
            "other": "{count} more stops left for another day",
        },
    },
    "mobile.today.stale": {
        "es": "Ruta guardada en el teléfono (sin conexión).",
        "en": "Route saved on the phone (offline).",
    },
    "mobile.today.all_held": {
        "es": {
            "one": "Hoy no se permiten visitas: {count} cuenta retenida por las reglas de "
            "contacto.",
            "other": "Hoy no se permiten visitas: {count} cuentas retenidas por las reglas de "
            "contacto.",
        },
        "en": {
            "one": "No visits allowed today: {count} account held back by the contact rules.",
            "other": "No visits allowed today: {count} accounts held back by the contact rules.",
        },
    },
    "mobile.today.held": {
        "es": "Retenidas por las reglas de contacto ({count})",
        "en": "Held back by the contact rules ({count})",
    },
    "mobile.hold.until": {"es": "{reason} · desde {when}", "en": "{reason} · from {when}"},
    "mobile.hold.hours": {"es": "Fuera del horario permitido", "en": "Outside the allowed hours"},
    "mobile.hold.holiday": {"es": "Feriado", "en": "Public holiday"},
    "mobile.hold.cap_day": {
        "es": "Ya fue contactado hoy",
        "en": "Already contacted today",
    },
    "mobile.hold.cap_week": {
        "es": "Límite semanal de contactos alcanzado",
        "en": "Weekly contact limit reached",
    },
    "mobile.hold.cap_rolling_7d": {
        "es": "Límite de contactos en 7 días alcanzado",
        "en": "Contact limit for 7 days reached",
    },
    "mobile.hold.channels_per_week": {
        "es": "Esta semana ya fue contactado por otro medio",
        "en": "Already contacted through another channel this week",
    },
    "mobile.hold.spacing": {"es": "Contactado hace muy poco", "en": "Contacted too recently"},
    "mobile.hold.opted_out": {
        "es": "Pidió no recibir visitas",
        "en": "Asked not to be visited",
    },
    "mobile.hold.disputed": {
        "es": "Deuda en disputa: no contactar",
        "en": "Debt disputed: do not contact",
    },
    "mobile.hold.not_authorised": {
        "es": "No autorizó visitas",
        "en": "Visits not authorised",
    },
    "mobile.hold.no_hours": {
        "es": "Las reglas no permiten visitas",
        "en": "The rules allow no visits",
    },
    "mobile.hold.other": {
        "es": "Retenida por las reglas de contacto",
        "en": "Held back by the contact rules",
    },
    "mobile.filter.all": {"es": "Todas", "en": "All"},
    "mobile.filter.bucket": {"es": "Mora", "en": "Past due"},
    "mobile.filter.promise_due": {"es": "Vence hoy", "en": "Due today"},
    "mobile.filter.not_visited": {"es": "Sin visitar", "en": "Not visited"},
    "mobile.stop.dpd": {"es": "{days} días de atraso", "en": "{days} days past due"},
    "mobile.stop.current": {"es": "Al día", "en": "Current"},
    "mobile.stop.distance": {"es": "{distance} · llega {eta}", "en": "{distance} · arrive {eta}"},
    "mobile.stop.no_location": {"es": "Sin ubicación", "en": "No location"},
    "mobile.stop.promise_today": {
        "es": "Promesa vence hoy: {amount}",
        "en": "Promise due today: {amount}",
    },
    "mobile.stop.instalment_today": {
        "es": "Cuota vence hoy: {amount}",
        "en": "Instalment due today: {amount}",
    },
    "mobile.stop.visited": {"es": "Visitado", "en": "Visited"},
    "mobile.stop.skipped": {"es": "Saltada: {reason}", "en": "Skipped: {reason}"},
    "mobile.stop.skip": {"es": "Saltar", "en": "Skip"},
    "mobile.stop.untimed": {
        "es": "Orden cambiado: hora de llegada al sincronizar",
        "en": "Order changed: arrival time after syncing",
    },
    "mobile.stop.up": {"es": "Subir", "en": "Move up"},
    "mobile.stop.down": {"es": "Bajar", "en": "Move down"},
    "mobile.stop.kind.skip": {"es": "Saltada", "en": "Skipped"},
    "mobile.stop.kind.move": {"es": "Cambio de orden", "en": "Reordered"},
    "mobile.stop.why_skip": {
        "es": "¿Por qué salta la visita a {name}?",
        "en": "Why skip the visit to {name}?",
    },
    "mobile.stop.why_move": {
        "es": "¿Por qué cambia de lugar la visita a {name}?",
        "en": "Why move the visit to {name}?",
    },
    "mobile.stop.cancel": {"es": "Cancelar", "en": "Cancel"},
    "mobile.reason.not_home": {"es": "No está en casa", "en": "Not at home"},
    "mobile.reason.wrong_address": {"es": "Dirección errada", "en": "Wrong address"},
    "mobile.reason.danger": {"es": "Peligro en la zona", "en": "Unsafe area"},
    "mobile.reason.appointment": {"es": "Cita a otra hora", "en": "Appointment at another time"},
    "mobile.reason.other": {"es": "Otro motivo", "en": "Other reason"},
    "mobile.today.next": {"es": "Siguiente parada: {name}", "en": "Next stop: {name}"},
    "mobile.today.next_none": {
        "es": "No quedan paradas por visitar hoy.",
        "en": "No stops left to visit today.",
    },
    "mobile.stop.open": {"es": "Abrir cuenta de {name}", "en": "Open account of {name}"},
    # Map
    "mobile.map.title": {"es": "Mapa del día", "en": "Today's map"},
    "mobile.map.you": {"es": "Usted", "en": "You"},
    "mobile.map.tiles_hint": {
        "es": "Si el mapa no carga, use la lista de abajo.",
        "en": "If the map does not load, use the list below.",
    },
    "mobile.map.no_position": {
        "es": "Sin ubicación del teléfono.",
        "en": "No position from the phone.",
    },
    # Account
    "mobile.account.title": {"es": "Cuenta", "en": "Account"},
    "mobile.account.missing": {
        "es": "Esta cuenta aún no está en el teléfono. Sincronice con señal.",
        "en": "This account is not on the phone yet. Sync with a connection.",
    },
    "mobile.account.balance": {"es": "Saldo", "en": "Balance"},
    "mobile.account.aging": {
        "es": {"one": "Mora: {bucket} ({count} día)", "other": "Mora: {bucket} ({count} días)"},
        "en": {
            "one": "Aging: {bucket} ({count} day)",
            "other": "Aging: {bucket} ({count} days)",
        },
    },
    "mobile.account.current": {"es": "Al día", "en": "Current"},
    "mobile.frequency.monthly": {"es": "mensual", "en": "monthly"},
    "mobile.frequency.biweekly": {"es": "quincenal", "en": "biweekly"},
    "mobile.frequency.weekly": {"es": "semanal", "en": "weekly"},
    "mobile.account.contacts": {"es": "Contacto", "en": "Contact"},
    "mobile.account.call": {"es": "Llamar", "en": "Call"},
    "mobile.account.whatsapp": {"es": "WhatsApp", "en": "WhatsApp"},
    "mobile.account.address": {"es": "Dirección", "en": "Address"},
    "mobile.account.directions": {"es": "Cómo llegar", "en": "Directions"},
    "mobile.account.ledger": {"es": "Movimientos", "en": "Ledger"},
    "mobile.account.plan": {"es": "Plan de pagos", "en": "Payment plan"},
    "mobile.account.plan_next": {
        "es": "Próxima cuota {amount} el {date}",
        "en": "Next instalment {amount} on {date}",
    },
    "mobile.account.plan_progress": {
        "es": "Pagado {paid} de {total}",
        "en": "Paid {paid} of {total}",
    },
    "mobile.account.promise": {"es": "Promesa abierta", "en": "Open promise"},
    "mobile.account.promise_line": {"es": "{amount} para el {date}", "en": "{amount} by {date}"},
    "mobile.account.visits": {"es": "Últimas visitas", "en": "Last visits"},
    "mobile.account.notes": {"es": "Notas", "en": "Notes"},
    "mobile.account.no_address": {"es": "Sin dirección", "en": "No address"},
    "mobile.account.no_plan": {"es": "Ningún plan de pagos", "en": "No payment plan"},
    "mobile.account.no_promise": {"es": "Ninguna promesa", "en": "No promise"},
    "mobile.account.no_visits": {"es": "Ninguna visita", "en": "No visits"},
    "mobile.account.no_notes": {"es": "Ninguna nota", "en": "No notes"},
    "mobile.account.no_ledger": {"es": "Ningún movimiento", "en": "No entries"},
    "mobile.account.pending_payments": {
        "es": {
            "one": "Pendiente de sincronizar: {count} pago de {amount} (el saldo aún no lo "
            "descuenta)",
            "other": "Pendiente de sincronizar: {count} pagos por {amount} (el saldo aún no "
            "los descuenta)",
        },
        "en": {
            "one": "Pending sync: {count} payment of {amount} (not yet taken off the balance)",
            "other": "Pending sync: {count} payments, {amount} (not yet taken off the balance)",
        },
    },
    "mobile.account.pending_here": {
        "es": "Por enviar de esta cuenta: {count}",
        "en": "Waiting to send for this account: {count}",
    },
    "mobile.account.record_visit": {"es": "Registrar visita", "en": "Record visit"},
    "mobile.account.promise_button": {"es": "Promesa", "en": "Promise"},
    "mobile.account.payment_button": {"es": "Pago", "en": "Payment"},
    "mobile.account.plan_button": {"es": "Plan", "en": "Plan"},
    "mobile.account.far": {"es": "lejos ({distance})", "en": "far ({distance})"},
    "mobile.conflict.title": {
        "es": "Atención: cambió en el servidor",
        "en": "Heads up: changed on the server",
    },
    "mobile.conflict.ack": {"es": "Entendido", "en": "Got it"},
    "mobile.conflict.state": {
        "es": "Ahora: {status}, saldo {balance}",
        "en": "Now: {status}, balance {balance}",
    },
    "mobile.account_status.active": {"es": "activa", "en": "active"},
    "mobile.account_status.in_plan": {"es": "en plan", "en": "in plan"},
    "mobile.account_status.paid": {"es": "pagada", "en": "paid"},
    "mobile.account_status.written_off": {"es": "castigada", "en": "written off"},
    "mobile.account_status.disputed": {"es": "en disputa", "en": "disputed"},
    "mobile.entry.charge": {"es": "Cargo", "en": "Charge"},
    "mobile.entry.interest": {"es": "Interés", "en": "Interest"},
    "mobile.entry.fee": {"es": "Comisión", "en": "Fee"},
    "mobile.entry.payment": {"es": "Pago", "en": "Payment"},
    "mobile.entry.discount": {"es": "Descuento", "en": "Discount"},
    "mobile.entry.reversal": {"es": "Reversión", "en": "Reversal"},
    "mobile.entry.adjustment": {"es": "Ajuste", "en": "Adjustment"},
    # Visit
    "mobile.visit.title": {"es": "Visita", "en": "Visit"},
    "mobile.visit.check_in": {"es": "Marcar llegada (GPS)", "en": "Check in (GPS)"},
    "mobile.visit.checked_in": {
        "es": "Llegada {time} · a {distance} de la dirección (±{accuracy} m)",
        "en": "Checked in {time} · {distance} from the address (±{accuracy} m)",
    },
    "mobile.visit.checked_in_no_address": {
        "es": "Llegada {time} · la dirección no tiene ubicación (±{accuracy} m)",
        "en": "Checked in {time} · the address has no location (±{accuracy} m)",
    },
    "mobile.visit.no_gps": {
        "es": "Sin GPS: la visita se guardará sin ubicación.",
        "en": "No GPS: the visit will be saved without a position.",
    },
    "mobile.visit.far": {
        "es": "Está a más de {limit} de la dirección: la visita quedará marcada.",
        "en": "You are more than {limit} from the address: the visit will be flagged.",
    },
    "mobile.visit.outcome": {"es": "Resultado", "en": "Outcome"},
    "mobile.visit.note": {"es": "Nota", "en": "Note"},
    "mobile.visit.photo_take": {"es": "Tomar foto", "en": "Take a photo"},
    "mobile.visit.photo_retake": {"es": "Cambiar foto", "en": "Change the photo"},
    "mobile.visit.photo_attached": {
        "es": "Foto adjunta: se envía con la visita.",
        "en": "Photo attached: it is sent with the visit.",
    },
    "mobile.visit.photo_too_big": {
        "es": "La foto pesa más de {mb} MB; tome otra con menor resolución.",
        "en": "The photo is larger than {mb} MB; take another at a lower resolution.",
    },
    "mobile.receipt.title": {"es": "Recibo del pago", "en": "Payment receipt"},
    "mobile.receipt.code": {"es": "Código de recibo: {code}", "en": "Receipt code: {code}"},
    "mobile.receipt.qr": {
        "es": "Código QR para verificar el recibo",
        "en": "QR code to check the receipt",
    },
    "mobile.receipt.scan": {
        "es": "Muestre el código al cliente: lo escanea para verificar su recibo. También lo "
        "recibe por SMS o WhatsApp.",
        "en": "Show the code to the debtor: they scan it to check their receipt. They also get "
        "it by SMS or WhatsApp.",
    },
    "mobile.receipt.pending": {
        "es": "Sin conexión: el recibo llega con la próxima sincronización.",
        "en": "Offline: the receipt comes with the next sync.",
    },
    "mobile.receipt.none": {
        "es": "El servidor no registró este pago; no hay recibo.",
        "en": "The server did not book this payment; there is no receipt.",
    },
    "mobile.cash.title": {"es": "Efectivo del día", "en": "Cash of the day"},
    "mobile.cash.total": {"es": "{amount} · pagos: {count}", "en": "{amount} · payments: {count}"},
    "mobile.cash.none": {"es": "Sin cobros en efectivo hoy.", "en": "No cash collected today."},
    "mobile.cash.waiting": {
        "es": "{count} pagos por enviar aún no suman aquí.",
        "en": "{count} payments still to send are not counted yet.",
    },
    "mobile.cash.offline": {
        "es": "Sin conexión: el resumen necesita el servidor.",
        "en": "Offline: the summary needs the server.",
    },
    "mobile.visit.next_action": {"es": "Próxima acción", "en": "Next action"},
    "mobile.visit.save": {"es": "Guardar visita", "en": "Save visit"},
    "mobile.visit.saved": {
        "es": "Visita guardada. Se enviará al sincronizar.",
        "en": "Visit saved. It will be sent when syncing.",
    },
    "mobile.visit.need_outcome": {"es": "Elija un resultado.", "en": "Choose an outcome."},
    "mobile.visit.need_check_in": {
        "es": "Marque la llegada antes de guardar.",
        "en": "Check in before saving.",
    },
    "mobile.outcome.paid": {"es": "Pagó", "en": "Paid"},
    "mobile.outcome.promise": {"es": "Promesa de pago", "en": "Promise to pay"},
    "mobile.outcome.plan_agreed": {"es": "Acordó un plan", "en": "Plan agreed"},
    "mobile.outcome.not_home": {"es": "No estaba", "en": "Not home"},
    "mobile.outcome.moved": {"es": "Se mudó", "en": "Moved"},
    "mobile.outcome.refused": {"es": "Se negó", "en": "Refused"},
    "mobile.outcome.wrong_address": {"es": "Dirección errada", "en": "Wrong address"},
    "mobile.outcome.other": {"es": "Otro", "en": "Other"},
    # Forms: promise, payment
    "mobile.form.amount": {"es": "Monto ({currency})", "en": "Amount ({currency})"},
    "mobile.form.promise_date": {"es": "Pagará el", "en": "Will pay on"},
    "mobile.form.payment_date": {"es": "Fecha del pago", "en": "Date paid"},
    "mobile.form.pick_date": {"es": "{label}: elegir fecha", "en": "{label}: pick a date"},
    "mobile.form.bad_amount": {"es": "Monto no válido.", "en": "Not a valid amount."},
    "mobile.form.bad_date": {
        "es": "Fecha no válida (AAAA-MM-DD).",
        "en": "Not a valid date (YYYY-MM-DD).",
    },
    "mobile.form.past_date": {"es": "La fecha ya pasó.", "en": "The date has passed."},
    "mobile.form.future_date": {"es": "La fecha aún no llega.", "en": "The date is in the future."},
    "mobile.form.too_much": {
        "es": "Es más que el saldo ({balance}).",
        "en": "That is more than the balance ({balance}).",
    },
    "mobile.promise.title": {"es": "Promesa de pago", "en": "Promise to pay"},
    "mobile.promise.save": {"es": "Guardar promesa", "en": "Save promise"},
    "mobile.promise.saved": {"es": "Promesa guardada.", "en": "Promise saved."},
    "mobile.payment.title": {"es": "Pago recibido", "en": "Payment received"},
    "mobile.payment.method": {"es": "Medio de pago", "en": "Payment method"},
    "mobile.payment.receipt": {"es": "N.º de recibo", "en": "Receipt no."},
    "mobile.payment.need_receipt": {
        "es": "Escriba el número de recibo.",
        "en": "Enter the receipt number.",
    },
    "mobile.payment.save": {"es": "Guardar pago", "en": "Save payment"},
    "mobile.payment.saved": {"es": "Pago guardado.", "en": "Payment saved."},
    "mobile.method.cash": {"es": "Efectivo", "en": "Cash"},
    "mobile.method.transfer": {"es": "Transferencia", "en": "Transfer"},
    "mobile.method.card_terminal": {"es": "Tarjeta (POS)", "en": "Card terminal"},
    # Confirmations (plan, payment)
    "mobile.confirm.plan_title": {"es": "¿Aceptar este plan?", "en": "Accept this plan?"},
    "mobile.confirm.payment_title": {"es": "¿Guardar este pago?", "en": "Save this payment?"},
    "mobile.confirm.down_payment": {"es": "Inicial", "en": "Down payment"},
    "mobile.confirm.single": {"es": "Pago único", "en": "Single payment"},
    "mobile.confirm.instalment": {"es": "Cuota {number}", "en": "Instalment {number}"},
    "mobile.confirm.total": {"es": "Total", "en": "Total"},
    "mobile.confirm.discount": {"es": "Descuento: {amount}", "en": "Discount: {amount}"},
    "mobile.confirm.balance": {"es": "Saldo actual", "en": "Current balance"},
    "mobile.confirm.payment_row": {
        "es": "Pago · {method} · recibo {receipt}",
        "en": "Payment · {method} · receipt {receipt}",
    },
    "mobile.confirm.remaining": {"es": "Saldo restante", "en": "Balance left"},
    "mobile.confirm.ok": {"es": "Confirmar", "en": "Confirm"},
    "mobile.confirm.cancel": {"es": "Cancelar", "en": "Cancel"},
    # Plan
    "mobile.plan.title": {"es": "Ofertas de plan", "en": "Plan offers"},
    "mobile.plan.load": {"es": "Ver ofertas", "en": "Show offers"},
    "mobile.plan.online_only": {
        "es": "Las ofertas se calculan en el servidor: se necesita señal.",
        "en": "Offers are computed by the server: a connection is needed.",
    },
    "mobile.plan.none": {
        "es": "No hay ofertas para esta cuenta.",
        "en": "No offers for this account.",
    },
    "mobile.plan.settlement": {
        "es": "Pago único {total} (descuento {discount})",
        "en": "One payment {total} ({discount} off)",
    },
    "mobile.plan.down_part": {"es": "Inicial {amount}", "en": "Down payment {amount}"},
    "mobile.plan.instalment_part": {
        "es": {"one": "{count} cuota de {amount}", "other": "{count} cuotas de {amount}"},
        "en": {"one": "{count} instalment of {amount}", "other": "{count} instalments of {amount}"},
    },
    "mobile.plan.from": {"es": "desde el {date}", "en": "from {date}"},
    "mobile.plan.on": {"es": "el {date}", "en": "on {date}"},
    "mobile.plan.accept": {"es": "Aceptar con el cliente", "en": "Accept with the debtor"},
    "mobile.plan.accepted": {"es": "Plan aceptado.", "en": "Plan accepted."},
    "mobile.plan.link": {
        "es": "Enviar enlace de pago por WhatsApp",
        "en": "Send payment link by WhatsApp",
    },
    "mobile.plan.link_text": {
        "es": "Hola {name}, este es su enlace de pago de {amount}: {url}",
        "en": "Hello {name}, here is your payment link for {amount}: {url}",
    },
    "mobile.plan.no_phone": {
        "es": "El cliente no tiene teléfono.",
        "en": "The debtor has no phone.",
    },
    # Supervisor
    "mobile.team.title": {"es": "Rutas del equipo", "en": "Team routes"},
    "mobile.team.day": {"es": "Día", "en": "Day"},
    "mobile.team.empty": {"es": "Sin agentes para ese día.", "en": "No agents for that day."},
    "mobile.team.row": {
        "es": "{visited}/{planned} visitados · {far} lejos · {pings} ubicaciones",
        "en": "{visited}/{planned} visited · {far} far · {pings} pings",
    },
    "mobile.team.collected": {"es": "Cobrado: {amounts}", "en": "Collected: {amounts}"},
    "mobile.team.promised": {"es": "Prometido: {amounts}", "en": "Promised: {amounts}"},
    "mobile.team.route": {"es": "Ruta de {name}", "en": "Route of {name}"},
    "mobile.team.stop": {
        "es": "{time} · {minutes} en el lugar",
        "en": "{time} · {minutes} at the stop",
    },
    "mobile.team.trail": {"es": "Recorrido: {distance}", "en": "Trail: {distance}"},
    "mobile.team.skipped": {"es": "Paradas saltadas: {n}", "en": "Skipped stops: {n}"},
    "mobile.team.skipped_at": {"es": "{time} · {reason}", "en": "{time} · {reason}"},
    "mobile.team.offline": {
        "es": "Las rutas del equipo necesitan conexión.",
        "en": "Team routes need a connection.",
    },
    "mobile.plan_team.button": {"es": "Planificar mañana", "en": "Plan tomorrow"},
    "mobile.plan_team.day": {"es": "Día a planificar", "en": "Day to plan"},
    "mobile.plan_team.again": {"es": "Volver a planificar", "en": "Plan again"},
    "mobile.plan_team.title": {"es": "Plan del equipo · {day}", "en": "Team plan · {day}"},
    "mobile.plan_team.stored": {
        "es": "Plan guardado para ese día.",
        "en": "Plan stored for that day.",
    },
    "mobile.plan_team.stops": {
        "es": {"one": "{count} parada", "other": "{count} paradas"},
        "en": {"one": "{count} stop", "other": "{count} stops"},
    },
    "mobile.plan_team.value": {"es": "Valor: {amounts}", "en": "Value: {amounts}"},
    "mobile.plan_team.coverage": {
        "es": "{planned} de {candidates} paradas en el plan · {amounts}",
        "en": "{planned} of {candidates} stops planned · {amounts}",
    },
    "mobile.plan_team.dropped": {
        "es": "Sin agente ese día: {n}",
        "en": "Left out that day: {n}",
    },
    "mobile.plan_team.reason.shift_full": {"es": "Turno lleno", "en": "Shift full"},
    "mobile.plan_team.reason.no_location": {"es": "Sin ubicación", "en": "No location"},
    "mobile.plan_team.conflict": {
        "es": "Otro plan de ese día se guardó mientras se calculaba este. Vuelva a intentarlo.",
        "en": "Another plan for that day was stored while this one was made. Try again.",
    },
    "mobile.plan_team.close": {"es": "Cerrar el plan", "en": "Close the plan"},
    # Shared bits
    "mobile.error.offline": {
        "es": "Sin conexión. Inténtelo cuando tenga señal.",
        "en": "Offline. Try again when you have a connection.",
    },
    "mobile.saved_offline": {"es": "Guardado en el teléfono.", "en": "Saved on the phone."},
    "mobile.minutes": {"es": "{n} min", "en": "{n} min"},
    "mobile.unknown": {"es": "sin dato", "en": "unknown"},
}
