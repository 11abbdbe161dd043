"""Messages of bank statements: errors (``error.*``) and row problems (``statement.row.<code>``)."""

MESSAGES: dict[str, dict[str, str]] = {
    "error.statement_invalid": {
        "es": "El extracto tiene {total} error(es); no se registró nada. "
        "Corríjalos y vuelva a subirlo.",
        "en": "The statement has {total} error(s); nothing was recorded. "
        "Fix them and upload it again.",
    },
    "error.statement_line_debit": {
        "es": "La línea es un cargo o un monto cero: no se registra ni se decide.",
        "en": "The line is a debit or a zero amount: it is neither booked nor decided.",
    },
    "error.statement_line_booked": {
        "es": "La línea ya está registrada ({state}); "
        "para corregirla, revierta el pago en el libro mayor.",
        "en": "The line is already booked ({state}); "
        "to correct it, reverse the payment in the ledger.",
    },
    "error.statement_not_a_candidate": {
        "es": "La cuenta no es una de las candidatas de esta línea.",
        "en": "The account is not one of this line's candidates.",
    },
}

_ROW: dict[str, dict[str, str]] = {
    "empty": {"es": "El archivo no tiene líneas.", "en": "The file has no lines."},
    "utf16": {
        "es": "El archivo está en UTF-16. Guárdelo como «CSV UTF-8».",
        "en": "The file is UTF-16. Save it as 'CSV UTF-8'.",
    },
    "not_text": {
        "es": "El archivo no es un CSV de texto.",
        "en": "The file is not a text CSV.",
    },
    "encoding": {
        "es": "El archivo no está en UTF-8. Guárdelo como «CSV UTF-8».",
        "en": "The file is not UTF-8. Save it as 'CSV UTF-8'.",
    },
    "bad_csv": {"es": "CSV mal formado: {reason}", "en": "Malformed CSV: {reason}"},
    "too_many_lines": {
        "es": "El extracto supera el máximo de {limit} líneas; divídalo.",
        "en": "The statement exceeds the maximum of {limit} lines; split it.",
    },
    "duplicate_column": {
        "es": "Columna repetida: ya está como «{other}».",
        "en": "Column given twice: already present as '{other}'.",
    },
    "missing_column": {
        "es": "Falta la columna obligatoria (alias: {aliases}).",
        "en": "Required column missing (aliases: {aliases}).",
    },
    "field_count": {
        "es": "La fila tiene {found} campos y la cabecera {expected} "
        "(¿coma decimal sin comillas?).",
        "en": "The row has {found} fields and the header {expected} (unquoted decimal comma?).",
    },
    "required": {"es": "Dato obligatorio vacío.", "en": "Required value is empty."},
    "invalid_date": {
        "es": "«{value}» no es una fecha (use AAAA-MM-DD o DD/MM/AAAA).",
        "en": "'{value}' is not a date (use YYYY-MM-DD or DD/MM/YYYY).",
    },
    "invalid_amount": {"es": "«{value}» no es un monto.", "en": "'{value}' is not an amount."},
    "amount_precision": {
        "es": "«{value}» tiene más decimales de los que admite {currency}.",
        "en": "'{value}' has more decimals than {currency} allows.",
    },
    "too_long": {
        "es": "Texto demasiado largo (máximo {max} caracteres).",
        "en": "Text too long (at most {max} characters).",
    },
}

MESSAGES.update({f"statement.row.{code}": texts for code, texts in _ROW.items()})
