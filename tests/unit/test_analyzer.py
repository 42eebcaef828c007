"""The search analyzer: one chain for products and queries (chalicelib.domain.analyzer)."""

import pytest

from chalicelib.domain import analyzer, fuzzy, pinyin
from chalicelib.domain.analyzer import Kind, analyze_document, analyze_query, normalize


def terms_of(text: str, field: str = "title") -> set[str]:
    return set(analyze_document({field: text}).terms)


def unit_terms(query: str) -> list[list[str]]:
    return [[a.term for a in unit.alternatives] for unit in analyze_query(query).units]


# --- normalisation ---------------------------------------------------------------------------

def test_nfkc_folds_full_width_letters_digits_and_case():
    assert normalize("  Ｎｉｋｅ　ＡＩＲ  １５ ") == "nike air 15"
    assert analyze_query("Ｎｉｋｅ").text == "nike"
    assert "w:nike" in terms_of("Ｎｉｋｅ空军一号")


# --- polyphones: the phrase decides the reading ----------------------------------------------

@pytest.mark.parametrize(("word", "full", "short"), [
    ("银行", "yinhang", "yh"),  # not yinxing
    ("重庆", "chongqing", "cq"),  # not zhongqing
    ("会计", "kuaiji", "kj"),  # not huiji
    ("海参", "haishen", "hs"),  # not haican
])
def test_polyphones_take_the_reading_of_the_phrase(word, full, short):
    terms = terms_of(word)
    assert {f"w:{word}", f"p:{full}", f"i:{short}"} <= terms


def test_a_polyphonic_character_is_also_found_by_its_other_reading():
    # 调 reads tiao in 空调 and diao elsewhere: a shopper typing kongdiao still means 空调
    assert ("kong", "diao") in pinyin.readings("空调")
    assert "w:空调" in unit_terms("kongdiao")[0]


# --- segmentation with the catalogue dictionary ------------------------------------------------

@pytest.mark.parametrize("brand", ["添可", "追觅", "科沃斯", "云鲸"])
def test_brands_a_dictionary_free_segmenter_splits_stay_whole(brand):
    import jieba

    jieba.setLogLevel(60)
    title = f"{brand}无线洗地机"
    plain = list(jieba.cut(title, HMM=False))
    assert brand not in plain  # without our dictionary the brand falls apart
    assert f"w:{brand}" in terms_of(title)
    assert analyze_query(title).units[0].text == brand


def test_search_mode_indexes_the_words_inside_a_word():
    assert {"w:洗地机", "w:洗地"} <= terms_of("无线洗地机")
    assert {"w:马面裙"} <= terms_of("织金马面裙")


def test_bigrams_are_a_fallback_for_every_han_run():
    assert {"b:织金", "b:金马", "b:马面", "b:面裙"} <= terms_of("织金马面裙")


def test_dictionary_version_is_read_from_the_file_header():
    parsed = analyzer.parse_dictionary("# version: 7\n洗地机 500 category\n匹\n添可 9 brand\n")
    assert parsed.version == "7"
    assert parsed.frequencies == {"洗地机": 500, "匹": 1000, "添可": 9}
    assert parsed.kinds == {"洗地机": "category", "添可": "brand"}
    assert analyzer.dictionary().full_version.endswith(f".{analyzer.ANALYZER_CODE_VERSION}")


# --- Latin and digit runs, specs ---------------------------------------------------------------

def test_letter_digit_runs_split_and_join():
    terms = terms_of("Apple iPhone15 Pro 256GB")
    assert {"w:iphone", "w:15", "w:iphone15", "w:pro", "w:256gb"} <= terms
    assert {"w:iphone", "w:15", "w:iphone15"} <= terms_of("iPhone 15 手机壳")  # spaced too
    assert unit_terms("iphone15") == [["w:iphone15"]]


def test_specs_join_a_number_and_its_unit_chinese_units_spelled_latin():
    assert {"w:1.5", "w:1.5匹", "w:匹"} <= terms_of("1.5匹新一级能效", field="specs")
    assert "w:500g" in terms_of("淡干海参 500克")
    assert "w:500g" in terms_of("500g")
    assert unit_terms("空调1.5匹")[1] == ["w:1.5匹"]
    assert [unit.text for unit in analyze_query("500克海参").units] == ["500克", "海参"]


# --- queries: pinyin, initials, mixed, homophones --------------------------------------------

@pytest.mark.parametrize(("text", "readings"), [
    ("xidiji", [("xi", "di", "ji")]),
    ("xian", [("xian",), ("xi", "an")]),
    ("chongqing", [("chong", "qing")]),
    ("xdj", []),
    ("nkie", []),
])
def test_pinyin_syllable_splitting(text, readings):
    assert pinyin.split_syllables(text) == readings


def test_a_latin_run_is_tried_as_word_full_pinyin_and_catalogue_word():
    (alternatives,) = unit_terms("xidiji")
    assert alternatives[:3] == ["w:xidiji", "w:洗地机", "p:xidiji"]


def test_initials_are_tried_for_runs_that_are_not_pinyin():
    (alternatives,) = unit_terms("xdj")
    assert alternatives == ["w:xdj", "w:洗地机", "i:xdj"]
    kinds = {a.term: a.kind for a in analyze_query("xdj").units[0].alternatives}
    assert kinds["w:洗地机"] is Kind.INITIALS


def test_a_long_pinyin_run_is_read_as_several_words():
    units = analyze_query("wuxianxidiji").units
    assert [unit.text for unit in units] == ["wuxian", "xidiji"]
    assert "w:洗地机" in [a.term for a in units[1].alternatives]


@pytest.mark.parametrize(("typed", "meant"), [("洗地鸡", "洗地机"), ("马面群", "马面裙"),
                                              ("空掉", "空调")])
def test_homophone_typos_become_the_catalogue_word_read_the_same(typed, meant):
    (unit,) = analyze_query(typed).units
    assert unit.alternatives[0].term == f"w:{meant}"
    assert unit.alternatives[0].kind is Kind.PINYIN
    assert f"w:{typed}" in [a.term for a in unit.alternatives]  # the word as typed, too


def test_a_catalogue_word_as_written_is_not_corrected():
    assert unit_terms("洗地机")[0][0] == "w:洗地机"


@pytest.mark.parametrize("typed", ["洗d", "洗dj", "洗diji", "洗地j"])
def test_mixed_chinese_and_pinyin_or_initials_complete_a_catalogue_word(typed):
    assert unit_terms(typed) == [["w:洗地机"]]


def test_latin_brand_then_chinese_are_two_units():
    units = analyze_query("nike空军").units
    assert [unit.text for unit in units] == ["nike", "空军"]
    assert units[0].fuzzy == "nike"


def test_the_term_budget_gives_every_unit_its_best_term_first():
    plan = analyze_query("nike空军 1.5匹 xidiji")
    terms = plan.terms(4)
    assert terms[:3] == ["w:nike", "w:空军", "w:1.5匹"]
    assert len(terms) == 4 and len(plan.terms(6)) == 6


def test_nothing_searchable_gives_no_units():
    assert analyze_query("!!! ，。").units == ()


# --- fuzzy Latin matching -----------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "meant"), [("nkie", "nike"), ("adidsa", "adidas"),
                                              ("iphnoe", "iphone"), ("dysn", "dyson"),
                                              ("samab", "samba")])
def test_deletion_keys_meet_for_words_one_edit_apart(typed, meant):
    assert set(fuzzy.deletion_keys(typed)) & set(fuzzy.deletion_keys(meant))
    assert fuzzy.corrections(typed, {meant, "zzzzzz"}) == [(meant, 1)]


def test_distance_grows_with_length_and_transpositions_count_once():
    assert fuzzy.osa_distance("nkie", "nike") == 1
    assert fuzzy.osa_distance("abcd", "badc") == 2
    assert fuzzy.max_distance("samsung") == 1 and fuzzy.max_distance("panasonic") == 2
    assert fuzzy.corrections("nkie", {"nice", "mike"}) == []  # both two edits away


def test_only_latin_words_get_deletion_keys():
    assert fuzzy.is_fuzzy_term("nike") and not fuzzy.is_fuzzy_term("洗地机")
    assert not fuzzy.is_fuzzy_term("x2") and not fuzzy.is_fuzzy_term("ab")


@pytest.mark.parametrize(("typed", "meant"), [("防嗮", "防晒"), ("fangsai", "防晒")])
def test_fuzzy_pinyin_takes_sh_for_s_and_ng_for_n(typed, meant):
    assert pinyin.fuzzy_key(("fang", "shai")) == pinyin.fuzzy_key(("fan", "sai")) == "fansai"
    assert f"w:{meant}" in [a.term for a in analyze_query(typed).units[0].alternatives]


@pytest.mark.parametrize(("typed", "meant"), [("防shai霜", "防晒霜"), ("空tiao", "空调"),
                                              ("马面qun", "马面裙"), ("火锅dl", "火锅底料")])
def test_characters_and_pinyin_mixed_in_one_word(typed, meant):
    assert unit_terms(typed) == [[f"w:{meant}"]]


def test_a_word_typed_by_sound_outside_the_dictionary_is_read_whole():
    (unit,) = analyze_query("吹风鸡").units  # the segmenter cuts it 吹风 + 鸡
    assert [a.term for a in unit.alternatives] == ["w:吹风鸡", "p:chuifengji", "w:吹风"]
    assert "p:chuifengji" in terms_of("戴森吹风机")  # what the indexed word reads


def test_a_typo_joined_to_digits_keeps_them_for_its_corrections():
    (unit,) = analyze_query("iphnoe15").units
    assert (unit.fuzzy, unit.fuzzy_suffix) == ("iphnoe", "15")


def test_abbreviations_follow_the_phrase_reading_only():
    # 虾 also reads ha, but nobody abbreviates 虾干 as hg
    assert unit_terms("hg") == [["w:hg", "i:hg"]]


def test_a_catalogue_word_is_never_re_read_from_inside():
    # 风扇 inside 冷风扇 reads like the series 风尚 with fuzzy pinyin; it is a word as written
    assert unit_terms("冷风扇") == [["w:冷风扇", "p:lengfengshan"]]
    assert unit_terms("风扇") == [["w:风扇", "p:fengshan"]]  # a word of its own, not a typo


def test_longer_catalogue_words_inside_a_word_are_indexed():
    assert "w:一级能效" in terms_of("新一级能效 变频空调")  # search mode stops at 3 characters


def test_two_words_in_a_row_are_indexed_by_their_initials_too():
    assert {"i:cj", "i:kj", "i:cjkj"} <= terms_of("初级会计实务")
