"""The SMS dispatcher, specified on a real store (SQLite) with the views following each
write and a clock the test moves: a reserved message leaves at its time, not before; a
message is handed over once; retries wait their backoff."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from adapters.background.sms_dispatcher import SmsDispatcher
from callback_domain import commands as c
from callback_domain.sms_message import SmsMessage, SmsState
from tests.factories import SUPERVISOR, T0
from tests.sms_recorder import RecordingProvider
from tests.unit.adapters.background.test_scheduler_spec import World
from tests.unit.callback_domain.test_sms_setup import JPEG, set_up, template

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import datetime
    from pathlib import Path
    from uuid import UUID

pytestmark = pytest.mark.anyio


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = World(tmp_path)
    await w.batcher.start()
    set_up(w.service)
    w.service.execute(template())
    yield w
    await w.batcher.stop()
    w.side.close()
    w.service.close()


def sent(world: World, reserve_at: datetime | None = None, send_id: str = "s") -> UUID:
    (queued,) = world.service.execute(
        c.SendSms(
            caller=SUPERVISOR,
            at=world.now,
            send_id=send_id,
            template_id="t1",
            message_type="SMS",
            sender="15881234",
            recipients="01012345678",
            body=template().body,
            reserve_at=reserve_at,
        )
    )
    world.follow()
    return queued.message_id  # type: ignore[no-any-return]


def state(world: World, message_id: UUID) -> SmsState:
    found = world.service.repository.get(message_id)
    assert isinstance(found, SmsMessage)
    return found.state


def provider(tmp_path: Path, mode: str = "sent") -> RecordingProvider:
    return RecordingProvider(tmp_path / "sms.jsonl", mode)


def calls(p: RecordingProvider) -> list[str]:
    return [x["message_id"] for x in p.lines() if x["kind"] == "call"]


async def test_a_reserved_message_leaves_at_its_time_not_before(
    world: World, tmp_path: Path
) -> None:
    p = provider(tmp_path)
    sut = SmsDispatcher(world.ctx, p)
    at = T0 + timedelta(hours=2)
    reserved, now = sent(world, at, "later"), sent(world, None, "now")

    await sut.round()
    world.now = at - timedelta(seconds=1)
    await sut.round()
    assert calls(p) == [str(now)]
    assert state(world, reserved) is SmsState.RESERVED

    world.now = at
    await sut.round()
    await sut.round()

    assert calls(p) == [str(now), str(reserved)]
    assert state(world, reserved) is SmsState.SENT


async def test_a_retryable_failure_waits_its_backoff(world: World, tmp_path: Path) -> None:
    p = provider(tmp_path, "flaky")
    sut = SmsDispatcher(world.ctx, p)
    message_id = sent(world)

    await sut.round()
    world.now += timedelta(milliseconds=999)
    await sut.round()
    assert (calls(p), state(world, message_id)) == ([str(message_id)], SmsState.SENDING)

    world.now += timedelta(milliseconds=1)
    await sut.round()

    assert calls(p) == [str(message_id)] * 2
    assert state(world, message_id) is SmsState.SENT


async def test_without_a_provider_nothing_is_handed_over(world: World) -> None:
    sut = SmsDispatcher(world.ctx, None)
    message_id = sent(world)

    assert sut.status == "no SMS provider configured"
    assert state(world, message_id) is SmsState.RESERVED


async def test_an_mms_is_handed_over_with_its_images(world: World, tmp_path: Path) -> None:
    p = provider(tmp_path)
    sut = SmsDispatcher(world.ctx, p)
    picture = (("map.jpg", JPEG),)
    world.service.execute(template("m1", message_type="MMS", subject="안내", images=picture))
    world.service.execute(
        c.SendSms(
            caller=SUPERVISOR,
            at=world.now,
            send_id="mms",
            template_id="m1",
            message_type="MMS",
            sender="15881234",
            recipients="01012345678",
            subject="안내",
            body=template().body,
        )
    )
    world.follow()

    await sut.round()

    (line,) = [x for x in p.lines() if x["kind"] == "call"]
    assert (line["type"], line["images"]) == ("MMS", 1)
