"""Failed logins are rate-limited per user: after `limit` failures within `window`
seconds, that user's logins are refused until the oldest of them leaves the window."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_USERS = 100_000  # users with recent failures remembered; the oldest forgotten first


class LoginLimiter:
    def __init__(
        self,
        *,
        limit: int = 5,
        window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = MAX_USERS,
    ) -> None:
        self.limit, self.window, self.clock, self.max_users = limit, window, clock, max_users
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, user: str) -> float:
        """Seconds until `user` may try again; 0 if they may now. Ask before checking
        the password, so a refused attempt costs no hash."""
        with self._lock:
            recent = self._recent(self._key(user))
            if len(recent) < self.limit:
                return 0.0
            return max(0.0, recent[0] + self.window - self.clock())

    def failed(self, user: str) -> None:
        key = self._key(user)
        with self._lock:
            recent = self._recent(key)
            recent.append(self.clock())
            self._failures[key] = recent
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_users:
                self._failures.popitem(last=False)

    def succeeded(self, user: str) -> None:
        with self._lock:
            self._failures.pop(self._key(user), None)

    def _recent(self, key: str) -> deque[float]:
        recent = self._failures.get(key) or deque(maxlen=self.limit)
        horizon = self.clock() - self.window
        while recent and recent[0] <= horizon:
            recent.popleft()
        if not recent:
            self._failures.pop(key, None)
        return recent

    @staticmethod
    def _key(user: str) -> str:
        return user.strip().casefold()  # `KA` and `ka` share one budget
