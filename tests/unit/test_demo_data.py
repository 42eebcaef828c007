"""The demo catalog `make run` loads: deterministic, big enough, valid by the domain's rules, and
reading true to a shopper (selling points that fit, shops that sell their trade, Chinese
punctuation, a new shop that is new, products sold out)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from chalicelib.domain import ids
from chalicelib.domain.catalog import ProductStatus, validate_bundle
from chalicelib.domain.clock import DAY_MS
from chalicelib.domain.shelf import card_for, shelf_categories
from local.demo_data import (
    CATALOG_END_MS,
    HOOK_ATTRIBUTES,
    HOOK_REQUIRES,
    SHOP_PLANS,
    build_demo_catalog,
)
from local.demo_history import CREATORS

REQUIRED_CATEGORIES = {"海鲜干货", "洗地机", "空调", "美容仪", "国风服饰", "翡翠", "防晒"}
MAJOR_CATEGORIES = {"空调", "洗地机", "茶叶", "海鲜干货", "防晒", "国风服饰", "家纺", "美容仪",
                    "零食坚果", "母婴用品", "翡翠"}
APPLIANCES = {"空调", "洗地机"}

# Words that must never describe an item (title, description or attributes): the selling
# points a tired generator would copy from a neighbour.
SKIN_CLAIMS = ("SPF", "PA+", "敏感肌", "清爽不油腻", "不泛白", "涂抹", "过敏包退", "肤质")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "桑蚕丝被": ("新疆棉", "100支", "长绒棉", "羽绒", "鹅绒"),
    "95白鹅绒羽绒被": ("新疆棉", "100支", "长绒棉", "桑蚕丝"),
    "天然乳胶枕": ("新疆棉", "100支", "桑蚕丝", "鹅绒"),
    "冰丝凉席三件套": ("新疆棉", "保暖", "秋冬", "鹅绒"),
    "珊瑚绒毛毯": ("新疆棉", "100支", "冰感", "夏季"),
    "冰袖防晒袖套": SKIN_CLAIMS,
    "冰丝防晒衣": SKIN_CLAIMS,
    "大檐防晒帽": (*SKIN_CLAIMS, "冰丝"),
    "清爽防晒霜": ("UPF", "冰丝", "面料", "儿童"),
    "防晒喷雾": ("UPF", "PA++++", "冰丝"),
    "儿童防晒乳": ("UPF", "SPF50", "油性"),
    "可坐可躺婴儿推车": ("新生儿可用", "整箱", "食品级", "超薄透气"),
    "宽口径PPSU奶瓶": ("整箱", "超薄透气", "新生儿可用"),
    "婴儿拉拉裤": ("新生儿可用", "NB"),
    "云南普洱熟茶饼": ("明前", "头采", "2026年", "新茶", "条索"),
    "福鼎白茶白牡丹": ("明前", "头采", "2026年"),
    "明前西湖龙井": ("越陈越香", "长期存放", "沸水", "条索"),
    "冰点脱毛仪": ("射频", "凝胶", "面部", "Type-C"),
    "眼部美容仪": ("射频", "脱毛", "面部及颈部"),
    "LED光疗面罩": ("脱毛", "凝胶"),
    "立式柜机空调": ("18 分贝", "18分贝", "卧室"),
    "圆柱柜机空调": ("18 分贝", "18分贝", "卧室"),
    "轻量洗地机": ("60分钟",),
    "翡翠手串": ("冰透起光", "18K金", "圈口"),
    "翡翠手镯": ("18K金", "吊坠"),
    "淡干海参": ("头水", "冷冻"),
    "霞浦头水紫菜": ("泡发", "滋补"),
    "新中式盘扣衬衫": ("织金", "婚礼敬酒", "秋冬加厚"),
    "空调防尘罩": ("清洗", "兑水"),
    "洗地机清洁液": ("牛津布", "不用拆机"),
}
# A shop sells its own trade: the first keyword of its name found here says which categories.
TRADES: tuple[tuple[str, set[str]], ...] = (
    ("渔", {"海鲜干货"}), ("海味", {"海鲜干货"}), ("干货", {"海鲜干货"}),
    ("翡翠", {"翡翠"}), ("玉", {"翡翠"}), ("翠", {"翡翠"}),
    ("茶", {"茶叶", "零食坚果"}), ("坚果", {"零食坚果"}),
    ("母婴", {"母婴用品"}), ("婴童", {"母婴用品"}),
    ("家纺", {"家纺"}), ("家居", {"家纺"}),
    ("电器", {"空调", "洗地机", "家电配件", "美容仪"}), ("家电", {"空调", "洗地机", "家电配件"}),
    ("空调", {"空调", "家电配件"}),
    ("国风", {"国风服饰", "防晒"}), ("汉服", {"国风服饰"}), ("新中式", {"国风服饰"}),
    ("美护", {"美容仪", "防晒"}), ("科技", {"美容仪"}), ("防晒", {"防晒"}),
)
# ASCII punctuation touching a Chinese character: Chinese text takes the full-width forms.
ASCII_IN_CHINESE = re.compile(r"[\u4e00-\u9fff][,.!?;:()]|[,.!?;:()][\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def catalog():
    return build_demo_catalog()


def test_two_builds_are_identical_ids_included(catalog):
    again = build_demo_catalog()
    assert again == catalog
    assert [p.product_id for p in again.products] == [p.product_id for p in catalog.products]


def test_the_readme_shop_keeps_its_id(catalog):
    assert catalog.shops[0].shop_id == "s01kyxacxx9g2jd8wkf3g"  # README.md, scores session
    assert catalog.shops[0].name == "澜川电器官方旗舰店" and catalog.shops[0].owner_id == "m1"


def test_counts(catalog):
    listed = catalog.listed_products()
    assert len(catalog.shops) == len(SHOP_PLANS) >= 20
    assert 380 <= len(listed) <= 600  # make run seeds each product in a transaction
    assert all(p.status is ProductStatus.ON_SHELF and p.always_available for p in listed)
    categories = {p.category for p in listed}
    assert len(categories) >= 12
    assert REQUIRED_CATEGORIES.issubset(categories)
    assert len(catalog.bundles) >= 3


def test_every_major_category_has_three_sellers_and_appliances_five(catalog):
    for category in MAJOR_CATEGORIES:
        assert len(catalog.sellers(category)) >= 3, category
    for category in APPLIANCES:  # the mall shows at most 2 of one shop in any 10
        assert len(catalog.sellers(category)) >= 5, category
        counts = Counter(p.shop_id for p in catalog.listed_products() if p.category == category)
        assert max(counts.values()) <= 2 * min(counts.values()) + 2


def test_each_shop_sells_its_own_trade(catalog):
    for shop in catalog.shops:
        trade = next(categories for word, categories in TRADES if word in shop.name)
        sold = {p.category for p in catalog.products_of(shop.shop_id)}
        assert sold <= trade, (shop.name, sold - trade)
    apparel = {"冰丝防晒衣", "大檐防晒帽"}
    fashion = catalog.shops[3]  # 云裳阁国风 sells sun-protection clothing, not lotions
    assert {catalog.items[p.product_id] for p in catalog.products_of(fashion.shop_id)
            if p.category == "防晒"} <= apparel


def test_shops_owners_followers_and_live(catalog):
    assert catalog.shops[0].owner_id == "m1"  # the README's `make token ROLE=merchant SUB=m1`
    owners = [shop.owner_id for shop in catalog.shops]
    assert owners == [f"m{n}" for n in range(1, len(catalog.shops) + 1)]
    assert len({shop.shop_id for shop in catalog.shops}) == len(catalog.shops)
    assert all(ids.is_shop_id(shop.shop_id) for shop in catalog.shops)
    assert sum(shop.live_now for shop in catalog.shops) >= 1
    assert len({shop.follower_count for shop in catalog.shops}) == len(catalog.shops)
    # Created as the API creates them: counts and bundle summaries come from the seeding writes.
    assert all(not shop.category_counts and not shop.bundles for shop in catalog.shops)
    assert all(shop.shelf_version == 1 for shop in catalog.shops)


def test_the_new_shop_is_new_and_has_sold_little(catalog):
    new = [shop for shop, plan in zip(catalog.shops, SHOP_PLANS, strict=True) if plan.is_new]
    assert [shop.name for shop in new] == ["栖居家纺"]
    shop = new[0]
    assert CATALOG_END_MS - 10 * DAY_MS <= shop.created_at <= CATALOG_END_MS
    assert all(shop.created_at < p.created_at <= CATALOG_END_MS
               for p in catalog.products_of(shop.shop_id))
    assert all(p.stats.sales_30d <= 2 and p.stats.impressions_30d < 2000
               for p in catalog.products_of(shop.shop_id))
    others = [s for s in catalog.shops if s is not shop]
    assert all(s.created_at < CATALOG_END_MS - 90 * DAY_MS for s in others)


def test_some_listed_products_are_sold_out_in_every_sku(catalog):
    sold_out = [p for p in catalog.listed_products() if p.total_stock == 0]
    assert 3 <= len(sold_out) <= 10
    assert len({p.shop_id for p in sold_out}) >= 3
    assert all(p.stats.orders_30d == p.stats.sales_30d == 0 for p in sold_out)
    assert all(card_for(p, None).in_stock is False for p in sold_out)


def test_one_shop_sells_several_appliance_categories(catalog):
    by_shop = {shop.shop_id: {p.category for p in catalog.products_of(shop.shop_id)}
               for shop in catalog.shops}
    assert any(APPLIANCES.issubset(categories) for categories in by_shop.values())


def test_no_selling_point_contradicts_its_item(catalog):
    checked = Counter()
    for product in catalog.products:
        item = catalog.items[product.product_id]
        text = " ".join([product.title, product.description, *product.attributes.values()])
        for word in FORBIDDEN.get(item, ()):
            assert word not in text, (product.title, word)
        checked[item] += 1
    assert set(FORBIDDEN) <= set(checked)  # every item of the table is in the catalogue


def test_hooks_that_claim_a_spec_or_an_attribute_agree_with_the_product(catalog):
    seen = Counter()
    for product in catalog.products:
        for hook, (spec, value) in HOOK_REQUIRES.items():
            if f" {hook}" in product.title:
                assert any(sku.specs.get(spec) == value for sku in product.skus), product.title
                seen[hook] += 1
        for hook, attributes in HOOK_ATTRIBUTES.items():
            if f" {hook}" in product.title:
                assert attributes.items() <= product.attributes.items(), product.title
                seen[hook] += 1
    assert len(seen) >= 10


def test_chinese_text_uses_full_width_punctuation(catalog):
    texts = ([p.description for p in catalog.products] + [s.description for s in catalog.shops]
             + [b.name for b in catalog.bundles] + [bio for _, _, bio in CREATORS]
             + [value for p in catalog.products for sku in p.skus for value in sku.specs.values()]
             + [value for p in catalog.products for value in p.attributes.values()])
    for text in texts:
        assert not ASCII_IN_CHINESE.search(text), text
    for product in catalog.products:
        assert product.description.endswith("。"), product.description
        item = catalog.items[product.product_id]
        assert product.description.startswith(f"{item}：")
        assert len(product.title.split(" ")) >= 3  # brand+item, then selling points


def test_products_belong_to_their_shop_and_ids_parse(catalog):
    shop_ids = {shop.shop_id for shop in catalog.shops}
    product_ids = [p.product_id for p in catalog.products]
    assert len(set(product_ids)) == len(product_ids)
    assert set(catalog.items) == set(product_ids)
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
