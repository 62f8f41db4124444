"""Validation of HTTP requests against LINE's vendored OpenAPI files (loaded once per process)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from jsonschema_path import SchemaPath
from multidict import CIMultiDict
from openapi_core import OpenAPI
from openapi_core.configurations import Config
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import (
    OperationNotFound,
    PathNotFound,
    ServerNotFound,
)
from openapi_core.validation.request.exceptions import (
    MissingRequestBodyError,
    ParameterValidationError,
    RequestBodyValidationError,
    SecurityValidationError,
)
from openapi_core.validation.schemas.datatypes import FormatValidatorsDict
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory
from openapi_core.validation.schemas.validators import SchemaValidator
from openapi_schema_validator import OAS30WriteValidator

SPEC_DIR = Path(__file__).parent / "spec"
MESSAGING_API = SPEC_DIR / "messaging-api.yml"
WEBHOOK = SPEC_DIR / "webhook.yml"

# The spec serves most operations from api.line.me and blobs (rich menu images, message content) from
# api-data.line.me; the emulator answers both on one port, so the validator tries both hosts.
API_HOSTS = ("https://api.line.me", "https://api-data.line.me")
_BASE_PREFIX = "_EmulatorBase_"
AUTH_REQUIRED = "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"


def _discriminator(
    validator: Any, discriminator: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """Enforce OpenAPI's allOf-polymorphism, which LINE's spec uses for Message, Action, Flex, Event...

    openapi-schema-validator ignores a `discriminator` not beside oneOf/anyOf/allOf, so without this an
    unknown message type or a malformed Flex bubble would pass. `_split_bases` removed the back-reference from
    each subtype to its base, so descending into the subtype cannot loop.
    """
    if not isinstance(instance, dict):
        return
    prop = discriminator["propertyName"]
    value = instance.get(prop)
    if value is None:
        return  # `required` on the base reports the missing property
    mapping: Mapping[str, str] = discriminator.get("mapping", {})
    ref = mapping.get(value) if isinstance(value, str) else None
    if ref is None:
        yield ValidationError(f"{prop} {value!r} is not one of {sorted(mapping)}", validator=validator)
        return
    yield from validator.descend(instance, {"$ref": ref})


_Validator = extend(OAS30WriteValidator, {"discriminator": _discriminator})


class _CachedValidators(SchemaValidatorsFactory):
    """openapi-core builds a validator (deep-copying a format checker) for every schema of every request;
    the spec never changes, so one validator per schema location serves the whole process."""

    def __init__(self) -> None:
        super().__init__(_Validator)
        self._cache: dict[tuple[Any, ...], SchemaValidator] = {}

    def create(
        self,
        spec: SchemaPath,
        schema: SchemaPath,
        format_validators: FormatValidatorsDict | None = None,
        extra_format_validators: FormatValidatorsDict | None = None,
        forbid_unspecified_additional_properties: bool = False,
        enforce_properties_required: bool = False,
    ) -> SchemaValidator:
        if format_validators is not None or extra_format_validators is not None:
            return super().create(
                spec,
                schema,
                format_validators,
                extra_format_validators,
                forbid_unspecified_additional_properties,
                enforce_properties_required,
            )
        key = (tuple(schema.parts), forbid_unspecified_additional_properties, enforce_properties_required)
        found = self._cache.get(key)
        if found is None:
            found = super().create(
                spec,
                schema,
                forbid_unspecified_additional_properties=forbid_unspecified_additional_properties,
                enforce_properties_required=enforce_properties_required,
            )
            self._cache[key] = found
        return found


def _split_bases(spec: dict[str, Any]) -> dict[str, Any]:
    """Copy each discriminated base schema without its discriminator; point its subtypes' allOf at the copy.

    Only the in-memory dict changes; the vendored files stay byte-identical to upstream.
    """
    schemas: dict[str, Any] = spec["components"]["schemas"]
    for name, schema in list(schemas.items()):
        disc = schema.get("discriminator")
        if not disc or "mapping" not in disc:
            continue
        base_ref = f"#/components/schemas/{name}"
        plain = {k: v for k, v in schema.items() if k != "discriminator"}
        schemas[_BASE_PREFIX + name] = plain
        for target in disc["mapping"].values():
            sub = schemas.get(target.rsplit("/", 1)[-1])
            if not sub:
                continue
            for part in sub.get("allOf", []):
                if part.get("$ref") == base_ref:
                    part["$ref"] = f"#/components/schemas/{_BASE_PREFIX}{name}"
    return spec


def _load(path: Path) -> OpenAPI:
    with path.open(encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    config = Config(schema_validators_factory=_CachedValidators())
    return OpenAPI.from_dict(_split_bases(copy.deepcopy(raw)), config=config)


@functools.cache
def messaging_api() -> OpenAPI:
    return _load(MESSAGING_API)


@functools.cache
def webhook_api() -> OpenAPI:
    return _load(WEBHOOK)


@dataclass(slots=True)
class _Request:
    """The request protocol openapi-core expects, built from what the emulator read off the socket."""

    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters = field(default_factory=RequestParameters)


@dataclass(frozen=True, slots=True)
class SpecError:
    """Why a request does not match the spec, and how LINE would answer it."""

    status: int
    message: str
    details: list[dict[str, str]]

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.details:
            out["details"] = self.details
        return out


def _property(error: ValidationError) -> str:
    """`messages[0].text`, the way LINE names the offending property in its error details."""
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _leaves(error: BaseException) -> list[ValidationError]:
    """The most specific jsonschema errors under an openapi-core exception chain."""
    found: list[ValidationError] = []
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        errs = getattr(e, "schema_errors", None)
        if errs:
            for se in errs:
                found.extend(_deepest(se))
        stack.append(e.__cause__)
        stack.append(e.__context__)
    return found


def _deepest(error: ValidationError) -> list[ValidationError]:
    if not error.context:
        return [error]
    out: list[ValidationError] = []
    for sub in error.context:
        out.extend(_deepest(sub))
    return out


def validate_request(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None,
    content_type: str,
) -> SpecError | None:
    """Check one Messaging API request; None when it matches `messaging-api.yml`."""
    api = messaging_api()
    params = RequestParameters(query={}, header=CIMultiDict(headers), cookie={})
    last: Exception | None = None
    for host in API_HOSTS:
        req = _Request(host, path, method.lower(), body or None, content_type, params)
        try:
            api.validate_request(req)
            return None
        except ServerNotFound as e:
            last = e
            continue
        except PathNotFound:
            return SpecError(404, "Not found", [])
        except OperationNotFound:
            return SpecError(405, "Method not allowed", [])
        except SecurityValidationError:
            return SpecError(401, AUTH_REQUIRED, [])
        except Exception as e:  # openapi-core raises a family of errors; all mean "400 from LINE"
            return _bad_request(e)
    return SpecError(404, f"Not found ({last})", [])


def _short(text: str, limit: int = 300) -> str:
    # jsonschema puts the whole offending value in its message; a 5,001-character text would swamp the log.
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bad_request(error: Exception) -> SpecError:
    leaves = _leaves(error)
    details: list[dict[str, str]] = []
    for leaf in leaves:
        d = {"message": _short(leaf.message), "property": _property(leaf)}
        if d not in details:
            details.append(d)
    if isinstance(error, ParameterValidationError):
        return SpecError(400, f"The value for the '{error.name}' {error.location} is invalid", details)
    if isinstance(error, MissingRequestBodyError):
        return SpecError(400, "The request body is missing", [])
    if details:
        return SpecError(400, f"The request body has {len(details)} error(s)", details)
    if isinstance(error, RequestBodyValidationError):
        cause = error.__cause__
        return SpecError(400, _short(f"The request body is invalid: {cause or error}"), [])
    return SpecError(400, _short(str(error)), [])


@dataclass(slots=True)
class _Response:
    status_code: int
    headers: Mapping[str, str]
    data: bytes | None
    content_type: str


def validate_response(
    method: str, path: str, status: int, headers: Mapping[str, str], body: bytes, content_type: str
) -> list[str]:
    """Errors of one of the emulator's own answers against the spec (the tests hold the emulator to it too)."""
    params = RequestParameters(query={}, header=CIMultiDict({"Authorization": "Bearer x"}), cookie={})
    response = _Response(status, CIMultiDict(headers), body or None, content_type)
    for host in API_HOSTS:
        req = _Request(host, path, method.lower(), None, "application/json", params)
        try:
            messaging_api().validate_response(req, response)
        except ServerNotFound:
            continue
        except Exception as e:  # any failure is a finding to report, not to raise
            leaves = _leaves(e)
            return [f"{_property(x)}: {x.message}" for x in leaves] or [f"{e}: {e.__cause__}"]
        return []
    return [f"no server serves {path}"]


def validate_webhook_body(body: bytes) -> list[str]:
    """Errors of a webhook body against `webhook.yml` (used by the tests on what the emulator sends)."""
    params = RequestParameters(query={}, header=CIMultiDict({"Content-Type": "application/json"}), cookie={})
    req = _Request("https://example.com", "/callback", "post", body, "application/json", params)
    try:
        webhook_api().validate_request(req)
    except Exception as e:  # any failure is a finding to report, not to raise
        leaves = _leaves(e)
        return [f"{_property(x)}: {x.message}" for x in leaves] or [str(e)]
    return []
