"""The search index under real concurrency: indexer processes racing over HTTP on one moto
server, as concurrent Lambda invocations handling redelivered or parallel stream records do."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.integration.conftest import REPO, stack_env, token


@pytest.fixture(scope="module")
def worker(stack):
    _, moto_url = stack

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "tests.integration.search_worker", *args],
                              cwd=REPO, env=stack_env(moto_url), capture_output=True, text=True,
                              timeout=240)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    return run


def create_products(api: str, titles: list[str]) -> list[str]:
    merchant = {**token("merchant", "m-search-race"), "Content-Type": "application/json"}
    shop = requests.post(f"{api}/shops", json={"name": "并发索引店"}, headers=merchant).json()
    ids = []
    for title in titles:
        body = {"title": title, "category": "洗地机", "status": "on_shelf",
                "images": ["https://img.example.com/x.jpg"], "attributes": {"品牌": "追觅"},
                "skus": [{"specs": {"版本": "标准版"}, "price_fen": 199900, "stock": 5}]}
        response = requests.post(f"{api}/shops/{shop['shop_id']}/products", json=body,
                                 headers=merchant)
        assert response.status_code == 201, response.text
        ids.append(response.json()["product_id"])
    return ids, merchant


def test_racing_indexers_count_every_posting_once_and_converge(stack, worker):
    api, _ = stack
    ids, merchant = create_products(api, ["追觅H20无线洗地机 自清洁", "追觅M13 洗地机 热水洗",
                                          "Dreame X30 扫拖一体 洗地机"])
    with ThreadPoolExecutor(max_workers=3) as pool:  # three processes, same products, at once
        list(pool.map(lambda _: worker("index", "3", *ids), range(3)))
    first = json.loads(worker("check"))
    assert first["wrong_df"] == {} and first["docs"] == first["corpus"] >= 3
    # an edit, then the same race again: old terms leave exactly once, new ones arrive once
    requests.patch(f"{api}/products/{ids[2]}", json={"title": "Dreame L20 Ultra 扫地机器人"},
                   headers=merchant).raise_for_status()
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda _: worker("index", "2", ids[2]), range(3)))
    after = json.loads(worker("check"))
    assert after["wrong_df"] == {} and after["docs"] == after["corpus"]
    found = requests.get(f"{api}/search", params={"q": "dreame l20"}).json()
    assert [item["product_id"] for item in found["items"]] == [ids[2]]
    assert requests.get(f"{api}/search", params={"q": "x30"}).json()["items"] == []
