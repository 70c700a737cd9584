"""Writes the JSON Schema of every payload, reply and published message to schemas/json/,
the AsyncAPI 3 document of every subject to schemas/asyncapi.json, and the OpenAPI 3.1
document of `/api` (as `callbacks serve` serves it at /api/openapi.json) to
schemas/openapi.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "schemas" / "json"
ASYNCAPI = ROOT / "schemas" / "asyncapi.json"
OPENAPI = ROOT / "schemas" / "openapi.json"
CONTRACT_VERSION = "1"  # the documents' version: the wire contract's, not the package's
DIALECT = "https://json-schema.org/draft/2020-12/schema"

if str(ROOT / "src") not in sys.path:  # run from a checkout without an install
    sys.path.insert(0, str(ROOT / "src"))

from adapters.messaging.messages.catalog import PAYLOADS, PUBLISHED, REPLIES  # noqa: E402
from adapters.messaging.messages.envelope import Envelope  # noqa: E402
from adapters.web.openapi import document as openapi_document  # noqa: E402

if str(ROOT) not in sys.path:  # scripts/ is imported as a package from the checkout's root
    sys.path.insert(0, str(ROOT))
from scripts.asyncapi import document as asyncapi_document  # noqa: E402

if TYPE_CHECKING:
    from pydantic import BaseModel


def _schema(
    name: str, model: type[BaseModel], mode: Literal["validation", "serialization"]
) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, mode=mode)
    return {"$schema": DIALECT, "$id": f"{name}.v1.json", **schema}


def schemas() -> dict[str, dict[str, Any]]:
    """Every schema by file name: payloads, `reply.<subject>` data, and the envelope."""
    found = {
        f"{name}.v1.json": _schema(name, model, "validation") for name, model in PAYLOADS.items()
    }
    found |= {
        f"reply.{name}.v1.json": _schema(f"reply.{name}", model, "serialization")
        for name, model in REPLIES.items()
    }
    found |= {
        f"published.{name}.v1.json": _schema(f"published.{name}", model, "serialization")
        for name, model in PUBLISHED.items()
    }
    found["envelope.v1.json"] = _schema("envelope", Envelope, "serialization")
    return dict(sorted(found.items()))


def render(schema: dict[str, Any]) -> str:
    """A schema file's text: sorted keys, 2-space indent, a trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    wanted = schemas()
    for stale in sorted(OUT.glob("*.json")):
        if stale.name not in wanted:
            stale.unlink()
            print(f"removed {stale.relative_to(ROOT)}")
    for file_name, schema in wanted.items():
        path = OUT / file_name
        text = render(schema)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    print(f"{len(wanted)} schemas in {OUT.relative_to(ROOT)}")
    for path, document in (
        (ASYNCAPI, asyncapi_document()),
        (OPENAPI, openapi_document(CONTRACT_VERSION)),
    ):
        text = render(document)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
