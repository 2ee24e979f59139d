"""Stored visits and team members against the matching document: drift is refused by the
public matching page and its downloads, and reported by `spotcheck audit verify`."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import reverse

from spotcheck.inspections.integrity import matching_problems
from spotcheck.inspections.models import TeamMatching, TeamMember, Visit
from spotcheck.registry.models import Inspector
from tests.conftest import round_one_matched

# Round one's draws, visits and teams are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_teams")]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def matched(request, published_plan, executed_draws, coordinator) -> TeamMatching:
    return round_one_matched(request, published_plan, coordinator)


def raw(model):
    return models.QuerySet(model)


def test_a_fresh_matching_is_consistent(matched, capsys):
    assert matching_problems(matched) == []
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "次抽取、1次检查人员匹配" in out


def test_a_member_swapped_in_the_database_is_caught(client, matched):
    member = TeamMember.objects.filter(matching=matched, replaced_at__isnull=True).first()
    other = (
        Inspector.objects.filter(unit=member.inspector.unit)
        .exclude(pk__in=member.visit.members.values("inspector"))
        .first()
    )
    raw(TeamMember).filter(pk=member.pk).update(inspector=other)
    problems = matching_problems(matched)
    assert any(member.visit.visit_key in p and f"席位{member.seat}" in p for p in problems)
    page = client.get(matched.get_absolute_url()).content.decode()
    assert "数据完整性警告" in page
    assert client.get(reverse("public:matching_json", args=[matched.pk])).status_code == 409
    with pytest.raises(CommandError, match=member.visit.visit_key):
        call_command("audit", "verify")


def test_a_visit_row_changed_is_caught(matched):
    visit = Visit.objects.filter(plan=matched.plan).first()
    raw(Visit).filter(pk=visit.pk).update(entity_key="91370323MA3C000001")
    assert any(visit.visit_key in p for p in matching_problems(matched))


def test_a_document_that_does_not_recompute_is_caught(matched):
    document = matched.document
    entry = document["visits"][0]
    first, second = entry["team"][0], entry["team"][-1]
    first["inspector_id"], second["inspector_id"] = second["inspector_id"], first["inspector_id"]
    raw(TeamMatching).filter(pk=matched.pk).update(document=document)
    matched.refresh_from_db()
    problems = matching_problems(matched)
    assert any("重新计算" in p and entry["visit_id"] in p for p in problems)
