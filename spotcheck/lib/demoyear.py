"""The demo county's year, decided in advance: for every visit of the 2022 plan, the day it is
inspected, what is found at each checkpoint, the follow-up measures and when they close, whether
the review returns it once, and the day it is published (`spotcheck demo-year` then plays these
decisions through the real, audited actions).

Pure Python and seeded: `plan_year(visits, seed=N)` gives the same year for the same visits and
seed. The mix is what a county bureau's year plausibly looks like: most visits clean, every
no-checkpoint ending (结束情形) at least once, a handful of problems with each kind of follow-up
(责令改正 with a re-check, 违法处罚 with a case number, 抄告 / 移送 to another agency, 其他), some
measures closed during the year and some still open, one result returned by the reviewer, and
most results published within the working-day deadline, a few late.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from spotcheck.lib.results import ENDINGS, Finding, Measure, MeasureKind
from spotcheck.lib.workdays import add_workdays, is_workday

ENDING_CODES: tuple[str, ...] = tuple(c.code for c in ENDINGS)


class Scenario(StrEnum):
    CLEAN = "clean"
    RETURNED = "returned"  # clean, returned once by the reviewer with an opinion
    ENDING = "ending"
    CORRECTION = "correction"  # 责令改正 with a deadline; the re-check finds it corrected
    PENALTY = "penalty"  # 违法处罚 with a case number, closed
    NOTIFY = "notify"  # 抄告相关部门, closed
    PENALTY_OPEN = "penalty_open"  # 违法处罚, the case still open at the end of the year
    TRANSFER_OPEN = "transfer_open"  # 移送案件线索, still open
    OTHER = "other"  # 其他 (约谈), closed


# The problems and follow-ups, in the order they are given out to the visits drawn for them.
PROBLEM_SCENARIOS: tuple[Scenario, ...] = (
    Scenario.CORRECTION,
    Scenario.PENALTY,
    Scenario.NOTIFY,
    Scenario.PENALTY_OPEN,
    Scenario.CORRECTION,
    Scenario.TRANSFER_OPEN,
    Scenario.OTHER,
)

# What inspectors write down, per item of the 2022 plan (other items: the generic text).
PROBLEM_TEXTS: dict[str, str] = {
    "1": "旅客住宿登记不全：抽查当日有3名旅客未登记身份证件信息",
    "2": "易制毒化学品购买到货数量与台账记录不符，差额未作说明",
    "3": "部分保安员未持保安员证上岗，保安员档案不全",
    "4": "危险化学品储存场所未落实视频监控等治安防范措施",
    "5": "活动场所安全检查记录不全，部分疏散通道被占用",
    "6": "燃放作业人员名单与组织实施方案不一致",
    "7": "夜间施工未按规定采取降噪措施",
    "8": "未按规定落实网络安全等级保护定级备案",
    "9": "联网单位备案信息变更后未及时报送",
    "10": "存在弱口令等网络安全风险隐患，未及时整改",
    "11": "未依法留存用户上网日志信息不少于六十日",
    "12": "未制定重大网络安全保卫任务工作方案",
}
GENERIC_PROBLEM = "检查要点所列要求未落实"
NOT_APPLICABLE_REASON = "本单位未提供该项服务"
RETURN_OPINION = "第1项检查要点请补充现场核对的具体情况后重新提交"
RETURN_NOTE = "已现场核对登记台账和相关证照原件"
NOTIFY_AGENCY = "沂源县住房和城乡建设局"
TRANSFER_AGENCY = "沂源县市场监督管理局"


@dataclass(frozen=True)
class VisitFacts:
    """What the plan says of one visit: its key, its items (key, number of checkpoints), the
    days it may be inspected on, and whether it checks a registered event."""

    key: str
    items: tuple[tuple[str, int], ...]
    first_day: date
    last_day: date
    event: bool = False


@dataclass(frozen=True)
class PlannedFinding:
    number: int
    finding: Finding
    reason: str = ""
    problem: str = ""
    note: str = ""


@dataclass(frozen=True)
class PlannedMeasure:
    """A measure on item `item` as it stands at the end of the year: `measure.closed_on` set when
    it is closed by hand that day; a 责令改正 is closed instead by its re-check on `recheck_on`."""

    item: str
    measure: Measure
    recheck_on: date | None = None

    @property
    def opened(self) -> Measure:
        """The measure as it is taken (before it is closed)."""
        return replace(self.measure, closed_on=None, closing_text="")


@dataclass(frozen=True)
class PlannedVisit:
    key: str
    scenario: Scenario
    inspected_on: date
    way: str
    announced: bool
    ending: str = ""
    findings: dict[str, tuple[PlannedFinding, ...]] | None = None
    measures: tuple[PlannedMeasure, ...] = ()
    return_opinion: str = ""
    published_on: date | None = None
    overdue: bool = False


def _workday_on_or_after(day: date) -> date:
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def _inspection_day(rng: random.Random, facts: VisitFacts, earliest: date) -> date:
    first = max(facts.first_day, earliest)
    last = max(facts.last_day, first)
    day = first + timedelta(days=rng.randrange((last - first).days + 1))
    moved = _workday_on_or_after(day)
    return moved if moved <= last else day


def publication_day(ready: date) -> date:
    """Units publish in weekly batches: the Friday of the week a result is ready (or the next
    working day when that Friday is a holiday), never before it is ready."""
    friday = ready + timedelta(days=(4 - ready.weekday()) % 7)
    return _workday_on_or_after(friday)


def clean_findings(items: Sequence[tuple[str, int]]) -> dict[str, tuple[PlannedFinding, ...]]:
    findings: dict[str, tuple[PlannedFinding, ...]] = {}
    for key, count in items:
        rows = []
        for number in range(1, count + 1):
            # Item 11's points 8-12 concern kinds of provider most units are not.
            if count > 7 and 8 <= number < count:
                rows.append(
                    PlannedFinding(number, Finding.NOT_APPLICABLE, reason=NOT_APPLICABLE_REASON)
                )
            else:
                rows.append(PlannedFinding(number, Finding.CHECKED))
        findings[key] = tuple(rows)
    return findings


def _measures(
    rng: random.Random, scenario: Scenario, item: str, year: int, day: date, serial: int
) -> tuple[PlannedMeasure, ...]:
    case_number = f"沂公（治）行罚决字〔{year}〕{100 + serial * 7 + rng.randrange(7)}号"
    later = add_workdays(day, rng.randrange(10, 25))
    if scenario is Scenario.CORRECTION:
        deadline = day + timedelta(days=rng.choice((7, 10, 15)))
        recheck = _workday_on_or_after(deadline + timedelta(days=rng.randrange(1, 6)))
        taken = Measure(
            kind=MeasureKind.CORRECTION, opened_on=day, deadline=deadline, text="责令限期整改"
        )
        return (PlannedMeasure(item, taken, recheck_on=recheck),)
    if scenario is Scenario.PENALTY:
        taken = Measure(
            kind=MeasureKind.PENALTY,
            opened_on=day,
            case_number=case_number,
            text="警告并处罚款",
            closed_on=later,
            closing_text="处罚决定已执行，罚款已缴纳",
        )
    elif scenario is Scenario.PENALTY_OPEN:
        taken = Measure(kind=MeasureKind.PENALTY, opened_on=day, case_number=case_number)
    elif scenario is Scenario.NOTIFY:
        taken = Measure(
            kind=MeasureKind.NOTIFY,
            opened_on=day,
            agency=NOTIFY_AGENCY,
            closed_on=later,
            closing_text=f"{NOTIFY_AGENCY}已函复，已依职责处理",
        )
    elif scenario is Scenario.TRANSFER_OPEN:
        taken = Measure(kind=MeasureKind.TRANSFER, opened_on=day, agency=TRANSFER_AGENCY)
    else:
        taken = Measure(
            kind=MeasureKind.OTHER,
            opened_on=day,
            text="约谈单位负责人，督促落实主体责任",
            closed_on=later,
            closing_text="已约谈，单位提交书面整改报告",
        )
    return (PlannedMeasure(item, taken),)


def minimum_visits() -> int:
    """Visits needed to show every ending, every kind of follow-up and a returned result."""
    return len(ENDING_CODES) + len(PROBLEM_SCENARIOS) + 2


def plan_year(
    visits: Sequence[VisitFacts],
    *,
    seed: int,
    year: int,
    publish_workdays: int = 20,
    earliest: date | None = None,
) -> list[PlannedVisit]:
    """Decide the year of `visits` (in their given order) from `seed`: scenarios are dealt to
    the visits in a seeded shuffle (events are never 结束情形: they were held), then days.
    `earliest` is the first day anyone inspects (after the round's draw)."""
    if len(visits) < minimum_visits():
        raise ValueError(
            f"演示年度需要至少{minimum_visits()}个检查任务（现有{len(visits)}个），"
            "才能覆盖每种结束情形和后续处置"
        )
    rng = random.Random(seed)
    earliest = earliest or date(year, 1, 1)
    order = list(range(len(visits)))
    rng.shuffle(order)
    scenarios: dict[int, Scenario] = {}
    endings: dict[int, str] = {}
    candidates = [i for i in order if not visits[i].event]
    for index, code in zip(candidates, ENDING_CODES, strict=False):
        scenarios[index], endings[index] = Scenario.ENDING, code
    rest = [i for i in order if i not in scenarios]
    for index, scenario in zip(rest, (*PROBLEM_SCENARIOS, Scenario.RETURNED), strict=False):
        scenarios[index] = scenario
    late = {i for i in order if scenarios.get(i, Scenario.CLEAN) is Scenario.CLEAN}
    late = set(sorted(late)[:: max(1, len(late) // 2)][:2])  # a couple published late

    planned: list[PlannedVisit] = []
    for index, facts in enumerate(visits):
        scenario = scenarios.get(index, Scenario.CLEAN)
        day = _inspection_day(rng, facts, earliest)
        if facts.event:
            day = facts.first_day  # the event's own day
        overdue = index in late
        if overdue:
            ready = add_workdays(day, publish_workdays + rng.randrange(2, 8))
        else:
            ready = add_workdays(day, rng.randrange(2, max(3, publish_workdays - 6)))
        published = publication_day(ready)
        way = "on_site"
        if facts.items and all(int(k) >= 8 for k, _ in facts.items if k.isdigit()):
            way = rng.choice(("on_site", "on_site", "online"))  # network items: often remote
        if scenario is Scenario.ENDING:
            planned.append(
                PlannedVisit(
                    facts.key,
                    scenario,
                    day,
                    "on_site",
                    announced=False,
                    ending=endings[index],
                    published_on=published,
                    overdue=overdue,
                )
            )
            continue
        findings = clean_findings(facts.items)
        measures: tuple[PlannedMeasure, ...] = ()
        if scenario not in (Scenario.CLEAN, Scenario.RETURNED):
            key, _ = facts.items[rng.randrange(len(facts.items))]
            text = PROBLEM_TEXTS.get(key, GENERIC_PROBLEM)
            rows = list(findings[key])
            rows[0] = PlannedFinding(1, Finding.PROBLEM, problem=text)
            findings[key] = tuple(rows)
            measures = _measures(rng, scenario, key, year, day, index)
        planned.append(
            PlannedVisit(
                facts.key,
                scenario,
                day,
                way,
                announced=rng.random() < 0.8,
                findings=findings,
                measures=measures,
                return_opinion=RETURN_OPINION if scenario is Scenario.RETURNED else "",
                published_on=published,
                overdue=overdue,
            )
        )
    return planned


# --- when each step happens ----------------------------------------------------------------


@dataclass(frozen=True)
class RoundOne:
    """The local moments of round 1's day (1 March of the plan's year, also the population
    date): the population published, the dice rolled, the draws executed, then in the
    afternoon the visits built and the teams matched. setup-demo and demo-year both use them,
    so a drawn demo round is dated inside its year however it was drawn."""

    prepared_at: datetime
    seeded_at: datetime
    executed_at: datetime
    matched_at: datetime

    @property
    def day(self) -> date:
        return self.prepared_at.date()


def round_one(year: int) -> RoundOne:
    day = date(year, 3, 1)
    return RoundOne(
        prepared_at=datetime.combine(day, time(9)),
        seeded_at=datetime.combine(day, time(9, 30)),
        executed_at=datetime.combine(day, time(10)),
        matched_at=datetime.combine(day, time(14)),
    )


@dataclass(frozen=True)
class Groundwork:
    """The local moments of what setup-demo prepares before round one: the demo accounts and
    the directory at the start of the year (the directory's dates are as of that day), then the
    plan imported and, the next working day, published, two weeks before round 1's draw."""

    directory_at: datetime
    plan_imported_at: datetime
    plan_published_at: datetime


def groundwork(year: int) -> Groundwork:
    draw_day = round_one(year).day
    return Groundwork(
        directory_at=datetime.combine(add_workdays(date(year, 1, 1), 5), time(9)),
        plan_imported_at=datetime.combine(add_workdays(draw_day, -11), time(9, 30)),
        plan_published_at=datetime.combine(add_workdays(draw_day, -10), time(10)),
    )


PUBLISH_TIME = time(10, 30)  # batches are published mid-morning, after the morning's approvals


@dataclass(frozen=True)
class Timeline:
    """The local (naive) moments at which one visit's steps are taken, so that the demo's
    notices, submissions, reviews and approvals are dated within the year like its inspections:
    notice (a working day or three before an announced visit, the morning of an unannounced
    one), delivery, submission the afternoon of the inspection, the reviewer's return and the
    resubmission the next working day, approval in the morning before the publication batch."""

    notice_at: datetime
    delivered_at: datetime | None
    submitted_at: datetime
    returned_at: datetime | None
    resubmitted_at: datetime | None
    approved_at: datetime
    published_at: datetime


def timeline(entry: PlannedVisit, *, seed: int, not_before: datetime) -> Timeline:
    """`entry`'s moments, the same for the same seed; the notice never before `not_before` (the
    team's matching). Each moment is after the one before it and the approval is on or before
    the publication day (publication is at least two working days after the inspection)."""
    rng = random.Random(f"{seed}:{entry.key}")
    day = entry.inspected_on
    published_on = entry.published_on or add_workdays(day, 2)
    if entry.announced:
        notice_day = add_workdays(day, -rng.randrange(1, 4))
        notice_at = datetime.combine(notice_day, time(9, rng.randrange(60)))
        notice_at = max(notice_at, not_before + timedelta(minutes=5))
        delivered_at: datetime | None = notice_at + timedelta(minutes=rng.randrange(30, 180))
    else:  # issued the morning of the visit, shown on arrival
        notice_at = max(datetime.combine(day, time(8, rng.randrange(30))), not_before)
        delivered_at = None
    submitted_at = datetime.combine(day, time(rng.randrange(15, 18), rng.randrange(60)))
    returned_at = resubmitted_at = None
    if entry.return_opinion:
        next_day = add_workdays(day, 1)
        returned_at = datetime.combine(next_day, time(10, rng.randrange(60)))
        resubmitted_at = datetime.combine(next_day, time(15, rng.randrange(60)))
        approve_day = add_workdays(day, 2)
    else:
        approve_day = add_workdays(day, rng.randrange(1, 3))
    approve_day = min(approve_day, published_on)
    approved_at = datetime.combine(approve_day, time(9, rng.randrange(60)))
    return Timeline(
        notice_at=notice_at,
        delivered_at=delivered_at,
        submitted_at=submitted_at,
        returned_at=returned_at,
        resubmitted_at=resubmitted_at,
        approved_at=approved_at,
        published_at=datetime.combine(published_on, PUBLISH_TIME),
    )
