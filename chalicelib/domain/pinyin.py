"""Pinyin as shoppers type it: readings of Chinese words, and Latin runs split into syllables.

Readings come from pypinyin, which is phrase-aware (银行 → yinhang, 重庆 → chongqing, 会计 →
kuaiji), imported on first use so the cold start does not pay for its dictionaries. ü is written
v, as on a phone keyboard (绿 → lv).
"""

from __future__ import annotations

from functools import cache, lru_cache

# Every syllable of Mandarin, toneless, ü as v; the interjections m, n, ng, hm, hng are left
# out, since a lone consonant is read as an initial, not as a syllable.
SYLLABLES = frozenset("""
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang
cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan
chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di
dia dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng
fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha
hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang
jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua
kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling
liu lo long lou lu luan lun luo lv lve ma mai man mang mao me mei men meng mi mian miao mie min
ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong
nou nu nuan nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou
pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri
rong rou ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she
shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun
suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan
wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan
yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha
zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun
zhuo zi zong zou zu zuan zui zun zuo
""".split())  # noqa: SIM905 (a table, kept readable)
_LONGEST = max(len(s) for s in SYLLABLES)
MAX_SPLITS = 8  # xian → xi'an and xian; longer runs rarely have more readings worth trying


def split_syllables(text: str, limit: int = MAX_SPLITS) -> list[tuple[str, ...]]:
    """Every way to read `text` as whole syllables, fewest syllables first (at most `limit`):
    xidiji → [(xi, di, ji)]; xian → [(xian,), (xi, an)]; nike → [(ni, ke)]; xdj → []."""
    text = text.lower()

    @cache
    def from_position(start: int) -> tuple[tuple[str, ...], ...]:
        if start == len(text):
            return ((),)
        readings = []
        for end in range(min(len(text), start + _LONGEST), start, -1):
            head = text[start:end]
            if head in SYLLABLES:
                readings.extend((head, *rest) for rest in from_position(end))
                if len(readings) >= limit:
                    break
        return tuple(readings[:limit])

    return sorted(from_position(0), key=len)[:limit]


def is_pinyin(text: str) -> bool:
    return bool(split_syllables(text, limit=1))


@lru_cache(maxsize=65536)
def reading(word: str) -> tuple[str, ...]:
    """The phrase-aware reading of a Chinese word, one syllable per character."""
    from pypinyin import Style, lazy_pinyin

    return tuple(s.replace("ü", "v") for s in lazy_pinyin(word, style=Style.NORMAL,
                                                         v_to_u=False, errors="ignore"))


@lru_cache(maxsize=65536)
def readings(word: str, limit: int = 4) -> tuple[tuple[str, ...], ...]:
    """The phrase reading first, then other readings of polyphonic characters (调: tiao and
    diao), so a shopper who reads a character the other way still finds the word."""
    from pypinyin import Style, pinyin

    first = reading(word)
    if len(first) != len(word):
        return (first,)
    found = [first]
    for index, character in enumerate(word):
        # one character at a time: for a whole phrase pypinyin gives the phrase reading only
        options = pinyin(character, style=Style.NORMAL, heteronym=True, errors="ignore",
                         v_to_u=False)
        for option in (options[0] if options else ()):
            option = option.replace("ü", "v")
            if option != first[index] and len(found) < limit:
                found.append((*first[:index], option, *first[index + 1:]))
    return tuple(found)


def initials(syllables: tuple[str, ...]) -> str:
    """First letters, as a phone keyboard's 简拼 takes them: 洗地机 → xdj, 重庆 → cq."""
    return "".join(s[0] for s in syllables if s)


def fuzzy_key(syllables: tuple[str, ...]) -> str:
    """The reading with the sounds phone keyboards' fuzzy pinyin (模糊音) takes alike folded:
    zh/z, ch/c, sh/s, and -ng/-n (防晒 fangshai and 防嗮 fangsai meet at fansai)."""
    folded = []
    for syllable in syllables:
        for retroflex in ("zh", "ch", "sh"):
            if syllable.startswith(retroflex):
                syllable = syllable[0] + syllable[2:]
        if syllable.endswith("ng"):
            syllable = syllable[:-1]
        folded.append(syllable)
    return "".join(folded)
