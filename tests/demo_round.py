"""A realistic round for the teams tests: the demo county, several draws of the 2022 plan with one
ceremony seed, visits (items 8-11 on one entity make one visit), teams and one replacement.

Built once (`demo_round()` is cached); callers deep-copy before altering anything.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from spotcheck.lib import demo, drawdoc
from spotcheck.lib.directory import InspectorStatus, OperatingStatus
from spotcheck.lib.drawdoc import DrawItem, Witness, build_draw_document
from spotcheck.lib.matching import (
    Inspector,
    MatchingResult,
    Recusal,
    match_teams,
    matching_document,
    replace_member,
)
from spotcheck.lib.visits import DrawnTarget, group_visits

PLAN = "沂源县公安局2022年度“双随机、一公开”抽查工作计划"
YEAR = 2022
COUNTY_SEED = 2022
WITNESSES = [Witness("张三", "31415926535"), Witness("李四", "8979323846")]
DAYS = (date(2022, 6, 6), date(2022, 6, 8))
HOUSING_POOL = "质量安全监督站"  # the cooperating department of item 1 in the demo directory


@dataclass(frozen=True)
class PlanItem:
    number: str
    name: str
    target_type: str
    unit: str
    window: tuple[int, int]
    cooperating: frozenset[str] = frozenset()
    qualifications: frozenset[str] = frozenset()


ITEMS = (
    PlanItem(
        "1",
        "对宾馆、旅店取得许可证及治安安全情况的检查",
        demo.HOTELS,
        "治安大队",
        (5, 11),
        cooperating=frozenset({HOUSING_POOL}),
    ),
    PlanItem("3", "对保安服务公司开展活动情况的检查", demo.SECURITY, "治安大队", (5, 10)),
    PlanItem("4", "对危险化学品单位监管", demo.PHARMA, "治安大队", (5, 10)),
    PlanItem(
        "8",
        "对计算机信息系统安全保护的监督检查",
        demo.INTERNET,
        "网安大队",
        (1, 12),
        qualifications=frozenset({"网络安全监督检查"}),
    ),
    PlanItem("9", "对计算机信息网络国际联网安全保护的监督检查", demo.INTERNET, "网安大队", (1, 12)),
    PlanItem(
        "10", "对网络安全防范需要、网络安全风险隐患的监督检查", demo.INTERNET, "网安大队", (1, 12)
    ),
    PlanItem("11", "对履行网络安全义务的监督检查", demo.INTERNET, "网安大队", (1, 12)),
)


@dataclass(frozen=True)
class DemoRound:
    county: demo.DemoCounty
    draws: dict[str, dict[str, Any]]  # item number -> draw document, without teams
    result: MatchingResult
    teams: dict[str, Any]  # the matching document
    documents: dict[str, dict[str, Any]]  # item number -> draw document with teams attached

    @property
    def seed(self) -> str:
        return self.result.seed


def population(county: demo.DemoCounty, target_type: str) -> dict[str, list[str]]:
    strata: dict[str, list[str]] = {}
    for entity in county.entities_of_type(target_type):
        if entity.code and entity.status is OperatingStatus.ACTIVE:
            strata.setdefault(str(entity.risk_level), []).append(entity.code)
    return strata


@functools.cache
def demo_round() -> DemoRound:
    county = demo.generate_county(COUNTY_SEED, as_of=date(2022, 3, 1))
    names = {entity.code: entity.name for entity in county.entities}
    draws: dict[str, dict[str, Any]] = {}
    drawn: list[DrawnTarget] = []
    for item in ITEMS:
        document = build_draw_document(
            item=DrawItem(PLAN, YEAR, item.number, item.name, item.target_type),
            strata=population(county, item.target_type),
            ratio_percent=Decimal("5"),
            witnesses=WITNESSES,
        )
        if item.number == "8":
            # One target of item 8 turned out to be out of scope: the next ticket replaces it,
            # so that entity's items 9-11 make a visit without item 8.
            document = drawdoc.add_replacement(document, document["selection"][0]["id"], "已注销")
        draws[item.number] = document
        tickets = {e["id"]: e["ticket"] for e in document["selection"]}
        tickets.update({r["replacement_id"]: r["ticket"] for r in document["replacements"]})
        drawn.extend(
            DrawnTarget(
                entity_id=entity_id,
                item_key=item.number,
                unit=item.unit,
                window=item.window,
                ticket=tickets[entity_id],
                plan_year=YEAR,
                cooperating=item.cooperating,
                qualifications=item.qualifications,
                entity_name=names[entity_id],
            )
            for entity_id in drawdoc.active_targets(document)
        )
    proposals = group_visits(drawn).proposals
    visits = group_visits(drawn, accepted_joint=[p.key for p in proposals]).visits
    inspectors = [
        Inspector(
            inspector_id=person.certificate_number,
            unit=person.department,
            certificate_valid_until=person.certificate_valid_until,
            active=person.status is InspectorStatus.ACTIVE,
            qualifications=frozenset(person.qualifications),
        )
        for person in county.inspectors
    ]
    recusals = [
        Recusal(
            inspector_id=r.certificate_number,
            entity_id=r.entity_code,
            valid_from=r.valid_from,
            valid_until=r.valid_until,
        )
        for r in county.recusals
    ]
    seed = draws["8"]["seed"]["value"]
    joint = next(v for v in visits if v.item_keys == ("8", "9", "10", "11"))
    cyber = sorted(i.inspector_id for i in inspectors if i.unit == "网安大队")
    result = match_teams(
        visits,
        inspectors,
        seed=seed,
        days={visit.visit_id: DAYS for visit in visits},
        recusals=recusals,
        previous_inspectors={(joint.entity_id, "9"): {cyber[0]}},
    )
    served = result.team(joint.visit_id)
    result = replace_member(result, joint.visit_id, served.members[-1].inspector_id, "出差")
    teams = matching_document(result)
    documents = {number: drawdoc.attach_teams(doc, teams) for number, doc in draws.items()}
    return DemoRound(county, draws, result, teams, documents)
