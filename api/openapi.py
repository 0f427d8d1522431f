"""The OpenAPI document served at ``/api``: FastAPI's, written down as OpenAPI 3.0.

OGC API - Features Part 1 names OpenAPI 3.0, and GDAL, OWSLib and schemathesis read
a 3.0 document most reliably, while FastAPI generates 3.1. The conversion here is
small (nullable instead of a ``null`` type, boolean exclusive bounds, ``const`` as a
one-value enum). It also writes the configured ``limit`` default and maximum into
every ``limit`` parameter, which is how GDAL's OAPIF driver picks its page size.
"""

from __future__ import annotations

from typing import Any

from api.settings import Settings


def _downgrade(node: Any) -> Any:
    if isinstance(node, list):
        return [_downgrade(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _downgrade(v) for k, v in node.items()}
    for key in ("anyOf", "oneOf"):
        options = out.get(key)
        if isinstance(options, list) and any(o == {"type": "null"} for o in options):
            rest = [o for o in options if o != {"type": "null"}]
            del out[key]
            if len(rest) == 1:
                inner = rest[0]
                if "$ref" in inner:
                    out["allOf"] = [inner]
                else:
                    out = {**inner, **out}
            elif rest:
                out[key] = rest
            out["nullable"] = True
    if isinstance(out.get("type"), list):
        types = [t for t in out["type"] if t != "null"]
        if len(types) < len(out["type"]):
            out["nullable"] = True
        out["type"] = types[0] if len(types) == 1 else types
        if isinstance(out["type"], list):  # several non-null types: no 3.0 spelling, accept any
            del out["type"]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = out.get(bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[plain] = value
            out[bound] = True
    if "examples" in out and isinstance(out["examples"], list) and "in" not in out:
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    return out


def _rate_limited(method: str, path: str) -> bool:
    """True for operations that ``api.ratelimit`` may answer with 429 (writes, rasters, PNGs, downloads)."""
    if method.upper() in ("POST", "PATCH", "PUT", "DELETE"):
        return True
    return path.endswith(("/items", "/likelihood.tif", ".png"))


def downgrade_to_30(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """FastAPI's 3.1 document as OpenAPI 3.0.3, with ``limit`` bounds from ``settings``."""
    doc: dict[str, Any] = _downgrade(schema)
    doc["openapi"] = "3.0.3"
    doc.pop("jsonSchemaDialect", None)
    doc.pop("webhooks", None)
    from api.errors import PROBLEM_JSON, PROBLEM_SCHEMA

    for path, path_item in doc.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            if settings.rate_limit and _rate_limited(method, path):
                responses.setdefault(
                    "429",
                    {
                        "description": "Too many requests from this client (per-client rate limit)",
                        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
                        "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
                    },
                )
            # FastAPI documents a 422 'HTTPValidationError' body that this service never sends:
            # parameter errors are 400 problems and body errors 422 problems (api.errors).
            auto = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if "HTTPValidationError" in str(auto):
                del responses["422"]
            # Every error of this service is a problem+json document: say so for any status.
            responses.setdefault(
                "default",
                {
                    "description": "An error (RFC 9457 problem details)",
                    "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
                },
            )
            for param in operation.get("parameters", []):
                if param.get("name") == "limit" and param.get("in") == "query":
                    param["schema"] = {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": settings.max_limit,
                        "default": settings.default_limit,
                    }
                    param["description"] = (
                        f"Items per page (default {settings.default_limit}, maximum {settings.max_limit}; "
                        "a larger value is served as the maximum). For downloads (f=geojson, csv, ...) "
                        "all matching items are returned unless limit is given."
                    )
                    param["style"] = "form"
                    param["explode"] = False
    schemas = doc.get("components", {}).get("schemas", {})
    if "HTTPValidationError" in schemas and "#/components/schemas/HTTPValidationError" not in str(doc.get("paths")):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return doc
