"""The token `callbacks health` sends: a short-lived MONITOR token signed with the
deployment's key, when this host has the key file (never creates one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.identity.key_file import DEFAULT_NAME, KeyFile
from adapters.identity.tokens import issue

if TYPE_CHECKING:
    from adapters.settings import Settings

PROBE_ACTOR = "callbacks-health"
PROBE_SECONDS = 60


def probe_headers(settings: Settings) -> dict[str, str] | None:
    path = settings.signing_keys_file or settings.data_dir / DEFAULT_NAME
    if not path.exists():
        return None
    token = issue(
        KeyFile(path, create=False).current(),
        actor=PROBE_ACTOR,
        role="MONITOR",
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=PROBE_SECONDS,
    )
    return {"Authorization": f"Bearer {token}"}
