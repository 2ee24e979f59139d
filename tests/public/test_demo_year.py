"""`spotcheck demo-year` (issue 10, "Done when"): the 2022 plan played to the end on the demo
through the real actions; the public site then shows all 12 items with their tasks and results,
and tools/verify_draw.py says VERIFIED for every draw.json it serves (test_demo_year_played.py);
here, what it refuses and how it draws an undrawn round."""

from __future__ import annotations

import random
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from spotcheck.audit.models import AuditEntry
from spotcheck.draws.models import Draw
from spotcheck.inspections.actions import register_event
from spotcheck.inspections.models import Event, Visit
from spotcheck.plans.models import Plan
from spotcheck.results.models import Result

pytestmark = pytest.mark.django_db


def test_without_the_demo_or_on_a_plan_already_in_use_it_refuses_and_writes_nothing():
    with pytest.raises(CommandError, match="请先运行 spotcheck setup-demo"):
        call_command("demo_year", no_progress=True, stdout=StringIO())
    call_command("setup_demo", "--no-round", stdout=StringIO())
    plan = Plan.objects.get()
    register_event(
        item=plan.items.get(number=5),
        organiser="沂源县某文化传媒有限公司",
        place="沂源县体育中心",
        date=date(2022, 6, 1),
        scale="约800人",
        actor="cli",
    )
    head = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="不是演示留下的"):
        call_command("demo_year", no_progress=True, stdout=StringIO())
    assert AuditEntry.objects.count() == head and not Draw.objects.exists()


def test_without_a_drawn_round_it_draws_every_ratio_item_at_one_round_ceremony():
    call_command("setup_demo", "--no-round", stdout=StringIO())
    out = StringIO()
    call_command("demo_year", seed=3, no_progress=True, stdout=out)
    assert "第1轮：8个事项在同一仪式上抽取" in out.getvalue()
    for action in ("draw.prepare_round", "draw.seed_round", "draw.execute_round"):
        assert AuditEntry.objects.filter(action=action).count() == 1, action
    seeded = AuditEntry.objects.get(action="draw.seed_round").details
    assert len(seeded["draws"]) == 8 and seeded["earlier_seeds"] == []
    draws = Draw.objects.filter(status=Draw.Status.EXECUTED)
    assert draws.count() == 8 and len({d.seed for d in draws}) == 1
    joint = Visit.objects.filter(visit_items__item__number=8).distinct()
    assert joint and all(
        set(v.visit_items.values_list("item__number", flat=True)) >= {9, 10, 11} for v in joint
    )
    assert set(Result.objects.values_list("state", flat=True)) == {"published"}
    # the plan was published before demo-year's ceremony drew round 1
    assert Plan.objects.get().published_at < min(draws.values_list("prepared_at", flat=True))


def test_the_seeded_year_does_not_depend_on_the_events_primary_keys():
    """An event's visit key carries the event's pk, which PostgreSQL's sequences make differ from
    run to run (a test before it on the same worker moves them): the year was played differently
    and CI failed. The year is planned before any event is registered (their registrations are
    steps of it, in time order): each event under its item's position and day."""
    from spotcheck.public.management.commands.demo_year import Command

    call_command("setup_demo", stdout=StringIO())
    plan = Plan.objects.get()
    command = Command()
    command.rng = random.Random(5)
    events = command.planned_events(plan)
    items = plan.items.filter(event_driven=True).order_by("position")
    assert [e.item for e in events] == list(items)
    assert [e.key for e in events] == [
        f"event:{e.item.position}:{e.held_on.isoformat()}" for e in events
    ]
    assert not Event.objects.exists()  # nothing registered by planning
