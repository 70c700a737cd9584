"""NHN Cloud's SMS API (Notification > SMS, API v3.0) as a provider.

What the documentation says, and what we send:
- `POST {url}/sms/v3.0/appKeys/{appKey}/sender/sms` with `{"body", "sendNo",
  "senderGroupingKey", "recipientList": [{"recipientNo", "recipientGroupingKey"}],
  "userId"}`; MMS: `.../sender/mms` with `"title"` and `"attachFileIdList": [fileId]`.
  Header `X-Secret-Key` (the secret key made in the console; v3.0 requires it).
- An image is uploaded first: `POST .../attachfile/binaryUpload` with `{"fileName",
  "createUser", "fileBody": base64}` (name at most 45 characters ending in lower-case
  `.jpg`/`.jpeg`, at most 300 KB) → `body.data.fileId`.
- Every answer: `{"header": {"isSuccessful", "resultCode", "resultMessage"}, "body":
  {"data": {"requestId", "statusCode", "senderGroupingKey", "sendResultList":
  [{"recipientNo", "resultCode", "resultMessage", "recipientSeq",
  "recipientGroupingKey"}]}}}`.

Outcomes: accepted (isSuccessful, the recipient's resultCode 0) → SENT with
provider_id = requestId; refused (a 4xx, or isSuccessful false / a recipient's non-zero
resultCode with a code other than NHN's system errors) → FAILED, not retryable, with
NHN's resultMessage; a timeout, a 5xx, a 429, a connection error or a system error code
(-9999, -2021, -2009) → FAILED, retryable.

Duplicates: this API has no idempotency key. The dispatcher records each hand-over's
answer and retries only after a retryable FAILED; a refused connection, a refusal, a 5xx
or a failed upload sent nothing. A timeout after the send request went out is the one
ambiguous case (NHN may have taken it): its reason says so, and `senderGroupingKey` and
`recipientGroupingKey` carry the message id, which NHN echoes in its answer and stores
with the message. Before such a message is sent again, this provider asks NHN's list
API (`GET .../sender/sms` or `.../sender/mms` with `senderGroupingKey` and a
`startRequestDate`/`endRequestDate` window) whether it holds a request for it, and answers
SENT with that requestId instead of sending twice. What it remembers lives in the
process: after a restart, a retry of such a message is sent without the look-up (the
grouping keys still let an operator find a duplicate).

Assumptions (not confirmed from the v3.0 page itself; confirmed from the v2.x pages and
v3.0 clients): the request and answer shapes above are v2.2's, unchanged in v3.0; the
system-error codes are taken from the error-code page (-9999 "System error", -2021
"System error", -2009 "attachment not uploaded due to a server error"); the list API's
dates (`yyyy-MM-dd HH:mm:ss`) are Korean time, and its answer is `body.data: [{"requestId",
...}]` (v2.2's list answer).
"""

from __future__ import annotations

import base64
import logging
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx

from adapters.sms.port import Delivery, Image, Outbound

if TYPE_CHECKING:
    from collections.abc import Mapping

log = logging.getLogger(__name__)
API = "sms/v3.0"
DEFAULT_URL = "https://api-sms.cloud.toast.com"
TIMEOUT = 10.0
RETRYABLE_CODES = frozenset({-9999, -2021, -2009})
TITLE_BYTES = 40  # EUC-KR bytes of an MMS title
SEOUL = ZoneInfo("Asia/Seoul")  # NHN's dates are Korean time (assumed; see above)
NHN_TIME = "%Y-%m-%d %H:%M:%S"
LOOK_BACK = timedelta(minutes=10)


class _Answer(Exception):  # noqa: N818 - carries a Delivery out of the request helpers
    def __init__(self, delivery: Delivery, *, unsure: bool = False) -> None:
        self.delivery, self.unsure = delivery, unsure


class NhnCloudProvider:
    """Sends each message with one request to NHN Cloud (MMS images uploaded first).

    A message whose send request got no answer is remembered (in this process): before it
    is sent again, NHN's list API is asked for a request with its message id as
    `senderGroupingKey` in the time since; if there is one, that is the answer (SENT), and
    nothing is sent twice.
    """

    name = "nhn"

    def __init__(
        self,
        *,
        app_key: str,
        secret_key: str,
        url: str = DEFAULT_URL,
        user_id: str = "callbacks",
        timeout: float = TIMEOUT,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base = f"{url.rstrip('/')}/{API}/appKeys/{app_key}"
        self.user_id = user_id
        self.client = client or httpx.AsyncClient(timeout=timeout)
        self.headers = {
            "X-Secret-Key": secret_key,
            "Content-Type": "application/json;charset=UTF-8",
        }
        self.unsure: dict[str, datetime] = {}  # message id → when its answer was lost

    async def send(self, message: Outbound) -> Delivery:
        sender = "sender/mms" if message.type == "MMS" else "sender/sms"
        try:
            if message.message_id in self.unsure:
                found = await self._find(sender, message.message_id)
                if found is not None:
                    del self.unsure[message.message_id]
                    return found
            if message.type == "MMS":
                files = [await self._upload(image) for image in message.images]
                data = await self._request("POST", sender, _mms(message, files, self.user_id))
            else:
                data = await self._request("POST", sender, _sms(message, self.user_id))
        except _Answer as answer:
            if answer.unsure:
                self.unsure.setdefault(message.message_id, datetime.now(SEOUL))
            if answer.delivery.retryable:
                log.warning("sms %s: NHN: %s", message.message_id, answer.delivery.reason)
            return answer.delivery
        self.unsure.pop(message.message_id, None)
        return _recipient_outcome(data if isinstance(data, dict) else {})

    async def close(self) -> None:
        await self.client.aclose()

    async def _find(self, sender: str, message_id: str) -> Delivery | None:
        """The outcome of an earlier request for `message_id` NHN holds, if it holds one
        (a failed look-up is a retryable FAILED: better late than twice)."""
        since = self.unsure[message_id] - LOOK_BACK
        until = datetime.now(SEOUL) + LOOK_BACK
        found = await self._request(
            "GET",
            sender,
            params={
                "senderGroupingKey": message_id,
                "startRequestDate": since.strftime(NHN_TIME),
                "endRequestDate": until.strftime(NHN_TIME),
                "pageSize": 1,
            },
        )
        if isinstance(found, list) and found and isinstance(found[0], dict):
            request_id = found[0].get("requestId")
            return Delivery("SENT", provider_id=str(request_id) if request_id else None)
        return None

    async def _upload(self, image: Image) -> int:
        data = await self._request(
            "POST",
            "attachfile/binaryUpload",
            {
                "fileName": _file_name(image.name),
                "createUser": self.user_id,
                "fileBody": base64.b64encode(image.jpeg).decode(),
            },
        )
        file_id = data.get("fileId") if isinstance(data, dict) else None
        if not isinstance(file_id, int):
            raise _Answer(Delivery("FAILED", reason="NHN's upload answer had no fileId"))
        return file_id

    async def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """`body.data` of a successful answer; raises _Answer with the FAILED otherwise."""
        try:
            response = await self.client.request(
                method, f"{self.base}/{path}", json=body, params=params, headers=self.headers
            )
        except httpx.TimeoutException as e:
            sent = not isinstance(e, httpx.ConnectTimeout | httpx.PoolTimeout)
            reason = (
                "no answer from NHN in time; it may have been sent (look for its message id as "
                "senderGroupingKey)"
                if sent
                else "NHN could not be reached in time"
            )
            unsure = sent and method == "POST" and path.startswith("sender/")
            failed = Delivery("FAILED", reason=reason, retryable=True)
            raise _Answer(failed, unsure=unsure) from None
        except httpx.HTTPError as e:
            reason = f"NHN could not be reached: {type(e).__name__} {e}".strip()
            raise _Answer(Delivery("FAILED", reason=reason, retryable=True)) from None
        return _data(response)


def _sms(message: Outbound, user_id: str) -> dict[str, Any]:
    return {
        "body": message.body,
        "sendNo": message.sender,
        "senderGroupingKey": message.message_id,
        "recipientList": [
            {"recipientNo": message.recipient, "recipientGroupingKey": message.message_id}
        ],
        "userId": user_id,
    }


def _mms(message: Outbound, files: list[int], user_id: str) -> dict[str, Any]:
    body = _sms(message, user_id)
    body["title"] = message.subject or _title_from(message.body)
    if files:
        body["attachFileIdList"] = files
    return body


def _title_from(body: str) -> str:
    """NHN requires an MMS title: the body's first line, cut to 40 EUC-KR bytes."""
    title = ""
    for char in body.strip().split("\n", 1)[0]:
        if len((title + char).encode("cp949", errors="replace")) > TITLE_BYTES:
            break
        title += char
    return title or "-"


def _file_name(name: str) -> str:
    """At most 45 characters ending in a lower-case .jpg (NHN refuses anything else)."""
    stem = re.sub(r"\.(jpe?g)$", "", name.strip(), flags=re.IGNORECASE) or "image"
    return f"{stem[:41]}.jpg"


def _data(response: httpx.Response) -> Any:
    status = response.status_code
    try:
        answer = response.json()
    except ValueError:
        answer = None
    header: Mapping[str, Any] = answer.get("header", {}) if isinstance(answer, dict) else {}
    code, text = header.get("resultCode"), header.get("resultMessage")
    said = f"NHN {code}: {text}" if code is not None else f"NHN answered HTTP {status}"
    if status >= 500 or status == 429:
        raise _Answer(Delivery("FAILED", reason=said, retryable=True))
    if status >= 400 or header.get("isSuccessful") is not True:
        retryable = code in RETRYABLE_CODES
        raise _Answer(Delivery("FAILED", reason=said, retryable=retryable))
    body = answer.get("body") if isinstance(answer, dict) else None
    return body.get("data") if isinstance(body, dict) else None


def _recipient_outcome(data: Mapping[str, Any]) -> Delivery:
    request_id = data.get("requestId")
    provider_id = str(request_id) if request_id is not None else None
    results = data.get("sendResultList") or []
    result = results[0] if results and isinstance(results[0], dict) else {}
    code = result.get("resultCode", 0)
    if code != 0:
        reason = f"NHN {code}: {result.get('resultMessage')}"
        retryable = code in RETRYABLE_CODES
        return Delivery("FAILED", reason=reason, retryable=retryable, provider_id=provider_id)
    return Delivery("SENT", provider_id=provider_id)
