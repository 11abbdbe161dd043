"""Messages of the portfolio import: file-level errors (``error.*``) and row reasons
(``import.row.<code>``)."""

MESSAGES: dict[str, dict[str, str]] = {
    "error.import_invalid": {
        "es": "El archivo tiene {total} error(es); no se importó nada. "
        "Corríjalos y vuelva a subirlo.",
        "en": "The file has {total} error(s); nothing was imported. Fix them and upload it again.",
    },
    "error.import_empty": {
        "es": "El archivo no tiene filas de datos.",
        "en": "The file has no data rows.",
    },
    "error.import_encoding": {
        "es": "El archivo no está en UTF-8 (línea {line}). Guárdelo como «CSV UTF-8».",
        "en": "The file is not UTF-8 (line {line}). Save it as 'CSV UTF-8'.",
    },
    "error.import_utf16": {
        "es": "El archivo está en UTF-16. Guárdelo como «CSV UTF-8» o XLSX.",
        "en": "The file is UTF-16. Save it as 'CSV UTF-8' or XLSX.",
    },
    "error.import_malformed": {
        "es": "No se pudo leer el archivo.",
        "en": "The file could not be read.",
    },
    "error.import_bad_csv": {
        "es": "CSV mal formado en la fila {row}: {reason}",
        "en": "Malformed CSV at row {row}: {reason}",
    },
    "error.import_bad_xlsx": {
        "es": "El libro XLSX está dañado o no se puede leer.",
        "en": "The XLSX workbook is damaged or cannot be read.",
    },
    "error.import_not_xlsx": {
        "es": "El archivo tiene extensión .xlsx pero no es un libro XLSX.",
        "en": "The file has an .xlsx name but is not an XLSX workbook.",
    },
    "error.import_too_many_rows": {
        "es": "El archivo supera el máximo de {limit} filas; divídalo.",
        "en": "The file exceeds the maximum of {limit} rows; split it.",
    },
    "error.unsupported_file_type": {
        "es": "Tipo de archivo no admitido: suba un CSV (UTF-8) o un XLSX.",
        "en": "Unsupported file type: upload a CSV (UTF-8) or an XLSX file.",
    },
    "error.import_legacy_xls": {
        "es": "Los libros .xls antiguos no se admiten: guárdelo como XLSX o CSV UTF-8.",
        "en": "Legacy .xls workbooks are not supported: save it as XLSX or CSV UTF-8.",
    },
    "error.file_required": {
        "es": "Envíe el archivo como multipart/form-data en el campo «file».",
        "en": "Send the file as multipart/form-data in the 'file' field.",
    },
    "error.invalid_import_mapping": {
        "es": "Mapeo de columnas inválido: «{column}» apunta a «{field}», que no es una columna "
        "(use {choices}).",
        "en": "Invalid column mapping: '{column}' points to '{field}', which is not a column "
        "(use {choices}).",
    },
    "error.import_mapping_label": {
        "es": "Mapeo de columnas inválido: la cabecera «{column}» está vacía o es demasiado larga.",
        "en": "Invalid column mapping: the header '{column}' is blank or too long.",
    },
    "error.import_mapping_repeated": {
        "es": "Mapeo de columnas inválido: «{column}» y «{other}» son la misma cabecera.",
        "en": "Invalid column mapping: '{column}' and '{other}' are the same header.",
    },
    "error.import_mapping_too_large": {
        "es": "Mapeo de columnas inválido: como máximo {max} columnas.",
        "en": "Invalid column mapping: at most {max} columns.",
    },
    "error.import_mapping_option": {
        "es": "«{option}» no es un mapeo: use «Cabecera=columna».",
        "en": "'{option}' is not a mapping: use 'Header=column'.",
    },
    "error.import_report_none": {
        "es": "Este lote no tiene informe de errores.",
        "en": "This batch has no error report.",
    },
    "error.import_conflict": {
        "es": "La cartera cambió durante la importación (otra importación en curso). Reintente.",
        "en": "The portfolio changed during the import (another import running). Try again.",
    },
}

_ROW: dict[str, dict[str, str]] = {
    "unknown_column": {
        "es": "Columna desconocida: renómbrela (vea docs/import-format.md) o asígnela con un "
        "mapeo de columnas.",
        "en": "Unknown column: rename it (see docs/import-format.md) or map it with a column "
        "mapping.",
    },
    "unknown_column_suggestion": {
        "es": "Columna desconocida: ¿quiso decir «{suggestion}»? Renómbrela o asígnela con un "
        "mapeo de columnas.",
        "en": "Unknown column: did you mean '{suggestion}'? Rename it or map it with a column "
        "mapping.",
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
    "too_long": {
        "es": "Texto demasiado largo (máximo {max} caracteres).",
        "en": "Text too long (at most {max} characters).",
    },
    "too_many": {
        "es": "Demasiados valores (máximo {max}).",
        "en": "Too many values (at most {max}).",
    },
    "invalid_id_type": {
        "es": "Tipo de documento desconocido «{value}» (use {choices}).",
        "en": "Unknown document type '{value}' (use {choices}).",
    },
    "invalid_national_id": {
        "es": "«{value}» no es un {id_type} válido.",
        "en": "'{value}' is not a valid {id_type}.",
    },
    "invalid_check_digit": {
        "es": "«{value}»: dígito verificador de {id_type} incorrecto.",
        "en": "'{value}': wrong {id_type} check digit.",
    },
    "invalid_phone": {
        "es": "«{value}» no es un teléfono válido de {country}; se importa sin él.",
        "en": "'{value}' is not a valid phone number for {country}; imported without it.",
    },
    "invalid_email": {
        "es": "«{value}» no es un correo válido; se importa sin él.",
        "en": "'{value}' is not a valid e-mail address; imported without it.",
    },
    "invalid_amount": {"es": "«{value}» no es un monto.", "en": "'{value}' is not an amount."},
    "amount_precision": {
        "es": "«{value}» tiene más decimales de los que admite {currency}.",
        "en": "'{value}' has more decimals than {currency} allows.",
    },
    "negative_amount": {
        "es": "«{value}»: el monto no puede ser negativo.",
        "en": "'{value}': the amount cannot be negative.",
    },
    "amount_too_large": {
        "es": "«{value}»: monto demasiado grande.",
        "en": "'{value}': amount too large.",
    },
    "amount_not_positive": {
        "es": "El capital debe ser mayor que cero.",
        "en": "The principal must be more than zero.",
    },
    "overpaid": {
        "es": "Lo pagado supera capital + intereses + gastos.",
        "en": "Paid exceeds principal + interest + fees.",
    },
    "paid_decreased": {
        "es": "Lo pagado bajó de {before} a {value}: para corregir un pago, revierta su movimiento "
        "en el libro mayor y vuelva a importar.",
        "en": "Paid went down from {before} to {value}: to correct a payment, reverse its ledger "
        "entry, then import again.",
    },
    "currency_mismatch": {
        "es": "Moneda «{value}» distinta de la de la cartera ({expected}).",
        "en": "Currency '{value}' differs from the portfolio's ({expected}).",
    },
    "invalid_date": {
        "es": "«{value}» no es una fecha (use AAAA-MM-DD o DD/MM/AAAA).",
        "en": "'{value}' is not a date (use YYYY-MM-DD or DD/MM/YYYY).",
    },
    "birth_date_future": {
        "es": "La fecha de nacimiento {value} no está en el pasado.",
        "en": "The birth date {value} is not in the past.",
    },
    "date_order": {
        "es": "La fecha de origen es posterior al vencimiento ({due}).",
        "en": "The origination date is after the due date ({due}).",
    },
    "invalid_coordinate": {
        "es": "«{value}» no es una coordenada entre -{limit} y {limit}.",
        "en": "'{value}' is not a coordinate between -{limit} and {limit}.",
    },
    "coordinates_incomplete": {
        "es": "Indique latitud y longitud juntas.",
        "en": "Give latitude and longitude together.",
    },
    "address_required": {
        "es": "Falta la dirección (distrito, ciudad, región o coordenadas sin dirección).",
        "en": "Address line missing (district, city, region or coordinates without it).",
    },
    "invalid_language": {
        "es": "Idioma desconocido «{value}» (use es o en).",
        "en": "Unknown language '{value}' (use es or en).",
    },
    "unknown_agent": {
        "es": "«{value}» no es un agente activo que usted pueda asignar.",
        "en": "'{value}' is not an active agent you may assign.",
    },
    "name_required": {
        "es": "El deudor necesita nombres o apellidos, o razón social.",
        "en": "The debtor needs a first or last name, or a company name.",
    },
    "duplicate_external_ref": {
        "es": "Referencia repetida: ya aparece en la fila {first_row}.",
        "en": "Duplicate reference: already in row {first_row}.",
    },
    "debtor_conflict": {
        "es": "«{value}» contradice la fila {first_row} del mismo documento («{other}»).",
        "en": "'{value}' contradicts row {first_row} of the same document ('{other}').",
    },
    "account_debtor_changed": {
        "es": "Esta cuenta ya existe con otro deudor; una importación no cambia el deudor.",
        "en": "This account already exists with another debtor; an import does not move it.",
    },
}

# The downloadable report and the command line's output.
_REPORT: dict[str, dict[str, str]] = {
    "row": {"es": "fila", "en": "row"},
    "column": {"es": "columna", "en": "column"},
    "severity": {"es": "tipo", "en": "severity"},
    "code": {"es": "código", "en": "code"},
    "reason": {"es": "motivo", "en": "reason"},
    "error": {"es": "error", "en": "error"},
    "warning": {"es": "advertencia", "en": "warning"},
    "sheet": {"es": "Informe", "en": "Report"},
    "line": {
        "es": "{severity} en fila {row}, {column}: {reason} [{code}]",
        "en": "{severity} in row {row}, {column}: {reason} [{code}]",
    },
    "more": {"es": "... y {count} más", "en": "... and {count} more"},
    "download": {
        "es": "Informe completo: GET {csv} (o {xlsx}); lote {batch_id}.",
        "en": "Full report: GET {csv} (or {xlsx}); batch {batch_id}.",
    },
    "replayed": {
        "es": "Este archivo ya se importó (lote {batch_id}); no cambió nada.",
        "en": "This file was already imported (batch {batch_id}); nothing changed.",
    },
    "summary": {
        "es": "Lote {batch_id} importado: {rows} filas en {seconds} s; deudores: {debtors_created} "
        "creados, {debtors_updated} actualizados; cuentas: {accounts_created} creadas, "
        "{accounts_updated} actualizadas, {unchanged} sin cambios; {ledger_entries} movimientos "
        "en el libro mayor; {warnings} advertencias.",
        "en": "Imported batch {batch_id}: {rows} rows in {seconds} s; debtors {debtors_created} "
        "created, {debtors_updated} updated; accounts {accounts_created} created, "
        "{accounts_updated} updated, {unchanged} unchanged; {ledger_entries} ledger entries; "
        "{warnings} warnings.",
    },
    "error_prefix": {"es": "error", "en": "error"},
    "no_portfolio": {"es": "no existe la cartera {id}", "en": "no portfolio {id}"},
    "not_an_id": {
        "es": "«{value}» no es un id de cartera",
        "en": "'{value}' is not a portfolio id",
    },
    "no_file": {"es": "no existe el archivo {path}", "en": "no file {path}"},
    "stage.booking": {"es": "conciliando", "en": "booking"},
    "stage.importing": {"es": "importando", "en": "importing"},
    "stage.loading": {"es": "cargando", "en": "loading"},
}

MESSAGES.update({f"import.row.{code}": texts for code, texts in _ROW.items()})
MESSAGES.update({f"import.report.{key}": texts for key, texts in _REPORT.items()})
