"""The fuzz run's document and callers (tests/fuzz/harness.py), on the generated document."""

import copy
import hashlib
import hmac

import pytest
import requests

from chalicelib.openapi import build_document
from tests.fuzz import harness


@pytest.fixture(scope="module")
def document():
    return build_document()


def test_the_fuzz_document_leaves_out_the_clock_and_seeds_where_ids_go(document):
    served = copy.deepcopy(document)
    ids = {"order_id": ["o1", "o2"], "product_id": ["p1"]}
    fuzzed = harness.fuzz_document(document, ids,
                                   {"POST /orders/{order_id}/cancel": {"order_id": ["o3"]}})

    assert document == served  # the served document is left as it is
    assert "/ops/clock" not in fuzzed["paths"] and "/ops/clock" in document["paths"]
    (pay,) = fuzzed["paths"]["/orders/{order_id}/pay"]["post"]["parameters"]
    assert pay["schema"] == {"anyOf": [{"type": "string", "enum": ["o1", "o2"]},
                                       {"type": "string"}]}
    assert [example["value"] for example in pay["examples"].values()] == ["o1", "o2"]
    (cancel,) = fuzzed["paths"]["/orders/{order_id}/cancel"]["post"]["parameters"]
    assert cancel["schema"]["anyOf"][0]["enum"] == ["o3"]
    video = fuzzed["components"]["schemas"]["VideoCreate"]["properties"]["anchors"]
    assert video["items"]["anyOf"][0]["enum"] == ["p1"]
    # answers are checked against the document as served
    assert fuzzed["components"]["schemas"]["Video"] == document["components"]["schemas"]["Video"]
    assert (fuzzed["paths"]["/orders/{order_id}/pay"]["post"]["responses"]
            == document["paths"]["/orders/{order_id}/pay"]["post"]["responses"])


@pytest.mark.parametrize("method, path, served, others", [
    ("get", "/cart", ("shopper",), ("anonymous", "merchant", "creator", "ops")),
    ("get", "/shops/{shop_id}/storefront", ("anonymous",), ("shopper", "merchant", "creator",
                                                            "ops")),
    ("get", "/search", ("anonymous", "shopper"), ("merchant", "creator", "ops")),
    ("post", "/events", ("shopper", "device"), ("anonymous", "merchant", "creator", "ops")),
    ("post", "/payments/callback", ("signed",), ("anonymous", "shopper", "merchant", "creator",
                                                 "ops")),
])
def test_each_operation_is_called_by_who_it_serves_and_the_others(document, method, path, served,
                                                                  others):
    operation = document["paths"][path][method]
    assert harness.served_callers(operation) == served
    assert harness.other_callers(operation) == others


def test_the_signing_session_signs_the_bytes_it_sends():
    sent = {}

    class Recorder(requests.adapters.BaseAdapter):
        def send(self, request, **kwargs):
            sent.update(request.headers, body=request.body)
            response = requests.Response()
            response.status_code = 200
            return response

    session = harness.SigningSession({"/payments/callback": "secret"})
    session.mount("http://", Recorder())
    session.post("http://127.0.0.1:9/payments/callback", json={"order_id": "o1", "金额": 1})
    assert sent["X-Signature"] == hmac.new(b"secret", sent["body"], hashlib.sha256).hexdigest()
    sent.clear()
    session.post("http://127.0.0.1:9/orders", json={})  # no webhook: no secret, no signature
    assert "X-Signature" not in sent and sent["body"] == b"{}"
