"""The OpenAPI document is generated from the code and says what the routes do: every route of
Chalice's table with its method, the declared request models, the one error shape for every 4xx,
the declared auth; it is valid OpenAPI 3.1 and docs/openapi.json is its current copy."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from chalice import Blueprint, Chalice

from chalicelib.errors import error_body
from chalicelib.openapi import DOCUMENT_PATH, DocumentError, build_document, render
from chalicelib.routes._http import OPERATIONS, ModelPerParam, resolve_model, route

ROOT = Path(__file__).resolve().parents[2]
ROUTES = ROOT / "chalicelib" / "routes"


@pytest.fixture(scope="module")
def app():
    from app import app

    return app


@pytest.fixture(scope="module")
def document(app):
    return build_document(app)


def _operations(document):
    return [(method.upper(), path, entry) for path, methods in document["paths"].items()
            for method, entry in methods.items()]


def _schema(document, ref: dict) -> dict:
    return document["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def test_every_route_of_the_app_is_in_the_document_with_its_method(app, document):
    routes = {(method, path) for path, methods in app.routes.items() for method in methods}
    documented = {(method, path) for method, path, _ in _operations(document)}
    assert routes == documented
    assert len(documented) >= 90
    assert ("GET", "/openapi.json") in documented and ("GET", "/docs") in documented


def test_a_route_registered_without_a_declaration_fails_the_document():
    stray = Chalice(app_name="stray")
    stray.experimental_feature_flags.update({"BLUEPRINTS"})
    plain = Blueprint(__name__)
    plain.route("/undeclared")(lambda: {})
    stray.register_blueprint(plain)
    with pytest.raises(DocumentError, match="GET /undeclared is not declared"):
        build_document(stray)


def test_every_operation_declares_a_response_and_every_parsed_input(document):
    for method, path, entry in _operations(document):
        operation = OPERATIONS[(method, path)]
        success = [code for code in entry["responses"] if code.startswith("2")]
        assert success == [str(status) for status in operation.statuses], (method, path)
        if operation.media_type == "application/json":
            assert operation.response is not None, f"{method} {path} documents no response"


def test_each_declared_body_model_is_the_documented_request_body(document):
    bodies = 0
    for method, path, entry in _operations(document):
        operation = OPERATIONS[(method, path)]
        if operation.body is None:
            assert "requestBody" not in entry, (method, path)
            continue
        bodies += 1
        schema = entry["requestBody"]["content"]["application/json"]["schema"]
        if isinstance(operation.body, ModelPerParam):
            models = set(operation.body.models().values())
            assert {ref["$ref"] for ref in schema["anyOf"]} == {
                f"#/components/schemas/{model.__name__}" for model in models}
            continue
        model = resolve_model(operation.body)
        assert schema == {"$ref": f"#/components/schemas/{model.__name__}"}, (method, path)
        assert set(_schema(document, schema)["properties"]) == {
            field.alias or name for name, field in model.model_fields.items()}
    assert bodies >= 30


def test_each_declared_query_model_is_the_documented_query_parameters(document):
    queries = 0
    for method, path, entry in _operations(document):
        operation = OPERATIONS[(method, path)]
        documented = {p["name"]: p for p in entry.get("parameters", ()) if p["in"] == "query"}
        if operation.query is None:
            assert not documented, (method, path)
            continue
        queries += 1
        model = resolve_model(operation.query)
        fields = {field.alias or name: field for name, field in model.model_fields.items()}
        assert set(documented) == set(fields), (method, path)
        for name, field in fields.items():
            assert documented[name]["required"] is field.is_required(), (method, path, name)
    assert queries >= 25


def test_path_parameters_come_from_the_path(document):
    for _method, path, entry in _operations(document):
        in_path = [p["name"] for p in entry.get("parameters", ()) if p["in"] == "path"]
        assert in_path == [part[1:-1] for part in path.split("/") if part.startswith("{")]
    start_job = document["paths"]["/ops/jobs/{job}"]["post"]["parameters"][0]
    assert {"scores", "feeds", "post-stream"} <= set(start_job["schema"]["enum"])


def test_every_operation_answers_4xx_and_503_in_the_one_error_shape(document):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    responses = document["components"]["responses"]
    for method, path, entry in _operations(document):
        answers = entry["responses"]
        assert {"4XX", "503"} <= set(answers), (method, path)
        for code, answer in answers.items():
            if code[0] in "45":
                name = answer["$ref"].rsplit("/", 1)[1]
                schema = responses[name]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code)
    assert "Retry-After" in responses["ServiceUnavailable"]["headers"]

    registry = Registry().with_resource("urn:doc", Resource.from_contents(
        document, default_specification=_draft_2020_12()))
    validator = Draft202012Validator({"$ref": "urn:doc#/components/schemas/ErrorBody"},
                                     registry=registry)
    assert validator.is_valid(error_body("order_not_found", "order not found"))
    assert validator.is_valid(error_body("validation_error", "request has invalid fields",
                                         [{"field": "title", "message": "too short",
                                           "type": "string_too_short"}]))
    assert not validator.is_valid({"message": "Missing Authentication Token"})
    assert not validator.is_valid({"error": {"code": "x", "message": "y"}})  # no details


def _draft_2020_12():
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


def test_security_is_the_declared_auth(document):
    kinds = set()
    for method, path, entry in _operations(document):
        auth = OPERATIONS[(method, path)].auth
        requirements = [{scheme: []} for scheme in auth.schemes]
        expected = [{}, *requirements] if auth.optional else requirements
        assert entry["security"] == expected, (method, path)
        assert entry.get("x-roles", []) == list(auth.roles), (method, path)
        if auth.schemes and not auth.optional:
            assert "401" in entry["responses"], (method, path)
        if auth.roles:
            assert "403" in entry["responses"]
            assert f"Roles: {', '.join(auth.roles)}." in entry["description"], (method, path)
        kinds.add((auth.schemes, auth.optional))
    assert kinds >= {((), False), (("bearer",), False), (("bearer",), True),
                     (("signature",), False), (("bearer", "device"), False)}
    assert set(document["components"]["securitySchemes"]) == {"bearer", "device", "signature"}
    paths = document["paths"]
    assert paths["/shops"]["post"]["x-roles"] == ["merchant"]
    assert paths["/products/{product_id}"]["get"]["security"] == []
    assert paths["/search"]["get"]["security"] == [{}, {"bearer": []}]


def test_the_document_is_valid_openapi_3_1(document):
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation import OpenAPIV31SpecValidator

    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_docs_openapi_json_is_the_generated_document(document):
    assert DOCUMENT_PATH.read_text(encoding="utf-8") == render(document), (
        "docs/openapi.json is stale: run `make openapi` and commit it")
    assert json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))["paths"]


def test_the_document_refuses_two_schemas_under_one_name():
    from pydantic import BaseModel

    from chalicelib.openapi import Components

    class Twin(BaseModel):
        a: int

    first = Twin

    class Twin(BaseModel):  # the same name, another schema: the clash is the point
        b: str

    components = Components()
    components.ref(first, "validation")
    with pytest.raises(DocumentError, match="two different schemas are called Twin"):
        components.ref(Twin, "validation")


def test_a_route_must_declare_its_auth_and_response():
    blueprint = Blueprint(__name__)
    with pytest.raises(TypeError):
        route(blueprint, "/no-declaration")(lambda: None)  # no auth=, no response=
    with pytest.raises(ValueError, match="auth must be"):
        route(blueprint, "/bad-auth", auth="everyone", response=None)(lambda: None)


# --- the parsers only ever use the declared models ---------------------------------------------

def _calls(tree: ast.AST, names: set[str]):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in names:
                yield name, node


@pytest.mark.parametrize("module", sorted(p.name for p in ROUTES.glob("*.py")
                                          if p.name not in ("__init__.py", "_http.py")))
def test_route_modules_parse_input_only_through_the_declared_models(module):
    """parse_body / parse_query take the request only (the model is the declared one); no route
    validates or reads the query string any other way."""
    tree = ast.parse((ROUTES / module).read_text(encoding="utf-8"))
    for name, call in _calls(tree, {"parse_body", "parse_query"}):
        assert len(call.args) == 1 and not call.keywords, f"{module}:{call.lineno} {name}"
    forbidden = list(_calls(tree, {"validate", "model_validate", "model_validate_json",
                                   "query_params", "limit_param"}))
    assert not forbidden, [f"{module}:{call.lineno} {name}" for name, call in forbidden]


def test_importing_the_app_builds_no_model_and_no_document():
    """Declaring models by name keeps them (and pydantic) out of the cold start."""
    probe = ("import sys, app\n"
             "print(sorted(m for m in ('pydantic', 'chalicelib.openapi', "
             "'chalicelib.schemas.responses', 'chalicelib.schemas.queries', "
             "'chalicelib.schemas.catalog') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    assert loaded == "[]"
