import json

import pytest
from chalice.test import Client
from moto import mock_aws

from tests.support import bearer


@pytest.fixture
def aws(monkeypatch):
    from chalicelib.services import mall, scene_stats, shelf_listing
    from chalicelib.store import scene_stats as scene_store
    from local.moto_server import apply_patches

    apply_patches()  # transactions back up the items they touch, as on `make run`'s server
    # what a container remembers about the tables must not outlive this test's tables
    monkeypatch.setattr(scene_stats, "_marked_active", {})
    monkeypatch.setattr(shelf_listing, "registered_here", set())
    monkeypatch.setattr(mall, "_heads", {})
    monkeypatch.setattr(scene_store, "_cache", {})
    with mock_aws():
        from chalicelib.store.tables import create_missing_tables

        create_missing_tables(progress=lambda _: None)
        yield


@pytest.fixture
def frozen_clock(monkeypatch):
    """The clock stands still at tests.support.FROZEN_NOW; move it with clock["now"] = …."""
    from chalicelib.domain import clock
    from tests.support import FROZEN_NOW

    moment = {"now": FROZEN_NOW}
    monkeypatch.setattr(clock, "source", lambda: moment["now"])
    return moment


@pytest.fixture
def queue(aws, monkeypatch):
    """The jobs queue on moto SQS. Visibility 0: a failed chunk is handed out again at once,
    as SQS does after the timeout."""
    from chalicelib.queues import JOBS_QUEUE, ensure_queue

    url = ensure_queue(JOBS_QUEUE, "shelf-test-", visibility_timeout=0)
    monkeypatch.setenv("SHELF_JOBS_QUEUE_URL", url)
    return url


@pytest.fixture
def client(aws):
    from app import app

    with Client(app) as chalice_client:
        yield chalice_client


class Api:
    """Small JSON helpers over chalice's test client."""

    def __init__(self, client):
        self.client = client

    def call(self, method, path, body=None, headers=None, raw=None):
        headers = {"Content-Type": "application/json", **(headers or {})}
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        response = getattr(self.client.http, method)(path, headers=headers, body=data)
        return response.status_code, (json.loads(response.body) if response.body else None)

    def as_merchant(self, sub="m1"):
        return bearer("merchant", sub)

    def create_shop(self, sub="m1", name="海边干货铺"):
        status, shop = self.call("post", "/shops", {"name": name}, bearer("merchant", sub))
        assert status == 201, shop
        return shop

    def create_product(self, shop_id, body, sub="m1"):
        status, product = self.call("post", f"/shops/{shop_id}/products", body,
                                    bearer("merchant", sub))
        assert status == 201, product
        return product


@pytest.fixture
def api(client):
    return Api(client)
