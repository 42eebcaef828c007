"""One request's JSON log lines share its correlation id; another request's do not."""

import json

from tests.support import bearer, captured_logs, product_body


def _log_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{\"level\"")]


def test_log_lines_of_one_request_share_its_correlation_id(api):
    shop = api.create_shop()
    with captured_logs() as logs:
        response = api.client.http.post(
            f"/shops/{shop['shop_id']}/products", headers=bearer(),
            body=json.dumps(product_body()),
        )
    assert response.status_code == 201
    request_id = response.headers["X-Request-Id"]
    lines = _log_lines(logs.getvalue())
    assert len(lines) >= 2  # the service's own line and the request summary
    assert {line["correlation_id"] for line in lines} == {request_id}
    assert {line["message"] for line in lines} >= {"product created", "request handled"}

    with captured_logs() as logs:
        api.call("get", f"/shops/{shop['shop_id']}/storefront")
    other = _log_lines(logs.getvalue())
    assert other and all(line["correlation_id"] != request_id for line in other)


def test_product_creation_emits_a_metric(api, capsys):
    shop = api.create_shop()
    capsys.readouterr()
    api.create_product(shop["shop_id"], product_body())
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines()
           if line.startswith("{\"_aws\"")]
    assert [m["ProductsCreated"] for m in emf] == [[1.0]]
    assert emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ShelfTest"
