"""Column vocabularies and row validators of the two directories (一单两库): entities and inspectors.

Also the recusal list (回避关系) that ties an inspector to an entity. Each validator is a pure
function of one row's values (keyed by column key, see `HeaderMap.pick`) and returns either a clean
typed record or the list of `RowError`s a clerk needs to fix the spreadsheet. Nothing here touches
the database: the Django import calls these per row, then does cross-row and database checks.

Chinese synonyms are documented in docs/directory-columns.md, generated from these tables by
`directory_columns_markdown()` and kept in sync by a test.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

from spotcheck.lib import text as textrule
from spotcheck.lib.codes import EntityCodeKind, classify_entity_code
from spotcheck.lib.tabular import ColumnSpec, normalise_header

OPEN_ENDED = date.max
"""Expiry of a licence or certificate written as 长期/长期有效/永久: it never runs out."""

EARLIEST_DATE = date(1949, 10, 1)
LATEST_DATE = date(2099, 12, 31)
# Day 0 of Excel serial dates; counting from here absorbs Excel's fictitious 1900-02-29.
_EXCEL_EPOCH = date(1899, 12, 30)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one cell: row as Excel shows it, column by its Chinese title."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"第{self.row}行“{self.column}”：{self.reason}"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM_LOW = "medium_low"
    MEDIUM = "medium"
    HIGH = "high"


class OperatingStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DEREGISTERED = "deregistered"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    MOVED_OUT = "moved_out"


class InspectorStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class RecusalReason(StrEnum):
    RELATIVE = "relative"
    FORMER_EMPLOYMENT = "former_employment"
    DECLARED_INTEREST = "declared_interest"
    RECENT_CASE = "recent_case"


# ---------------------------------------------------------------------------------------------
# Vocabularies

_LIST_SEPARATORS = re.compile(r"[、,;/|\n\r]+")  # after NFKC, which folds ，；／｜ to ASCII
_TERM_PUNCTUATION = re.compile(r"[、,;/|。.\-_]")
_COLLECTIVE_PREFIXES = ("各类", "各种", "所有")


@functools.lru_cache(maxsize=4096)
def _term_key(text: str) -> str:
    """Matching form of a vocabulary term: no spaces, notes, punctuation; fullwidth folded.

    Cached: a directory repeats a handful of terms (types, levels, statuses) on every row."""
    return _TERM_PUNCTUATION.sub("", normalise_header(text))


def split_list(text: str) -> list[str]:
    """Split a multi-valued cell on 、，,；;／/| and line breaks; drop blanks and repeats."""
    return list(_split_list(text)) if text else []


@functools.lru_cache(maxsize=4096)
def _split_list(text: str) -> tuple[str, ...]:
    # Cached: the cells of a column (types, tags, qualifications) repeat from row to row.
    items: list[str] = []
    for item in _LIST_SEPARATORS.split(unicodedata.normalize("NFKC", text)):
        cleaned = " ".join(item.split())
        if cleaned and cleaned not in items:
            items.append(cleaned)
    return tuple(items)


@dataclass(frozen=True)
class Vocabulary(Generic[T]):
    """Chinese terms, each with synonyms, mapped to one value."""

    values: Mapping[str, T]  # term key -> value
    synonyms: Mapping[str, tuple[str, ...]]  # canonical label -> synonyms as written, for docs

    @classmethod
    def build(cls, groups: Sequence[tuple[T, str, Sequence[str]]]) -> Vocabulary[T]:
        """Groups of (value, canonical label, synonyms)."""
        values: dict[str, T] = {}
        for value, label, synonyms in groups:
            for term in (label, *synonyms):
                key = _term_key(term)
                if values.setdefault(key, value) != value:
                    raise ValueError(f"term {term!r} maps to two values")
        return cls(values=values, synonyms={label: tuple(syn) for _, label, syn in groups})

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.synonyms)

    def parse(self, text: str) -> T | None:
        return self.values.get(_term_key(text))

    def accepted(self) -> str:
        return "、".join(self.labels)


RISK_LEVELS: Vocabulary[RiskLevel] = Vocabulary.build(
    [
        (RiskLevel.LOW, "低风险", ("低", "风险低")),
        (RiskLevel.MEDIUM_LOW, "中低风险", ("中低", "较低风险", "较低")),
        (RiskLevel.MEDIUM, "中风险", ("中", "中等风险", "中等")),
        (RiskLevel.HIGH, "高风险", ("高", "风险高")),
    ]
)
RISK_LEVEL_LABELS: Mapping[RiskLevel, str] = {
    RiskLevel.LOW: "低风险",
    RiskLevel.MEDIUM_LOW: "中低风险",
    RiskLevel.MEDIUM: "中风险",
    RiskLevel.HIGH: "高风险",
}

OPERATING_STATUSES: Vocabulary[OperatingStatus] = Vocabulary.build(
    [
        (
            OperatingStatus.ACTIVE,
            "在营",
            (
                "存续",
                "开业",
                "在业",
                "在册",
                "正常",
                "营业",
                "正常营业",
                "存续（在营、开业、在册）",
            ),
        ),
        (OperatingStatus.SUSPENDED, "停业", ("歇业", "暂停营业", "停业整顿")),
        (OperatingStatus.DEREGISTERED, "注销", ("已注销", "吊销，已注销")),
        (OperatingStatus.REVOKED, "吊销", ("已吊销", "吊销，未注销", "吊销未注销")),
        (OperatingStatus.CANCELLED, "撤销", ("已撤销", "撤销登记")),
        (OperatingStatus.MOVED_OUT, "迁出", ("已迁出",)),
    ]
)
OPERATING_STATUS_LABELS: Mapping[OperatingStatus, str] = {
    OperatingStatus.ACTIVE: "在营",
    OperatingStatus.SUSPENDED: "停业",
    OperatingStatus.DEREGISTERED: "注销",
    OperatingStatus.REVOKED: "吊销",
    OperatingStatus.CANCELLED: "撤销",
    OperatingStatus.MOVED_OUT: "迁出",
}

# The label kept for an inspector says why someone is inactive; the status drives matching.
INSPECTOR_STATUSES: Vocabulary[tuple[InspectorStatus, str]] = Vocabulary.build(
    [
        ((InspectorStatus.ACTIVE, "在职"), "在职", ("在岗", "正常", "有效")),
        ((InspectorStatus.INACTIVE, "离职"), "离职", ("调离", "调出", "辞职")),
        ((InspectorStatus.INACTIVE, "退休"), "退休", ("已退休",)),
        ((InspectorStatus.INACTIVE, "停职"), "停职", ("暂停执法", "暂扣执法证")),
    ]
)

RECUSAL_REASONS: Vocabulary[RecusalReason] = Vocabulary.build(
    [
        (RecusalReason.RELATIVE, "亲属", ("近亲属", "亲属关系", "配偶", "直系亲属")),
        (RecusalReason.FORMER_EMPLOYMENT, "曾任职", ("曾在该单位任职", "曾工作", "原单位")),
        (RecusalReason.DECLARED_INTEREST, "申报利益", ("利益申报", "利害关系", "本人申报")),
        (RecusalReason.RECENT_CASE, "近期办案", ("办案", "正在办理案件", "案件当事人")),
    ]
)
RECUSAL_REASON_LABELS: Mapping[RecusalReason, str] = {
    RecusalReason.RELATIVE: "亲属",
    RecusalReason.FORMER_EMPLOYMENT: "曾任职",
    RecusalReason.DECLARED_INTEREST: "申报利益",
    RecusalReason.RECENT_CASE: "近期办案",
}

_OPEN_ENDED_TERMS = frozenset({"长期", "长期有效", "永久", "永久有效", "无固定期限"})


@dataclass(frozen=True)
class TargetTypeVocabulary:
    """The kinds of entity an agency inspects (检查对象类型), with synonyms, configured per agency."""

    aliases: Mapping[str, tuple[str, ...]]  # canonical name -> synonyms as written
    lookup: Mapping[str, str]  # term key -> canonical name
    licence_types: frozenset[str] = frozenset()  # kinds that must hold a 特种行业许可证

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.aliases)

    @classmethod
    def build(
        cls, types: Mapping[str, Iterable[str]], *, licence_types: Iterable[str] = ()
    ) -> TargetTypeVocabulary:
        lookup: dict[str, str] = {}
        aliases = {name: tuple(terms) for name, terms in types.items()}
        for name, terms in aliases.items():
            for term in (name, *terms):
                if lookup.setdefault(_term_key(term), name) != name:
                    raise ValueError(f"target-type term {term!r} maps to two types")
        licence = frozenset(licence_types)
        if not licence <= set(aliases):
            raise ValueError(f"unknown licence types: {sorted(licence - set(aliases))}")
        return cls(aliases=aliases, lookup=lookup, licence_types=licence)

    def resolve(self, term: str) -> str | None:
        key = _term_key(term)
        found = self.lookup.get(key)
        if found is not None:  # a known term is never stripped of a prefix
            return found
        for prefix in _COLLECTIVE_PREFIXES:  # "各类宾馆" as the plan's 检查对象 column writes it
            if key.startswith(prefix) and key not in self.lookup:
                key = key.removeprefix(prefix)
        return self.lookup.get(key)


# Target types of the 2022 plan of 沂源县公安局 (the seed), as a default for demos and tests.
DEFAULT_TARGET_TYPES = TargetTypeVocabulary.build(
    {
        "宾馆旅店": ("宾馆", "旅店", "旅馆", "酒店", "宾馆、旅店", "旅馆业", "农村旅馆"),
        "使用易制毒化学品的企业": ("易制毒", "易制毒化学品企业", "易制毒化学品使用单位"),
        "保安服务公司": ("保安公司", "保安服务企业"),
        # Item 4 of the plan, 对危险化学品单位监管, names 各类医药公司 as its targets.
        "医药公司": ("医药企业", "医药有限公司", "危险化学品单位"),
        "互联网服务提供者和联网使用单位": (
            "互联网服务提供者",
            "联网使用单位",
            "网吧",
            "互联网上网服务营业场所",
        ),
        "大型群众性活动承办单位": ("大型群众性活动", "大型活动承办单位"),
        "焰火燃放活动主办单位": ("焰火晚会主办单位", "大型焰火燃放活动主办单位"),
        "排放偶发性强烈噪声单位": ("偶发性强烈噪声单位", "噪声排放单位"),
    },
    licence_types=("宾馆旅店",),
)


# ---------------------------------------------------------------------------------------------
# Columns

ENTITY_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "name", "名称", True, ("单位名称", "企业名称", "检查对象名称", "市场主体名称", "对象名称")
    ),
    ColumnSpec(
        "code",
        "统一社会信用代码",
        False,
        ("社会信用代码", "信用代码", "统一代码", "统一社会信用代码/注册号"),
        "18位统一社会信用代码，也可填15位注册号；可空（导入时提示未填写）",
    ),
    ColumnSpec(
        "registration_number",
        "注册号",
        False,
        ("营业执照注册号", "工商注册号"),
        "15位注册号；仅在统一社会信用代码为空时使用",
    ),
    ColumnSpec(
        "target_types",
        "检查对象类型",
        True,
        ("对象类型", "检查对象类别", "检查对象", "行业类别", "类型", "类别"),
        "一个或多个，用、，,；;分隔；须属于本机关的检查对象类型名录",
    ),
    ColumnSpec(
        "town", "乡镇街道", False, ("乡镇", "街道", "乡镇（街道）", "所属乡镇", "属地", "辖区")
    ),
    ColumnSpec(
        "address",
        "地址",
        False,
        ("住所", "经营场所", "住所（经营场所）", "注册地址", "经营地址", "详细地址"),
    ),
    ColumnSpec(
        "legal_representative",
        "法定代表人",
        False,
        ("法人", "法人代表", "负责人", "法定代表人（负责人）", "经营者"),
    ),
    ColumnSpec(
        "phone",
        "联系电话",
        False,
        ("联系方式", "电话", "手机", "手机号", "联系人电话"),
        "至少含7位数字",
    ),
    ColumnSpec(
        "risk_level",
        "风险等级",
        False,
        ("风险分类", "风险级别", "信用风险等级", "信用风险分类"),
        RISK_LEVELS.accepted() + "（也可写低、中低、中、高）；可空",
    ),
    ColumnSpec(
        "risk_assessed_on",
        "风险评定日期",
        False,
        ("评定日期", "风险评定时间", "评级日期"),
        "日期，如2024-05-01、2024/5/1、2024年5月1日或Excel日期",
    ),
    ColumnSpec("risk_basis", "风险评定依据", False, ("评定依据", "风险依据", "评级依据")),
    ColumnSpec(
        "status",
        "经营状态",
        False,
        ("登记状态", "企业状态", "状态"),
        OPERATING_STATUSES.accepted() + "（存续、开业等视为在营）；空视为在营",
    ),
    ColumnSpec(
        "licence_number",
        "特种行业许可证号",
        False,
        ("许可证号", "特种行业许可证编号", "许可证编号", "特种行业许可证"),
    ),
    ColumnSpec(
        "licence_valid_until",
        "许可证有效期至",
        False,
        ("许可证有效期", "有效期至", "许可证到期日期"),
        "日期，或“长期”",
    ),
    ColumnSpec("tags", "标签", False, ("备注标签", "特殊名录", "分组"), "多个用、，,；;分隔"),
)

INSPECTOR_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("name", "姓名", True, ("检查人员姓名", "执法人员姓名", "人员姓名")),
    ColumnSpec("badge_number", "警号", False, ("工号", "人员编号")),
    ColumnSpec(
        "certificate_number",
        "执法证号",
        True,
        ("执法证件号", "执法证件号码", "执法证编号", "行政执法证号", "执法资格证号"),
    ),
    ColumnSpec(
        "certificate_valid_until",
        "执法证有效期至",
        True,
        ("执法证有效期", "证件有效期至", "有效期至", "有效期"),
        "日期，或“长期”",
    ),
    ColumnSpec(
        "unit", "单位", True, ("机关", "单位/机关", "所属单位", "执法单位", "执法机关", "工作单位")
    ),
    ColumnSpec(
        "department", "部门", False, ("科室", "部门/科室", "所属部门", "内设机构", "科所队")
    ),
    ColumnSpec("post", "职务", False, ("岗位", "职务/岗位", "职级")),
    ColumnSpec(
        "qualifications",
        "专业领域",
        False,
        ("资格", "专业领域/资格", "专业资格", "专长", "执法领域"),
        "多个用、，,；;分隔",
    ),
    ColumnSpec(
        "status",
        "状态",
        False,
        ("人员状态", "在职状态"),
        "在职（在岗）为可参与匹配；离职、退休、停职为不参与；空视为在职",
    ),
)

RECUSAL_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("inspector_name", "检查人员姓名", True, ("姓名", "执法人员姓名")),
    ColumnSpec("certificate_number", "执法证号", True, ("执法证件号", "执法证编号")),
    ColumnSpec("entity_name", "检查对象名称", True, ("名称", "单位名称", "企业名称")),
    ColumnSpec(
        "entity_code",
        "统一社会信用代码",
        False,
        ("社会信用代码", "注册号"),
        "有代码时按代码匹配检查对象，否则按名称",
    ),
    ColumnSpec("reason", "回避原因", True, ("回避事由", "原因"), RECUSAL_REASONS.accepted()),
    ColumnSpec("valid_from", "生效日期", False, ("开始日期", "起始日期"), "日期；空为立即生效"),
    ColumnSpec("valid_until", "失效日期", False, ("截止日期", "结束日期"), "日期；空为长期有效"),
    ColumnSpec("note", "说明", False, ("备注",)),
)


def _label(columns: Sequence[ColumnSpec], key: str) -> str:
    return next(spec.label for spec in columns if spec.key == key)


# ---------------------------------------------------------------------------------------------
# Cell parsers

_DATE_PATTERN = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT_DATE_PATTERN = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL_PATTERN = re.compile(r"\d{1,6}(?:\.\d+)?")
_ISO_DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str, *, allow_open_ended: bool = False) -> date:
    """Read a date as clerks write it; raise ValueError with a Chinese reason.

    Accepts 2024-05-01, 2024/5/1, 2024.5.1, 2024年5月1日, 20240501, a trailing time, and Excel
    serial numbers (45413), which is what a date cell formatted as General turns into.
    """
    if _ISO_DATE_PATTERN.fullmatch(text):
        # Fast path for 2024-05-01; anything it rejects takes the full path for the message.
        try:
            parsed = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if EARLIEST_DATE <= parsed <= LATEST_DATE:
                return parsed
    return _parse_date(text, allow_open_ended=allow_open_ended)


def _parse_date(text: str, *, allow_open_ended: bool) -> date:
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if allow_open_ended and _term_key(cleaned) in _OPEN_ENDED_TERMS:
        return OPEN_ENDED
    parsed: date | None = None
    if match := _DATE_PATTERN.fullmatch(cleaned) or _COMPACT_DATE_PATTERN.fullmatch(cleaned):
        year, month, day = (int(part) for part in match.groups())
        try:
            parsed = date(year, month, day)
        except ValueError:
            raise ValueError(f"日期“{text}”不存在") from None
    elif _SERIAL_PATTERN.fullmatch(cleaned):
        parsed = _EXCEL_EPOCH + timedelta(days=int(float(cleaned)))
    if parsed is None:
        hint = "或“长期”" if allow_open_ended else ""
        raise ValueError(f"无法识别的日期“{text}”，请写作2024-05-01或2024年5月1日{hint}")
    if not EARLIEST_DATE <= parsed <= LATEST_DATE:
        raise ValueError(f"日期“{text}”（{parsed.isoformat()}）超出合理范围")
    return parsed


def _clean_text(text: str) -> str:
    """Trim and collapse inner whitespace; names keep their fullwidth brackets (official form)."""
    return " ".join(text.split())


def _clean_identifier(text: str) -> str:
    if not text:
        return text
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


# What clerks type into an optional cell to say "nothing here".
NO_VALUE_MARKERS = frozenset({"无", "暂无", "没有", "空", "/", "-", "—", "——", "－", "无代码"})


class _RowChecker:
    """Collects errors and warnings for one row."""

    def __init__(self, row: int, columns: Sequence[ColumnSpec], values: Mapping[str, str]) -> None:
        self.row = row
        self.columns = columns
        self.values = values
        self.errors: list[RowError] = []
        self.warnings: list[str] = []
        for key, value in values.items():
            # Line breaks inside a cell are collapsed by text(); other controls are refused
            # (NUL cannot be stored by PostgreSQL, others make look-alike names).
            position = textrule.find_control(value, multi_line=True)
            if position is not None:
                character = textrule.describe_control(value[position])
                self.error(key, f"第{position + 1}个字符是控制字符{character}，请删除")

    def raw(self, key: str) -> str:
        value = self.values.get(key, "").strip()
        return "" if value in NO_VALUE_MARKERS else value

    def text(self, key: str, *, max_length: int = 200) -> str:
        value = self.values.get(key, "").strip()  # self.raw and _clean_text, inlined
        value = "" if value in NO_VALUE_MARKERS else " ".join(value.split())
        if not value and next(spec for spec in self.columns if spec.key == key).required:
            self.error(key, "必填，不能为空")
        elif len(value) > max_length:
            self.error(key, f"长度不能超过{max_length}个字，实际为{len(value)}个字")
        return value

    def error(self, key: str, reason: str) -> None:
        self.errors.append(RowError(self.row, _label(self.columns, key), reason))

    def date(
        self, key: str, *, required: bool = False, allow_open_ended: bool = False
    ) -> date | None:
        raw = self.raw(key)
        if not raw:
            if required:
                self.error(key, "必填，不能为空")
            return None
        try:
            return parse_date(raw, allow_open_ended=allow_open_ended)
        except ValueError as error:
            self.error(key, str(error))
            return None

    def choice(self, key: str, vocabulary: Vocabulary[T], default: T) -> T:
        parsed = self.optional_choice(key, vocabulary)
        return default if parsed is None else parsed

    def optional_choice(
        self, key: str, vocabulary: Vocabulary[T], *, required: bool = False
    ) -> T | None:
        raw = self.raw(key)
        if not raw:
            if required:
                self.error(key, "必填，不能为空")
            return None
        parsed = vocabulary.parse(raw)
        if parsed is None:
            self.error(key, f"无法识别“{raw}”，应为{vocabulary.accepted()}之一")
        return parsed

    def list(self, key: str) -> list[str]:
        return split_list(self.raw(key))


# ---------------------------------------------------------------------------------------------
# Entities


@dataclass(frozen=True, slots=True)
class EntityRecord:
    row: int
    name: str
    code: str
    code_kind: EntityCodeKind
    target_types: tuple[str, ...]
    town: str
    address: str
    legal_representative: str
    phone: str
    risk_level: RiskLevel | None
    risk_assessed_on: date | None
    risk_basis: str
    status: OperatingStatus
    licence_number: str
    licence_valid_until: date | None
    tags: tuple[str, ...]
    warnings: tuple[str, ...] = ()


_TOWN_SUFFIXES = ("街道办事处", "街道", "镇", "乡")


def _town_key(name: str) -> str:
    key = "".join(name.split())
    for suffix in _TOWN_SUFFIXES:
        if key.endswith(suffix):
            return key.removesuffix(suffix)
    return key


def resolve_town(text: str, towns: Collection[str]) -> str | None:
    """Match 鲁村、鲁村镇、沂源县鲁村镇 to the configured town name 鲁村镇."""
    cleaned = "".join(unicodedata.normalize("NFKC", text).split())
    if cleaned in towns:
        return cleaned
    key = _town_key(cleaned)
    candidates = [town for town in towns if _town_key(town) == key or cleaned.endswith(town)]
    return candidates[0] if len(candidates) == 1 else None


def _digit_count(text: str) -> int:
    return len(text) if text.isdigit() else sum(map(str.isdigit, text))


def validate_entity_row(
    row: int,
    values: Mapping[str, str],
    *,
    target_types: TargetTypeVocabulary = DEFAULT_TARGET_TYPES,
    towns: Collection[str] | None = None,
    today: date | None = None,
) -> EntityRecord | list[RowError]:
    """Check one row of the entity directory (检查对象名录库).

    `towns`, when given, restricts 乡镇街道 to those names; `today`, when given, lets the check
    warn about expired licences and reject risk assessments dated in the future.
    """
    check = _RowChecker(row, ENTITY_COLUMNS, values)
    name = check.text("name")

    # Platforms export the credit code and the old registration number as separate columns;
    # the credit code wins, the registration number stands in only when there is none.
    entity_code = classify_entity_code(check.raw("code"))
    for problem in entity_code.errors:
        check.error("code", problem)
    registration = classify_entity_code(check.raw("registration_number"))
    for problem in registration.errors:
        check.error("registration_number", problem)
    if entity_code.kind == "none" and not entity_code.errors:
        entity_code = registration
    if entity_code.kind == "none" and not check.errors:
        check.warnings.append("未填写统一社会信用代码或注册号")
    elif entity_code.kind == "registration_number":
        check.warnings.append("使用旧版15位注册号，建议更新为统一社会信用代码")

    kinds: list[str] = []
    raw_types = check.raw("target_types")
    for term in split_list(raw_types):
        kind = target_types.resolve(term)
        if kind is None:
            check.error(
                "target_types",
                f"“{term}”不是本机关的检查对象类型（应为{'、'.join(target_types.names)}）",
            )
        elif kind not in kinds:
            kinds.append(kind)
    if not raw_types:
        check.error("target_types", "必填，不能为空")

    town = check.text("town", max_length=50)
    if town and towns is not None:
        resolved = resolve_town(town, towns)
        if resolved is None:
            check.error("town", f"“{town}”不在乡镇街道名单中（{'、'.join(towns)}）")
        else:
            town = resolved

    phone = check.text("phone", max_length=100)
    if phone and _digit_count(phone) < 7:
        check.error("phone", f"“{phone}”不像电话号码，应至少含7位数字")

    risk_level = check.optional_choice("risk_level", RISK_LEVELS)
    risk_assessed_on = check.date("risk_assessed_on")
    if risk_assessed_on and today and risk_assessed_on > today:
        check.error("risk_assessed_on", f"评定日期{risk_assessed_on.isoformat()}晚于今天")

    licence_number = _clean_identifier(check.raw("licence_number"))
    licence_valid_until = check.date("licence_valid_until", allow_open_ended=True)
    if licence_valid_until and not licence_number:
        check.warnings.append("填写了许可证有效期但没有许可证号")
    if licence_valid_until and today and licence_valid_until < today:
        check.warnings.append(f"特种行业许可证已于{licence_valid_until.isoformat()}过期")
    missing_licence = [kind for kind in kinds if kind in target_types.licence_types]
    if missing_licence and not licence_number:
        check.warnings.append(f"{'、'.join(missing_licence)}未填写特种行业许可证号")

    record = EntityRecord(
        row=row,
        name=name,
        code=entity_code.code,
        code_kind=entity_code.kind,
        target_types=tuple(kinds),
        town=town,
        address=check.text("address"),
        legal_representative=check.text("legal_representative", max_length=50),
        phone=phone,
        risk_level=risk_level,
        risk_assessed_on=risk_assessed_on,
        risk_basis=check.text("risk_basis", max_length=500),
        status=check.choice("status", OPERATING_STATUSES, OperatingStatus.ACTIVE),
        licence_number=licence_number,
        licence_valid_until=licence_valid_until,
        tags=tuple(check.list("tags")),
        warnings=tuple(check.warnings),
    )
    return check.errors or record


# ---------------------------------------------------------------------------------------------
# Inspectors


@dataclass(frozen=True, slots=True)
class InspectorRecord:
    row: int
    name: str
    badge_number: str
    certificate_number: str
    certificate_valid_until: date
    unit: str
    department: str
    post: str
    qualifications: tuple[str, ...]
    status: InspectorStatus
    status_label: str
    warnings: tuple[str, ...] = ()


_IDENTIFIER_PATTERN = re.compile(r"[0-9A-Z\u4e00-\u9fff()〔〕\[\]\-第号字]+")


def validate_inspector_row(
    row: int,
    values: Mapping[str, str],
    *,
    units: Collection[str] | None = None,
    today: date | None = None,
) -> InspectorRecord | list[RowError]:
    """Check one row of the inspector directory (执法检查人员名录库).

    `units`, when given, restricts 单位 to those agencies; `today`, when given, adds a warning
    for an expired law-enforcement certificate (the officer stays in the directory but matching
    must skip them).
    """
    check = _RowChecker(row, INSPECTOR_COLUMNS, values)
    name = check.text("name", max_length=50)

    badge_number = _clean_identifier(check.raw("badge_number"))
    if badge_number and not badge_number.isalnum():
        check.error("badge_number", f"“{badge_number}”只能含数字或字母")

    certificate_number = _clean_identifier(check.raw("certificate_number"))
    if not certificate_number:
        check.error("certificate_number", "必填，不能为空")
    elif not _IDENTIFIER_PATTERN.fullmatch(certificate_number) or len(certificate_number) > 40:
        check.error("certificate_number", f"“{certificate_number}”含不应出现的字符或过长")

    valid_until = check.date("certificate_valid_until", required=True, allow_open_ended=True)
    if valid_until and today and valid_until < today:
        check.warnings.append(f"执法证已于{valid_until.isoformat()}过期，不能参与匹配")

    unit = check.text("unit", max_length=100)
    if unit and units is not None and unit not in units:
        check.error("unit", f"“{unit}”不在执法机关名单中")

    status, status_label = check.choice(
        "status", INSPECTOR_STATUSES, (InspectorStatus.ACTIVE, "在职")
    )
    record = InspectorRecord(
        row=row,
        name=name,
        badge_number=badge_number,
        certificate_number=certificate_number,
        certificate_valid_until=valid_until or OPEN_ENDED,
        unit=unit,
        department=check.text("department", max_length=100),
        post=check.text("post", max_length=50),
        qualifications=tuple(check.list("qualifications")),
        status=status,
        status_label=status_label,
        warnings=tuple(check.warnings),
    )
    return check.errors or record


# ---------------------------------------------------------------------------------------------
# Recusals


@dataclass(frozen=True, slots=True)
class RecusalRecord:
    row: int
    inspector_name: str
    certificate_number: str
    entity_name: str
    entity_code: str
    reason: RecusalReason
    valid_from: date | None
    valid_until: date | None
    note: str

    def in_force(self, day: date) -> bool:
        """Whether the recusal applies on `day` (open ends are unbounded)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


def validate_recusal_row(row: int, values: Mapping[str, str]) -> RecusalRecord | list[RowError]:
    """Check one row of the recusal list (回避关系): who must not inspect whom, why, and when."""
    check = _RowChecker(row, RECUSAL_COLUMNS, values)
    inspector_name = check.text("inspector_name", max_length=50)
    certificate_number = _clean_identifier(check.raw("certificate_number"))
    if not certificate_number:
        check.error("certificate_number", "必填，不能为空")
    entity_name = check.text("entity_name")
    entity_code = classify_entity_code(check.raw("entity_code"))
    for problem in entity_code.errors:
        check.error("entity_code", problem)
    reason = check.optional_choice("reason", RECUSAL_REASONS, required=True)
    valid_from = check.date("valid_from")
    valid_until = check.date("valid_until", allow_open_ended=True)
    if valid_until == OPEN_ENDED:
        valid_until = None
    if valid_from and valid_until and valid_until < valid_from:
        check.error("valid_until", "失效日期早于生效日期")
    if check.errors or reason is None:
        return check.errors
    return RecusalRecord(
        row=row,
        inspector_name=inspector_name,
        certificate_number=certificate_number,
        entity_name=entity_name,
        entity_code=entity_code.code,
        reason=reason,
        valid_from=valid_from,
        valid_until=valid_until,
        note=check.text("note", max_length=500),
    )


# ---------------------------------------------------------------------------------------------
# Cross-row helper and documentation


class DuplicateChecker:
    """Flags a value (a credit code, a certificate number) already seen on an earlier row."""

    def __init__(self, column: str) -> None:
        self.column = column
        self._first_row: dict[str, int] = {}

    def check(self, row: int, value: str) -> RowError | None:
        if not value:
            return None
        first = self._first_row.setdefault(value, row)
        if first == row:
            return None
        return RowError(row, self.column, f"“{value}”与第{first}行重复")


def columns_markdown(columns: Sequence[ColumnSpec]) -> str:
    """A Markdown table of one template: column, required, synonyms, accepted values."""
    lines = ["| 列名 | 必填 | 同义列名 | 可接受的值 |", "| --- | --- | --- | --- |"]
    for spec in columns:
        lines.append(
            f"| {spec.label} | {'是' if spec.required else '否'} | "
            f"{'、'.join(spec.synonyms) or '—'} | {spec.accepted or '文本'} |"
        )
    return "\n".join(lines)


def vocabulary_markdown(vocabulary: Vocabulary[T]) -> str:
    lines = ["| 取值 | 同义写法 |", "| --- | --- |"]
    for label, synonyms in vocabulary.synonyms.items():
        lines.append(f"| {label} | {'、'.join(synonyms) or '—'} |")
    return "\n".join(lines)


def target_types_markdown(vocabulary: TargetTypeVocabulary) -> str:
    lines = ["| 检查对象类型 | 同义写法 |", "| --- | --- |"]
    for name, aliases in vocabulary.aliases.items():
        lines.append(f"| {name} | {'、'.join(aliases) or '—'} |")
    return "\n".join(lines)


def directory_columns_markdown() -> str:
    """The generated part of docs/directory-columns.md."""
    sections = [
        ("检查对象名录（entities.csv）", columns_markdown(ENTITY_COLUMNS)),
        ("执法检查人员名录（inspectors.csv）", columns_markdown(INSPECTOR_COLUMNS)),
        ("回避关系（recusals.csv）", columns_markdown(RECUSAL_COLUMNS)),
        ("风险等级", vocabulary_markdown(RISK_LEVELS)),
        ("经营状态", vocabulary_markdown(OPERATING_STATUSES)),
        ("人员状态", vocabulary_markdown(INSPECTOR_STATUSES)),
        ("回避原因", vocabulary_markdown(RECUSAL_REASONS)),
        (
            "检查对象类型（默认，取自2022年沂源县公安局抽查计划）",
            target_types_markdown(DEFAULT_TARGET_TYPES),
        ),
    ]
    return "\n\n".join(f"## {title}\n\n{table}" for title, table in sections) + "\n"
