"""The console's pages: login and logout, the language choice, and each screen of
`screens.SCREENS` rendered for the signed-in user (who they are comes from `auth.whoami`
with the session's token, never from the page)."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from adapters.web.console import session
from adapters.web.console.screens import SCREENS, Me, Screen, home_of
from adapters.web.console.words import LANGUAGES, language_of, words

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.requests import Request

    from adapters.web.api import Api

_FORM_LIMIT = 64 * 1024
_LOGIN_REFUSALS = {"unauthenticated": "login.failed", "unavailable": "login.unavailable"}


class Pages:
    def __init__(self, api: Api, *, timezone: Callable[[], str]) -> None:
        self.api, self.timezone = api, timezone
        self.templates = Environment(
            loader=PackageLoader("adapters.web.console", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def routes(self) -> list[Route | Mount]:
        static = StaticFiles(directory=str(resources.files("adapters.web.console") / "static"))
        return [
            Route("/", self.home, methods=["GET"]),
            Route("/login", self.login_form, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/lang", self.language, methods=["POST"]),
            *(Route(s.path, self._screen(s), methods=["GET"], name=s.key) for s in SCREENS),
            Mount("/static", static, name="static"),
        ]

    async def me(self, request: Request) -> Me | None:
        """The signed-in user, or None (no session, or its token no longer holds)."""
        token = session.token_of(request)
        if token is None:
            return None
        code, data = await self.api.call("auth.whoami", {}, token)
        return Me.of(data) if code is None else None

    async def home(self, request: Request) -> Response:
        me = await self.me(request)
        if me is None:
            return _to_login(request)
        home = home_of(me)
        return self._forbidden(request, me) if home is None else RedirectResponse(home, 303)

    async def login_form(
        self, request: Request, problem: str | None = None, user: str = ""
    ) -> Response:
        """The form; after a refusal, with the reason and the user name as typed."""
        status = 401 if problem else 200
        return self.render(request, "login.html", None, status=status, problem=problem, user=user)

    async def login(self, request: Request) -> Response:
        if not session.same_origin(request):
            return Response("cross-origin login refused", 403, media_type="text/plain")
        form = await _form(request)
        code, data = await self.api.call(
            "auth.login", {"user": form.get("user", ""), "password": form.get("password", "")}, None
        )
        if code is not None:
            problem = _LOGIN_REFUSALS.get(code, "login.failed")
            if "too many" in str(data.get("message", "")):
                problem = "login.limited"
            return await self.login_form(request, problem, form.get("user", ""))
        me = Me.of({"actor": data["actor"], "role": data["role"]})
        token = data["token"]
        code, whoami = await self.api.call("auth.whoami", {}, token)
        if code is None:
            me = Me.of(whoami)
        response = RedirectResponse(home_of(me) or "/", 303)
        expires = _epoch(data["expires_at"])
        session.keep(response, request, token, expires)
        return response

    async def logout(self, request: Request) -> Response:
        token = session.token_of(request)
        form = await _form(request)
        if token is not None and not (
            session.same_origin(request) and session.csrf_ok(token, form.get(session.CSRF_FIELD))
        ):
            return Response("logout needs the page's CSRF token", 403, media_type="text/plain")
        response = RedirectResponse("/login", 303)
        session.forget(response, request)
        return response

    async def language(self, request: Request) -> Response:
        if not session.same_origin(request):
            return Response("cross-origin request refused", 403, media_type="text/plain")
        form = await _form(request)
        chosen = form.get("lang", "")
        back = form.get("back", "/")
        response = RedirectResponse(back if back.startswith("/") and "//" not in back else "/", 303)
        if chosen in LANGUAGES:
            session.keep_language(response, request, chosen)
        return response

    def _screen(self, screen: Screen) -> Callable[[Request], Awaitable[Response]]:
        async def page(request: Request) -> Response:
            me = await self.me(request)
            if me is None:
                return _to_login(request)
            if not screen.shown_to(me):
                return self._forbidden(request, me)
            return self.render(
                request, f"{screen.key}.html", me, screen=screen, params=request.path_params
            )

        return page

    def _forbidden(self, request: Request, me: Me) -> Response:
        return self.render(request, "forbidden.html", me, status=403)

    def render(
        self, request: Request, template: str, me: Me | None, *, status: int = 200, **extra: Any
    ) -> Response:
        language = language_of(request)
        said = words(language)
        token = session.token_of(request)
        context = {
            "me": me,
            "lang": language,
            "languages": LANGUAGES,
            "t": lambda key, **values: (said.get(key) or key).format(**values),
            "words": said,
            "csrf": session.csrf_of(token) if token and me else "",
            "menu": [s for s in SCREENS if s.in_menu and me is not None and s.shown_to(me)],
            "path": request.url.path,
            "timezone": self.timezone(),
            **extra,
        }
        html = self.templates.get_template(template).render(context)
        return HTMLResponse(html, status, headers={"Cache-Control": "no-store"})


def _to_login(request: Request) -> Response:
    response = RedirectResponse("/login", 303)
    if session.token_of(request) is not None:  # expired or revoked: the cookie is of no use
        session.forget(response, request)
    return response


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form (the console's forms are small; nothing else is read)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _FORM_LIMIT:
            return {}
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[-1] for k, v in parsed.items()}


def _epoch(moment: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(moment).timestamp()
