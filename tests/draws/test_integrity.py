"""Stored draw rows against the verified document: the public page, draw.json and
`spotcheck audit verify` refuse rows that drifted from what the document proves."""

from __future__ import annotations

import hashlib
import json
import zlib

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import reverse

from spotcheck.draws import actions, integrity
from spotcheck.draws.models import Draw, DrawLocked, DrawReplacement, DrawSelection
from spotcheck.lib import drawdoc
from spotcheck.registry.models import Entity

from .conftest import DRAW_DAY, WITNESSES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def executed(hotel_item, hotels, coordinator) -> Draw:
    draw = actions.prepare_draw(item=hotel_item, actor=coordinator, on=DRAW_DAY)
    actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    return actions.execute_draw(draw=draw, actor=coordinator)


def raw(model):
    """A plain queryset: what a direct SQL change does, past the models' guards."""
    return models.QuerySet(model)


def substitute_first_selection(draw: Draw) -> tuple[DrawSelection, Entity]:
    row = draw.selections.order_by("position").first()
    chosen = {s.entity_id for s in draw.selections.all()}
    other = Entity.objects.exclude(pk__in=chosen).order_by("pk").first()
    raw(DrawSelection).filter(pk=row.pk).update(
        entity=other, public_id=other.public_id, name=other.name, credit_code=other.credit_code
    )
    return row, other


def test_consistent_draw_has_no_problems(executed):
    assert integrity.stored_rows_problems(executed) == []
    assert integrity.draw_problems(executed) == []


def test_substituted_selection_row_is_caught_everywhere(client, executed):
    row, other = substitute_first_selection(executed)
    # draw.json is built from the stored document, so it still verifies on its own ...
    document = actions.export_draw_document(executed)
    assert all(r.ok for r in drawdoc.verify_draw_document(document))
    # ... but the rows no longer say what it says.
    problems = integrity.stored_rows_problems(executed)
    assert problems and f"第{row.position}行" in problems[0] and str(row.pk) in problems[0]
    assert integrity.draw_problems(executed)
    page = client.get(executed.get_public_url()).content.decode()
    assert "数据完整性警告" in page and other.name not in page
    response = client.get(reverse("public:draw_json", args=[executed.pk]))
    assert response.status_code == 409 and f"第{row.position}行" in response.content.decode()
    # The API's draw.json is the portal's (its one address), so it is refused there too.
    response = client.get(f"/api/v1/draws/{executed.pk}/draw.json", follow=True)
    assert response.status_code == 409 and f"第{row.position}行" in response.content.decode()
    with pytest.raises(CommandError, match=f"抽取{executed.pk}"):
        call_command("audit", "verify")


def test_only_the_entity_link_changed_is_caught(executed):
    row = executed.selections.order_by("position").first()
    chosen = {s.entity_id for s in executed.selections.all()}
    other = Entity.objects.exclude(pk__in=chosen).order_by("pk").first()
    raw(DrawSelection).filter(pk=row.pk).update(entity=other)
    assert any("关联的检查对象" in p for p in integrity.stored_rows_problems(executed))


def test_replacement_rows_are_replayed(executed, coordinator):
    from django.utils import timezone

    from spotcheck.registry.actions import update_entity

    target = executed.selections.order_by("position").first()
    update_entity(entity=target.entity, actor=coordinator, values={"status": "revoked"})
    row = actions.replace_target(
        draw=executed,
        entity=target.entity,
        reason_code="revoked",
        out_of_scope_since=timezone.localdate(),
        reason="许可证被吊销",
        actor=coordinator,
    )
    assert integrity.draw_problems(executed) == []
    # The replacement row is pointed at another entity of the stratum.
    stratum = executed.population_strata()[row.replacement.stratum]
    taken = set(executed.selections.values_list("public_id", flat=True))
    wrong = next(i for i in stratum if i not in taken)
    raw(DrawSelection).filter(pk=row.replacement_id).update(public_id=wrong)
    problems = integrity.stored_rows_problems(executed)
    assert any("替补记录第1条" in p for p in problems)


def test_replacement_entry_edited_is_caught(executed, coordinator):
    from django.utils import timezone

    from spotcheck.registry.actions import update_entity

    target = executed.selections.order_by("position").first()
    update_entity(entity=target.entity, actor=coordinator, values={"status": "revoked"})
    row = actions.replace_target(
        draw=executed,
        entity=target.entity,
        reason_code="revoked",
        out_of_scope_since=timezone.localdate(),
        reason="许可证被吊销",
        actor=coordinator,
    )
    entry = dict(row.document_entry, rank=row.document_entry["rank"] + 1)
    raw(DrawReplacement).filter(pk=row.pk).update(document_entry=entry)
    assert any("替补记录第1条" in p for p in integrity.stored_rows_problems(executed))


def test_document_and_rows_rewritten_together_fail_the_recomputation(executed):
    """Rows and stored document changed consistently: only recomputing from the frozen
    population and the seed shows it (what `audit verify` does)."""
    document = executed.document()
    first = document["selection"][0]
    stratum = executed.population_strata()[first["stratum"]]
    taken = {e["id"] for e in document["selection"]}
    other_id = next(i for i in stratum if i not in taken)
    other = Entity.objects.get(public_id=other_id)
    first["id"] = other_id
    document["entities"][other_id] = {"name": other.name, "credit_code": other.credit_code}
    raw(Draw).filter(pk=executed.pk).update(
        document_gz=zlib.compress(json.dumps(document, ensure_ascii=False).encode())
    )
    row = executed.selections.order_by("position").first()
    raw(DrawSelection).filter(pk=row.pk).update(
        entity=other,
        public_id=other_id,
        name=other.name,
        public_name=other.name,
        credit_code=other.credit_code,
    )
    executed.refresh_from_db()
    assert integrity.stored_rows_problems(executed) == []
    problems = integrity.draw_problems(executed)
    assert problems and "selection" in problems[0]


def test_audit_verify_reports_consistent_records(executed, capsys):
    call_command("audit", "verify")
    assert "重新计算了1次抽取" in capsys.readouterr().out


def test_the_cached_page_check_still_sees_a_later_change(executed):
    assert integrity.stored_rows_problems(executed) == []
    # The cache is keyed by the document and the rows read, so a later change is not hidden.
    substitute_first_selection(executed)
    assert integrity.stored_rows_problems(executed)


def test_a_public_name_that_is_not_the_drawn_name_masked_is_caught(executed):
    """The bulletin shows the public name: one that names another entity (not the name as
    drawn with characters masked) is a substitution, even where the document holds the name
    as drawn."""
    row = executed.selections.order_by("position").first()
    raw(DrawSelection).filter(pk=row.pk).update(public_name="某某另一家旅馆")
    problems = integrity.stored_rows_problems(executed)
    assert any(f"id {row.pk}" in p and "公示名称" in p for p in problems), problems


def test_a_public_name_masked_further_than_the_document_is_consistent(executed):
    """A name masked again under stricter rules (remask_public_names) still agrees with the
    document, which holds the name as drawn or as it was masked then."""
    row = executed.selections.order_by("position").first()
    masked = row.public_name[0] + "*" * (len(row.public_name) - 1)
    DrawSelection.objects.set_public_names({row.pk: masked})
    assert integrity.draw_problems(executed) == []


def test_set_public_names_only_masks(executed):
    row = executed.selections.order_by("position").first()
    with pytest.raises(DrawLocked):
        DrawSelection.objects.set_public_names({row.pk: "某某另一家旅馆"})
    assert DrawSelection.objects.get(pk=row.pk).public_name == row.public_name


def test_a_draws_audited_digest_still_matches_draw_json_after_a_masked_reason(
    executed, coordinator
):
    """What draw.execute records as a digest (selection_sha256) is of the selection, which no
    masking rule touches: a replacement reason with a phone number, masked in draw.json, leaves
    it equal to the served document's. (The digest that masking did change is a matching's
    public record: tests/inspections/test_public_digests.py.)"""
    from django.utils import timezone

    from spotcheck.audit.models import AuditEntry
    from spotcheck.public.documents import draw_json
    from spotcheck.registry.actions import update_entity

    phone = "13812345678"
    target = executed.selections.order_by("position").first()
    update_entity(entity=target.entity, actor=coordinator, values={"status": "revoked"})
    actions.replace_target(
        draw=executed,
        entity=target.entity,
        reason_code="revoked",
        out_of_scope_since=timezone.localdate(),
        reason=f"经营者电话{phone}告知已注销",
        actor=coordinator,
    )
    served = json.loads(draw_json(executed))
    assert served["replacements"][0]["reason"].endswith(f"经营者电话{'*' * len(phone)}告知已注销")
    recorded = AuditEntry.objects.get(action="draw.execute", object_id=str(executed.pk))
    selection = json.dumps(served["selection"], ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(selection.encode("utf-8")).hexdigest()
    assert digest == recorded.details["selection_sha256"]
