"""Static data behind the sample portfolio: industries, regions and name parts.

The figures are plausible orders of magnitude for Chinese corporate borrowers, not statistics:
they make ratios land where a credit analyst expects them (a wholesaler turns its assets over
about twice a year on a thin margin, a developer about 0.2 times, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "INDUSTRIES",
    "PROFILES",
    "PROVINCES",
    "TRADE_NAMES",
    "Industry",
    "Profile",
    "profile_values",
    "weights",
]


@dataclass(frozen=True)
class Profile:
    """Economics of a kind of business.

    ``turnover`` is revenue / total assets, ``rev_per_head`` revenue per employee in 万元,
    ``ca_share`` current assets / total assets, ``mix`` the shares of cash, inventory and
    receivables in current assets, ``risk`` an additive logit effect on the default odds.
    """

    turnover: float
    gross_margin: float
    ebit_margin: float
    leverage: float
    ca_share: float
    mix: tuple[float, float, float]
    rev_per_head: float
    tech: float
    risk: float


PROFILES: dict[str, Profile] = {
    "agri": Profile(0.6, 0.15, 0.05, 0.50, 0.40, (0.20, 0.45, 0.20), 35, 0.02, 0.25),
    "mining": Profile(0.5, 0.30, 0.10, 0.58, 0.30, (0.30, 0.20, 0.30), 120, 0.03, 0.20),
    "mfg": Profile(0.9, 0.18, 0.06, 0.55, 0.55, (0.20, 0.35, 0.35), 70, 0.08, 0.00),
    "mfg_tech": Profile(0.75, 0.28, 0.09, 0.48, 0.60, (0.25, 0.30, 0.35), 80, 0.40, -0.15),
    "energy": Profile(0.25, 0.32, 0.16, 0.65, 0.25, (0.30, 0.10, 0.55), 200, 0.10, -0.30),
    "build": Profile(0.8, 0.10, 0.04, 0.66, 0.75, (0.15, 0.30, 0.50), 60, 0.03, 0.35),
    "wholesale": Profile(2.0, 0.08, 0.025, 0.62, 0.80, (0.20, 0.35, 0.40), 300, 0.02, 0.10),
    "retail": Profile(1.5, 0.20, 0.03, 0.58, 0.70, (0.30, 0.50, 0.10), 60, 0.01, 0.15),
    "transport": Profile(0.7, 0.15, 0.06, 0.60, 0.35, (0.30, 0.05, 0.55), 50, 0.02, 0.10),
    "storage": Profile(0.5, 0.25, 0.08, 0.55, 0.30, (0.35, 0.10, 0.45), 60, 0.02, 0.05),
    "postal": Profile(1.2, 0.12, 0.04, 0.50, 0.50, (0.45, 0.02, 0.45), 30, 0.05, -0.05),
    "hotel": Profile(0.4, 0.50, 0.05, 0.55, 0.20, (0.50, 0.10, 0.25), 20, 0.01, 0.30),
    "food": Profile(1.3, 0.55, 0.04, 0.50, 0.35, (0.60, 0.20, 0.10), 15, 0.01, 0.35),
    "telecom": Profile(0.6, 0.35, 0.12, 0.45, 0.35, (0.40, 0.05, 0.45), 150, 0.30, -0.25),
    "software": Profile(0.8, 0.45, 0.10, 0.38, 0.75, (0.40, 0.05, 0.50), 45, 0.55, -0.10),
    "realestate": Profile(0.18, 0.28, 0.14, 0.76, 0.85, (0.12, 0.75, 0.05), 400, 0.01, 0.55),
    "property": Profile(0.9, 0.18, 0.06, 0.55, 0.70, (0.45, 0.02, 0.45), 12, 0.02, 0.00),
    "leasing": Profile(0.25, 0.40, 0.15, 0.70, 0.30, (0.25, 0.02, 0.60), 250, 0.02, 0.10),
    "business": Profile(0.9, 0.35, 0.08, 0.48, 0.70, (0.40, 0.05, 0.50), 40, 0.10, 0.05),
    "research": Profile(0.7, 0.40, 0.09, 0.42, 0.70, (0.40, 0.10, 0.45), 50, 0.60, -0.15),
    "environment": Profile(0.35, 0.32, 0.10, 0.62, 0.40, (0.25, 0.05, 0.65), 60, 0.30, 0.00),
    "service": Profile(1.0, 0.30, 0.05, 0.50, 0.50, (0.40, 0.20, 0.30), 20, 0.02, 0.20),
    "health": Profile(0.7, 0.30, 0.08, 0.45, 0.45, (0.45, 0.15, 0.35), 25, 0.10, -0.10),
    "culture": Profile(0.6, 0.35, 0.05, 0.45, 0.60, (0.40, 0.15, 0.40), 40, 0.10, 0.25),
    "education": Profile(0.8, 0.45, 0.07, 0.40, 0.50, (0.70, 0.02, 0.10), 15, 0.10, 0.20),
}


@dataclass(frozen=True)
class Industry:
    """A GB/T 4754-2017 class used by the sample, its name word and its share of the book."""

    code: str
    word: str
    weight: float
    profile: str


# Weights sum to roughly 100: manufacturing about a third, then trade, construction, services.
INDUSTRIES: tuple[Industry, ...] = (
    Industry("A0111", "农业", 1.2, "agri"),
    Industry("A0311", "牧业", 1.0, "agri"),
    Industry("A0411", "水产", 0.8, "agri"),
    Industry("B0610", "矿业", 0.6, "mining"),
    Industry("B0810", "矿产", 0.4, "mining"),
    Industry("C1311", "粮油", 1.8, "mfg"),
    Industry("C1512", "酒业", 0.8, "mfg"),
    Industry("C1810", "服饰", 2.2, "mfg"),
    Industry("C2614", "化工", 2.0, "mfg"),
    Industry("C2710", "制药", 1.2, "mfg_tech"),
    Industry("C2927", "塑料制品", 2.0, "mfg"),
    Industry("C3011", "建材", 1.5, "mfg"),
    Industry("C3120", "钢铁", 0.8, "mfg"),
    Industry("C3311", "金属制品", 2.5, "mfg"),
    Industry("C3484", "机械", 3.5, "mfg"),
    Industry("C3670", "汽车配件", 2.5, "mfg"),
    Industry("C3825", "光伏科技", 1.2, "mfg_tech"),
    Industry("C3841", "新能源电池", 1.0, "mfg_tech"),
    Industry("C3971", "电子", 2.5, "mfg_tech"),
    Industry("C4011", "智能装备", 1.3, "mfg_tech"),
    Industry("C2110", "家具", 1.5, "mfg"),
    Industry("D4411", "热电", 0.5, "energy"),
    Industry("D4415", "风电", 0.6, "energy"),
    Industry("D4416", "光伏电力", 0.8, "energy"),
    Industry("D4511", "燃气", 0.5, "energy"),
    Industry("D4610", "水务", 0.4, "energy"),
    Industry("E4710", "建设", 3.0, "build"),
    Industry("E4812", "路桥", 1.5, "build"),
    Industry("E4910", "安装工程", 1.5, "build"),
    Industry("E5011", "装饰", 2.0, "build"),
    Industry("F5123", "农产品贸易", 2.5, "wholesale"),
    Industry("F5151", "医药", 1.5, "wholesale"),
    Industry("F5165", "建材贸易", 3.0, "wholesale"),
    Industry("F5176", "电子贸易", 2.5, "wholesale"),
    Industry("F5191", "国际贸易", 2.5, "wholesale"),
    Industry("F5211", "商贸", 2.0, "retail"),
    Industry("F5212", "超市", 1.5, "retail"),
    Industry("F5261", "汽车销售", 1.2, "retail"),
    Industry("F5271", "大药房", 0.8, "retail"),
    Industry("G5431", "物流", 3.0, "transport"),
    Industry("G5522", "航运", 0.6, "transport"),
    Industry("G5821", "国际货运代理", 1.0, "transport"),
    Industry("G5920", "仓储", 1.0, "storage"),
    Industry("G6020", "快递", 0.5, "postal"),
    Industry("H6110", "酒店", 1.0, "hotel"),
    Industry("H6210", "餐饮", 1.5, "food"),
    Industry("I6311", "通信", 0.4, "telecom"),
    Industry("I6421", "网络科技", 1.3, "telecom"),
    Industry("I6513", "软件", 2.5, "software"),
    Industry("I6531", "信息技术", 2.0, "software"),
    Industry("K7010", "置业", 2.2, "realestate"),
    Industry("K7020", "物业", 1.0, "property"),
    Industry("L7111", "汽车租赁", 0.8, "leasing"),
    Industry("L7113", "工程机械租赁", 1.0, "leasing"),
    Industry("L7212", "投资管理", 1.0, "business"),
    Industry("L7251", "广告", 1.2, "business"),
    Industry("L7281", "会展", 0.6, "business"),
    Industry("M7320", "科技研发", 1.3, "research"),
    Industry("M7483", "工程设计", 1.0, "research"),
    Industry("N7721", "环保科技", 1.0, "environment"),
    Industry("N7820", "环境服务", 0.5, "environment"),
    Industry("O8111", "汽车维修", 0.6, "service"),
    Industry("Q8415", "医院", 0.6, "health"),
    Industry("R8810", "文化传媒", 0.8, "culture"),
    Industry("P8391", "教育咨询", 0.4, "education"),
)

# Province, weight in the book, and (city short name, county-level admin division) pairs.
PROVINCES: tuple[tuple[str, float, tuple[tuple[str, str], ...]], ...] = (
    (
        "广东省",
        12,
        (("广州", "440106"), ("深圳", "440305"), ("东莞", "441900"), ("佛山", "440604")),
    ),
    (
        "江苏省",
        11,
        (("南京", "320105"), ("苏州", "320505"), ("无锡", "320214"), ("常州", "320411")),
    ),
    (
        "浙江省",
        10,
        (("杭州", "330106"), ("宁波", "330212"), ("温州", "330302"), ("绍兴", "330602")),
    ),
    ("山东省", 8, (("济南", "370102"), ("青岛", "370202"), ("烟台", "370602"), ("潍坊", "370702"))),
    ("上海市", 6, (("上海", "310115"), ("上海", "310104"))),
    ("北京市", 5, (("北京", "110105"), ("北京", "110108"))),
    ("河南省", 5, (("郑州", "410105"), ("洛阳", "410305"))),
    ("四川省", 5, (("成都", "510107"), ("绵阳", "510703"))),
    ("湖北省", 4, (("武汉", "420106"), ("宜昌", "420502"))),
    ("福建省", 4, (("福州", "350102"), ("厦门", "350203"), ("泉州", "350502"))),
    ("湖南省", 4, (("长沙", "430104"), ("株洲", "430211"))),
    ("安徽省", 4, (("合肥", "340104"), ("芜湖", "340202"))),
    ("河北省", 3, (("石家庄", "130104"), ("唐山", "130203"))),
    ("重庆市", 3, (("重庆", "500112"),)),
    ("天津市", 2, (("天津", "120116"),)),
    ("陕西省", 2, (("西安", "610113"),)),
    ("江西省", 2, (("南昌", "360111"),)),
    ("辽宁省", 2, (("沈阳", "210106"), ("大连", "210204"))),
    ("广西壮族自治区", 1.5, (("南宁", "450103"),)),
    ("云南省", 1.5, (("昆明", "530102"),)),
    ("山西省", 1.2, (("太原", "140105"),)),
    ("贵州省", 1.2, (("贵阳", "520102"),)),
    ("吉林省", 1, (("长春", "220102"),)),
    ("黑龙江省", 1, (("哈尔滨", "230103"),)),
    ("内蒙古自治区", 1, (("呼和浩特", "150102"),)),
    ("新疆维吾尔自治区", 0.8, (("乌鲁木齐", "650104"),)),
    ("甘肃省", 0.7, (("兰州", "620102"),)),
    ("海南省", 0.6, (("海口", "460106"),)),
    ("宁夏回族自治区", 0.3, (("银川", "640104"),)),
    ("青海省", 0.2, (("西宁", "630104"),)),
    ("西藏自治区", 0.1, (("拉萨", "540102"),)),
)

# Two-character trade names (字号) are built from these halves.
TRADE_NAMES: tuple[tuple[str, ...], tuple[str, ...]] = (
    tuple("华宏恒鑫金瑞天海盛兴中永嘉泰新隆安信德远利通博和昌建汇凯祥益达宇丰源聚润荣"),
    tuple("信达泰源盛通隆昌华科丰茂鼎诚发晟辉业邦顺成创力海宇联合腾美泽锦弘晖"),
)


def weights(values: list[float] | tuple[float, ...]) -> np.ndarray:
    """Normalise weights to probabilities."""
    w = np.asarray(values, dtype=float)
    return w / w.sum()


def profile_values(industry: np.ndarray, attr: str) -> np.ndarray:
    """``Profile.<attr>`` of each firm's industry (``industry`` indexes :data:`INDUSTRIES`)."""
    table = np.array([getattr(PROFILES[i.profile], attr) for i in INDUSTRIES], dtype=float)
    return table[industry]
