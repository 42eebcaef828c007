"""The OpenAPI 3.1 document of the API, built from the code, never written by hand.

    python -m chalicelib.openapi          # write docs/openapi.json (`make openapi`)
    python -m chalicelib.openapi --check  # exit 1 if docs/openapi.json is not what the code says

Where each part comes from:
- paths and methods: Chalice's route table (`app.routes`); each route's declaration
  (`route(..., auth=, body=, query=, response=, status=)` in chalicelib/routes/_http.py) is
  looked up per (method, path). A route without one is an error, not a gap in the document.
- path parameters: the `{name}` segments of the path;
- query parameters: the fields of the declared query model (by alias: `from`, `to`);
- request bodies and responses: the declared pydantic models' JSON schemas
  (`model_json_schema(ref_template="#/components/schemas/{model}")`, their `$defs` hoisted
  into components/schemas; two different schemas under one name are an error);
- errors: every operation answers every 4xx and 503 in the one error shape
  (chalicelib/errors.py), with the likely ones (401, 403, 422, ...) listed by name;
- auth: security requirements per operation from its `auth` (a bearer token, an X-Device-Id, a
  body signature, or none); the roles served in `x-roles` and the description.

Cost: no DynamoDB access. Building it imports every schema module and every job's module (the
jobs' request models) and generates every model's schema: about 1.5 s the first time on the
development machine, 0.5 s after. GET /openapi.json builds it on first use per container and
keeps it; nothing here loads at cold start.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import re
import sys
from http import HTTPStatus
from pathlib import Path
from typing import Any

from chalicelib.routes._http import JSON, OPERATIONS, Auth, ModelPerParam, Operation, resolve_model

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
TITLE = "pan-shelf commerce API"
DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
REF = "#/components/schemas/{model}"
METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH")  # the order within a path
DESCRIPTION = """\
The backend of a pan-shelf (货架) commerce platform: shops and products, the storefront, search,
the mall and recommendations, cart and orders, after-sales, scores, live sessions and short
videos, creators, distribution and the Chuanliu plan.

- **Auth**: `Authorization: Bearer <JWT>` carrying `sub` and `role` (shopper, merchant, creator,
  ops). Each operation says which roles it serves (`x-roles`); ownership (a merchant's own shop,
  a shopper's own order) is checked on top, and someone else's resource is usually 404.
- **Errors**: every 4xx and 5xx answer is `{"error": {"code", "message", "details"}}`; `code` is
  stable and machine-readable, `details` name the fields of a validation error.
- **Lists** page with `limit` and an opaque signed `cursor`: pass a page's `next_cursor` back
  for the next one (null on the last page).
- **Money** is integer fen (分); times are ISO 8601 UTC with milliseconds; business days are
  YYYY-MM-DD in Asia/Shanghai.
- **Numbers**: counts are integers; every other number is rounded to the places its schema
  states as `x-decimals` (rates 4, scores and points 3, percentages 1).
"""

SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": "a token with `sub` and `role` (shopper, merchant, creator, ops)"},
    "device": {"type": "apiKey", "in": "header", "name": "X-Device-Id",
               "description": "an app install's id (8 to 64 letters, digits, _ or -): "
                              "behaviour events from shoppers who have not signed in"},
    "signature": {"type": "apiKey", "in": "header", "name": "X-Signature",
                  "description": "hex HMAC-SHA256 of the raw body with the sender's shared "
                                 "secret (payment provider, carriers)"},
}

# (status, component name, description): the errors listed by name where they apply; "4XX"
# covers every other 4xx.
ERRORS = {
    400: ("BadRequest", "malformed JSON, a bad cursor or header, or another bad request"),
    401: ("Unauthorized", "no credentials, or an invalid or expired token"),
    403: ("Forbidden", "the caller's role or ownership does not allow it"),
    413: ("PayloadTooLarge", "the body is over the size limit"),
    415: ("UnsupportedMediaType", "the body is not application/json"),
    422: ("ValidationError", "invalid fields: `details` names each one"),
    503: ("ServiceUnavailable", "the work could not be done now (DynamoDB throttled or "
                                "unavailable); retry after `Retry-After` seconds"),
}
RETRY_AFTER = {"description": "seconds to wait before retrying (429 and 503)",
               "schema": {"type": "integer", "minimum": 0}}


class DocumentError(ValueError):
    """The code cannot be documented as it stands (an undeclared route, a schema clash)."""


class Components:
    """components/schemas, filled from pydantic models; one schema per name."""

    def __init__(self):
        self.schemas: dict[str, dict] = {}

    def ref(self, model: type, mode: str) -> dict:
        """A $ref to `model`'s schema (`mode`: validation for requests, serialization for
        responses), adding it and its $defs."""
        schema = self.hoist(model.model_json_schema(ref_template=REF, mode=mode))
        self.add(model.__name__, schema)
        return {"$ref": REF.format(model=model.__name__)}

    def hoist(self, schema: dict) -> dict:
        for name, definition in schema.pop("$defs", {}).items():
            self.add(name, definition)
        return schema

    def add(self, name: str, schema: dict) -> None:
        known = self.schemas.get(name)
        if known is not None and known != schema:
            raise DocumentError(f"two different schemas are called {name}: rename one model")
        self.schemas[name] = schema


def build_document(app=None) -> dict:
    """The OpenAPI document of `app` (the real one when not given)."""
    if app is None:
        from app import app
    components = Components()
    paths: dict[str, dict] = {}
    operation_ids: set[str] = set()
    tags: dict[str, str] = {}
    for path in sorted(app.routes):
        for method in sorted(app.routes[path], key=_method_order):
            operation = OPERATIONS.get((method, path))
            if operation is None:
                raise DocumentError(f"{method} {path} is not declared with _http.route()")
            entry = _operation(operation, components)
            if entry["operationId"] in operation_ids:
                raise DocumentError(f"two views are called {entry['operationId']}")
            operation_ids.add(entry["operationId"])
            tags.setdefault(operation.tag, _first_paragraph(
                sys.modules[operation.view.__module__].__doc__))
            paths.setdefault(path, {})[method.lower()] = entry
    components.add("ErrorBody", components.hoist(_error_model().model_json_schema(
        ref_template=REF, mode="serialization")))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": API_VERSION, "description": DESCRIPTION},
        "tags": [{"name": name, "description": text} for name, text in sorted(tags.items())],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "responses": _error_responses(),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


@functools.cache
def cached_document(app) -> dict:
    """The document of the serving app, built once per container (GET /openapi.json)."""
    return build_document(app)


def render(document: dict) -> str:
    import json

    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- one operation -----------------------------------------------------------------------------

def referenced_schemas(node, schemas: dict, found: set[str] | None = None) -> set[str]:
    """Names of the component schemas `node` (any part of a document) refers to, directly or
    through each other; `schemas` is the document's components/schemas."""
    found = set() if found is None else found
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in found:
                found.add(name)
                referenced_schemas(schemas[name], schemas, found)
        for value in node.values():
            referenced_schemas(value, schemas, found)
    elif isinstance(node, list):
        for value in node:
            referenced_schemas(value, schemas, found)
    return found


def _operation(operation: Operation, components: Components) -> dict:
    summary, description = _docstring(operation)
    entry: dict[str, Any] = {
        "operationId": operation.view.__name__,
        "summary": summary,
        "tags": [operation.tag],
    }
    roles = _roles_line(operation.auth)
    text = "\n\n".join(part for part in (description, roles) if part)
    if text:
        entry["description"] = text
    parameters = (_path_parameters(operation) + _header_parameters(operation)
                  + _query_parameters(operation, components))
    if parameters:
        entry["parameters"] = parameters
    if operation.body is not None:
        entry["requestBody"] = _request_body(operation, components)
    entry["responses"] = {**_success_responses(operation, components), **_errors(operation)}
    entry["security"] = _security(operation.auth)
    if operation.auth.roles:
        entry["x-roles"] = list(operation.auth.roles)
    return entry


def _docstring(operation: Operation) -> tuple[str, str]:
    """The view's docstring: its first line is the summary, the rest the description; a view
    without one is summarised from its name (`my_follows` → "My follows")."""
    doc = (operation.view.__doc__ or "").strip()
    if not doc:
        return operation.view.__name__.replace("_", " ").capitalize(), ""
    first, _, rest = doc.partition("\n\n")
    return " ".join(first.split()), " ".join(rest.split())


def _roles_line(auth: Auth) -> str:
    if not auth.schemes:
        return "No credentials needed."
    who = ", ".join(auth.roles) if auth.roles else "any role"
    if auth.optional:
        return f"A token is optional (anonymous calls are served); when sent it is checked ({who})."
    if auth.schemes == ("signature",):
        return "Signed by the sender: X-Signature over the raw body."
    return f"Roles: {who}."


def _path_parameters(operation: Operation) -> list[dict]:
    parameters = []
    for name in re.findall(r"{(\w+)}", operation.path):
        schema: dict[str, Any] = {"type": "string"}
        if isinstance(operation.body, ModelPerParam) and operation.body.param == name:
            schema["enum"] = sorted(operation.body.models())
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _header_parameters(operation: Operation) -> list[dict]:
    parameters = []
    for name, spec in operation.headers:
        schema = {"type": "string", **({"pattern": spec["pattern"]} if "pattern" in spec else {})}
        parameter = {"name": name, "in": "header", "required": bool(spec.get("required")),
                     "schema": schema}
        if spec.get("description"):
            parameter["description"] = spec["description"]
        parameters.append(parameter)
    return parameters


def _query_parameters(operation: Operation, components: Components) -> list[dict]:
    if operation.query is None:
        return []
    model = resolve_model(operation.query)
    schema = components.hoist(model.model_json_schema(ref_template=REF, mode="validation"))
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema.get("properties", {}).items():
        field = {key: value for key, value in field.items() if key != "title"}
        description = field.pop("description", None)
        parameter = {"name": name, "in": "query", "required": name in required,
                     "schema": _not_null(field)}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _not_null(schema: dict) -> dict:
    """A query value is text or absent, never JSON null: drop the null branch of an Optional."""
    branches = [branch for branch in schema.get("anyOf", ()) if branch != {"type": "null"}]
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    if rest.get("default", ...) is None:
        del rest["default"]
    if "anyOf" not in schema:
        return rest
    return {**branches[0], **rest} if len(branches) == 1 else {**rest, "anyOf": branches}


def _request_body(operation: Operation, components: Components) -> dict:
    if isinstance(operation.body, ModelPerParam):
        models = operation.body.models()
        unique = list(dict.fromkeys(models.values()))
        schema = {"anyOf": [components.ref(model, "validation") for model in unique]}
        description = f"depends on `{operation.body.param}`: " + "; ".join(
            f"{value}: {model.__name__}" for value, model in sorted(models.items()))
        required = all(_has_required_fields(model) for model in unique)
    else:
        model = resolve_model(operation.body)
        schema, description = components.ref(model, "validation"), None
        required = _has_required_fields(model)
    body: dict[str, Any] = {"required": required, "content": {JSON: {"schema": schema}}}
    if description:
        body["description"] = description
    return body


def _has_required_fields(model: type) -> bool:
    """An empty body reads as {}: it is optional when the model needs no field."""
    return any(field.is_required() for field in model.model_fields.values())


def _success_responses(operation: Operation, components: Components) -> dict:
    if operation.response is None:
        content = {operation.media_type: {"schema": {"type": "string"}}}
    else:
        schema = components.ref(resolve_model(operation.response), "serialization")
        content = {operation.media_type: {"schema": schema}}
    return {str(status): {"description": HTTPStatus(status).phrase, "content": content}
            for status in operation.statuses}


def _errors(operation: Operation) -> dict:
    """The errors listed by name where they apply, then every other 4xx, then 503."""
    auth = operation.auth
    likely = []
    if operation.body is not None or operation.query is not None or operation.headers:
        likely.append(400)
    if auth.schemes:
        likely.append(401)
    if auth.roles:
        likely.append(403)
    if operation.body is not None:
        likely += [413, 415]
    if operation.body is not None or operation.query is not None:
        likely.append(422)
    named = {str(status): _response_ref(ERRORS[status][0]) for status in likely}
    return {**named, "4XX": _response_ref("Error"), "503": _response_ref("ServiceUnavailable")}


def _response_ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def _error_responses() -> dict:
    body = {JSON: {"schema": {"$ref": REF.format(model="ErrorBody")}}}
    responses = {"Error": {"description": "any other client error (404 not found, 409 "
                                          "conflict, 429 too many requests, ...)",
                           "headers": {"Retry-After": RETRY_AFTER}, "content": body}}
    for status, (name, description) in sorted(ERRORS.items()):
        responses[name] = {"description": f"{status} {description}", "content": body}
        if status == 503:
            responses[name]["headers"] = {"Retry-After": RETRY_AFTER}
    return responses


def _security(auth: Auth) -> list[dict]:
    """Any one requirement admits the caller; `{}` first means anonymous calls are served."""
    requirements = [{scheme: []} for scheme in auth.schemes]
    return [{}, *requirements] if auth.optional else requirements


def _error_model():
    from chalicelib.schemas.responses import ErrorBody

    return ErrorBody


def _method_order(method: str) -> int:
    return METHODS.index(method) if method in METHODS else len(METHODS)


def _first_paragraph(doc: str | None) -> str:
    """A route module's docstring, first paragraph, without its layering note ("Thin: ...")."""
    text = " ".join((doc or "").strip().partition("\n\n")[0].split())
    return re.sub(r"\s*Thin: parse → service → \w+\.?", "", text)


# --- the committed copy ------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.openapi",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/openapi.json differs from the generated document")
    args = parser.parse_args(argv)
    text = render(build_document())
    relative = DOCUMENT_PATH.relative_to(DOCUMENT_PATH.parent.parent)
    if not args.check:
        DOCUMENT_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {relative}")
        return 0
    current = DOCUMENT_PATH.read_text(encoding="utf-8") if DOCUMENT_PATH.exists() else ""
    if current == text:
        print(f"{relative} is up to date")
        return 0
    diff = list(difflib.unified_diff(current.splitlines(keepends=True),
                                     text.splitlines(keepends=True),
                                     fromfile=f"{relative} (committed)",
                                     tofile=f"{relative} (generated)"))
    sys.stderr.writelines(diff[:60])
    print(f"error: {relative} is out of date with the routes and schemas.\n"
          f"Run `make openapi` and commit {relative}.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
