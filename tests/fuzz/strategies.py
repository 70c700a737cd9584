"""Hypothesis strategies that build malformed and boundary requests from schemas/json.

Two families, kept apart because only the first may be checked for "records nothing":

- `invalid_cases(subject)` / `body_cases(subject)`: requests refused whatever the store holds.
  Each is an instance drawn from the subject's JSON Schema with at least one mutation that the
  schema itself rules out (an unknown field, a missing required field, a value of a JSON
  type the property does not take, a string or array over its bound, a value outside an
  enum or a format) or a body that is not one JSON object (not UTF-8, not JSON, NaN, a
  repeated key, nesting deeper than 32, a lone surrogate...).
- `boundary_cases(subject)`: requests at the edges (lengths 0 / max / max + 1, unicode
  edge cases, NUL, RTL marks, emoji, bulk arrays at and over their bound, bodies near
  1 MiB, an empty body...) that may well be accepted.

Hypothesis draws the schema instance, the subject token, the headers and a seed; the seed
picks the mutations, so one draw yields many distinct payloads cheaply (10,000 payloads
would take minutes as 10,000 hypothesis examples on this machine).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "json"
MAX_PAYLOAD = 1024 * 1024  # nats-server's default max_payload: headers and body together
MAX_DEPTH = 32  # CONTRACT-side bound on nesting, documented in the envelope parser

# (catalog name, subject tail with {id} for the agent token, family)
SUBJECTS: list[tuple[str, str, str]] = [
    ("intake.request", "intake.request", "intake"),
    ("intake.submit", "intake.submit", "submit"),  # JetStream: outcome on notify.intake
    ("intake.cancel", "intake.cancel", "intake"),  # additions (README)
    ("intake.abandon", "intake.abandon", "intake"),
    *[
        (f"agent.{v}", f"agent.{{id}}.{v}", "agent")
        for v in ("schedule", "dial", "dial-result", "complete", "finish", "list", "pending")
    ],
    *[
        (f"admin.{v}", f"admin.{v}", "admin")
        for v in (
            "create",
            "assign",
            "unassign",
            "reschedule",
            "cancel",
            "recreate",
            "agent-upsert",
        )
    ],
    *[
        (f"query.{v}", f"query.{v}", "query")
        for v in (
            "health",
            "get",
            "list",
            "search",
            "history",
            "assignment-summary",
            "agent-counts",
            "treatment-rate",
        )
    ],
    ("cti.presence", "cti.presence.{id}", "cti"),
]
FAMILY = {name: family for name, _, family in SUBJECTS}
TAIL = {name: tail for name, tail, _ in SUBJECTS}

# Filled by the test before generating: real ids, so that a payload that slipped through
# validation would act on something (and be seen in the log).
KNOWN_IDS: list[str] = []
AGENTS = ["kim", "lee", "boss"]  # seeded: kim and lee call, boss also assigns

EDGE_CHARS = [
    "\u0000",
    "\u0001",
    "\u001f",
    "\u007f",
    "\u200b",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ufffd",
    "\uffff",
    "\U0010ffff",
    "\U0001f642",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "e\u0301",
    "\u0130",
    "\u00df",
    "\u216b",
    "\u0663",
    "\uff11",
    "\u0e51",
    "\t",
    " ",
    "\u3000",
    "\u00a0",
    "\\",
    '"',
    "'",
    "<script>",
    "%s",
    "{}",
    "\u0645\u0631\u062d\u0628\u0627",
    "\ud55c\uad6d\uc5b4",
    ".",
    "*",
    ">",
]
text_piece = st.one_of(st.sampled_from(EDGE_CHARS), st.characters(codec="utf-8"))


def edge_text(max_size: int) -> st.SearchStrategy[str]:
    """Text with edge-case pieces (some longer than one code point)."""
    return st.lists(text_piece, max_size=max_size).map("".join)


any_text = edge_text(40)


@dataclass
class Case:
    name: str  # catalog name, e.g. "agent.dial"
    tail: str  # subject after the prefix
    body: bytes
    headers: dict[str, str] | None
    mutation: str
    invalid: bool
    notes: dict[str, Any] = field(default_factory=dict)

    def short(self) -> str:
        body = self.body[:300] + (b"..." if len(self.body) > 300 else b"")
        return (
            f"{self.tail} [{self.mutation}] headers={self.headers} "
            f"body({len(self.body)} B)={body!r}"
        )


# ---------------------------------------------------------------- the JSON Schemas
_cache: dict[str, dict[str, Any]] = {}


def schema(name: str) -> dict[str, Any]:
    if name not in _cache:
        _cache[name] = json.loads((SCHEMAS / f"{name}.v1.json").read_text())
    return _cache[name]


def resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def allowed_types(node: dict[str, Any], root: dict[str, Any]) -> set[str]:
    node = resolve(node, root)
    if "anyOf" in node:
        return set().union(*(allowed_types(n, root) for n in node["anyOf"]))
    if "enum" in node and "type" not in node:
        return {type(v).__name__ for v in node["enum"]}
    t = node.get("type")
    return {t} if isinstance(t, str) else set(t or [])


def non_null(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """The non-null alternative of an `anyOf [X, null]` (X resolved)."""
    node = resolve(node, root)
    if "anyOf" in node:
        for alt in node["anyOf"]:
            resolved = resolve(alt, root)
            if resolved.get("type") != "null":
                return resolved
    return node


# ---------------------------------------------------------------- values by field name
def _times(with_offset: bool = True) -> st.SearchStrategy[str]:
    def build(minutes: int, offset_min: int, fraction: bool) -> str:
        tz = timezone(timedelta(minutes=offset_min))
        value = (datetime.now(UTC) + timedelta(minutes=minutes)).astimezone(tz)
        if not fraction:
            value = value.replace(microsecond=0)
        text = value.isoformat()
        return text[:-6] if not with_offset else text

    return st.builds(
        build,
        st.integers(-60 * 24 * 40, 60 * 24 * 40),
        st.sampled_from([0, 540, -300, 330, 840, -720]),
        st.booleans(),
    )


def _dates() -> st.SearchStrategy[str]:
    return st.dates(
        min_value=datetime(2020, 1, 1).date(), max_value=datetime(2035, 1, 1).date()
    ).map(str)


def _ids() -> st.SearchStrategy[str]:
    known = st.sampled_from(KNOWN_IDS) if KNOWN_IDS else st.nothing()
    return st.one_of(known, st.uuids().map(str))


PHONES = [
    "+82 10-1234-5678",
    "0212345678",
    "02-555-0101",
    "(02) 555.0101",
    "+821012345678",
    "123",
    "+",
    "",
    "1234567",
    "123456789012345",
    "1234567890123456",
    "\u0660\u0662\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
    "\uff10\uff12\uff11\uff12\uff13\uff14\uff15\uff16\uff17",
    "02\u200f12345678",
    "+82 10-1234-5678\u0000",
]
NAMED: dict[str, st.SearchStrategy[Any]] = {
    "phone": st.one_of(st.sampled_from(PHONES), any_text),
    "route": st.one_of(
        st.sampled_from(["billing", "tech", "vip", " billing ", "\U0001f642", "\u202ebilling"]),
        any_text,
    ),
    "request_id": st.one_of(st.uuids().map(lambda u: f"fz-{u}"), any_text),
    "customer_timezone": st.sampled_from(
        [
            "Asia/Seoul",
            "UTC",
            "Europe/Berlin",
            "Mars/Base",
            "",
            "asia/seoul",
            "../../etc/passwd",
            "Etc/GMT+14",
            "\u0000",
        ]
    ),
    "agent": st.one_of(st.sampled_from([*AGENTS, "ghost", ""]), any_text),
    "agent_id": st.one_of(st.sampled_from([*AGENTS, "ghost", ""]), any_text),
    "assigner": st.one_of(st.sampled_from([*AGENTS, "sv-fuzz"]), any_text),
    "team": st.one_of(st.sampled_from(["t1", "billing-team"]), any_text),
    "agent_team": st.sampled_from(["t1", "billing-team", ""]),
    "assigner_team": st.sampled_from(["t1", "billing-team", ""]),
    "cursor": any_text,
    "name": any_text,
    "remark": any_text,
    "origin_interaction_id": any_text,
    "min_position": st.sampled_from([None, 0, 1]),  # a large one waits 2 s: special cases only
}


_instances: dict[tuple[int, str | None, int], st.SearchStrategy[Any]] = {}


def set_known_ids(ids: list[str]) -> None:
    KNOWN_IDS[:] = ids
    _instances.clear()


def instance(
    node: dict[str, Any], root: dict[str, Any], key: str | None = None, depth: int = 0
) -> st.SearchStrategy[Any]:
    """Something shaped like `node` (not necessarily valid in every detail); built once."""
    cache_key = (id(node), key, depth)
    if cache_key not in _instances:
        _instances[cache_key] = _instance(node, root, key, depth)
    return _instances[cache_key]


def _instance(
    node: dict[str, Any], root: dict[str, Any], key: str | None, depth: int
) -> st.SearchStrategy[Any]:
    node = resolve(node, root)
    if key in NAMED and depth > 0:
        return NAMED[key]
    if "anyOf" in node:
        alts = [resolve(a, root) for a in node["anyOf"]]
        real = [a for a in alts if a.get("type") != "null"]
        return (
            st.one_of(*[instance(a, root, key, depth) for a in real], st.none())
            if len(real) < len(alts)
            else st.one_of(*[instance(a, root, key, depth) for a in real])
        )
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "string":
        fmt = node.get("format")
        if fmt == "uuid":
            return _ids()
        if fmt == "date-time":
            return _times()
        if fmt == "date":
            return _dates()
        return edge_text(min(node.get("maxLength", 40), 40))
    if kind == "integer":
        lo, hi = node.get("minimum", -(2**63)), node.get("maximum", 2**63 - 1)
        return st.integers(lo, min(hi, lo + 1000))
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(
            instance(node.get("items", {}), root, key and key.rstrip("s"), depth + 1),
            max_size=min(node.get("maxItems", 5), 5),
        )
    if kind == "object":
        props = node.get("properties", {})
        required = set(node.get("required", []))
        return st.fixed_dictionaries(
            {k: instance(v, root, k, depth + 1) for k, v in props.items() if k in required},
            optional={
                k: instance(v, root, k, depth + 1) for k, v in props.items() if k not in required
            },
        )
    return st.none()


# ---------------------------------------------------------------- mutations that always refuse
JSON_TYPES = ["string", "integer", "number", "boolean", "null", "array", "object"]


def _sites(
    value: Any, node: dict[str, Any], root: dict[str, Any], path: tuple[Any, ...] = ()
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every object of the instance that the schema describes: (path, its schema)."""
    node = non_null(node, root)
    found: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    if node.get("type") == "object" and isinstance(value, dict):
        found.append((path, node))
        for k, v in value.items():
            child = node.get("properties", {}).get(k)
            if child is not None:
                found += _sites(v, child, root, (*path, k))
    return found


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def _uuidish(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        h = f"{rng.getrandbits(128):032x}"
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}")
    return out


def _rng_text(rng: random.Random, n: int) -> str:
    return "".join(
        rng.choice(EDGE_CHARS)
        if rng.random() < 0.4
        else chr(
            rng.choice(
                [
                    rng.randrange(32, 127),
                    rng.randrange(0xA0, 0xD7FF),
                    rng.randrange(0xE000, 0x10FFFF),
                ]
            )
        )
        for _ in range(n)
    )


def _wrong_value(rng: random.Random, kind: str) -> Any:
    if kind == "string":
        return _rng_text(rng, rng.randrange(0, 12))
    if kind == "integer":
        return rng.choice([0, -1, 7, 2**63, -(2**63) - 1, 10**40, rng.randrange(-(10**9), 10**9)])
    if kind == "number":
        return rng.choice([0.5, -1.25, 1e308, 3.14159, -0.001, 2.5e-300])
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "array":
        return rng.choice([[], [1], ["a", None], [[[]]], [{"callback_id": "x"}]])
    return rng.choice([{}, {"a": 1}, {"": None}, {"callback_id": {}}])


EXTRA_KEYS = [
    "colour",
    "agentId",
    "callbackId",
    "Request_id",
    "ok",
    "__proto__",
    "\u0000",
    "",
    "\U0001f642",
    "request_id\u200b",
    "ROUTE",
    "callback_ids ",
    "$where",
    "a" * 300,
]
BAD_FORMATS = {
    "uuid": [
        "nope",
        "0b3c6d2e-5f0a-4c1e-9a57-2f8d1e4b7c9g",
        "",
        "0b3c6d2e5f0a4c1e9a572f8d1e4b7c9",
        "\u0660b3c6d2e-5f0a-4c1e-9a57-2f8d1e4b7c90",
        "' OR 1=1 --",
        "null",
        "0b3c6d2e-5f0a-4c1e-9a57",
    ],
    "date-time": [
        "2030-01-01T10:00:00",
        "tomorrow",
        "2030-13-01T10:00:00+09:00",
        "2030-01-01T25:00:00Z",
        "2030-02-30T10:00:00+09:00",
        "",
        "2030-01-01T10:00:00+25:00",
        "\U0001f642",
        "2030-01-01",
    ],
    "date": [
        "2026-13-01",
        "yesterday",
        "2026-02-30",
        "",
        "26-1-1",
        "2026/01/01",
        "2026-01-01T00:00:00+09:00x",
    ],
}


def mutations_of(
    doc: dict[str, Any], root: dict[str, Any]
) -> list[tuple[str, tuple[Any, ...], str | None]]:
    """Every (kind, path of the object, key) that surely makes `doc` invalid."""
    found: list[tuple[str, tuple[Any, ...], str | None]] = []
    for path, node in _sites(doc, root, root):
        target = _get(doc, path)
        props: dict[str, Any] = node.get("properties", {})
        found.append(("extra_field", path, None))
        found += [("missing_required", path, k) for k in node.get("required", []) if k in target]
        for k in target:
            if k not in props:
                continue
            spec = non_null(props[k], root)
            found.append(("wrong_type", path, k))
            if "maxLength" in spec:
                found.append(("string_too_long", path, k))
            if "maxItems" in spec:
                found.append(("array_too_long", path, k))
            if "maximum" in spec or "minimum" in spec:
                found.append(("integer_out_of_range", path, k))
            if "enum" in spec:
                found.append(("enum_violation", path, k))
            if "format" in spec:
                found.append(("bad_format", path, k))
    return found


def mutate(
    doc: dict[str, Any],
    root: dict[str, Any],
    rng: random.Random,
    kind: str,
    path: tuple[Any, ...],
    key: str | None,
) -> str:
    """Applies one of `mutations_of(doc)` in place; returns its name for the report."""
    target = _get(doc, path)
    node = non_null(resolve(root, root) if not path else _schema_at(root, path), root)
    props = node.get("properties", {})
    if kind == "extra_field":
        extra = rng.choice([*EXTRA_KEYS, _rng_text(rng, rng.randrange(1, 8))])
        while extra in props:
            extra += "_x"
        target[extra] = _wrong_value(rng, rng.choice(JSON_TYPES))
        return kind
    assert key is not None
    if kind == "missing_required":
        del target[key]
        return kind
    spec = non_null(props[key], root)
    if kind == "wrong_type":
        allowed = allowed_types(props[key], root)
        if "integer" in allowed:
            allowed.add("number")  # 1.0 is an integer to JSON Schema
        wrong = rng.choice([t for t in JSON_TYPES if t not in allowed])
        target[key] = _wrong_value(rng, wrong)
        return f"wrong_type:{wrong}"
    if kind == "string_too_long":
        n = spec["maxLength"] + rng.choice([1, 1, 2, 100, 5000, 200_000])
        piece = rng.choice(["x", "\U0001f642", "\u200f", "\u00e9", "\ud55c", "\u0000"])
        target[key] = piece * n
        return f"string_too_long:{n}"
    if kind == "array_too_long":
        n = spec["maxItems"] + rng.choice(
            [1, 1, 1, 2, 50, 2000, 20000 if rng.random() < 0.2 else 3]
        )
        item = non_null(spec.get("items", {}), root)
        if item.get("format") == "uuid":
            target[key] = _uuidish(rng, n)
        elif "enum" in item:
            target[key] = [item["enum"][i % len(item["enum"])] for i in range(n)]
        else:
            target[key] = [f"a{i}" for i in range(n)]
        return f"array_too_long:{n}"
    if kind == "integer_out_of_range":
        if "maximum" in spec and ("minimum" not in spec or rng.random() < 0.5):
            target[key] = spec["maximum"] + rng.choice([1, 2, 10**30])
        else:
            target[key] = spec["minimum"] - rng.choice([1, 2, 10**30])
        return "integer_out_of_range"
    if kind == "enum_violation":
        good = spec["enum"]
        options = [
            good[0].lower(),
            f" {good[0]}",
            f"{good[0]}\u200f",
            good[0] + "X",
            "",
            "\u0000",
            good[0].replace("I", "\u0130"),
            good[0].replace("A", "\u0410"),
        ]
        target[key] = rng.choice([o for o in options if o not in good])
        return "enum_violation"
    target[key] = rng.choice(BAD_FORMATS[spec["format"]])
    return f"bad_format:{spec['format']}"


def _schema_at(root: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    node = root
    for p in path:
        node = non_null(node, root)["properties"][p]
    return node


def _deep(depth: int, leaf: str = "0") -> str:
    return '{"a":' * depth + leaf + "}" * depth


BODY_MUTATIONS: dict[str, list[bytes]] = {
    "not_json": [
        b"{oops",
        b"hello",
        b"{'a': 1}",
        b'{"a":}',
        b"{,}",
        b"\x00\x01\x02",
        b'{"a" 1}',
        b"<xml/>",
        b"\x1f\x8b\x08\x00compressed",
        b"\x00",
        b"{\x00}",
    ],
    "invalid_utf8": [
        b'{"phone": "\xff"}',
        b"\xc3\x28",
        b'{"route": "\xed\xa0\x80"}',
        b"\xfe\xff{}",
        b'{"request_id": "\xf4\x90\x80\x80"}',
        b'{"a": "\xc0\xaf"}',
        b"\xff" * 1000,
    ],
    "non_object": [b"[]", b"[1, 2]", b"1", b'"text"', b"null", b"true", b"-0.0e-0", b"[{}]"],
    "not_a_number": [b'{"page_size": NaN}', b'{"min_position": Infinity}', b'{"a": -Infinity}'],
    "duplicate_key": [
        b'{"callback_id": "x", "callback_id": "y"}',
        b'{"a": 1, "a": 1}',
        b'{"routing": {"agent": "kim", "agent": "lee"}}',
    ],
    # Deeper than ~900 levels: see test_fuzz_wire.test_very_deep_json_still_gets_a_reply
    # (a known bug).
    "deep_nesting": [_deep(d).encode() for d in (MAX_DEPTH + 1, MAX_DEPTH + 2, 100, 500)],
    "deep_array": [
        ('{"callback_ids":' + "[" * d + "]" * d + "}").encode() for d in (MAX_DEPTH + 1, 500)
    ],
    "lone_surrogate": [
        b'{"route": "\\ud800"}',
        b'{"remark": "\\udfff\\ud800"}',
        b'{"phone": "\\ud83d"}',
    ],
    "bom": [b'\xef\xbb\xbf{"request_id": "r"}'],
    "trailing_garbage": [b"{} {}", b"{}x", b'{"a": 1}]'],
}


def body_cases(name: str) -> st.SearchStrategy[list[Case]]:
    """Every body that is not one JSON object of bounded depth, each with drawn headers."""
    bodies = [(m, b) for m, values in sorted(BODY_MUTATIONS.items()) for b in values]

    @st.composite
    def build(draw: st.DrawFn) -> list[Case]:
        return [
            Case(
                name,
                _tail(draw, name, invalid=True),
                body,
                draw(_headers(name, invalid=True)),
                m,
                True,
            )
            for m, body in bodies
        ]

    return build()


@st.composite
def invalid_cases(draw: st.DrawFn, name: str, per_draw: int = 20) -> list[Case]:
    """Up to `per_draw` requests for `name` that must be refused (nothing may be recorded).

    Hypothesis draws an instance of the schema, the subject token, the headers and a
    seed; the seed picks which of the instance's possible mutations to apply (one to
    three each), so a draw yields several distinct refusals cheaply.
    """
    root = schema(name)
    doc = draw(instance(root, root))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    cases = []
    for _ in range(per_draw):
        for _ in range(5):  # until the body fits in one NATS message (see the limits test for more)
            mutated = json.loads(json.dumps(doc))
            applied = []
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                options = mutations_of(mutated, root)
                applied.append(mutate(mutated, root, rng, *rng.choice(options)))
            body = _encode(rng, mutated)
            if len(body) < MAX_PAYLOAD - 8192:
                break
        else:
            body, applied = b"{" + b'"x": 1, ' * 10 + b"}", ["not_json"]
        cases.append(
            Case(
                name,
                _tail(draw, name, invalid=True),
                body,
                draw(_headers(name, invalid=True)),
                "+".join(applied),
                True,
            )
        )
    return cases


def _encode(rng: random.Random, doc: Any) -> bytes:
    text = json.dumps(
        doc, ensure_ascii=rng.random() < 0.5, separators=rng.choice([(",", ":"), (", ", ": ")])
    )
    return text.encode("utf-8", "surrogatepass")


TOKENS = st.one_of(
    st.sampled_from([*AGENTS, "ghost"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=80),
    st.sampled_from(["\ud55c\uad6d", "\U0001f642", "a" * 65, "\u202ekim", "-", "_", "KIM"]),
)


def _tail(draw: st.DrawFn, name: str, *, invalid: bool) -> str:
    tail = TAIL[name]
    if "{id}" not in tail:
        return tail
    token = draw(TOKENS)
    return tail.replace("{id}", token)


_header_strategies: dict[str, st.SearchStrategy[dict[str, str] | None]] = {}


def _headers(name: str, *, invalid: bool) -> st.SearchStrategy[dict[str, str] | None]:
    family = FAMILY[name]
    if family not in _header_strategies:
        _header_strategies[family] = _headers_of(family)
    return _header_strategies[family]


def _headers_of(family: str) -> st.SearchStrategy[dict[str, str] | None]:
    odd = st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\x00:"), max_size=220
    )
    if family == "admin":
        return st.one_of(
            st.just({"Callbacks-Actor": "sv-fuzz"}),
            st.just({"Callbacks-Actor": "root-fuzz", "Callbacks-Role": "ADMIN"}),
            st.sampled_from([{"Callbacks-Actor": a} for a in AGENTS]),
            st.builds(
                lambda a, r: {"Callbacks-Actor": a, "Callbacks-Role": r},
                odd,
                st.one_of(
                    st.sampled_from(
                        [
                            "ADMIN",
                            "SUPERVISOR",
                            "ASSIGNER",
                            "MONITOR",
                            "IVR",
                            "AGENT",
                            "SYSTEM",
                            "admin",
                            " king ",
                        ]
                    ),
                    odd,
                ),
            ),
            st.none(),
        )
    if family == "query":
        return st.one_of(
            st.none(),
            st.builds(
                lambda r: {"Callbacks-Role": r},
                st.one_of(
                    st.sampled_from(
                        ["ADMIN", "SUPERVISOR", "ASSIGNER", "MONITOR", "IVR", "AGENT", "monitor"]
                    ),
                    odd,
                ),
            ),
        )
    if family in ("intake", "submit"):
        return st.one_of(st.none(), st.builds(lambda a: {"Callbacks-Actor": a}, odd))
    return st.one_of(
        st.none(), st.builds(lambda a: {"Callbacks-Actor": a, "Callbacks-Role": "ADMIN"}, odd)
    )


# ------------------------------------------------------ boundary requests (may be accepted)
def edge(doc: dict[str, Any], root: dict[str, Any], rng: random.Random) -> str:
    """Moves one field of `doc` to an edge of its schema (the result may be valid)."""
    path, node = rng.choice(_sites(doc, root, root))
    target = _get(doc, path)
    props = node.get("properties", {})
    if not props:
        return "as_drawn"
    key = rng.choice(sorted(props))
    spec = non_null(props[key], root)
    kind = spec.get("type")
    if kind == "string" and "format" not in spec and "enum" not in spec:
        limit = spec.get("maxLength", 300)
        n = rng.choice(sorted({0, 1, limit - 1, limit, limit + 1}))
        piece = rng.choice([*EDGE_CHARS, "x", "7"])
        target[key] = (piece * n)[:n]
        return f"edge_string:{key}:{n}"
    if kind == "integer":
        lo, hi = spec.get("minimum", 0), spec.get("maximum", 2**63 - 1)
        target[key] = rng.choice([lo, lo + 1, hi, hi + 1, lo - 1])
        if key == "min_position" and target[key] > 10:
            target[key] = rng.choice([0, -1])  # (a huge valid one waits 2 s: see the limits test)
        return f"edge_integer:{key}"
    if kind == "array":
        limit = spec.get("maxItems", 10)
        n = rng.choice([0, 1, limit, limit + 1])
        item = non_null(spec.get("items", {}), root)
        if item.get("format") == "uuid":
            target[key] = (
                (KNOWN_IDS * (n // max(len(KNOWN_IDS), 1) + 1))[:n]
                if KNOWN_IDS and rng.random() < 0.5
                else _uuidish(rng, n)
            )
        elif "enum" in item:
            target[key] = [item["enum"][i % len(item["enum"])] for i in range(n)]
        else:
            target[key] = [rng.choice([*AGENTS, f"a{i}"]) for i in range(n)]
        return f"edge_array:{key}:{n}"
    if spec.get("format") == "date-time":
        now = datetime.now(UTC)
        target[key] = rng.choice(
            [
                "2030-01-01T10:00:00",
                "2000-01-01T00:00:00Z",
                "9999-12-31T23:59:59+14:00",
                "0001-01-01T00:00:00-12:00",
                "2026-11-23T14:30:00.123456789+09:00",
                (now + timedelta(days=30, minutes=-1)).isoformat(),
                (now + timedelta(days=30, minutes=1)).isoformat(),
                (now - timedelta(minutes=1)).isoformat(),
                (now - timedelta(minutes=3)).isoformat(),
                (now + timedelta(minutes=1)).isoformat(),
                (now + timedelta(hours=3)).isoformat(),
            ]
        )
        return f"edge_time:{key}"
    if spec.get("format") == "date":
        target[key] = rng.choice(
            ["0001-01-01", "9999-12-31", "2026-02-28", "2028-02-29", str(datetime.now(UTC).date())]
        )
        return f"edge_date:{key}"
    if "enum" in spec:
        target[key] = rng.choice(spec["enum"])
        return f"enum:{key}"
    target[key] = None
    return f"null:{key}"


def _special(name: str, root: dict[str, Any], rng: random.Random) -> tuple[bytes, str]:
    special = rng.choice(["empty", "whitespace", "near_max_payload", "many_keys", "exact_depth"])
    if special == "empty":
        return b"", "empty_body"
    if special == "whitespace":
        return b" \t\r\n ", "whitespace_body"
    if special == "exact_depth":
        return _deep(MAX_DEPTH - 1).encode(), f"depth_{MAX_DEPTH}"
    if special == "many_keys":
        n = rng.choice([100, 1000, 5000])  # (the replies' bound: see the limits test)
        return json.dumps({f"k{i}": i for i in range(n)}).encode(), f"many_unknown_keys:{n}"
    # A body just under NATS's max_payload (headers count too: leave them room).
    room = MAX_PAYLOAD - 4096 - rng.randrange(0, 2048)
    key = rng.choice(sorted(root.get("properties", {}) or {"x": 0}))
    filler = rng.choice(["x", "\U0001f642", "\u200f"])
    n = (room - len(json.dumps({key: ""}).encode())) // len(filler.encode())
    body = json.dumps({key: filler * n}, ensure_ascii=False).encode()
    return body, f"near_max_payload:{len(body)}"


@st.composite
def boundary_cases(draw: st.DrawFn, name: str, per_draw: int = 10) -> list[Case]:
    """Requests at the edges of `name`'s schema, from one drawn instance; they may be accepted."""
    root = schema(name)
    doc = draw(instance(root, root))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    cases = []
    for _ in range(per_draw):
        if rng.random() < 0.04:
            body, what = _special(name, root, rng)
        else:
            edged = json.loads(json.dumps(doc))
            what = (
                "+".join(edge(edged, root, rng) for _ in range(rng.choice([0, 1, 1, 2])))
                or "as_drawn"
            )
            body = _encode(rng, edged)
        cases.append(
            Case(
                name,
                _tail(draw, name, invalid=False),
                body,
                draw(_headers(name, invalid=False)),
                what,
                False,
            )
        )
    return cases
