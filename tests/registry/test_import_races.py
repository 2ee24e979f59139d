"""Concurrent directory imports and a double click on 「确认导入」 (issue 14): the second import
waits or is refused with a clear message, never an IntegrityError traceback or a 500."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, connections
from django.urls import reverse

from spotcheck.registry import actions, uploads
from spotcheck.registry.imports import DirectoryImportError
from spotcheck.registry.models import Entity, ImportBatch, Inspector
from tests.registry.helpers import (
    AGENCY,
    AS_OF,
    ENTITY_HEADER,
    INSPECTOR_HEADER,
    county_rows,
    csv_bytes,
)


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def import_rows(rows: list[list[str]]) -> Any:
    return actions.import_entities(
        source=csv_bytes(ENTITY_HEADER, rows),
        filename="entities.csv",
        agency_name=AGENCY,
        actor="tester",
        today=AS_OF,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's IMMEDIATE transactions serialise writers; the race needs PostgreSQL",
)
def test_two_entity_imports_with_overlapping_new_codes_on_postgresql(monkeypatch):
    rows = county_rows(60)
    # The agency and target types exist already (creating them would serialise the imports).
    assert import_rows(rows[40:]).created == 20
    files = [rows[:30], rows[10:40]]  # rows 10..29 are new in both files
    barrier = threading.Barrier(2)
    original = actions._finish_batch

    def slowed(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1)  # the first import holds its new rows uncommitted while the second runs
        return original(*args, **kwargs)

    monkeypatch.setattr(actions, "_finish_batch", slowed)
    outcomes: list[Any] = [None, None]

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = import_rows(files[index])
        except Exception as error:  # noqa: BLE001 - asserted below
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(isinstance(o, IntegrityError) for o in outcomes), outcomes
    assert all(
        not isinstance(o, Exception) or isinstance(o, DirectoryImportError) for o in outcomes
    )
    written = [o for o in outcomes if not isinstance(o, Exception)]
    assert written and all(o.written for o in written)
    assert Entity.objects.count() == 20 + 30 + 10 * (len(written) - 1)
    if len(written) == 2:
        assert sorted(o.created for o in written) == [10, 30]


@pytest.mark.django_db
def test_an_import_that_meets_a_unique_constraint_is_refused_clearly(monkeypatch):
    """The small imports validate before their write transaction: a row another import created
    meanwhile meets the unique constraint, and the import is refused, nothing written."""
    from tests.registry.test_inspectors import ROWS

    data = csv_bytes(INSPECTOR_HEADER, ROWS)
    original = actions._write_inspectors

    def racing(job: Any, batch: Any, actor: Any) -> None:
        original(job, batch, actor)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(actions, "_write_inspectors", racing)
    with pytest.raises(DirectoryImportError, match="另一项导入同时写入了相同的记录"):
        actions.import_inspectors(source=data, filename="i.csv", actor="tester", today=AS_OF)
    assert not Inspector.objects.exists() and not ImportBatch.objects.exists()


def test_an_upload_is_claimed_once(var_dir):
    stored = uploads.store(SimpleUploadedFile("a.csv", b"x"), {"kind": "entities"})
    assert stored.claim() and not stored.claim()
    stored.release()
    assert stored.claim()


@pytest.mark.django_db
def test_a_second_confirm_while_the_first_runs_is_refused(client, coordinator, agency, var_dir):
    client.force_login(coordinator)
    data = csv_bytes(ENTITY_HEADER, county_rows(5))
    response = client.post(
        reverse("registry:import"),
        {"file": SimpleUploadedFile("名录.csv", data), "kind": "entities", "agency": agency.pk},
    )
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    first = uploads.load(token)
    assert first.claim()  # the first click is still importing
    second = client.post(reverse("registry:import_confirm", args=[token]), follow=True)
    assert second.status_code == 200 and "该文件正在导入，请勿重复提交" in second.text
    assert not Entity.objects.exists() and not ImportBatch.objects.exists()
    first.release()
    done = client.post(reverse("registry:import_confirm", args=[token]), follow=True)
    assert "新增5" in done.text and Entity.objects.count() == 5
