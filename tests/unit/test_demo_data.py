"""The demo catalog `make run` loads: deterministic, big enough, and valid by the domain's rules."""

from __future__ import annotations

from collections import Counter

import pytest

from chalicelib.domain import ids
from chalicelib.domain.catalog import ProductStatus, validate_bundle
from chalicelib.domain.shelf import card_for, shelf_categories
from local.demo_data import build_demo_catalog

REQUIRED_CATEGORIES = {"海鲜干货", "洗地机", "空调", "美容仪", "国风服饰", "翡翠", "防晒"}
APPLIANCES = {"空调", "洗地机"}


@pytest.fixture(scope="module")
def catalog():
    return build_demo_catalog()


def test_two_builds_are_identical_ids_included(catalog):
    again = build_demo_catalog()
    assert again == catalog
    assert [p.product_id for p in again.products] == [p.product_id for p in catalog.products]


def test_counts(catalog):
    listed = catalog.listed_products()
    assert len(catalog.shops) >= 8
    assert len(listed) >= 300
    assert all(p.status is ProductStatus.ON_SHELF and p.always_available for p in listed)
    categories = {p.category for p in listed}
    assert len(categories) >= 10
    assert REQUIRED_CATEGORIES.issubset(categories)
    assert len(catalog.bundles) >= 3


def test_shops_owners_followers_and_live(catalog):
    assert catalog.shops[0].owner_id == "m1"  # the README's `make token ROLE=merchant SUB=m1`
    assert {f"m{n}" for n in range(1, 9)} <= {shop.owner_id for shop in catalog.shops}
    assert len({shop.shop_id for shop in catalog.shops}) == len(catalog.shops)
    assert all(ids.is_shop_id(shop.shop_id) for shop in catalog.shops)
    assert sum(shop.live_now for shop in catalog.shops) >= 1
    assert len({shop.follower_count for shop in catalog.shops}) == len(catalog.shops)
    # Created as the API creates them: counts and bundle summaries come from the seeding writes.
    assert all(not shop.category_counts and not shop.bundles for shop in catalog.shops)
    assert all(shop.shelf_version == 1 for shop in catalog.shops)


def test_one_shop_sells_several_appliance_categories(catalog):
    by_shop = {shop.shop_id: {p.category for p in catalog.products_of(shop.shop_id)}
               for shop in catalog.shops}
    assert any(APPLIANCES.issubset(categories) for categories in by_shop.values())


def test_products_belong_to_their_shop_and_ids_parse(catalog):
    shop_ids = {shop.shop_id for shop in catalog.shops}
    product_ids = [p.product_id for p in catalog.products]
    assert len(set(product_ids)) == len(product_ids)
    for product in catalog.products:
        assert ids.shop_of_product(product.product_id) == product.shop_id
        assert product.shop_id in shop_ids
        assert 2 <= len(product.skus) <= 6
        for index, sku in enumerate(product.skus):
            assert ids.parse_sku_id(sku.sku_id) == (product.product_id, index)


def test_prices_are_positive_integer_fen_and_list_prices_above(catalog):
    skus = [sku for product in catalog.products for sku in product.skus]
    for sku in skus:
        assert type(sku.price_fen) is int and sku.price_fen > 0
        if sku.list_price_fen is not None:
            assert type(sku.list_price_fen) is int and sku.list_price_fen > sku.price_fen
    assert any(sku.list_price_fen is not None for sku in skus)
    assert any(sku.list_price_fen is None for sku in skus)


def test_air_conditioner_prices_and_specs(catalog):
    for product in catalog.products:
        if product.category == "空调":
            for sku in product.skus:
                assert 199_900 <= sku.price_fen <= 699_900
                assert set(sku.specs) == {"匹数", "能效"}
        if product.category == "国风服饰":
            assert all(set(sku.specs) == {"颜色", "尺码"} for sku in product.skus)


def test_specs_attributes_and_text_are_strings(catalog):
    for product in catalog.products:
        assert product.title and product.description
        assert all(isinstance(k, str) and isinstance(v, str)
                   for k, v in product.attributes.items())
        for sku in product.skus:
            assert sku.specs and all(isinstance(v, str) for v in sku.specs.values())
        specs = [tuple(sorted(sku.specs.items())) for sku in product.skus]
        assert len(set(specs)) == len(specs)
        assert product.images and all(
            url.startswith("https://img.example.com/") for url in product.images)


def test_stock_has_sold_out_and_low_skus(catalog):
    stocks = [sku.stock for product in catalog.listed_products() for sku in product.skus]
    assert all(0 <= stock <= 500 for stock in stocks)
    assert any(stock == 0 for stock in stocks)
    assert any(1 <= stock <= 5 for stock in stocks)


def test_hidden_products_never_reach_a_shelf(catalog):
    hidden = [p for p in catalog.products if not p.listed_on_shelves]
    statuses = Counter(p.status for p in hidden)
    assert statuses[ProductStatus.DRAFT] >= 1
    assert statuses[ProductStatus.OFF_SHELF] >= 1
    assert all(shelf_categories(p) == [] for p in hidden)


def test_stats_are_consistent_and_ranking_differs_from_sales(catalog):
    for product in catalog.products:
        stats = product.stats
        assert 0 <= stats.orders_30d <= stats.clicks_30d <= stats.impressions_30d
        assert stats.sales_30d >= stats.orders_30d
    for shop in catalog.shops[:3]:
        listed = [p for p in catalog.products_of(shop.shop_id) if p.listed_on_shelves]
        by_rank = sorted(listed, key=lambda p: card_for(p, shop.score).rank, reverse=True)
        by_sales = sorted(listed, key=lambda p: p.stats.sales_30d, reverse=True)
        assert [p.product_id for p in by_rank[:10]] != [p.product_id for p in by_sales[:10]]


def test_bundles_are_valid_and_cheaper_than_their_parts(catalog):
    products = {p.product_id: p for p in catalog.products}
    for bundle in catalog.bundles:
        validate_bundle(bundle)
        assert ids.shop_of_bundle(bundle.bundle_id) == bundle.shop_id
        assert 2 <= len(bundle.parts) <= 4
        assert 0 < bundle.price_fen < bundle.parts_total_fen
        for part in bundle.parts:
            product_id, index = ids.parse_sku_id(part.sku_id)
            product = products[product_id]
            assert product.shop_id == bundle.shop_id and product.listed_on_shelves
            assert product.skus[index].price_fen == part.unit_price_fen
            assert product.skus[index].stock >= part.quantity
        summary = catalog.bundle_summary(bundle)
        assert summary.saving_fen == bundle.parts_total_fen - bundle.price_fen
        assert summary.cover_image is not None
    assert any(APPLIANCES.issubset({products[part.product_id].category for part in bundle.parts})
               for bundle in catalog.bundles)
