"""Requests served at once, on threads (as `chalice local` serves them), each log their own
correlation id on every line (chalicelib/observability.py `request_keys`)."""

import json
import threading

from chalicelib.observability import logger
from tests.support import captured_logs


def test_overlapping_requests_each_log_their_own_correlation_id(api, monkeypatch):
    from chalicelib.services import catalog

    shop = api.create_shop()
    both_inside = threading.Barrier(2, timeout=10)
    storefront = catalog.storefront

    def overlapping(shop_id, *args, **kwargs):
        """Each request logs, waits until the other one has started too, and logs again: the
        second line comes after the other request set its own keys."""
        logger.info("storefront read starts")
        both_inside.wait()
        logger.info("storefront read goes on")
        both_inside.wait()
        return storefront(shop_id, *args, **kwargs)

    monkeypatch.setattr(catalog, "storefront", overlapping)
    answers = {}

    def get(request_id: str) -> None:
        response = api.client.http.get(f"/shops/{shop['shop_id']}/storefront",
                                       headers={"X-Request-Id": request_id})
        answers[request_id] = (response.status_code, response.headers["X-Request-Id"])

    with captured_logs() as logs:
        threads = [threading.Thread(target=get, args=(request_id,))
                   for request_id in ("req-first", "req-second")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert answers == {"req-first": (200, "req-first"), "req-second": (200, "req-second")}
    lines = [json.loads(line) for line in logs.getvalue().splitlines()
             if line.startswith('{"level"')]
    by_thread: dict[str, list[dict]] = {}
    for line in lines:
        by_thread.setdefault(line["correlation_id"], []).append(line)
    assert set(by_thread) == {"req-first", "req-second"}
    for request_lines in by_thread.values():
        assert [line["message"] for line in request_lines] == [
            "storefront read starts", "storefront read goes on", "request handled"]
        assert {line["path"] for line in request_lines} == {"/shops/{shop_id}/storefront"}


def test_keys_of_a_request_do_not_outlive_it(api):
    shop = api.create_shop()
    api.client.http.get(f"/shops/{shop['shop_id']}/storefront",
                        headers={"X-Request-Id": "req-done"})
    with captured_logs() as logs:
        logger.info("after the request")
    (line,) = [json.loads(text) for text in logs.getvalue().splitlines()]
    assert "correlation_id" not in line and "path" not in line
