"""What every route shares: JSON in, JSON out, the one error shape, and its declaration.

Chalice turns any exception from a view into its own 500 body, so views are wrapped here to map
AppError to its status and body; nothing else in the code builds an error response.

Every route declares what it takes and answers (`route(..., auth=, response=, body=, query=,
status=)`); the declarations are recorded in OPERATIONS per (method, path), and
chalicelib/openapi.py builds the OpenAPI document from them and Chalice's route table. The
parsers validate with the declared models only: `parse_body(request)` and
`parse_query(request)` look the model up from the route being served, so a route cannot validate
with a model other than the documented one (`validate` refuses any other inside a route).
Models are named lazily ("catalog.ShopCreate": chalicelib/schemas/catalog.py), so declaring
them imports nothing at cold start; they load with the first request that parses one.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from chalice import Blueprint, Response

from chalicelib.errors import (
    AppError,
    BadRequest,
    PayloadTooLarge,
    Unprocessable,
    dynamodb_unavailable,
)
from chalicelib.observability import logger
from chalicelib.settings import get_settings

if TYPE_CHECKING:  # pydantic loads with the first request body, not at cold start
    from pydantic import BaseModel, ValidationError

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
JSON = "application/json"
Model = TypeVar("Model", bound="BaseModel")
# a model class, its name under chalicelib.schemas ("orders.ShipRequest"), or a zero-arg
# callable returning the class
ModelRef = type | str | Callable[[], type]


def json_response(body: Any, status: int = 200) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(body=text, status_code=status, headers=dict(JSON_HEADERS))


def error_response(error: AppError) -> Response:
    response = json_response(error.body(), error.status)
    response.headers.update(error.headers())  # Retry-After on a 503
    return response


# --- declarations ------------------------------------------------------------------------------

# The declaration classes are plain slotted classes, not dataclasses: ~90 routes build them at
# import, and generating dataclass methods would cost a few milliseconds of every cold start.

class Auth:
    """Who may call an operation. `schemes`: any one of them admits the caller ("bearer": a
    token; "device": an X-Device-Id header; "signature": an HMAC of the raw body); `roles`: the
    bearer roles the operation serves (empty: any role); `optional`: anonymous calls are served
    too (a token, when sent, is still checked). The services enforce it; this documents it."""

    __slots__ = ("optional", "roles", "schemes")

    def __init__(self, schemes: tuple[str, ...] = (), roles: tuple[str, ...] = (),
                 optional: bool = False):
        self.schemes, self.roles, self.optional = tuple(schemes), tuple(roles), optional


PUBLIC = Auth()
OPTIONAL = Auth(("bearer",), optional=True)
SIGNED = Auth(("signature",))


def bearer(*roles: str) -> Auth:
    return Auth(("bearer",), tuple(str(role) for role in roles))


def _auth(value: Auth | tuple | str | None) -> Auth:
    """`auth=` as routes write it: roles (a token of one of them), None (no token), "optional"
    (a token is optional), or an Auth."""
    if isinstance(value, Auth):
        return value
    if value is None:
        return PUBLIC
    if value == "optional":
        return OPTIONAL
    if isinstance(value, tuple) and value:
        return bearer(*value)
    raise ValueError(f"auth must be roles, None, 'optional' or an Auth, not {value!r}")


class ModelPerParam:
    """A body whose model depends on a path parameter (`POST /ops/jobs/{job}` takes each job's
    own request): `model_for(value)` picks it at request time, `models()` maps every value to its
    model for the document (it imports them all: the document only)."""

    __slots__ = ("model_for", "models", "param")

    def __init__(self, param: str, model_for: Callable[[str], type],
                 models: Callable[[], dict[str, type]]):
        self.param, self.model_for, self.models = param, model_for, models


def resolve_model(ref: ModelRef) -> type:
    """The model class a declaration names (importing its module on first use)."""
    if isinstance(ref, type):
        return ref
    if isinstance(ref, str):
        module, _, name = ref.rpartition(".")
        return getattr(importlib.import_module(f"chalicelib.schemas.{module}"), name)
    return ref()


class Operation:
    """One method on one path, as its route declared it: `tag` (its route module), `auth`,
    `response` (None: no JSON body to document, `media_type` says what instead), `statuses`
    (the success statuses, the usual one first), `body` and `query` models, `headers` (request
    headers it reads: (name, {"required", "description", "pattern"}))."""

    __slots__ = ("auth", "body", "headers", "media_type", "method", "path", "query", "response",
                 "statuses", "tag", "view")

    def __init__(self, method: str, path: str, view: Callable, tag: str, auth: Auth,
                 response: ModelRef | None, statuses: tuple[int, ...],
                 body: ModelRef | ModelPerParam | None = None, query: ModelRef | None = None,
                 media_type: str = JSON, headers: tuple[tuple[str, dict], ...] = ()):
        self.method, self.path, self.view, self.tag, self.auth = method, path, view, tag, auth
        self.response, self.statuses, self.body, self.query = response, statuses, body, query
        self.media_type, self.headers = media_type, headers

    def __repr__(self) -> str:
        return f"Operation({self.method} {self.path})"

    def body_model(self, params: dict[str, str]) -> type:
        if self.body is None:
            raise UndeclaredModel(f"{self.method} {self.path} declares no request body")
        if isinstance(self.body, ModelPerParam):
            return self.body.model_for(params[self.body.param])
        return resolve_model(self.body)

    def query_model(self) -> type:
        if self.query is None:
            raise UndeclaredModel(f"{self.method} {self.path} declares no query parameters")
        return resolve_model(self.query)


class UndeclaredModel(RuntimeError):
    """A route parsed input with a model its declaration does not name: a bug (a 500), since the
    OpenAPI document would say otherwise."""


OPERATIONS: dict[tuple[str, str], Operation] = {}
# the operation being served and its path parameters, per request (threads of the local server
# each have their own)
_SERVING: ContextVar[tuple[Operation, dict] | None] = ContextVar("serving", default=None)


def route(blueprint: Blueprint, path: str, methods: tuple[str, ...] = ("GET",), *,
          auth: Auth | tuple | str | None, response: ModelRef | None,
          status: int | tuple[int, ...] = 200, body: ModelRef | ModelPerParam | None = None,
          query: ModelRef | None = None, media_type: str = JSON,
          headers: dict[str, dict] | None = None):
    """Register a view whose AppErrors become the JSON error shape, with what it takes and
    answers: `auth` (roles, None, "optional" or an Auth), `response` (the model of its body),
    `status` (or several, the usual one first), `body` and `query` (the models its parsers use),
    `headers` (request headers it reads: name → {"required", "description", "pattern"}).
    """
    statuses = (status,) if isinstance(status, int) else tuple(status)
    header_items = tuple((headers or {}).items())

    def decorate(view):
        tag = view.__module__.rpartition(".")[2]
        operations = [Operation(method.upper(), path, view, tag, _auth(auth), response,
                                statuses, body, query, media_type, header_items)
                      for method in methods]
        for operation in operations:
            _register(operation)

        @functools.wraps(view)
        def handler(**params):
            # the methods share one declaration: the first stands for them when parsing
            serving = _SERVING.set((operations[0], params))
            try:
                return view(**params)
            except AppError as error:
                return error_response(error)
            except Exception as error:
                return dynamodb_unavailable_response(error)  # or raised again: a 500
            finally:
                _SERVING.reset(serving)

        blueprint.route(path, methods=list(methods))(handler)
        return view

    return decorate


def _register(operation: Operation) -> None:
    key = (operation.method, operation.path)
    known = OPERATIONS.get(key)
    if known is not None and known.view.__qualname__ != operation.view.__qualname__:
        raise ValueError(f"{key} is declared twice: {known.view.__qualname__} and "
                         f"{operation.view.__qualname__}")
    OPERATIONS[key] = operation


def serving() -> tuple[Operation, dict]:
    """The operation being served and its path parameters (a parser outside a route is a bug)."""
    current = _SERVING.get()
    if current is None:
        raise UndeclaredModel("request parsers run inside a route() view only")
    return current


# --- parsing -----------------------------------------------------------------------------------

def parse_body(request) -> Any:
    """The request body validated against the route's declared `body` model; 400 for bytes that
    are not a JSON object. An empty body is `{}`."""
    operation, params = serving()
    model = operation.body_model(params)
    raw = request.raw_body or b""
    if len(raw) > get_settings().max_body_bytes:
        raise PayloadTooLarge(f"request body is larger than {get_settings().max_body_bytes} bytes")
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest("request body is not valid JSON", code="malformed_json") from error
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object", code="malformed_json")
    return _validate(model, data)


def parse_query(request) -> Any:
    """The query string validated against the route's declared `query` model (422 naming the
    field); values arrive as text, the model parses numbers from their digits."""
    return _validate(serving()[0].query_model(), query_params(request))


def validate(model: type[Model], data: dict) -> Model:
    """`data` validated against `model` (422 naming the fields). Inside a route only the models
    it declared are accepted (UndeclaredModel otherwise): use parse_body / parse_query there."""
    current = _SERVING.get()
    if current is not None:
        operation, params = current
        declared = [ref for ref in (operation.body, operation.query) if ref is not None]
        if not any(model is _declared_model(operation, ref, params) for ref in declared):
            raise UndeclaredModel(f"{operation.method} {operation.path} validated with "
                                  f"{model.__name__}, which it does not declare")
    return _validate(model, data)


def _declared_model(operation: Operation, ref, params: dict) -> type:
    return operation.body_model(params) if ref is operation.body else resolve_model(ref)


def _validate(model: type[Model], data: dict) -> Model:
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise Unprocessable("request has invalid fields", details=field_errors(error)) from error


def field_errors(error: ValidationError) -> list[dict]:
    return [
        {
            "field": ".".join(str(part) for part in item["loc"]) or "body",
            "message": item["msg"],
            "type": item["type"],
        }
        for item in error.errors(include_url=False)
    ]


def query_params(request) -> dict[str, str]:
    return dict(request.query_params or {})


_CHALICE_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                  413: "body_too_large", 415: "unsupported_media_type", 500: "internal_error"}


def normalize_error_response(response: Response) -> Response:
    """Rewrite Chalice's own error bodies ({"Code", "Message"}) into the one error shape.

    They come from outside our views: an unknown route, a wrong content type, or an unexpected
    exception (logged by Chalice, never echoed to the client).
    """
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    status = response.status_code
    code = _CHALICE_CODES.get(status, "error")
    message = "internal error" if status >= 500 else str(body.get("Message", code))
    return json_response({"error": {"code": code, "message": message, "details": []}}, status)


def dynamodb_unavailable_response(error: Exception) -> Response:
    """503 `dynamodb_unavailable` with Retry-After for an error DynamoDB still gave after every
    retry of the budget (chalicelib.errors.dynamodb_unavailable); any other error is raised
    again, for Chalice's 500."""
    unavailable = dynamodb_unavailable(error)
    if unavailable is None:
        raise error
    logger.warning("dynamodb unavailable", extra={"error": repr(error)})
    return error_response(unavailable)
