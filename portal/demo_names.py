"""Tables behind the demo data (``portal.demo``): names, places, the organisation tree and wording.

Plain data only, so the generator stays short. Area codes are real 2020s administrative codes
(GB/T 2260); surname weights follow the rough national frequency.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Any, Sequence

#: (surname, weight per mille, roughly)
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 31), ("黄", 22), ("赵", 22),
    ("吴", 20), ("周", 19), ("徐", 17), ("孙", 15), ("马", 15), ("朱", 13), ("胡", 13), ("郭", 11),
    ("何", 11), ("高", 11), ("林", 11), ("罗", 9), ("郑", 9), ("梁", 9), ("谢", 8), ("宋", 8),
    ("唐", 8), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7), ("曹", 7), ("彭", 6), ("曾", 6),
    ("肖", 6), ("田", 6), ("董", 5), ("袁", 5), ("潘", 5), ("于", 5), ("蒋", 5), ("蔡", 5),
    ("余", 5), ("杜", 5), ("叶", 4), ("程", 4), ("苏", 4), ("魏", 4), ("吕", 4), ("丁", 4),
    ("任", 4), ("沈", 4), ("姚", 4), ("卢", 4), ("姜", 4), ("崔", 3), ("钟", 3), ("谭", 3),
    ("陆", 3), ("汪", 3), ("范", 3), ("金", 3), ("石", 3), ("廖", 3), ("贾", 3), ("夏", 3),
    ("韦", 3), ("顾", 3), ("方", 3), ("邹", 3), ("熊", 3), ("孟", 2), ("秦", 2), ("邱", 2),
    ("严", 2), ("戴", 2), ("钱", 2), ("施", 2), ("欧阳", 0.5), ("诸葛", 0.1),
)

MALE_CHARS = ("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国峰亮成志海东文晨博翔昊"
              "天宏振鸿泽毅锋彬坤鹤荣庆德永春进立新兵卫忠良松柏晓铭轩睿航")
FEMALE_CHARS = ("芳娜敏静丽艳娟霞燕玲婷秀英华慧巧美红梅琳雪倩颖洁琴云莉萍丹蕾薇欣悦怡佳月凤兰桂"
                "珍玉翠晶露瑶淑宁馨媛雯璐琪嘉彤蓉")
#: Given names typical of older generations (born in the 1960s–70s).
OLDER_MALE_NAMES = ("建国", "建华", "国强", "卫东", "红兵", "志刚", "建军", "国庆", "永红", "振华", "德明", "爱民")
OLDER_FEMALE_NAMES = ("秀英", "桂英", "秀兰", "玉兰", "桂兰", "凤英", "丽华", "红梅", "建英", "春燕", "美华", "玉珍")

#: (area code, place name, weight) for urban residence: mostly Shanghai and neighbours.
URBAN_AREAS: tuple[tuple[str, str, float], ...] = (
    ("310101", "上海市黄浦区", 4), ("310104", "上海市徐汇区", 5), ("310105", "上海市长宁区", 4),
    ("310107", "上海市普陀区", 5), ("310110", "上海市杨浦区", 5), ("310112", "上海市闵行区", 8),
    ("310114", "上海市嘉定区", 6), ("310115", "上海市浦东新区", 10), ("320102", "江苏省南京市玄武区", 2),
    ("320505", "江苏省苏州市虎丘区", 3), ("320205", "江苏省无锡市锡山区", 2), ("330106", "浙江省杭州市西湖区", 3),
    ("330203", "浙江省宁波市海曙区", 2), ("340104", "安徽省合肥市蜀山区", 2), ("110105", "北京市朝阳区", 1),
    ("440305", "广东省深圳市南山区", 1), ("510104", "四川省成都市锦江区", 1), ("420102", "湖北省武汉市江岸区", 1),
    ("370102", "山东省济南市历下区", 1),
)
#: (area code, county name, weight) for agricultural household registration (migrant workers).
RURAL_AREAS: tuple[tuple[str, str, float], ...] = (
    ("341221", "安徽省阜阳市临泉县", 4), ("341222", "安徽省阜阳市太和县", 3), ("411621", "河南省周口市扶沟县", 3),
    ("411481", "河南省永城市", 2), ("511623", "四川省广安市邻水县", 2), ("511322", "四川省南充市营山县", 2),
    ("360732", "江西省赣州市兴国县", 2), ("321323", "江苏省宿迁市泗阳县", 3), ("431224", "湖南省怀化市溆浦县", 1),
    ("370982", "山东省新泰市", 1),
)
SHANGHAI_DISTRICTS = ("上海市闵行区", "上海市浦东新区", "上海市嘉定区", "上海市徐汇区", "上海市宝山区", "上海市松江区")
STREETS = ("莘庄路", "都市路", "沪闵路", "七莘路", "浦东南路", "张杨路", "博园路", "城中路", "漕宝路", "虹梅路",
           "共康路", "泗泾路", "人民路", "建设路", "解放路", "幸福路")

MOBILE_PREFIXES = tuple(str(p) for p in (*range(130, 140), *range(150, 160), *range(180, 190)) if p != 154)

ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("汉族", 940), ("回族", 12), ("满族", 10), ("壮族", 8), ("蒙古族", 6), ("土家族", 8), ("苗族", 8),
    ("朝鲜族", 4), ("彝族", 4))

#: Education weights by unit profile, in the order of the members schema choices.
EDUCATION_LEVELS = ("研究生", "大学本科", "大学专科", "中专/技校", "高中", "初中及以下")
EDUCATION_WEIGHTS: dict[str, tuple[int, ...]] = {
    "worker": (0, 6, 22, 36, 22, 14),
    "office": (8, 52, 30, 6, 4, 0),
    "engineer": (35, 55, 9, 1, 0, 0),
}

BANKS: tuple[tuple[str, str], ...] = (
    ("中国工商银行上海闵行支行", "622202"), ("中国农业银行上海浦东分行营业部", "622848"),
    ("中国建设银行上海嘉定支行", "621700"), ("交通银行上海徐汇支行", "622260"),
    ("中国银行上海莘庄支行", "621661"), ("上海农商银行七宝支行", "622478"),
)

TRANSFER_DESTINATIONS = ("上海电气集团股份有限公司", "上汽通用汽车有限公司", "江苏恒立液压股份有限公司",
                         "杭州汽轮机股份有限公司", "宁波东方电缆股份有限公司", "上海振华重工（集团）股份有限公司")

ACTIVIST_DEEDS = (
    "立足岗位苦练技能，全年完成工时 {n} 小时，产品一次交检合格率 99% 以上，带徒 {m} 名。",
    "积极参与班组安全管理，提出合理化建议 {m} 条，其中 {k} 条被采纳，节约成本约 {n} 元。",
    "热心工会工作，组织班组职工参加技能比武和文体活动 {m} 次，主动走访慰问困难职工。",
    "在年度劳动竞赛中获得班组第一名，牵头完成工艺改进 {k} 项，工效提高约 {m}%。",
    "长期坚持为职工代办各类事务，协助开展职工之家建设，职工满意度高。",
)
ACTIVIST_RECOMMENDATIONS = (
    "工会小组一致推荐；部门、党支部同意推荐。",
    "经工会小组民主推荐，所在部门和党支部均无异议，同意推荐。",
    "工会小组推荐，部门同意；党支部意见：表现突出，同意。",
)
ACTIVIST_POSTS: tuple[tuple[str, float], ...] = (
    ("会员", 55), ("工会小组长", 15), ("宣传委员", 8), ("文体委员", 8), ("劳动保护监督员", 8), ("女工委员", 6))

#: Relief type -> (lowest, highest amount in yuan, month the grant is usually paid or 0 for any).
RELIEF_TYPES: dict[str, tuple[int, int, int]] = {
    "春节救助": (800, 2000, 1), "换季救助": (300, 800, 4), "越冬救助": (500, 1200, 11), "日常救助": (300, 1000, 0),
    "特殊救助": (2000, 8000, 0), "生活救助": (500, 2000, 0), "医疗救助": (1000, 10000, 0),
    "助学救助": (1500, 5000, 8), "培训救助": (500, 1500, 0),
}


@dataclass(frozen=True)
class Leaf:
    """A union group (工会小组): its code suffix, name, typical posts, median wage and staff profile."""

    suffix: str
    name: str
    posts: tuple[str, ...]
    wage: int
    profile: str = "worker"
    male_share: float = 0.75


@dataclass(frozen=True)
class Branch:
    """A branch union (分工会) and its union groups."""

    suffix: str
    name: str
    leaves: tuple[Leaf, ...]


@dataclass(frozen=True)
class Grassroots:
    """A grassroots union (基层工会): the employer behind it and its branch unions."""

    code: str
    name: str
    employer: str
    district: str
    founded_on: date
    member_share: float
    branches: tuple[Branch, ...]


FEDERATION = ("HQ", "华东机械集团公司工会", date(1958, 5, 1))
REVIEW_DEPARTMENT = "{district}人力资源和社会保障局"

GRASSROOTS: tuple[Grassroots, ...] = (
    Grassroots("A", "第一机械厂工会", "华东机械集团第一机械厂", "上海市闵行区", date(1979, 3, 12), 0.35, (
        Branch("01", "机加工车间分工会", (
            Leaf("1", "车工一组", ("车工",), 7800), Leaf("2", "车工二组", ("车工", "数控车工"), 8200),
            Leaf("3", "铣磨组", ("铣工", "磨工", "刨工"), 8000))),
        Branch("02", "装配车间分工会", (
            Leaf("1", "总装一组", ("装配钳工",), 7600), Leaf("2", "总装二组", ("装配钳工", "电工"), 7700),
            Leaf("3", "调试组", ("调试工", "电工"), 8600))),
        Branch("03", "机关分工会", (
            Leaf("1", "行政后勤组", ("行政专员", "后勤管理员", "驾驶员"), 7200, "office", 0.45),
            Leaf("2", "技术质量组", ("工艺工程师", "质检员"), 11000, "engineer", 0.6))),
    )),
    Grassroots("B", "精密铸造公司工会", "华东精密铸造有限公司", "上海市嘉定区", date(1994, 9, 20), 0.25, (
        Branch("01", "熔炼车间分工会", (
            Leaf("1", "熔炼一组", ("熔炼工", "炉前工"), 8400, "worker", 0.9),
            Leaf("2", "熔炼二组", ("熔炼工", "浇注工"), 8300, "worker", 0.9))),
        Branch("02", "铸造车间分工会", (
            Leaf("1", "造型组", ("造型工", "制芯工"), 7500), Leaf("2", "清理组", ("清理工", "打磨工"), 6800),
            Leaf("3", "检验组", ("质检员", "探伤工"), 7900, "worker", 0.5))),
        Branch("03", "机关分工会", (
            Leaf("1", "综合管理组", ("行政专员", "人事专员"), 8000, "office", 0.4),
            Leaf("2", "财务营销组", ("会计", "出纳", "销售代表"), 9500, "office", 0.45))),
    )),
    Grassroots("C", "物流中心工会", "华东机械集团物流有限公司", "上海市浦东新区", date(2003, 6, 18), 0.25, (
        Branch("01", "仓储分工会", (
            Leaf("1", "收货组", ("仓管员", "理货员"), 6200, "worker", 0.65),
            Leaf("2", "发货组", ("理货员", "装卸工"), 6000),
            Leaf("3", "叉车组", ("叉车司机",), 6900, "worker", 0.95))),
        Branch("02", "运输分工会", (
            Leaf("1", "干线运输组", ("货车司机",), 9200, "worker", 0.97),
            Leaf("2", "城市配送组", ("配送员", "货车司机"), 7400, "worker", 0.85))),
    )),
    Grassroots("D", "机械研究院工会", "华东机械研究院有限公司", "上海市徐汇区", date(1986, 11, 5), 0.15, (
        Branch("01", "研发分工会", (
            Leaf("1", "结构设计组", ("机械工程师", "结构工程师"), 15000, "engineer", 0.7),
            Leaf("2", "电气控制组", ("电气工程师", "软件工程师"), 16500, "engineer", 0.75))),
        Branch("02", "试验检测分工会", (
            Leaf("1", "理化试验组", ("试验员", "化验员"), 9800, "engineer", 0.5),
            Leaf("2", "计量检测组", ("计量员", "检测工程师"), 10500, "engineer", 0.55),
            Leaf("3", "综合办公组", ("行政专员", "档案管理员"), 9000, "office", 0.35))),
    )),
)


_CUMULATIVE: dict[int, list[float]] = {}


def pick(rng: random.Random, table: Sequence[tuple[Any, ...]]) -> Any:
    """A row chosen by the weight in its last column (cumulative weights cached per table)."""
    if id(table) not in _CUMULATIVE:
        _CUMULATIVE[id(table)] = list(accumulate(row[-1] for row in table))
    return rng.choices(table, cum_weights=_CUMULATIVE[id(table)])[0]


def mobile(rng: random.Random) -> str:
    """A random mainland mobile number."""
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10 ** 8):08d}"


def person_name(rng: random.Random, male: bool, born: int) -> str:
    """A plausible Chinese name: weighted surname, one or two given-name characters."""
    surname = pick(rng, SURNAMES)[0]
    if born < 1976 and rng.random() < 0.3:
        return surname + rng.choice(OLDER_MALE_NAMES if male else OLDER_FEMALE_NAMES)
    chars = MALE_CHARS if male else FEMALE_CHARS
    if rng.random() < 0.3:
        return surname + rng.choice(chars)
    return surname + "".join(rng.sample(chars, 2))


def luhn(digits: str) -> str:
    """``digits`` followed by its Luhn check digit (bank card numbers)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return digits + str((10 - total % 10) % 10)


def tree_levels(rng: random.Random) -> list[list[dict[str, Any]]]:
    """Rows of the demo organisation tree by level (总工会, 基层工会, 分工会, 工会小组); ``parent`` is a code."""
    hq_code, hq_name, hq_founded = FEDERATION
    levels: list[list[dict[str, Any]]] = [[{"code": hq_code, "name": hq_name, "unit_type": "总工会",
                                            "parent": None, "founded_on": hq_founded}], [], [], []]
    for base in GRASSROOTS:
        levels[1].append({"code": base.code, "name": base.name, "unit_type": "基层工会", "parent": hq_code,
                          "founded_on": base.founded_on})
        for branch in base.branches:
            branch_code = base.code + branch.suffix
            founded = between(rng, base.founded_on, date(2012, 12, 31))
            levels[2].append({"code": branch_code, "name": branch.name, "unit_type": "分工会", "parent": base.code,
                              "founded_on": founded})
            for leaf in branch.leaves:
                levels[3].append({"code": f"{branch_code}G{leaf.suffix}", "name": leaf.name, "unit_type": "工会小组",
                                  "parent": branch_code, "founded_on": between(rng, founded, date(2020, 12, 31))})
    return levels


def between(rng: random.Random, first: date, last: date) -> date:
    """A random day from ``first`` to ``last`` (``first`` when the range is empty)."""
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (28 February for 29 February)."""
    return day.replace(year=day.year + years, day=28 if (day.month, day.day) == (2, 29) else day.day)


def membership(rng: random.Random, birth: date, male: bool, profile: str, joined: date, as_of: date,
               employment: str) -> tuple[str, str, date | None, str | None]:
    """(status, employment status, status changed on, reason) for a member; retirees keep membership on hold."""
    age = as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))
    retire_age = 60 if male else (50 if profile == "worker" else 55)
    roll, changed, reason, status = rng.random(), None, None, "在籍"
    if age >= retire_age:
        return "保留会籍", "退休", years_after(birth, retire_age), "退休，保留会籍"
    if roll < 0.90:
        if age >= 50 and rng.random() < 0.1:
            employment = "内退"
        elif rng.random() < 0.015:
            employment = "病休"
        return status, employment, None, None
    if roll < 0.91:
        status, employment, reason = "保留会籍", "失(无)业", "失业，保留会籍"
    elif roll < 0.94:
        status, reason = "退会", rng.choice(("本人申请退会", "离职，本人申请退会"))
        employment = "失(无)业" if reason.startswith("离职") else employment
    elif roll < 0.97:
        status, reason = "转出中", f"调往{rng.choice(TRANSFER_DESTINATIONS)}，转出"
        changed = as_of - timedelta(days=rng.randint(3, 40))
    elif roll < 0.985:
        status, reason = "已转出", f"调往{rng.choice(TRANSFER_DESTINATIONS)}，转出"
    else:
        return "申请中", employment, None, None
    return status, employment, changed or between(rng, joined + timedelta(days=60), as_of - timedelta(days=30)), reason


def activist_post(rng: random.Random, male: bool) -> str:
    """A union post for an activist (women's committee members are women)."""
    post = pick(rng, ACTIVIST_POSTS)[0]
    return "会员" if male and post == "女工委员" else post


def relief_kinds(cause: str, category: str) -> list[str]:
    """Relief types that suit a hardship case: the usual ones plus medical, schooling or special relief."""
    kinds = ["春节救助", "日常救助", "生活救助", "越冬救助", "换季救助"]
    return kinds + ["医疗救助"] * ("患大病" in cause) + ["助学救助"] * (cause == "子女教育") + \
        ["特殊救助"] * (category == "意外致困")


def email(rng: random.Random, phone: str) -> str:
    """A personal e-mail address: a QQ number or the mobile number at a mail provider."""
    return rng.choice((f"{rng.randrange(10 ** 7, 10 ** 10)}@qq.com", f"{phone}@163.com", f"{phone}@139.com"))


def home_address(rng: random.Random) -> str:
    """A Shanghai home address (lane, building and flat)."""
    return (f"{rng.choice(SHANGHAI_DISTRICTS)}{rng.choice(STREETS)}{rng.randint(1, 1200)}弄"
            f"{rng.randint(1, 60)}号{rng.randint(1, 6)}0{rng.randint(1, 4)}室")
