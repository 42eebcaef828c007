"""The checks every fuzzed answer must pass: schemathesis' own, and the one error shape."""

from __future__ import annotations

import json

import jsonschema
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

_VALIDATORS: dict[int, jsonschema.Draft202012Validator] = {}


def _error_body_validator(document: dict) -> jsonschema.Draft202012Validator:
    """ErrorBody of the document, its $refs resolved within the document."""
    validator = _VALIDATORS.get(id(document))
    if validator is None:
        schema = {**document["components"]["schemas"]["ErrorBody"],
                  "components": document["components"]}
        validator = _VALIDATORS[id(document)] = jsonschema.Draft202012Validator(schema)
    return validator


@schemathesis.check
def error_shape(ctx, response, case) -> bool | None:
    """Every 4xx and 5xx is JSON `{"error": {"code", "message", "details"}}` and nothing else,
    whatever the operation documents (chalicelib/errors.py, schema ErrorBody)."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), (
        f"error answer {response.status_code} is {content_type or 'without a content type'}, "
        "not JSON")
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"error answer {response.status_code} is not valid JSON") from None
    problem = jsonschema.exceptions.best_match(
        _error_body_validator(case.operation.schema.raw_schema).iter_errors(body))
    assert problem is None, (f"error answer {response.status_code} is not the one error shape: "
                             f"{problem.message if problem else ''}")
    assert body["error"]["code"], "error code is empty"
    return True


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, error_shape]
