"""Two members of a team save the same result at once: real threads, real transactions (SQLite
file database with IMMEDIATE transactions; PostgreSQL row locks). One save wins, the other is
told of the conflict; nothing is overwritten silently."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connections

from spotcheck.results import actions
from spotcheck.results.models import CheckpointFinding, Result
from tests.results.conftest import complete_content

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_first_saves_give_one_result_and_one_conflict(scene, monkeypatch):
    original = actions._write_content

    def slowed(*args: Any, **kwargs: Any) -> None:
        time.sleep(0.3)
        original(*args, **kwargs)

    monkeypatch.setattr(actions, "_write_content", slowed)
    barrier = threading.Barrier(2)
    outcomes: list[tuple[str, Any]] = [("missing", None)] * 2
    writers = [(scene.member_a, "甲"), (scene.member_b, "乙")]

    def worker(index: int) -> None:
        user, name = writers[index]
        try:
            barrier.wait(timeout=10)
            result = actions.save_draft(
                visit=scene.visit,
                content=complete_content(scene, representative=name),
                revision=0,
                actor=user,
            )
            outcomes[index] = ("ok", result.representative)
        except actions.ResultConflictError as error:
            outcomes[index] = ("conflict", str(error))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = ("crash", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(kind for kind, _ in outcomes) == ["conflict", "ok"], outcomes
    winner = next(value for kind, value in outcomes if kind == "ok")
    conflict = next(value for kind, value in outcomes if kind == "conflict")
    assert "另一名检查人员已修改该结果" in conflict
    result = Result.objects.get()
    assert result.representative == winner and result.revision == 1
    assert CheckpointFinding.objects.count() == 13 + 5
