"""Hypothesis strategies for random webhook bodies that `spec/webhook.yml` accepts (property-based tests).

Import this only from tests: it needs hypothesis, a development dependency. The strategies follow the spec's
own schemas, so every body drawn validates against webhook.yml; a bot must answer each of them without a 500.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import yaml
from hypothesis import strategies as st

from bot.emulator.openapi import WEBHOOK, _split_bases

Schema = dict[str, Any]
_REF = "#/components/schemas/"
# Kept small: the point is variety of shape, and a bot's answer time grows with the body.
_MAX_ITEMS = 3
_MAX_TEXT = 40


@functools.cache
def _schemas() -> dict[str, Schema]:
    with WEBHOOK.open(encoding="utf-8") as f:
        spec = _split_bases(copy.deepcopy(yaml.safe_load(f)))
    schemas: dict[str, Schema] = spec["components"]["schemas"]
    return schemas


def _resolve(schema: Schema) -> Schema:
    while "$ref" in schema:
        schema = _schemas()[schema["$ref"].removeprefix(_REF)]
    return schema


def _string(schema: Schema) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    if schema.get("format") == "uri":
        return st.builds(lambda n: f"https://example.com/{n}", st.integers(min_value=0, max_value=10**6))
    low = int(schema.get("minLength", 0))
    high = min(int(schema.get("maxLength", _MAX_TEXT)), max(low, _MAX_TEXT))
    return st.text(min_size=low, max_size=high)


def _object(schema: Schema, forced: dict[str, str]) -> st.SearchStrategy[dict[str, Any]]:
    """Required properties always, optional ones sometimes; `forced` pins discriminator values."""
    props: dict[str, Schema] = {}
    required: set[str] = set()
    for part in [schema, *schema.get("allOf", [])]:
        part = _resolve(part)
        props.update(part.get("properties", {}))
        required.update(part.get("required", []))
        for inner in part.get("allOf", []):
            inner = _resolve(inner)
            props.update(inner.get("properties", {}))
            required.update(inner.get("required", []))
    fixed = {name: st.just(value) for name, value in forced.items()}
    must = {n: from_schema(s) for n, s in props.items() if n in required and n not in forced}
    may = {n: from_schema(s) for n, s in props.items() if n not in required and n not in forced}
    return st.fixed_dictionaries({**fixed, **must}, optional=may)


def from_schema(schema: Schema, forced: dict[str, str] | None = None) -> st.SearchStrategy[Any]:
    """Values valid for one schema of webhook.yml (the OpenAPI 3.0 subset that file uses)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(_REF)
        return st.deferred(lambda: _named(name))  # deferred: Source/Mentionee and others nest
    disc = schema.get("discriminator")
    if disc and "mapping" in disc and not forced:
        prop = disc["propertyName"]
        return st.one_of(
            [
                from_schema(_schemas()[target.removeprefix(_REF)], {prop: value})
                for value, target in sorted(disc["mapping"].items())
            ]
        )
    kind = schema.get("type")
    if kind == "object" or "properties" in schema or "allOf" in schema:
        if "additionalProperties" in schema and "properties" not in schema:
            return st.dictionaries(st.text(min_size=1, max_size=10), from_schema(schema["additionalProperties"]))
        return _object(schema, forced or {})
    if kind == "array":
        low = int(schema.get("minItems", 0))
        high = min(int(schema.get("maxItems", _MAX_ITEMS)), max(low, _MAX_ITEMS))
        return st.lists(from_schema(schema["items"]), min_size=low, max_size=high)
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        # int32 fields (mention index/length...) are checked against their format; int64 ones stay within
        # what JavaScript and JSON parsers read exactly.
        high = 2**31 - 1 if schema.get("format") == "int32" else 2**53
        return st.integers(min_value=schema.get("minimum", 0), max_value=schema.get("maximum", high))
    if kind == "number":
        return st.floats(min_value=-180, max_value=180, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    return st.none()


@functools.cache
def _named(name: str) -> st.SearchStrategy[Any]:
    return from_schema(_schemas()[name])


def events() -> st.SearchStrategy[dict[str, Any]]:
    """One webhook event of any kind webhook.yml defines."""
    return _named("Event")


def callback_bodies(max_events: int = 5) -> st.SearchStrategy[dict[str, Any]]:
    """`{"destination", "events"}` bodies, ready for `json.dumps` + `emu.send_raw(body, emu.sign(body))`."""
    destination = st.from_regex(r"^U[0-9a-f]{32}$", fullmatch=True)
    return st.fixed_dictionaries(
        {"destination": destination, "events": st.lists(events(), min_size=0, max_size=max_events)}
    )
