"""A data subject's export as a file: one JSON document, or a zip of one CSV per section.

CSV files are UTF-8 with a BOM (Excel then reads the accents), one line per record, the
columns those of the section's records; lists and objects inside a record (a debtor's phones
and addresses) are written as JSON in their cell.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any


def as_json(sections: dict[str, Any]) -> bytes:
    return json.dumps(sections, ensure_ascii=False, indent=2).encode()


def as_zip(sections: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in sections.items():
            if name == "exported_at":
                continue
            rows = value if isinstance(value, list) else [value]
            archive.writestr(f"{name}.csv", _csv(rows))
        archive.writestr("exported_at.txt", str(sections["exported_at"]))
    return out.getvalue()


def _csv(rows: list[dict[str, Any]]) -> bytes:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value
