"""Inspection results: the national vocabulary, the review workflow and the rules of a recorded visit.

Pure Python (no Django), so the `results` app, the CLI, the importer and the tests share one
definition. Everything here follows `../shared/domain.md` and issue 9; the stable keys (`code`)
are what the database and the files store, the Chinese labels are what people read and type.

- `CATEGORIES`: the 15 result categories of the national platform (抽查结果). Each is a *clean*
  result, a *problem* result or an *ending* (结束情形: the visit ends without checkpoints, e.g. the
  entity cannot be reached at its registered address).
- `WAYS`: ways of checking (核查方式). `MEASURE_KINDS`: follow-up measures (后续处置).
- The review state machine: 未录入 → 待审核 → 退回 / 已审核 → 已公示 (`transition`).
- `category_after_measures`: the item's category as it follows from its findings and measures.
- `validate_visit`: a recorded visit is complete and consistent; every error names the item, the
  checkpoint and the field.
- `propose_risk`: the risk level an approved result proposes for the entity.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from spotcheck.lib.directory import RiskLevel

__all__ = [
    "CATEGORIES",
    "DEFAULT_DUE_SOON_DAYS",
    "DEFAULT_MIN_PRESENT",
    "DELIVERY_METHODS",
    "ENDINGS",
    "FINDING_LABELS",
    "MEASURE_KINDS",
    "TRANSITIONS",
    "WAYS",
    "Category",
    "CategoryKind",
    "CheckpointFinding",
    "DueStatus",
    "Finding",
    "ItemResult",
    "Measure",
    "MeasureKind",
    "ResultError",
    "ReviewError",
    "ReviewState",
    "RiskProposal",
    "Role",
    "Transition",
    "VisitRecord",
    "allowed_actions",
    "category",
    "category_after_measures",
    "category_by_label",
    "due_status",
    "is_editable",
    "item_category",
    "measure_kind_by_label",
    "propose_risk",
    "risk_label",
    "transition",
    "validate_delivery",
    "validate_measure",
    "validate_visit",
    "way_by_label",
]

DEFAULT_MIN_PRESENT = 2
"""Members who must be present at a visit (domain.md: at least 2 inspectors per target)."""


class ResultError(ValueError):
    """A recorded result is incomplete or inconsistent; `errors` are Chinese, one per problem."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("；".join(errors))
        self.errors = list(errors)


def _key(text: str) -> str:
    """Matching form of a label: NFKC (fullwidth brackets fold), no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


# --- result categories ---------------------------------------------------------------------


class CategoryKind(StrEnum):
    CLEAN = "clean"
    """Checked, nothing wrong."""
    PROBLEM = "problem"
    """Checked, something wrong: carries follow-up measures."""
    ENDING = "ending"
    """The visit ended without checking the checkpoints."""


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    kind: CategoryKind
    raises_risk: bool = False
    """An approved result in this category proposes a higher risk level for the entity."""
    synonyms: tuple[str, ...] = ()
    """Short forms seen on paper forms and in the issue text (无法联系 for the full label)."""


CATEGORIES: tuple[Category, ...] = (
    Category("no_problem", "未发现问题", CategoryKind.CLEAN),
    Category("corrected", "发现问题已责令改正", CategoryKind.PROBLEM, raises_risk=True),
    Category("pending_follow_up", "发现问题待后续处理", CategoryKind.PROBLEM, raises_risk=True),
    Category(
        "violates_police_rules", "违反公安部门相关规定", CategoryKind.PROBLEM, raises_risk=True
    ),
    Category(
        "violates_other_rules", "违反其他部门相关规定", CategoryKind.PROBLEM, raises_risk=True
    ),
    Category("no_relevant_activity", "未发现开展本次抽查涉及的经营活动", CategoryKind.ENDING),
    Category(
        "unreachable",
        "通过登记的住所（经营场所）无法联系",
        CategoryKind.ENDING,
        synonyms=("无法联系",),
    ),
    Category("obstructed", "不配合检查情节严重", CategoryKind.ENDING, raises_risk=True),
    Category("closed", "已关闭停业或正在组织清算", CategoryKind.ENDING, synonyms=("已关闭停业",)),
    Category("deregistered", "注销", CategoryKind.ENDING),
    Category("revoked", "被吊销", CategoryKind.ENDING, synonyms=("吊销",)),
    Category("cancelled", "被撤销", CategoryKind.ENDING, synonyms=("撤销",)),
    Category("moved_out", "迁出", CategoryKind.ENDING),
    Category("not_disclosed", "未按规定公示应当公示的信息", CategoryKind.PROBLEM, raises_risk=True),
    Category(
        "false_disclosure", "公示信息隐瞒真实情况弄虚作假", CategoryKind.PROBLEM, raises_risk=True
    ),
)
_CATEGORY_BY_CODE = {c.code: c for c in CATEGORIES}
_CATEGORY_BY_LABEL = {_key(label): c for c in CATEGORIES for label in (c.label, *c.synonyms)}
ENDINGS: tuple[Category, ...] = tuple(c for c in CATEGORIES if c.kind is CategoryKind.ENDING)


def category(code: str) -> Category:
    """The category with this stable code; ValueError naming the code otherwise."""
    try:
        return _CATEGORY_BY_CODE[code]
    except KeyError:
        raise ValueError(f"未知的抽查结果代码“{code}”") from None


def category_by_label(label: str) -> Category | None:
    """The category a person typed (full label, fullwidth or not, or a common short form)."""
    return _CATEGORY_BY_LABEL.get(_key(label))


# --- ways of checking ----------------------------------------------------------------------

WAYS: dict[str, str] = {
    "on_site": "实地核查",
    "documents": "书面检查",
    "online": "网络监测",
    "testing": "检验检测",
    "third_party": "委托专业机构",
    "adopted": "采信行政部门结果或专业意见",
}
_WAY_BY_LABEL = {_key(label): code for code, label in WAYS.items()}


def way_by_label(label: str) -> str | None:
    return _WAY_BY_LABEL.get(_key(label))


# --- follow-up measures --------------------------------------------------------------------


class MeasureKind(StrEnum):
    CORRECTION = "correction"
    PENALTY = "penalty"
    CRIMINAL = "criminal"
    NOTIFY = "notify"
    TRANSFER = "transfer"
    OTHER = "other"


MEASURE_KINDS: dict[MeasureKind, str] = {
    MeasureKind.CORRECTION: "责令改正",
    MeasureKind.PENALTY: "违法处罚",
    MeasureKind.CRIMINAL: "刑事立案",
    MeasureKind.NOTIFY: "抄告相关部门",
    MeasureKind.TRANSFER: "移送案件线索",
    MeasureKind.OTHER: "其他",
}
_MEASURE_BY_LABEL = {_key(label): kind for kind, label in MEASURE_KINDS.items()}
_MEASURE_BY_LABEL.update(
    {
        _key("行政处罚"): MeasureKind.PENALTY,
        _key("抄告"): MeasureKind.NOTIFY,
        _key("移送"): MeasureKind.TRANSFER,
    }
)


def measure_kind_by_label(label: str) -> MeasureKind | None:
    return _MEASURE_BY_LABEL.get(_key(label))


@dataclass(frozen=True, kw_only=True)
class Measure:
    """One follow-up measure of an item's result; open until `closed_on` is set."""

    kind: MeasureKind
    opened_on: date
    deadline: date | None = None
    """责令改正: the date by which the entity must have corrected (a re-check follows)."""
    case_number: str = ""
    """违法处罚 / 刑事立案: the case number."""
    agency: str = ""
    """抄告 / 移送: the agency the matter goes to."""
    text: str = ""
    closed_on: date | None = None
    closing_text: str = ""

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def label(self) -> str:
        return MEASURE_KINDS[self.kind]


def validate_measure(measure: Measure) -> list[str]:
    """Problems with one measure, each naming the field (Chinese); empty when it is fine."""
    errors: list[str] = []
    label = measure.label
    if measure.kind is MeasureKind.CORRECTION:
        if measure.deadline is None:
            errors.append(f"{label}：须填写整改期限")
        elif measure.deadline < measure.opened_on:
            errors.append(f"{label}：整改期限{measure.deadline}早于措施日期{measure.opened_on}")
    if (
        measure.kind in (MeasureKind.PENALTY, MeasureKind.CRIMINAL)
        and not measure.case_number.strip()
    ):
        errors.append(f"{label}：须填写案件编号")
    if measure.kind in (MeasureKind.NOTIFY, MeasureKind.TRANSFER) and not measure.agency.strip():
        errors.append(f"{label}：须填写接收部门")
    if measure.kind is MeasureKind.OTHER and not measure.text.strip():
        errors.append(f"{label}：须说明措施内容")
    if measure.closed_on is not None:
        if measure.closed_on < measure.opened_on:
            errors.append(f"{label}：办结日期{measure.closed_on}早于措施日期{measure.opened_on}")
        if not measure.closing_text.strip():
            errors.append(f"{label}：办结时须填写办结情况")
    elif measure.closing_text.strip():
        errors.append(f"{label}：未填写办结日期却填写了办结情况")
    return errors


# --- per-checkpoint findings ---------------------------------------------------------------


class Finding(StrEnum):
    CHECKED = "checked"
    """Checked, no problem (符合)."""
    NOT_APPLICABLE = "not_applicable"
    """Does not apply to this entity (不适用), with a reason."""
    PROBLEM = "problem"
    """A problem was found (发现问题), described in text."""


FINDING_LABELS: dict[Finding, str] = {
    Finding.CHECKED: "符合",
    Finding.NOT_APPLICABLE: "不适用",
    Finding.PROBLEM: "发现问题",
}


@dataclass(frozen=True, kw_only=True)
class CheckpointFinding:
    """What was found at one checkpoint; `number` is 1-based as printed on the record form."""

    number: int
    finding: Finding | None
    """None while the checkpoint has not been filled in yet (a draft)."""
    reason: str = ""
    """Why the checkpoint does not apply (NOT_APPLICABLE only)."""
    problem: str = ""
    """What was wrong (PROBLEM only)."""
    note: str = ""
    """Free remark, allowed with any finding."""


def category_after_measures(
    findings: Iterable[CheckpointFinding], measures: Iterable[Measure]
) -> Category:
    """The category an item's findings and follow-up measures lead to.

    - no problem at any checkpoint: 未发现问题;
    - a problem, with no measure yet or any measure still open: 发现问题待后续处理;
    - all measures closed: 违反公安部门相关规定 when a 违法处罚 or 刑事立案 was among them (the police
      sanctioned it); else 违反其他部门相关规定 when it went to another agency (抄告 / 移送);
      else (责令改正, 其他) 发现问题已责令改正.

    The categories 未按规定公示… and 公示信息…弄虚作假 are never derived: a recorder may choose
    them for an item with problems once its measures are closed (see `validate_visit`).
    """
    if not any(f.finding is Finding.PROBLEM for f in findings):
        return _CATEGORY_BY_CODE["no_problem"]
    taken = list(measures)
    kinds = [m.kind for m in taken]
    if not kinds or any(m.is_open for m in taken):
        return _CATEGORY_BY_CODE["pending_follow_up"]
    if MeasureKind.PENALTY in kinds or MeasureKind.CRIMINAL in kinds:
        return _CATEGORY_BY_CODE["violates_police_rules"]
    if MeasureKind.NOTIFY in kinds or MeasureKind.TRANSFER in kinds:
        return _CATEGORY_BY_CODE["violates_other_rules"]
    return _CATEGORY_BY_CODE["corrected"]


# Categories a recorder may choose instead of the derived one, once all measures are closed.
_CHOSEN_WHEN_CLOSED = frozenset(
    {
        "corrected",
        "violates_police_rules",
        "violates_other_rules",
        "not_disclosed",
        "false_disclosure",
    }
)


# --- a recorded visit ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ItemResult:
    """The result of one item of a visit."""

    item_key: str
    findings: tuple[CheckpointFinding, ...] = ()
    category: str | None = None
    """The conclusion's code; None lets `category_after_measures` decide."""
    measures: tuple[Measure, ...] = ()


@dataclass(frozen=True, kw_only=True)
class VisitRecord:
    """Everything recorded for one visit, as submitted for review."""

    inspected_on: date | None
    way: str | None
    """A key of WAYS."""
    present: tuple[str, ...]
    """Ids of the team members present."""
    team: tuple[str, ...]
    """Ids of all members of the visit's team."""
    representative: str = ""
    """The entity's representative who was present (and signs the record form)."""
    ending: str | None = None
    """Code of an ending category when the visit ended without checkpoints."""
    items: tuple[ItemResult, ...] = field(default_factory=tuple)


def _item_label(key: str, titles: Mapping[str, str]) -> str:
    title = titles.get(key)
    return f"事项{key}“{title}”" if title else f"事项{key}"


def _checkpoint_label(number: int, text: str) -> str:
    short = text if len(text) <= 20 else text[:20] + "…"
    return f"第{number}项检查要点“{short}”"


def validate_visit(
    record: VisitRecord,
    checkpoints: Mapping[str, Sequence[str]],
    *,
    item_titles: Mapping[str, str] | None = None,
    min_present: int = DEFAULT_MIN_PRESENT,
    today: date | None = None,
) -> list[str]:
    """Every problem that stops `record` from being submitted, in Chinese; empty when complete.

    `checkpoints` maps each of the visit's item keys to its checkpoint texts, in record-form order
    (an item without numbered checkpoints has its content as the only one). `today`, when given,
    refuses an inspection date in the future. Each message names the item, the checkpoint (number
    and text) and the field at fault.
    """
    titles = item_titles or {}
    errors: list[str] = []
    if record.inspected_on is None:
        errors.append("检查日期：未填写")
    elif today is not None and record.inspected_on > today:
        errors.append(f"检查日期：{record.inspected_on}晚于今天{today}")
    if record.way is None or not record.way:
        errors.append("核查方式：未填写")
    elif record.way not in WAYS:
        errors.append(f"核查方式：“{record.way}”不是可选的核查方式（{'、'.join(WAYS.values())}）")
    errors += _present_errors(record, min_present)

    ending = None
    if record.ending is not None:
        ending = _CATEGORY_BY_CODE.get(record.ending)
        if ending is None or ending.kind is not CategoryKind.ENDING:
            errors.append(
                f"结束情形：“{record.ending}”不是可选的结束情形"
                f"（{'、'.join(c.label for c in ENDINGS)}）"
            )
            return errors
    elif not record.representative.strip():
        errors.append("被检查对象在场人员：未填写")

    seen: set[str] = set()
    for item in record.items:
        label = _item_label(item.item_key, titles)
        if item.item_key not in checkpoints:
            errors.append(f"{label}：不是本次检查的事项")
            continue
        if item.item_key in seen:
            errors.append(f"{label}：重复填写")
            continue
        seen.add(item.item_key)
        if ending is not None:
            errors += _ending_item_errors(item, ending, label)
        else:
            errors += _item_errors(item, checkpoints[item.item_key], label)
    if ending is None:
        errors += [
            f"{_item_label(key, titles)}：未填写检查结果" for key in checkpoints if key not in seen
        ]
    return errors


def _present_errors(record: VisitRecord, min_present: int) -> list[str]:
    errors: list[str] = []
    team = set(record.team)
    duplicates = sorted({p for p in record.present if record.present.count(p) > 1})
    if duplicates:
        errors.append(f"在场检查人员：{'、'.join(duplicates)}重复填写")
    strangers = sorted(set(record.present) - team)
    if strangers:
        errors.append(f"在场检查人员：{'、'.join(strangers)}不是本次检查组成员")
    present = len(set(record.present) & team)
    if present < min_present:
        errors.append(f"在场检查人员：本组成员在场{present}人，至少须{min_present}人")
    return errors


def _ending_item_errors(item: ItemResult, ending: Category, label: str) -> list[str]:
    errors: list[str] = []
    if any(f.finding is not None for f in item.findings):
        errors.append(f"{label}：检查以“{ending.label}”结束，不应填写检查要点")
    if item.measures:
        errors.append(f"{label}：检查以“{ending.label}”结束，不应填写后续处置措施")
    if item.category is not None and item.category != ending.code:
        errors.append(f"{label}：检查结果应为“{ending.label}”")
    return errors


def _item_errors(item: ItemResult, points: Sequence[str], label: str) -> list[str]:
    errors: list[str] = []
    by_number: dict[int, CheckpointFinding] = {}
    for finding in item.findings:
        if not 1 <= finding.number <= len(points):
            errors.append(f"{label}：没有第{finding.number}项检查要点（共{len(points)}项）")
        elif finding.number in by_number:
            errors.append(f"{label}第{finding.number}项检查要点：重复填写")
        else:
            by_number[finding.number] = finding
    for number, text in enumerate(points, start=1):
        where = f"{label}{_checkpoint_label(number, text)}"
        finding_or_none = by_number.get(number)
        if finding_or_none is None or finding_or_none.finding is None:
            errors.append(f"{where}：未填写检查情况")
            continue
        found = finding_or_none
        if found.finding is Finding.NOT_APPLICABLE and not found.reason.strip():
            errors.append(f"{where}：不适用须说明理由")
        if found.finding is Finding.PROBLEM and not found.problem.strip():
            errors.append(f"{where}：发现问题须填写问题描述")
        if found.finding is not Finding.PROBLEM and found.problem.strip():
            errors.append(f"{where}：未标记“发现问题”却填写了问题描述")
    for measure in item.measures:
        errors += [f"{label}后续处置{message}" for message in validate_measure(measure)]

    has_problem = any(f.finding is Finding.PROBLEM for f in item.findings)
    if has_problem and not item.measures:
        errors.append(f"{label}后续处置：发现问题须至少填写一项后续处置措施")
    if not has_problem and item.measures:
        errors.append(f"{label}后续处置：未发现问题，不应有后续处置措施")
    if item.category is not None:
        errors += _category_errors(item, label)
    return errors


def _category_errors(item: ItemResult, label: str) -> list[str]:
    chosen = _CATEGORY_BY_CODE.get(item.category or "")
    if chosen is None:
        return [f"{label}检查结果：未知的结果代码“{item.category}”"]
    derived = category_after_measures(item.findings, item.measures)
    if chosen == derived:
        return []
    if chosen.kind is CategoryKind.ENDING:
        return [f"{label}检查结果：“{chosen.label}”是结束情形，须作为整次检查的结束情形填写"]
    if (
        derived.code in ("no_problem", "pending_follow_up")
        or chosen.code not in _CHOSEN_WHEN_CLOSED
    ):
        return [f"{label}检查结果：应为“{derived.label}”，不能填写“{chosen.label}”"]
    return []


def item_category(item: ItemResult, *, ending: str | None = None) -> Category:
    """The category an item's result is published under: the ending, the chosen one or derived."""
    if ending is not None:
        return category(ending)
    if item.category is not None:
        return category(item.category)
    return category_after_measures(item.findings, item.measures)


# --- review workflow -----------------------------------------------------------------------


class ReviewState(StrEnum):
    NOT_ENTERED = "not_entered"
    PENDING = "pending"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    ReviewState.NOT_ENTERED: "未录入",
    ReviewState.PENDING: "待审核",
    ReviewState.RETURNED: "退回",
    ReviewState.APPROVED: "已审核",
    ReviewState.PUBLISHED: "已公示",
}


class Role(StrEnum):
    MEMBER = "member"
    """A member of the visit's team."""
    LEADER = "leader"
    """The leader of the visit's responsible unit."""
    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    """Read-only: never in any transition."""


@dataclass(frozen=True)
class Transition:
    action: str
    source: ReviewState
    target: ReviewState
    roles: frozenset[Role]
    needs_opinion: bool = False
    """The actor must write an opinion (退回意见) or a reason (更正理由)."""
    label: str = ""


_RECORDERS = frozenset({Role.MEMBER, Role.LEADER})
_REVIEWERS = frozenset({Role.LEADER})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit", ReviewState.NOT_ENTERED, ReviewState.PENDING, _RECORDERS, label="提交审核"
    ),
    Transition("submit", ReviewState.RETURNED, ReviewState.PENDING, _RECORDERS, label="重新提交"),
    Transition("approve", ReviewState.PENDING, ReviewState.APPROVED, _REVIEWERS, label="审核通过"),
    Transition(
        "return", ReviewState.PENDING, ReviewState.RETURNED, _REVIEWERS, True, label="退回修改"
    ),
    Transition(
        "publish",
        ReviewState.APPROVED,
        ReviewState.PUBLISHED,
        frozenset({Role.LEADER, Role.COORDINATOR}),
        label="公示",
    ),
    # A correction after approval is an amendment: a new version goes through review again and
    # the approved (or published) version is kept.
    Transition("amend", ReviewState.APPROVED, ReviewState.PENDING, _RECORDERS, True, label="更正"),
    Transition("amend", ReviewState.PUBLISHED, ReviewState.PENDING, _RECORDERS, True, label="更正"),
)
_TRANSITION_BY_KEY = {(t.source, t.action): t for t in TRANSITIONS}


class ReviewError(ValueError):
    """A review step that is not allowed; the message is Chinese."""


def transition(
    state: ReviewState, action: str, *, roles: Collection[Role], opinion: str = ""
) -> ReviewState:
    """The state after `action`, or ReviewError naming what is wrong."""
    step = _TRANSITION_BY_KEY.get((state, action))
    if step is None:
        possible = "、".join(t.label for t in TRANSITIONS if t.source is state) or "无"
        name = next((t.label for t in TRANSITIONS if t.action == action), action)
        raise ReviewError(f"“{state.label}”状态下不能“{name}”（可执行：{possible}）")
    if not step.roles & set(roles):
        raise ReviewError(
            f"无权“{step.label}”：仅{'、'.join(_ROLE_LABELS[r] for r in sorted(step.roles))}可以执行"
        )
    if step.needs_opinion and not opinion.strip():
        raise ReviewError(f"“{step.label}”须填写{'退回意见' if action == 'return' else '理由'}")
    return step.target


_ROLE_LABELS = {
    Role.MEMBER: "检查组成员",
    Role.LEADER: "单位负责人",
    Role.COORDINATOR: "统筹协调员",
    Role.SUPERVISOR: "纪检监督员",
}


def allowed_actions(state: ReviewState, roles: Collection[Role]) -> list[Transition]:
    """The steps these roles may take from `state`, in TRANSITIONS order."""
    held = set(roles)
    return [t for t in TRANSITIONS if t.source is state and t.roles & held]


def is_editable(state: ReviewState) -> bool:
    """Whether the recorded content may change: only before submission or after a return."""
    return state in (ReviewState.NOT_ENTERED, ReviewState.RETURNED)


# --- notice delivery and deadlines ---------------------------------------------------------

DELIVERY_METHODS: dict[str, str] = {
    "in_person": "当场",
    "post": "邮寄",
    "phone": "电话",
    "sms": "短信",
    "unannounced": "不予通知",
}
"""How the 检查通知书 reached the entity; 不予通知 for unannounced checks (no notice at all)."""


def validate_delivery(
    method: str, delivered_on: date | None, inspected_on: date | None
) -> list[str]:
    """Problems with how and when the notice was delivered, in Chinese; empty when fine."""
    if method not in DELIVERY_METHODS:
        return [f"通知方式：“{method}”不是可选的通知方式（{'、'.join(DELIVERY_METHODS.values())}）"]
    if method == "unannounced":
        return [] if delivered_on is None else ["通知日期：不予通知的检查不应填写通知日期"]
    if delivered_on is None:
        return ["通知日期：未填写"]
    if inspected_on is not None and delivered_on > inspected_on:
        return [f"通知日期：{delivered_on}晚于检查日期{inspected_on}"]
    return []


class DueStatus(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TIME = "on_time"


DEFAULT_DUE_SOON_DAYS = 5


def due_status(due: date, today: date, *, soon_days: int = DEFAULT_DUE_SOON_DAYS) -> DueStatus:
    """Overdue after `due`; due soon from `soon_days` calendar days before it (a setting)."""
    if today > due:
        return DueStatus.OVERDUE
    if (due - today).days <= soon_days:
        return DueStatus.DUE_SOON
    return DueStatus.ON_TIME


# --- risk ----------------------------------------------------------------------------------

_RISK_ORDER: tuple[RiskLevel, ...] = (
    RiskLevel.LOW,
    RiskLevel.MEDIUM_LOW,
    RiskLevel.MEDIUM,
    RiskLevel.HIGH,
)
_RISK_LABELS = {
    RiskLevel.LOW: "低风险",
    RiskLevel.MEDIUM_LOW: "中低风险",
    RiskLevel.MEDIUM: "中风险",
    RiskLevel.HIGH: "高风险",
}


@dataclass(frozen=True)
class RiskProposal:
    current: RiskLevel | None
    proposed: RiskLevel
    reason: str


def propose_risk(
    current: RiskLevel | None,
    categories: Iterable[str],
    *,
    lower_when_clean: bool = False,
    unrated_with_problems: RiskLevel = RiskLevel.MEDIUM,
) -> RiskProposal | None:
    """The risk level an approved visit's item categories propose, or None for no change.

    Any category that raises risk (a problem, or 不配合检查情节严重) proposes one level higher
    (an unrated entity: `unrated_with_problems`); nothing above 高风险. When every item is
    未发现问题 and `lower_when_clean` is set (a setting), one level lower; never below 低风险 and
    never for an unrated entity. Other endings (无法联系, 注销, …) propose nothing.
    """
    found = [category(code) for code in categories]
    if not found:
        return None
    raising = [c for c in found if c.raises_risk]
    if raising:
        reason = f"抽查结果：{'、'.join(dict.fromkeys(c.label for c in raising))}"
        if current is None:
            return RiskProposal(None, unrated_with_problems, reason)
        index = _RISK_ORDER.index(current)
        if index + 1 >= len(_RISK_ORDER):
            return None
        return RiskProposal(current, _RISK_ORDER[index + 1], reason)
    if lower_when_clean and current is not None and all(c.code == "no_problem" for c in found):
        index = _RISK_ORDER.index(current)
        if index == 0:
            return None
        return RiskProposal(current, _RISK_ORDER[index - 1], "抽查结果：未发现问题")
    return None


def risk_label(level: RiskLevel) -> str:
    return _RISK_LABELS[level]
