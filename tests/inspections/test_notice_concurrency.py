"""Several people issue notices at once: real threads, real transactions, on SQLite (a file
database, IMMEDIATE transactions) and on PostgreSQL (the counter row locked). Numbers of a unit
and year come out 1..N: no gaps, no duplicates."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from spotcheck.inspections.actions import InspectionError, build_visits, match_teams_for_round
from spotcheck.inspections.actions import notices as notice_actions
from spotcheck.inspections.models import Notice, NoticeCounter, Visit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def visits(unit, published_plan, executed_draws, coordinator) -> list[Visit]:
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    return list(Visit.objects.filter(responsible_unit=unit).order_by("pk"))


def race(actions: list[Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Run each action in its own thread, released together; ("ok", result) or ("error", exc)."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[tuple[str, Any]] = [("missing", None)] * len(actions)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", actions[index]())
        except InspectionError as error:
            outcomes[index] = ("error", error)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = ("crash", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert all(kind in ("ok", "error") for kind, _ in outcomes), outcomes
    return outcomes


@pytest.fixture
def slow(monkeypatch):
    """Hold each issuing transaction open a moment after the number is taken, so that the
    other threads really arrive while it holds the counter."""
    original = notice_actions.check_fields

    def slowed(*args: Any, **kwargs: Any) -> None:
        time.sleep(0.15)
        original(*args, **kwargs)

    monkeypatch.setattr(notice_actions, "check_fields", slowed)


def test_simultaneous_issues_number_one_to_n_without_gaps(visits, unit, coordinator, slow):
    chosen = visits[:6]
    outcomes = race(
        [(lambda v=v: notice_actions.issue_notice(visit=v, actor=coordinator)) for v in chosen]
    )
    assert [kind for kind, _ in outcomes] == ["ok"] * len(chosen)
    notices = list(Notice.objects.filter(unit=unit))
    assert sorted(n.n for n in notices) == list(range(1, len(chosen) + 1))
    assert len({n.number for n in notices}) == len(chosen)
    assert {n.visit_id for n in notices} == {v.pk for v in chosen}
    assert NoticeCounter.objects.get(unit=unit).last == len(chosen)


def test_two_people_issue_the_same_visit_once(visits, unit, coordinator, administrator, slow):
    visit = visits[0]
    outcomes = race(
        [
            lambda: notice_actions.issue_notice(visit=visit, actor=coordinator),
            lambda: notice_actions.issue_notice(visit=visit, actor=administrator),
        ]
    )
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    error = next(value for kind, value in outcomes if kind == "error")
    assert "不能重复签发" in str(error)
    assert list(Notice.objects.values_list("n", flat=True)) == [1]
    # the refused issue took no number: the next visit gets 2
    assert notice_actions.issue_notice(visit=visits[1], actor=coordinator).n == 2
