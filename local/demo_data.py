"""A deterministic demo catalog for local runs: shops, always-available products, SKUs, bundles.

Pure Python, no I/O: `build_demo_catalog()` returns domain objects and `local.seed` writes them
through the store, the same way the API would. Every run builds the same catalog, ids included:
one `random.Random(2026)` drives every choice, and every timestamp (which the ids embed) is an
offset from a fixed base instead of the clock, so URLs printed by `make run` stay valid across
restarts and tests can compare two builds.

Brands, shops and people are made up; images point at a fake CDN host that serves nothing.

What the catalog covers, so the storefront, the shelves and the mall have something to show:
- 28 shops owned by merchants "m1".."m28" (shop 0 belongs to "m1", the README's token), each
  selling its own trade, so that every category has at least 3 sellers (空调 and 洗地机 have 5,
  enough for the mall's "at most 2 of one shop in 10"); follower counts and service quality
  vary, one shop is new (opened in the catalogue's last 10 days, few sales), one is live right
  now. Shops and products start without scores, as the API creates them: `local.demo_history`
  gives them 90 days of history and the score job scores them.
- About 415 listed products (on shelf and always available) in 12 categories, 2–6 SKUs each with
  category-specific specs and integer-fen prices, list prices on some SKUs, sold-out and
  low-stock SKUs, a few products sold out in every SKU, and 30-day stats in which a big
  live-stream seller can still rank low on the comprehensive sort (weak shelf click and
  conversion rates).
- Text that reads true: a selling point (hook), description sentence or attribute belongs to the
  category only when it fits every item of it, else to the item; hooks that need a spec
  (新一级能效, 冰透起光 …) appear only when some SKU has it, and hooks that imply an attribute
  (礼盒装, 100支长绒棉 …) set it. Chinese sentences use full-width punctuation.
- A few products that must never reach a shelf: drafts, off-shelf ones, and live-only ones
  (on shelf but not always available).
- Bundles (全套购) of 2–4 SKUs of one shop priced below their parts, among them an appliance set
  (空调 + 洗地机) in shop 0, which carries several appliance categories.

Shops are returned as they are created (no category counts, no bundle summaries): seeding derives
those through the store's own writes, exactly as the API does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import product as cartesian_product

from chalicelib.domain.catalog import (
    Bundle,
    BundlePart,
    BundleSummary,
    Product,
    ProductStats,
    ProductStatus,
    Shop,
    build_skus,
    summarize_bundle,
    validate_bundle,
)
from chalicelib.domain.clock import DAY_MS

SEED = 2026
# Fixed instants instead of the clock: the catalog (and every id in it) is the same on every run.
BASE_MS = int(datetime(2026, 8, 1, tzinfo=UTC).timestamp() * 1000)
CATALOG_SPAN_DAYS = 110  # products are listed over this many days after BASE_MS
CATALOG_END_MS = BASE_MS + CATALOG_SPAN_DAYS * DAY_MS  # the catalogue's "now"
NEW_SHOP_AGE_DAYS = 8  # the new shop opened this many days before CATALOG_END_MS
BUNDLES_AT_MS = BASE_MS + (CATALOG_SPAN_DAYS + 2) * DAY_MS
IMAGE_HOST = "https://img.example.com"
HOUR_MS = 3_600_000

# Crockford base32, as chalicelib.domain.ids uses; ids here take their random part from the
# seeded generator instead of `secrets`, which is the only difference.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def _id(prefix: str, ms: int, rng: random.Random) -> str:
    return f"{prefix}{_encode(ms, 10)}{_encode(rng.getrandbits(50), 10)}"


def demo_id(prefix: str, ms: int, rng: random.Random) -> str:
    """An id shaped like chalicelib.domain.ids.new_id, its random part from `rng` (the other demo
    generators use it for orders and reviews)."""
    return _id(prefix, ms, rng)


# --- the category table ------------------------------------------------------------------------

@dataclass
class _Item:
    """One kind of product in a category: its name, price of the base spec, and spec axes.

    `axes` maps a spec name to its values and each value's price factor; a SKU is one combination
    of values and costs base × the product of its factors. `hooks`, `blurbs` and `attributes`
    are what fits this item only; they extend (attributes: override) the category's.
    """

    name: str
    base_yuan: tuple[int, int]
    axes: dict[str, dict[str, float]]
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hooks: tuple[str, ...] = ()
    blurbs: tuple[str, ...] = ()


@dataclass
class _Category:
    """`hooks`, `blurbs` and `attributes` here fit EVERY item of the category."""

    name: str
    slug: str
    price_fen: tuple[int, int]  # realistic bounds for one SKU of this category
    series: tuple[str, ...]  # product lines that appear in titles ("" when the category has none)
    hooks: tuple[str, ...]  # selling points for titles
    blurbs: tuple[str, ...]  # description sentences
    attributes: dict[str, tuple[str, ...]]
    items: tuple[_Item, ...]


# A hook that claims a spec appears only when some SKU of the product has it.
HOOK_REQUIRES: dict[str, tuple[str, str]] = {
    "新一级能效": ("能效", "一级"),
    "热水洗地": ("版本", "Pro+热水烘干版"),
    "双滚刷": ("版本", "双滚刷版"),
    "双电池长续航": ("电池", "双电池"),
    "送导入凝胶": ("套装", "礼盒版（含凝胶）"),
    "冰透起光": ("种水", "冰种"),
    "18K金镶嵌": ("镶嵌", "18K金"),
    "新生儿可用": ("尺码", "NB"),
    "高景观": ("版本", "高景观款"),
}
# A hook in the title sets the attribute it claims, so title and attributes agree.
HOOK_ATTRIBUTES: dict[str, dict[str, str]] = {
    "年货礼盒": {"包装": "礼盒装"},
    "礼盒装": {"包装": "礼盒装"},
    "60分钟长续航": {"续航时间": "60分钟"},
    "10年包修": {"保修": "整机10年"},
    "织金工艺": {"面料": "织金缎"},
    "秋冬加厚": {"适用季节": "秋冬"},
    "100支长绒棉": {"面料": "100支长绒棉"},
    "新疆棉": {"棉花产地": "新疆"},
    "A类母婴级": {"安全类别": "A类"},
}

_COLORS_GUOFENG = {"月白": 1.0, "黛蓝": 1.0, "朱红": 1.0, "墨绿": 1.0, "藕荷": 1.0}
_SIZES = {"S": 1.0, "M": 1.0, "L": 1.0, "XL": 1.0}

CATEGORIES: tuple[_Category, ...] = (
    _Category(
        name="海鲜干货", slug="haixian", price_fen=(1990, 199900),
        series=("",),
        hooks=("当季新货", "渔民直采", "产地直发", "顺丰包邮", "坏品包赔"),
        blurbs=("坏品包赔，签收后 48 小时内联系客服即可。", "每批次抽检，检测报告可在详情页查看。",
                "真空包装，开袋后请密封存放。"),
        attributes={"包装": ("袋装", "罐装", "礼盒装")},
        items=(
            _Item("淡干海参", (598, 1280),
                  {"规格": {"100g": 0.45, "250g": 1.0, "500g": 1.9},
                   "等级": {"一级": 1.0, "特级": 1.3}},
                  {"产地": ("辽宁大连", "山东威海"), "保质期": ("24个月",),
                   "储存方式": ("常温干燥处",)},
                  hooks=("淡干无盐", "足干耐泡发", "滋补佳品", "年货礼盒"),
                  blurbs=("鲜参去内脏后淡水煮制，自然晾晒，不加盐不加糖。",
                          "每批抽检含水率，泡发率高。",
                          "泡发后炖汤、煮粥、凉拌皆宜，送长辈体面。")),
            _Item("野生大黄鱼鲞", (168, 298),
                  {"规格": {"2条装（约600g）": 1.0, "4条装（约1200g）": 1.9},
                   "等级": {"大号": 1.0, "特大号": 1.3}},
                  {"产地": ("浙江舟山",), "保质期": ("12个月",), "储存方式": ("冷冻保存",)},
                  hooks=("淡晒鱼鲞", "一鱼一剖", "年货礼盒"),
                  blurbs=("渔船靠岸当天剖洗，海风晾晒，只用少许盐。",
                          "清蒸、香煎、红烧都好吃，年夜饭上桌有面子。")),
            _Item("大连干贝瑶柱", (128, 268),
                  {"规格": {"250g": 1.0, "500g": 1.9},
                   "粒径": {"中粒2-3cm": 1.0, "大粒3-4cm": 1.3}},
                  {"产地": ("辽宁大连",), "保质期": ("18个月",),
                   "储存方式": ("冷藏保存", "常温干燥处")},
                  hooks=("淡干无盐", "颗粒饱满", "滋补佳品", "年货礼盒"),
                  blurbs=("扇贝柱去裙边后低温烘干，不加盐。", "煲汤、炖粥提鲜，一次几粒就够。")),
            _Item("深海花胶", (399, 799),
                  {"规格": {"100g": 1.0, "250g": 2.3}, "厚度": {"标准": 1.0, "加厚": 1.4}},
                  {"产地": ("广东湛江", "福建宁德"), "保质期": ("36个月",),
                   "储存方式": ("常温干燥处",)},
                  hooks=("足干耐泡发", "胶质厚实", "滋补佳品", "年货礼盒"),
                  blurbs=("鱼肚整只晒干，胶质厚实，炖煮不易化。", "每批抽检含水率，泡发率高。",
                          "炖汤、做甜品都合适，送长辈体面。")),
            _Item("淡晒虾皮", (29, 59),
                  {"规格": {"250g": 1.0, "500g": 1.8, "1000g": 3.3}},
                  {"产地": ("福建霞浦",), "保质期": ("6个月",), "储存方式": ("冷藏保存",)},
                  hooks=("淡晒无盐", "鲜甜不咸", "煮汤提鲜"),
                  blurbs=("当天捕捞的毛虾直接晾晒，不加盐。", "煮汤、炒蛋、拌馅都能提鲜。")),
            _Item("鱿鱼干", (59, 99),
                  {"规格": {"250g": 1.0, "500g": 1.85}, "等级": {"一级": 1.0, "特级": 1.25}},
                  {"产地": ("浙江舟山", "福建宁德"), "保质期": ("12个月",),
                   "储存方式": ("常温干燥处", "冷藏保存")},
                  hooks=("淡干无盐", "肉厚有嚼劲", "足干耐泡发"),
                  blurbs=("整只剖开日晒，肉厚有嚼劲。", "泡发后爆炒、炖汤，也能直接烤着吃。")),
            _Item("霞浦头水紫菜", (19, 39),
                  {"规格": {"50g": 1.0, "100g": 1.8, "200g": 3.3}},
                  {"产地": ("福建霞浦",), "保质期": ("12个月",), "储存方式": ("常温干燥处",)},
                  hooks=("头水嫩紫菜", "无沙免洗", "鲜香易煮"),
                  blurbs=("只采每年第一水，叶片薄嫩，无沙。", "开水一冲就是一碗紫菜汤。")),
            _Item("金钩海米", (49, 89),
                  {"规格": {"250g": 1.0, "500g": 1.9}, "等级": {"一级": 1.0, "特级": 1.2}},
                  {"产地": ("山东烟台",), "保质期": ("12个月",), "储存方式": ("冷藏保存",)},
                  hooks=("淡干无盐", "金黄饱满", "鲜甜不咸"),
                  blurbs=("鹰爪虾煮熟后晒干去壳，个头均匀。", "凉拌、炒菜、煮粥都能提鲜。")),
            _Item("墨鱼干", (69, 129),
                  {"规格": {"250g": 1.0, "500g": 1.85}},
                  {"产地": ("浙江温岭",), "保质期": ("12个月",), "储存方式": ("常温干燥处",)},
                  hooks=("淡干无盐", "肉厚有嚼劲", "煲汤佳品"),
                  blurbs=("墨鱼剖开日晒，肉质紧实。", "墨鱼干煲猪骨汤，汤色清甜。")),
        ),
    ),
    _Category(
        name="洗地机", slug="xidiji", price_fen=(129900, 469900),
        series=("X7", "S9", "Air 2", "Max"),
        hooks=("自清洁烘干", "吸拖洗一体", "双贴边", "除菌率99.9%", "以旧换新", "智能语音播报"),
        blurbs=("滚刷边洗边刮，污水即时回收，地面不留水痕。", "一键自清洁并热风烘干滚刷，不发臭。",
                "智能感应脏污，自动调节吸力和水量。", "滚刷和滤网常年有货，配件可在店里单独买。"),
        attributes={"清水箱容量": ("800ml", "900ml", "1000ml"), "保修": ("整机2年", "整机3年")},
        items=(
            _Item("智能洗地机", (1299, 2599),
                  {"版本": {"标准版": 1.0, "Pro版": 1.3, "旗舰版": 1.6},
                   "颜色": {"星空灰": 1.0, "月光白": 1.0}},
                  {"续航时间": ("35分钟", "45分钟")},
                  hooks=("180°躺平", "60分钟长续航"),
                  blurbs=("180° 躺平设计，床底沙发底也能洗。",)),
            _Item("无线自清洁洗地机", (1599, 2799),
                  {"版本": {"标准版": 1.0, "双滚刷版": 1.35},
                   "颜色": {"曜石黑": 1.0, "雾霾蓝": 1.0, "奶油白": 1.0}},
                  {"续航时间": ("45分钟",)},
                  hooks=("双滚刷", "60分钟长续航", "180°躺平"),
                  blurbs=("双滚刷版前后两根滚刷，头发不缠绕。",)),
            _Item("洗拖吸一体机", (1999, 2999),
                  {"版本": {"标准版": 1.0, "Pro版": 1.2, "Pro+热水烘干版": 1.45}},
                  {"续航时间": ("40分钟",)},
                  hooks=("热水洗地", "大水箱", "干湿两用"),
                  blurbs=("吸尘、拖地、洗地一次完成，干垃圾湿垃圾都能吸。",)),
            _Item("轻量洗地机", (1299, 1899),
                  {"电池": {"单电池": 1.0, "双电池": 1.2},
                   "颜色": {"珍珠白": 1.0, "薄荷绿": 1.0}},
                  {"续航时间": ("单电池30分钟",)},
                  hooks=("轻至3.6kg", "双电池长续航", "单手可提"),
                  blurbs=("整机 3.6kg，上下楼一只手就能提。",)),
        ),
    ),
    _Category(
        name="空调", slug="kongtiao", price_fen=(199900, 699900),
        series=("云逸", "风尚", "静享", "极光", "星悦"),
        hooks=("变频冷暖", "56℃自清洁", "急速冷暖", "WiFi智控", "以旧换新", "包基础安装",
               "10年包修"),
        blurbs=("全直流变频压缩机，30 秒速冷速热。", "56℃ 高温蒸发器自清洁，内机不藏污。",
                "手机 APP 远程控制，回家前就开好。", "全国联保，免费上门基础安装，旧机可回收。"),
        attributes={"冷暖类型": ("冷暖",), "变频/定频": ("变频",), "保修": ("整机6年",)},
        items=(
            _Item("挂壁式空调", (2199, 2999),
                  {"匹数": {"大1匹": 0.88, "1.5匹": 1.0, "2匹": 1.28},
                   "能效": {"三级": 1.0, "一级": 1.12}},
                  {"产品类型": ("壁挂式",), "适用面积": ("10-23㎡",), "噪音": ("18分贝起",)},
                  hooks=("新一级能效", "静音睡眠", "卧室优选"),
                  blurbs=("睡眠模式低至 18 分贝，卧室也安静。",)),
            _Item("立式柜机空调", (3999, 4999),
                  {"匹数": {"2匹": 1.0, "3匹": 1.2}, "能效": {"三级": 1.0, "一级": 1.1}},
                  {"产品类型": ("立柜式",), "适用面积": ("23-46㎡",), "噪音": ("26分贝起",)},
                  hooks=("新一级能效", "客厅大风量", "3D立体送风"),
                  blurbs=("上下左右四向摆风，客厅每个角落都吹得到。",)),
            _Item("新风空调挂机", (2999, 3699),
                  {"匹数": {"1.5匹": 1.0, "2匹": 1.25}, "能效": {"一级": 1.0}},
                  {"产品类型": ("壁挂式",), "适用面积": ("12-30㎡",), "噪音": ("20分贝起",)},
                  hooks=("新风换气", "新一级能效", "静音睡眠"),
                  blurbs=("每小时引入室外新风，关着窗也不闷。",
                          "睡眠模式低至 20 分贝，卧室也安静。")),
            _Item("圆柱柜机空调", (4599, 5299),
                  {"匹数": {"2匹": 1.0, "3匹": 1.18}, "能效": {"三级": 0.92, "一级": 1.0}},
                  {"产品类型": ("立柜式",), "适用面积": ("23-46㎡",), "噪音": ("24分贝起",)},
                  hooks=("新一级能效", "客厅大风量", "柔风不直吹"),
                  blurbs=("圆柱出风口环绕送风，风感柔和不直吹。",)),
        ),
    ),
    _Category(
        name="美容仪", slug="meirongyi", price_fen=(39900, 399900),
        series=("", "Pro", "Mini"),
        hooks=("节日礼物", "一年只换不修", "新手友好"),
        blurbs=("一年只换不修，使用问题可约专属顾问视频指导。", "节日礼盒包装，可代写贺卡。"),
        attributes={},
        items=(
            _Item("射频美容仪", (1299, 2799),
                  {"颜色": {"玫瑰金": 1.0, "珍珠白": 1.0},
                   "套装": {"标准版": 1.0, "礼盒版（含凝胶）": 1.12}},
                  {"适用部位": ("面部", "面部及颈部"), "充电方式": ("Type-C",)},
                  hooks=("射频紧致", "温感导入", "送导入凝胶", "多档能量可调"),
                  blurbs=("多档能量可调，敏感肌从低档开始。", "每次 10 分钟，早晚都能用。",
                          "机身防水，随附收纳包。")),
            _Item("微电流导入仪", (599, 1299),
                  {"颜色": {"香槟金": 1.0, "樱花粉": 1.0}, "套装": {"标准版": 1.0, "礼盒版": 1.1}},
                  {"适用部位": ("面部及颈部",), "充电方式": ("Type-C",)},
                  hooks=("微电流提拉", "温感导入", "APP智能护理"),
                  blurbs=("微电流配合精华导入，每次 5 分钟。", "Type-C 快充，一次充电用两周。")),
            _Item("LED光疗面罩", (899, 1999), {"版本": {"标准款": 1.0, "升级款": 1.25}},
                  {"适用部位": ("面部",), "充电方式": ("Type-C",)},
                  hooks=("红蓝光护理", "免手持", "APP智能护理"),
                  blurbs=("红光、蓝光、黄光三种模式，戴上就能躺着用。",
                          "每次 15 分钟，每周 3 到 5 次。")),
            _Item("眼部美容仪", (399, 799),
                  {"颜色": {"珍珠白": 1.0, "雾紫": 1.0, "薄荷绿": 1.0}},
                  {"适用部位": ("眼周",), "充电方式": ("Type-C",)},
                  hooks=("冷热双敷", "小巧便携", "熬夜急救"),
                  blurbs=("冷敷、热敷双模式，熬夜后敷一敷。", "口红大小，随身放包里。")),
            _Item("冰点脱毛仪", (799, 1699),
                  {"颜色": {"白色": 1.0, "粉色": 1.0}, "套装": {"标准版": 1.0, "双灯头版": 1.2}},
                  {"适用部位": ("腋下、四肢",), "充电方式": ("插电式",)},
                  hooks=("冰点无痛", "腋下四肢可用", "家用脱毛"),
                  blurbs=("蓝宝石冰点镜片，照射时不灼热。", "前 4 周每周一次，之后按需补照。",
                          "插电使用，光能稳定不衰减。")),
        ),
    ),
    _Category(
        name="国风服饰", slug="guofeng", price_fen=(9900, 129900),
        series=("",),
        hooks=("新中式", "原创设计", "国风日常"),
        blurbs=("原创设计，版型按日常通勤改良，不挑身材。", "尺码偏标准，犹豫时参考详情页尺码表。",
                "支持 7 天无理由退换，运费险已含。"),
        attributes={"适用季节": ("春秋", "四季")},
        items=(
            _Item("马面裙", (259, 699), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("明制", "新中式"), "面料": ("织金缎", "妆花缎", "仿宋锦")},
                  hooks=("织金工艺", "婚礼敬酒", "通勤可穿", "褶裥利落"),
                  blurbs=("两侧打褶、前后裙门，走路时褶子自然摆动。",
                          "缎面挺括有型，建议干洗或冷水手洗。")),
            _Item("新中式盘扣衬衫", (199, 399), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("新中式",), "面料": ("棉麻", "天丝", "桑蚕丝")},
                  hooks=("盘扣设计", "通勤可穿", "垂感面料"),
                  blurbs=("手工盘扣，立领显脖子长。", "面料垂顺不易皱，建议手洗或装洗衣袋机洗。")),
            _Item("宋制褙子套装", (299, 599), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("宋制",), "面料": ("天丝", "棉麻", "雪纺")},
                  hooks=("宋制三件套", "清雅配色", "垂感面料"),
                  blurbs=("褙子、抹胸加长裙三件套，搭配不费心。",
                          "面料垂顺不易皱，可装洗衣袋机洗。")),
            _Item("改良旗袍连衣裙", (399, 899), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("民国风", "新中式"), "面料": ("醋酸缎", "桑蚕丝", "天丝")},
                  hooks=("盘扣设计", "婚礼敬酒", "垂感面料", "通勤可穿"),
                  blurbs=("改良开衩和腰线，日常也能穿。", "手工盘扣，领口滚边。")),
            _Item("明制汉服袄裙", (499, 999), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("明制",), "面料": ("织金缎", "仿妆花缎"), "适用季节": ("秋冬",)},
                  hooks=("秋冬加厚", "织金工艺", "婚礼敬酒"),
                  blurbs=("立领短袄配马面裙，冬天穿也暖和。", "袄身夹棉，领口钉手工盘扣。")),
            _Item("新中式刺绣马甲", (159, 299), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("新中式",), "面料": ("棉麻", "缎面")},
                  hooks=("手工刺绣", "叠穿百搭", "秋冬加厚"),
                  blurbs=("前片苏绣花样，一针一线手工绣。", "衬衫、针织衫外面一搭就很出彩。")),
        ),
    ),
    _Category(
        name="翡翠", slug="feicui", price_fen=(19900, 1999900),
        series=("",),
        hooks=("A货天然", "附国检证书", "一物一图", "七天无理由", "送礼收藏"),
        blurbs=("天然 A 货，每件附国检 NGTC 证书，可扫码查询。",
                "一物一图，实拍无滤镜，以实物为准。",
                "瑞丽源头直发，顺丰保价包邮。", "附赠收藏锦盒与擦玉布。",
                "支持 7 天无理由退货，证书和吊牌需完好。"),
        attributes={"材质": ("天然翡翠A货",), "产地": ("缅甸",), "证书": ("国检NGTC证书",)},
        items=(
            _Item("翡翠手镯", (1999, 5999),
                  {"圈口": {"54mm": 1.0, "56mm": 1.05, "58mm": 1.1},
                   "种水": {"糯种": 1.0, "冰种": 2.5}},
                  hooks=("冰透起光", "圈口可选", "正装圆条"),
                  blurbs=("下单前量一下手掌最宽处，客服帮你挑圈口。",)),
            _Item("翡翠平安扣吊坠", (399, 1999),
                  {"尺寸": {"20mm": 1.0, "25mm": 1.4}, "种水": {"糯种": 1.0, "冰种": 2.0}},
                  hooks=("冰透起光", "平安寓意", "配编织绳"),
                  blurbs=("平安扣寓意平安顺遂，随附手工编织绳。",)),
            _Item("翡翠观音吊坠", (899, 3999),
                  {"尺寸": {"小号": 1.0, "大号": 1.5}, "种水": {"糯种": 1.0, "冰种": 2.2}},
                  hooks=("冰透起光", "手工雕刻", "开脸细致"),
                  blurbs=("老师傅手工雕刻，开脸细致。",)),
            _Item("翡翠手串", (299, 999), {"珠径": {"6mm": 1.0, "8mm": 1.3, "10mm": 1.7}},
                  hooks=("珠子圆润", "男女同款", "弹力绳可调"),
                  blurbs=("珠子大小均匀，弹力绳穿制，松紧可调。",)),
            _Item("翡翠蛋面耳钉", (599, 1999),
                  {"镶嵌": {"S925银": 0.6, "18K金": 1.0}, "种水": {"糯种": 1.0, "冰种": 1.8}},
                  hooks=("18K金镶嵌", "冰透起光", "日常百搭"),
                  blurbs=("蛋面饱满，耳针经防过敏处理。",)),
        ),
    ),
    _Category(
        name="防晒", slug="fangshai", price_fen=(1990, 39900),
        series=("",),
        hooks=("户外通勤", "夏季必备", "海边出游"),
        blurbs=("海边、军训、骑行都扛得住。", "经第三方实验室检测，报告可在详情页查看。"),
        attributes={},
        items=(
            _Item("清爽防晒霜", (69, 159),
                  {"规格": {"50ml": 1.0, "50ml×2支": 1.8, "100ml": 1.7}},
                  {"防晒指数": ("SPF50+ PA++++",), "适用肤质": ("所有肤质", "油性肤质"),
                   "适用人群": ("通用", "女士")},
                  hooks=("SPF50+ PA++++", "清爽不油腻", "防水防汗", "不泛白"),
                  blurbs=("轻薄成膜，不泛白不搓泥。", "出门前 15 分钟涂抹，户外每 2 小时补涂。",
                          "过敏包退，开封也可申请。")),
            _Item("防晒喷雾", (59, 129), {"规格": {"150ml": 1.0, "150ml×2瓶": 1.8}},
                  {"防晒指数": ("SPF50+ PA+++",), "适用肤质": ("所有肤质",), "适用人群": ("通用",)},
                  hooks=("SPF50+ PA+++", "一喷成膜", "妆后可补喷", "防水防汗"),
                  blurbs=("细腻喷雾，一喷成膜，头发和身体都能喷。",
                          "出门前喷涂均匀，户外每 2 小时补喷。",
                          "过敏包退，开封也可申请。")),
            _Item("冰丝防晒衣", (89, 199),
                  {"颜色": {"云雾白": 1.0, "冰川蓝": 1.0, "樱花粉": 1.0, "黑色": 1.0},
                   "尺码": _SIZES},
                  {"防晒指数": ("UPF50+",), "面料": ("冰丝",), "适用人群": ("女士", "通用")},
                  hooks=("UPF50+", "冰感凉爽", "轻薄透气", "连帽遮脸"),
                  blurbs=("冰丝面料，触感凉爽，出汗也不黏身。",
                          "面料经 UPF 检测，洗涤 30 次后仍达 UPF50+。",
                          "可机洗，折起来只有手掌大。")),
            _Item("大檐防晒帽", (49, 99),
                  {"颜色": {"米白": 1.0, "卡其": 1.0, "黑色": 1.0},
                   "款式": {"空顶款": 1.0, "全顶款": 1.1}},
                  {"防晒指数": ("UPF50+",), "适用人群": ("女士",)},
                  hooks=("UPF50+", "大帽檐遮脸", "可折叠收纳"),
                  blurbs=("12cm 大帽檐，脸和脖子都能遮住。", "帽檐内置定型条，折叠后能复原。")),
            _Item("儿童防晒乳", (79, 139), {"规格": {"50ml": 1.0, "100ml": 1.7}},
                  {"防晒指数": ("SPF35 PA+++",), "适用肤质": ("敏感肌",), "适用人群": ("儿童",)},
                  hooks=("SPF35 PA+++", "儿童可用", "温和低敏", "防水防汗"),
                  blurbs=("温和配方，宝宝娇嫩的皮肤也能用。", "清水加普通洗面奶就能洗净。",
                          "过敏包退，开封也可申请。")),
            _Item("冰袖防晒袖套", (19, 39),
                  {"颜色": {"白色": 1.0, "肤色": 1.0, "黑色": 1.0},
                   "规格": {"一双装": 1.0, "三双装": 2.4}},
                  {"防晒指数": ("UPF50+",), "面料": ("冰丝",), "适用人群": ("通用",)},
                  hooks=("UPF50+", "冰感凉爽", "骑行开车", "防滑不掉"),
                  blurbs=("冰丝面料，触感凉爽，开车骑行都能戴。", "袖口有硅胶防滑条，不往下掉。")),
        ),
    ),
    _Category(
        name="茶叶", slug="chaye", price_fen=(5900, 399900),
        series=("",),
        hooks=("口粮茶", "送礼自饮", "核心产区", "礼盒装"),
        blurbs=("核心产区茶园直采，每批附农残检测报告。", "喝着不满意，未拆封可退。"),
        attributes={"包装": ("罐装", "袋装", "礼盒装")},
        items=(
            _Item("明前西湖龙井", (168, 598),
                  {"规格": {"100g": 1.0, "250g": 2.3}, "等级": {"一级": 1.0, "特级": 1.5}},
                  {"产地": ("浙江杭州",), "茶类": ("绿茶",), "保质期": ("18个月",)},
                  hooks=("2026年明前新茶", "头采嫩芽", "豆香浓郁"),
                  blurbs=("扁平挺直，色泽嫩绿，豆香浓郁。",
                          "建议 80℃ 水温玻璃杯冲泡，看茶叶舒展。")),
            _Item("安溪铁观音浓香型", (98, 298),
                  {"规格": {"250g": 1.0, "500g": 1.9}, "等级": {"一级": 1.0, "特级": 1.4}},
                  {"产地": ("福建安溪",), "茶类": ("乌龙茶",), "保质期": ("18个月",)},
                  hooks=("浓香耐泡", "兰花香", "七泡有余香"),
                  blurbs=("颗粒紧结，兰花香浓，七泡有余香。",
                          "建议 100℃ 沸水盖碗冲泡，前三泡快出汤。")),
            _Item("武夷岩茶大红袍", (128, 498),
                  {"规格": {"125g": 1.0, "250g": 1.9}, "焙火": {"中火": 1.0, "足火": 1.1}},
                  {"产地": ("福建武夷山",), "茶类": ("乌龙茶",), "保质期": ("24个月",)},
                  hooks=("岩骨花香", "传统炭焙", "正岩产区"),
                  blurbs=("条索紧结，岩韵明显，回甘持久。",
                          "建议 100℃ 沸水盖碗冲泡，前三泡快出汤。")),
            _Item("云南普洱熟茶饼", (89, 399),
                  {"规格": {"357g单饼": 1.0, "357g×7饼整提": 6.5},
                   "年份": {"2021年": 1.0, "2018年": 1.5}},
                  {"产地": ("云南勐海",), "茶类": ("黑茶",), "保质期": ("干燥避光可长期存放",),
                   "包装": ("棉纸包装", "礼盒装")},
                  hooks=("越陈越香", "干仓存放", "醇厚顺滑"),
                  blurbs=("勐海干仓存放，汤色红浓，入口顺滑。",
                          "沸水冲泡，头泡醒茶，也可以煮着喝。")),
            _Item("福鼎白茶白牡丹", (128, 398),
                  {"规格": {"散茶250g": 0.8, "饼茶350g": 1.0},
                   "年份": {"2023年": 1.0, "2020年": 1.4}},
                  {"产地": ("福建福鼎",), "茶类": ("白茶",), "保质期": ("干燥避光可长期存放",)},
                  hooks=("越陈越香", "毫香蜜韵", "可泡可煮"),
                  blurbs=("一芽一二叶，毫香清甜。", "可泡可煮，老白茶煮着喝更甜。")),
            _Item("祁门红茶", (88, 268), {"规格": {"100g": 1.0, "250g": 2.2}},
                  {"产地": ("安徽祁门",), "茶类": ("红茶",), "保质期": ("24个月",)},
                  hooks=("祁门香", "2026年春茶", "甜润不苦"),
                  blurbs=("条索紧细，汤色红艳，带蜜糖香。", "90℃ 水温冲泡，也可以加奶做奶茶。")),
            _Item("茉莉花茶", (58, 128), {"规格": {"250g": 1.0, "500g": 1.85}},
                  {"产地": ("广西横县",), "茶类": ("花茶",), "保质期": ("18个月",)},
                  hooks=("七窨工艺", "花香鲜灵", "2026年新茶"),
                  blurbs=("茶坯与鲜茉莉反复窨制七次，花香持久。", "90℃ 水温盖碗冲泡，花香扑鼻。")),
        ),
    ),
    _Category(
        name="零食坚果", slug="lingshi", price_fen=(1490, 29900),
        series=("",),
        hooks=("办公室零食", "追剧必备", "年货礼盒"),
        blurbs=("每批次第三方检测，报告可查。", "口感不满意，吃了也能退。",
                "适合办公室和追剧时解馋。"),
        attributes={"包装": ("袋装", "罐装", "礼盒装")},
        items=(
            _Item("每日坚果混合装", (59, 129),
                  {"规格": {"15包": 0.55, "30包": 1.0}, "口味": {"原味": 1.0, "益生菌款": 1.1}},
                  {"产地": ("安徽芜湖",), "保质期": ("9个月",)},
                  hooks=("独立小包装", "0添加蔗糖", "老少皆宜"),
                  blurbs=("六种坚果果干按比例搭配，一天一包刚刚好。",
                          "氮气充填小包装，一次一包不回潮。")),
            _Item("奶香碧根果", (39, 79), {"规格": {"500g": 1.0, "1000g": 1.85}},
                  {"产地": ("安徽芜湖",), "保质期": ("9个月",)},
                  hooks=("当季新果", "手剥易开口", "奶香浓郁"),
                  blurbs=("当季新果，低温烘焙，奶香浓郁。", "开口大，手一掰就开，附送开果器。")),
            _Item("盐焗夏威夷果", (39, 69), {"规格": {"500g": 1.0, "1000g": 1.85}},
                  {"产地": ("云南临沧",), "保质期": ("9个月",)},
                  hooks=("当季新果", "颗颗饱满", "盐焗入味"),
                  blurbs=("云南临沧当季新果，盐焗入味不过咸。", "附送开果器，一拧就开。")),
            _Item("内蒙古风干牛肉干", (79, 169),
                  {"口味": {"原味": 1.0, "香辣": 1.0, "孜然": 1.0},
                   "规格": {"250g": 1.0, "500g": 1.85}},
                  {"产地": ("内蒙古锡林郭勒",), "保质期": ("6个月",)},
                  hooks=("手撕风干", "草原黄牛", "高蛋白"),
                  blurbs=("草原黄牛肉风干，越嚼越香。", "真空独立包装，出门带几包当干粮。")),
            _Item("靖江猪肉脯", (29, 59),
                  {"口味": {"原味": 1.0, "蜜汁": 1.0}, "规格": {"200g": 1.0, "500g": 2.2}},
                  {"产地": ("江苏靖江",), "保质期": ("6个月",)},
                  hooks=("炭烤工艺", "薄脆有嚼劲"),
                  blurbs=("靖江老工艺炭烤，薄片香甜有嚼劲。",)),
            _Item("芒果干", (19, 39), {"规格": {"200g": 1.0, "500g": 2.2}},
                  {"产地": ("广西百色",), "保质期": ("12个月",)},
                  hooks=("肉厚软糯", "当季鲜果制"),
                  blurbs=("百色芒果切厚片低温烘干，果肉软糯。",)),
        ),
    ),
    _Category(
        name="母婴用品", slug="muying", price_fen=(1990, 249900),
        series=("",),
        hooks=("宝妈推荐", "母婴店同款"),
        blurbs=("通过母婴用品相关国家标准检测，报告可查。", "宝妈群真实反馈迭代，细节更贴心。",
                "破损漏发包赔，客服 7×12 小时在线。"),
        attributes={},
        items=(
            _Item("婴儿纸尿裤", (89, 159),
                  {"尺码": {"NB": 1.0, "S": 1.0, "M": 1.0, "L": 1.05, "XL": 1.1},
                   "包装": {"单包": 1.0, "整箱4包": 3.6}},
                  {"类型": ("纸尿裤",), "适用年龄": ("0-3岁",)},
                  hooks=("超薄透气", "新生儿可用", "整箱囤货", "12小时干爽"),
                  blurbs=("超薄芯体，夏天也不闷。", "材质柔软无刺激，宝宝娇嫩的皮肤可用。",
                          "整箱发货更划算，临期品不发。")),
            _Item("婴儿拉拉裤", (99, 169),
                  {"尺码": {"L": 1.0, "XL": 1.0, "XXL": 1.05},
                   "包装": {"单包": 1.0, "整箱4包": 3.6}},
                  {"类型": ("拉拉裤",), "适用年龄": ("1-3岁",)},
                  hooks=("超薄透气", "学步期适用", "整箱囤货"),
                  blurbs=("像内裤一样穿脱，宝宝爬行学步不漏。", "整箱发货更划算，临期品不发。")),
            _Item("婴儿手口湿巾", (29, 59), {"规格": {"80抽×10包": 1.0, "80抽×20包": 1.9}},
                  {"类型": ("湿巾",), "适用年龄": ("0-3岁",)},
                  hooks=("手口可用", "EDI纯水", "整箱囤货"),
                  blurbs=("EDI 纯水加少量植物成分，擦手擦嘴都可以。",
                          "整箱发货更划算，临期品不发。")),
            _Item("宽口径PPSU奶瓶", (99, 189),
                  {"容量": {"160ml": 1.0, "240ml": 1.1, "300ml": 1.15},
                   "颜色": {"奶油黄": 1.0, "雾霾蓝": 1.0}},
                  {"材质": ("PPSU",), "适用年龄": ("0-3岁",)},
                  hooks=("食品级材质", "防胀气", "宽口易清洗"),
                  blurbs=("PPSU 材质耐高温，可蒸汽消毒。", "仿母乳奶嘴，防胀气阀减少吐奶。")),
            _Item("可坐可躺婴儿推车", (899, 1999),
                  {"颜色": {"燕麦色": 1.0, "星空灰": 1.0},
                   "版本": {"标准款": 1.0, "高景观款": 1.3}},
                  {"承重": ("25kg",), "适用年龄": ("6-36个月",)},
                  hooks=("一键折叠", "四轮避震", "高景观"),
                  blurbs=("单手一键收车，折叠后能放进后备箱。", "四轮避震，小区石子路也平稳。")),
            _Item("婴儿棉柔巾", (39, 69), {"规格": {"100抽×6包": 1.0, "100抽×12包": 1.9}},
                  {"材质": ("100%棉",), "适用年龄": ("0-3岁",)},
                  hooks=("100%纯棉", "干湿两用", "整箱囤货"),
                  blurbs=("100% 棉纤维，干湿两用，擦脸不掉屑。", "整箱发货更划算，临期品不发。")),
        ),
    ),
    _Category(
        name="家纺", slug="jiafang", price_fen=(4900, 399900),
        series=("",),
        hooks=("顺丰包邮", "一年包换"),
        blurbs=("顺丰包邮，支持 30 天试用。", "质量问题一年内包换。"),
        attributes={},
        items=(
            _Item("全棉四件套", (299, 799),
                  {"尺寸": {"1.5m床（被套200×230）": 1.0, "1.8m床（被套220×240）": 1.12},
                   "颜色": {"燕麦灰": 1.0, "奶咖": 1.0, "雾蓝": 1.0, "樱粉": 1.0}},
                  {"面料": ("全棉", "长绒棉"), "适用季节": ("四季",)},
                  hooks=("100支长绒棉", "新疆棉", "亲肤裸睡", "不起球不褪色", "A类母婴级",
                         "酒店同款"),
                  blurbs=("活性印染，洗多次不褪色不起球。", "面料经过预缩处理，下水不缩。",
                          "A 类母婴级面料，宝宝也能直接睡。")),
            _Item("桑蚕丝被", (599, 1999),
                  {"尺寸": {"150×200cm": 1.0, "200×230cm": 1.3},
                   "重量": {"春秋被2斤": 1.0, "冬被4斤": 1.6}},
                  {"被壳面料": ("全棉",), "填充物": ("100%桑蚕长丝",), "适用季节": ("春秋",
                                "冬季")},
                  hooks=("100%桑蚕长丝", "手工拉丝", "亲肤透气", "可拉链验丝"),
                  blurbs=("100% 桑蚕长丝手工拉制，轻柔贴身不压身。",
                          "被芯留有拉链口，可打开验丝。")),
            _Item("天然乳胶枕", (129, 299), {"规格": {"单只": 1.0, "一对": 1.85}},
                  {"填充物": ("天然乳胶",), "适用季节": ("四季",)},
                  hooks=("天然乳胶", "护颈助眠", "回弹不塌陷"),
                  blurbs=("天然乳胶一体发泡，回弹承托颈椎。", "透气孔设计，夏天睡也不闷。")),
            _Item("95白鹅绒羽绒被", (899, 2499),
                  {"尺寸": {"150×200cm": 1.0, "200×230cm": 1.3},
                   "厚度": {"春秋款": 1.0, "冬厚款": 1.35}},
                  {"填充物": ("95%白鹅绒",), "被壳面料": ("全棉防钻绒",),
                   "适用季节": ("冬季", "春秋")},
                  hooks=("95白鹅绒", "蓬松保暖", "防钻绒面料"),
                  blurbs=("95% 白鹅绒填充，蓬松轻暖不压身。", "防钻绒面料，不跑绒。")),
            _Item("冰丝凉席三件套", (99, 269),
                  {"尺寸": {"1.5m床": 1.0, "1.8m床": 1.1, "2.0m床": 1.2}},
                  {"面料": ("冰丝",), "适用季节": ("夏季",)},
                  hooks=("冰感凉爽", "可机洗", "夏季必备"),
                  blurbs=("冰丝面料，触感凉爽，可机洗。", "一张席面加两个枕套。")),
            _Item("珊瑚绒毛毯", (59, 159),
                  {"尺寸": {"150×200cm": 1.0, "200×230cm": 1.35},
                   "颜色": {"奶白": 1.0, "灰蓝": 1.0}},
                  {"面料": ("珊瑚绒",), "适用季节": ("秋冬",)},
                  hooks=("加厚保暖", "不掉毛", "午睡盖毯"),
                  blurbs=("珊瑚绒加厚，柔软不掉毛。", "沙发午睡、办公室都能盖。")),
        ),
    ),
    _Category(
        name="家电配件", slug="peijian", price_fen=(1990, 49900),
        series=("",),
        hooks=("原厂品质", "顺丰包邮"),
        blurbs=("按型号适配，下单前可问客服确认型号。", "质量问题 7 天包换。"),
        attributes={},
        items=(
            _Item("空调防尘罩", (39, 79),
                  {"规格": {"挂机款（1-1.5匹）": 1.0, "挂机款（2匹）": 1.15, "柜机款": 1.6},
                   "颜色": {"米白": 1.0, "浅灰": 1.0}},
                  {"材质": ("加厚牛津布",), "适用": ("挂机和柜机",)},
                  hooks=("防尘防水", "免拆安装", "加厚牛津布"),
                  blurbs=("加厚牛津布面料，防尘、防雨、防油烟。",
                          "松紧收口，套上就好，不用拆机。")),
            _Item("空调清洗剂", (29, 49), {"规格": {"500ml": 1.0, "500ml×3瓶": 2.6}},
                  {"适用": ("挂机和柜机",)},
                  hooks=("免拆免水洗", "泡沫深层清洁", "除菌除味"),
                  blurbs=("喷在蒸发器上静置 15 分钟，污水从排水管流走。",
                          "一瓶可以清洗一台挂机。")),
            _Item("洗地机清洁液", (39, 69),
                  {"规格": {"1L": 1.0, "1L×2瓶": 1.8, "1L×4瓶": 3.4}},
                  {"适用": ("洗地机通用",)},
                  hooks=("除菌除味", "低泡易清洗", "木地板瓷砖通用"),
                  blurbs=("按 1:100 兑水，一瓶够用一个多月。", "低泡配方，不残留不发黏。")),
            _Item("洗地机滚刷滤网配件包", (59, 129),
                  {"规格": {"滚刷×1+滤网×2": 1.0, "滚刷×2+滤网×4": 1.8}},
                  {"适用": ("本店洗地机",)},
                  hooks=("原厂配件", "易拆易装"),
                  blurbs=("滚刷和滤网 3 个月左右换一次，吸力不衰减。", "卡扣式安装，不用工具。")),
        ),
    ),
)

_CATEGORY_BY_NAME = {category.name: category for category in CATEGORIES}


# --- shops -------------------------------------------------------------------------------------

@dataclass
class _ShopPlan:
    owner_id: str
    name: str
    description: str
    follower_count: int
    live_now: bool
    quality: float | None  # 0 (poor) … 1 (excellent) service, for local.demo_history; None: new
    brand: str  # the brand its products carry
    listed: dict[str, int]  # category → listed products
    hidden: tuple[str, ...] = ()  # statuses of products that must stay off every shelf
    items: dict[str, tuple[str, ...]] = field(default_factory=dict)  # category → items it sells
    sold_out: int = 0  # listed products sold out in every SKU

    @property
    def is_new(self) -> bool:
        return self.quality is None


_APPLIANCE_KITS = ("空调防尘罩", "空调清洗剂")
_CLEANER_KITS = ("洗地机清洁液", "洗地机滚刷滤网配件包")

# The first eight keep their order (shop ids follow the generator's order, and shop 0's id is in
# the README); shops added later go after them.
SHOP_PLANS: tuple[_ShopPlan, ...] = (
    _ShopPlan("m1", "澜川电器官方旗舰店", "空调、洗地机、个护小家电一站购齐，全套购更省心。",
              1_286_000, False, 0.62, "澜川",
              {"空调": 10, "洗地机": 8, "美容仪": 5, "家电配件": 5}, ("draft",), sold_out=1),
    _ShopPlan("m2", "阿海渔铺", "舟山渔民直供海鲜干货，淡干无盐，每晚 8 点直播。",
              356_000, True, 0.85, "阿海渔铺", {"海鲜干货": 20}, ("off_shelf", "live_only"),
              sold_out=1),
    _ShopPlan("m3", "玉见翡翠", "瑞丽源头翡翠，一物一证，直播间同款常挂。",
              892_000, False, 0.4, "玉见", {"翡翠": 18}, ("draft", "live_only")),
    _ShopPlan("m4", "云裳阁国风", "原创新中式，日常可穿的国风；夏天也有防晒衣和遮阳帽。",
              215_000, False, 0.5, "云裳阁", {"国风服饰": 20, "防晒": 4}, ("off_shelf",),
              items={"防晒": ("冰丝防晒衣", "大檐防晒帽")}, sold_out=1),
    _ShopPlan("m5", "晴肌美护", "家用美容仪与防晒护肤，好的护肤可以不贵。",
              128_000, False, 0.42, "晴肌", {"美容仪": 12, "防晒": 10}, ("draft",),
              items={"防晒": ("清爽防晒霜", "防晒喷雾", "儿童防晒乳")}),
    _ShopPlan("m6", "茗山茶舍", "核心产区直采，从口粮茶到礼盒茶，也有配茶的坚果小食。",
              64_000, False, 0.1, "茗山", {"茶叶": 20, "零食坚果": 7}, ("off_shelf",),
              items={"零食坚果": ("每日坚果混合装", "奶香碧根果", "盐焗夏威夷果", "芒果干")}),
    _ShopPlan("m7", "小象母婴", "宝宝用品放心选，宝妈团亲测。",
              473_000, False, 0.7, "小象", {"母婴用品": 20}, ("draft",)),
    _ShopPlan("m8", "栖居家纺", "新店开业，全棉床品和好被子，睡个好觉。",
              3_200, False, None, "栖居", {"家纺": 8}, ("off_shelf",)),
    _ShopPlan("m9", "极冰电器专营店", "极冰空调与洗地机专营，送装一体，旧机回收。",
              168_000, False, 0.72, "极冰", {"空调": 8, "洗地机": 5, "家电配件": 3}),
    _ShopPlan("m10", "北辰家电旗舰店", "北辰官方旗舰店，空调、洗地机全国联保。",
              522_000, False, 0.66, "北辰", {"空调": 8, "洗地机": 5, "家电配件": 3}),
    _ShopPlan("m11", "暖山空调专卖店", "只卖空调，懂安装，也懂售后。",
              41_000, False, 0.58, "暖山", {"空调": 8, "家电配件": 3},
              items={"家电配件": _APPLIANCE_KITS}),
    _ShopPlan("m12", "和煦家电官方店", "空调和清洁电器，让家里更舒服。",
              97_000, False, 0.75, "和煦", {"空调": 7, "洗地机": 5, "家电配件": 3}),
    _ShopPlan("m13", "净界清洁电器旗舰店", "专注洗地机，配件和清洁液常年有货。",
              233_000, False, 0.68, "净界", {"洗地机": 8, "家电配件": 3},
              items={"家电配件": _CLEANER_KITS}),
    _ShopPlan("m14", "焕颜科技旗舰店", "家用美容仪研发品牌，一年只换不修。",
              305_000, False, 0.65, "焕颜", {"美容仪": 10}),
    _ShopPlan("m15", "阳光盾户外防晒", "户外防晒专家：防晒衣、帽子、冰袖和防晒霜。",
              88_000, False, 0.7, "阳光盾", {"防晒": 12}, sold_out=1,
              items={"防晒": ("清爽防晒霜", "防晒喷雾", "冰丝防晒衣", "大檐防晒帽",
                              "冰袖防晒袖套")}),
    _ShopPlan("m16", "锦瑟汉服", "明制、宋制汉服原创设计，传统形制，日常可穿。",
              146_000, False, 0.62, "锦瑟", {"国风服饰": 12},
              items={"国风服饰": ("马面裙", "宋制褙子套装", "明制汉服袄裙", "新中式盘扣衬衫")}),
    _ShopPlan("m17", "墨竹新中式", "新中式日常穿搭，通勤也能穿出国风。",
              59_000, False, 0.65, "墨竹", {"国风服饰": 12},
              items={"国风服饰": ("新中式盘扣衬衫", "改良旗袍连衣裙", "新中式刺绣马甲", "马面裙")}),
    _ShopPlan("m18", "翠缘阁", "缅甸翡翠源头工厂，一物一证。",
              77_000, False, 0.62, "翠缘阁", {"翡翠": 10}),
    _ShopPlan("m19", "滇西玉坊", "腾冲老玉坊，手镯、吊坠实拍发货。",
              36_000, False, 0.6, "滇西玉坊", {"翡翠": 10}),
    _ShopPlan("m20", "渔家傲海味", "福建渔家自晒海味，煲汤料和年货礼盒。",
              124_000, False, 0.92, "渔家傲", {"海鲜干货": 12}),
    _ShopPlan("m21", "闽海珍干货行", "三十年干货老铺，海参、花胶、干贝。",
              52_000, False, 0.9, "闽海珍", {"海鲜干货": 12}),
    _ShopPlan("m22", "峰顶茶园", "自家高山茶园，岩茶、白茶、铁观音和红茶。",
              45_000, False, 0.75, "峰顶", {"茶叶": 12},
              items={"茶叶": ("武夷岩茶大红袍", "福鼎白茶白牡丹", "安溪铁观音浓香型", "祁门红茶")}),
    _ShopPlan("m23", "一叶春茶庄", "江南茶庄，龙井、红茶、花茶，配茶的坚果一起买。",
              71_000, False, 0.7, "一叶春", {"茶叶": 12, "零食坚果": 5},
              items={"茶叶": ("明前西湖龙井", "祁门红茶", "茉莉花茶", "云南普洱熟茶饼"),
                     "零食坚果": ("每日坚果混合装", "奶香碧根果", "盐焗夏威夷果")}),
    _ShopPlan("m24", "坚果日记", "每日坚果和肉干果干，办公室零食一站购。",
              189_000, False, 0.72, "坚果日记", {"零食坚果": 15}, sold_out=1),
    _ShopPlan("m25", "暖暖宝贝母婴", "纸尿裤、湿巾整箱囤，宝妈回购率高。",
              267_000, False, 0.68, "暖暖宝贝", {"母婴用品": 12},
              items={"母婴用品": ("婴儿纸尿裤", "婴儿拉拉裤", "婴儿手口湿巾", "婴儿棉柔巾")}),
    _ShopPlan("m26", "萌芽婴童", "婴童出行和喂养用品，推车、奶瓶放心选。",
              31_000, False, 0.6, "萌芽", {"母婴用品": 9},
              items={"母婴用品": ("宽口径PPSU奶瓶", "可坐可躺婴儿推车", "婴儿手口湿巾",
                                  "婴儿棉柔巾")}),
    _ShopPlan("m27", "棉语家纺旗舰店", "全棉床品与蚕丝被，A 类母婴级面料。",
              412_000, False, 0.7, "棉语", {"家纺": 14}),
    _ShopPlan("m28", "云眠家居", "枕头、被子和凉席，睡眠好物。",
              23_000, False, 0.6, "云眠", {"家纺": 10}),
)

# Bundles: (shop index, name, parts as (category, item name, quantity), price as share of parts).
BUNDLE_PLANS: tuple[tuple[int, str, tuple[tuple[str, str, int], ...], float], ...] = (
    (0, "清凉净洁全套购（挂机空调+洗地机）",
     (("空调", "挂壁式空调", 1), ("洗地机", "智能洗地机", 1)), 0.9),
    (0, "三房全屋空调全套购（挂机×2+柜机+洗地机）",
     (("空调", "挂壁式空调", 2), ("空调", "立式柜机空调", 1), ("洗地机", "无线自清洁洗地机", 1)),
     0.86),
    (1, "滋补海味礼盒（海参+花胶+干贝）",
     (("海鲜干货", "淡干海参", 1), ("海鲜干货", "深海花胶", 1), ("海鲜干货", "大连干贝瑶柱", 1)),
     0.9),
    (4, "护肤防晒全套（射频美容仪+防晒霜×2）",
     (("美容仪", "射频美容仪", 1), ("防晒", "清爽防晒霜", 2)), 0.9),
    (5, "茶点礼盒（龙井+每日坚果）",
     (("茶叶", "明前西湖龙井", 1), ("零食坚果", "每日坚果混合装", 1)), 0.92),
    (6, "新生儿囤货组合（纸尿裤×2+湿巾+奶瓶）",
     (("母婴用品", "婴儿纸尿裤", 2), ("母婴用品", "婴儿手口湿巾", 1),
      ("母婴用品", "宽口径PPSU奶瓶", 1)), 0.9),
)


# --- the catalog -------------------------------------------------------------------------------

@dataclass
class DemoCatalog:
    shops: list[Shop]
    products: list[Product]
    bundles: list[Bundle]
    items: dict[str, str] = field(default_factory=dict)  # product id → item name (_Item.name)

    def shop(self, shop_id: str) -> Shop:
        return next(shop for shop in self.shops if shop.shop_id == shop_id)

    def plan_of(self, shop_id: str) -> _ShopPlan:
        return SHOP_PLANS[next(i for i, shop in enumerate(self.shops) if shop.shop_id == shop_id)]

    def products_of(self, shop_id: str) -> list[Product]:
        return [product for product in self.products if product.shop_id == shop_id]

    def listed_products(self) -> list[Product]:
        """Products that belong on shelves (on shelf and always available)."""
        return [product for product in self.products if product.listed_on_shelves]

    def sellers(self, category: str) -> set[str]:
        """Shops with a listed product of the category."""
        return {p.shop_id for p in self.listed_products() if p.category == category}

    def bundle_summary(self, bundle: Bundle) -> BundleSummary:
        """What the shop item carries for a bundle; the cover is its first part's first image."""
        by_id = {product.product_id: product for product in self.products}
        cover = next((by_id[part.product_id].images[0] for part in bundle.parts
                      if by_id[part.product_id].images), None)
        return summarize_bundle(bundle, cover)


def build_demo_catalog() -> DemoCatalog:
    rng = random.Random(SEED)
    shops: list[Shop] = []
    products: list[Product] = []
    item_of: dict[str, str] = {}  # product id → item name, for picking bundle parts
    for index, plan in enumerate(SHOP_PLANS):
        shop = _shop(plan, index, rng)
        shops.append(shop)
        listed: list[Product] = []
        for category_name, count in plan.listed.items():
            category = _CATEGORY_BY_NAME[category_name]
            items = _items_of(plan, category)
            rng.shuffle(items)  # every item appears once the count reaches the item count
            titles: set[str] = set()
            for position in range(count):
                item = items[position % len(items)]
                product = _product(shop, plan, category, item, len(products), titles, rng)
                products.append(product)
                listed.append(product)
                item_of[product.product_id] = item.name
        for product in rng.sample(listed, plan.sold_out):
            _sell_out(product)
        for hidden in plan.hidden:
            category = _CATEGORY_BY_NAME[next(iter(plan.listed))]
            item = rng.choice(_items_of(plan, category))
            product = _product(shop, plan, category, item, len(products), set(), rng)
            products.append(_hide(product, hidden, rng))
            item_of[product.product_id] = item.name
    bundles = [_bundle(index, plan, shops, products, item_of, rng)
               for index, plan in enumerate(BUNDLE_PLANS)]
    return DemoCatalog(shops=shops, products=products, bundles=bundles, items=item_of)


def _items_of(plan: _ShopPlan, category: _Category) -> list[_Item]:
    """The items of a category this shop sells (all of them unless the plan names some)."""
    names = plan.items.get(category.name)
    items = [item for item in category.items if names is None or item.name in names]
    if names is not None and len(items) != len(names):
        raise ValueError(f"{plan.name}: unknown items in {category.name}: {names}")
    return items


def _shop(plan: _ShopPlan, index: int, rng: random.Random) -> Shop:
    if plan.is_new:
        opened = CATALOG_END_MS - NEW_SHOP_AGE_DAYS * DAY_MS
    else:
        opened = BASE_MS + index * DAY_MS // 3
    created = opened + rng.randrange(3_600_000)
    return Shop(
        shop_id=_id("s", created, rng),
        owner_id=plan.owner_id,
        name=plan.name,
        description=plan.description,
        logo_url=f"{IMAGE_HOST}/shops/{index + 1:02d}/logo.png",
        created_at=created,
        updated_at=created,
        follower_count=plan.follower_count,
        live_now=plan.live_now,
    )


def _product(shop: Shop, plan: _ShopPlan, category: _Category, item: _Item, sequence: int,
             titles: set[str], rng: random.Random) -> Product:
    if plan.is_new:  # listed in the days since it opened
        first = shop.created_at + 2 * HOUR_MS
        created = first + rng.randrange(CATALOG_END_MS - first)
    else:
        created = shop.created_at + DAY_MS + rng.randrange((CATALOG_SPAN_DAYS - 2) * DAY_MS)
    product_id = f"{shop.shop_id}.{_id('p', created, rng)}"
    skus = build_skus(product_id, _sku_drafts(category, item, rng))
    hooks = _hooks(category, item, skus, titles, plan, rng)
    images = [f"{IMAGE_HOST}/products/{category.slug}/{sequence + 1:04d}_{n}.jpg"
              for n in range(1, rng.randint(2, 5) + 1)]
    stats = _stats(min(sku.price_fen for sku in skus), rng, new_shop=plan.is_new)
    return Product(
        product_id=product_id,
        shop_id=shop.shop_id,
        title=_title(plan, category, item, hooks, rng),
        description=_description(item, category, rng),
        category=category.name,
        images=images,
        attributes=_attributes(plan, category, item, hooks, rng),
        always_available=True,
        status=ProductStatus.ON_SHELF,
        skus=skus,
        created_at=created,
        updated_at=created + rng.randrange(3 * DAY_MS),
        stats=stats,
    )


def fitting_hooks(category: _Category, item: _Item, skus) -> list[str]:
    """The hooks a product may carry: the item's first, then the category's, dropping a hook
    that claims a spec none of its SKUs has."""
    def fits(hook: str) -> bool:
        needed = HOOK_REQUIRES.get(hook)
        return needed is None or any(sku.specs.get(needed[0]) == needed[1] for sku in skus)

    return [hook for hook in dict.fromkeys((*item.hooks, *category.hooks)) if fits(hook)]


def _hooks(category: _Category, item: _Item, skus, titles: set[str], plan: _ShopPlan,
           rng: random.Random) -> tuple[str, str]:
    """Two hooks, the first of them the item's own when it has one that fits; the pair is new
    among the shop's titles of this category."""
    pool = fitting_hooks(category, item, skus)
    own = [hook for hook in pool if hook in item.hooks] or pool
    for _ in range(100):
        first = rng.choice(own)
        second = rng.choice([hook for hook in pool if hook != first])
        key = f"{item.name}|{first}|{second}"
        if key not in titles:
            titles.add(key)
            return first, second
    raise ValueError(f"{plan.name}: too few hooks for {item.name}")


def _title(plan: _ShopPlan, category: _Category, item: _Item, hooks: tuple[str, str],
           rng: random.Random) -> str:
    series = rng.choice(category.series)
    series = f"{series}系列" if series and not series.isascii() else series
    return f"{plan.brand}{series}{item.name} {hooks[0]} {hooks[1]}"


def _description(item: _Item, category: _Category, rng: random.Random) -> str:
    """The item's own sentences first, then one or two of the category's."""
    own = rng.sample(item.blurbs, min(len(item.blurbs), rng.randint(1, 2)))
    general = rng.sample(category.blurbs, min(len(category.blurbs), rng.randint(1, 2)))
    return f"{item.name}：" + "".join(own + general)


def _attributes(plan: _ShopPlan, category: _Category, item: _Item, hooks: tuple[str, str],
                rng: random.Random) -> dict[str, str]:
    attributes = {"品牌": plan.brand}
    for source in (category.attributes, item.attributes):
        for name, choices in source.items():
            attributes[name] = rng.choice(choices)
    for hook in hooks:  # what the title claims, the attributes say
        attributes.update(HOOK_ATTRIBUTES.get(hook, {}))
    return attributes


def _sku_drafts(category: _Category, item: _Item, rng: random.Random) -> list[dict]:
    """2–6 spec combinations of the item, in the axes' order, with prices and stock; at least
    one of them in stock (a product sold out in every SKU is made on purpose, `_sell_out`)."""
    axes = list(item.axes.items())
    combinations = list(cartesian_product(*(list(values.items()) for _, values in axes)))
    count = rng.randint(2, min(6, len(combinations)))
    chosen = sorted(rng.sample(range(len(combinations)), count))
    base_fen = rng.randint(*item.base_yuan) * 100
    low, high = category.price_fen
    drafts = []
    for combination in (combinations[i] for i in chosen):
        factor = 1.0
        for _, value_factor in combination:
            factor *= value_factor
        price = min(max(_retail_price(round(base_fen * factor)), low), high)
        draft = {
            "specs": {name: value for (name, _), (value, _) in zip(axes, combination, strict=True)},
            "price_fen": price,
            "stock": _stock(rng),
        }
        if rng.random() < 0.55:
            draft["list_price_fen"] = max(_retail_price(round(price * rng.uniform(1.15, 1.6))),
                                          price + 100)
        drafts.append(draft)
    if all(draft["stock"] == 0 for draft in drafts):
        drafts[0]["stock"] = rng.randint(6, 500)
    return drafts


def _retail_price(fen: int) -> int:
    """Round to a shelf price: 2,599 yuan, 129 yuan, 39.9 yuan (always a positive int of fen)."""
    yuan = fen / 100
    if yuan >= 1000:
        return max(round(yuan / 100) * 100 - 1, 1) * 100
    if yuan >= 100:
        return max(round(yuan / 10) * 10 - 1, 1) * 100
    return max(round(yuan) * 100 - 10, 90)


def _stock(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.07:
        return 0  # sold out: the SKU shows 已售罄
    if roll < 0.15:
        return rng.randint(1, 5)  # low: 仅剩 N 件
    return rng.randint(6, 500)


def _stats(price_fen: int, rng: random.Random, *, new_shop: bool = False) -> ProductStats:
    """Shelf counters that agree with each other (orders ≤ clicks ≤ impressions).

    sales_30d counts units from every scene, live streams included, so a product can sell a lot
    in the live room while converting poorly on shelves: the comprehensive sort (rates) and the
    sales sort then disagree, as they do in production. A new shop's products have been shown
    little and sold a handful at most.
    """
    if new_shop:
        impressions = max(int(rng.lognormvariate(5.3, 0.6)), 20)
        clicks = round(impressions * rng.uniform(0.02, 0.08))
        orders = min(clicks, 1 if rng.random() < 0.35 else 0)
        return ProductStats(sales_30d=orders, impressions_30d=impressions, clicks_30d=clicks,
                            orders_30d=orders)
    if rng.random() < 0.05:
        return ProductStats()  # listed recently, never shown yet
    impressions = max(int(rng.lognormvariate(8.3, 1.2)), 20)
    clicks = min(impressions, round(impressions * rng.uniform(0.01, 0.12)))
    dearness = 1.0 if price_fen < 50_000 else 0.4 if price_fen < 300_000 else 0.2
    orders = min(clicks, round(clicks * rng.uniform(0.005, 0.15) * dearness))
    live_units = round(rng.paretovariate(1.3) * 40) if rng.random() < 0.35 else 0
    sales = orders * rng.choice((1, 1, 1, 2, 3)) + live_units
    return ProductStats(sales_30d=sales, impressions_30d=impressions, clicks_30d=clicks,
                        orders_30d=orders)


def _sell_out(product: Product) -> None:
    """Every SKU at 0: still listed (the shelves mark or hide it), nothing sold in 30 days."""
    for sku in product.skus:
        sku.stock = 0
    product.stats = ProductStats(impressions_30d=product.stats.impressions_30d,
                                 clicks_30d=product.stats.clicks_30d)


def _hide(product: Product, how: str, rng: random.Random) -> Product:
    """A product that never reaches a shelf: a draft, an off-shelf one, or a live-only one."""
    if how == "draft":
        product.status = ProductStatus.DRAFT
        product.title = f"【草稿】{product.title}"
        product.stats = ProductStats()
    elif how == "off_shelf":
        product.status = ProductStatus.OFF_SHELF
        product.title = f"【已下架】{product.title}"
    elif how == "live_only":
        product.always_available = False
        product.title = f"【直播专享】{product.title}"
    else:
        raise ValueError(how)
    return product


def _bundle(index: int, plan: tuple, shops: list[Shop], products: list[Product],
            item_of: dict[str, str], rng: random.Random) -> Bundle:
    shop_index, name, wanted, share = plan
    shop = shops[shop_index]
    parts: list[BundlePart] = []
    for category, item_name, quantity in wanted:
        candidates = [
            product for product in products
            if product.shop_id == shop.shop_id and product.listed_on_shelves
            and product.category == category and item_of.get(product.product_id) == item_name
            and any(sku.stock >= quantity for sku in product.skus)
        ]
        product = rng.choice(candidates)
        sku = rng.choice([sku for sku in product.skus if sku.stock >= quantity])
        parts.append(BundlePart(sku_id=sku.sku_id, product_id=product.product_id,
                                title=product.title, specs=dict(sku.specs), quantity=quantity,
                                unit_price_fen=sku.price_fen))
    total = sum(part.unit_price_fen * part.quantity for part in parts)
    created = BUNDLES_AT_MS + index * 60_000
    bundle = Bundle(
        bundle_id=f"{shop.shop_id}.{_id('b', created, rng)}",  # as ids.new_bundle_id
        shop_id=shop.shop_id,
        name=name,
        price_fen=min(_retail_price(round(total * share)), total - 100),
        parts=parts,
        created_at=created,
    )
    validate_bundle(bundle)
    return bundle
