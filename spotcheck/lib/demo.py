"""A deterministic demo county: 沂源县 (Zibo, Shandong; division 370323) and its public security bureau.

The target-type mix follows the ratio-based items of the bureau's 2022 plan (the seed): with the
default 600 entities there are about 100 users of precursor chemicals (5 % = the plan's 5 drawn),
20 security companies (1 drawn), 40 pharmaceutical companies (2), 60 internet service providers and
networked units (3), and several hundred hotels. Town names are the county's real 2 streets and
10 towns; everything else (names, codes, people, numbers) is invented, though every credit code
and registration number is well-formed and passes its check characters.

Same seed, same county: all randomness comes from one `random.Random(seed)`, and dates are
relative to `as_of`, never to today.
"""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from spotcheck.lib.codes import CREDIT_CODE_ALPHABET, make_credit_code, make_registration_number
from spotcheck.lib.directory import (
    ENTITY_COLUMNS,
    INSPECTOR_COLUMNS,
    OPEN_ENDED,
    OPERATING_STATUS_LABELS,
    RECUSAL_COLUMNS,
    RECUSAL_REASON_LABELS,
    RISK_LEVEL_LABELS,
    InspectorStatus,
    OperatingStatus,
    RecusalReason,
    RiskLevel,
)
from spotcheck.lib.tabular import CellValue, write_csv

COUNTY_NAME = "沂源县"
COUNTY_DIVISION = "370323"
CITY_DIVISION = "370300"  # 淄博市: some firms were registered by the city bureau
TOWNS = (
    "历山街道",
    "南麻街道",
    "鲁村镇",
    "东里镇",
    "悦庄镇",
    "西里镇",
    "大张庄镇",
    "中庄镇",
    "张家坡镇",
    "燕崖镇",
    "石桥镇",
    "南鲁山镇",
)
URBAN_TOWNS = ("历山街道", "南麻街道")
POLICE_AGENCY = "沂源县公安局"
HOUSING_AGENCY = "沂源县住房和城乡建设局"
DEFAULT_AS_OF = date(2024, 3, 1)

HOTELS = "宾馆旅店"
PRECURSORS = "使用易制毒化学品的企业"
SECURITY = "保安服务公司"
PHARMA = "医药公司"
INTERNET = "互联网服务提供者和联网使用单位"
EVENTS = "大型群众性活动承办单位"
FIREWORKS = "焰火燃放活动主办单位"
NOISE = "排放偶发性强烈噪声单位"

# Primary target type per 600 entities. Secondary types are added on top: some hotels are also
# networked units (guest Wi-Fi) and some pharmaceutical firms use precursor chemicals, which
# brings the totals to ~100 precursor users and ~60 internet units.
PRIMARY_MIX_PER_600: tuple[tuple[str, int], ...] = (
    (HOTELS, 358),
    (PRECURSORS, 92),
    (SECURITY, 20),
    (PHARMA, 40),
    (INTERNET, 40),
    (EVENTS, 20),
    (FIREWORKS, 10),
    (NOISE, 20),
)
HOTELS_ALSO_INTERNET_PER_600 = 20
PHARMA_ALSO_PRECURSORS_PER_600 = 8

# Name templates: (pattern, organisation category of the credit code: "1" firm, "2" individual,
# registering division). {brand} is a trade name, {town} the town, {short} the town without 镇/街道.
_NAME_TEMPLATES: dict[str, tuple[tuple[str, str, str], ...]] = {
    HOTELS: (
        ("沂源县{town}{brand}宾馆", "2", COUNTY_DIVISION),
        ("沂源县{brand}旅馆", "2", COUNTY_DIVISION),
        ("沂源县{short}{brand}农家旅馆", "2", COUNTY_DIVISION),
        ("沂源{brand}商务酒店有限公司", "1", COUNTY_DIVISION),
        ("沂源{brand}大酒店有限公司", "1", COUNTY_DIVISION),
    ),
    PRECURSORS: (
        ("沂源县{brand}化工有限公司", "1", COUNTY_DIVISION),
        ("淄博{brand}化学有限公司", "1", CITY_DIVISION),
        ("沂源{brand}新材料科技有限公司", "1", COUNTY_DIVISION),
        ("沂源县{brand}陶瓷有限公司", "1", COUNTY_DIVISION),
        ("山东{brand}生物科技有限公司", "1", COUNTY_DIVISION),
    ),
    SECURITY: (
        ("淄博{brand}保安服务有限公司", "1", CITY_DIVISION),
        ("沂源县{brand}保安服务有限公司", "1", COUNTY_DIVISION),
        ("山东{brand}保安服务有限公司沂源分公司", "1", COUNTY_DIVISION),
    ),
    PHARMA: (
        ("沂源县{brand}医药有限公司", "1", COUNTY_DIVISION),
        ("沂源{brand}大药房有限公司", "1", COUNTY_DIVISION),
        ("淄博{brand}医药连锁有限公司沂源店", "1", COUNTY_DIVISION),
    ),
    INTERNET: (
        ("沂源县{town}{brand}网吧", "2", COUNTY_DIVISION),
        ("沂源{brand}网络科技有限公司", "1", COUNTY_DIVISION),
        ("沂源县{brand}信息技术有限公司", "1", COUNTY_DIVISION),
        ("沂源{brand}网咖有限公司", "1", COUNTY_DIVISION),
    ),
    EVENTS: (
        ("沂源县{brand}文化传媒有限公司", "1", COUNTY_DIVISION),
        ("沂源{brand}体育文化发展有限公司", "1", COUNTY_DIVISION),
        ("沂源县{brand}会展服务有限公司", "1", COUNTY_DIVISION),
    ),
    FIREWORKS: (
        ("沂源县{brand}庆典礼仪服务有限公司", "1", COUNTY_DIVISION),
        ("沂源{brand}焰火燃放服务有限公司", "1", COUNTY_DIVISION),
    ),
    NOISE: (
        ("沂源县{brand}建筑工程有限公司", "1", COUNTY_DIVISION),
        ("沂源{brand}建设工程有限公司", "1", COUNTY_DIVISION),
        ("沂源县{brand}石材有限公司", "1", COUNTY_DIVISION),
    ),
}

_BRAND_LIST = (
    "悦来 鸿运 福源 顺达 金山 祥和 聚福 嘉禾 和平 新华 兴隆 鑫源 沂河 鲁山 织女 牛郎 佳和 万福 惠民 安康 "
    "永安 长青 红星 东方 桃源 泉山 松林 翠峰 田园 丰泽 宏达 瑞丰 天宝 金鼎 龙泉 凤凰 和顺 恒通 信诚 博远 "
    "华泰 润泽 德美 同心 益民 康宁 福瑞 宏昌 源丰 鼎盛 汇通 明远 君安 弘毅 中和 正阳 青松 翔宇 晟达 恒源 "
    "开元 旭日 金穗 银河 春晖 锦程 宝泉 天成 安泰 祥瑞 荣昌 盛世 广源 瑞祥 和谐 鲁中 沂蒙 荆山 历山 螳螂河"
)
_BRANDS = _BRAND_LIST.split()
_SURNAMES = "王张李刘陈杨赵孙周吴徐马朱胡高郭林何宋唐韩任翟石崔董于曹谭亓齐褚"
_GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰国庆建新志红文斌海燕雪梅晓东鹏辉"
)
_ROADS = ("振兴路", "胜利路", "鲁山路", "沂河路", "历山路", "荆山路", "人民路", "健康路", "城中路")
_VILLAGE_PREFIXES = ("东", "西", "南", "北", "前", "后", "上", "下", "大", "小")
_VILLAGE_STEMS = ("庄", "峪", "官庄", "河", "岭", "沟", "崖", "店", "坡", "泉")

_RISK_WEIGHTS = (
    (RiskLevel.LOW, 70),
    (RiskLevel.MEDIUM_LOW, 20),
    (RiskLevel.MEDIUM, 8),
    (RiskLevel.HIGH, 2),
)
_STATUS_WEIGHTS = (
    (OperatingStatus.ACTIVE, 900),
    (OperatingStatus.SUSPENDED, 40),
    (OperatingStatus.DEREGISTERED, 30),
    (OperatingStatus.REVOKED, 20),
    (OperatingStatus.CANCELLED, 5),
    (OperatingStatus.MOVED_OUT, 5),
)

# Police units of the county bureau: (department, size, posts, qualifications).
_POLICE_UNITS: tuple[tuple[str, int, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "治安大队",
        10,
        ("大队长", "副大队长", "中队长", "民警"),
        ("特种行业管理", "保安服务管理", "危险化学品治安管理", "大型活动安全管理", "烟花爆竹管理"),
    ),
    ("禁毒大队", 6, ("大队长", "副大队长", "民警"), ("易制毒化学品管理", "危险化学品治安管理")),
    (
        "网安大队",
        7,
        ("大队长", "副大队长", "民警"),
        ("网络安全监督检查", "等级保护", "互联网上网服务管理"),
    ),
    ("法制大队", 2, ("大队长", "民警"), ("法制审核",)),
)
_STATION_SIZE = 3
_STATION_QUALIFICATIONS = ("特种行业管理", "治安管理", "大型活动安全管理")
_HOUSING_UNITS: tuple[tuple[str, int, tuple[str, ...], tuple[str, ...]], ...] = (
    ("建筑市场监管科", 3, ("科长", "科员"), ("房屋建筑安全", "建筑市场管理")),
    ("质量安全监督站", 3, ("站长", "监督员"), ("建筑工程质量", "房屋建筑安全")),
)
_RISK_BASES = (
    "{year}年度信用风险分类结果",
    "上年度抽查未发现问题",
    "日常检查情况",
    "企业信用风险分类管理系统评定",
)


@dataclass(frozen=True, slots=True)
class DemoEntity:
    name: str
    code: str  # credit code, 15-digit registration number, or "" when the entity has none
    target_types: tuple[str, ...]
    town: str
    address: str
    legal_representative: str
    phone: str
    risk_level: RiskLevel
    risk_assessed_on: date
    risk_basis: str
    status: OperatingStatus
    licence_number: str
    licence_valid_until: date | None
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoInspector:
    name: str
    badge_number: str  # 警号; officers of other departments have none
    certificate_number: str
    certificate_valid_until: date
    unit: str
    department: str
    post: str
    qualifications: tuple[str, ...]
    status: InspectorStatus
    status_label: str


@dataclass(frozen=True, slots=True)
class DemoRecusal:
    inspector_name: str
    certificate_number: str
    entity_name: str
    entity_code: str
    reason: RecusalReason
    valid_from: date
    valid_until: date | None
    note: str


@dataclass(frozen=True, slots=True)
class DemoCounty:
    seed: int
    as_of: date
    name: str
    division: str
    towns: tuple[str, ...]
    target_types: tuple[str, ...]
    entities: tuple[DemoEntity, ...]
    inspectors: tuple[DemoInspector, ...]
    recusals: tuple[DemoRecusal, ...]

    def entities_of_type(self, target_type: str) -> list[DemoEntity]:
        return [entity for entity in self.entities if target_type in entity.target_types]


def _scaled_counts(total: int) -> list[tuple[str, int]]:
    """Split `total` over the primary mix by largest remainder, at least one each when possible."""
    weights = [weight for _, weight in PRIMARY_MIX_PER_600]
    scale = total / sum(weights)
    counts = [int(weight * scale) for weight in weights]
    remainders = sorted(
        range(len(weights)),
        key=lambda index: (weights[index] * scale - counts[index], -index),
        reverse=True,
    )
    for index in remainders[: total - sum(counts)]:
        counts[index] += 1
    if total >= len(weights):
        for index, count in enumerate(counts):
            if count == 0:
                counts[index] = 1
                counts[counts.index(max(counts))] -= 1
    return [(name, count) for (name, _), count in zip(PRIMARY_MIX_PER_600, counts, strict=True)]


_Choice = TypeVar("_Choice")


class _CountyBuilder:
    def __init__(self, seed: int, as_of: date) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.used_names: set[str] = set()
        self.used_codes: set[str] = set()
        self.used_person_names: set[str] = set()
        self.licences_issued = 0

    def weighted(self, table: Sequence[tuple[_Choice, int]]) -> _Choice:
        return self.rng.choices([item for item, _ in table], [weight for _, weight in table])[0]

    def person_name(self, *, unique: bool = False) -> str:
        while True:
            given = "".join(
                self.rng.choice(_GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2)))
            )
            name = self.rng.choice(_SURNAMES) + given
            if not unique or name not in self.used_person_names:
                self.used_person_names.add(name)
                return name

    def phone(self) -> str:
        if self.rng.random() < 0.7:
            return (
                "1"
                + self.rng.choice("3578")
                + "".join(self.rng.choice("0123456789") for _ in range(9))
            )
        return f"0533-32{self.rng.randrange(10000, 100000)}"

    def address(self, town: str) -> str:
        if town in URBAN_TOWNS:
            return f"{COUNTY_NAME}{town}{self.rng.choice(_ROADS)}{self.rng.randrange(1, 300)}号"
        village = self.rng.choice(_VILLAGE_PREFIXES) + self.rng.choice(_VILLAGE_STEMS)
        return f"{COUNTY_NAME}{town}{village}村"

    def entity_name(self, target_type: str, town: str) -> tuple[str, str, str]:
        short = town.removesuffix("街道").removesuffix("镇")
        while True:
            pattern, category, division = self.rng.choice(_NAME_TEMPLATES[target_type])
            if "农家" in pattern and town in URBAN_TOWNS:
                continue  # farm-stay inns are a rural thing
            name = pattern.format(brand=self.rng.choice(_BRANDS), town=town, short=short)
            if name not in self.used_names:
                self.used_names.add(name)
                return name, category, division

    def code(self, category: str, division: str) -> str:
        roll = self.rng.random()
        while True:
            if roll < 0.015:
                return ""  # some small businesses were listed before they had any code
            if roll < 0.035:
                # Legacy 15-digit number: sequence starting 6-9 for individuals, 0-3 for firms.
                first = self.rng.choice("6789" if category == "2" else "0123")
                sequence = first + "".join(self.rng.choice("0123456789") for _ in range(7))
                code = make_registration_number(division, sequence)
            elif roll < 0.3 and category == "1":
                # Firms older than 2015 kept their 8-digit organisation code.
                body = self.rng.choice("67") + "".join(
                    self.rng.choice("0123456789") for _ in range(7)
                )
                code = make_credit_code("9", category, division, body)
            else:
                body = "MA" + "".join(self.rng.choice(CREDIT_CODE_ALPHABET) for _ in range(6))
                code = make_credit_code("9", category, division, body)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def days_around(self, earliest: int, latest: int) -> date:
        return self.as_of + timedelta(days=self.rng.randrange(earliest, latest + 1))

    def entity(self, target_type: str) -> DemoEntity:
        town = self.rng.choice(TOWNS)
        name, category, division = self.entity_name(target_type, town)
        risk = self.weighted(_RISK_WEIGHTS)
        status = self.weighted(_STATUS_WEIGHTS)
        assessed = self.days_around(-400, -30)
        basis = self.rng.choice(_RISK_BASES).format(year=assessed.year - 1)
        if risk is RiskLevel.HIGH:
            basis = "近两年存在治安违法记录"
        licence_number = ""
        licence_valid_until: date | None = None
        tags: list[str] = []
        if target_type == HOTELS:
            if town not in URBAN_TOWNS:
                tags.append("农村旅馆")
            if self.rng.random() < 0.93:
                issued = self.rng.randrange(2015, self.as_of.year + 1)
                self.licences_issued += 1
                licence_number = f"沂公特旅字〔{issued}〕第{self.licences_issued:04d}号"
                licence_valid_until = self.days_around(-150, 5 * 365)
        if risk in (RiskLevel.MEDIUM, RiskLevel.HIGH):
            tags.append("重点监管")
        return DemoEntity(
            name=name,
            code=self.code(category, division),
            target_types=(target_type,),
            town=town,
            address=self.address(town),
            legal_representative=self.person_name(),
            phone=self.phone(),
            risk_level=risk,
            risk_assessed_on=assessed,
            risk_basis=basis,
            status=status,
            licence_number=licence_number,
            licence_valid_until=licence_valid_until,
            tags=tuple(tags),
        )

    def inspector(
        self,
        unit: str,
        department: str,
        posts: Sequence[str],
        qualifications: Sequence[str],
        number: str,
    ) -> DemoInspector:
        police = unit == POLICE_AGENCY
        count = self.rng.randrange(1, min(3, len(qualifications)) + 1)
        return DemoInspector(
            name=self.person_name(unique=True),
            badge_number=f"{self.rng.randrange(100000, 1000000)}" if police else "",
            certificate_number=number,
            certificate_valid_until=self.days_around(60, 6 * 365),
            unit=unit,
            department=department,
            post=self.rng.choice(posts),
            qualifications=tuple(self.rng.sample(list(qualifications), count)),
            status=InspectorStatus.ACTIVE,
            status_label="在职",
        )


def generate_county(seed: int, entities: int = 600, *, as_of: date = DEFAULT_AS_OF) -> DemoCounty:
    """Build the demo county; the same arguments always give the same county."""
    if entities < 1:
        raise ValueError("need at least one entity")
    builder = _CountyBuilder(seed, as_of)
    rng = builder.rng

    built: list[DemoEntity] = []
    for target_type, count in _scaled_counts(entities):
        built.extend(builder.entity(target_type) for _ in range(count))
    scale = entities / sum(weight for _, weight in PRIMARY_MIX_PER_600)
    for primary, extra, wanted in (
        (HOTELS, INTERNET, HOTELS_ALSO_INTERNET_PER_600),
        (PHARMA, PRECURSORS, PHARMA_ALSO_PRECURSORS_PER_600),
    ):
        candidates = [
            index for index, entity in enumerate(built) if entity.target_types == (primary,)
        ]
        for index in rng.sample(candidates, min(len(candidates), round(wanted * scale))):
            entity = built[index]
            built[index] = _with_types(entity, (*entity.target_types, extra))
    rng.shuffle(built)
    built = _operator_named_inns(builder, built)

    inspectors = _inspectors(builder)
    recusals = _recusals(builder, built, inspectors)
    return DemoCounty(
        seed=seed,
        as_of=as_of,
        name=COUNTY_NAME,
        division=COUNTY_DIVISION,
        towns=TOWNS,
        target_types=tuple(name for name, _ in PRIMARY_MIX_PER_600),
        entities=tuple(built),
        inspectors=tuple(inspectors),
        recusals=tuple(recusals),
    )


def _with_types(entity: DemoEntity, target_types: tuple[str, ...]) -> DemoEntity:
    return dataclasses.replace(entity, target_types=target_types)


# Share of the sole traders' farm-stay inns (农家旅馆, a 个体工商户's "92…" code) that trade under
# their operator's name instead of a 字号, as many do: the portal then publishes the name with
# the operator masked (沂源县燕崖谭*农家旅馆), which the demo should show.
OPERATOR_NAMED_INN_SHARE = 0.5


def _operator_named_inns(builder: _CountyBuilder, built: list[DemoEntity]) -> list[DemoEntity]:
    """Some sole traders' farm-stay inns renamed after their operator. Decided by a generator of
    their own (seeded from the county's seed), so the rest of the county (codes, people, and so
    the draws) is the one the seed always gave."""
    rng = random.Random(f"{builder.seed}:operator-named-inns")
    renamed = []
    for entity in built:
        if (
            entity.target_types[0] == HOTELS
            and entity.code.startswith("92")
            and entity.name.endswith("农家旅馆")
            and rng.random() < OPERATOR_NAMED_INN_SHARE
        ):
            short = entity.town.removesuffix("街道").removesuffix("镇")
            name = f"{COUNTY_NAME}{short}{entity.legal_representative}农家旅馆"
            if name not in builder.used_names:
                builder.used_names.add(name)
                builder.used_names.discard(entity.name)
                entity = dataclasses.replace(entity, name=name)
        renamed.append(entity)
    return renamed


def _inspectors(builder: _CountyBuilder) -> list[DemoInspector]:
    rng = builder.rng
    inspectors: list[DemoInspector] = []
    units = [(POLICE_AGENCY, *unit) for unit in _POLICE_UNITS]
    units += [
        (
            POLICE_AGENCY,
            f"{town.removesuffix('街道').removesuffix('镇')}派出所",
            _STATION_SIZE,
            ("所长", "副所长", "民警"),
            _STATION_QUALIFICATIONS,
        )
        for town in TOWNS
    ]
    police_count = sum(size for _, _, size, _, _ in units)
    units += [(HOUSING_AGENCY, *unit) for unit in _HOUSING_UNITS]
    for unit, department, size, posts, qualifications in units:
        for _ in range(size):
            index = len(inspectors) + 1
            prefix = "鲁公执" if unit == POLICE_AGENCY else "鲁建执"
            number = f"{prefix}{COUNTY_DIVISION}{index:04d}"
            inspectors.append(builder.inspector(unit, department, posts, qualifications, number))
    # A few certificates ran out and a few officers left: the directory keeps them, matching must not.
    for index in rng.sample(range(police_count), 3):
        inspectors[index] = dataclasses.replace(
            inspectors[index], certificate_valid_until=builder.days_around(-200, -10)
        )
    for index, label in zip(
        rng.sample(range(len(inspectors)), 3), ("退休", "离职", "停职"), strict=True
    ):
        inspectors[index] = dataclasses.replace(
            inspectors[index], status=InspectorStatus.INACTIVE, status_label=label
        )
    return inspectors


_RECUSAL_NOTES = {
    RecusalReason.RELATIVE: "近亲属为该单位经营者",
    RecusalReason.FORMER_EMPLOYMENT: "曾在该单位工作",
    RecusalReason.DECLARED_INTEREST: "本人申报存在利害关系",
    RecusalReason.RECENT_CASE: "近期办理涉及该单位的案件",
}


def _recusals(
    builder: _CountyBuilder, entities: Sequence[DemoEntity], inspectors: Sequence[DemoInspector]
) -> list[DemoRecusal]:
    rng = builder.rng
    count = min(max(3, len(entities) // 75), len(entities), len(inspectors))
    pairs = list(
        zip(rng.sample(list(inspectors), count), rng.sample(list(entities), count), strict=False)
    )
    recusals: list[DemoRecusal] = []
    for inspector, entity in pairs:
        reason = rng.choice(list(RecusalReason))
        valid_from = builder.days_around(-365, 0)
        valid_until: date | None = None
        if reason is RecusalReason.RECENT_CASE:
            valid_until = valid_from + timedelta(days=365)
        elif reason is RecusalReason.FORMER_EMPLOYMENT:
            valid_until = valid_from + timedelta(days=3 * 365)
        recusals.append(
            DemoRecusal(
                inspector_name=inspector.name,
                certificate_number=inspector.certificate_number,
                entity_name=entity.name,
                entity_code=entity.code,
                reason=reason,
                valid_from=valid_from,
                valid_until=valid_until,
                note=_RECUSAL_NOTES[reason],
            )
        )
    return recusals


def _date_text(day: date | None) -> str:
    if day is None:
        return ""
    return "长期" if day == OPEN_ENDED else day.isoformat()


def entity_rows(county: DemoCounty) -> list[list[CellValue]]:
    """Rows in the column order of ENTITY_COLUMNS."""
    return [
        [
            entity.name,
            entity.code if len(entity.code) != 15 else "",
            entity.code if len(entity.code) == 15 else "",
            "、".join(entity.target_types),
            entity.town,
            entity.address,
            entity.legal_representative,
            entity.phone,
            RISK_LEVEL_LABELS[entity.risk_level],
            _date_text(entity.risk_assessed_on),
            entity.risk_basis,
            OPERATING_STATUS_LABELS[entity.status],
            entity.licence_number,
            _date_text(entity.licence_valid_until),
            "、".join(entity.tags),
        ]
        for entity in county.entities
    ]


def inspector_rows(county: DemoCounty) -> list[list[CellValue]]:
    """Rows in the column order of INSPECTOR_COLUMNS."""
    return [
        [
            inspector.name,
            inspector.badge_number,
            inspector.certificate_number,
            _date_text(inspector.certificate_valid_until),
            inspector.unit,
            inspector.department,
            inspector.post,
            "、".join(inspector.qualifications),
            inspector.status_label,
        ]
        for inspector in county.inspectors
    ]


def recusal_rows(county: DemoCounty) -> list[list[CellValue]]:
    """Rows in the column order of RECUSAL_COLUMNS."""
    return [
        [
            recusal.inspector_name,
            recusal.certificate_number,
            recusal.entity_name,
            recusal.entity_code,
            RECUSAL_REASON_LABELS[recusal.reason],
            _date_text(recusal.valid_from),
            _date_text(recusal.valid_until),
            recusal.note,
        ]
        for recusal in county.recusals
    ]


def write_demo_files(county: DemoCounty, directory: Path) -> dict[str, Path]:
    """Write entities.csv, inspectors.csv and recusals.csv with the import templates' headers."""
    directory.mkdir(parents=True, exist_ok=True)
    outputs = {
        "entities.csv": ([spec.label for spec in ENTITY_COLUMNS], entity_rows(county)),
        "inspectors.csv": ([spec.label for spec in INSPECTOR_COLUMNS], inspector_rows(county)),
        "recusals.csv": ([spec.label for spec in RECUSAL_COLUMNS], recusal_rows(county)),
    }
    paths: dict[str, Path] = {}
    for filename, (header, rows) in outputs.items():
        path = directory / filename
        # Written aside and renamed: a reader (another process setting up the same demo) never
        # sees a half-written file.
        partial = directory / f".{filename}.{os.getpid()}.partial"
        with partial.open("wb") as stream:
            write_csv(stream, header, rows)
        os.replace(partial, path)
        paths[filename] = path
    return paths
