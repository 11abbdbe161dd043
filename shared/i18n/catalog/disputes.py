"""What debtors are told about their disputes, and the disputes' errors.

``dispute.opened.<reason>``: the answer to opening one (what happens next and by when);
``dispute.status.open``: where an open one stands; ``dispute.notice.<outcome>``: how it ended
(a notice shown the next time the debtor writes). Params: ``creditor``, ``reference`` (the
account reference's last four characters), ``respond_by`` and ``resolved_on`` (dates),
``balance`` and ``adjustment`` (money).
"""

_NEXT_ES = (
    "Mientras lo revisamos no le enviaremos mensajes ni visitas por esta cuenta, y le "
    "responderemos a más tardar el {respond_by}."
)
_NEXT_EN = (
    "While we review it you will get no messages or visits about this account, and we will "
    "answer you by {respond_by} at the latest."
)

MESSAGES: dict[str, dict[str, str]] = {
    "dispute.opened.not_recognised": {
        "es": (
            "Registramos que no reconoce la deuda de la cuenta terminada en {reference} con "
            f"{{creditor}}. {_NEXT_ES}"
        ),
        "en": (
            "We have recorded that you do not recognise the debt on the account ending in "
            f"{{reference}} with {{creditor}}. {_NEXT_EN}"
        ),
    },
    "dispute.opened.already_paid": {
        "es": (
            "Registramos que ya pagó la cuenta terminada en {reference} con {creditor}. Si "
            f"tiene el comprobante, envíenos una foto por aquí. {_NEXT_ES}"
        ),
        "en": (
            "We have recorded that you already paid the account ending in {reference} with "
            f"{{creditor}}. If you have the receipt, send us a photo here. {_NEXT_EN}"
        ),
    },
    "dispute.opened.identity_theft": {
        "es": (
            "Registramos que la cuenta terminada en {reference} con {creditor} pudo abrirse "
            "con su identidad sin su permiso. Si presentó una denuncia, envíenos una copia "
            f"por aquí. {_NEXT_ES}"
        ),
        "en": (
            "We have recorded that the account ending in {reference} with {creditor} may "
            "have been opened in your name without your consent. If you filed a police "
            f"report, send us a copy here. {_NEXT_EN}"
        ),
    },
    "dispute.opened.wrong_amount": {
        "es": (
            "Registramos que el monto de la cuenta terminada en {reference} con {creditor} "
            f"no es correcto. {_NEXT_ES}"
        ),
        "en": (
            "We have recorded that the amount of the account ending in {reference} with "
            f"{{creditor}} is not right. {_NEXT_EN}"
        ),
    },
    "dispute.opened.other": {
        "es": (
            "Registramos su reclamo sobre la cuenta terminada en {reference} con "
            f"{{creditor}}. {_NEXT_ES}"
        ),
        "en": (
            "We have recorded your claim about the account ending in {reference} with "
            f"{{creditor}}. {_NEXT_EN}"
        ),
    },
    "dispute.status.open": {
        "es": (
            "Su reclamo sobre la cuenta terminada en {reference} está en revisión. Le "
            "responderemos a más tardar el {respond_by}."
        ),
        "en": (
            "Your claim about the account ending in {reference} is being reviewed. We will "
            "answer you by {respond_by} at the latest."
        ),
    },
    "dispute.notice.upheld": {
        "es": (
            "Revisamos su reclamo sobre la cuenta terminada en {reference} con {creditor}: "
            "tiene razón, no debe nada por esta cuenta. La cerramos y no le contactaremos más "
            "por ella. Si lo necesita, pida su constancia de no adeudo."
        ),
        "en": (
            "We reviewed your claim about the account ending in {reference} with {creditor}: "
            "you are right, you owe nothing on this account. We have closed it and will not "
            "contact you about it again. You can ask for your paid-in-full certificate."
        ),
    },
    "dispute.notice.rejected": {
        "es": (
            "Revisamos su reclamo sobre la cuenta terminada en {reference} con {creditor} y "
            "la deuda se mantiene: su saldo es {balance}. Si tiene más información, "
            "escríbanos o pida hablar con un asesor."
        ),
        "en": (
            "We reviewed your claim about the account ending in {reference} with {creditor} "
            "and the debt stands: your balance is {balance}. If you have more information, "
            "write to us or ask to talk to an adviser."
        ),
    },
    "dispute.notice.corrected": {
        "es": (
            "Revisamos su reclamo sobre la cuenta terminada en {reference} con {creditor} y "
            "corregimos el monto: descontamos {adjustment}. Su nuevo saldo es {balance}. "
            "Escríbanos si quiere ver opciones de pago."
        ),
        "en": (
            "We reviewed your claim about the account ending in {reference} with {creditor} "
            "and corrected the amount: we took off {adjustment}. Your new balance is "
            "{balance}. Write to us to see payment options."
        ),
    },
    "error.account_not_disputable": {
        "es": "Esta cuenta no puede reclamarse en su estado actual ({status}).",
        "en": "This account cannot be disputed in its current status ({status}).",
    },
    "error.dispute_already_resolved": {
        "es": "El reclamo ya fue resuelto ({status}).",
        "en": "The dispute was already resolved ({status}).",
    },
    "error.evidence_unknown": {
        "es": "Alguna evidencia no existe o no es de esta cuenta.",
        "en": "Some evidence does not exist or is not this account's.",
    },
    "error.evidence_type": {
        "es": "Tipo de archivo no admitido como evidencia; se aceptan: {allowed}.",
        "en": "File type not accepted as evidence; accepted: {allowed}.",
    },
    "error.evidence_empty": {"es": "El archivo está vacío.", "en": "The file is empty."},
    "error.adjustment_not_below_balance": {
        "es": (
            "La corrección debe ser menor que el saldo ({balance_minor} en unidades menores); "
            "si no se debe nada, resuelva el reclamo como procedente."
        ),
        "en": (
            "The correction must be less than the balance ({balance_minor} in minor units); "
            "if nothing is owed, resolve the dispute as upheld."
        ),
    },
    "error.task_closed_by_dispute": {
        "es": "Esta tarea se cierra al resolver su reclamo.",
        "en": "This task closes when its dispute is resolved.",
    },
}
