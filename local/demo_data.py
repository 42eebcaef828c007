"""A deterministic demo catalog for local runs: shops, always-available products, SKUs, bundles.

Pure Python, no I/O: `build_demo_catalog()` returns domain objects and `local.seed` writes them
through the store, the same way the API would. Every run builds the same catalog, ids included:
one `random.Random(2026)` drives every choice, and every timestamp (which the ids embed) is an
offset from a fixed base instead of the clock, so URLs printed by `make run` stay valid across
restarts and tests can compare two builds.

Brands, shops and people are made up; images point at a fake CDN host that serves nothing.

What the catalog covers, so the storefront and the shelves have something to show:
- 8 shops owned by merchants "m1".."m8" (shop 0 belongs to "m1", the README's token); follower
  counts and service quality vary, one shop is new, one is live right now. Shops and products
  start without scores, as the API creates them: `local.demo_history` gives them 90 days of
  history and the score job scores them.
- Over 300 listed products (on shelf and always available) in 11 categories, 2–6 SKUs each with
  category-specific specs and integer-fen prices, list prices on some SKUs, sold-out and
  low-stock SKUs, and 30-day stats in which a big live-stream seller can still rank low on the
  comprehensive sort (weak shelf click and conversion rates).
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
BUNDLES_AT_MS = BASE_MS + (CATALOG_SPAN_DAYS + 2) * DAY_MS
IMAGE_HOST = "https://img.example.com"

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


# --- the category table ------------------------------------------------------------------------

@dataclass
class _Item:
    """One kind of product in a category: its name, price of the base spec, and spec axes.

    `axes` maps a spec name to its values and each value's price factor; a SKU is one combination
    of values and costs base × the product of its factors.
    """

    name: str
    base_yuan: tuple[int, int]
    axes: dict[str, dict[str, float]]
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class _Category:
    name: str
    slug: str
    price_fen: tuple[int, int]  # realistic bounds for one SKU of this category
    series: tuple[str, ...]  # product lines that appear in titles ("" when the category has none)
    hooks: tuple[str, ...]  # selling points for titles
    blurbs: tuple[str, ...]  # description sentences
    attributes: dict[str, tuple[str, ...]]
    items: tuple[_Item, ...]


_COLORS_GUOFENG = {"月白": 1.0, "黛蓝": 1.0, "朱红": 1.0, "墨绿": 1.0, "藕荷": 1.0}
_SIZES = {"S": 1.0, "M": 1.0, "L": 1.0, "XL": 1.0}

CATEGORIES: tuple[_Category, ...] = (
    _Category(
        name="海鲜干货", slug="haixian", price_fen=(1990, 199900),
        series=("",),
        hooks=("淡干无盐", "当季新货", "渔民直采", "无添加", "年货礼盒", "滋补佳品", "顺丰包邮",
               "产地直发", "足干耐泡发"),
        blurbs=("渔船靠岸当天分拣,日晒加低温烘干,不加盐不加糖。", "每批抽检含水率,泡发率高。",
                "真空锁鲜包装,常温存放,开袋即可烹饪。", "煲汤、炖粥、凉拌皆宜,送长辈体面。",
                "坏品包赔,签收后 48 小时内联系客服即可。"),
        attributes={"储存方式": ("常温干燥处", "冷藏保存"), "包装": ("袋装", "礼盒装", "罐装")},
        items=(
            _Item("淡干海参", (598, 1280),
                  {"规格": {"100g": 0.45, "250g": 1.0, "500g": 1.9},
                   "等级": {"一级": 1.0, "特级": 1.3}},
                  {"产地": ("辽宁大连", "山东威海"), "保质期": ("24个月",)}),
            _Item("野生大黄鱼鲞", (168, 298),
                  {"规格": {"2条装(约600g)": 1.0, "4条装(约1200g)": 1.9},
                   "等级": {"大号": 1.0, "特大号": 1.3}},
                  {"产地": ("浙江舟山",), "保质期": ("12个月",)}),
            _Item("大连干贝瑶柱", (128, 268),
                  {"规格": {"250g": 1.0, "500g": 1.9},
                   "粒径": {"中粒2-3cm": 1.0, "大粒3-4cm": 1.3}},
                  {"产地": ("辽宁大连",), "保质期": ("18个月",)}),
            _Item("深海花胶", (399, 799),
                  {"规格": {"100g": 1.0, "250g": 2.3}, "厚度": {"标准": 1.0, "加厚": 1.4}},
                  {"产地": ("广东湛江", "福建宁德"), "保质期": ("36个月",)}),
            _Item("淡晒虾皮", (29, 59),
                  {"规格": {"250g": 1.0, "500g": 1.8, "1000g": 3.3}},
                  {"产地": ("福建霞浦",), "保质期": ("6个月",)}),
            _Item("鱿鱼干", (59, 99),
                  {"规格": {"250g": 1.0, "500g": 1.85}, "等级": {"一级": 1.0, "特级": 1.25}},
                  {"产地": ("浙江舟山", "福建宁德"), "保质期": ("12个月",)}),
            _Item("霞浦头水紫菜", (19, 39),
                  {"规格": {"50g": 1.0, "100g": 1.8, "200g": 3.3}},
                  {"产地": ("福建霞浦",), "保质期": ("12个月",)}),
            _Item("金钩海米", (49, 89),
                  {"规格": {"250g": 1.0, "500g": 1.9}, "等级": {"一级": 1.0, "特级": 1.2}},
                  {"产地": ("山东烟台",), "保质期": ("12个月",)}),
            _Item("墨鱼干", (69, 129),
                  {"规格": {"250g": 1.0, "500g": 1.85}},
                  {"产地": ("浙江温岭",), "保质期": ("12个月",)}),
        ),
    ),
    _Category(
        name="洗地机", slug="xidiji", price_fen=(129900, 469900),
        series=("X7", "S9", "Air 2", "Max"),
        hooks=("自清洁烘干", "吸拖洗一体", "双贴边", "热水洗地", "除菌率99.9%", "60分钟长续航",
               "以旧换新", "轻至3.6kg", "智能语音播报"),
        blurbs=("滚刷边洗边刮,污水即时回收,地面不留水痕。", "一键自清洁并热风烘干滚刷,不发臭。",
                "180° 躺平设计,床底沙发底也能洗。", "智能感应脏污,自动调节吸力和水量。",
                "整机两年质保,滚刷和滤网常年有货。"),
        attributes={"续航时间": ("35分钟", "45分钟", "60分钟"),
                    "清水箱容量": ("800ml", "900ml", "1000ml"), "保修": ("整机2年", "整机3年")},
        items=(
            _Item("智能洗地机", (1299, 2599),
                  {"版本": {"标准版": 1.0, "Pro版": 1.3, "旗舰版": 1.6},
                   "颜色": {"星空灰": 1.0, "月光白": 1.0}}),
            _Item("无线自清洁洗地机", (1599, 2799),
                  {"版本": {"标准版": 1.0, "双滚刷版": 1.35},
                   "颜色": {"曜石黑": 1.0, "雾霾蓝": 1.0, "奶油白": 1.0}}),
            _Item("洗拖吸一体机", (1999, 2999),
                  {"版本": {"标准版": 1.0, "Pro版": 1.2, "Pro+热水烘干版": 1.45}}),
            _Item("轻量洗地机", (1299, 1899),
                  {"电池": {"单电池": 1.0, "双电池": 1.2},
                   "颜色": {"珍珠白": 1.0, "薄荷绿": 1.0}}),
        ),
    ),
    _Category(
        name="空调", slug="kongtiao", price_fen=(199900, 699900),
        series=("云逸", "风尚", "静享", "极光", "星悦"),
        hooks=("新一级能效", "变频冷暖", "56℃自清洁", "急速冷暖", "静音睡眠", "WiFi智控",
               "以旧换新", "包基础安装", "10年包修"),
        blurbs=("全直流变频压缩机,30 秒速冷速热。", "56℃ 高温蒸发器自清洁,内机不藏污。",
                "睡眠模式低至 18 分贝,卧室也安静。", "手机 APP 远程控制,回家前就开好。",
                "全国联保,免费上门基础安装,旧机可回收。"),
        attributes={"冷暖类型": ("冷暖",), "变频/定频": ("变频",),
                    "噪音": ("18分贝起", "20分贝起")},
        items=(
            _Item("挂壁式空调", (2199, 2999),
                  {"匹数": {"大1匹": 0.88, "1.5匹": 1.0, "2匹": 1.28},
                   "能效": {"三级": 1.0, "一级": 1.12}},
                  {"产品类型": ("壁挂式",), "适用面积": ("10-23㎡",)}),
            _Item("立式柜机空调", (3999, 4999),
                  {"匹数": {"2匹": 1.0, "3匹": 1.2}, "能效": {"三级": 1.0, "一级": 1.1}},
                  {"产品类型": ("立柜式",), "适用面积": ("23-46㎡",)}),
            _Item("新风空调挂机", (2999, 3699),
                  {"匹数": {"1.5匹": 1.0, "2匹": 1.25}, "能效": {"一级": 1.0}},
                  {"产品类型": ("壁挂式",), "适用面积": ("12-30㎡",)}),
            _Item("圆柱柜机空调", (4599, 5299),
                  {"匹数": {"2匹": 1.0, "3匹": 1.18}, "能效": {"三级": 0.92, "一级": 1.0}},
                  {"产品类型": ("立柜式",), "适用面积": ("23-46㎡",)}),
        ),
    ),
    _Category(
        name="美容仪", slug="meirongyi", price_fen=(39900, 399900),
        series=("", "Pro", "Mini"),
        hooks=("射频紧致", "微电流提拉", "家用院线级", "冰感舒适", "送导入凝胶", "温感导入",
               "APP智能护理", "节日礼物"),
        blurbs=("多档能量可调,敏感肌从低档开始。", "每次 10 分钟,早晚都能用。",
                "机身防水,随附凝胶和收纳包。", "Type-C 快充,一次充电用两周。",
                "一年只换不修,使用问题可约专属顾问视频指导。"),
        attributes={"适用部位": ("面部", "面部及颈部"), "充电方式": ("Type-C",)},
        items=(
            _Item("射频美容仪", (1299, 2799),
                  {"颜色": {"玫瑰金": 1.0, "珍珠白": 1.0},
                   "套装": {"标准版": 1.0, "礼盒版(含凝胶)": 1.12}}),
            _Item("微电流导入仪", (599, 1299),
                  {"颜色": {"香槟金": 1.0, "樱花粉": 1.0}, "套装": {"标准版": 1.0, "礼盒版": 1.1}}),
            _Item("LED光疗面罩", (899, 1999), {"版本": {"标准款": 1.0, "升级款": 1.25}}),
            _Item("眼部美容仪", (399, 799),
                  {"颜色": {"珍珠白": 1.0, "雾紫": 1.0, "薄荷绿": 1.0}}),
            _Item("冰点脱毛仪", (799, 1699),
                  {"颜色": {"白色": 1.0, "粉色": 1.0}, "套装": {"标准版": 1.0, "双灯头版": 1.2}}),
        ),
    ),
    _Category(
        name="国风服饰", slug="guofeng", price_fen=(9900, 129900),
        series=("",),
        hooks=("织金工艺", "通勤可穿", "新中式", "国风日常", "垂感面料", "原创设计", "婚礼敬酒",
               "秋冬加厚"),
        blurbs=("原创设计,版型按日常通勤改良,不挑身材。", "面料垂顺不易皱,可机洗(洗衣袋)。",
                "盘扣与刺绣均为手工钉缝。", "尺码偏标准,犹豫时参考详情页尺码表。",
                "支持 7 天无理由退换,运费险已含。"),
        attributes={"面料": ("织金缎", "桑蚕丝", "棉麻", "醋酸缎", "天丝"),
                    "适用季节": ("春秋", "四季", "秋冬")},
        items=(
            _Item("马面裙", (259, 699), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("明制", "新中式")}),
            _Item("新中式盘扣衬衫", (199, 399), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("新中式",)}),
            _Item("宋制褙子套装", (299, 599), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("宋制",)}),
            _Item("改良旗袍连衣裙", (399, 899), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("民国风", "新中式")}),
            _Item("明制汉服袄裙", (499, 999), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("明制",)}),
            _Item("新中式刺绣马甲", (159, 299), {"颜色": _COLORS_GUOFENG, "尺码": _SIZES},
                  {"风格": ("新中式",)}),
        ),
    ),
    _Category(
        name="翡翠", slug="feicui", price_fen=(19900, 1999900),
        series=("",),
        hooks=("A货天然", "附国检证书", "冰透起光", "一物一图", "18K金镶嵌", "七天无理由",
               "直播间同款", "送礼收藏"),
        blurbs=("天然 A 货,每件附国检 NGTC 证书,可扫码查询。", "一物一图,实拍无滤镜,以实物为准。",
                "瑞丽源头直发,顺丰保价包邮。", "附赠收藏锦盒与擦玉布。",
                "支持 7 天无理由退货,证书和吊牌需完好。"),
        attributes={"材质": ("天然翡翠A货",), "产地": ("缅甸",),
                    "证书": ("国检NGTC证书", "省检证书")},
        items=(
            _Item("翡翠手镯", (1999, 5999),
                  {"圈口": {"54mm": 1.0, "56mm": 1.05, "58mm": 1.1},
                   "种水": {"糯种": 1.0, "冰种": 2.5}}),
            _Item("翡翠平安扣吊坠", (399, 1999),
                  {"尺寸": {"20mm": 1.0, "25mm": 1.4}, "种水": {"糯种": 1.0, "冰种": 2.0}}),
            _Item("翡翠观音吊坠", (899, 3999),
                  {"尺寸": {"小号": 1.0, "大号": 1.5}, "种水": {"糯种": 1.0, "冰种": 2.2}}),
            _Item("翡翠手串", (299, 999), {"珠径": {"6mm": 1.0, "8mm": 1.3, "10mm": 1.7}}),
            _Item("翡翠蛋面耳钉", (599, 1999),
                  {"镶嵌": {"S925银": 0.6, "18K金": 1.0}, "种水": {"糯种": 1.0, "冰种": 1.8}}),
        ),
    ),
    _Category(
        name="防晒", slug="fangshai", price_fen=(1990, 39900),
        series=("",),
        hooks=("SPF50+ PA++++", "清爽不油腻", "防水防汗", "敏感肌可用", "UPF50+", "冰感凉爽",
               "户外通勤", "学生党"),
        blurbs=("轻薄成膜,不泛白不搓泥。", "海边、军训、骑行都扛得住。",
                "出门前 15 分钟涂抹,户外每 2 小时补涂。", "经第三方实验室检测,报告可在详情页查看。",
                "过敏包退,开封也可申请。"),
        attributes={"适用人群": ("通用", "女士", "儿童")},
        items=(
            _Item("清爽防晒霜", (69, 159),
                  {"规格": {"50ml": 1.0, "50ml×2支": 1.8, "100ml": 1.7}},
                  {"防晒指数": ("SPF50+ PA++++",), "适用肤质": ("所有肤质", "油性肤质")}),
            _Item("防晒喷雾", (59, 129), {"规格": {"150ml": 1.0, "150ml×2瓶": 1.8}},
                  {"防晒指数": ("SPF50+ PA+++",), "适用肤质": ("所有肤质",)}),
            _Item("冰丝防晒衣", (89, 199),
                  {"颜色": {"云雾白": 1.0, "冰川蓝": 1.0, "樱花粉": 1.0, "黑色": 1.0},
                   "尺码": _SIZES},
                  {"防晒指数": ("UPF50+",), "面料": ("冰丝",)}),
            _Item("大檐防晒帽", (49, 99),
                  {"颜色": {"米白": 1.0, "卡其": 1.0, "黑色": 1.0},
                   "款式": {"空顶款": 1.0, "全顶款": 1.1}},
                  {"防晒指数": ("UPF50+",)}),
            _Item("儿童防晒乳", (79, 139), {"规格": {"50ml": 1.0, "100ml": 1.7}},
                  {"防晒指数": ("SPF35 PA+++",), "适用肤质": ("敏感肌",)}),
            _Item("冰袖防晒袖套", (19, 39),
                  {"颜色": {"白色": 1.0, "肤色": 1.0, "黑色": 1.0},
                   "规格": {"一双装": 1.0, "三双装": 2.4}},
                  {"防晒指数": ("UPF50+",)}),
        ),
    ),
    _Category(
        name="茶叶", slug="chaye", price_fen=(5900, 399900),
        series=("",),
        hooks=("2026年新茶", "口粮茶", "礼盒装", "核心产区", "高山茶园", "头采", "回甘持久",
               "送礼自饮"),
        blurbs=("核心产区茶园直采,每批附农残检测报告。", "条索紧结,汤色明亮,回甘持久。",
                "建议 90℃ 水温,前三泡快出汤。", "独立小包装,办公室出差都方便。",
                "喝着不满意,未拆封可退。"),
        attributes={"保质期": ("18个月", "24个月", "干燥避光可长期存放"),
                    "包装": ("罐装", "袋装", "礼盒装")},
        items=(
            _Item("明前西湖龙井", (168, 598),
                  {"规格": {"100g": 1.0, "250g": 2.3}, "等级": {"一级": 1.0, "特级": 1.5}},
                  {"产地": ("浙江杭州",), "茶类": ("绿茶",)}),
            _Item("安溪铁观音浓香型", (98, 298),
                  {"规格": {"250g": 1.0, "500g": 1.9}, "等级": {"一级": 1.0, "特级": 1.4}},
                  {"产地": ("福建安溪",), "茶类": ("乌龙茶",)}),
            _Item("武夷岩茶大红袍", (128, 498),
                  {"规格": {"125g": 1.0, "250g": 1.9}, "焙火": {"中火": 1.0, "足火": 1.1}},
                  {"产地": ("福建武夷山",), "茶类": ("乌龙茶",)}),
            _Item("云南普洱熟茶饼", (89, 399),
                  {"规格": {"357g单饼": 1.0, "357g×7饼整提": 6.5},
                   "年份": {"2021年": 1.0, "2018年": 1.5}},
                  {"产地": ("云南勐海",), "茶类": ("黑茶",)}),
            _Item("福鼎白茶白牡丹", (128, 398),
                  {"规格": {"散茶250g": 0.8, "饼茶350g": 1.0},
                   "年份": {"2023年": 1.0, "2020年": 1.4}},
                  {"产地": ("福建福鼎",), "茶类": ("白茶",)}),
            _Item("祁门红茶", (88, 268), {"规格": {"100g": 1.0, "250g": 2.2}},
                  {"产地": ("安徽祁门",), "茶类": ("红茶",)}),
            _Item("茉莉花茶", (58, 128), {"规格": {"250g": 1.0, "500g": 1.85}},
                  {"产地": ("广西横县",), "茶类": ("花茶",)}),
        ),
    ),
    _Category(
        name="零食坚果", slug="lingshi", price_fen=(1490, 29900),
        series=("",),
        hooks=("独立小包装", "当季新果", "0添加蔗糖", "办公室零食", "量贩装", "追剧必备",
               "孕妇儿童可吃", "年货礼盒"),
        blurbs=("当季新果,低温烘焙,锁住坚果香。", "氮气充填小包装,一次一包不回潮。",
                "每批次第三方检测,报告可查。", "适合办公室、追剧和孩子课间加餐。",
                "口感不满意,吃了也能退。"),
        attributes={"保质期": ("6个月", "9个月", "12个月"), "包装": ("袋装", "罐装", "礼盒装")},
        items=(
            _Item("每日坚果混合装", (59, 129),
                  {"规格": {"15包": 0.55, "30包": 1.0}, "口味": {"原味": 1.0, "益生菌款": 1.1}},
                  {"产地": ("安徽芜湖",)}),
            _Item("奶香碧根果", (39, 79), {"规格": {"500g": 1.0, "1000g": 1.85}},
                  {"产地": ("安徽芜湖",)}),
            _Item("盐焗夏威夷果", (39, 69), {"规格": {"500g": 1.0, "1000g": 1.85}},
                  {"产地": ("云南临沧",)}),
            _Item("内蒙古风干牛肉干", (79, 169),
                  {"口味": {"原味": 1.0, "香辣": 1.0, "孜然": 1.0},
                   "规格": {"250g": 1.0, "500g": 1.85}},
                  {"产地": ("内蒙古锡林郭勒",)}),
            _Item("靖江猪肉脯", (29, 59),
                  {"口味": {"原味": 1.0, "蜜汁": 1.0}, "规格": {"200g": 1.0, "500g": 2.2}},
                  {"产地": ("江苏靖江",)}),
            _Item("芒果干", (19, 39), {"规格": {"200g": 1.0, "500g": 2.2}},
                  {"产地": ("广西百色",)}),
        ),
    ),
    _Category(
        name="母婴用品", slug="muying", price_fen=(1990, 249900),
        series=("",),
        hooks=("超薄透气", "新生儿可用", "食品级材质", "母婴店同款", "整箱囤货", "医护级",
               "一键折叠", "宝妈推荐"),
        blurbs=("通过母婴用品相关国家标准检测,报告可查。", "材质柔软无刺激,宝宝娇嫩肌肤可用。",
                "宝妈群真实反馈迭代,细节更贴心。", "整箱发货更划算,临期品不发。",
                "破损漏发包赔,客服 7×12 小时在线。"),
        attributes={"适用年龄": ("0-6个月", "0-3岁", "6-36个月")},
        items=(
            _Item("婴儿纸尿裤", (89, 159),
                  {"尺码": {"NB": 1.0, "S": 1.0, "M": 1.0, "L": 1.05, "XL": 1.1},
                   "包装": {"单包": 1.0, "整箱4包": 3.6}},
                  {"类型": ("纸尿裤",)}),
            _Item("婴儿拉拉裤", (99, 169),
                  {"尺码": {"L": 1.0, "XL": 1.0, "XXL": 1.05},
                   "包装": {"单包": 1.0, "整箱4包": 3.6}},
                  {"类型": ("拉拉裤",)}),
            _Item("婴儿手口湿巾", (29, 59), {"规格": {"80抽×10包": 1.0, "80抽×20包": 1.9}},
                  {"类型": ("湿巾",)}),
            _Item("宽口径PPSU奶瓶", (99, 189),
                  {"容量": {"160ml": 1.0, "240ml": 1.1, "300ml": 1.15},
                   "颜色": {"奶油黄": 1.0, "雾霾蓝": 1.0}},
                  {"材质": ("PPSU",)}),
            _Item("可坐可躺婴儿推车", (899, 1999),
                  {"颜色": {"燕麦色": 1.0, "星空灰": 1.0},
                   "版本": {"标准款": 1.0, "高景观款": 1.3}},
                  {"承重": ("25kg",)}),
            _Item("婴儿棉柔巾", (39, 69), {"规格": {"100抽×6包": 1.0, "100抽×12包": 1.9}},
                  {"材质": ("100%棉",)}),
        ),
    ),
    _Category(
        name="家纺", slug="jiafang", price_fen=(4900, 399900),
        series=("",),
        hooks=("100支长绒棉", "A类母婴级", "亲肤裸睡", "不起球不褪色", "四季通用", "新疆棉",
               "酒店同款", "婚庆"),
        blurbs=("A 类母婴级面料,宝宝也能直接睡。", "活性印染,洗多次不褪色不起球。",
                "面料经过预缩处理,下水不缩。", "顺丰包邮,支持 30 天试睡。",
                "质量问题一年内包换。"),
        attributes={"面料": ("全棉", "长绒棉", "天丝"), "适用季节": ("四季", "春秋")},
        items=(
            _Item("全棉四件套", (299, 799),
                  {"尺寸": {"1.5m床(被套200×230)": 1.0, "1.8m床(被套220×240)": 1.12},
                   "颜色": {"燕麦灰": 1.0, "奶咖": 1.0, "雾蓝": 1.0, "樱粉": 1.0}}),
            _Item("桑蚕丝被", (599, 1999),
                  {"尺寸": {"150×200cm": 1.0, "200×230cm": 1.3},
                   "重量": {"春秋被2斤": 1.0, "冬被4斤": 1.6}},
                  {"面料": ("桑蚕丝",), "填充物": ("100%桑蚕长丝",)}),
            _Item("天然乳胶枕", (129, 299), {"规格": {"单只": 1.0, "一对": 1.85}},
                  {"面料": ("天然乳胶",), "适用季节": ("四季",)}),
            _Item("95白鹅绒羽绒被", (899, 2499),
                  {"尺寸": {"150×200cm": 1.0, "200×230cm": 1.3},
                   "厚度": {"春秋款": 1.0, "冬厚款": 1.35}},
                  {"填充物": ("95%白鹅绒",), "适用季节": ("冬季", "春秋")}),
            _Item("冰丝凉席三件套", (99, 269),
                  {"尺寸": {"1.5m床": 1.0, "1.8m床": 1.1, "2.0m床": 1.2}},
                  {"面料": ("冰丝",), "适用季节": ("夏季",)}),
            _Item("珊瑚绒毛毯", (59, 159),
                  {"尺寸": {"150×200cm": 1.0, "200×230cm": 1.35},
                   "颜色": {"奶白": 1.0, "灰蓝": 1.0}},
                  {"面料": ("珊瑚绒",), "适用季节": ("秋冬",)}),
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


SHOP_PLANS: tuple[_ShopPlan, ...] = (
    _ShopPlan("m1", "澜川电器官方旗舰店", "空调、洗地机、个护小家电一站购齐,全套购更省心。",
              1_286_000, False, 0.62, "澜川", {"空调": 22, "洗地机": 18, "美容仪": 6},
              ("draft",)),
    _ShopPlan("m2", "阿海渔铺", "舟山渔民直供海鲜干货,淡干无盐,每晚 8 点直播。",
              356_000, True, 0.8, "阿海渔铺", {"海鲜干货": 34, "零食坚果": 10},
              ("off_shelf", "live_only")),
    _ShopPlan("m3", "玉见翡翠", "瑞丽源头翡翠,一物一证,直播间同款常挂。",
              892_000, False, 0.4, "玉见", {"翡翠": 36}, ("draft", "live_only")),
    _ShopPlan("m4", "云裳阁国风", "原创新中式,日常可穿的国风。",
              215_000, False, 0.5, "云裳阁", {"国风服饰": 36, "防晒": 8}, ("off_shelf",)),
    _ShopPlan("m5", "晴肌美护", "家用美容仪与防晒,好的护肤可以不贵。",
              128_000, False, 0.35, "晴肌", {"美容仪": 18, "防晒": 22}, ("draft",)),
    _ShopPlan("m6", "茗山茶舍", "核心产区直采,从口粮茶到礼盒茶。",
              64_000, False, 0.1, "茗山", {"茶叶": 32, "零食坚果": 14}, ("off_shelf",)),
    _ShopPlan("m7", "小象母婴", "宝宝用品放心选,宝妈团亲测。",
              473_000, False, 0.7, "小象", {"母婴用品": 30, "家纺": 8}, ("draft",)),
    _ShopPlan("m8", "栖居家纺", "新店开业,睡个好觉。",
              3_200, False, None, "栖居", {"家纺": 24}, ("off_shelf",)),
)

# Bundles: (shop index, name, parts as (category, item name, quantity), price as share of parts).
BUNDLE_PLANS: tuple[tuple[int, str, tuple[tuple[str, str, int], ...], float], ...] = (
    (0, "清凉净洁全套购(挂机空调+洗地机)",
     (("空调", "挂壁式空调", 1), ("洗地机", "智能洗地机", 1)), 0.9),
    (0, "三房全屋空调全套购(挂机×2+柜机+洗地机)",
     (("空调", "挂壁式空调", 2), ("空调", "立式柜机空调", 1), ("洗地机", "无线自清洁洗地机", 1)),
     0.86),
    (1, "滋补海味礼盒(海参+花胶+干贝)",
     (("海鲜干货", "淡干海参", 1), ("海鲜干货", "深海花胶", 1), ("海鲜干货", "大连干贝瑶柱", 1)),
     0.9),
    (4, "护肤防晒全套(射频美容仪+防晒霜×2)",
     (("美容仪", "射频美容仪", 1), ("防晒", "清爽防晒霜", 2)), 0.9),
    (5, "茶点礼盒(龙井+每日坚果)",
     (("茶叶", "明前西湖龙井", 1), ("零食坚果", "每日坚果混合装", 1)), 0.92),
    (6, "新生儿囤货组合(纸尿裤×2+湿巾+奶瓶)",
     (("母婴用品", "婴儿纸尿裤", 2), ("母婴用品", "婴儿手口湿巾", 1),
      ("母婴用品", "宽口径PPSU奶瓶", 1)), 0.9),
)


# --- the catalog -------------------------------------------------------------------------------

@dataclass
class DemoCatalog:
    shops: list[Shop]
    products: list[Product]
    bundles: list[Bundle]

    def shop(self, shop_id: str) -> Shop:
        return next(shop for shop in self.shops if shop.shop_id == shop_id)

    def products_of(self, shop_id: str) -> list[Product]:
        return [product for product in self.products if product.shop_id == shop_id]

    def listed_products(self) -> list[Product]:
        """Products that belong on shelves (on shelf and always available)."""
        return [product for product in self.products if product.listed_on_shelves]

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
        for category_name, count in plan.listed.items():
            category = _CATEGORY_BY_NAME[category_name]
            items = list(category.items)
            rng.shuffle(items)  # every item appears once the count reaches the item count
            titles: set[str] = set()
            for position in range(count):
                product = _product(shop, plan, category, items[position % len(items)],
                                   len(products), titles, rng)
                products.append(product)
                item_of[product.product_id] = items[position % len(items)].name
        for hidden in plan.hidden:
            category = _CATEGORY_BY_NAME[next(iter(plan.listed))]
            product = _product(shop, plan, category, rng.choice(category.items), len(products),
                               set(), rng)
            products.append(_hide(product, hidden, rng))
    bundles = [_bundle(index, plan, shops, products, item_of, rng)
               for index, plan in enumerate(BUNDLE_PLANS)]
    return DemoCatalog(shops=shops, products=products, bundles=bundles)


def _shop(plan: _ShopPlan, index: int, rng: random.Random) -> Shop:
    created = BASE_MS + index * DAY_MS // 3 + rng.randrange(3_600_000)
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
    created = shop.created_at + DAY_MS + rng.randrange((CATALOG_SPAN_DAYS - 2) * DAY_MS)
    product_id = f"{shop.shop_id}.{_id('p', created, rng)}"
    title = _title(plan, category, item, titles, rng)
    skus = build_skus(product_id, _sku_drafts(category, item, rng))
    images = [f"{IMAGE_HOST}/products/{category.slug}/{sequence + 1:04d}_{n}.jpg"
              for n in range(1, rng.randint(2, 5) + 1)]
    stats = _stats(min(sku.price_fen for sku in skus), rng)
    return Product(
        product_id=product_id,
        shop_id=shop.shop_id,
        title=title,
        description=_description(item, category, rng),
        category=category.name,
        images=images,
        attributes=_attributes(plan, category, item, rng),
        always_available=True,
        status=ProductStatus.ON_SHELF,
        skus=skus,
        created_at=created,
        updated_at=created + rng.randrange(3 * DAY_MS),
        stats=stats,
    )


def _title(plan: _ShopPlan, category: _Category, item: _Item, titles: set[str],
           rng: random.Random) -> str:
    while True:
        series = rng.choice(category.series)
        series = f"{series}系列" if series and not series.isascii() else series
        first, second = rng.sample(category.hooks, 2)
        title = f"{plan.brand}{series}{item.name} {first} {second}"
        if title not in titles:
            titles.add(title)
            return title


def _description(item: _Item, category: _Category, rng: random.Random) -> str:
    sentences = rng.sample(category.blurbs, rng.randint(2, 3))
    return f"{item.name}。" + "".join(sentences)


def _attributes(plan: _ShopPlan, category: _Category, item: _Item,
                rng: random.Random) -> dict[str, str]:
    attributes = {"品牌": plan.brand}
    for source in (category.attributes, item.attributes):
        for name, choices in source.items():
            attributes[name] = rng.choice(choices)
    return attributes


def _sku_drafts(category: _Category, item: _Item, rng: random.Random) -> list[dict]:
    """2–6 spec combinations of the item, in the axes' order, with prices and stock."""
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


def _stats(price_fen: int, rng: random.Random) -> ProductStats:
    """Shelf counters that agree with each other (orders ≤ clicks ≤ impressions).

    sales_30d counts units from every scene, live streams included, so a product can sell a lot
    in the live room while converting poorly on shelves: the comprehensive sort (rates) and the
    sales sort then disagree, as they do in production.
    """
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
