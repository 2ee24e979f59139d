"""The round as the unit of the ceremony: preview, prepare, seed and execute every ratio item of a
round at once (actions and the `spotcheck draw` round verbs)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from spotcheck.audit.models import AuditEntry, verify_chain
from spotcheck.draws import actions
from spotcheck.draws.models import Draw, DrawError

from .conftest import WITNESSES

pytestmark = pytest.mark.django_db

ON = date(2022, 3, 1)
RATIO_ITEMS = [1, 2, 3, 4, 8, 9, 10, 11]


def draw_cli(*args: str) -> str:
    out = io.StringIO()
    call_command("draw", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_preview_freezes_nothing_and_matches_what_prepare_freezes(
    plan, demo_directory, coordinator
):
    previews = actions.preview_round(plan=plan, round=1, on=ON, risk_policy={"高": "100"})
    assert [p.item.number for p in previews] == RATIO_ITEMS
    assert Draw.objects.count() == 0 and not AuditEntry.objects.filter(action__startswith="draw")
    assert all(not p.problem and p.draw is None and p.total > 0 for p in previews)
    draws = actions.prepare_round(
        plan=plan, round=1, actor=coordinator, on=ON, risk_policy={"高": "100"}
    )
    by_item = {d.item.number: d for d in draws}
    for preview in previews:
        draw = by_item[preview.item.number]
        assert draw.status == Draw.Status.PREPARED
        assert preview.counts == draw.population_counts
        assert preview.sizes == draw.allocation
        assert preview.ratios == draw.effective_ratio_percent
        assert preview.warnings == draw.warnings
        assert preview.estimate == draw.options["plan_estimates"]["total"]
    # Once prepared, the preview shows the frozen draw instead of a new count.
    again = actions.preview_round(plan=plan, round=1, on=ON)
    assert [p.draw for p in again] == draws and not any(p.counts for p in again)


def test_the_preview_counts_the_exclusion_like_prepare(plan, demo_directory, coordinator):
    from tests.results.factories import approved_inspection

    item = plan.items.get(number=1)
    pool = list(actions.pool_queryset(item).order_by("pk")[:7])
    for entity in pool:
        approved_inspection(entity=entity, item=item, inspected_on=date(2021, 11, 1))
    preview = actions.preview_round(plan=plan, round=1, on=ON, exclude_recently_inspected=True)[0]
    assert preview.excluded == 7
    draw = actions.prepare_round(
        plan=plan, round=1, actor=coordinator, on=ON, exclude_recently_inspected=True
    )[0]
    assert draw.options["excluded_count"] == 7 and preview.counts == draw.population_counts


def test_one_ceremony_for_the_round(plan, demo_directory, coordinator):
    prepared = actions.prepare_round(plan=plan, round=1, actor=coordinator, on=ON)
    assert len(prepared) == len(RATIO_ITEMS)
    seeded = actions.seed_round(plan=plan, round=1, witnesses=WITNESSES, actor=coordinator)
    assert {d.seed for d in seeded} == {"31415926535" + "8979323846"}
    assert actions.round_seeds(plan, 1) == [seeded[0].seed]
    executed = actions.execute_round(plan=plan, round=1, actor=coordinator)
    assert {d.status for d in executed} == {Draw.Status.EXECUTED}
    # Items 8-11 share one population and one seed: they select the same entities.
    network = [d for d in executed if d.item.number in (8, 9, 10, 11)]
    assert len({d.population_hash for d in network}) == 1
    selections = {tuple(d.selections.values_list("public_id", flat=True)) for d in network}
    assert len(selections) == 1 and len(next(iter(selections))) > 0
    # Every step audited: one entry per draw and step, one per round step; the chain verifies.
    actions_logged = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    for step in ("prepare", "seed", "execute"):
        assert actions_logged.count(f"draw.{step}") == len(RATIO_ITEMS)
        assert actions_logged.count(f"draw.{step}_round") == 1
    assert verify_chain().ok


def test_a_round_step_is_all_or_nothing(plan, demo_directory, coordinator):
    actions.prepare_round(plan=plan, round=1, actor=coordinator, on=ON)
    with pytest.raises(DrawError, match="至少"):
        actions.seed_round(plan=plan, round=1, witnesses=[("张三", "123")], actor=coordinator)
    assert not Draw.objects.exclude(status=Draw.Status.PREPARED).exists()
    with pytest.raises(DrawError, match="待执行"):
        actions.execute_round(plan=plan, round=1, actor=coordinator)
    with pytest.raises(DrawError, match="待公布名录"):
        actions.prepare_round(plan=plan, round=1, actor=coordinator, on=ON)


def test_a_refused_item_prepares_nothing_and_is_named(plan, demo_directory, coordinator):
    # A policy below item 2's 5 % floor is refused for that item: nothing is frozen.
    with pytest.raises(DrawError, match=r"^事项1（.*）：.*低于事项的最低比例"):
        actions.prepare_round(plan=plan, round=1, actor=coordinator, on=ON, risk_policy={"低": "1"})
    assert Draw.objects.count() == 0


def test_a_draw_added_later_gets_its_own_ceremony(plan, demo_directory, coordinator):
    actions.prepare_round(plan=plan, round=1, actor=coordinator, on=ON)
    late = Draw.objects.get(item__number=3)
    actions.cancel_draw(draw=late, reason="名录有误，重新冻结", actor=coordinator)
    first = actions.seed_round(plan=plan, round=1, witnesses=WITNESSES, actor=coordinator)
    assert late.pk not in {d.pk for d in first}
    actions.execute_round(plan=plan, round=1, actor=coordinator)
    # Preparing the round again freezes only the item without a live draw.
    again = actions.prepare_round(plan=plan, round=1, actor=coordinator, on=ON)
    assert [d.item.number for d in again] == [3]
    dice = [("王五", "27182818284"), ("赵六", "5904523536")]
    second = actions.seed_round(plan=plan, round=1, witnesses=dice, actor=coordinator)
    assert [d.pk for d in second] == [again[0].pk]
    assert actions.round_seeds(plan, 1) == [first[0].seed, second[0].seed]
    entry = AuditEntry.objects.filter(action="draw.seed_round").latest("seq")
    assert entry.details["earlier_seeds"] == [first[0].seed]


def test_the_base_date_defaults_inside_the_plans_year():
    assert actions.default_population_date(2022, date(2026, 12, 4)) == date(2022, 12, 31)
    assert actions.default_population_date(2027, date(2026, 12, 4)) == date(2027, 1, 1)
    assert actions.default_population_date(2026, date(2026, 12, 4)) == date(2026, 12, 4)
    assert actions.population_date_warning(2022, date(2022, 6, 1)) == ""
    assert "不在计划年度（2022年）内" in actions.population_date_warning(2022, date(2024, 3, 1))


def test_the_round_verbs_of_the_cli(plan, demo_directory):
    output = draw_cli("preview-round", str(plan.pk), "--on", ON.isoformat())
    assert "事项8" in output and Draw.objects.count() == 0
    output = draw_cli("prepare-round", str(plan.pk), "--on", ON.isoformat())
    assert Draw.objects.filter(status=Draw.Status.PREPARED).count() == len(RATIO_ITEMS)
    assert all(d.population_hash in output for d in Draw.objects.all())
    output = draw_cli(
        "seed-round", str(plan.pk), "--witness", "张三:31415926535", "--witness", "李四:8979323846"
    )
    assert "3141592653589793238" in output
    output = draw_cli("execute-round", str(plan.pk))
    assert Draw.objects.filter(status=Draw.Status.EXECUTED).count() == len(RATIO_ITEMS)
    with pytest.raises(CommandError, match="待执行"):
        draw_cli("execute-round", str(plan.pk))
