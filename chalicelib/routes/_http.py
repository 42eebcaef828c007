"""What every route shares: JSON in, JSON out, and the one error shape.

Chalice turns any exception from a view into its own 500 body, so views are wrapped here to map
AppError to its status and body; nothing else in the code builds an error response.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any, TypeVar

from chalice import Blueprint, Response

from chalicelib.errors import AppError, BadRequest, Unprocessable
from chalicelib.settings import get_settings

if TYPE_CHECKING:  # pydantic loads with the first request body, not at cold start
    from pydantic import BaseModel, ValidationError

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
Model = TypeVar("Model", bound="BaseModel")


def json_response(body: Any, status: int = 200) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(body=text, status_code=status, headers=dict(JSON_HEADERS))


def error_response(error: AppError) -> Response:
    return json_response(error.body(), error.status)


def route(blueprint: Blueprint, path: str, methods: tuple[str, ...] = ("GET",)):
    """Register a view whose AppErrors become the JSON error shape."""

    def decorate(view):
        @functools.wraps(view)
        def handler(**params):
            try:
                return view(**params)
            except AppError as error:
                return error_response(error)

        blueprint.route(path, methods=list(methods))(handler)
        return view

    return decorate


def parse_body(request, model: type[Model]) -> Model:
    """The request body validated against `model`; 400 for bytes that are not a JSON object."""
    raw = request.raw_body or b""
    if len(raw) > get_settings().max_body_bytes:
        raise BadRequest(
            f"request body is larger than {get_settings().max_body_bytes} bytes",
            code="body_too_large",
        )
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest("request body is not valid JSON", code="malformed_json") from error
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object", code="malformed_json")
    return validate(model, data)


def validate(model: type[Model], data: dict) -> Model:
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


def limit_param(value: str | None, default: int = 20, maximum: int = 50) -> int:
    """A `limit` query parameter: 1..maximum, else 422 naming the field."""
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        message = f"limit must be a whole number from 1 to {maximum}"
        raise Unprocessable(message, details=[{"field": "limit", "message": message}])
    return int(value)


_CHALICE_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "not_found",
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
