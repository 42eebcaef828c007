"""The search bench's queries and their graded judgments, derived from facets by explicit rules.

`python -m bench.search_judgments` writes `bench/search_queries.json` (`--check` only says whether
the file is up to date). Each query below states what the shopper asked for as facets: `types`
(what the thing is), `brand`, `line` (a series: `samba`, `x20`, `iphone15`), `model` (one exact
model: `iphone15pro`), `spec` (SKU specs or attributes: `匹数=1.5匹`), `tags` (what else the title
must assert: `重庆`, `长城`), `related` (types this query also takes as partial) and `typed`
(whether the query spells its type out: `oppo手机` does, `iphone` and `43码 nike` only imply it).
The catalogue (`bench.search_catalog`) gives every product the same facets. A query's class says
how it was typed (chinese, pinyin, initials, mixed, homophone, latin_typo, brand, spec), not what
it asks for.

Grades follow the Exact / Substitute-or-Complement / Irrelevant scale of e-commerce relevance
judging (ESCI): 2 exact, 1 partial, 0 not relevant.

- 2: the product is what was asked. Its type is an asked type or a child of one (`运动鞋` takes
  `板鞋`, `跑步鞋` …), and every asked facet holds: brand, line, model, each spec (a SKU offers it
  or an attribute says it; `256GB` also matches `12GB+256GB`), each tag.
- 1:
  - the right type with exactly one facet group off: identity (another brand, series or model,
    a Pro of the asked model), specs, or tags. Two groups off is 0 (an adidas shoe without size
    43 for `43码 nike`).
  - another brand of the right type only when the query spells the type out (`anessa防晒` takes
    a 百雀羚 sunscreen, `oppo手机` a vivo phone); when a brand, line or model names the thing and
    the type is only implied (`华为mate60`, `iphone`, `samba鞋`, `43码 nike`), another brand is 0.
  - an accessory of an asked type that fits what was named (a brush for 芙万 洗地机, a case for
    the iPhone 15 when `iphone15` was asked, a charger for any Apple phone).
  - a related type (`RELATED` or the query's `related`: 龙井 takes other green teas, 半身裙 takes
    马面裙, 火锅底料 takes 火锅蘸料, 运动鞋 takes 帆布鞋), of the asked brand if one was asked;
    or a product whose tags name an asked type (a gift box with 海参 in it).
- 0: everything else that was judged. An accessory that does not fit what was named is 0 (an
  iPhone 15 Pro case for `iphone15手机壳`). A query that names a line or model and no type takes
  the types of the products of that line or model (`samba` → 德训鞋 and 板鞋).
- A brand-only query (`添可`, `nike`) grades every product of that brand 2, an accessory made to
  fit it 1 (a 洗地机 fluid for 添可 and 追觅), and other brands 0 (小米 the millet is 0 for 小米).

Which products are judged: every product graded 1 or 2, and the candidates a search could
plausibly return, graded by the same rules (so mostly 0): the products of every category holding
a grade-2 product, of the types in `CONFUSABLE` for an asked type, and of the asked brand; titles
sharing a two-character run with the query or with what it meant (`means`: 洗地机 for 洗地鸡), and
for a homophone titles with the wrongly typed character (鸡 of 洗地鸡: 鸡精, 钵钵鸡); titles whose
pinyin holds the query's pinyin, or whose initials hold an initials query; titles with a Latin
word that starts with a Latin word of the query or is within two edits of it (one for three
letters). Anything else is unjudged, and dropped from a ranking before it is cut at 10 (condensed
lists).

`OVERRIDES` holds what a human judge graded differently from the rules after reading the output
(`python -m bench.search_judgments --show QUERY` prints one query's judgments with titles), with
the reason next to each.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.search_catalog import BY_KEY, PRODUCTS, TYPE_PARENT, Compat, Product

QUERIES_PATH = Path(__file__).with_name("search_queries.json")
CLASSES = ("chinese", "pinyin", "initials", "mixed", "homophone", "latin_typo", "brand", "spec")

# asked type → types graded 1 (substitutes or complements a judge accepts as partial)
RELATED: dict[str, frozenset[str]] = {
    "洗地机": frozenset({"电动拖把"}),
    "运动鞋": frozenset({"帆布鞋"}),
    "吸尘器": frozenset({"除螨仪"}),
    "龙井": frozenset({"碧螺春", "信阳毛尖", "安吉白茶"}),
    "白茶": frozenset({"安吉白茶"}),
    "铁观音": frozenset({"大红袍"}),
    "半身裙": frozenset({"马面裙"}),
    "汉服": frozenset({"马面裙"}),
    "火锅底料": frozenset({"火锅蘸料", "串串底料"}),
    "空调被": frozenset({"毛毯"}),
    "吹风机": frozenset({"卷发棒"}),
    "面霜": frozenset({"护肤套装"}),
    "银行考试": frozenset({"金融教材"}),
}
# asked type → look-alike types judged explicitly (graded by the rules, so 0 unless related)
CONFUSABLE: dict[str, frozenset[str]] = {
    "洗地机": frozenset({"洗衣机", "吸尘器", "扫地机器人", "拖把", "蒸汽拖把", "电动拖把",
                         "除螨仪"}),
    "扫地机器人": frozenset({"洗地机", "吸尘器"}),
    "吸尘器": frozenset({"洗地机", "扫地机器人", "除螨仪"}),
    "洗衣机": frozenset({"洗地机", "干衣机"}),
    "空调": frozenset({"空调扇", "电风扇", "空调被", "毛毯", "凉席", "空调配件"}),
    "空调被": frozenset({"空调", "毛毯", "凉席", "四件套"}),
    "马面裙": frozenset({"半身裙", "汉服", "旗袍", "马甲"}),
    "半身裙": frozenset({"马面裙"}),
    "汉服": frozenset({"马面裙", "旗袍", "上衣"}),
    "海参": frozenset({"人参", "党参", "干货礼盒"}),
    "火锅底料": frozenset({"自热火锅", "电火锅", "火锅食材", "面条", "辣椒", "豆瓣酱", "菜谱"}),
    "防晒霜": frozenset({"防晒衣", "防晒帽", "袖套"}),
    "美容仪": frozenset({"补水仪"}),
    "会计教材": frozenset({"计算器", "银行考试", "金融教材"}),
    "银行考试": frozenset({"会计教材", "银耳"}),
    "手机壳": frozenset({"手机膜", "手机"}),
    "行李箱": frozenset({"双肩包", "旅行枕"}),
}
ACCESSORY_TYPES = frozenset(t for p in PRODUCTS if p.compat for t in p.types)


@dataclass(frozen=True)
class Query:
    q: str
    cls: str
    means: str = ""  # what the shopper meant, in characters (pinyin, initials, homophones)
    types: tuple[str, ...] = ()
    brand: str | None = None
    line: str | None = None
    model: str | None = None
    spec: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    typed: bool = True  # the query spells its type out (`oppo手机`), not only implies it (`iphone`)


def _q(q: str, cls: str, means: str = "", *, types: str = "", spec: str = "", tags: str = "",
       related: str = "", typed: bool = True, **identity: str) -> Query:
    return Query(q, cls, means, tuple(filter(None, types.split("/"))), identity.get("brand"),
                 identity.get("line"), identity.get("model"),
                 tuple(tuple(s.split("=", 1)) for s in spec.split(",") if s),
                 tuple(tags.split()), tuple(filter(None, related.split("/"))), typed)


QUERIES: tuple[Query, ...] = (
    # chinese: the words as a shopper types them in characters
    _q("洗地机", "chinese", types="洗地机"),
    _q("空调", "chinese", types="空调"),
    _q("空调 1.5匹", "chinese", types="空调", spec="匹数=1.5匹"),
    _q("马面裙", "chinese", types="马面裙"),
    _q("扫地机器人", "chinese", types="扫地机器人"),
    _q("吸尘器", "chinese", types="吸尘器"),
    _q("洗衣机", "chinese", types="洗衣机"),
    _q("手机壳", "chinese", types="手机壳"),
    _q("运动鞋", "chinese", types="运动鞋"),
    _q("跑步鞋", "chinese", types="跑步鞋"),
    _q("重庆火锅底料", "chinese", types="火锅底料", tags="重庆"),
    _q("火锅底料", "chinese", types="火锅底料"),
    _q("海参", "chinese", types="海参"),
    _q("西湖龙井", "chinese", types="龙井", tags="西湖"),
    _q("普洱茶", "chinese", types="普洱茶"),
    _q("防晒霜", "chinese", types="防晒霜"),
    _q("美容仪", "chinese", types="美容仪"),
    _q("汉服", "chinese", types="汉服"),
    _q("空调被", "chinese", types="空调被"),
    _q("行李箱", "chinese", types="行李箱"),
    _q("初级会计", "chinese", types="会计教材", tags="初级会计"),
    _q("电动牙刷", "chinese", types="电动牙刷"),
    _q("篮球鞋", "chinese", types="篮球鞋"),
    _q("德训鞋", "chinese", types="德训鞋"),
    # pinyin: full pinyin, no tones, no spaces
    _q("xidiji", "pinyin", "洗地机", types="洗地机"),
    _q("kongtiao", "pinyin", "空调", types="空调"),
    _q("mamianqun", "pinyin", "马面裙", types="马面裙"),
    _q("chongqinghuoguo", "pinyin", "重庆火锅", types="火锅底料", tags="重庆",
       related="自热火锅"),
    _q("saodijiqiren", "pinyin", "扫地机器人", types="扫地机器人"),
    _q("xichenqi", "pinyin", "吸尘器", types="吸尘器"),
    _q("xiyiji", "pinyin", "洗衣机", types="洗衣机"),
    _q("shoujike", "pinyin", "手机壳", types="手机壳"),
    _q("yundongxie", "pinyin", "运动鞋", types="运动鞋"),
    _q("haishen", "pinyin", "海参", types="海参"),
    _q("longjing", "pinyin", "龙井", types="龙井"),
    _q("puer", "pinyin", "普洱", types="普洱茶"),
    _q("fangshaishuang", "pinyin", "防晒霜", types="防晒霜"),
    _q("meirongyi", "pinyin", "美容仪", types="美容仪"),
    _q("hanfu", "pinyin", "汉服", types="汉服"),
    _q("kongtiaobei", "pinyin", "空调被", types="空调被"),
    _q("xinglixiang", "pinyin", "行李箱", types="行李箱"),
    _q("kuaiji", "pinyin", "会计", types="会计教材", related="计算器"),
    _q("yinhang", "pinyin", "银行", types="银行考试"),
    _q("changcheng", "pinyin", "长城", tags="长城"),
    _q("chuifengji", "pinyin", "吹风机", types="吹风机"),
    _q("tieguanyin", "pinyin", "铁观音", types="铁观音"),
    _q("huoguodiliao", "pinyin", "火锅底料", types="火锅底料"),
    _q("banshenqun", "pinyin", "半身裙", types="半身裙"),
    # initials: the first letter of each syllable
    _q("xdj", "initials", "洗地机", types="洗地机"),
    _q("kt", "initials", "空调", types="空调"),
    _q("mmq", "initials", "马面裙", types="马面裙"),
    _q("sdjqr", "initials", "扫地机器人", types="扫地机器人"),
    _q("xcq", "initials", "吸尘器", types="吸尘器"),
    _q("xyj", "initials", "洗衣机", types="洗衣机"),
    _q("sjk", "initials", "手机壳", types="手机壳"),
    _q("ydx", "initials", "运动鞋", types="运动鞋"),
    _q("hgdl", "initials", "火锅底料", types="火锅底料"),
    _q("cqhg", "initials", "重庆火锅", types="火锅底料", tags="重庆", related="自热火锅"),
    _q("ktb", "initials", "空调被", types="空调被"),
    _q("kts", "initials", "空调扇", types="空调扇"),
    _q("cfj", "initials", "吹风机", types="吹风机"),
    _q("xlx", "initials", "行李箱", types="行李箱"),
    _q("ddys", "initials", "电动牙刷", types="电动牙刷"),
    _q("tgy", "initials", "铁观音", types="铁观音"),
    _q("xhlj", "initials", "西湖龙井", types="龙井", tags="西湖"),
    _q("mry", "initials", "美容仪", types="美容仪"),
    _q("fss", "initials", "防晒霜", types="防晒霜"),
    _q("cjkj", "initials", "初级会计", types="会计教材", tags="初级会计"),
    _q("yhcy", "initials", "银行从业", types="银行考试", tags="银行从业"),
    _q("bsq", "initials", "半身裙", types="半身裙"),
    _q("lqx", "initials", "篮球鞋", types="篮球鞋"),
    _q("pbx", "initials", "跑步鞋", types="跑步鞋"),
    # mixed: Latin and characters, or characters with a pinyin tail
    _q("nike空军", "mixed", "耐克空军", brand="nike", line="af1"),
    _q("洗diji", "mixed", "洗地机", types="洗地机"),
    _q("洗dj", "mixed", "洗地机", types="洗地机"),
    _q("iphone15手机壳", "mixed", types="手机壳", brand="apple", model="iphone15"),
    _q("追觅x20", "mixed", brand="dreame", line="x20"),
    _q("石头s8", "mixed", brand="roborock", line="s8"),
    _q("dyson吹风机", "mixed", "戴森吹风机", types="吹风机", brand="dyson"),
    _q("戴森v12", "mixed", brand="dyson", line="v12"),
    _q("华为mate60", "mixed", brand="huawei", line="mate60"),
    _q("小米14手机壳", "mixed", types="手机壳", brand="xiaomi", model="小米14"),
    _q("anessa防晒", "mixed", "安热沙防晒", types="防晒霜", brand="anessa"),
    _q("adidas三叶草", "mixed", "阿迪达斯三叶草", brand="adidas", tags="三叶草"),
    _q("samba鞋", "mixed", brand="adidas", line="samba"),
    _q("gazelle女", "mixed", brand="adidas", line="gazelle"),
    _q("vivo x100手机", "mixed", types="手机", brand="vivo", line="x100"),
    _q("oppo手机", "mixed", types="手机", brand="oppo"),
    _q("马面qun", "mixed", "马面裙", types="马面裙"),
    _q("防shai霜", "mixed", "防晒霜", types="防晒霜"),
    _q("火锅dl", "mixed", "火锅底料", types="火锅底料"),
    _q("重庆hg", "mixed", "重庆火锅", types="火锅底料", tags="重庆", related="自热火锅"),
    _q("空tiao", "mixed", "空调", types="空调"),
    _q("kt9篮球鞋", "mixed", types="篮球鞋", brand="anta", model="kt9"),
    _q("philips牙刷", "mixed", "飞利浦牙刷", types="电动牙刷", brand="philips"),
    _q("扫地机x20", "mixed", types="扫地机器人", line="x20"),
    # homophone: same pinyin, other characters (a wrong pick in the pinyin IME)
    _q("洗地鸡", "homophone", "洗地机", types="洗地机"),
    _q("空掉", "homophone", "空调", types="空调"),
    _q("空条", "homophone", "空调", types="空调"),
    _q("马面群", "homophone", "马面裙", types="马面裙"),
    _q("马棉裙", "homophone", "马面裙", types="马面裙"),
    _q("防嗮", "homophone", "防晒", types="防晒霜", related="防晒衣/防晒帽/袖套"),
    _q("防晒双", "homophone", "防晒霜", types="防晒霜"),
    _q("扫地鸡器人", "homophone", "扫地机器人", types="扫地机器人"),
    _q("吸尘气", "homophone", "吸尘器", types="吸尘器"),
    _q("洗衣鸡", "homophone", "洗衣机", types="洗衣机"),
    _q("手鸡壳", "homophone", "手机壳", types="手机壳"),
    _q("运动谐", "homophone", "运动鞋", types="运动鞋"),
    _q("海深", "homophone", "海参", types="海参"),
    _q("快计", "homophone", "会计", types="会计教材", related="计算器"),
    _q("银航", "homophone", "银行", types="银行考试"),
    _q("常城", "homophone", "长城", tags="长城"),
    _q("火锅地料", "homophone", "火锅底料", types="火锅底料"),
    _q("重庆火锅低料", "homophone", "重庆火锅底料", types="火锅底料", tags="重庆"),
    _q("龙景", "homophone", "龙井", types="龙井"),
    _q("铁关音", "homophone", "铁观音", types="铁观音"),
    _q("美容一", "homophone", "美容仪", types="美容仪"),
    _q("吹风鸡", "homophone", "吹风机", types="吹风机"),
    _q("汉付", "homophone", "汉服", types="汉服"),
    _q("空调备", "homophone", "空调被", types="空调被"),
    _q("行李相", "homophone", "行李箱", types="行李箱"),
    _q("崇庆火锅", "homophone", "重庆火锅", types="火锅底料", tags="重庆", related="自热火锅"),
    # latin_typo: a Latin brand or model with a slip of the fingers
    _q("nkie", "latin_typo", brand="nike"),
    _q("adidsa", "latin_typo", brand="adidas"),
    _q("iphnoe", "latin_typo", types="手机", brand="apple", typed=False),
    _q("dysn", "latin_typo", brand="dyson"),
    _q("samab", "latin_typo", brand="adidas", line="samba"),
    _q("gazele", "latin_typo", brand="adidas", line="gazelle"),
    _q("phlips", "latin_typo", brand="philips"),
    _q("anesa", "latin_typo", brand="anessa"),
    _q("opoo", "latin_typo", brand="oppo"),
    _q("vivio", "latin_typo", brand="vivo"),
    _q("iphnoe15", "latin_typo", brand="apple", model="iphone15"),
    _q("ipone 15 pro", "latin_typo", brand="apple", model="iphone15pro"),
    _q("nike air froce", "latin_typo", brand="nike", line="af1"),
    _q("adidas smaba", "latin_typo", brand="adidas", line="samba"),
    _q("dyosn v12", "latin_typo", brand="dyson", line="v12"),
    _q("xaiomi", "latin_typo", brand="xiaomi"),
    _q("huawie", "latin_typo", brand="huawei"),
    _q("supertsar", "latin_typo", brand="adidas", line="superstar"),
    _q("stan smtih", "latin_typo", brand="adidas", line="stansmith"),
    _q("ultrabost", "latin_typo", brand="adidas", line="ultraboost"),
    _q("dreme x20", "latin_typo", brand="dreame", line="x20"),
    _q("roborck s8", "latin_typo", brand="roborock", line="s8"),
    _q("airpod pro", "latin_typo", brand="apple", line="airpodspro"),
    _q("laifne", "latin_typo", brand="laifen"),
    # brand: a brand alone, in characters or Latin
    _q("添可", "brand", brand="tineco"),
    _q("追觅", "brand", brand="dreame"),
    _q("科沃斯", "brand", brand="ecovacs"),
    _q("石头", "brand", brand="roborock"),
    _q("云鲸", "brand", brand="narwal"),
    _q("美的", "brand", brand="midea"),
    _q("格力", "brand", brand="gree"),
    _q("海尔", "brand", brand="haier"),
    _q("小米", "brand", brand="xiaomi"),
    _q("华为", "brand", brand="huawei"),
    _q("李宁", "brand", brand="lining"),
    _q("安踏", "brand", brand="anta"),
    _q("百雀羚", "brand", brand="pechoin"),
    _q("nike", "brand", brand="nike"),
    _q("adidas", "brand", brand="adidas"),
    _q("dyson", "brand", brand="dyson"),
    _q("philips", "brand", brand="philips"),
    _q("anessa", "brand", brand="anessa"),
    _q("oppo", "brand", brand="oppo"),
    _q("vivo", "brand", brand="vivo"),
    _q("apple", "brand", brand="apple"),
    _q("耐克", "brand", brand="nike"),
    _q("戴森", "brand", brand="dyson"),
    _q("飞利浦", "brand", brand="philips"),
    _q("海底捞", "brand", brand="haidilao"),
    _q("大益", "brand", brand="dayi"),
    # spec: a type or brand with a spec (匹数, 规格, 存储, 尺码, 容量, 能效)
    _q("1.5匹空调", "spec", types="空调", spec="匹数=1.5匹"),
    _q("空调1.5p", "spec", "空调1.5匹", types="空调", spec="匹数=1.5匹"),
    _q("大1匹空调", "spec", types="空调", spec="匹数=大1匹"),
    _q("3匹柜机", "spec", types="空调", spec="匹数=3匹,类型=柜机"),
    _q("2匹空调", "spec", types="空调", spec="匹数=2匹"),
    _q("500g龙井", "spec", types="龙井", spec="规格=500g"),
    _q("海参500g", "spec", types="海参", spec="规格=500g"),
    _q("256g iphone", "spec", types="手机", brand="apple", spec="存储=256GB", typed=False),
    _q("iphone15 256g", "spec", brand="apple", model="iphone15", spec="存储=256GB"),
    _q("华为 512g", "spec", types="手机", brand="huawei", spec="存储=512GB", typed=False),
    _q("43码 nike", "spec", types="运动鞋", brand="nike", spec="尺码=43", typed=False),
    _q("李宁 42码", "spec", types="运动鞋", brand="lining", spec="尺码=42", typed=False),
    _q("马面裙 m码", "spec", types="马面裙", spec="尺码=M"),
    _q("10公斤滚筒洗衣机", "spec", types="洗衣机", spec="容量=10kg", tags="滚筒"),
    _q("洗衣机10kg", "spec", types="洗衣机", spec="容量=10kg"),
    _q("一级能效空调", "spec", types="空调", spec="能效=新一级能效"),
    _q("60ml防晒", "spec", types="防晒霜", spec="规格=60ml"),
    _q("500g火锅底料", "spec", types="火锅底料", spec="规格=500g"),
    _q("iphone15 pro 512g", "spec", brand="apple", model="iphone15pro", spec="存储=512GB"),
    _q("20寸行李箱", "spec", types="行李箱", spec="尺寸=20寸"),
    _q("357g普洱", "spec", types="普洱茶", spec="规格=357g"),
    _q("250g铁观音", "spec", types="铁观音", spec="规格=250g"),
)

# (query, product key) → grade, where a human judge differs from the rules after reading them
_COOKBOOK = "the book is about making 重庆火锅 at home: related, not what is eaten"
OVERRIDES: dict[tuple[str, str], tuple[int, str]] = {
    ("德训鞋", "adidas-gazelle"): (1, "a Gazelle is sold next to the Samba as the 德训鞋 look"),
    ("chongqinghuoguo", "chongqing-hotpot-cookbook"): (1, _COOKBOOK),
    ("cqhg", "chongqing-hotpot-cookbook"): (1, _COOKBOOK),
    ("重庆hg", "chongqing-hotpot-cookbook"): (1, _COOKBOOK),
    ("崇庆火锅", "chongqing-hotpot-cookbook"): (1, _COOKBOOK),
}


# --- facets ---------------------------------------------------------------------------------------

def _line_of(model: str) -> str | None:
    return next((p.line for p in PRODUCTS if p.model == model), None)


def _brand_of(line_or_model: str) -> str | None:
    return next((p.brand for p in PRODUCTS if line_or_model in (p.line, p.model)), None)


def _asked_brand(query: Query) -> str | None:
    named = query.line or query.model
    return query.brand or (_brand_of(named) if named else None)


def _identity_ok(query: Query, p: Product) -> bool:
    return ((query.brand is None or p.brand == query.brand)
            and (query.line is None or p.line == query.line)
            and (query.model is None or p.model == query.model))


def _spec_value_ok(value: str | None, wanted: str) -> bool:
    return value is not None and (value == wanted or wanted in value.split("+"))


def _specs_ok(query: Query, p: Product) -> bool:
    return all(any(_spec_value_ok(s.specs.get(name), value) for s in p.skus)
               or _spec_value_ok(p.attributes.get(name), value) for name, value in query.spec)


def _tags_ok(query: Query, p: Product) -> bool:
    return all(tag in p.tags for tag in query.tags)


def _is_type(p: Product, types: set[str]) -> bool:
    return any(t in types or TYPE_PARENT.get(t) in types for t in p.types)


def _implied_types(query: Query) -> set[str]:
    """The types a query that names a line or model (and no type) asks for."""
    if query.types:
        return set(query.types)
    if query.line is None and query.model is None:
        return set()
    return {t for p in PRODUCTS if _identity_ok(query, p) for t in p.types}


def _fits(compat: Compat, query: Query) -> str:
    """'exact' when the accessory names what was asked, 'generic' when it fits it among others
    (a charger for every Apple phone), 'no' when it fits something else."""
    if query.model:
        if compat.models:
            return "exact" if query.model in compat.models else "no"
        if compat.lines:
            return "generic" if _line_of(query.model) in compat.lines else "no"
        brand = query.brand or _brand_of(query.model)
        return "generic" if not compat.brands or brand in compat.brands else "no"
    if query.line:
        if compat.models:
            return "exact" if any(_line_of(m) == query.line for m in compat.models) else "no"
        if compat.lines:
            return "exact" if query.line in compat.lines else "no"
        brand = query.brand or _brand_of(query.line)
        return "generic" if not compat.brands or brand in compat.brands else "no"
    if query.brand:
        return "exact" if query.brand in compat.brands else "generic" if not compat.brands else "no"
    return "exact"


def grade(query: Query, p: Product) -> int:
    """The rules of the module docstring, before overrides."""
    types = _implied_types(query)
    if not types:  # a brand or tags alone
        if _identity_ok(query, p) and _tags_ok(query, p) and _specs_ok(query, p):
            return 2
        if p.compat and query.brand and _fits(p.compat, query) == "exact":
            return 1
        if query.brand and p.brand == query.brand:
            return 1  # the brand, without the asked tag or spec
        return 0
    if _is_type(p, types):
        if types <= ACCESSORY_TYPES:
            fit = _fits(p.compat, query) if p.compat else "no"
            if fit == "no":
                return 0
            if fit == "generic":
                return 1
            return 2 if _specs_ok(query, p) and _tags_ok(query, p) else 1
        if _asked_brand(query) not in (None, p.brand) and not (query.types and query.typed):
            return 0  # `华为mate60`, `iphone`, `43码 nike`: another brand is no substitute
        off = [not _identity_ok(query, p), not _specs_ok(query, p), not _tags_ok(query, p)]
        return 2 if not any(off) else 1 if sum(off) == 1 else 0
    if p.compat and _is_type_name(p.compat.type, types) and _fits(p.compat, query) != "no":
        return 1
    related = set(query.related).union(*(RELATED.get(t, ()) for t in types))
    brand_ok = query.brand is None or p.brand == query.brand
    if brand_ok and (_is_type(p, related) or p.tags & types):
        return 1
    return 0


def _is_type_name(kind: str, types: set[str]) -> bool:
    return kind in types or TYPE_PARENT.get(kind) in types


# --- which products get judged -------------------------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")


@functools.cache
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text.lower())).replace(" ", "")


@functools.cache
def _initials(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(text.lower(), style=Style.FIRST_LETTER)).replace(" ", "")


def _bigrams(text: str) -> set[str]:
    chars = [c if _CJK.match(c) else " " for c in text]
    return {a + b for a, b in itertools.pairwise(chars) if a != " " and b != " "}


def _edits(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _lexical_candidate(query: Query, p: Product) -> bool:
    title = p.title.lower()
    q = query.q.lower()
    if _bigrams(q + " " + query.means) & _bigrams(title):
        return True
    if query.cls == "homophone" and set(_CJK.findall(q)) - set(query.means) & set(title):
        return True
    words = _LATIN.findall(title)
    for word in _LATIN.findall(q):
        if any(w.startswith(word) for w in words):
            return True
        if len(word) >= 3 and re.search("[a-z]", word):
            budget = 1 if len(word) == 3 else 2
            if any(_edits(word, w) <= budget for w in words):
                return True
    if (query.cls in ("pinyin", "mixed", "homophone") and len(_pinyin(q)) >= 4
            and _pinyin(q) in _pinyin(title)):
        return True
    return query.cls == "initials" and q in _initials(title)


def judged(query: Query) -> dict[str, int]:
    grades = {p.key: grade(query, p) for p in PRODUCTS}
    exact_categories = {BY_KEY[k].category for k, g in grades.items() if g == 2}
    asked = _implied_types(query)
    confusable = set().union(*(CONFUSABLE.get(t, ()) for t in asked))
    pool = {p.key for p in PRODUCTS
            if grades[p.key] > 0 or p.category in exact_categories
            or _is_type(p, confusable) or (query.brand and p.brand == query.brand)
            or _lexical_candidate(query, p)}
    out = {key: grades[key] for key in pool}
    for (q, key), (value, _reason) in OVERRIDES.items():
        if q == query.q:
            out[key] = value
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def build() -> list[dict]:
    rows = []
    for query in QUERIES:
        judgments = judged(query)
        if 2 not in judgments.values():
            raise ValueError(f"query {query.q!r} has no exact (grade 2) product")
        rows.append({"q": query.q, "class": query.cls, "judgments": judgments})
    return rows


def render(rows: list[dict]) -> str:
    """One query per line, so a change to one query is one line of diff."""
    lines = [json.dumps(row, ensure_ascii=False, separators=(", ", ": ")) for row in rows]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def load(path: Path = QUERIES_PATH) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_judgments",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only say whether bench/search_queries.json is up to date")
    parser.add_argument("--show", metavar="QUERY", action="append", default=[],
                        help="print one query's judgments with the product titles (repeatable)")
    args = parser.parse_args(argv)
    if args.show:
        for query in (q for q in QUERIES if q.q in args.show):
            print(f"{query.q} [{query.cls}]")
            for key, value in judged(query).items():
                note = OVERRIDES.get((query.q, key), (None, ""))[1]
                print(f"  {value}  {key:30} {BY_KEY[key].title}" + (f"  ← {note}" if note else ""))
        return 0
    assert len({q.q for q in QUERIES}) == len(QUERIES), "a query repeats"
    assert {q.cls for q in QUERIES} <= set(CLASSES)
    for (q, key) in OVERRIDES:
        assert key in BY_KEY and any(x.q == q for x in QUERIES), (q, key)
    text = render(build())
    if args.check:
        current = QUERIES_PATH.read_text(encoding="utf-8") if QUERIES_PATH.exists() else ""
        print("up to date" if current == text else f"{QUERIES_PATH.name} is stale: regenerate")
        return 0 if current == text else 1
    QUERIES_PATH.write_text(text, encoding="utf-8")
    rows = load()
    per_class = Counter(row["class"] for row in rows)
    grades = Counter(g for row in rows for g in row["judgments"].values())
    print(f"wrote {QUERIES_PATH.name}: {len(rows)} queries "
          f"({', '.join(f'{c} {per_class[c]}' for c in CLASSES)}); judgments: "
          f"{grades[2]} × 2, {grades[1]} × 1, {grades[0]} × 0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
