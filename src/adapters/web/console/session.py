"""The console's session: the token `auth.login` gives, kept in an HttpOnly, SameSite=Strict
cookie (Secure behind TLS), never in a URL; and the CSRF token every state-changing request
carries in a header or a form field.

The CSRF token is derived from the session token (a hash a page from another origin cannot
compute, since it cannot read the HttpOnly cookie), so it needs no server-side state and
holds across several processes behind one address."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

COOKIE = "callbacks_session"
LANG_COOKIE = "callbacks_lang"
CSRF_HEADER = "X-Callbacks-Csrf"
CSRF_FIELD = "csrf"
_YEAR = 365 * 24 * 3600


def token_of(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def csrf_of(token: str) -> str:
    digest = hashlib.sha256(b"callbacks-console-csrf:" + token.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_ok(token: str, offered: str | None) -> bool:
    return offered is not None and hmac.compare_digest(csrf_of(token), offered)


def same_origin(request: Request) -> bool:
    """A state-changing request from a page of this origin: browsers send `Origin` on every
    POST; a request without it (a program, not a browser) passes, its CSRF token decides."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin == f"{request.url.scheme}://{request.url.netloc}"


def secure(request: Request) -> bool:
    """Behind TLS (uvicorn reads X-Forwarded-Proto from a trusted proxy)."""
    return request.url.scheme == "https"


def keep(response: Response, request: Request, token: str, expires_at: float) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=max(0, int(expires_at - time.time())),
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure(request),
    )


def forget(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=secure(request)
    )


def keep_language(response: Response, request: Request, language: str) -> None:
    response.set_cookie(
        LANG_COOKIE,
        language,
        max_age=_YEAR,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure(request),
    )
