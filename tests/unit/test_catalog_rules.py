import pytest

from chalicelib.domain.catalog import (
    Bundle,
    BundlePart,
    CatalogRuleError,
    Product,
    ProductStatus,
    StockState,
    build_skus,
    stock_label,
    stock_state,
    validate_bundle,
    with_changes,
)
from chalicelib.domain.shelf import ALL_CATEGORIES, category_count_deltas, shelf_categories


def _product(status=ProductStatus.ON_SHELF, always_available=True, category="空调"):
    skus = build_skus("s.p", [{"specs": {}, "price_fen": 300, "stock": 2},
                              {"specs": {"a": "b"}, "price_fen": 100, "stock": 0,
                               "list_price_fen": 150}])
    return Product(product_id="s.p", shop_id="s", title="t", description="", category=category,
                   images=[], attributes={}, always_available=always_available, status=status,
                   skus=skus, created_at=1, updated_at=1)


@pytest.mark.parametrize(("stock", "state", "label"), [
    (0, StockState.SOLD_OUT, "已售罄"),
    (1, StockState.LOW, "仅剩 1 件"),
    (5, StockState.LOW, "仅剩 5 件"),
    (6, StockState.IN_STOCK, "有货"),
    (-1, StockState.SOLD_OUT, "已售罄"),
])
def test_stock_state_edges(stock, state, label):
    assert stock_state(stock) is state
    assert stock_label(stock) == label


def test_product_prices_and_stock():
    product = _product()
    assert product.min_price_fen == 100
    assert product.min_list_price_fen == 150
    assert product.total_stock == 2
    assert [sku.sku_id for sku in product.skus] == ["s.p.0", "s.p.1"]


def test_sku_limit_counts_existing_skus():
    with pytest.raises(CatalogRuleError):
        build_skus("s.p", [{"specs": {}, "price_fen": 1, "stock": 0}], first_index=50)


def test_only_on_shelf_always_available_products_are_on_shelves():
    assert shelf_categories(_product()) == ["空调", ALL_CATEGORIES]
    assert shelf_categories(_product(status=ProductStatus.DRAFT)) == []
    assert shelf_categories(_product(status=ProductStatus.OFF_SHELF)) == []
    assert shelf_categories(_product(always_available=False)) == []


def test_category_count_deltas():
    listed = _product()
    moved = with_changes(listed, {"category": "洗地机"}, now=2)
    hidden = with_changes(listed, {"status": ProductStatus.OFF_SHELF}, now=2)
    assert category_count_deltas(None, listed) == {"空调": 1}
    assert category_count_deltas(listed, moved) == {"空调": -1, "洗地机": 1}
    assert category_count_deltas(listed, hidden) == {"空调": -1}
    assert category_count_deltas(listed, listed) == {}
    assert moved.revision == listed.revision + 1


def _bundle(price_fen, parts):
    return Bundle(bundle_id="b", shop_id="s", name="套装", price_fen=price_fen, created_at=1,
                  parts=[BundlePart(sku_id=sku_id, product_id="p", title="t", specs={},
                                    quantity=qty, unit_price_fen=unit)
                         for sku_id, qty, unit in parts])


def test_bundle_saving_and_rules():
    bundle = _bundle(900, [("a", 2, 300), ("b", 1, 400)])
    validate_bundle(bundle)
    assert (bundle.parts_total_fen, bundle.saving_fen) == (1000, 100)
    with pytest.raises(CatalogRuleError, match="below"):
        validate_bundle(_bundle(1000, [("a", 2, 300), ("b", 1, 400)]))
    with pytest.raises(CatalogRuleError):
        validate_bundle(_bundle(100, [("a", 1, 300)]))
    with pytest.raises(CatalogRuleError):
        validate_bundle(_bundle(100, [("a", 1, 300), ("a", 1, 300)]))
