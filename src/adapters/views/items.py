"""Rows as integrators see them: the list item of CONTRACT.md, and export columns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from projections.callback_list import CallbackRow


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def list_item(row: CallbackRow, now: datetime) -> dict[str, Any]:
    """A list item: CONTRACT.md's fields (with its additions `request_id`,
    `phone_national`, `routing_team`, `completed_at`, `offered` and `offer_expires_at`)."""
    return {
        "callback_id": str(row.callback_id),
        "request_id": row.request_id,
        "requested_at": _iso(row.requested_at),
        "desired_time": _iso(row.desired_time),
        "route": row.route,
        "state": row.state,
        "status": row.status,
        "reason": row.reason,
        "completed_at": _iso(row.completed_at),
        "phone": row.phone,
        "phone_national": row.phone_national,
        "assigner": row.assigner,
        "agent": row.agent,
        "team": row.team,
        "attempts": row.attempts,
        "type": row.type,
        "customer_timezone": row.customer_timezone,
        "remark": row.remark,
        "overdue": row.is_overdue(now),
        "routing_team": row.routing_team,
        "offered": row.offered,
        "offer_expires_at": _iso(row.offer_expires_at),
    }


# (field, English header, Korean header as NHN Online Contact users know it)
EXPORT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("callback_id", "Callback ID", "콜백 ID"),
    ("request_id", "Request ID", "요청 ID"),
    ("requested_at", "Requested at", "요청 일시"),
    ("desired_time", "Desired time", "희망 일시"),
    ("route", "Route", "IVR 경로"),
    ("state", "State", "상태"),
    ("status", "Status", "처리 상태"),
    ("reason", "Reason", "완료 사유"),
    ("phone", "Phone", "전화번호"),
    ("phone_national", "Phone (national)", "전화번호 (국내)"),
    ("assigner", "Assigner", "분배자"),
    ("agent", "Agent", "담당자"),
    ("team", "Team", "그룹"),
    ("routing_team", "Routing team", "배정 그룹"),
    ("attempts", "Attempts", "전화 시도 횟수"),
    ("type", "Type", "유형"),
    ("customer_timezone", "Customer time zone", "고객 시간대"),
    ("remark", "Remark", "메모"),
    ("overdue", "Overdue", "기한 초과"),
    ("completed_at", "Completed at", "완료 일시"),
)
