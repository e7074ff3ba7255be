"""Synthetic people for the demo: names, ID numbers and phone numbers that no real person has.

- ID numbers (居民身份证, GB 11643) begin with the region code 999999, which no region has;
  the birth date is a real date and the check digit is correct, so validation accepts them,
  yet none can be a real person's.
- Phone numbers are "100" + 8 digits: no mobile number in China begins with 100.
- Names are drawn from common surnames and given names with a fixed seed, so every run makes
  the same people. The people the source article names are never drawn.
"""

import random
from datetime import date, timedelta
from typing import Final, Literal

REGION: Final = "999999"  # no region has this code
PHONE_PREFIX: Final = "100"  # never a mobile number in China
WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK: Final = "10X98765432"

Gender = Literal["f", "m"]

SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎"
    "贺顾毛郝龚邵万严覃武戴莫孔向汤易欧阳"
)
GIVEN: Final[dict[Gender, str]] = {
    "f": "秀英桂兰玉兰凤英淑珍丽华春梅美玲冬梅红霞小燕雪梅慧敏晓丽金凤翠萍湘萍菊香月娥"
    "海燕玉梅素珍婷婷静怡思雨欣怡佳琪雅琴",
    "m": "建国建华国强志明卫东德明光辉永红湘平立新海涛志刚庆丰长春新民宏伟俊杰文斌家豪"
    "浩然子轩宇航明轩振华跃进胜利铁军",
}
SINGLE: Final[dict[Gender, str]] = {"f": "芳燕兰静敏丽娟霞萍红", "m": "军伟勇强刚斌涛平辉明"}
# Named in the source article: real people, never drawn.
REAL_NAMES: Final = frozenset(
    {"邓建芝", "邓营", "罗玛俐", "陈湘江", "陶苹", "游菊仙", "董国金", "宋彬彬", "栗稳", "胡红叶"}
)


def check_digit(first17: str) -> str:
    """The 18th character of a resident ID number (GB 11643, ISO 7064 MOD 11-2)."""
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def resident_id(born: date, sequence: int, gender: Gender) -> str:
    """A resident ID number in region 999999; its 17th digit is odd for men, even for women."""
    if not 0 <= sequence < 500:
        raise ValueError("sequence: 0 to 499 (three digits, the last one the gender's)")
    order = sequence * 2 + (1 if gender == "m" else 0)
    first17 = f"{REGION}{born:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)


def phone(number: int) -> str:
    return f"{PHONE_PREFIX}{number:08d}"


class NameDrawer:
    """Unique names, none of them the start of another (a name-prefix search finds one)."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.taken: set[str] = set(REAL_NAMES)

    def draw(self, gender: Gender) -> str:
        given = GIVEN[gender]
        while True:
            surname = "欧阳" if self.random.random() < 0.03 else self.random.choice(SURNAMES[:-2])
            if self.random.random() < 0.8:  # most given names here are two characters
                start = self.random.randrange(0, len(given) // 2) * 2
                name = surname + given[start : start + 2]
            else:
                name = surname + self.random.choice(SINGLE[gender])
            if not any(name.startswith(t) or t.startswith(name) for t in self.taken):
                self.taken.add(name)
                return name

    def birth_date(self, first_year: int, last_year: int) -> date:
        start = date(first_year, 1, 1)
        return start + timedelta(days=self.random.randrange((date(last_year, 12, 31) - start).days))
