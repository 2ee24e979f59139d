"""Phrase parsers for the cells of a 双随机、一公开 annual plan.

Each parser takes one cell's text and either returns its structured meaning or raises
`UnstructuredPhrase`; the file reader then keeps the text as it is and flags it for review.
Each `format_*` function writes a phrase its parser reads back to the same value, so that
items built in code can be exported in the published layout.

Texts are normalised (NFKC: fullwidth digits, ％, ：, ；, ， become ASCII) only to be understood;
callers keep the original text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

__all__ = [
    "RiskMix",
    "SamplingRule",
    "UnstructuredPhrase",
    "format_category",
    "format_estimated_targets",
    "format_mode",
    "format_risk_mix",
    "format_sampling_rule",
    "format_window",
    "is_event_driven",
    "is_not_applicable",
    "parse_category",
    "parse_chinese_number",
    "parse_estimated_targets",
    "parse_item_number",
    "parse_mode",
    "parse_risk_mix",
    "parse_risk_ratios",
    "parse_sampling_rule",
    "parse_window",
    "split_checkpoints",
    "split_departments",
]


class UnstructuredPhrase(ValueError):
    """A phrase the parsers cannot turn into structured values; `reason` says why, in Chinese."""

    def __init__(self, reason: str = "无法解析") -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class RiskMix:
    """Estimated number of targets per risk level; None where the plan does not say."""

    low: int | None = None
    medium_low: int | None = None
    medium: int | None = None
    high: int | None = None

    def known_total(self) -> int:
        return sum(n for n in (self.low, self.medium_low, self.medium, self.high) if n is not None)

    def is_complete(self) -> bool:
        return None not in (self.low, self.medium_low, self.medium, self.high)


@dataclass(frozen=True)
class SamplingRule:
    """What a 抽查比例和频次 cell says: a minimum ratio, a yearly frequency, or "as it happens"."""

    ratio_percent: Decimal | None = None
    times_per_year: int | None = None
    event_driven: bool = False
    # "10-20%": ratio_percent is the lower bound, this the upper one.
    ratio_max_percent: Decimal | None = None
    # "60-70家" / "1户": a number of targets instead of (or beside) a ratio.
    count_min: int | None = None
    count_max: int | None = None
    # "对低风险、中风险、高风险企业分别按3%、5%、10%比例抽查": (level, percent) pairs.
    risk_ratios: tuple[tuple[str, Decimal], ...] = ()
    # "1户（实际以…为准）": the bracketed remark, as written (squashed).
    remark: str = ""


def squash(text: str) -> str:
    """NFKC and no whitespace at all: the form phrases are matched in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# Plans mark "not applicable" with a slash or a dash rather than leaving a cell empty.
_NOT_APPLICABLE = {"/", "-", "—", "——", "–", "无", "不适用", "暂无"}


def is_not_applicable(text: str) -> bool:
    """ "/", "—", "无": the cell says there is no value. Unlike an empty cell, which in the
    抽查方式 column means "same as above"."""
    return squash(text) in _NOT_APPLICABLE


# --- numbers -------------------------------------------------------------------------------

_CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CHINESE_NUMBER = "[零〇○一二两三四五六七八九十百]+"
_NUMBER = rf"(?:[0-9]+|{_CHINESE_NUMBER})"


def parse_chinese_number(text: str) -> int | None:
    """ "5", "五", "十一", "二十", "一百零五", "二〇二二" -> int; anything else -> None."""
    if re.fullmatch(r"[0-9]+", text):
        return int(text)
    if not text or any(ch not in _CHINESE_DIGITS and ch not in "十百" for ch in text):
        return None
    if "十" not in text and "百" not in text:
        # Digit by digit, as years are written ("二〇二二").
        return int("".join(str(_CHINESE_DIGITS[ch]) for ch in text))
    total = 0
    pending: int | None = None
    for ch in text:
        if ch in _CHINESE_DIGITS:
            if pending is not None and pending != 0:
                return None  # two digits in a row, e.g. "一二十"
            pending = _CHINESE_DIGITS[ch]
        else:
            unit = 10 if ch == "十" else 100
            total += (1 if pending is None else pending) * unit
            pending = None
    return total + (pending or 0)


def _parse_count(text: str) -> int:
    number = parse_chinese_number(text)
    if number is None:
        raise UnstructuredPhrase()
    return number


def _decimal_text(value: Decimal) -> str:
    """5 -> "5", 2.50 -> "2.5", 50 -> "50" (never "5E+1")."""
    return format(value.normalize(), "f")


# --- 按…实际执行 -------------------------------------------------------------------------------

_EVENT_DRIVEN = re.compile(r"按(?:照)?.*实际(?:情况)?执行[。.]?")


def is_event_driven(text: str) -> bool:
    """True for "按大型群众性活动实际执行" and the like: the value is decided case by case."""
    return _EVENT_DRIVEN.fullmatch(squash(text)) is not None


# --- 抽查比例和频次 ------------------------------------------------------------------------------

_PERIOD = "(?:全年|每年|年度|本年度|一年)"
_VERB = "(?:抽查|检查|抽检)"
_AT_LEAST = "(?:不低于|不少于|不小于|不得低于|至少|最低|为|达到|按)"
_RATIO = (
    rf"{_PERIOD}?{_VERB}?(?:比例|比率)?(?:应|须|需)?{_AT_LEAST}?"
    r"(?:(?P<percent>[0-9]+(?:\.[0-9]+)?)%|百分之(?P<chinese_percent>[零〇○一二两三四五六七八九十百点]+))"
)
_TIMES = rf"{_PERIOD}?{_VERB}?(?:不少于|至少|不低于)?(?P<times>{_NUMBER})次(?:/年)?"
_SEPARATOR = "[,;、]?"
_END = "[。.]?"
_RATIO_THEN_TIMES = re.compile(rf"(?:{_RATIO})?{_SEPARATOR}(?:{_TIMES})?{_END}")
_TIMES_THEN_RATIO = re.compile(rf"{_TIMES}{_SEPARATOR}{_RATIO}{_END}")


def _chinese_decimal(text: str) -> Decimal | None:
    whole, _, fraction = text.partition("点")
    number = parse_chinese_number(whole)
    if number is None:
        return None
    if not fraction:
        return Decimal(number)
    if any(ch not in _CHINESE_DIGITS for ch in fraction):
        return None
    return Decimal(f"{number}.{''.join(str(_CHINESE_DIGITS[ch]) for ch in fraction)}")


def parse_sampling_rule(text: str) -> SamplingRule:
    """ "全年抽查比例不低于5%，每年抽查1次" -> ratio 5, once a year; "按…实际执行" -> event driven.

    Also ranges ("10-20%", "2%-5%"), counts ("60-70家", "1户"), a trailing remark in brackets
    ("1户（实际以…为准）") and per-risk-level ratios ("对低风险、高风险企业分别按3%、10%比例抽查").
    """
    phrase = squash(text)
    if not phrase or is_not_applicable(phrase):
        return SamplingRule()
    if is_event_driven(phrase):
        return SamplingRule(event_driven=True)
    match = _RATIO_THEN_TIMES.fullmatch(phrase) or _TIMES_THEN_RATIO.fullmatch(phrase)
    if match is None:
        return _parse_extended_rule(phrase)
    ratio: Decimal | None = None
    if match["percent"] is not None:
        ratio = Decimal(match["percent"])
    elif match["chinese_percent"] is not None:
        ratio = _chinese_decimal(match["chinese_percent"])
        if ratio is None:
            raise UnstructuredPhrase()
    times = _parse_count(match["times"]) if match["times"] is not None else None
    if ratio is None and times is None:
        raise UnstructuredPhrase()
    _check_ratio(ratio)
    if times == 0:
        raise UnstructuredPhrase("抽查次数应大于0")
    return SamplingRule(ratio_percent=ratio, times_per_year=times)


def _check_ratio(ratio: Decimal | None) -> None:
    if ratio is not None and not Decimal(0) < ratio <= Decimal(100):
        raise UnstructuredPhrase("抽查比例应大于0%且不超过100%")


_RANGE_DASH = "[-~—–〜至到]+"
_PERCENT_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_RATIO_PREFIX = rf"{_PERIOD}?{_VERB}?(?:比例|比率)?(?:应|须|需)?{_AT_LEAST}?"
_RATIO_RANGE = re.compile(
    rf"{_RATIO_PREFIX}(?P<low>{_PERCENT_NUMBER})%?{_RANGE_DASH}(?P<high>{_PERCENT_NUMBER})%[。.]?"
)
_SINGLE_RATIO = re.compile(rf"{_RATIO}[。.]?")
_SINGLE_TIMES = re.compile(rf"{_TIMES}[。.]?")
_COUNT_UNIT = "(?:家|户|个|处|所|人|批次|批)"
_COUNT = re.compile(
    rf"{_PERIOD}?{_VERB}?(?:对象|企业|单位)?(?:数量)?{_AT_LEAST}?"
    rf"(?P<low>[0-9]+){_COUNT_UNIT}?(?:{_RANGE_DASH}(?P<high>[0-9]+))?{_COUNT_UNIT}(?:以上)?[。.]?"
)
_REMARK = re.compile(r"(?P<core>.+?)\((?P<remark>[^()]+)\)[。.]?")


def _parse_extended_rule(phrase: str) -> SamplingRule:
    remark = ""
    bracketed = _REMARK.fullmatch(phrase)
    if bracketed:
        phrase, remark = bracketed["core"], bracketed["remark"]
    risk: tuple[tuple[str, Decimal], ...] = ()
    risk_match = _find_risk_ratios(phrase)
    if risk_match is not None:
        ratios, start, end = risk_match
        risk = tuple(ratios.items())
        phrase = phrase[:start] + ";" + phrase[end:]
    ratio: tuple[Decimal, Decimal | None] | None = None
    count: tuple[int, int | None] | None = None
    times: int | None = None
    for part in re.split(r"[,;，；]+", phrase):
        if not part or part in "。.":
            continue
        if (found := _RATIO_RANGE.fullmatch(part)) is not None and ratio is None:
            ratio = (Decimal(found["low"]), Decimal(found["high"]))
        elif (found := _SINGLE_RATIO.fullmatch(part)) is not None and ratio is None:
            single = (
                Decimal(found["percent"])
                if found["percent"] is not None
                else _chinese_decimal(found["chinese_percent"])
            )
            if single is None:
                raise UnstructuredPhrase()
            ratio = (single, None)
        elif (found := _SINGLE_TIMES.fullmatch(part)) is not None and times is None:
            times = _parse_count(found["times"])
        elif (found := _COUNT.fullmatch(part)) is not None and count is None:
            high = int(found["high"]) if found["high"] is not None else None
            count = (int(found["low"]), high)
        else:
            raise UnstructuredPhrase()
    if ratio is None and count is None and times is None and not risk:
        raise UnstructuredPhrase()
    for percent in (*(ratio or ()), *(p for _, p in risk)):
        _check_ratio(percent)
    if ratio is not None and ratio[1] is not None and ratio[1] <= ratio[0]:
        raise UnstructuredPhrase("比例范围的下限应小于上限")
    if count is not None and count[1] is not None and count[1] <= count[0]:
        raise UnstructuredPhrase("数量范围的下限应小于上限")
    if (count is not None and count[0] == 0) or times == 0:
        raise UnstructuredPhrase("抽查数量和次数应大于0")
    return SamplingRule(
        ratio_percent=ratio[0] if ratio else None,
        times_per_year=times,
        ratio_max_percent=ratio[1] if ratio else None,
        count_min=count[0] if count else None,
        count_max=count[1] if count else None,
        risk_ratios=risk,
        remark=remark,
    )


_RISK_RATIO_LEVELS = {"低": "low", "中低": "medium_low", "中": "medium", "高": "high"}
_LEVEL_WORD = "(?:中低|中高|较低|较高|低|中|高)"
# "对低风险、中风险、高风险企业分别按3%、5%、10%的比例抽查"
_RISK_LIST = re.compile(
    rf"(?:对)?(?P<levels>{_LEVEL_WORD}(?:风险)?(?:[、和及与,]{_LEVEL_WORD}(?:风险)?)+)(?:等级)?"
    r"(?:的)?(?:企业|对象|单位|市场主体|经营主体|检查对象|抽查对象)?(?:分别)?(?:按照?|为)?"
    rf"(?P<ratios>{_PERCENT_NUMBER}%(?:[、和及与,]{_PERCENT_NUMBER}%)+)"
    r"(?:的)?(?:比例)?(?:进行)?(?:抽查|检查)?"
)
# "低风险企业抽查比例不低于3%" (one level; several such parts may follow each other)
_RISK_ONE = re.compile(
    rf"(?P<level>{_LEVEL_WORD})风险(?:等级)?的?(?:企业|对象|单位|市场主体|经营主体)?"
    rf"{_VERB}?(?:比例|比率)?{_AT_LEAST}?(?:按)?(?P<percent>{_PERCENT_NUMBER})%(?:的)?(?:比例)?(?:抽查)?"
)


def _risk_field(level: str) -> str:
    field = _RISK_RATIO_LEVELS.get(level)
    if field is None:
        raise UnstructuredPhrase(f"无法识别的风险等级“{level}风险”")
    return field


def _find_risk_ratios(phrase: str) -> tuple[dict[str, Decimal], int, int] | None:
    """Per-level ratios stated in `phrase`, with the span they take; None if it states none."""
    listed = _RISK_LIST.search(phrase)
    if listed is not None:
        levels = re.findall(_LEVEL_WORD, listed["levels"])
        percents = re.findall(_PERCENT_NUMBER, listed["ratios"])
        if len(levels) != len(percents):
            raise UnstructuredPhrase("风险等级与比例的个数不一致")
        ratios: dict[str, Decimal] = {}
        for level, percent in zip(levels, percents, strict=True):
            field = _risk_field(level)
            if field in ratios:
                raise UnstructuredPhrase(f"“{level}风险”出现了两次")
            ratios[field] = Decimal(percent)
        return ratios, listed.start(), listed.end()
    found = list(_RISK_ONE.finditer(phrase))
    if not found:
        return None
    ratios = {}
    for match in found:
        field = _risk_field(match["level"])
        if field in ratios:
            raise UnstructuredPhrase(f"“{match['level']}风险”出现了两次")
        ratios[field] = Decimal(match["percent"])
    between = [phrase[a.end() : b.start()] for a, b in pairwise(found)]
    if any(re.sub(r"[,;，；、。.]", "", gap) for gap in between):
        raise UnstructuredPhrase()
    return ratios, found[0].start(), found[-1].end()


def parse_risk_ratios(text: str) -> dict[str, Decimal]:
    """Per-risk-level ratios a risk rule states ("low"/"medium_low"/"medium"/"high" -> percent).

    "对低风险、中风险、高风险企业分别按3%、5%、10%比例抽查" -> {low: 3, medium: 5, high: 10};
    "" or "/" -> {}; a rule that states no level's ratio raises UnstructuredPhrase.
    """
    phrase = squash(text)
    if not phrase or is_not_applicable(phrase):
        return {}
    found = _find_risk_ratios(phrase)
    if found is None:
        raise UnstructuredPhrase("未写明各风险等级的抽查比例")
    for percent in found[0].values():
        _check_ratio(percent)
    return found[0]


def format_sampling_rule(rule: SamplingRule) -> str:
    if rule.event_driven:
        return "按实际执行"
    parts = []
    if rule.ratio_percent is not None:
        if rule.ratio_max_percent is not None:
            parts.append(
                f"抽查比例{_decimal_text(rule.ratio_percent)}%-{_decimal_text(rule.ratio_max_percent)}%"
            )
        else:
            parts.append(f"全年抽查比例不低于{_decimal_text(rule.ratio_percent)}%")
    if rule.count_min is not None:
        if rule.count_max is not None:
            parts.append(f"抽查{rule.count_min}-{rule.count_max}家")
        else:
            parts.append(f"抽查{rule.count_min}家")
    if len(rule.risk_ratios) == 1:
        ((field, percent),) = rule.risk_ratios
        parts.append(f"{_RISK_LABELS[field]}风险对象抽查比例不低于{_decimal_text(percent)}%")
    elif rule.risk_ratios:
        levels = "、".join(f"{_RISK_LABELS[field]}风险" for field, _ in rule.risk_ratios)
        ratios = "、".join(f"{_decimal_text(percent)}%" for _, percent in rule.risk_ratios)
        parts.append(f"对{levels}对象分别按{ratios}比例抽查")
    if rule.times_per_year is not None:
        parts.append(f"每年抽查{rule.times_per_year}次")
    text = "，".join(parts)
    if rule.remark:
        text += f"（{rule.remark}）"
    return text


# --- 检查时间 ----------------------------------------------------------------------------------

_MONTH = "(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})"
_YEAR_PREFIX = "(?:[0-9]{4}年)?"
_MONTH_RANGE = re.compile(
    rf"{_YEAR_PREFIX}(?P<start>{_MONTH})(?:月份?)?(?:[-~—–〜至到]+){_YEAR_PREFIX}(?P<end>{_MONTH})月份?"
)
_SINGLE_MONTH = re.compile(rf"{_YEAR_PREFIX}(?P<start>{_MONTH})月份?")
# "10月底", "10月底前", "10月31日前", "截至10月底": a deadline, the window runs from January.
_DEADLINE = re.compile(
    rf"(?:于|在|截至|截止|截止到|截止至)?{_YEAR_PREFIX}(?P<end>{_MONTH})月"
    r"(?:底|末|底前|末前|前|[0-9]{1,2}日前|[0-9]{1,2}日)(?:完成)?"
)
_NAMED_PERIODS = {
    "全年": (1, 12),
    "全年度": (1, 12),
    "全年内": (1, 12),
    "上半年": (1, 6),
    "下半年": (7, 12),
}


def parse_window(text: str) -> tuple[int, int] | None:
    """ "5月-11月", "5-11月", "5月至11月", "5月～11月" -> (5, 11); "全年" -> (1, 12); "" -> None.

    A deadline ("10月底", "10月31日前") runs from January: (1, 10).
    """
    phrase = squash(text)
    if not phrase or is_not_applicable(phrase):
        return None
    if phrase in _NAMED_PERIODS:
        return _NAMED_PERIODS[phrase]
    deadline = _DEADLINE.fullmatch(phrase)
    if deadline is not None:
        end = _parse_count(deadline["end"])
        if not 1 <= end <= 12:
            raise UnstructuredPhrase("月份应在1–12月之间且起止有序")
        return 1, end
    match = _MONTH_RANGE.fullmatch(phrase) or _SINGLE_MONTH.fullmatch(phrase)
    if match is None:
        raise UnstructuredPhrase()
    start = _parse_count(match["start"])
    end_text = match.groupdict().get("end")
    end = start if end_text is None else _parse_count(end_text)
    if not 1 <= start <= end <= 12:
        raise UnstructuredPhrase("月份应在1–12月之间且起止有序")
    return start, end


def format_window(start: int | None, end: int | None) -> str:
    if start is None or end is None:
        return ""
    return f"{start}月" if start == end else f"{start}月-{end}月"


# --- 预估抽查对象数 / 风险等级 -------------------------------------------------------------------

_UNIT = "(?:家|个|户|处|所)"
_ESTIMATED_TARGETS = re.compile(rf"(?P<count>{_NUMBER}){_UNIT}?")


def parse_estimated_targets(text: str) -> int | None:
    """ "5家" / "5" / "5个" -> 5; "按…实际执行" or "" -> None."""
    phrase = squash(text)
    if not phrase or is_not_applicable(phrase) or is_event_driven(phrase):
        return None
    match = _ESTIMATED_TARGETS.fullmatch(phrase)
    if match is None:
        raise UnstructuredPhrase()
    return _parse_count(match["count"])


def format_estimated_targets(count: int | None) -> str:
    return "" if count is None else f"{count}家"


_RISK_LEVELS = {"低": "low", "中低": "medium_low", "中": "medium", "高": "high"}
_RISK_LABELS = {field: label for label, field in _RISK_LEVELS.items()}
# "中低" and "中高" are tried before "中" so that "中低风险" is never read as "中".
_RISK_PART = re.compile(
    r"(?P<level>中低|中高|较低|较高|低|中|高)风险(?:等级)?的?(?:抽查|检查)?(?:对象|企业|单位)?"
    rf"(?:数量|数)?(?:为|有)?:?(?P<count>{_NUMBER}){_UNIT}?"
)


def parse_risk_mix(text: str) -> RiskMix:
    """ "低风险抽查对象4家；中低风险抽查对象1家；…" -> RiskMix(4, 1, …); missing levels stay None."""
    normalised = unicodedata.normalize("NFKC", text)
    if not squash(normalised) or is_not_applicable(normalised) or is_event_driven(normalised):
        return RiskMix()
    mix = RiskMix()
    for part in re.split(r"[,;、。\s]+", normalised):
        if not part:
            continue
        match = _RISK_PART.fullmatch(part)
        if match is None:
            raise UnstructuredPhrase()
        field = _RISK_LEVELS.get(match["level"])
        if field is None:
            raise UnstructuredPhrase(f"无法识别的风险等级“{match['level']}风险”")
        if getattr(mix, field) is not None:
            raise UnstructuredPhrase(f"“{match['level']}风险”出现了两次")
        setattr(mix, field, _parse_count(match["count"]))
    return mix


def format_risk_mix(mix: RiskMix) -> str:
    parts = []
    for field in ("low", "medium_low", "medium", "high"):
        count = getattr(mix, field)
        if count is not None:
            parts.append(f"{_RISK_LABELS[field]}风险抽查对象{count}家")
    return "；".join(parts)


# --- 抽查内容 -> checkpoints ----------------------------------------------------------------

_DIGITS = "[0-9０-９]"
# Each marker style of a numbered list. A marker must not continue a number or a word, so
# "2022年", "5%", "1.5" and "v1." are never taken for list markers.
_MARKER_STYLES: dict[str, re.Pattern[str]] = {
    "dot": re.compile(rf"(?<![0-9０-９A-Za-z.．])(?P<n>{_DIGITS}{{1,2}})[.．](?![0-9０-９])"),
    "comma": re.compile(rf"(?<![0-9０-９A-Za-z.．])(?P<n>{_DIGITS}{{1,2}})、"),
    "parenthesised": re.compile(rf"[（(](?P<n>{_DIGITS}{{1,2}})[）)]"),
    "half_parenthesised": re.compile(rf"(?<![0-9０-９A-Za-z（(])(?P<n>{_DIGITS}{{1,2}})[）)]"),
    "circled": re.compile(r"(?P<n>[①-⑳])"),
    "chinese": re.compile(r"(?:^|(?<=[\s;；。，,:：]))(?P<n>[一二三四五六七八九十]{1,2})、"),
}
_POINT_EDGES = " \t\r\n\u3000；;。，,、.．:："


def _marker_number(style: str, text: str) -> int | None:
    if style == "circled":
        return ord(text) - ord("①") + 1
    if style == "chinese":
        return parse_chinese_number(text)
    return int(unicodedata.normalize("NFKC", text))


def _numbered_points(content: str) -> list[str] | None:
    """The points of "1. … 2. …" (or 1、 （1） (1) 1) ① 一、) when numbered 1, 2, 3… in order."""
    best: list[tuple[int, int]] = []  # (start, end) of each marker of the longest run
    for style, pattern in _MARKER_STYLES.items():
        markers = [
            (number, m.start(), m.end())
            for m in pattern.finditer(content)
            if (number := _marker_number(style, m["n"])) is not None
        ]
        for first_index, (number, start, end) in enumerate(markers):
            if number != 1:
                continue
            run = [(start, end)]
            for next_number, next_start, next_end in markers[first_index + 1 :]:
                if next_number == len(run) + 1 and next_start >= run[-1][1]:
                    run.append((next_start, next_end))
            if len(run) > len(best):
                best = run
    if len(best) < 2:
        return None
    points = []
    for index, (_, end) in enumerate(best):
        stop = best[index + 1][0] if index + 1 < len(best) else len(content)
        point = content[end:stop].strip(_POINT_EDGES)
        if not point:
            return None  # "1、2、3级" is not a list
        points.append(point)
    return points


def split_checkpoints(content: str) -> list[str]:
    """The points to check: a numbered list if the content has one, else split on ；; and lines."""
    numbered = _numbered_points(content)
    if numbered is not None:
        return numbered
    points = (part.strip(_POINT_EDGES) for part in re.split(r"[；;\r\n]+", content))
    return [point for point in points if point]


# --- departments, mode, category, number ---------------------------------------------------


def split_departments(text: str) -> list[str]:
    """ "公安、住建；消防" -> three names; "住房城乡建设等相关部门" stays one; "无" -> none."""
    if is_not_applicable(text):
        return []
    parts = (part.strip(_POINT_EDGES) for part in re.split(r"[、，,；;\r\n]+", text))
    return [part for part in parts if part]


def parse_mode(text: str) -> str | None:
    """部门联合/联合 -> "joint"; 公安内部/内部/本部门 -> "internal"; "" or "/" -> None."""
    phrase = squash(text)
    if not phrase or is_not_applicable(phrase):
        return None
    if "联合" in phrase:
        return "joint"
    if any(word in phrase for word in ("内部", "本部门", "单独", "独立")):
        return "internal"
    raise UnstructuredPhrase()


def format_mode(mode: str | None) -> str:
    return {"joint": "部门联合", "internal": "公安内部"}.get(mode or "", "")


def parse_category(text: str) -> str | None:
    """一般检查事项 -> "general"; 重点检查事项 -> "key"; "" or "/" -> None."""
    phrase = squash(text)
    if not phrase or is_not_applicable(phrase):
        return None
    if "重点" in phrase:
        return "key"
    if "一般" in phrase:
        return "general"
    raise UnstructuredPhrase()


def format_category(category: str | None) -> str:
    return {"general": "一般检查事项", "key": "重点检查事项"}.get(category or "", "")


def parse_item_number(text: str) -> int | None:
    """ "1", "01", "（1）", "1." -> 1; "" -> None."""
    phrase = squash(text)
    if not phrase or is_not_applicable(phrase):
        return None  # "/": no number (unlike a blank cell under a number, which continues it)
    match = re.fullmatch(r"\(?([0-9]+)\)?[.、]?", phrase)
    if match is None:
        raise UnstructuredPhrase()
    return int(match[1])
