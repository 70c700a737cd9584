"""Route policies in the settings: the domain's defaults, the operator's bounds."""

from __future__ import annotations

from dataclasses import fields

from adapters.settings import PolicySettings, Settings
from callback_domain.values import Policy


def test_unset_policy_fields_take_the_domains_defaults() -> None:
    settings = Settings(route_policies={"vip": PolicySettings(max_attempts=5)})

    policies = settings.policies()

    assert policies.default == Policy()
    assert policies.for_route("vip") == Policy(max_attempts=5)


def test_every_policy_field_can_be_set_and_nothing_else() -> None:
    assert set(PolicySettings.model_fields) == {f.name for f in fields(Policy)}
