"""`callbacks export`: the callback list to xlsx or csv, streamed in constant memory."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from adapters.views.items import EXPORT_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from projections.callback_list import CallbackRow

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _value(row: CallbackRow, field: str, now: datetime) -> Any:
    if field == "overdue":
        return row.is_overdue(now)
    value = getattr(row, field)
    return str(value) if isinstance(value, UUID) else value


def headers(language: str) -> list[str]:
    return [ko if language == "ko" else en for _, en, ko in EXPORT_COLUMNS]


def export_csv(
    rows: Iterable[CallbackRow],
    path: Path,
    *,
    timezone: ZoneInfo,
    now: datetime,
    language: str = "en",
) -> int:
    """Times in the contact center's zone, ISO 8601 with their offset."""
    count = 0
    with path.open("w", newline="", encoding="utf-8-sig") as f:  # BOM: Excel reads UTF-8
        writer = csv.writer(f)
        writer.writerow(headers(language))
        for row in rows:
            values = []
            for field, _, _ in EXPORT_COLUMNS:
                value = _value(row, field, now)
                if isinstance(value, datetime):
                    value = value.astimezone(timezone).isoformat()
                values.append("" if value is None else value)
            writer.writerow(values)
            count += 1
    return count


def export_xlsx(
    rows: Iterable[CallbackRow],
    path: Path,
    *,
    timezone: ZoneInfo,
    now: datetime,
    language: str = "en",
) -> int:
    """Typed cells: times are Excel date-times in the contact center's zone."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("callbacks")
    sheet.append(headers(language))
    count = 0
    for row in rows:
        cells = []
        for field, _, _ in EXPORT_COLUMNS:
            value = _value(row, field, now)
            if isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value=value.astimezone(timezone).replace(tzinfo=None))
                cell.number_format = DATETIME_FORMAT
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count
