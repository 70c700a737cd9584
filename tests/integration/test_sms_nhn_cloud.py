"""The NHN Cloud provider against a loopback stand-in for NHN's SMS API v3.0: the requests
it makes (path with the app key, X-Secret-Key, the body's fields, images uploaded first)
and the Delivery of each kind of answer."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.sms.nhn_cloud import NhnCloudProvider
from adapters.sms.port import Image, Outbound

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

APP_KEY, SECRET = "app-Key_1", "s3cret"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20 + b"\xff\xd9"


def ok(data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    header = {"isSuccessful": True, "resultCode": 0, "resultMessage": "SUCCESS"}
    return 200, {"header": header, "body": {"data": data}}


def sent(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    recipient = request["recipientList"][0]
    return ok(
        {
            "requestId": "20261130100630ReZQ6KZzAH0",
            "statusCode": "2",
            "senderGroupingKey": request.get("senderGroupingKey"),
            "sendResultList": [
                {
                    "recipientNo": recipient["recipientNo"],
                    "resultCode": 0,
                    "resultMessage": "SUCCESS",
                    "recipientSeq": 1,
                    "recipientGroupingKey": recipient.get("recipientGroupingKey"),
                }
            ],
        }
    )


def refused(code: int, message: str, status: int = 200) -> tuple[int, dict[str, Any]]:
    header = {"isSuccessful": False, "resultCode": code, "resultMessage": message}
    return status, {"header": header, "body": None}


class StandIn(BaseHTTPRequestHandler):
    """Keeps each request; answers with `answer(path, body)` (or hangs on "hang");
    a GET's body is {}."""

    requests: ClassVar[list[tuple[str, dict[str, str], dict[str, Any]]]] = []
    answer: ClassVar[Any] = None

    def do_GET(self) -> None:
        self.answer_with({})

    def do_POST(self) -> None:
        self.answer_with(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))

    def answer_with(self, body: dict[str, Any]) -> None:
        type(self).requests.append((self.path, dict(self.headers.items()), body))
        answer = type(self).answer(self.path, body)
        if answer == "hang":
            time.sleep(1.5)
            return
        status, payload = answer
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def nhn() -> Iterator[tuple[str, type[StandIn]]]:
    """The stand-in on 127.0.0.1 and a free port: its URL and its handler class."""
    handler = type("Handler", (StandIn,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def provider(url: str, timeout: float = 5.0) -> NhnCloudProvider:
    return NhnCloudProvider(url=url, app_key=APP_KEY, secret_key=SECRET, timeout=timeout)


SMS = Outbound(
    message_id="7d1e1c1e-0000-4000-8000-000000000001",
    type="SMS",
    sender="15881234",
    recipient="01012345678",
    subject=None,
    body="고객님, 곧 연락드리겠습니다.",
)
MMS = Outbound(
    message_id="7d1e1c1e-0000-4000-8000-000000000002",
    type="MMS",
    sender="15881234",
    recipient="01098765432",
    subject="콜백 안내",
    body="약도를 보내드립니다.",
    images=(Image("약도.JPG", JPEG), Image("second.jpeg", JPEG)),
)


async def test_an_sms_is_one_request_with_the_documented_shape(
    nhn: tuple[str, type[StandIn]],
) -> None:
    url, stand_in = nhn
    stand_in.answer = staticmethod(lambda _path, body: sent(body))
    sut = provider(url)

    delivery = await sut.send(SMS)
    await sut.close()

    [(path, headers, body)] = stand_in.requests
    assert path == f"/sms/v3.0/appKeys/{APP_KEY}/sender/sms"
    assert headers["X-Secret-Key"] == SECRET
    assert headers["Content-Type"].startswith("application/json")
    assert body == {
        "body": "고객님, 곧 연락드리겠습니다.",
        "sendNo": "15881234",
        "senderGroupingKey": SMS.message_id,
        "recipientList": [{"recipientNo": "01012345678", "recipientGroupingKey": SMS.message_id}],
        "userId": "callbacks",
    }
    assert delivery.state == "SENT" and delivery.provider_id == "20261130100630ReZQ6KZzAH0"


async def test_an_mms_uploads_its_images_first_and_sends_their_file_ids(
    nhn: tuple[str, type[StandIn]],
) -> None:
    url, stand_in = nhn
    file_ids = iter([307917, 307918])

    def answer(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path.endswith("/attachfile/binaryUpload"):
            return ok({"fileId": next(file_ids), "fileName": body["fileName"]})
        return sent(body)

    stand_in.answer = staticmethod(answer)
    sut = provider(url)

    delivery = await sut.send(MMS)
    await sut.close()

    base = f"/sms/v3.0/appKeys/{APP_KEY}"
    paths = [path for path, _, _ in stand_in.requests]
    uploads = [body for _, _, body in stand_in.requests[:2]]
    _, _, mms = stand_in.requests[2]
    assert paths == [f"{base}/attachfile/binaryUpload"] * 2 + [f"{base}/sender/mms"]
    assert all(h["X-Secret-Key"] == SECRET for _, h, _ in stand_in.requests)
    assert [u["fileName"] for u in uploads] == ["약도.jpg", "second.jpg"]
    assert {u["createUser"] for u in uploads} == {"callbacks"}
    assert [base64.b64decode(u["fileBody"]) for u in uploads] == [JPEG, JPEG]
    assert mms["title"] == "콜백 안내" and mms["body"] == "약도를 보내드립니다."
    assert mms["attachFileIdList"] == [307917, 307918]
    assert mms["senderGroupingKey"] == MMS.message_id
    assert mms["recipientList"][0]["recipientNo"] == "01098765432"
    assert delivery.state == "SENT"


@pytest.mark.parametrize(
    ("answer", "state", "retryable", "reason"),
    [
        (refused(-2019, "Recipient number is invalid"), "FAILED", False, "NHN -2019"),
        (refused(-1000, "Invalid appkey", status=400), "FAILED", False, "Invalid appkey"),
        (refused(-9999, "System error"), "FAILED", True, "System error"),
        ((500, {"error": "Internal Server Error"}), "FAILED", True, "HTTP 500"),
        ((503, {}), "FAILED", True, "HTTP 503"),
        ((429, {}), "FAILED", True, "HTTP 429"),
        ("hang", "FAILED", True, "may have been sent"),
    ],
    ids=["refused number", "bad key", "system error", "500", "503", "429", "hang"],
)
async def test_each_answer_becomes_its_delivery(
    nhn: tuple[str, type[StandIn]], answer: Any, state: str, retryable: bool, reason: str
) -> None:
    url, stand_in = nhn
    stand_in.answer = staticmethod(lambda _path, _body: answer)
    sut = provider(url, timeout=0.5)

    delivery = await sut.send(SMS)
    await sut.close()

    assert (delivery.state, delivery.retryable) == (state, retryable)
    assert delivery.reason is not None and reason in delivery.reason


async def test_a_recipient_refused_inside_a_successful_answer_is_a_failure(
    nhn: tuple[str, type[StandIn]],
) -> None:
    url, stand_in = nhn

    def answer(_path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, payload = sent(body)
        payload["body"]["data"]["sendResultList"][0] |= {
            "resultCode": -2019,
            "resultMessage": "Recipient number is invalid",
        }
        return status, payload

    stand_in.answer = staticmethod(answer)
    sut = provider(url)

    delivery = await sut.send(SMS)
    await sut.close()

    assert (delivery.state, delivery.retryable) == ("FAILED", False)
    assert delivery.reason == "NHN -2019: Recipient number is invalid"
    assert delivery.provider_id == "20261130100630ReZQ6KZzAH0"


async def test_a_failed_upload_sends_nothing_and_may_be_retried(
    nhn: tuple[str, type[StandIn]],
) -> None:
    url, stand_in = nhn
    stand_in.answer = staticmethod(lambda _path, _body: (502, {}))
    sut = provider(url)

    delivery = await sut.send(MMS)
    await sut.close()

    assert [p.rsplit("/", 1)[1] for p, _, _ in stand_in.requests] == ["binaryUpload"]
    assert (delivery.state, delivery.retryable) == ("FAILED", True)


async def test_nobody_listening_is_a_retryable_failure() -> None:
    sut = provider("http://127.0.0.1:9", timeout=0.5)

    delivery = await sut.send(SMS)
    await sut.close()

    assert (delivery.state, delivery.retryable) == ("FAILED", True)
    assert delivery.reason is not None and "could not be reached" in delivery.reason


class TestAnAnswerLost:
    """The send request went out and no answer came: NHN may hold the message."""

    @staticmethod
    def listed(found: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        header = {"isSuccessful": True, "resultCode": 0, "resultMessage": "SUCCESS"}
        return 200, {"header": header, "body": {"totalCount": len(found), "data": found}}

    async def test_a_retry_finds_the_request_nhn_took_and_sends_nothing_again(
        self, nhn: tuple[str, type[StandIn]]
    ) -> None:
        url, stand_in = nhn
        answers = iter(["hang", self.listed([{"requestId": "2026113010R", "msgStatus": "3"}])])
        stand_in.answer = staticmethod(lambda _path, _body: next(answers))
        sut = provider(url, timeout=0.5)

        lost = await sut.send(SMS)
        retried = await sut.send(SMS)
        await sut.close()

        (first, _, _), (look_up, headers, _) = stand_in.requests
        query = parse_qs(urlsplit(look_up).query)
        assert (lost.state, lost.retryable) == ("FAILED", True)
        assert first == f"/sms/v3.0/appKeys/{APP_KEY}/sender/sms"
        assert urlsplit(look_up).path == first and headers["X-Secret-Key"] == SECRET
        assert query["senderGroupingKey"] == [SMS.message_id]
        assert {"startRequestDate", "endRequestDate"} <= set(query)
        assert (retried.state, retried.provider_id) == ("SENT", "2026113010R")

    async def test_a_retry_sends_again_when_nhn_holds_nothing(
        self, nhn: tuple[str, type[StandIn]]
    ) -> None:
        url, stand_in = nhn
        answers = iter(["hang", self.listed([])])

        def answer(_path: str, body: dict[str, Any]) -> Any:
            return next(answers, None) or sent(body)

        stand_in.answer = staticmethod(answer)
        sut = provider(url, timeout=0.5)

        await sut.send(SMS)
        retried = await sut.send(SMS)
        again = await sut.send(SMS)  # answered: no look-up any more
        await sut.close()

        methods = [("GET" if "?" in p else "POST") for p, _, _ in stand_in.requests]
        assert methods == ["POST", "GET", "POST", "POST"]
        assert retried.state == again.state == "SENT"
