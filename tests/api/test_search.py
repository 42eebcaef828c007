"""The search scene on moto: catalogue events → index → GET /search."""

from urllib.parse import urlencode

import pytest

from chalicelib.store.events import EventModel
from chalicelib.store.products import ProductModel
from chalicelib.store.search_index import DocModel, LexiconModel, PostingModel
from tests.support import bearer, dynamodb_calls, product_body, pump_stream, sku

CATALOGUE = [
    ("追觅X20 Pro无线洗地机 自清洁 热水洗", "洗地机", "追觅", 299900),
    ("添可芙万2.0 LCD智能洗地机 吸拖一体", "洗地机", "添可", 199900),
    ("格力云佳 1.5匹 新一级能效 变频冷暖空调挂机", "空调", "格力", 259900),
    ("美的风尊 2匹 柜式空调 一级能效", "空调", "美的", 459900),
    ("Nike Air Force 1 空军一号 男款板鞋", "运动鞋", "Nike", 79900),
    ("adidas Samba OG 德训鞋 复古", "运动鞋", "adidas", 89900),
    ("织金马面裙 明制汉服 日常通勤", "国风服饰", "云裳阁", 39900),
]


def search(api, **params):
    return api.call("get", "/search?" + urlencode(params))


def titles(body):
    return [item["title"] for item in body["items"]]


@pytest.fixture
def catalogue(api):
    shop = api.create_shop(name="搜索测试店")
    products = {}
    for title, category, brand, price in CATALOGUE:
        skus = [sku(price, 8, 规格="标准版"), sku(price + 20000, 0, 规格="旗舰版")]
        body = product_body(title=title, category=category, attributes={"品牌": brand},
                            skus=skus)
        products[title] = api.create_product(shop["shop_id"], body)["product_id"]
    pump_stream()
    return shop["shop_id"], products


def index_snapshot():
    return (sorted((m.term, m.doc, m.impact, m.df) for m in PostingModel.scan()),
            sorted((m.product_id, str(m.weights.as_dict())) for m in DocModel.scan()),
            sorted((m.key, str(m.terms), m.count) for m in LexiconModel.scan()))


# --- finding products ------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["洗地机", "xidiji", "xdj", "洗地鸡", "洗dj"])
def test_a_shopper_finds_floor_washers_however_they_type_it(api, catalogue, query):
    status, body = search(api, q=query)
    assert status == 200, body
    assert sorted(titles(body)) == sorted(t for t, category, _, _ in CATALOGUE
                                          if category == "洗地机")
    assert body["relaxed"] is False and body["total"] == 2


def test_cards_are_the_shared_product_card_with_how_it_matched(api, catalogue):
    shop_id, _ = catalogue
    _, body = search(api, q="xidiji")
    card = body["items"][0]
    assert set(card) == {"product_id", "shop_id", "shop_name", "title", "cover_image",
                         "category", "price_fen", "list_price_fen", "sales_30d", "in_stock",
                         "score", "matched", "reason"}
    assert card["reason"] is None  # recommendations say why; search says how it matched
    assert card["shop_name"] == "搜索测试店" and card["shop_id"] == shop_id
    assert card["matched"] == ["pinyin"]
    assert search(api, q="xdj")[1]["items"][0]["matched"] == ["initials"]
    assert search(api, q="洗地机")[1]["items"][0]["matched"] == ["word"]


def test_homophone_polyphone_spec_and_mixed_queries(api, catalogue):
    assert titles(search(api, q="空掉")[1]) and all(
        "空调" in t for t in titles(search(api, q="空掉")[1]))
    assert titles(search(api, q="空调 1.5匹")[1]) == [CATALOGUE[2][0]]
    assert titles(search(api, q="nike空军")[1]) == [CATALOGUE[4][0]]
    assert titles(search(api, q="追觅x20")[1]) == [CATALOGUE[0][0]]
    assert titles(search(api, q="mamianqun")[1]) == [CATALOGUE[6][0]]


def test_a_latin_typo_is_found_by_the_relaxed_fuzzy_pass(api, catalogue):
    status, body = search(api, q="nkie")
    assert status == 200 and body["relaxed"] is True
    assert titles(body) == [CATALOGUE[4][0]] and body["items"][0]["matched"] == ["fuzzy"]
    assert titles(search(api, q="adidsa")[1]) == [CATALOGUE[5][0]]


def test_a_query_with_one_unknown_word_relaxes_to_the_words_it_has(api, catalogue):
    status, body = search(api, q="洗地机 zzzzqqq")
    assert (status, body["relaxed"]) == (200, True)
    assert len(body["items"]) == 2
    status, body = search(api, q="qqqqzzzz")
    assert (status, body["items"], body["relaxed"], body["next_cursor"]) == (200, [], True, None)


def test_filters_and_sorts_apply_within_the_relevant_set(api, catalogue):
    shop_id, _ = catalogue
    cheap_first = search(api, q="空调", sort="price_asc")[1]
    assert [i["price_fen"] for i in cheap_first["items"]] == [259900, 459900]
    assert [i["price_fen"] for i in search(api, q="空调", sort="price_desc")[1]["items"]] == [
        459900, 259900]
    assert titles(search(api, q="空调", price_max_fen=300000)[1]) == [CATALOGUE[2][0]]
    assert titles(search(api, q="洗地机", category="空调")[1]) == []
    assert len(search(api, q="洗地机", shop_id=shop_id)[1]["items"]) == 2
    assert search(api, q="洗地机", shop_id="s" + "0" * 20)[1]["items"] == []


def test_pages_never_repeat_and_cover_every_result(api, catalogue):
    seen, cursor = [], None
    while True:
        # both air conditioners say 一级能效
        params = {"q": "能效", "limit": 1} | ({"cursor": cursor} if cursor else {})
        status, body = search(api, **params)
        assert status == 200
        seen += [item["product_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 2


# --- the index follows the catalogue ---------------------------------------------------------

def test_an_edited_title_loses_its_old_words_and_gains_the_new(api, catalogue):
    _, products = catalogue
    product_id = products[CATALOGUE[6][0]]
    status, _ = api.call("patch", f"/products/{product_id}", {"title": "宋制褙子套装 新中式"},
                         bearer())
    assert status == 200
    pump_stream()
    assert titles(search(api, q="马面裙")[1]) == []
    assert titles(search(api, q="褙子")[1]) == ["宋制褙子套装 新中式"]
    assert PostingModel.count("w:马面裙") == 1  # only its header is left
    assert PostingModel.get("w:马面裙", "#").df == 0


def test_off_shelf_disappears_at_once_and_then_leaves_the_index(api, catalogue):
    _, products = catalogue
    product_id = products[CATALOGUE[0][0]]
    api.call("patch", f"/products/{product_id}", {"status": "off_shelf"}, bearer())
    # before the index catches up: the live read drops it
    assert CATALOGUE[0][0] not in titles(search(api, q="洗地机")[1])
    pump_stream()
    assert DocModel.count(product_id) == 0
    assert PostingModel.get("w:洗地机", "#").df == 1
    assert LexiconModel.get("meta#corpus").count == len(CATALOGUE) - 1


def test_a_new_price_shows_at_once_and_sold_out_goes_last(api, catalogue):
    _, products = catalogue
    product_id = products[CATALOGUE[1][0]]
    api.call("patch", f"/products/{product_id}/skus/{product_id}.0", {"price_fen": 149900},
             bearer())
    item = next(i for i in search(api, q="洗地机")[1]["items"] if i["product_id"] == product_id)
    assert item["price_fen"] == 149900  # live, before the index has seen the change
    api.call("patch", f"/products/{product_id}/skus/{product_id}.0", {"stock": 0}, bearer())
    pump_stream()
    body = search(api, q="洗地机")[1]
    assert body["items"][-1]["product_id"] == product_id
    assert body["items"][-1]["in_stock"] is False


def test_a_draft_is_never_indexed(api, catalogue):
    shop_id, _ = catalogue
    draft = api.create_product(shop_id, product_body(title="科沃斯地宝 扫地机器人",
                                                     status="draft"))["product_id"]
    pump_stream()
    assert DocModel.count(draft) == 0 and titles(search(api, q="科沃斯")[1]) == []


def test_a_replayed_stream_batch_leaves_the_index_identical_and_writes_nothing(api, catalogue):
    before = index_snapshot()
    with dynamodb_calls() as calls:
        pump_stream()
    assert index_snapshot() == before
    writes = {op for op in calls if op in {"PutItem", "UpdateItem", "DeleteItem",
                                           "BatchWriteItem", "TransactWriteItems"}}
    assert writes <= {"TransactWriteItems"}  # only the counters' marks, each refused
    assert calls["TransactWriteItems"] <= sum(1 for e in EventModel.scan()
                                              if e.type != "product_changed")


def test_a_score_change_reindexes_the_product(api, catalogue):
    from chalicelib.store import products as product_store

    _, products = catalogue
    product_id = products[CATALOGUE[3][0]]
    assert product_store.set_score(product_id, 4.9, 1_800_000_000_000) is True
    assert product_store.set_score(product_id, 4.9, 1_800_000_000_000) is False  # unchanged
    before = PostingModel.get("w:空调", product_id).quality
    pump_stream()
    assert PostingModel.get("w:空调", product_id).quality > before
    assert ProductModel.get(product_id).score == 4.9


# --- cost -----------------------------------------------------------------------------------

def test_a_strict_search_is_one_query_per_term_and_one_batch_of_cards(api, catalogue):
    search(api, q="预热")  # the container reads the corpus size once every few minutes
    with dynamodb_calls() as calls:
        status, body = search(api, q="nike空军")
    assert status == 200 and body["items"]
    assert calls["Query"] <= 6 and calls["BatchGetItem"] == 1
    # reads: the postings and the cards; the one write is the query log's
    assert calls.total - calls["UpdateItem"] == calls["Query"] + 1 <= 7
    assert calls["UpdateItem"] == 1 and "Scan" not in calls


def test_a_relaxed_search_adds_at_most_as_many_calls_again(api, catalogue):
    search(api, q="预热")
    with dynamodb_calls() as calls:
        status, body = search(api, q="nkie")
    assert status == 200 and body["relaxed"]
    assert calls.total - calls["UpdateItem"] <= 14 and "Scan" not in calls
    assert calls["BatchGetItem"] == 2  # deletion keys, then the cards


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "field"), [
    ({"q": ""}, "q"), ({"q": "   "}, "q"), ({"q": "洗" * 51}, "q"), ({}, "q"),
    ({"q": "空调", "limit": "0"}, "limit"), ({"q": "空调", "limit": "51"}, "limit"),
    ({"q": "空调", "limit": "ten"}, "limit"), ({"q": "空调", "sort": "cheapest"}, "sort"),
    ({"q": "空调", "price_min_fen": "-1"}, "price_min_fen"),
    ({"q": "空调", "price_max_fen": "1.5"}, "price_max_fen"),
    ({"q": "空调", "price_min_fen": "500", "price_max_fen": "100"}, "body"),
    ({"q": "空调", "shop_id": "not-a-shop"}, "shop_id"),
    ({"q": "空调", "colour": "red"}, "colour"),
])
def test_every_bad_parameter_is_a_422_naming_it(api, params, field):
    status, body = search(api, **params)
    assert status == 422, body
    assert body["error"]["code"] == "validation_error"
    assert field in [detail["field"] for detail in body["error"]["details"]]


def test_a_tampered_cursor_or_one_from_another_query_is_a_400(api, catalogue):
    cursor = search(api, q="空调", limit=1)[1]["next_cursor"]
    assert cursor
    assert search(api, q="空调", limit=1, cursor=cursor)[0] == 200
    assert search(api, q="洗地机", limit=1, cursor=cursor)[1]["error"]["code"] == "invalid_cursor"
    assert search(api, q="空调", sort="new", cursor=cursor)[0] == 400
    tampered = ("x" if cursor[0] != "x" else "y") + cursor[1:]
    assert search(api, q="空调", cursor=tampered)[0] == 400


def test_a_bad_token_is_refused_but_no_token_is_fine(api):
    assert search(api, q="空调")[0] == 200
    status, body = api.call("get", "/search?q=kt", headers={"Authorization": "Bearer nope"})
    assert (status, body["error"]["code"]) == (401, "invalid_token")


def test_latin_words_that_share_deletion_keys_index_in_one_go(api):
    # vivo and vivio (and x100, x10) share keys: each key is updated once per transaction
    shop = api.create_shop(name="手机店")
    product_id = api.create_product(shop["shop_id"], product_body(
        title="vivo X100 Pro vivio x10 手机", category="手机", attributes={"品牌": "vivo"}))[
        "product_id"]
    pump_stream()
    assert DocModel.count(product_id) == 1
    assert "vivo" in LexiconModel.get("del#vio").terms
    assert titles(search(api, q="vivo x100")[1]) == ["vivo X100 Pro vivio x10 手机"]


def test_a_search_of_an_empty_index_does_not_pin_the_corpus_size(api):
    from chalicelib.services import search as search_service

    search_service._corpus.update(size=0, read_at=float("-inf"))
    assert search(api, q="空调")[1]["items"] == []  # before anything is indexed
    shop = api.create_shop(name="空调店")
    api.create_product(shop["shop_id"], product_body(title="格力 1.5匹 空调"))
    pump_stream()
    with dynamodb_calls() as calls:
        assert len(search(api, q="空调")[1]["items"]) == 1
    assert calls["GetItem"] == 1  # the corpus size is read again, not the cached 0
    assert search_service._corpus["size"] == 1
