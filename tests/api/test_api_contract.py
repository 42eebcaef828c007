"""The API does what its OpenAPI document says, on moto through chalice's test client: the
declared auth is what the routes enforce, real answers match their documented schemas, a route
cannot validate with a model it does not declare, and the document and its page are served."""

from __future__ import annotations

import re

import pytest
from chalice import Blueprint, Chalice
from chalice.test import Client

from chalicelib.routes._http import OPERATIONS, json_response, parse_body, route, validate
from tests.support import bearer, product_body, sku

ROLES = ("shopper", "merchant", "creator", "ops")
SHOPPER = bearer("shopper", "u1")


@pytest.fixture(scope="module")
def document():
    from chalicelib.openapi import build_document

    return build_document()


def _declared():
    return sorted(OPERATIONS.values(), key=lambda op: (op.path, op.method))


def _concrete(path: str) -> str:
    """The path with a made-up id for each parameter (`job` gets a real job's name)."""
    return re.sub(r"{(\w+)}", lambda m: "scores" if m.group(1) == "job" else "zz-unknown", path)


def _call(api, operation, headers=None):
    body = {} if operation.method in ("POST", "PUT", "PATCH") else None
    return api.call(operation.method.lower(), _concrete(operation.path), body, headers)


# --- auth as declared ----------------------------------------------------------------------

def test_every_route_that_requires_credentials_refuses_an_anonymous_call(api):
    checked = 0
    for operation in _declared():
        auth = operation.auth
        if not auth.schemes or auth.optional:
            continue
        status, answer = _call(api, operation)
        if operation.path == "/ops/clock":  # no test clock under pytest: the route hides
            assert (status, answer["error"]["code"]) == (404, "not_found")
            continue
        assert status == 401, (operation.method, operation.path, status, answer)
        checked += 1
    assert checked >= 60


def test_a_role_a_route_does_not_declare_never_gets_through(api):
    checked = 0
    for operation in _declared():
        served = set(operation.auth.roles)
        if not served or operation.path == "/ops/clock":
            continue
        for role in set(ROLES) - served:
            status, answer = _call(api, operation, bearer(role, "someone-else"))
            allowed = {403, 404} | ({422} if operation.body is not None else set())
            assert status in allowed, (operation.method, operation.path, role, status, answer)
            checked += 1
    assert checked >= 100


def test_routes_that_need_no_token_serve_anonymous_callers_and_check_a_sent_one(api):
    checked = 0
    for operation in _declared():
        auth = operation.auth
        if (auth.schemes and not auth.optional) or operation.media_type != "application/json":
            continue  # (the HTML page is checked below)
        status, _ = _call(api, operation)
        assert status not in (401, 403), (operation.method, operation.path, status)
        if auth.optional:
            status, answer = _call(api, operation, {"Authorization": "Bearer not-a-token"})
            assert (status, answer["error"]["code"]) == (401, "invalid_token"), operation.path
        checked += 1
    assert checked >= 20


# --- a route validates with its declared models only ------------------------------------------

@pytest.fixture
def contract_app():
    """A small app whose routes break the rule on purpose, removed from the registry after."""
    from pydantic import BaseModel

    class Declared(BaseModel):
        name: str

    class Other(BaseModel):
        name: str

    blueprint = Blueprint(__name__)

    @route(blueprint, "/contract/declared", methods=("POST",), auth=None, body=Declared,
           response=None)
    def declared():
        return json_response({"name": parse_body(blueprint.current_request).name})

    @route(blueprint, "/contract/other", methods=("POST",), auth=None, body=Declared,
           response=None)
    def other():
        validate(Other, {"name": "x"})
        return json_response({})

    @route(blueprint, "/contract/none", methods=("POST",), auth=None, response=None)
    def undeclared():
        parse_body(blueprint.current_request)
        return json_response({})

    app = Chalice(app_name="contract")
    app.experimental_feature_flags.update({"BLUEPRINTS"})
    app.register_blueprint(blueprint)
    yield app
    for path in ("/contract/declared", "/contract/other", "/contract/none"):
        OPERATIONS.pop(("POST", path), None)


def test_a_route_refuses_to_validate_with_a_model_it_does_not_declare(contract_app, caplog):
    headers = {"Content-Type": "application/json"}
    with Client(contract_app) as client:
        good = client.http.post("/contract/declared", headers=headers, body='{"name": "a"}')
        assert (good.status_code, good.json_body) == (200, {"name": "a"})
        bad = client.http.post("/contract/declared", headers=headers, body='{"name": 1}')
        assert bad.status_code == 422
        assert client.http.post("/contract/other", headers=headers, body="{}").status_code == 500
        assert client.http.post("/contract/none", headers=headers, body="{}").status_code == 500
    assert "validated with Other, which it does not declare" in caplog.text
    assert "declares no request body" in caplog.text


def test_outside_a_route_validate_takes_any_model():
    from chalicelib.schemas.orders import CartLinePut

    assert validate(CartLinePut, {"quantity": 2}).quantity == 2


# --- real answers match the document -----------------------------------------------------------

def decimals_of(number: float) -> int:
    """Places after the point in the shortest text that reads back as `number` (its JSON)."""
    from decimal import Decimal

    return max(0, -Decimal(repr(number)).as_tuple().exponent)


def strict_validator():
    """Draft 2020-12 read as strictly as the contract means it: an `integer` is a JSON integer
    (`657.0` is not, though JSON Schema would take it), and a number under `x-decimals` has at
    most that many places (`0.8470000000000001` fails 4)."""
    from jsonschema import Draft202012Validator, ValidationError, validators

    def is_integer(_checker, instance) -> bool:
        return isinstance(instance, int) and not isinstance(instance, bool)

    def at_most_places(_validator, places, instance, _schema):
        if isinstance(instance, float) and decimals_of(instance) > places:
            yield ValidationError(f"{instance!r} has more than {places} decimals")

    return validators.extend(
        Draft202012Validator, {"x-decimals": at_most_places},
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", is_integer))


class Conformance:
    """Checks bodies against the document's schema for (method, path template, status),
    strictly: integers are JSON integers and rounded figures keep their places."""

    def __init__(self, document):
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.document = document
        self.registry = Registry().with_resource("urn:doc", Resource.from_contents(
            document, default_specification=DRAFT202012))
        self.validator = strict_validator()
        self.checked: list[tuple[str, str, int]] = []

    def check(self, method: str, path: str, status: int, body) -> None:
        responses = self.document["paths"][path][method.lower()]["responses"]
        answer = responses.get(str(status)) or responses[f"{str(status)[0]}XX"]
        if "$ref" in answer:
            answer = self.document["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
        ref = answer["content"]["application/json"]["schema"]["$ref"]
        schema = {"$ref": "urn:doc" + ref}
        validator = self.validator(schema, registry=self.registry,
                                   format_checker=self.validator.FORMAT_CHECKER)
        errors = [f"{list(e.absolute_path)}: {e.message}"
                  + "".join(f"; {c.message}" for c in e.context)  # each branch of an anyOf
                  for e in validator.iter_errors(body)]
        assert not errors, (method, path, status, errors[:5])
        self.checked.append((method, path, status))


def test_real_answers_match_their_documented_schemas(api, document):
    conform = Conformance(document)

    def call(method, template, params=None, body=None, headers=None, expect=200, query=""):
        path = template.format(**(params or {})) + query
        status, answer = api.call(method, path, body, headers)
        assert status == expect, (method, path, answer)
        conform.check(method, template, status, answer)
        return answer

    merchant = bearer("merchant", "m1")
    shop = call("post", "/shops", body={"name": "海边干货铺"}, headers=merchant, expect=201)
    ids = {"shop_id": shop["shop_id"]}
    product = call("post", "/shops/{shop_id}/products", ids, headers=merchant, expect=201,
                   body=product_body(skus=[sku(259900, 3, 匹数="1.5匹"), sku(9900, 50)]))
    ids["product_id"] = product["product_id"]
    call("get", "/products/{product_id}", ids)
    call("get", "/shops/{shop_id}", ids)
    call("get", "/shops/{shop_id}/storefront", ids)
    call("get", "/shops/{shop_id}/products", ids, headers=merchant)
    call("get", "/me/shops", headers=merchant)
    call("put", "/cart/items/{sku_id}", {"sku_id": f"{ids['product_id']}.0"},
         {"quantity": 1}, SHOPPER)
    call("get", "/cart", headers=SHOPPER)
    call("delete", "/cart", headers=SHOPPER)
    placed = call("post", "/orders", headers={**SHOPPER, "Idempotency-Key": "contract-0001"},
                  body={"items": [{"sku_id": f"{ids['product_id']}.1", "quantity": 2}],
                        "source": {"scene": "storefront"}}, expect=201)
    ids["order_id"] = placed["orders"][0]["order_id"]
    call("get", "/orders/{order_id}", ids, headers=SHOPPER)
    call("get", "/orders", headers=SHOPPER)
    call("post", "/orders/{order_id}/pay", ids, headers=SHOPPER)
    call("get", "/shops/{shop_id}/scores", ids, headers=merchant)
    call("get", "/shops/{shop_id}/eligibility", ids)
    call("get", "/mall/categories")
    # errors: the one shape, whatever the route
    call("get", "/products/{product_id}", {"product_id": "nope"}, expect=404)
    call("post", "/shops", body={"name": ""}, headers=merchant, expect=422)
    call("get", "/orders", headers=SHOPPER, query="?limit=0", expect=422)
    call("get", "/cart", expect=401)
    call("get", "/cart", headers=merchant, expect=403)
    assert len(conform.checked) == 22


# --- the document and its page are served ------------------------------------------------------

def test_openapi_json_and_the_docs_page_are_served_without_a_token(client, document):
    answer = client.http.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json_body == document

    page = client.http.get("/docs")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.body.decode() if isinstance(page.body, bytes) else page.body
    assert 'fetch("openapi.json")' in html
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
