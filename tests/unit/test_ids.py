from chalicelib.domain import ids


def test_ids_sort_by_creation_time():
    earlier = ids.new_id("o", now_ms=1_700_000_000_000)
    later = ids.new_id("o", now_ms=1_700_000_000_001)
    assert earlier < later
    assert len(earlier) == 21


def test_product_and_sku_ids_carry_their_parents():
    shop_id = ids.new_shop_id()
    product_id = ids.new_product_id(shop_id)
    assert ids.is_shop_id(shop_id)
    assert ids.shop_of_product(product_id) == shop_id
    assert ids.parse_sku_id(ids.sku_id_for(product_id, 7)) == (product_id, 7)
    assert ids.shop_of_bundle(ids.new_bundle_id(shop_id)) == shop_id
    assert ids.shop_of_bundle(product_id) is None


def test_malformed_ids_are_rejected():
    shop_id = ids.new_shop_id()
    product_id = ids.new_product_id(shop_id)
    assert ids.shop_of_product(shop_id) is None
    assert ids.shop_of_product(product_id + "x") is None
    assert ids.parse_sku_id(product_id) is None
    assert ids.parse_sku_id(f"{product_id}.07") is None  # no leading zeros: one spelling per SKU
    assert ids.parse_sku_id(f"{product_id}.50") is None  # beyond the 50-SKU limit
    assert not ids.is_shop_id("s" + "i" * 20)  # i is not in Crockford base32
