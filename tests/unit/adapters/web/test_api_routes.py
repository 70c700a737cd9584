"""The `/api` routes and their OpenAPI document are the subject table's: one route per
subject, none that is not one, and each route's models are its subject's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from starlette.routing import Match, Route

from adapters.messaging.table import SUBJECTS, subscriptions
from adapters.web.api import STATUS, status_of, table_routes
from adapters.web.openapi import REF, document

ROOT = Path(__file__).resolve().parents[4]
CONTRACT_CODES = [  # CONTRACT.md's error codes
    "invalid_request",
    "not_found",
    "invalid_transition",
    "forbidden",
    "conflict",
    "unavailable",
    "unauthenticated",
    "outside_hours",
    "internal",
]


def _path(pattern: str) -> str:
    return "/api/" + pattern.replace(".", "/")


def test_every_subject_of_the_table_has_one_route_and_every_route_is_a_subject() -> None:
    routes = [r for r in table_routes() if r.subject is not None]
    assert sorted(r.path for r in routes) == sorted(_path(s.pattern) for s in SUBJECTS)
    assert [r.subject for r in routes] == list(SUBJECTS)
    for route in routes:  # delivered as NATS delivers its subject, or captured by JetStream
        assert route.subject is not None
        assert (route.subject in route.carried) == (route.subject.handler is not None)


def test_a_family_answered_for_any_verb_answers_any_verb_over_http_too() -> None:
    any_verb = {p: c for p, c in subscriptions().items() if len(c) > 1}
    others = [r for r in table_routes() if r.subject is None]
    assert [r.carried for r in others] == list(any_verb.values())
    assert all(r.name == f"{r.carried[0].family}.other" for r in others)


def test_a_subjects_own_route_is_matched_before_its_familys_any_verb_route() -> None:
    def endpoint() -> None:
        pass

    routes = [(r, Route(r.path, endpoint, methods=["POST"])) for r in table_routes()]
    for subject in SUBJECTS:
        concrete = _path(subject.pattern).replace("{agent_id}", "kim")
        scope = {"type": "http", "method": "POST", "path": concrete}
        first = next(r for r, route in routes if route.matches(scope)[0] == Match.FULL)
        assert first.subject is subject, concrete


def test_the_openapi_document_describes_each_route_with_its_subjects_models() -> None:
    spec = document("1.0.0", "callbacks")
    schemas = spec["components"]["schemas"]
    assert set(spec["paths"]) == {_path(s.pattern) for s in SUBJECTS}
    for subject in SUBJECTS:
        operation = spec["paths"][_path(subject.pattern)]["post"]
        payload = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        name = payload.removeprefix(REF.format(model=""))
        assert schemas[name]["title"] == subject.payload.__name__
        assert set(schemas[name].get("properties", {})) == {
            f.alias or n for n, f in subject.payload.model_fields.items()
        }
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        if subject.reply is None:
            assert ok["required"] == ["stream", "seq"]  # the publish ack
        else:
            reply = ok["properties"]["data"]["$ref"].removeprefix(REF.format(model=""))
            assert schemas[reply]["title"] == subject.reply.__name__
            assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
                "$ref": REF.format(model="ErrorReply")
            }
        params = [p["name"] for p in operation.get("parameters", [])]
        assert params == list(subject.params.values())


@pytest.mark.parametrize("code", CONTRACT_CODES)
def test_every_error_code_has_its_http_status(code: str) -> None:
    assert code in STATUS and 400 <= status_of(code) < 600
    assert status_of(None) == 200
    assert (status_of("internal"), status_of("unavailable")) == (500, 503)


def test_the_published_openapi_document_is_the_served_one_and_valid_openapi_3_1() -> None:
    published = ROOT / "schemas" / "openapi.json"
    found = json.loads(published.read_text(encoding="utf-8"))
    fix = "run `.venv/bin/python scripts/export_schemas.py` to regenerate schemas/openapi.json"
    assert found == json.loads(json.dumps(document("1"))), fix
    validate(found)  # raises, naming the first violation of the OpenAPI 3.1 schema
