"""Every text filter of every read, fuzzed with text the stores cannot hold (NUL, lone
surrogates) among ordinary text: the answer is a result or `invalid_request`, never
`unavailable` (the store is up) nor `internal`. A NUL is refused naming its field."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import nats
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import ServiceProcess
from tests.serve_support import service_environment

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.e2e]
SV = {"Callbacks-Actor": "sv-fuzz", "Callbacks-Role": "SUPERVISOR"}
AGENT = {"Callbacks-Actor": "a-fuzz", "Callbacks-Role": "AGENT"}
PERIOD = {"from": "2026-01-01", "to": "2026-01-31"}
LIST_FIELDS = ("route", "phone", "agent", "agent_team", "assigner", "assigner_team", "cursor")
# (subject, the body around the fuzzed field, the fuzzed text fields, headers)
READS: list[tuple[str, dict[str, Any], tuple[str, ...], dict[str, str]]] = [
    ("query.search", {}, ("phone", "request_id"), SV),
    ("query.list", {}, LIST_FIELDS, SV),
    ("query.assignment-summary", {}, LIST_FIELDS[:-1], SV),
    ("query.treatment-rate", PERIOD, ("route", "agent"), SV),
    ("agent.a-fuzz.list", {}, ("route", "phone", "agent_team", "cursor"), AGENT),
]

any_char = st.characters(blacklist_categories=())  # surrogates (Cs) included
texts = st.one_of(
    st.text(any_char, max_size=12),
    st.builds(lambda a, b: f"{a}\x00{b}", st.text(any_char, max_size=5), st.text(max_size=5)),
    st.builds(lambda a: f"{a}\ud800", st.text(max_size=5)),
)


def surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


async def ask_all(url: str, prefix: str, values: list[str]) -> list[Asked]:
    """Every value in every text filter of every read, all at once."""
    nc = await nats.connect(url)
    try:

        async def one(subject: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
            # ASCII JSON: a lone surrogate travels as its \\ud800 escape, as JSON allows
            reply = await nc.request(
                f"{prefix}.{subject}", json.dumps(body).encode(), timeout=10, headers=headers
            )
            return json.loads(reply.data)

        asked = [
            (subject, field, value, {**base, field: value}, headers)
            for value in values
            for subject, base, fields, headers in READS
            for field in fields
        ]
        replies = await asyncio.gather(*(one(s, body, h) for s, _, _, body, h in asked))
        return [
            Asked(subject, field, value, reply)
            for (subject, field, value, _, _), reply in zip(asked, replies, strict=True)
        ]
    finally:
        await nc.close()


@dataclass(frozen=True)
class Asked:
    subject: str
    field: str
    value: str
    reply: dict[str, Any]

    @property
    def code(self) -> str | None:
        return None if self.reply["ok"] else str(self.reply["error"]["code"])

    @property
    def named(self) -> set[str]:
        return set() if self.reply["ok"] else {d["field"] for d in self.reply["error"]["details"]}


@pytest.fixture
def service(
    database_url: str, nats_server: EmbeddedNatsServer, tmp_path: Path
) -> Iterator[ServiceProcess]:
    """A service on SQLite and one on PostgreSQL (whose text refuses NUL)."""
    env = service_environment(
        database_url=database_url,
        nats_url=nats_server.url,
        prefix=f"fz{uuid.uuid4().hex[:10]}",
        data_dir=str(tmp_path / "data"),
        auth="off",  # fuzzing the payloads: callers named by headers
    )
    process = ServiceProcess(env, tmp_path).start()
    yield process
    process.kill()
    print(f"--- callbacks serve ---\n{process.output()}")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=st.lists(texts, min_size=1, max_size=4))
def test_text_filters_are_refused_by_field_never_answered_unavailable(
    service: ServiceProcess, nats_server: EmbeddedNatsServer, values: list[str]
) -> None:
    for asked in asyncio.run(ask_all(nats_server.url, service.prefix, values)):
        assert asked.code not in {"unavailable", "internal"}, asked
        if surrogate(asked.value):  # not even JSON to the service's parser: the body refused
            assert asked.code == "invalid_request", asked
        elif "\x00" in asked.value:
            assert asked.code == "invalid_request", asked
            assert asked.field in asked.named, asked


def test_a_nul_in_a_phone_search_is_an_invalid_phone(
    service: ServiceProcess, nats_server: EmbeddedNatsServer
) -> None:
    """The issue's example, as it was seen: `{"phone": "a\\u0000b"}` answered unavailable."""
    (asked,) = [
        a
        for a in asyncio.run(ask_all(nats_server.url, service.prefix, ["a\x00b"]))
        if (a.subject, a.field) == ("query.search", "phone")
    ]
    assert asked.code == "invalid_request" and asked.named == {"phone"}, asked
