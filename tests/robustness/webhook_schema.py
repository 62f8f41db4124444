"""A JSON Schema for webhook bodies, derived from LINE's own webhook.yml, for hypothesis-jsonschema.

OpenAPI's discriminators (Event.type, MessageContent.type, Source.type, ...) become `oneOf` over the
concrete schemas with the discriminating property pinned, so generated events are of real kinds.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "line-openapi" / "webhook.yml"
VENDORED = Path(__file__).resolve().parents[2] / "bot" / "emulator" / "spec" / "webhook.yml"


def _load() -> dict[str, Any]:
    path = SPEC if SPEC.exists() else VENDORED
    return yaml.safe_load(path.read_text())


def _refs(node: Any, bases: set[str], in_allof: bool = False) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/components/schemas/"):
                name = v.rsplit("/", 1)[1]
                # A subclass's allOf points at its base's own properties, not back at the oneOf.
                out[k] = f"#/definitions/{name}__base" if (in_allof and name in bases) else f"#/definitions/{name}"
            elif k == "allOf":
                out[k] = [_refs(x, bases, in_allof=True) for x in v]
            elif k in ("discriminator", "example", "externalDocs", "readOnly", "nullable", "x-line-addition"):
                continue
            else:
                out[k] = _refs(v, bases)
        return out
    if isinstance(node, list):
        return [_refs(x, bases) for x in node]
    return node


def webhook_body_schema() -> dict[str, Any]:
    schemas = _load()["components"]["schemas"]
    bases = {name for name, s in schemas.items() if isinstance(s, dict) and "discriminator" in s}
    definitions: dict[str, Any] = {}
    for name, s in schemas.items():
        converted = _refs(copy.deepcopy(s), bases)
        if name in bases:
            disc = s["discriminator"]
            prop = disc["propertyName"]
            definitions[f"{name}__base"] = converted
            definitions[name] = {
                "oneOf": [
                    {
                        "allOf": [
                            {"$ref": f"#/definitions/{ref.rsplit('/', 1)[1]}"},
                            {"properties": {prop: {"const": key}}, "required": [prop]},
                        ]
                    }
                    for key, ref in disc.get("mapping", {}).items()
                ]
            }
        else:
            definitions[name] = converted
    return {"$ref": "#/definitions/CallbackRequest", "definitions": definitions}


def strategy(schema: dict[str, Any] | None = None) -> Any:
    """A hypothesis strategy for webhook bodies. (hypothesis-jsonschema would do this, but its release
    does not work with current hypothesis; the spec uses a small subset of JSON Schema, covered here.)"""
    root = schema or webhook_body_schema()
    return _Builder(root["definitions"]).build(root)


class _Builder:
    """JSON Schema (the subset the spec uses) to hypothesis strategies: one method per kind of schema."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs

    def resolve(self, s: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in s:
            s = self.defs[s["$ref"].rsplit("/", 1)[1]]
        return s

    def merged(self, s: dict[str, Any]) -> dict[str, Any]:
        """Flatten allOf into one object schema (properties and required of every part)."""
        s = self.resolve(s)
        if "allOf" not in s:
            return s
        out: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in s["allOf"]:
            p = self.merged(part)
            out["properties"].update(p.get("properties", {}))
            out["required"] += p.get("required", [])
        out["properties"].update(s.get("properties", {}))
        out["required"] += s.get("required", [])
        return out

    def build(self, s: dict[str, Any], depth: int = 0) -> Any:
        from hypothesis import strategies as st

        s = self.resolve(s)
        if "oneOf" in s:
            return st.one_of([st.deferred(lambda o=o: self.build(o, depth + 1)) for o in s["oneOf"]])  # type: ignore[misc]
        if "allOf" in s:
            s = self.merged(s)
        if "const" in s:
            return st.just(s["const"])
        if "enum" in s:
            return st.sampled_from(s["enum"])
        t = s.get("type", "object" if "properties" in s else None)
        if t == "object":
            return self.object(s, depth)
        if t == "array":
            return st.lists(self.build(s.get("items", {}), depth + 1), max_size=min(s.get("maxItems", 4), 4))
        return self.scalar(t, s)

    def object(self, s: dict[str, Any], depth: int) -> Any:
        from hypothesis import strategies as st

        props = s.get("properties", {})
        required = set(s.get("required", []))
        req = {k: self.build(v, depth + 1) for k, v in props.items() if k in required}
        opt = {k: self.build(v, depth + 1) for k, v in props.items() if k not in required}
        base = st.fixed_dictionaries(req, optional=opt)
        extra = s.get("additionalProperties")
        if isinstance(extra, dict):
            return st.tuples(base, st.dictionaries(st.text(max_size=8), self.build(extra, depth + 1), max_size=3)).map(
                lambda t: {**t[1], **t[0]}
            )
        return base

    @staticmethod
    def scalar(t: str | None, s: dict[str, Any]) -> Any:
        from hypothesis import strategies as st

        if t == "string":
            if "pattern" in s:
                return st.from_regex(s["pattern"], fullmatch=True)
            return st.text(min_size=s.get("minLength", 0), max_size=min(s.get("maxLength", 40), 40))
        if t == "integer":
            return st.integers(min_value=-(2**53), max_value=2**53)
        if t == "number":
            return st.floats(allow_nan=False, allow_infinity=False)
        if t == "boolean":
            return st.booleans()
        return st.none() | st.text(max_size=5) | st.integers()
