"""Messages for API errors, keyed ``error.<code>``."""

MESSAGES: dict[str, dict[str, str]] = {
    "error.bad_request": {"es": "Solicitud inválida.", "en": "Bad request."},
    "error.amount_too_large": {
        "es": "El monto supera el máximo de esta cartera ({limit_minor} en unidades menores).",
        "en": "The amount exceeds this portfolio's maximum ({limit_minor} in minor units).",
    },
    "error.overpayment_needs_approval": {
        "es": (
            "El pago supera el saldo ({balance_minor}) más la tolerancia ({tolerance_minor}): "
            "debe registrarlo un supervisor."
        ),
        "en": (
            "The payment exceeds the balance ({balance_minor}) plus the tolerance "
            "({tolerance_minor}): a supervisor must book it."
        ),
    },
    "error.validation_error": {
        "es": "Los datos enviados no son válidos.",
        "en": "The data sent is not valid.",
    },
    "error.not_found": {"es": "No encontrado.", "en": "Not found."},
    "error.route_not_found": {
        "es": "La ruta solicitada no existe.",
        "en": "The requested route does not exist.",
    },
    "error.method_not_allowed": {
        "es": "Método no permitido en esta ruta.",
        "en": "Method not allowed on this route.",
    },
    "error.conflict": {
        "es": "La operación entra en conflicto con el estado actual.",
        "en": "The operation conflicts with the current state.",
    },
    "error.not_authenticated": {
        "es": "Inicie sesión para continuar.",
        "en": "Please log in to continue.",
    },
    "error.token_invalid": {
        "es": "La sesión no es válida o expiró. Inicie sesión de nuevo.",
        "en": "The session is invalid or expired. Please log in again.",
    },
    "error.invalid_credentials": {
        "es": "Correo o contraseña incorrectos.",
        "en": "Incorrect email or password.",
    },
    "error.forbidden": {
        "es": "No tiene permiso para esta operación.",
        "en": "You are not allowed to do this.",
    },
    "error.read_only": {
        "es": "Su acceso es de solo lectura; pida a su administrador permiso para modificar.",
        "en": "Your access is read-only; ask your administrator for permission to make changes.",
    },
    "error.invalid_creditor": {
        "es": "El acreedor no corresponde a este rol o no existe.",
        "en": "The creditor does not fit this role or does not exist.",
    },
    "error.payload_too_large": {
        "es": "El archivo supera el tamaño máximo de {limit} bytes.",
        "en": "The file exceeds the maximum size of {limit} bytes.",
    },
    "error.body_too_large": {
        "es": "La solicitud supera el tamaño máximo de {limit} bytes.",
        "en": "The request exceeds the maximum size of {limit} bytes.",
    },
    "error.too_many_attempts": {
        "es": "Demasiados intentos fallidos. Intente de nuevo en {retry_after_seconds} segundos.",
        "en": "Too many failed attempts. Try again in {retry_after_seconds} seconds.",
    },
    "error.login_busy": {
        "es": "Hay demasiados inicios de sesión en curso. Intente de nuevo en un momento.",
        "en": "Too many logins are in progress. Please try again in a moment.",
    },
    "error.session_expired": {
        "es": "La sesión terminó. Inicie sesión de nuevo.",
        "en": "The session has ended. Please log in again.",
    },
    "error.unknown_currency": {
        "es": "Moneda desconocida o no admitida: {currency}.",
        "en": "Unknown or unsupported currency: {currency}.",
    },
    "error.currency_mismatch": {
        "es": "La moneda {given} no coincide con la de la cuenta ({expected}).",
        "en": "Currency {given} does not match the account's ({expected}).",
    },
    "error.amount_precision": {
        "es": "El monto tiene más decimales de los que admite {currency}.",
        "en": "The amount has more decimals than {currency} allows.",
    },
    "error.invalid_amount": {"es": "Monto inválido.", "en": "Invalid amount."},
    "error.idempotency_conflict": {
        "es": "La clave de idempotencia ya se usó con otros datos.",
        "en": "The idempotency key was already used with different data.",
    },
    "error.database_unavailable": {
        "es": "El servicio está momentáneamente ocupado o sin base de datos. Intente de nuevo "
        "en unos segundos.",
        "en": "The service is momentarily busy or without its database. Please try again in a "
        "few seconds.",
    },
    "error.internal_error": {
        "es": "Error interno. Se registró para revisión.",
        "en": "Internal error. It has been logged for review.",
    },
}

MESSAGES.update(
    {
        "error.invalid_cursor": {
            "es": "El cursor de paginación no es válido.",
            "en": "The pagination cursor is not valid.",
        },
        "error.invalid_national_id": {
            "es": "Documento de identidad inválido: {reason}",
            "en": "Invalid national ID: {reason}",
        },
        "error.invalid_check_digit": {
            "es": "El dígito verificador del documento no es correcto: {reason}",
            "en": "The national ID check digit is wrong: {reason}",
        },
        "error.invalid_phone": {
            "es": "Teléfono inválido: {reason}",
            "en": "Invalid phone number: {reason}",
        },
        "error.invalid_timezone": {
            "es": "Zona horaria desconocida: {timezone}.",
            "en": "Unknown timezone: {timezone}.",
        },
        "error.email_taken": {
            "es": "Ya existe un usuario con ese correo.",
            "en": "A user with that email already exists.",
        },
        "error.invalid_supervisor": {
            "es": "El supervisor indicado no existe o no es supervisor.",
            "en": "The given supervisor does not exist or is not a supervisor.",
        },
        "error.invalid_agent": {
            "es": "El agente indicado no existe, no está activo o no es de su equipo.",
            "en": "The given agent does not exist, is inactive or is not in your team.",
        },
        "error.duplicate_external_ref": {
            "es": "Ya existe una cuenta con la referencia {external_ref} en esta cartera.",
            "en": "An account with reference {external_ref} already exists in this portfolio.",
        },
        "error.duplicate_debtor": {
            "es": "Ya existe un deudor con ese documento en esta cartera.",
            "en": "A debtor with that national ID already exists in this portfolio.",
        },
        "error.duplicate_creditor": {
            "es": "Ya existe un acreedor con ese nombre.",
            "en": "A creditor with that name already exists.",
        },
        "error.already_reversed": {
            "es": "Este movimiento ya fue revertido.",
            "en": "This entry has already been reversed.",
        },
        "error.cannot_reverse_reversal": {
            "es": "Una reversión no se puede revertir; registre un nuevo movimiento.",
            "en": "A reversal cannot be reversed; post a new entry instead.",
        },
        "error.debtor_portfolio_mismatch": {
            "es": "El deudor no pertenece a esa cartera.",
            "en": "The debtor does not belong to that portfolio.",
        },
    }
)

MESSAGES.update(
    {
        "error.task_closed": {
            "es": "La tarea ya está cerrada.",
            "en": "The task is already closed.",
        },
        "error.task_not_approval": {
            "es": "Solo las solicitudes de aprobación se aprueban o rechazan.",
            "en": "Only approval requests can be approved or rejected.",
        },
    }
)

MESSAGES.update(
    {
        "error.invalid_strategy": {
            "es": "La estrategia no se puede usar: revise el detalle.",
            "en": "The strategy cannot be used: see the details.",
        },
        "error.invalid_template": {
            "es": "La plantilla no se puede usar: revise el detalle.",
            "en": "The template cannot be used: see the details.",
        },
        "error.invalid_contact_rules": {
            "es": "Las reglas de contacto no son válidas.",
            "en": "The contact rules are not valid.",
        },
        "error.invalid_policy": {
            "es": "La política de negociación tiene límites inválidos o contradictorios.",
            "en": "The negotiation policy has invalid or contradictory limits.",
        },
        "error.account_not_open": {
            "es": "La cuenta no está abierta (estado: {status}).",
            "en": "The account is not open (status: {status}).",
        },
        "error.promise_amount": {
            "es": "El monto prometido debe ser mayor que cero y no superar el saldo.",
            "en": "The promised amount must be above zero and not exceed the balance.",
        },
        "error.promise_date": {
            "es": "La fecha prometida debe estar entre hoy y {max_days} días.",
            "en": "The promise date must be between today and {max_days} days ahead.",
        },
        "error.plan_active": {
            "es": "La cuenta ya tiene un plan activo.",
            "en": "The account already has an active plan.",
        },
        "error.nothing_to_negotiate": {
            "es": "La cuenta no tiene saldo pendiente.",
            "en": "The account has no outstanding balance.",
        },
        "error.negotiation_limit": {
            "es": "Se alcanzó el máximo de negociaciones en este periodo.",
            "en": "The maximum number of negotiations for this period was reached.",
        },
        "error.offer_expired": {
            "es": "La oferta venció. Pida nuevas opciones.",
            "en": "The offer has expired. Ask for new options.",
        },
        "error.offer_already_accepted": {
            "es": "La oferta ya fue aceptada.",
            "en": "The offer was already accepted.",
        },
        "error.offer_superseded": {
            "es": "La oferta fue reemplazada por otra más reciente.",
            "en": "The offer was replaced by a newer one.",
        },
        "error.offer_stale": {
            "es": "El saldo cambió desde que se hizo la oferta. Pida nuevas opciones.",
            "en": "The balance changed since the offer was made. Ask for new options.",
        },
        "error.plan_not_active": {
            "es": "El plan no está activo.",
            "en": "The plan is not active.",
        },
        "error.invalid_proposal": {
            "es": "La propuesta no es válida: {reason}",
            "en": "The proposal is not valid: {reason}",
        },
        "error.webhook_url_refused": {
            "es": "La URL del webhook no es aceptable.",
            "en": "The webhook URL is not acceptable.",
        },
        "error.webhook_url_invalid": {
            "es": "La URL del webhook debe ser http(s) con un host y sin credenciales.",
            "en": "The webhook URL must be http(s) with a host and no credentials.",
        },
        "error.webhook_url_not_https": {
            "es": "En producción la URL del webhook debe usar https.",
            "en": "In production the webhook URL must use https.",
        },
        "error.webhook_url_internal": {
            "es": "La URL del webhook no puede apuntar a una dirección local o privada.",
            "en": "The webhook URL may not point at a local or private address.",
        },
    }
)
