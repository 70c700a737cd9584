"""Tokens for tests that drive a service: signed with the key under its data directory,
as `callbacks token issue` signs them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.identity.key_file import KeyFile
from adapters.identity.tokens import issue
from adapters.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

# Who a test client is on each subject family, unless it says otherwise.
DEFAULT_CALLER = {
    "intake": ("ivr", "IVR"),
    "admin": ("admin", "ADMIN"),
    "query": ("admin", "ADMIN"),
    "auth": ("admin", "ADMIN"),
    "cti": ("cti", "CTI"),
}


class Tokens:
    def __init__(self, data_dir: Path, *, issuer: str = "callbacks") -> None:
        self.settings = Settings.load(data_dir=data_dir, token_issuer=issuer)
        self.keys = KeyFile.of(self.settings)
        self.keys.current()  # made now, before the service starts: both use this key

    def token(self, actor: str, role: str, ttl_seconds: float = 3600) -> str:
        return issue(
            self.keys.current(),
            actor=actor,
            role=role,
            issuer=self.settings.token_issuer,
            audience=self.settings.token_audience,
            ttl_seconds=ttl_seconds,
        )

    def headers(self, actor: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(actor, role)}"}

    def for_subject(self, subject: str) -> dict[str, str]:
        """The default caller of `subject` (after the prefix): an agent on its own
        `agent.{id}.*`, else DEFAULT_CALLER by family."""
        tokens = subject.split(".")
        if tokens[0] == "agent" and len(tokens) > 1:
            return self.headers(tokens[1], "AGENT")
        actor, role = DEFAULT_CALLER.get(tokens[0], ("admin", "ADMIN"))
        return self.headers(actor, role)
