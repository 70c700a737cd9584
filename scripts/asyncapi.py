"""The AsyncAPI 3 document of every subject, built from the subject table
(adapters.messaging.table).

Message payloads point at the JSON Schemas in schemas/json/ (relative `$ref`s), so the
two never say different things. Written by scripts/export_schemas.py.
"""

from __future__ import annotations

from typing import Any

from adapters.messaging.publications import PUBLISHED
from adapters.messaging.table import SUBJECTS

PREFIX = "callbacks"
ENVELOPE = "json/envelope.v1.json"

# Where each family's subjects carry a parameter, and what it is.
PARAMETERS = {
    "agent_id": "the agent's id; it must be the token's actor",
    "callback_id": "the callback's id (a UUID)",
    "event_name": "the event's name, e.g. Requested, Assigned, Completed",
    "line_id": "the phone line's id (a UUID)",
    "policy_book_id": "the policy book's id (a UUID)",
    "user_id": "the directory user's id (a UUID)",
}
WHO = {
    "intake": "IVR, web forms and other systems (role IVR)",
    "agent": "that agent's desktop (role AGENT, or ASSIGNER with the assign permission)",
    "admin": "supervisors, administrators and agents with assign permission",
    "auth": "anyone: log in (no token), or ask who the token says you are",
    "query": "monitors and above",
    "cti": "the CTI system (role CTI)",
}
CALLER_HEADERS = {
    "type": "object",
    "properties": {
        "Authorization": {
            "type": "string",
            "pattern": "^[Bb]earer .+",
            "description": "'Bearer <token>': every subject but auth.login; the service takes "
            "actor and role from the token (docs/contract.md, Identity)",
        },
    },
}


def _parameters(addr: str) -> dict[str, Any]:
    return {p: {"description": d} for p, d in PARAMETERS.items() if f"{{{p}}}" in addr}


def _channel(addr: str | None, messages: dict[str, Any], description: str) -> dict[str, Any]:
    channel: dict[str, Any] = {"address": addr, "description": description, "messages": messages}
    if addr and (params := _parameters(addr)):
        channel["parameters"] = params
    return channel


def _reply_payload(name: str) -> dict[str, Any]:
    return {
        "oneOf": [
            {
                "type": "object",
                "required": ["ok", "data"],
                "additionalProperties": False,
                "properties": {
                    "ok": {"const": True},
                    "data": {"$ref": f"json/reply.{name}.v1.json"},
                },
            },
            {"$ref": f"{ENVELOPE}#/$defs/ErrorReply"},
        ]
    }


def document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for subject in SUBJECTS:
        name, model, addr = subject.name, subject.payload, f"{PREFIX}.{subject.pattern}"
        family = subject.family
        request = f"{name}.request"
        messages[request] = {
            "name": request,
            "title": model.__name__,
            "summary": (model.__doc__ or "").strip(),
            "contentType": "application/json",
            "payload": {"$ref": f"json/{name}.v1.json"},
        }
        if subject.roles:  # every subject that takes a token (all but auth.login)
            messages[request]["headers"] = CALLER_HEADERS
        channels[name] = _channel(
            addr, {"request": {"$ref": f"#/components/messages/{request}"}}, WHO[family]
        )
        operation: dict[str, Any] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": (model.__doc__ or "").strip().splitlines()[0],
            "messages": [{"$ref": f"#/channels/{name}/messages/request"}],
            "x-roles": sorted(role.value for role in subject.roles),
        }
        if name == "intake.submit":
            operation["description"] = (
                "Captured by JetStream stream CALLBACK_INTAKE: the publish ack is the "
                "receipt. Never lost; handled exactly once per request_id; the outcome "
                "is published on notify.intake."
            )
        elif subject.reply is not None:
            reply = f"{name}.reply"
            messages[reply] = {
                "name": reply,
                "title": subject.reply.__name__,
                "contentType": "application/json",
                "summary": "the envelope: ok with data, or an error with a documented code",
                "payload": _reply_payload(name),
            }
            channels[reply] = _channel(
                None,
                {"reply": {"$ref": f"#/components/messages/{reply}"}},
                "the requester's inbox (NATS request/reply)",
            )
            operation["reply"] = {
                "channel": {"$ref": f"#/channels/{reply}"},
                "messages": [{"$ref": f"#/channels/{reply}/messages/reply"}],
            }
        operations[f"serve.{name}"] = operation
    for out in PUBLISHED:
        name, addr = out.name, f"{PREFIX}.{out.address}"
        messages[name] = {
            "name": name,
            "title": out.model.__name__,
            "contentType": "application/json",
            "summary": (out.model.__doc__ or "").strip(),
            "payload": {"$ref": f"json/published.{out.schema}.v1.json"},
        }
        channels[name] = _channel(
            addr, {"message": {"$ref": f"#/components/messages/{name}"}}, out.summary
        )
        operations[f"publish.{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": out.summary,
            "messages": [{"$ref": f"#/channels/{name}/messages/message"}],
        }
    channels["dead.intake"] = _channel(
        f"{PREFIX}.dead.intake",
        {"message": {"$ref": "#/components/messages/dead.intake"}},
        "Submitted requests that kept failing, with the reason "
        "(JetStream stream CALLBACK_DEAD_LETTERS).",
    )
    messages["dead.intake"] = {
        "name": "dead.intake",
        "contentType": "application/json",
        "summary": "the submitted body as it arrived",
        "headers": {
            "type": "object",
            "properties": {
                "Callbacks-Dead-Reason": {
                    "type": "string",
                    "description": "code: message of the last failure",
                },
                "Callbacks-Deliveries": {
                    "type": "string",
                    "description": "how many times it was tried",
                },
            },
        },
        "payload": {"$ref": "json/intake.submit.v1.json"},
    }
    operations["publish.dead.intake"] = {
        "action": "send",
        "channel": {"$ref": "#/channels/dead.intake"},
        "messages": [{"$ref": "#/channels/dead.intake/messages/message"}],
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "callbacks",
            "version": "1",
            "description": "The wire contract of the callback service (docs/contract.md). "
            "Every request gets exactly one envelope reply. "
            "The subject prefix `callbacks` is configurable (CALLBACKS_PREFIX).",
        },
        "defaultContentType": "application/json",
        "servers": {
            "embedded": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": "`callbacks serve` with no settings starts this one",
            }
        },
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {"messages": dict(sorted(messages.items()))},
    }
