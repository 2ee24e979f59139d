"""The fairness figures stored with each matching (ExpectedLoad, MatchingTally): equal to a
recomputation from the matching record and the team rows, written by every way of matching
and rewritten after a replacement."""

from __future__ import annotations

from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.draws.models import DrawBin
from spotcheck.inspections.actions import (
    build_visits,
    match_event_team,
    match_teams_for_round,
    register_event,
    replace_team_member,
)
from spotcheck.inspections.expectations import compute_expectations
from spotcheck.inspections.models import (
    ExpectedLoad,
    MatchingTally,
    TeamMatching,
    TeamMember,
    Visit,
    window_days,
)

POOLS = ("治安大队", "网安大队", "城关所")
PEOPLE = [f"P{n}" for n in range(8)]


@st.composite
def records(draw):
    """A matching record's visit entries with their units and items."""
    visits, entries = {}, []
    for n in range(draw(st.integers(0, 8))):
        key = f"V{n}"
        visits[key] = (draw(st.integers(1, 3)), draw(st.lists(st.integers(1, 4), min_size=1)))
        pools = draw(st.lists(st.sampled_from(POOLS), min_size=1, max_size=4))
        eligible = {
            p: draw(st.lists(st.sampled_from(PEOPLE), unique=True, max_size=5)) for p in set(pools)
        }
        excluded = draw(st.dictionaries(st.sampled_from(["recused", "capped"]), st.integers(0, 3)))
        entries.append(
            {
                "visit_id": key,
                "seats": [{"pool": p, "qualification": ""} for p in pools],
                "eligible": eligible,
                "excluded": excluded,
            }
        )
    seats = [
        (k, draw(st.sampled_from(PEOPLE))) for k in visits for _ in range(draw(st.integers(0, 2)))
    ]
    replaced = [(k, draw(st.sampled_from(["因病", ""]))) for k in visits if draw(st.booleans())]
    over_cap = [{"visit_id": k, "over_cap": True} for k in visits if draw(st.booleans())]
    document = {"visits": entries, "replacements": over_cap}
    return document, visits, seats, replaced


@settings(max_examples=200, deadline=None)
@given(records())
def test_stored_figures_equal_a_visit_by_visit_recomputation(record):
    document, visits, seats, replaced = record
    found = compute_expectations(document, visits, seats, replaced)
    want: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(lambda: [0, 0.0, 0]))
    tallies: dict[tuple, Counter] = defaultdict(Counter)
    for entry in document["visits"]:
        unit, items = visits[entry["visit_id"]]
        for group in [(unit, None)] + [(unit, i) for i in set(items)]:
            for pool, ids in entry["eligible"].items():
                n = sum(1 for s in entry["seats"] if s["pool"] == pool)
                for person in ids:
                    want[group][person][1] += min(1.0, n / len(ids))
            # eligible: visits, however many of the visit's pools name the person
            for person in {p for ids in entry["eligible"].values() for p in ids}:
                want[group][person][0] += 1
            for reason, n in entry["excluded"].items():
                tallies[group][("excluded", reason)] += n
    for key, person in seats:
        unit, items = visits[key]
        for group in [(unit, None)] + [(unit, i) for i in set(items)]:
            want[group][person][2] += 1
    for kind, rows in (("replaced", replaced), ("over_cap", document["replacements"])):
        for row in rows:
            key, reason = row if kind == "replaced" else (row["visit_id"], "")
            unit, items = visits[key]
            for group in [(unit, None)] + [(unit, i) for i in set(items)]:
                tallies[group][(kind, reason)] += 1
    got = {
        g: {p: (e, pytest.approx(x), s) for p, (e, x, s) in by.items()}
        for g, by in found.loads.items()
    }
    assert got == {g: {p: tuple(v) for p, v in by.items()} for g, by in want.items()}
    assert {g: dict(c) for g, c in found.tallies.items()} == {
        g: dict(c) for g, c in tallies.items()
    }
    # each visit's seats are shared out, at most one a person and seat
    total = sum(
        x for (_, item), by in found.loads.items() if item is None for _, x, _ in by.values()
    )
    assert total <= sum(len(e["seats"]) for e in document["visits"]) + 1e-9


def stored(match: TeamMatching) -> dict:
    return {
        (r.unit_id, r.item_id, r.inspector.certificate_number): (r.eligible, r.expected, r.seats)
        for r in ExpectedLoad.objects.filter(matching=match).select_related("inspector")
    }


def recomputed(match: TeamMatching) -> dict:
    """From the record and the rows, visit by visit (whole visits only)."""
    want: dict = defaultdict(lambda: [0, 0.0, 0])
    units = dict(Visit.objects.values_list("visit_key", "responsible_unit_id"))
    for entry in match.document["visits"]:
        for pool, ids in entry["eligible"].items():
            n = sum(1 for s in entry["seats"] if s["pool"] == pool)
            for person in ids:
                want[(units[entry["visit_id"]], None, person)][1] += min(1.0, n / len(ids))
        for person in {p for ids in entry["eligible"].values() for p in ids}:
            want[(units[entry["visit_id"]], None, person)][0] += 1
    for m in TeamMember.objects.filter(matching=match, replaced_at=None).select_related(
        "visit", "inspector"
    ):
        want[(m.visit.responsible_unit_id, None, m.inspector.certificate_number)][2] += 1
    return dict(want)


@pytest.mark.django_db
def test_every_matching_stores_its_figures_and_a_replacement_rewrites_them(
    published_plan, executed_draws, coordinator
):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match = match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    whole = {k: v for k, v in stored(match).items() if k[1] is None}
    want = recomputed(match)
    assert whole.keys() == want.keys() and whole
    for key, (eligible, expected, seats) in whole.items():
        assert (eligible, seats) == (want[key][0], want[key][2])
        assert expected == pytest.approx(want[key][1])
    excluded = Counter()
    for entry in match.document["visits"]:
        excluded.update(entry["excluded"])
    tallied = Counter()
    for t in MatchingTally.objects.filter(matching=match, item=None, kind="excluded"):
        tallied[t.reason] += t.count
    assert tallied == excluded

    member = TeamMember.objects.filter(matching=match, replaced_at=None).first()
    leaving = member.inspector.certificate_number
    before = stored(match)
    replace_team_member(member=member, reason="出差", actor=coordinator)
    after = stored(match)
    key = (member.visit.responsible_unit_id, None, leaving)
    assert after[key][2] == before[key][2] - 1
    assert sum(v[2] for v in after.values()) == sum(v[2] for v in before.values())
    assert MatchingTally.objects.get(matching=match, item=None, kind="replaced").reason == "出差"
    assert {k: v for k, v in after.items() if k[1] is None}.keys() == recomputed(match).keys()

    item = published_plan.items.get(number=5)
    first_day = window_days(item.plan.year, item.window_start_month or 1, 12)[0]
    event = register_event(
        item=item,
        organiser="县文化馆",
        place="体育中心",
        date=first_day,
        scale="约3000人",
        actor=coordinator,
    )
    witnesses = [("王五", "271828182845"), ("赵六", "904523536028")]
    event_match = match_event_team(event=event, witnesses=witnesses, beacon=None, actor=coordinator)
    assert stored(event_match) and set(stored(event_match)) >= set(recomputed(event_match))
    assert {(k[1]) for k in stored(event_match)} == {None, item.pk}


@pytest.mark.django_db
def test_the_backfill_writes_the_figures_of_earlier_matchings_and_draws(
    published_plan, executed_draws, coordinator
):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match = match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    loads, bins = (
        stored(match),
        sorted(DrawBin.objects.values_list("draw", "stratum", "position", "observed")),
    )
    assert loads and bins
    # as before the tables existed
    ExpectedLoad.objects.all().delete()
    MatchingTally.objects.all().delete()
    DrawBin.objects.all().delete()
    out = StringIO()
    call_command("backfill_fairness", no_progress=True, stdout=out)
    assert f"检查人员匹配 1 个，抽取 {len(executed_draws)} 个" in out.getvalue()
    assert stored(match) == loads
    assert sorted(DrawBin.objects.values_list("draw", "stratum", "position", "observed")) == bins
    out = StringIO()
    call_command("backfill_fairness", no_progress=True, stdout=out)
    assert "检查人员匹配 0 个，抽取 0 个" in out.getvalue()
