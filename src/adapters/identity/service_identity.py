"""How `callbacks serve` knows its callers: tokens (verified, issued at login), or the
explicit development mode CALLBACKS_AUTH=off; and the embedded default's first start."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from adapters.identity.first_start import first_start
from adapters.identity.sessions import Sessions
from adapters.identity.verifier import Verifier
from adapters.messaging.callers import Identity

if TYPE_CHECKING:
    from collections.abc import Callable

    from adapters.settings import Settings
    from callback_domain.application import CallbackService

log = logging.getLogger("callbacks.identity")
INSECURE = (
    "CALLBACKS_AUTH=off: callers are whoever the Callbacks-Actor / Callbacks-Role headers "
    "say; for development only, never in production"
)


def service_identity(
    settings: Settings, service: CallbackService, say: Callable[[str], None]
) -> Identity:
    """The first start's credentials (said where they are), then the service's Identity."""
    made = first_start(settings, service)
    if made.created:
        say(f"administrator 'admin' created; password in {made.password_file}")
    say(f"admin token (valid {settings.token_hours} h) in {made.token_file}")
    if settings.auth == "off":
        log.warning(INSECURE)
        say(f"WARNING: {INSECURE}")
    return Identity(
        verifier=Verifier.of(settings), sessions=Sessions.of(settings), off=settings.auth == "off"
    )
