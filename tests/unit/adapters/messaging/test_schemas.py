"""schemas/json/ holds exactly what the models generate (run scripts/export_schemas.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from adapters.messaging.messages.catalog import PAYLOADS, REPLIES

ROOT = Path(__file__).resolve().parents[4]
SCHEMAS = ROOT / "schemas" / "json"
FIX = "run `.venv/bin/python scripts/export_schemas.py` to regenerate schemas/json/"


def export_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_schemas", ROOT / "scripts" / "export_schemas.py")
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

    assert not (missing or stale or changed), f"missing {missing}, stale {stale}, changed {changed}: {FIX}"


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
