# Cyrillic, Greek, Arabic and Turkish letters are the point here; RUF001 calls them confusables.
# ruff: noqa: RUF001
"""Obviously fictional names in several scripts, built from syllables.

Names are invented by joining a head and a tail syllable, so no pool holds a
real person's full name. Each culture has its own script and its own habits
(gendered surnames in Cyrillic and Greek, a middle name in Vietnamese,
one-character surnames in Chinese); the validator's limits (100 characters,
no control characters) hold for every combination by construction.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, NamedTuple

Parts = tuple[str, ...]


class Surname(NamedTuple):
    """One family name in its male and female forms (equal where the language has one).

    A named tuple: a frozen dataclass pays an ``object.__setattr__`` per field,
    for every traveler drawn.
    """

    male: str
    female: str

    def form(self, female: bool) -> str:
        return self.female if female else self.male


@dataclass(frozen=True)
class Culture:
    key: str
    male_heads: Parts
    male_tails: Parts
    female_heads: Parts
    female_tails: Parts
    surname_heads: Parts
    # (male tail, female tail) pairs; equal where surnames are not gendered.
    surname_tails: tuple[tuple[str, str], ...]
    # Probability of a second given name (or, for "middle", the fixed middle word).
    second_given: float = 0.25
    joiner: str = ""
    surname_prefix: str = ""
    middle_male: str = ""
    middle_female: str = ""

    def given(self, rng: random.Random, female: bool) -> str:
        """One or two given names: ``rng.choice`` of a head and a tail, each drawn
        inline (`_index`'s rejection sampling) as this runs for every traveler."""
        getrandbits = rng.getrandbits
        heads, tails = (
            (self.female_heads, self.female_tails) if female else (self.male_heads, self.male_tails)
        )
        h, t = len(heads), len(tails)
        hk, tk = _BITS[h], _BITS[t]
        i = getrandbits(hk)
        while i >= h:
            i = getrandbits(hk)
        j = getrandbits(tk)
        while j >= t:
            j = getrandbits(tk)
        first = heads[i] + self.joiner + tails[j]
        middle = self.middle_female if female else self.middle_male
        if middle:
            return f"{middle} {first}"
        if rng.random() < self.second_given:
            i = getrandbits(hk)
            while i >= h:
                i = getrandbits(hk)
            j = getrandbits(tk)
            while j >= t:
                j = getrandbits(tk)
            return f"{first} {heads[i]}{self.joiner}{tails[j]}"
        return first

    def surname(self, rng: random.Random) -> Surname:
        head = self.surname_prefix + rng.choice(self.surname_heads)
        male, female = rng.choice(self.surname_tails)
        return Surname(head + self.joiner + male, head + self.joiner + female)

    def surname_of(self, rng: random.Random, female: bool) -> str:
        """``surname(rng).form(female)``: the same draws, one form built."""
        getrandbits = rng.getrandbits
        heads, tails = self.surname_heads, self.surname_tails
        h, t = len(heads), len(tails)
        hk, tk = _BITS[h], _BITS[t]
        i = getrandbits(hk)
        while i >= h:
            i = getrandbits(hk)
        j = getrandbits(tk)
        while j >= t:
            j = getrandbits(tk)
        return self.surname_prefix + heads[i] + self.joiner + tails[j][female]


# ``n.bit_length()`` for the sizes of the name parts: `random.Random.choice` draws
# ``getrandbits(len(seq).bit_length())`` until the value falls below ``len(seq)``.
_BITS: Final = tuple(n.bit_length() for n in range(64))


def _same(*tails: str) -> tuple[tuple[str, str], ...]:
    return tuple((t, t) for t in tails)


def _split(text: str) -> Parts:
    return tuple(text.split())


ENGLISH: Final = Culture(
    "english",
    _split("Al Bran Cal Dar Ed Fen Gar Hol Jas Kel Lor Mar Nor Os Per Ros Sam Tor Wil Ben"),
    _split("an en ton ric vin ley son den wyn"),
    _split("Ad Bel Car Del El Fay Gwen Hel Iv Jo Kay Lil Mae Nell Or Pen Ros Sel Tam Wen"),
    _split("a ie elle ine lyn ette ia wen"),
    _split("Ash Black Bram Cold Dun Elm Fair Gold Green Hart Holt Kings Lang Marsh North Oak"),
    _same(*_split("ford well by ton ridge worth dale more ley wick field brook stead")),
)
NEUTRAL: Final = Culture(
    "neutral",
    _split("A Ba Che Da E Fu Ka La Mo Na O Pra Ra Sa Ta U Va Ya Ko Ji"),
    _split("bode kun lani meru nde ran sito tunde vesh yo"),
    _split("A Bi Che Da E Fa Ka Li Mo Na O Pri Ra Sa Ti U Vi Ya Ke Ji"),
    _split("da ni ra sha ya mi ena ola ani ita"),
    _split("Ade Bal Chu Dar Eze Fola Ganu Hari Ika Jomo Kal Lumu Mba Nwo Oko Ram Suri Tem"),
    _same(*_split("bayo kumar nde lola wari ngo sami tunji kwe dasa")),
)
FRENCH: Final = Culture(
    "french",
    _split("Am Bé Cé Dé Ét Fré Gé Hé Jé Lé Mé Ré Sé Thé Valé"),
    _split("ric on lien rôme mond tan doric tien"),
    _split("Amé Bé Cé Élo Hé Josè Lé Mé Noé Ré Solè Cla"),
    _split("lie lène line nie phine rèse ane ïs"),
    _split("Beau Bel Châ Clé Dela Dubo Fon Gré Lam Laro Mon Rou Thé Vil"),
    _same(*_split("champ court vière lard mont nais teau lier rais ville çon")),
    second_given=0.35,
)
SPANISH: Final = Culture(
    "spanish",
    _split("Al Ber Cris Die Es Fe Gon Joa Lu Ma Ni Ra Se Tomá"),
    _split("ndro nán ltán go teban lipe zalo quín rcos colás món rgio"),
    _split("Al Be Ca Dolo Est In Ju Lu Ma Ro So Xi"),
    _split("ba rmen lía res fanía na cía ela ísa"),
    _split("Al Bel Cas Fer Gar Ibá Mén Oli Pe Quin Ro San Val"),
    _same(*_split("cázar trán tillo nández cía ñez doza veira ña tana dríguez tos verde")),
    second_given=0.4,
)
GERMAN: Final = Culture(
    "german",
    _split("Jür Lu Frie Wolf Hen Ul Die Mat Ste Tor"),
    _split("gen kas drich gang rik rich ter thäus fen ben"),
    _split("Lie Grä Hei Ma Ul Ste Frie Anne Jut Ka"),
    _split("se tchen ke ren rike fanie da gret ta trin"),
    _split("Mül Schrö Wei Beck Hoff Krü Schä Köh Bau Ri"),
    _same(*_split("ler der ßmann er mann ger fer nig mgart chter")),
)
POLISH_CZECH: Final = Culture(
    "polish_czech",
    _split("Bo Ja Kaz Le Mi Przem Ra Sta To Wo Zbi"),
    _split("gdan rosław imierz szek łosz ysław dek máš jtěch gniew"),
    _split("Ag Bo Dor Ha Ja Kin Mał Zu Wie Lu"),
    _split("nieszka żena ota lina dwiga ga gorzata zanna sława cie"),
    _split("Brze Dvo Grab Jab Kowa Lew Nowa Pokor Rů Svo Wiś Zieli"),
    (
        ("zinski", "zinska"),
        ("řák", "řáková"),
        ("owski", "owska"),
        ("łoński", "łońska"),
        ("lczyk", "lczyk"),
        ("ný", "ná"),
        ("niewski", "niewska"),
        ("cký", "cká"),
    ),
)
TURKISH: Final = Culture(
    "turkish",
    _split("Ah Bu Ça Em Gök Ke Mu Ö Se Tu Yı"),
    _split("met rak ğan re han rem rat zer lim ncay ğit"),
    _split("Ay Bü Ce De El Gü Ne Öz Şe Ye"),
    _split("şe şra ren ry if lay sli ge bnem şim"),
    _split("Ak Bay Çe Demir Er Gün Kara Öz Şa Yıl"),
    _same(*_split("soy kaya lik taş doğan ay han men kurt dız")),
)
VIETNAMESE: Final = Culture(
    "vietnamese",
    _split("Anh Bảo Cường Dũng Hải Minh Quân Tuấn Khải Phúc"),
    ("",),
    _split("Hương Lan Ngọc Phương Thảo Yến Mai Hạnh Linh Trang"),
    ("",),
    _split("Nguyễn Trần Lê Phạm Hoàng Võ Đặng Bùi Đỗ Hồ"),
    (("", ""),),
    middle_male="Văn",
    middle_female="Thị",
)
CYRILLIC: Final = Culture(
    "cyrillic",
    _split("Бо Вла Да Ми Ра Свя Яро Ста Лю Зла Ве Го"),
    _split("слав мир дан вел рош дим"),
    _split("Бо Вла Да Ми Ра Свя Яро Ста Лю Зла Ве Го"),
    _split("слава мира дана ла ника рина"),
    _split("Бел Вор Гра Дуб Жар Зор Кал Лес Мор Нов Пет Рыб Сок Тар"),
    (("ов", "ова"), ("ев", "ева"), ("ин", "ина"), ("енко", "енко"), ("ский", "ская")),
    second_given=0.0,
)
GREEK: Final = Culture(
    "greek",
    _split("Αλε Δη Θε Κω Λε Νι Πα Σπυ Χα Ευ"),
    _split("ξης μος ρος νης λος"),
    _split("Αλε Δη Θε Κω Λε Νι Πα Σπυ Χα Ευ"),
    _split("ξία μώ ρα νή λία"),
    _split("Παπα Κωνσ Γεωρ Δημο Καρα Μαυρο Σταυ"),
    (("πουλος", "πούλου"), ("ίδης", "ίδου"), ("άκης", "άκη"), ("ίου", "ίου")),
    second_given=0.1,
)
ARABIC: Final = Culture(
    "arabic",
    _split("سا خا فا نا حا را طا زا كا ما"),
    _split("مر لد رس صر زم شد هر لك"),
    _split("سا لي نو ري ها ما دا جا"),
    _split("رة لى رين نة دية مية لة"),
    _split("سا نا حا عا فا قا زا شا را"),
    _same(*_split("مري صري دي لمي بري شمي هري كيمي")),
    second_given=0.6,
    surname_prefix="ال",
)
CHINESE: Final = Culture(
    "chinese",
    tuple("伟强磊军洋勇杰涛明超浩宇航鹏辉"),
    ("", *tuple("伟强磊军洋勇杰涛明超浩宇航鹏辉")),
    tuple("芳娜敏静丽婷雪慧欣琳颖倩玲晶瑶"),
    ("", *tuple("芳娜敏静丽婷雪慧欣琳颖倩玲晶瑶")),
    tuple("王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗"),
    (("", ""),),
    second_given=0.0,
)
JAPANESE: Final = Culture(
    "japanese",
    tuple("翔健大陽拓悠蓮湊"),
    tuple("太介斗真也人輝"),
    tuple("美花結愛陽咲凛葵"),
    tuple("子菜衣奈香乃美"),
    tuple("山田川中村井本木松森高小林藤原石上大西吉"),
    _same(*tuple("山田川中村井本木松森高小林藤原石上大西吉")),
    second_given=0.0,
)
KOREAN: Final = Culture(
    "korean",
    tuple("민준서도현우지성태호"),
    tuple("민준서도현우지성태호"),
    tuple("서지수민하은윤예유아"),
    tuple("서지수민하은윤예유아"),
    tuple("김이박최정강조윤장임한오"),
    (("", ""),),
    second_given=0.0,
)

CULTURES: Final[Mapping[str, Culture]] = MappingProxyType(
    {
        c.key: c
        for c in (
            ENGLISH,
            NEUTRAL,
            FRENCH,
            SPANISH,
            GERMAN,
            POLISH_CZECH,
            TURKISH,
            VIETNAMESE,
            CYRILLIC,
            GREEK,
            ARABIC,
            CHINESE,
            JAPANESE,
            KOREAN,
        )
    }
)

assert all(
    len(parts) < len(_BITS)
    for c in CULTURES.values()
    for parts in (
        c.male_heads,
        c.male_tails,
        c.female_heads,
        c.female_tails,
        c.surname_heads,
        c.surname_tails,
    )
)

_BY_COUNTRY: Final[Mapping[str, Culture]] = MappingProxyType(
    {
        **dict.fromkeys(("GBR", "IRL", "AUS", "ZAF"), ENGLISH),
        **dict.fromkeys(("FRA", "BEL"), FRENCH),
        **dict.fromkeys(
            ("ESP", "PRT", "ITA", "MEX", "BRA", "COL", "PER", "SLV", "GTM", "DOM", "HND", "PAN"),
            SPANISH,
        ),
        **dict.fromkeys(("DEU", "NLD", "AUT", "CHE", "DNK", "SWE", "NOR", "FIN"), GERMAN),
        **dict.fromkeys(("POL", "CZE"), POLISH_CZECH),
        "TUR": TURKISH,
        "VNM": VIETNAMESE,
        **dict.fromkeys(("RUS", "UKR", "BGR", "SRB", "KAZ"), CYRILLIC),
        **dict.fromkeys(("GRC", "CYP"), GREEK),
        **dict.fromkeys(
            ("ARE", "QAT", "EGY", "JOR", "MAR", "SAU", "BHR", "KWT", "OMN"),
            ARABIC,
        ),
        **dict.fromkeys(("CHN", "TWN", "HKG", "SGP"), CHINESE),
        "JPN": JAPANESE,
        "KOR": KOREAN,
    }
)

# Nationals of immigrant countries carry names of every origin.
_DIVERSE: Final = (
    (ENGLISH, 50),
    (SPANISH, 16),
    (NEUTRAL, 8),
    (CHINESE, 4),
    (KOREAN, 3),
    (VIETNAMESE, 3),
    (ARABIC, 3),
    (CYRILLIC, 3),
    (FRENCH, 3),
    (POLISH_CZECH, 2),
    (GERMAN, 2),
    (GREEK, 1),
    (TURKISH, 1),
    (JAPANESE, 1),
)
_DIVERSE_CULTURES: Final = tuple(c for c, _ in _DIVERSE)


_DIVERSE_CUMULATIVE: Final = tuple(itertools.accumulate(w for _, w in _DIVERSE))
_CANADA_CUMULATIVE: Final = tuple(itertools.accumulate((55, 25, 8, 12)))
_CANADA_CULTURES: Final = (ENGLISH, FRENCH, CHINESE, NEUTRAL)


_DIVERSE_TOTAL: Final = float(_DIVERSE_CUMULATIVE[-1])
_CANADA_TOTAL: Final = float(_CANADA_CUMULATIVE[-1])


def culture_for(rng: random.Random, nationality: str) -> Culture:
    """The naming culture of a national of ``nationality`` (diverse for USA and Canada).

    What ``rng.choices(cultures, cum_weights=...)[0]`` draws, without its
    argument checks (this runs for every synthetic traveler).
    """
    if nationality == "USA":
        at = rng.random() * _DIVERSE_TOTAL
        return _DIVERSE_CULTURES[bisect_right(_DIVERSE_CUMULATIVE, at, 0, len(_DIVERSE) - 1)]
    if nationality == "CAN":
        at = rng.random() * _CANADA_TOTAL
        return _CANADA_CULTURES[bisect_right(_CANADA_CUMULATIVE, at, 0, len(_CANADA_CULTURES) - 1)]
    return _BY_COUNTRY.get(nationality, NEUTRAL)
