"""Texts of segments (why an account is in its segment) and of propensity scores."""

MESSAGES: dict[str, dict[str, str]] = {
    "segment.conditions": {
        "es": "Cuentas con: {conditions}.",
        "en": "Accounts with: {conditions}.",
    },
    "segment.every_account": {"es": "Todas las cuentas.", "en": "Every account."},
    "segment.buckets": {"es": "mora en los tramos {buckets} días", "en": "{buckets} days past due"},
    "segment.min_balance": {
        "es": "saldo de al menos {amount}",
        "en": "a balance of at least {amount}",
    },
    "segment.max_balance": {"es": "saldo de hasta {amount}", "en": "a balance of at most {amount}"},
    "segment.products": {"es": "producto {products}", "en": "product {products}"},
    "segment.regions": {"es": "deudor en la región {regions}", "en": "debtor in region {regions}"},
    "segment.score_bands": {
        "es": "probabilidad de pago {bands}",
        "en": "{bands} propensity to pay",
    },
    "segment.band.high": {"es": "alta", "en": "high"},
    "segment.band.medium": {"es": "media", "en": "medium"},
    "segment.band.low": {"es": "baja", "en": "low"},
    "segment.broken_promise": {
        "es": "una promesa incumplida en los últimos {days} días",
        "en": "a promise broken in the last {days} days",
    },
    "segment.matched": {
        "es": "En el segmento «{segment}» por la regla {position}. {conditions}",
        "en": "In segment “{segment}” by rule {position}. {conditions}",
    },
    "segment.matched_rule_gone": {
        "es": "En el segmento «{segment}» por una regla que ya no existe.",
        "en": "In segment “{segment}” by a rule that no longer exists.",
    },
    "segment.unmatched": {
        "es": "Ninguna regla de la cartera toma esta cuenta.",
        "en": "No rule of the portfolio takes this account.",
    },
    "segment.not_evaluated": {
        "es": "Los segmentos de esta cuenta aún no se han evaluado.",
        "en": "This account's segment has not been evaluated yet.",
    },
    "error.segment_position_taken": {
        "es": "Otra regla de la cartera ya ocupa esa posición.",
        "en": "Another rule of the portfolio already has that position.",
    },
    "error.experiment_exists": {
        "es": "Ese paso ya tiene un experimento.",
        "en": "That step already has an experiment.",
    },
    "error.invalid_experiment": {
        "es": "El experimento no es válido: {reason}.",
        "en": "The experiment is not valid: {reason}.",
    },
    "error.experiment_promoted": {
        "es": "El experimento ya tiene un ganador.",
        "en": "The experiment already has a winner.",
    },
    "error.scoring_disabled": {
        "es": "La puntuación está desactivada para este acreedor.",
        "en": "Scoring is switched off for this creditor.",
    },
    "error.not_enough_history": {
        "es": (
            "No hay historia suficiente para entrenar el modelo "
            "({rows} cuentas, {positives} con pago)."
        ),
        "en": "Not enough history to train the model ({rows} accounts, {positives} that paid).",
    },
    "score.feature.days_past_due": {"es": "días de mora", "en": "days past due"},
    "score.feature.log_balance": {"es": "saldo", "en": "balance"},
    "score.feature.payments_90d": {"es": "pagos en 90 días", "en": "payments in 90 days"},
    "score.feature.payment_rate": {
        "es": "pagos por mes de mora (180 días)",
        "en": "payments per month past due (180 days)",
    },
    "score.feature.days_since_payment": {
        "es": "días desde el último pago",
        "en": "days since the last payment",
    },
    "score.feature.promises_kept": {"es": "promesas cumplidas", "en": "promises kept"},
    "score.feature.promises_broken": {"es": "promesas incumplidas", "en": "promises broken"},
    "score.feature.contacts_90d": {"es": "contactos en 90 días", "en": "contacts in 90 days"},
    "score.feature.replies_90d": {"es": "respuestas en 90 días", "en": "replies in 90 days"},
    "score.feature.visits_90d": {"es": "visitas en 90 días", "en": "visits in 90 days"},
    "score.feature.product": {"es": "producto", "en": "product"},
    "score.feature.region": {"es": "región", "en": "region"},
    "score.feature.channel": {"es": "canal preferido", "en": "preferred channel"},
}
