"""The OpenAPI 3.1 document of `/api`, built from the subject table: each route's request
body is its subject's payload model, its reply the envelope with the subject's reply model
(JSON Schemas from the same pydantic models as schemas/json/)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic.json_schema import models_json_schema

from adapters.messaging.messages.envelope import ErrorReply
from adapters.web.api import STATUS, path_of, table_routes

if TYPE_CHECKING:
    from pydantic import BaseModel

    from adapters.messaging.table import Subject

REF = "#/components/schemas/{model}"
# A JetStream publish ack: what a request to a subject the stream captures is answered with.
PUBLISH_ACK = {
    "type": "object",
    "required": ["stream", "seq"],
    "properties": {
        "stream": {"type": "string"},
        "seq": {"type": "integer"},
        "duplicate": {"type": "boolean", "description": "true: a Nats-Msg-Id seen already"},
    },
}


def document(version: str, prefix: str = "callbacks") -> dict[str, Any]:
    subjects = sorted(
        (r.subject for r in table_routes() if r.subject is not None), key=lambda s: s.pattern
    )
    wanted: list[tuple[type[BaseModel], Any]] = [(ErrorReply, "serialization")]
    for subject in subjects:
        wanted.append((subject.payload, "validation"))
        if subject.reply is not None:
            wanted.append((subject.reply, "serialization"))
    refs, defs = models_json_schema(wanted, ref_template=REF)
    paths = {path_of(s.pattern): {"post": _operation(s, refs, prefix)} for s in subjects}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "callbacks",
            "version": version,
            "description": "Every request subject of the callbacks wire contract over HTTP: "
            "POST /api/ + the subject after its prefix, dots as slashes. Same payload, same "
            "envelope and error codes as over NATS; the HTTP status follows the error code.",
        },
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _operation(subject: Subject, refs: dict[Any, Any], prefix: str) -> dict[str, Any]:
    payload = refs[(subject.payload, "validation")]
    operation: dict[str, Any] = {
        "operationId": subject.name,
        "summary": f"{prefix}.{subject.pattern}",
        "tags": [subject.family],
        "requestBody": {"required": False, "content": {"application/json": {"schema": payload}}},
    }
    if parameters := [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in subject.params.values()
    ]:
        operation["parameters"] = parameters
    error = {
        "description": "the error envelope",
        "content": _json(refs[(ErrorReply, "serialization")]),
    }
    if subject.reply is None:  # JetStream captures it: its publish ack is the receipt
        operation["description"] = "Durable: answered by the JetStream stream's publish ack."
        ok = {"description": "the publish ack", "content": _json(PUBLISH_ACK)}
        return operation | {"responses": {"200": ok, "400": error, "503": error}}
    data = refs[(subject.reply, "serialization")]
    envelope = {
        "type": "object",
        "required": ["ok", "data"],
        "properties": {"ok": {"const": True}, "data": data},
    }
    responses: dict[str, Any] = {"200": {"description": "the envelope", "content": _json(envelope)}}
    for status in sorted({str(s) for s in STATUS.values()}):
        responses[status] = error
    return operation | {"responses": responses}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}
