"""A rebuilt shelf appears whole, by flipping a version pointer, and never mixes versions."""

import pytest

from chalicelib.services.shelves import rebuild_shop_shelf
from chalicelib.store import shops as shop_store
from chalicelib.store.products import ProductModel
from chalicelib.store.shelves import ShelfCardModel
from tests.support import product_body, sku


def _grid(api, shop_id, query="sort=comprehensive"):
    status, front = api.call("get", f"/shops/{shop_id}/storefront?{query}")
    assert status == 200
    return [item["product_id"] for item in front["items"]]


def test_rebuild_applies_new_stats_and_scores_to_the_comprehensive_order(api):
    shop = api.create_shop()
    shop_id = shop["shop_id"]
    first = api.create_product(shop_id, product_body(title="甲", skus=[sku(10000, 9)]))
    second = api.create_product(shop_id, product_body(title="乙", skus=[sku(10000, 9)]))
    before = _grid(api, shop_id)

    # the loser of the current ranking starts converting far better (stats come from jobs)
    loser = before[-1]
    model = ProductModel.get(loser)
    model.stats.impressions_30d, model.stats.clicks_30d, model.stats.orders_30d = 5000, 900, 300
    model.save()
    assert _grid(api, shop_id) == before  # read models change only when rebuilt

    assert rebuild_shop_shelf(shop_id) == 4  # two products, each on its tab and on "*"
    assert _grid(api, shop_id)[0] == loser
    assert shop_store.get_shop(shop_id).shelf_version == 2
    assert {first["product_id"], second["product_id"]} == set(_grid(api, shop_id))


def test_rebuild_keeps_previous_version_for_open_cursors_and_drops_older(api):
    shop = api.create_shop()
    shop_id = shop["shop_id"]
    for n in range(3):
        api.create_product(shop_id, product_body(title=f"款{n}", skus=[sku(1000 + n, 9)]))
    _, page = api.call("get", f"/shops/{shop_id}/storefront?sort=price_asc&limit=2")
    rebuild_shop_shelf(shop_id)
    _, rest = api.call("get",
                       f"/shops/{shop_id}/storefront?sort=price_asc&limit=2"
                       f"&cursor={page['next_cursor']}")
    assert len(page["items"]) + len(rest["items"]) == 3  # the old version still answers
    rebuild_shop_shelf(shop_id)
    assert ShelfCardModel.count(f"{shop_id}#1#*") == 0
    assert ShelfCardModel.count(f"{shop_id}#2#*") == 3
    assert ShelfCardModel.count(f"{shop_id}#3#*") == 3


def test_flip_refuses_when_the_catalog_moved_during_the_rebuild(api):
    shop = api.create_shop()
    shop_id = shop["shop_id"]
    api.create_product(shop_id, product_body())
    stale = shop_store.get_shop(shop_id)
    api.create_product(shop_id, product_body(title="新品"))  # catalog_rev moves on
    assert not shop_store.flip_shelf(shop_id, stale.shelf_version, stale.catalog_rev, {})
    assert shop_store.get_shop(shop_id).shelf_version == 1


@pytest.mark.parametrize("status", ["draft", "off_shelf"])
def test_rebuild_leaves_hidden_products_off_the_shelf(api, status):
    shop = api.create_shop()
    shop_id = shop["shop_id"]
    api.create_product(shop_id, product_body(status=status))
    assert rebuild_shop_shelf(shop_id) == 0
    assert _grid(api, shop_id) == []
