"""The console's pages as the Content-Security-Policy needs them (no inline script, style
or handler), its menu per role, its CSRF token and its same-origin check."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from starlette.requests import Request

from adapters.web.console import session
from adapters.web.console.screens import SCREENS, Me, home_of

CONSOLE = resources.files("adapters.web.console")


def _templates() -> list[tuple[str, str]]:
    folder = CONSOLE / "templates"
    return [(f.name, f.read_text(encoding="utf-8")) for f in folder.iterdir()]


def test_no_template_has_inline_script_style_or_handlers() -> None:
    for name, text in _templates():
        assert not re.search(r"\sstyle\s*=", text), name
        assert not re.search(r"\son[a-z]+\s*=", text), name
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (name, tag)
        assert "http://" not in text and "https://" not in text, name  # nothing from a CDN


def test_every_screen_has_its_template() -> None:
    names = {name for name, _ in _templates()}
    assert {f"{s.key}.html" for s in SCREENS} <= names


@pytest.mark.parametrize(
    ("me", "menu"),
    [
        (Me("kim", "AGENT", permissions=("call",)), ["agent"]),
        (
            Me("lee", "AGENT", teams=("a",), permissions=("call", "assign")),
            [
                "agent",
                "list",
                "assign",
                "unassign",
                "report",
                "cancel",
                "sms_send",
                "sms_messages",
            ],
        ),
        (
            Me("sup", "SUPERVISOR"),
            ["list", "assign", "unassign", "report", "cancel", "sms_send", "sms_messages"],
        ),
        (Me("mon", "MONITOR"), ["list", "report", "sms_messages"]),
        (
            Me("admin", "ADMIN"),
            [
                "list",
                "assign",
                "unassign",
                "report",
                "cancel",
                "sms_send",
                "sms_messages",
                "agents",
                "routes",
                "sms",
            ],
        ),
        (Me("ivr", "IVR"), []),
    ],
)
def test_the_menu_shows_each_role_its_screens(me: Me, menu: list[str]) -> None:
    assert [s.key for s in SCREENS if s.in_menu and s.shown_to(me)] == menu
    home = home_of(me)
    assert home == (next(s.path for s in SCREENS if s.key == menu[0]) if menu else None)


def test_the_csrf_token_belongs_to_its_session() -> None:
    mine, other = session.csrf_of("token-a"), session.csrf_of("token-b")
    assert mine != other and len(mine) >= 40
    assert session.csrf_ok("token-a", mine)
    assert not session.csrf_ok("token-a", other)
    assert not session.csrf_ok("token-a", None)
    assert not session.csrf_ok("token-a", "")


def _request(origin: str | None, scheme: str = "http") -> Request:
    headers = [(b"host", b"console.example:8080")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": scheme,
        "path": "/login",
        "headers": headers,
        "server": ("console.example", 8080),
        "query_string": b"",
    }
    return Request(scope)


def test_a_post_from_another_origin_or_a_null_origin_is_refused() -> None:
    assert session.same_origin(_request("http://console.example:8080"))
    assert session.same_origin(_request(None))  # not a browser: its CSRF token decides
    assert not session.same_origin(_request("https://evil.example"))
    assert not session.same_origin(_request("null"))
    assert not session.same_origin(_request("http://console.example:8080", scheme="https"))
    assert session.secure(_request(None, scheme="https"))


def test_the_session_cookie_is_secure_behind_tls() -> None:
    from starlette.responses import Response

    for scheme, secure in (("https", True), ("http", False)):
        response = Response()
        session.keep(response, _request(None, scheme=scheme), "token", expires_at=2**31)
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert ("Secure" in cookie) is secure


def test_the_wheel_ships_every_asset_of_the_console() -> None:
    """pyproject's package-data globs match every template, script, stylesheet and words
    file (an image without them would serve the console's pages as 500s)."""
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[4]
    data = tomllib.loads((root / "pyproject.toml").read_text())
    globs = data["tool"]["setuptools"]["package-data"]["adapters.web.console"]
    folder = root / "src" / "adapters" / "web" / "console"
    assets = [
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    ]
    assert assets
    assert all(any(fnmatch.fnmatch(a, g) for g in globs) for a in assets), assets
