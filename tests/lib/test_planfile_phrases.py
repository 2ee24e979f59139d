"""The phrase parsers behind the plan reader: examples from real plans, then properties."""

from __future__ import annotations

import contextlib
import os
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.lib.plantext import (
    RiskMix,
    SamplingRule,
    UnstructuredPhrase,
    format_category,
    format_estimated_targets,
    format_mode,
    format_risk_mix,
    format_sampling_rule,
    format_window,
    is_event_driven,
    parse_category,
    parse_chinese_number,
    parse_estimated_targets,
    parse_item_number,
    parse_mode,
    parse_risk_mix,
    parse_sampling_rule,
    parse_window,
    split_checkpoints,
    split_departments,
)


def examples(count: int) -> int:
    """Hypothesis examples; PLANFILE_EXAMPLE_SCALE=20 runs a deeper search than the quick default."""
    return max(1, int(count * float(os.environ.get("PLANFILE_EXAMPLE_SCALE", "1"))))


FEW = settings(max_examples=examples(60), deadline=None)

# Text that can never form a list marker, a separator or a phrase keyword by accident.
HAN = "是否落实检查安全管理制度责任单位情况网络服务宾馆旅店许可证登记保卫组织人员技术措施"
point_text = st.text(alphabet=HAN + "，《》“”", min_size=1, max_size=12).filter(
    lambda s: s[0] in HAN and s[-1] in HAN
)


# --- sampling rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ratio", "times"),
    [
        ("全年抽查比例不低于5%，每年抽查1次", Decimal(5), 1),
        ("不低于5%", Decimal(5), None),
        ("5％", Decimal(5), None),
        ("抽查比例2.5%，每年1次", Decimal("2.5"), 1),
        ("全年抽查比例不低于百分之五，每年抽查一次", Decimal(5), 1),
        ("百分之二点五", Decimal("2.5"), None),
        ("每年抽查1次", None, 1),
        ("一次", None, 1),
        ("每年1次；比例不低于10%", Decimal(10), 1),
        ("全年抽查比例不低于５％，每年抽查２次。", Decimal(5), 2),
        (" 全年抽查比例 不低于 5% ，\n每年抽查1次 ", Decimal(5), 1),
    ],
)
def test_sampling_rule_variants(text: str, ratio: Decimal | None, times: int | None) -> None:
    assert parse_sampling_rule(text) == SamplingRule(ratio, times, False)


@pytest.mark.parametrize(
    "text",
    [
        "按大型群众性活动实际执行",
        "按焰火晚会以及其他大型焰火燃放活动实际执行",
        "按重大安保任务实际执行",
        "按照上级部署实际情况执行",
    ],
)
def test_sampling_rule_event_driven(text: str) -> None:
    assert parse_sampling_rule(text) == SamplingRule(None, None, True)
    assert is_event_driven(text)


@pytest.mark.parametrize(
    "text", ["视情况而定", "5", "不超过5%", "比例0%", "150%", "每年0次", "5%每月1次", "按季度"]
)
def test_sampling_rule_unparseable(text: str) -> None:
    with pytest.raises(UnstructuredPhrase):
        parse_sampling_rule(text)


def test_sampling_rule_empty_is_unknown() -> None:
    assert parse_sampling_rule("  ") == SamplingRule()


ratios = st.decimals(min_value=Decimal("0.01"), max_value=100, places=2).filter(lambda d: d > 0)


@FEW
@given(ratio=st.one_of(st.none(), ratios), times=st.one_of(st.none(), st.integers(1, 52)))
def test_sampling_rule_round_trips(ratio: Decimal | None, times: int | None) -> None:
    rule = SamplingRule(ratio, times, False)
    text = format_sampling_rule(rule)
    if ratio is None and times is None:
        assert text == ""
        return
    assert parse_sampling_rule(text) == rule


@FEW
@given(
    ratio=st.integers(1, 100),
    times=st.integers(1, 12),
    prefix=st.sampled_from(["", "全年", "全年抽查比例", "抽查比例不低于", "全年抽查比例不低于"]),
    percent=st.sampled_from(["%", "％"]),
    separator=st.sampled_from(["，", ",", "；", "、", ""]),
    times_phrase=st.sampled_from(["每年抽查{}次", "每年{}次", "{}次/年", "全年抽查{}次"]),
)
def test_sampling_rule_phrasings(
    ratio: int, times: int, prefix: str, percent: str, separator: str, times_phrase: str
) -> None:
    text = f"{prefix}{ratio}{percent}{separator}{times_phrase.format(times)}"
    assert parse_sampling_rule(text) == SamplingRule(Decimal(ratio), times, False)


@FEW
@given(what=point_text)
def test_event_driven_round_trips(what: str) -> None:
    assert parse_sampling_rule(f"按{what}实际执行").event_driven
    assert parse_sampling_rule(format_sampling_rule(SamplingRule(event_driven=True))).event_driven


# --- window ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("5月-11月", (5, 11)),
        ("5-11月", (5, 11)),
        ("5月至11月", (5, 11)),
        ("5月～11月", (5, 11)),
        ("5月~11月", (5, 11)),
        ("5月—11月", (5, 11)),
        ("五月至十一月", (5, 11)),
        ("2022年5月-2022年11月", (5, 11)),
        ("1月-12月", (1, 12)),
        ("全年", (1, 12)),
        ("6月", (6, 6)),
        ("下半年", (7, 12)),
        ("", None),
    ],
)
def test_window_variants(text: str, window: tuple[int, int] | None) -> None:
    assert parse_window(text) == window


@pytest.mark.parametrize("text", ["11月-5月", "0月-3月", "5月-13月", "次年", "5月-次年2月", "春季"])
def test_window_invalid_is_refused(text: str) -> None:
    with pytest.raises(UnstructuredPhrase):
        parse_window(text)


@FEW
@given(start=st.integers(1, 12), end=st.integers(1, 12), style=st.integers(0, 3))
def test_window_round_trips(start: int, end: int, style: int) -> None:
    start, end = min(start, end), max(start, end)
    texts = [
        format_window(start, end),
        f"{start}-{end}月",
        f"{start}月至{end}月",
        f"{start}月～{end}月",
    ]
    assert parse_window(texts[style]) == (start, end)


# --- estimated targets and risk mix ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [("5家", 5), ("5", 5), ("5个", 5), ("五家", 5), ("", None), ("按实际执行", None)],
)
def test_estimated_targets(text: str, count: int | None) -> None:
    assert parse_estimated_targets(text) == count


@pytest.mark.parametrize("text", ["约5家", "若干", "5-6家"])
def test_estimated_targets_unparseable(text: str) -> None:
    with pytest.raises(UnstructuredPhrase):
        parse_estimated_targets(text)


def test_risk_mix_seed_phrase() -> None:
    text = "低风险抽查对象4家；中低风险抽查对象1家；中风险抽查对象0家；高风险抽查对象0家"
    assert parse_risk_mix(text) == RiskMix(4, 1, 0, 0)


def test_risk_mix_tells_medium_low_from_low_and_medium() -> None:
    assert parse_risk_mix("中低风险2家") == RiskMix(None, 2, None, None)
    assert parse_risk_mix("中风险3家，低风险1家") == RiskMix(1, None, 3, None)
    assert parse_risk_mix("高风险：1家\n低风险：2家") == RiskMix(2, None, None, 1)


def test_risk_mix_event_driven_and_empty() -> None:
    assert parse_risk_mix("按大型群众性活动实际执行") == RiskMix()
    assert parse_risk_mix("") == RiskMix()


@pytest.mark.parametrize("text", ["中高风险1家", "低风险1家；低风险2家", "风险较低", "低风险若干"])
def test_risk_mix_unparseable(text: str) -> None:
    with pytest.raises(UnstructuredPhrase):
        parse_risk_mix(text)


counts = st.one_of(st.none(), st.integers(0, 500))


@FEW
@given(low=counts, medium_low=counts, medium=counts, high=counts, sep=st.sampled_from("；;，、"))
def test_risk_mix_round_trips(
    low: int | None, medium_low: int | None, medium: int | None, high: int | None, sep: str
) -> None:
    mix = RiskMix(low, medium_low, medium, high)
    assert parse_risk_mix(format_risk_mix(mix)) == mix
    assert parse_risk_mix(format_risk_mix(mix).replace("；", sep)) == mix


@FEW
@given(count=st.one_of(st.none(), st.integers(0, 100000)))
def test_estimated_targets_round_trips(count: int | None) -> None:
    assert parse_estimated_targets(format_estimated_targets(count)) == count


# --- checkpoints -------------------------------------------------------------------------------


def test_checkpoints_split_on_semicolons() -> None:
    content = (
        "是否取得特种行业许可证，开展农村旅馆业特种行业许可证复核工作；是否落实旅客信息登记情况；"
        "是否建立安全管理制度，治安保卫组织或者指定安全保卫人员"
    )
    assert split_checkpoints(content) == [
        "是否取得特种行业许可证，开展农村旅馆业特种行业许可证复核工作",
        "是否落实旅客信息登记情况",
        "是否建立安全管理制度，治安保卫组织或者指定安全保卫人员",
    ]


@pytest.mark.parametrize(
    "content",
    [
        "1. 甲情况 2. 乙情况 3. 丙情况",
        "1、甲情况；2、乙情况；3、丙情况。",
        "（1）甲情况（2）乙情况（3）丙情况",
        "(1) 甲情况\n(2) 乙情况\n(3) 丙情况",
        "1) 甲情况 2) 乙情况 3) 丙情况",
        "①甲情况②乙情况③丙情况",
        "一、甲情况 二、乙情况 三、丙情况",
        "检查内容如下：1.甲情况；2.乙情况；3.丙情况",
        "１．甲情况 ２．乙情况 ３．丙情况",
    ],
)
def test_checkpoints_numbered_styles(content: str) -> None:
    assert split_checkpoints(content) == ["甲情况", "乙情况", "丙情况"]


def test_checkpoints_not_fooled_by_numbers_in_text() -> None:
    content = "1. 抽查比例不低于5%的情况 2. 2022年以来的记录 3. 第1.5条的落实"
    assert split_checkpoints(content) == [
        "抽查比例不低于5%的情况",
        "2022年以来的记录",
        "第1.5条的落实",
    ]
    assert split_checkpoints("检查第1、2、3级单位") == ["检查第1、2、3级单位"]
    assert split_checkpoints("按2022年要求，比例1.5%") == ["按2022年要求，比例1.5%"]


def test_checkpoints_need_consecutive_numbers_from_one() -> None:
    assert split_checkpoints("2. 甲；3. 乙") == ["2. 甲", "3. 乙"]
    assert split_checkpoints("1. 甲 3. 乙") == ["1. 甲 3. 乙"]


def test_checkpoints_sub_list_stays_inside_its_point() -> None:
    content = "1. 甲：（1）子一（2）子二 2. 乙"
    assert split_checkpoints(content) == ["甲：（1）子一（2）子二", "乙"]


def test_checkpoints_empty() -> None:
    assert split_checkpoints("") == []
    assert split_checkpoints("；；") == []


@FEW
@given(
    points=st.lists(point_text, min_size=2, max_size=15),
    style=st.sampled_from(["{}. ", "{}、", "（{}）", "({})", "{}．"]),
    joiner=st.sampled_from([" ", "；", "\n", ""]),
    noise=st.sampled_from(["", "5%", "2022年", "1.5倍"]),
)
def test_checkpoints_numbered_round_trip(
    points: list[str], style: str, joiner: str, noise: str
) -> None:
    noisy = [point + noise for point in points]
    content = joiner.join(style.format(n) + point for n, point in enumerate(noisy, start=1))
    assert split_checkpoints(content) == noisy


@FEW
@given(points=st.lists(point_text, min_size=1, max_size=10), separator=st.sampled_from("；;\n"))
def test_checkpoints_separated_round_trip(points: list[str], separator: str) -> None:
    assert split_checkpoints(separator.join(points)) == points


# --- departments, mode, category, numbers ------------------------------------------------------


def test_departments() -> None:
    assert split_departments("住房城乡建设等相关部门") == ["住房城乡建设等相关部门"]
    assert split_departments("市场监管局、消防救援大队，应急局; 住建局；") == [
        "市场监管局",
        "消防救援大队",
        "应急局",
        "住建局",
    ]
    assert split_departments("") == []


@FEW
@given(names=st.lists(point_text.filter(lambda s: "，" not in s), min_size=0, max_size=6))
def test_departments_round_trip(names: list[str]) -> None:
    assert split_departments("、".join(names)) == names


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("部门联合", "joint"),
        ("联合", "joint"),
        ("公安内部", "internal"),
        ("内部", "internal"),
        ("本部门", "internal"),
        ("", None),
    ],
)
def test_mode(text: str, mode: str | None) -> None:
    assert parse_mode(text) == mode
    assert parse_mode(format_mode(mode)) == mode


@pytest.mark.parametrize(
    ("text", "category"),
    [("一般检查事项", "general"), ("一般", "general"), ("重点检查事项", "key"), ("", None)],
)
def test_category(text: str, category: str | None) -> None:
    assert parse_category(text) == category
    assert parse_category(format_category(category)) == category


@pytest.mark.parametrize("text", ["/", "／", "—", "无", " - "])
def test_not_applicable_marks(text: str) -> None:
    assert parse_mode(text) is None and parse_category(text) is None
    assert parse_sampling_rule(text) == SamplingRule()
    assert parse_window(text) is None and parse_estimated_targets(text) is None
    assert parse_risk_mix(text) == RiskMix() and split_departments(text) == []


def test_unknown_mode_and_category_are_refused() -> None:
    with pytest.raises(UnstructuredPhrase):
        parse_mode("随机")
    with pytest.raises(UnstructuredPhrase):
        parse_category("特殊")


def test_item_numbers_and_chinese_numbers() -> None:
    assert [parse_item_number(t) for t in ("1", "01", "（3）", "4.", " 12 ", "")] == [
        1,
        1,
        3,
        4,
        12,
        None,
    ]
    with pytest.raises(UnstructuredPhrase):
        parse_item_number("一")
    assert [
        parse_chinese_number(t) for t in ("五", "十", "十一", "二十", "一百零五", "二〇二二")
    ] == [
        5,
        10,
        11,
        20,
        105,
        2022,
    ]
    assert parse_chinese_number("五家") is None


@FEW
@given(number=st.integers(0, 999))
def test_chinese_numbers_round_trip(number: int) -> None:
    digits = "零一二三四五六七八九"
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    text = ""
    if hundreds:
        text += digits[hundreds] + "百"
        if tens == 0 and ones:
            text += "零"
    if tens:
        text += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    if ones or not text:
        text += digits[ones]
    assert parse_chinese_number(text) == number


# --- layouts of published plans: ranges, counts, remarks, risk levels, deadlines ----------------

from spotcheck.lib.plantext import parse_risk_ratios  # noqa: E402


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3%；2次/年", SamplingRule(Decimal(3), 2)),
        ("25%，不少于1次/年", SamplingRule(Decimal(25), 1)),
        ("10-20%", SamplingRule(Decimal(10), ratio_max_percent=Decimal(20))),
        ("2%-5%", SamplingRule(Decimal(2), ratio_max_percent=Decimal(5))),
        ("抽查比例5%～10%，每年1次", SamplingRule(Decimal(5), 1, ratio_max_percent=Decimal(10))),
        ("60-70家", SamplingRule(count_min=60, count_max=70)),
        ("抽查不少于3户", SamplingRule(count_min=3)),
        ("1户（实际以当年登记数为准）", SamplingRule(count_min=1, remark="实际以当年登记数为准")),
        (
            "对低风险、中风险、高风险企业分别按3%、5%、10%比例抽查",
            SamplingRule(
                risk_ratios=(("low", Decimal(3)), ("medium", Decimal(5)), ("high", Decimal(10)))
            ),
        ),
        (
            "低风险企业抽查比例不低于3%；高风险企业抽查比例不低于10%，每年1次",
            SamplingRule(
                times_per_year=1, risk_ratios=(("low", Decimal(3)), ("high", Decimal(10)))
            ),
        ),
    ],
)
def test_published_ratio_phrases(text: str, expected: SamplingRule) -> None:
    assert parse_sampling_rule(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "=1",
        "0.05",
        "市级医疗保障部门每年对定点医疗机构抽查不少于10%",
        "20-10%",
        "70-60家",
        "0家",
        "5%；6%",
        "对低风险、中风险企业分别按3%比例抽查",
        "对较高风险、高风险企业分别按3%、5%比例抽查",
        "0-5%",
    ],
)
def test_published_ratio_phrases_not_understood(text: str) -> None:
    with pytest.raises(UnstructuredPhrase):
        parse_sampling_rule(text)


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("3月—12月", (3, 12)),
        ("10月底", (1, 10)),
        ("10月底前", (1, 10)),
        ("10月31日前", (1, 10)),
        ("截至11月底", (1, 11)),
        ("2023年10月至11月", (10, 11)),
        ("2023年10月-2023年11月", (10, 11)),
    ],
)
def test_published_windows(text: str, window: tuple[int, int]) -> None:
    assert parse_window(text) == window


def test_13th_month_deadline_is_not_a_window() -> None:
    with pytest.raises(UnstructuredPhrase):
        parse_window("13月底")


percents = st.decimals(min_value=Decimal("0.1"), max_value=Decimal(100), places=1)
levels = st.lists(
    st.sampled_from(["low", "medium_low", "medium", "high"]), min_size=1, max_size=4, unique=True
)


@st.composite
def extended_rules(draw: st.DrawFn) -> SamplingRule:
    ratio = draw(st.one_of(st.none(), percents))
    ratio_max = None
    if ratio is not None and ratio < 100 and draw(st.booleans()):
        ratio_max = draw(st.decimals(min_value=ratio + Decimal("0.1"), max_value=100, places=1))
    count = draw(st.one_of(st.none(), st.integers(1, 500)))
    count_max = None
    if count is not None and draw(st.booleans()):
        count_max = draw(st.integers(count + 1, 1000))
    risk = tuple((level, draw(percents)) for level in draw(st.one_of(st.just([]), levels)))
    times = draw(st.one_of(st.none(), st.integers(1, 12)))
    remark = draw(st.one_of(st.just(""), st.text(alphabet=HAN, min_size=1, max_size=12)))
    if ratio is None and count is None and not risk and times is None:
        times = 1
    return SamplingRule(
        ratio_percent=ratio,
        times_per_year=times,
        ratio_max_percent=ratio_max,
        count_min=count,
        count_max=count_max,
        risk_ratios=risk,
        remark=remark,
    )


@FEW
@given(rule=extended_rules())
def test_extended_rules_read_back_what_they_format(rule: SamplingRule) -> None:
    assert parse_sampling_rule(format_sampling_rule(rule)) == rule


@FEW
@given(low=percents, high=percents, spaces=st.sampled_from(["", " ", "\u3000"]))
def test_ratio_ranges_are_ordered_or_refused(low: Decimal, high: Decimal, spaces: str) -> None:
    text = f"{low}%{spaces}-{spaces}{high}%"
    if low < high:
        rule = parse_sampling_rule(text)
        assert (rule.ratio_percent, rule.ratio_max_percent) == (low, high)
    else:
        with pytest.raises(UnstructuredPhrase):
            parse_sampling_rule(text)


@FEW
@given(
    ratios=st.lists(
        st.tuples(st.sampled_from(["低", "中低", "中", "高"]), percents),
        min_size=1,
        max_size=4,
        unique_by=lambda p: p[0],
    )
)
def test_risk_ratio_lists(ratios: list[tuple[str, Decimal]]) -> None:
    names = "、".join(f"{level}风险" for level, _ in ratios)
    values = "、".join(f"{percent}%" for _, percent in ratios)
    text = f"对{names}企业分别按{values}比例抽查"
    fields = {"低": "low", "中低": "medium_low", "中": "medium", "高": "high"}
    if len(ratios) == 1:
        found = parse_risk_ratios(f"{ratios[0][0]}风险企业抽查比例不低于{ratios[0][1]}%")
    else:
        found = parse_risk_ratios(text)
    assert found == {fields[level]: percent for level, percent in ratios}


@FEW
@given(
    text=st.text(
        alphabet="0123456789%-—～至到家户次年每不少于低中高风险企业分别按、，；（）()=. ",
        max_size=30,
    )
)
def test_phrase_parsers_never_raise_anything_else(text: str) -> None:
    for parser in (parse_sampling_rule, parse_risk_ratios, parse_window):
        with contextlib.suppress(UnstructuredPhrase):
            parser(text)


@FEW
@given(month=st.integers(1, 12), suffix=st.sampled_from(["底", "末", "底前", "前", "30日前"]))
def test_deadlines_run_from_january(month: int, suffix: str) -> None:
    assert parse_window(f"{month}月{suffix}") == (1, month)
