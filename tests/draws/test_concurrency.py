"""Two coordinators press the same button at once: real threads, real transactions.

Runs on SQLite (a file database: WAL, IMMEDIATE transactions) and on PostgreSQL (row locks).
Each action is slowed down inside its transaction so that the second thread really arrives while
the first one holds the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from spotcheck.draws import actions
from spotcheck.draws.models import Draw, DrawError

from .conftest import DRAW_DAY, WITNESSES

pytestmark = pytest.mark.django_db(transaction=True)


def race(action: Callable[[], Any], threads: int = 2) -> list[tuple[str, Any]]:
    """Run `action` in `threads` threads released together; ("ok", result) or ("error", exc)."""
    barrier = threading.Barrier(threads)
    outcomes: list[tuple[str, Any]] = [("missing", None)] * threads

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", action())
        except DrawError as error:
            outcomes[index] = ("error", error)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = ("crash", error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in workers)
    assert all(kind in ("ok", "error") for kind, _ in outcomes), outcomes
    return outcomes


def slow_down(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
    original = getattr(module, name)

    def slowed(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slowed)


def test_two_simultaneous_executions_give_one_draw(
    hotel_item, hotels, coordinator, administrator, monkeypatch
):
    draw = actions.prepare_draw(item=hotel_item, actor=coordinator, on=DRAW_DAY)
    actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    slow_down(monkeypatch, actions.drawdoc, "build_draw_document")
    actors = iter([coordinator, administrator])
    lock = threading.Lock()

    def execute() -> Draw:
        with lock:
            actor = next(actors)
        return actions.execute_draw(draw=draw.pk, actor=actor)

    outcomes = race(execute)
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    error = next(value for kind, value in outcomes if kind == "error")
    assert f"该事项第1轮已有执行完毕的抽取（编号 {draw.pk}）" in str(error)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.EXECUTED
    assert draw.selections.count() == sum(draw.allocation.values())


def test_two_simultaneous_prepares_give_one_draw(hotel_item, hotels, coordinator, monkeypatch):
    slow_down(monkeypatch, actions, "freeze_population")

    def prepare() -> Draw:
        return actions.prepare_draw(item=hotel_item, actor=coordinator, on=DRAW_DAY)

    outcomes = race(prepare)
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    error = next(value for kind, value in outcomes if kind == "error")
    assert "该事项第1轮已有抽取" in str(error)
    assert Draw.objects.filter(item=hotel_item).count() == 1


def test_the_database_itself_refuses_a_second_live_draw(hotel_item, hotels, coordinator):
    from django.db import IntegrityError, transaction

    draw = actions.prepare_draw(item=hotel_item, actor=coordinator, on=DRAW_DAY)
    fields = {
        f.attname: getattr(draw, f.attname) for f in Draw._meta.concrete_fields if not f.primary_key
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Draw(**fields).save()
