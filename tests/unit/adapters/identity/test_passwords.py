"""argon2 hashes of passwords, and the per-user limit on failed logins."""

from __future__ import annotations

from argon2 import PasswordHasher

from adapters.identity.login_limit import LoginLimiter
from adapters.identity.passwords import Passwords, generate_password


def test_a_password_verifies_against_its_hash_only(passwords: Passwords) -> None:
    stored = passwords.hash("correct horse")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert passwords.verify(stored, "correct horse")
    assert not passwords.verify(stored, "correct horsE")
    assert not passwords.verify("not a hash", "correct horse")
    assert passwords.hash("correct horse") != stored  # salted


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


def test_a_user_without_a_password_costs_a_login_the_same_hash_check() -> None:
    hasher = CountingHasher()
    passwords = Passwords(hasher)
    stored = passwords.hash("pw")
    assert passwords.check(stored, "pw") and hasher.verified == 1
    assert not passwords.check(None, "pw")  # no such user: a decoy is checked instead
    assert not passwords.check(None, "no such user: a decoy")  # the decoy opens nothing
    assert hasher.verified == 3


def test_a_hash_made_with_other_parameters_needs_rehashing(passwords: Passwords) -> None:
    cheap = passwords.hash("pw")
    assert not passwords.needs_rehash(cheap)
    assert Passwords().needs_rehash(cheap)
    assert Passwords().verify(cheap, "pw")  # still accepted: rehash after the login
    assert Passwords().needs_rehash("garbage")


def test_the_default_parameters_are_argon2s_recommended_ones() -> None:
    assert Passwords().hasher.type == PasswordHasher().type
    assert Passwords().hasher.memory_cost >= 19 * 1024  # OWASP's minimum for argon2id


def test_generated_passwords_are_long_and_distinct() -> None:
    made = {generate_password() for _ in range(20)}
    assert len(made) == 20
    assert all(len(p) >= 24 for p in made)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_failures_within_five_minutes_lock_the_user_until_the_window_passes() -> None:
    clock = Clock()
    limiter = LoginLimiter(limit=5, window=300, clock=clock)
    for _ in range(4):
        limiter.failed("kim")
        clock.now += 10
    assert limiter.retry_after("kim") == 0
    limiter.failed("kim")  # the fifth, at t=1040
    assert limiter.retry_after("kim") == 1000 + 300 - clock.now  # until the first leaves
    assert limiter.retry_after("lee") == 0  # per user
    clock.now = 1300
    assert limiter.retry_after("kim") == 0
    limiter.failed("kim")  # five again within the window (1010..1300)
    assert limiter.retry_after("kim") == 10


def test_failures_spread_wider_than_the_window_never_lock() -> None:
    clock = Clock()
    limiter = LoginLimiter(limit=5, window=300, clock=clock)
    for _ in range(20):
        limiter.failed("kim")
        assert limiter.retry_after("kim") == 0
        clock.now += 76  # the fifth failure comes just after the first left the window


def test_a_success_clears_the_count_and_case_variants_share_it() -> None:
    clock = Clock()
    limiter = LoginLimiter(limit=2, window=300, clock=clock)
    limiter.failed("ka")
    limiter.succeeded("KA")
    limiter.failed("Ka")
    assert limiter.retry_after("ka") == 0
    limiter.failed("KA ")
    assert limiter.retry_after("ka") == 300


def test_the_limiter_forgets_the_least_recent_users_beyond_its_bound() -> None:
    clock = Clock()
    limiter = LoginLimiter(limit=1, window=300, clock=clock, max_users=2)
    for user in ("a", "b", "c"):
        limiter.failed(user)
    assert limiter.retry_after("a") == 0
    assert limiter.retry_after("b") == limiter.retry_after("c") == 300
