"""schemas/json/ holds exactly what the models generate (run scripts/export_schemas.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.messaging.messages.catalog import PAYLOADS, REPLIES

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[4]
SCHEMAS = ROOT / "schemas" / "json"
FIX = "run `.venv/bin/python scripts/export_schemas.py` to regenerate schemas/json/"


def export_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "export_schemas", ROOT / "scripts" / "export_schemas.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_schema_files_match_the_models() -> None:
    script = export_script()
    wanted = {name: script.render(schema) for name, schema in script.schemas().items()}
    found = {path.name: path.read_text(encoding="utf-8") for path in SCHEMAS.glob("*.json")}

    missing, stale = sorted(wanted.keys() - found.keys()), sorted(found.keys() - wanted.keys())
    changed = sorted(n for n in wanted.keys() & found.keys() if wanted[n] != found[n])

    assert not (missing or stale or changed), (
        f"missing {missing}, stale {stale}, changed {changed}: {FIX}"
    )


def test_every_subject_has_a_payload_schema_and_every_reply_a_data_schema() -> None:
    names = {path.name for path in SCHEMAS.glob("*.json")}

    assert {f"{n}.v1.json" for n in PAYLOADS} <= names
    assert {f"reply.{n}.v1.json" for n in REPLIES} <= names
    assert "envelope.v1.json" in names


def test_payload_schemas_refuse_unknown_fields() -> None:
    for name in PAYLOADS:
        schema = json.loads((SCHEMAS / f"{name}.v1.json").read_text(encoding="utf-8"))

        assert schema["additionalProperties"] is False, name


def test_schemas_use_the_contracts_field_names() -> None:
    listing = json.loads((SCHEMAS / "query.list.v1.json").read_text(encoding="utf-8"))
    intake = json.loads((SCHEMAS / "intake.request.v1.json").read_text(encoding="utf-8"))

    assert "from" in listing["properties"]
    assert "from_" not in listing["properties"]
    assert "type" in intake["properties"]
    assert intake["required"] == ["request_id", "phone", "route"]


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_the_asyncapi_document_matches_the_catalog() -> None:
    script = export_script()
    found = (ROOT / "schemas" / "asyncapi.json").read_text(encoding="utf-8")

    assert found == script.render(script.asyncapi_document()), FIX


def test_the_asyncapi_document_is_valid_asyncapi_3_and_every_ref_resolves() -> None:
    import jsonschema

    document = json.loads((ROOT / "schemas" / "asyncapi.json").read_text(encoding="utf-8"))
    meta = json.loads(
        (ROOT / "tests" / "data" / "asyncapi-3.0.0.schema.json").read_text(encoding="utf-8")
    )
    errors = [e.message for e in jsonschema.Draft7Validator(meta).iter_errors(document)]
    assert not errors, errors[:5]

    for ref in _refs(document):
        target, _, pointer = ref.partition("#")
        node = (
            json.loads((ROOT / "schemas" / target).read_text(encoding="utf-8"))
            if target
            else document
        )
        for part in filter(None, pointer.split("/")):
            node = node[part]  # KeyError: a dangling reference


def test_every_subject_of_the_contract_is_a_channel() -> None:
    document = json.loads((ROOT / "schemas" / "asyncapi.json").read_text(encoding="utf-8"))
    addresses = {c["address"] for c in document["channels"].values() if c["address"]}

    assert {
        "callbacks.intake.request",
        "callbacks.intake.submit",
        "callbacks.agent.{agent_id}.dial",
        "callbacks.admin.assign",
        "callbacks.query.treatment-rate",
        "callbacks.cti.presence.{agent_id}",
        "callbacks.notify.agent.{agent_id}",
        "callbacks.notify.received",
        "callbacks.notify.intake",
        "callbacks.events.{callback_id}.{event_name}",
    } <= addresses


def test_every_json_schema_is_a_valid_2020_12_schema() -> None:
    import jsonschema

    for path in sorted(SCHEMAS.glob("*.json")):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))
