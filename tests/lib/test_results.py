from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck.lib.directory import RiskLevel
from spotcheck.lib.results import (
    CATEGORIES,
    DELIVERY_METHODS,
    ENDINGS,
    TRANSITIONS,
    CategoryKind,
    CheckpointFinding,
    DueStatus,
    Finding,
    ItemResult,
    Measure,
    MeasureKind,
    ReviewError,
    ReviewState,
    Role,
    VisitRecord,
    allowed_actions,
    category,
    category_after_measures,
    category_by_label,
    due_status,
    is_editable,
    item_category,
    measure_kind_by_label,
    propose_risk,
    transition,
    validate_delivery,
    validate_measure,
    validate_visit,
    way_by_label,
)

DOMAIN_LABELS = [
    "未发现问题",
    "发现问题已责令改正",
    "发现问题待后续处理",
    "违反公安部门相关规定",
    "违反其他部门相关规定",
    "未发现开展本次抽查涉及的经营活动",
    "通过登记的住所（经营场所）无法联系",
    "不配合检查情节严重",
    "已关闭停业或正在组织清算",
    "注销",
    "被吊销",
    "被撤销",
    "迁出",
    "未按规定公示应当公示的信息",
    "公示信息隐瞒真实情况弄虚作假",
]

DAY = date(2022, 6, 10)


def test_categories_are_the_national_list_in_order() -> None:
    assert [c.label for c in CATEGORIES] == DOMAIN_LABELS
    assert len({c.code for c in CATEGORIES}) == len(CATEGORIES)
    assert all(re.fullmatch(r"[a-z_]+", c.code) for c in CATEGORIES)


def test_the_issue_endings_end_a_visit_without_checkpoints() -> None:
    labels = {c.label for c in ENDINGS}
    for short in (
        "无法联系",
        "已关闭停业",
        "注销",
        "不配合检查情节严重",
        "未发现开展本次抽查涉及的经营活动",
    ):
        found = category_by_label(short)
        assert found is not None and found.label in labels
    assert category("no_problem").kind is CategoryKind.CLEAN
    assert category("pending_follow_up").kind is CategoryKind.PROBLEM


def test_labels_are_matched_fullwidth_or_not() -> None:
    assert category_by_label("通过登记的住所(经营场所)无法联系") == category("unreachable")
    assert category_by_label(" 未发现问题 ") == category("no_problem")
    assert category_by_label("没问题") is None
    with pytest.raises(ValueError, match="未知的抽查结果代码“nope”"):
        category("nope")


def test_ways_and_measures_by_label() -> None:
    assert way_by_label("实地核查") == "on_site"
    assert way_by_label("采信行政部门结果或专业意见") == "adopted"
    assert way_by_label("电话核查") is None
    assert measure_kind_by_label("行政处罚") is MeasureKind.PENALTY
    assert measure_kind_by_label("违法处罚") is MeasureKind.PENALTY
    assert measure_kind_by_label("移送案件线索") is MeasureKind.TRANSFER
    assert measure_kind_by_label("罚款") is None


# --- measures ------------------------------------------------------------------------------


def correction(**kwargs: object) -> Measure:
    base: dict[str, object] = {
        "kind": MeasureKind.CORRECTION,
        "opened_on": DAY,
        "deadline": DAY + timedelta(days=15),
    }
    base.update(kwargs)
    return Measure(**base)  # type: ignore[arg-type]


def test_measure_fields_required_per_kind() -> None:
    assert validate_measure(correction()) == []
    assert validate_measure(correction(deadline=None)) == ["责令改正：须填写整改期限"]
    assert "早于" in validate_measure(correction(deadline=DAY - timedelta(days=1)))[0]
    assert validate_measure(Measure(kind=MeasureKind.PENALTY, opened_on=DAY)) == [
        "违法处罚：须填写案件编号"
    ]
    assert validate_measure(Measure(kind=MeasureKind.TRANSFER, opened_on=DAY)) == [
        "移送案件线索：须填写接收部门"
    ]
    assert validate_measure(Measure(kind=MeasureKind.OTHER, opened_on=DAY)) == [
        "其他：须说明措施内容"
    ]
    assert validate_measure(correction(closed_on=DAY + timedelta(days=3))) == [
        "责令改正：办结时须填写办结情况"
    ]
    assert validate_measure(correction(closing_text="已整改")) == [
        "责令改正：未填写办结日期却填写了办结情况"
    ]
    assert (
        "办结日期"
        in validate_measure(correction(closed_on=DAY - timedelta(1), closing_text="x"))[0]
    )


def test_category_follows_findings_and_measures() -> None:
    clean = [CheckpointFinding(number=1, finding=Finding.CHECKED)]
    problem = [
        CheckpointFinding(number=1, finding=Finding.PROBLEM, problem="未登记旅客信息"),
        CheckpointFinding(number=2, finding=Finding.NOT_APPLICABLE, reason="无此业务"),
    ]
    closed = {"closed_on": DAY + timedelta(days=10), "closing_text": "复查已整改"}
    assert category_after_measures(clean, []).code == "no_problem"
    assert category_after_measures(problem, []).code == "pending_follow_up"
    assert category_after_measures(problem, [correction()]).code == "pending_follow_up"
    assert category_after_measures(problem, [correction(**closed)]).code == "corrected"
    penalty = Measure(
        kind=MeasureKind.PENALTY, opened_on=DAY, case_number="沂公（治）行罚决字〔2022〕1号"
    )
    assert (
        category_after_measures(problem, [correction(**closed), penalty]).code
        == "pending_follow_up"
    )
    assert (
        category_after_measures(problem, [correction(**closed), replace(penalty, **closed)]).code
        == "violates_police_rules"
    )
    notify = Measure(kind=MeasureKind.NOTIFY, opened_on=DAY, agency="县住建局", **closed)
    assert category_after_measures(problem, [notify]).code == "violates_other_rules"
    # Measures may be any iterable, consumed once.
    assert category_after_measures(iter(problem), iter([correction(**closed)])).code == "corrected"


measure_kinds = st.sampled_from(list(MeasureKind))


@given(
    st.lists(st.sampled_from(list(Finding)), min_size=1, max_size=6),
    st.lists(st.tuples(measure_kinds, st.booleans()), max_size=4),
)
def test_category_rules_hold_for_any_findings(
    findings: list[Finding], measures: list[tuple[MeasureKind, bool]]
) -> None:
    points = [CheckpointFinding(number=i, finding=f) for i, f in enumerate(findings, 1)]
    built = [
        Measure(kind=kind, opened_on=DAY, closed_on=DAY if closed else None)
        for kind, closed in measures
    ]
    result = category_after_measures(points, built)
    if Finding.PROBLEM not in findings:
        assert result.code == "no_problem"
    elif not built or any(m.is_open for m in built):
        assert result.code == "pending_follow_up"
    else:
        assert result.kind is CategoryKind.PROBLEM and result.code != "pending_follow_up"
    assert result.kind is not CategoryKind.ENDING


# --- validate_visit ------------------------------------------------------------------------

CHECKPOINTS = {
    "11": ["是否办理联网单位备案手续", "是否制定并落实网络安全管理制度和操作规程", "是否留存日志"],
    "12": ["对宾馆、旅店的检查"],
}


def good_record(**kwargs: object) -> VisitRecord:
    items = (
        ItemResult(
            item_key="11",
            findings=tuple(
                CheckpointFinding(number=n, finding=Finding.CHECKED) for n in range(1, 4)
            ),
        ),
        ItemResult(
            item_key="12",
            findings=(CheckpointFinding(number=1, finding=Finding.PROBLEM, problem="未登记"),),
            measures=(correction(),),
            category="pending_follow_up",
        ),
    )
    base: dict[str, object] = {
        "inspected_on": DAY,
        "way": "on_site",
        "present": ("A", "B"),
        "team": ("A", "B", "C"),
        "representative": "张三",
        "items": items,
    }
    base.update(kwargs)
    return VisitRecord(**base)  # type: ignore[arg-type]


def test_a_complete_visit_validates() -> None:
    assert validate_visit(good_record(), CHECKPOINTS, today=DAY) == []


def test_visit_level_fields() -> None:
    errors = validate_visit(
        good_record(inspected_on=None, way="phone", present=("A", "A", "Z"), representative=""),
        CHECKPOINTS,
    )
    assert "检查日期：未填写" in errors
    assert any(e.startswith("核查方式：“phone”不是可选的核查方式") for e in errors)
    assert "在场检查人员：A重复填写" in errors
    assert "在场检查人员：Z不是本次检查组成员" in errors
    assert "在场检查人员：本组成员在场1人，至少须2人" in errors
    assert "被检查对象在场人员：未填写" in errors
    assert validate_visit(good_record(inspected_on=DAY + timedelta(1)), CHECKPOINTS, today=DAY) == [
        f"检查日期：{DAY + timedelta(1)}晚于今天{DAY}"
    ]
    assert validate_visit(good_record(present=("A", "B", "C")), CHECKPOINTS, min_present=3) == []


def test_errors_name_item_checkpoint_and_field() -> None:
    record = good_record(
        items=(
            ItemResult(
                item_key="11",
                findings=(
                    CheckpointFinding(number=1, finding=Finding.NOT_APPLICABLE),
                    CheckpointFinding(number=2, finding=Finding.PROBLEM),
                    CheckpointFinding(number=2, finding=Finding.CHECKED),
                    CheckpointFinding(number=7, finding=Finding.CHECKED),
                ),
            ),
            ItemResult(item_key="99"),
        )
    )
    errors = validate_visit(record, CHECKPOINTS, item_titles={"11": "对履行网络安全义务的监督检查"})
    item = "事项11“对履行网络安全义务的监督检查”"
    assert f"{item}第1项检查要点“是否办理联网单位备案手续”：不适用须说明理由" in errors
    assert (
        f"{item}第2项检查要点“是否制定并落实网络安全管理制度和操作规程”：发现问题须填写问题描述"
        in errors
    )
    assert f"{item}第2项检查要点：重复填写" in errors
    assert f"{item}：没有第7项检查要点（共3项）" in errors
    assert f"{item}第3项检查要点“是否留存日志”：未填写检查情况" in errors
    assert f"{item}后续处置：发现问题须至少填写一项后续处置措施" in errors
    assert "事项99：不是本次检查的事项" in errors
    assert "事项12：未填写检查结果" in errors


def test_category_must_match_what_findings_say() -> None:
    clean_item = ItemResult(
        item_key="12",
        findings=(CheckpointFinding(number=1, finding=Finding.CHECKED, problem="多写的"),),
        measures=(correction(),),
        category="corrected",
    )
    errors = validate_visit(good_record(items=(good_record().items[0], clean_item)), CHECKPOINTS)
    assert "事项12第1项检查要点“对宾馆、旅店的检查”：未标记“发现问题”却填写了问题描述" in errors
    assert "事项12后续处置：未发现问题，不应有后续处置措施" in errors
    assert "事项12检查结果：应为“未发现问题”，不能填写“发现问题已责令改正”" in errors

    closed = correction(closed_on=DAY + timedelta(days=3), closing_text="已整改")
    problem = ItemResult(
        item_key="12",
        findings=(CheckpointFinding(number=1, finding=Finding.PROBLEM, problem="未公示"),),
        measures=(closed,),
    )
    first = good_record().items[0]
    for code, ok in [
        ("corrected", True),
        ("not_disclosed", True),
        ("violates_police_rules", True),
        ("no_problem", False),
        ("pending_follow_up", False),
        ("unreachable", False),
        ("bogus", False),
    ]:
        found = validate_visit(
            good_record(items=(first, replace(problem, category=code))), CHECKPOINTS
        )
        assert (found == []) is ok, (code, found)
    assert item_category(problem).code == "corrected"
    assert item_category(replace(problem, category="not_disclosed")).code == "not_disclosed"
    assert item_category(problem, ending="unreachable").code == "unreachable"


def test_visits_ending_without_checkpoints() -> None:
    ended = good_record(ending="unreachable", representative="", items=())
    assert validate_visit(ended, CHECKPOINTS) == []
    stray = good_record(ending="closed", representative="")
    errors = validate_visit(stray, CHECKPOINTS)
    assert "事项11：检查以“已关闭停业或正在组织清算”结束，不应填写检查要点" in errors
    assert "事项12：检查以“已关闭停业或正在组织清算”结束，不应填写后续处置措施" in errors
    assert "事项12：检查结果应为“已关闭停业或正在组织清算”" in errors
    assert validate_visit(good_record(ending="no_problem"), CHECKPOINTS)[-1].startswith(
        "结束情形：“no_problem”不是可选的结束情形"
    )


# --- review --------------------------------------------------------------------------------


def test_the_platform_workflow() -> None:
    member, leader = {Role.MEMBER}, {Role.LEADER}
    state = transition(ReviewState.NOT_ENTERED, "submit", roles=member)
    assert state is ReviewState.PENDING
    state = transition(state, "return", roles=leader, opinion="第3项未写明理由")
    assert state is ReviewState.RETURNED and is_editable(state)
    state = transition(state, "submit", roles=member)
    state = transition(state, "approve", roles=leader)
    assert state is ReviewState.APPROVED and not is_editable(state)
    state = transition(state, "publish", roles={Role.COORDINATOR})
    assert state is ReviewState.PUBLISHED
    assert transition(state, "amend", roles=member, opinion="笔误") is ReviewState.PENDING
    assert ReviewState.PUBLISHED.label == "已公示"


def test_illegal_steps_are_refused_with_reasons() -> None:
    with pytest.raises(
        ReviewError, match="“待审核”状态下不能“提交审核”（可执行：审核通过、退回修改）"
    ):
        transition(ReviewState.PENDING, "submit", roles={Role.MEMBER})
    with pytest.raises(ReviewError, match="无权“审核通过”：仅单位负责人可以执行"):
        transition(ReviewState.PENDING, "approve", roles={Role.MEMBER, Role.COORDINATOR})
    with pytest.raises(ReviewError, match="须填写退回意见"):
        transition(ReviewState.PENDING, "return", roles={Role.LEADER}, opinion="  ")
    with pytest.raises(ReviewError, match="须填写理由"):
        transition(ReviewState.APPROVED, "amend", roles={Role.MEMBER})
    with pytest.raises(ReviewError, match="“未录入”状态下不能“审核通过”"):
        transition(ReviewState.NOT_ENTERED, "approve", roles={Role.LEADER})
    with pytest.raises(ReviewError, match="不能“delete”"):
        transition(ReviewState.APPROVED, "delete", roles={Role.LEADER})


@given(
    st.sampled_from(list(ReviewState)),
    st.sampled_from(sorted({t.action for t in TRANSITIONS} | {"delete"})),
    st.sets(st.sampled_from(list(Role))),
)
def test_only_listed_transitions_happen(state: ReviewState, action: str, roles: set[Role]) -> None:
    listed = [t for t in allowed_actions(state, roles) if t.action == action]
    try:
        target = transition(state, action, roles=roles, opinion="意见")
    except ReviewError:
        assert not listed
    else:
        assert [t.target for t in listed] == [target]
        assert Role.SUPERVISOR not in roles or roles - {Role.SUPERVISOR}


def test_supervisor_never_acts() -> None:
    for state in ReviewState:
        assert allowed_actions(state, {Role.SUPERVISOR}) == []


# --- risk ----------------------------------------------------------------------------------


def test_risk_proposals() -> None:
    up = propose_risk(RiskLevel.LOW, ["no_problem", "corrected"])
    assert up is not None and up.proposed is RiskLevel.MEDIUM_LOW
    assert "发现问题已责令改正" in up.reason
    assert propose_risk(RiskLevel.HIGH, ["pending_follow_up"]) is None
    obstructed = propose_risk(RiskLevel.MEDIUM, ["obstructed"])
    assert obstructed is not None and obstructed.proposed is RiskLevel.HIGH
    unrated = propose_risk(None, ["violates_police_rules"])
    assert unrated is not None and unrated.proposed is RiskLevel.MEDIUM
    assert propose_risk(RiskLevel.MEDIUM, ["no_problem"]) is None
    down = propose_risk(RiskLevel.MEDIUM, ["no_problem"], lower_when_clean=True)
    assert down is not None and down.proposed is RiskLevel.MEDIUM_LOW
    assert propose_risk(RiskLevel.LOW, ["no_problem"], lower_when_clean=True) is None
    assert propose_risk(None, ["no_problem"], lower_when_clean=True) is None
    assert propose_risk(RiskLevel.MEDIUM, ["unreachable"], lower_when_clean=True) is None
    assert propose_risk(RiskLevel.MEDIUM, []) is None


# --- delivery and due status -----------------------------------------------------------------


def test_notice_delivery() -> None:
    assert validate_delivery("post", DAY - timedelta(3), DAY) == []
    assert validate_delivery("in_person", DAY, DAY) == []
    assert validate_delivery("unannounced", None, DAY) == []
    assert validate_delivery("unannounced", DAY, DAY) == [
        "通知日期：不予通知的检查不应填写通知日期"
    ]
    assert validate_delivery("sms", None, DAY) == ["通知日期：未填写"]
    assert validate_delivery("phone", DAY + timedelta(1), DAY) == [
        f"通知日期：{DAY + timedelta(1)}晚于检查日期{DAY}"
    ]
    assert validate_delivery("fax", DAY, DAY)[0].startswith("通知方式：“fax”不是可选的通知方式")
    assert list(DELIVERY_METHODS.values()) == ["当场", "邮寄", "电话", "短信", "不予通知"]


def test_due_status() -> None:
    due = date(2022, 10, 31)
    assert due_status(due, date(2022, 11, 1)) is DueStatus.OVERDUE
    assert due_status(due, due) is DueStatus.DUE_SOON
    assert due_status(due, date(2022, 10, 26)) is DueStatus.DUE_SOON
    assert due_status(due, date(2022, 10, 25)) is DueStatus.ON_TIME
    assert due_status(due, date(2022, 10, 25), soon_days=6) is DueStatus.DUE_SOON


# --- property: a complete record validates, and each gap is named -----------------------------

point_findings = st.sampled_from(list(Finding))


@st.composite
def complete_records(draw: st.DrawFn) -> tuple[VisitRecord, dict[str, list[str]]]:
    sizes = draw(st.lists(st.integers(min_value=1, max_value=13), min_size=1, max_size=4))
    checkpoints = {
        str(i + 1): [f"要点{i + 1}-{n}" for n in range(1, size + 1)] for i, size in enumerate(sizes)
    }
    items = []
    for key, points in checkpoints.items():
        findings = tuple(
            CheckpointFinding(
                number=n,
                finding=(kind := draw(point_findings)),
                reason="理由" if kind is Finding.NOT_APPLICABLE else "",
                problem="问题" if kind is Finding.PROBLEM else "",
            )
            for n in range(1, len(points) + 1)
        )
        has_problem = any(f.finding is Finding.PROBLEM for f in findings)
        measures = (correction(),) if has_problem else ()
        items.append(ItemResult(item_key=key, findings=findings, measures=measures))
    order = draw(st.permutations(items))
    return good_record(items=tuple(order)), checkpoints


@given(complete_records(), st.data())
def test_complete_records_validate_and_gaps_are_named(
    case: tuple[VisitRecord, dict[str, list[str]]], data: st.DataObject
) -> None:
    record, checkpoints = case
    assert validate_visit(record, checkpoints) == []
    index = data.draw(st.integers(min_value=0, max_value=len(record.items) - 1))
    item = record.items[index]
    dropped = data.draw(st.sampled_from(item.findings))
    kept = tuple(f for f in item.findings if f is not dropped)
    broken_item = replace(item, findings=kept, measures=item.measures)
    broken = replace(
        record, items=record.items[:index] + (broken_item,) + record.items[index + 1 :]
    )
    errors = validate_visit(broken, checkpoints)
    text = checkpoints[item.item_key][dropped.number - 1]
    assert f"事项{item.item_key}第{dropped.number}项检查要点“{text}”：未填写检查情况" in errors
    if dropped.finding is not Finding.PROBLEM or any(f.finding is Finding.PROBLEM for f in kept):
        assert len(errors) == 1, errors
