"""Suggestion keys, the business day, and the query log's shard merge: pure rules."""

from datetime import UTC, datetime

import pytest

from chalicelib.domain import analyzer, clock, query_log, suggest
from chalicelib.domain.query_log import DONE, LoggedQuery, ShardRead

# --- the keys a phrase is reachable by -----------------------------------------------------------


def test_a_chinese_word_is_reachable_by_every_way_a_phone_types_it():
    keys = suggest.phrase_keys("洗地机")
    for key in ["洗", "洗地", "洗地机",                    # Chinese prefixes
                "x", "xi", "xid", "xidi", "xidiji",         # full pinyin, cut at any letter
                "xd", "xdj", "xidj",                        # initials, pinyin then initials
                "洗d", "洗dj", "洗di", "洗diji", "洗地j"]:  # Chinese then the rest spelt
        assert key in keys, key
    # nothing that is not a spelling of it: no other reading, no skipped character
    for key in ["xj", "dj", "地", "xide", "xian", "洗j", "洗地d"]:
        assert key not in keys, key


def test_polyphones_take_the_phrase_reading():
    assert {"yinh", "yinhang", "yh", "银h"} <= suggest.phrase_keys("银行")
    assert "yinx" not in suggest.phrase_keys("银行")
    assert {"chongq", "cq"} <= suggest.phrase_keys("重庆")
    assert "haishen" in suggest.phrase_keys("海参") and "haican" not in suggest.phrase_keys("海参")


def test_latin_and_mixed_phrases_spell_their_han_part_only():
    keys = suggest.phrase_keys("Nike 空军")
    assert {"n", "nike", "nike空", "nikek", "nikekj", "nikekongjun", "nike空j"} <= keys
    assert suggest.phrase_keys("iPhone15") == {"iphone15"[:n] for n in range(1, 9)}


def test_keys_stop_at_the_cap_and_longer_keystrokes_still_match():
    phrase = "西湖龙井茶叶礼盒装特级明前新茶250g"
    keys = suggest.phrase_keys(phrase)
    assert max(map(len, keys)) == suggest.MAX_KEY_LENGTH
    assert len(keys) < 1000
    typed = "xihulongjingchayelihezhuang"  # 27 letters
    assert suggest.stored_key(suggest.lookup_key(typed)) in keys
    assert suggest.matches(phrase, typed)
    assert not suggest.matches(phrase, "xihulongjingchayelihezhuangx")


@pytest.mark.parametrize(("typed", "key"), [
    ("XD", "xd"), ("ｘｄｊ", "xdj"), (" 洗 D ", "洗d"), ("xi'an", "xian"), ("Nike 空", "nike空"),
])
def test_what_a_shopper_typed_is_looked_up_normalised(typed, key):
    assert suggest.lookup_key(typed) == key


def test_each_prefix_keeps_its_ten_heaviest_and_one_entry_per_text():
    phrases = [suggest.Phrase(f"洗地机{n}", "word", n) for n in range(15)]
    phrases += [suggest.Phrase("洗地机", "query", 100), suggest.Phrase("洗地机", "word", 5)]
    built = suggest.build(phrases)
    top = built["xdj"]
    assert len(top) == suggest.MAX_SUGGESTIONS
    assert top[0] == ("洗地机", "word", 105)  # weights add up; the catalogue's kind stays
    assert [text for text, _, _ in top[1:4]] == ["洗地机14", "洗地机13", "洗地机12"]


def test_brands_are_told_apart_and_spec_units_are_not_suggested():
    kinds = suggest.dictionary_kinds(analyzer.dictionary())
    assert kinds["追觅"] == kinds["添可"] == "brand"
    assert kinds["洗地机"] == kinds["空调"] == "category"
    assert kinds["马面裙"] == "word"
    assert "千克" not in kinds and "匹" not in kinds
    assert all(len(word) >= 2 for word in kinds)


# --- the business day ----------------------------------------------------------------------------

def test_the_business_day_is_shanghai_time():
    ten_past_midnight_shanghai = clock.from_datetime(datetime(2026, 11, 30, 16, 10, tzinfo=UTC))
    assert clock.business_day(ten_past_midnight_shanghai) == "2026-12-01"
    assert clock.business_day(ten_past_midnight_shanghai - 11 * 60 * 1000) == "2026-11-30"
    assert clock.previous_business_day(ten_past_midnight_shanghai) == "2026-11-30"
    assert clock.business_day_start_ms("2026-12-01") == ten_past_midnight_shanghai - 600_000


# --- merging the shards of the zero-result list -----------------------------------------------

def _q(query, searches):
    return LoggedQuery(query, searches, 0, False, 0)


def test_a_page_takes_the_most_searched_across_shards_and_remembers_each_position():
    reads = {0: ShardRead([_q("a", 9), _q("b", 3), _q("c", 1)], more=True),
             1: ShardRead([_q("d", 7)], more=False),
             2: ShardRead([], more=False)}
    page, positions = query_log.merge_page(reads, {}, limit=2)
    assert [item.query for item in page] == ["a", "d"]
    assert positions == {0: [9, "a"], 1: DONE, 2: DONE}
    assert query_log.open_shards(positions) == [0, *range(3, query_log.SHARDS)]

    reads = {0: ShardRead([_q("b", 3), _q("c", 1)], more=False)}
    page, positions = query_log.merge_page(reads, positions, limit=5)
    assert [item.query for item in page] == ["b", "c"] and positions[0] == DONE


def test_hot_candidates_leave_out_blocked_relaxed_and_rare_queries():
    shard = [LoggedQuery("洗地机", 50, 3, False, 0), LoggedQuery("xidiji", 40, 3, False, 0),
             LoggedQuery("nkie", 30, 2, True, 0), LoggedQuery("我的电话", 1, 1, False, 0)]
    hot = query_log.hot_candidates([shard, [LoggedQuery("空调", 45, 9, False, 0)]], {"xidiji"})
    assert [q.query for q in hot] == ["洗地机", "空调"]
    assert query_log.visible_hot([("洗地机", 50), ("空调", 45)], {"空调"}) == [("洗地机", 50)]
