"""The console in a real browser: `callbacks serve` (SQLite, the tests' NATS, HTTP on a
free port) driven by Playwright for Python through Debian's Chromium (`chromium`, found on
the PATH or at CALLBACKS_TEST_CHROMIUM; no browser download exists here).

Where no Chromium is installed the browser tests are skipped with the reason, except with
`CI=true`, where they fail (`.ci/run` installs it).

Screenshots go to CALLBACKS_SCREENSHOTS (default `build/screenshots`); the README links
the copies committed under docs/screenshots, made with
`CALLBACKS_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/browser`."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.conftest import ServiceProcess
from tests.serve_support import service_environment
from tests.tokens import Tokens

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

    from adapters.messaging.nats_server import EmbeddedNatsServer

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"  # every test user's password


def _chromium() -> str | None:
    found = os.environ.get("CALLBACKS_TEST_CHROMIUM") or shutil.which("chromium")
    return found if found and Path(found).exists() else None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    found = _chromium()
    if found is None:
        reason = "no Chromium here: apt-get install chromium (or set CALLBACKS_TEST_CHROMIUM)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Per module, not per session: while Playwright's sync API runs, its event loop is the
    thread's running loop, and every async test after it would fail to start its own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright, chromium_path: str) -> Iterator[Browser]:
    # --no-sandbox: the tests may run as root (containers, CI), where Chromium's sandbox
    # refuses to start.
    launched = playwright.chromium.launch(
        executable_path=chromium_path, args=["--no-sandbox", "--disable-dev-shm-usage"]
    )
    yield launched
    launched.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Console:
    """One running service with HTTP: its address, tokens for setting it up through `/api`,
    and browser pages logged in as its users."""

    base_url: str
    tokens: Tokens
    browser: Browser
    process: ServiceProcess
    contexts: list[BrowserContext] = field(default_factory=list)

    def ask(
        self, subject: str, payload: dict[str, Any], actor: str = "admin", role: str = "ADMIN"
    ) -> tuple[bool, dict[str, Any]]:
        """A request through `/api` with a token: (ok, data or error)."""
        response = httpx.post(
            f"{self.base_url}/api/{subject.replace('.', '/')}",
            json=payload,
            headers={"Authorization": f"Bearer {self.tokens.token(actor, role)}"},
            timeout=15,
        )
        body = response.json()
        return body["ok"], body.get("data") or body.get("error") or {}

    def ok(
        self, subject: str, payload: dict[str, Any], actor: str = "admin", role: str = "ADMIN"
    ) -> dict[str, Any]:
        good, data = self.ask(subject, payload, actor, role)
        assert good, f"{subject} {payload} -> {data}"
        return data

    def agent(
        self,
        agent_id: str,
        *,
        teams: tuple[str, ...] = (),
        permissions: tuple[str, ...] = ("call",),
        logged_in: bool = True,
    ) -> None:
        """An agent in the directory with PASSWORD, logged in to CTI (or not)."""
        self.ok(
            "admin.agent-upsert",
            {
                "agent_id": agent_id,
                "name": agent_id.title(),
                "teams": list(teams),
                "permissions": list(permissions),
            },
        )
        self.ok("admin.password-set", {"user": agent_id, "password": PASSWORD})
        self.ok(f"cti.presence.{agent_id}", {"logged_in": logged_in}, "cti", "CTI")

    def user(self, name: str, role: str, routes: list[str] | None = None) -> None:
        """A supervisor, monitor or administrator with PASSWORD."""
        self.ok("admin.user-upsert", {"user": name, "role": role, "routes": routes})
        self.ok("admin.password-set", {"user": name, "password": PASSWORD})

    def callback(self, phone: str, route: str = "sales", **fields: Any) -> dict[str, Any]:
        """An immediate callback requested by the IVR."""
        payload = {"request_id": uuid.uuid4().hex, "phone": phone, "route": route, **fields}
        return self.ok("intake.request", payload, "ivr", "IVR")

    def page(self, user: str, *, lang: str = "en", password: str = PASSWORD) -> Page:
        """A browser context of its own (cookies apart, notifications allowed), logged in."""
        context = self.browser.new_context(
            base_url=self.base_url, locale="en-US" if lang == "en" else "ko-KR"
        )
        context.grant_permissions(["notifications"], origin=self.base_url)
        self.contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("User" if lang == "en" else "사용자").fill(user)
        page.get_by_label("Password" if lang == "en" else "비밀번호").fill(password)
        page.get_by_role("button", name="Log in" if lang == "en" else "로그인").click()
        page.wait_for_url(lambda url: "/login" not in url)
        return page


@pytest.fixture
def console(browser: Browser, nats_server: EmbeddedNatsServer, tmp_path: Path) -> Iterator[Console]:
    tokens = Tokens(tmp_path / "data")
    port = _free_port()
    env = service_environment(
        database_url=f"sqlite:///{tmp_path / 'events.sqlite'}",
        nats_url=nats_server.url,
        prefix=f"b{uuid.uuid4().hex[:10]}",
        data_dir=str(tmp_path / "data"),
        timezone="Asia/Seoul",
        http_port=str(port),
    )
    process = ServiceProcess(env, tmp_path).start()
    running = Console(f"http://127.0.0.1:{port}", tokens, browser, process)
    try:
        yield running
    finally:
        for context in running.contexts:
            context.close()
        process.kill()
        print(f"--- callbacks serve ---\n{process.output()}")


# Before a page's own scripts (an init script is not subject to its Content-Security-Policy):
# browser notifications recorded in `window.__notified` instead of shown, and
# `window.__ready` set once the page's live stream is subscribed (its "ready" event).
INSTRUMENT = """
window.__ready = false;
const OriginalEventSource = window.EventSource;
window.EventSource = class extends OriginalEventSource {
  constructor(...args) {
    super(...args);
    this.addEventListener("ready", () => { window.__ready = true; });
  }
};
window.__notified = [];
window.Notification = function (title, options) {
  window.__notified.push({ title, body: options && options.body });
};
window.Notification.permission = "granted";
window.Notification.requestPermission = async () => "granted";
"""


def wait_for(page: Page, expression: str, timeout: float = 15.0) -> None:
    """Until `expression` is true in the page. Not `page.wait_for_function`: it polls by
    `eval` inside the page, which the console's Content-Security-Policy (rightly) refuses
    whenever the first try is false; `page.evaluate` runs outside the page's policy."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            msg = f"still false after {timeout} s: {expression}"
            raise AssertionError(msg)
        time.sleep(0.05)


def screenshot(page: Page, name: str) -> Path:
    """The page as a PNG under CALLBACKS_SCREENSHOTS (default build/screenshots)."""
    folder = Path(os.environ.get("CALLBACKS_SCREENSHOTS") or ROOT / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page: Page) -> None:
    """axe-core's checks on the page as it is: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(n.get("target")) for n in v.get("nodes", [])[:5])
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, "axe-core found:\n" + "\n".join(bad)
