"""`callbacks export`: the callback list to xlsx or csv, streamed in constant memory.

Times are in the contact center's zone, which the header row names; with `ko` the
headers and the values of the coded columns (state, status, reason, type, overdue)
are in Korean.
"""

from __future__ import annotations

import csv
import unicodedata
from datetime import datetime
from itertools import chain, islice
from typing import IO, TYPE_CHECKING, Any
from uuid import UUID

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from adapters.views.items import EXPORT_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterable
    from zoneinfo import ZoneInfo

    from projections.callback_list import CallbackRow

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_WIDTH_SAMPLE = 500  # rows measured for the column widths (the rest streams)
_MAX_WIDTH = 60

# The Korean words of NHN Online Contact's screens for the coded values.
KOREAN_VALUES: dict[str, dict[Any, str]] = {
    "state": {
        "SCHEDULED": "예약",
        "QUEUED": "대기",
        "ROUTING": "분배",
        "PROCESSING": "처리 중",
        "COMPLETED": "완료",
    },
    "status": {
        "REGISTERED": "등록",
        "UNPROCESSED": "미처리",
        "CANCELLED": "취소",
        "COMPLETED": "완료",
    },
    "reason": {
        "AGENT": "상담원 처리",
        "FINISHED": "처리 종료",
        "MAX_ATTEMPTS": "시도 횟수 초과",
        "CANCELLED_BY_ADMIN": "관리자 취소",
        "CANCELLED": "취소",
        "ABANDONED_IN_QUEUE": "대기 중 포기",
        "EXPIRED": "기한 만료",
    },
    "type": {"IMMEDIATE": "즉시", "SCHEDULED": "예약"},
    "overdue": {True: "예", False: "아니요"},
}
_TIME_COLUMNS = {"requested_at", "desired_time", "completed_at"}


def _value(row: CallbackRow, field: str, now: datetime, language: str) -> Any:
    value = row.is_overdue(now) if field == "overdue" else getattr(row, field)
    if language == "ko" and field in KOREAN_VALUES:
        return KOREAN_VALUES[field].get(value, value)
    return str(value) if isinstance(value, UUID) else value


def headers(language: str, timezone: ZoneInfo) -> list[str]:
    """The header row; time columns name the zone of their times."""
    return [
        f"{ko if language == 'ko' else en} ({timezone})"
        if field in _TIME_COLUMNS
        else (ko if language == "ko" else en)
        for field, en, ko in EXPORT_COLUMNS
    ]


def export_csv(
    rows: Iterable[CallbackRow],
    out: IO[str],
    *,
    timezone: ZoneInfo,
    now: datetime,
    language: str = "en",
) -> int:
    """Times ISO 8601 with their offset. `out`: a text stream (a file opened with
    newline="" and utf-8-sig for Excel, or standard output)."""
    count = 0
    writer = csv.writer(out)
    writer.writerow(headers(language, timezone))
    for row in rows:
        values = []
        for field, _, _ in EXPORT_COLUMNS:
            value = _value(row, field, now, language)
            if isinstance(value, datetime):
                value = value.astimezone(timezone).isoformat()
            values.append("" if value is None else value)
        writer.writerow(values)
        count += 1
    return count


def export_xlsx(
    rows: Iterable[CallbackRow],
    out: IO[bytes],
    *,
    timezone: ZoneInfo,
    now: datetime,
    language: str = "en",
) -> int:
    """Typed cells (times are Excel date-times in the contact center's zone), a frozen
    header row with filters, and columns as wide as the first rows' values."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("callbacks")
    head = headers(language, timezone)
    stream = iter(rows)
    sample = list(islice(stream, _WIDTH_SAMPLE))
    tables = [_cells(row, now, language, timezone) for row in sample]
    for i, title in enumerate(head):
        widest = max([_width(title), *(_width(t[i]) for t in tables)])
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(widest + 2, _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_styled(sheet, title, bold) for title in head])
    count = 0
    for values in chain(tables, (_cells(r, now, language, timezone) for r in stream)):
        sheet.append([_cell(sheet, v) for v in values])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(head))}{count + 1}"
    workbook.save(out)  # a zip streams to a pipe too (data descriptors)
    return count


def _cells(row: CallbackRow, now: datetime, language: str, timezone: ZoneInfo) -> list[Any]:
    values = []
    for field, _, _ in EXPORT_COLUMNS:
        value = _value(row, field, now, language)
        if isinstance(value, datetime):
            value = value.astimezone(timezone).replace(tzinfo=None)
        values.append(value)
    return values


def _cell(sheet: Any, value: Any) -> Any:
    if not isinstance(value, datetime):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = DATETIME_FORMAT
    return cell


def _styled(sheet: Any, value: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell


def _width(value: Any) -> int:
    """Characters of the value as shown; wide (CJK) ones count two."""
    if value is None:
        return 0
    text = DATETIME_FORMAT if isinstance(value, datetime) else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
