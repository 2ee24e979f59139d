"""`spotcheck notice VISIT -o F.docx [--issue]` and `spotcheck record-form VISIT -o F.docx`."""

from __future__ import annotations

import io

import docx
import pytest
from django.core.management import CommandError, call_command

from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.actions import build_visits, match_teams_for_round
from spotcheck.inspections.models import Notice, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(unit, published_plan, executed_draws, coordinator) -> Visit:
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    return Visit.objects.filter(responsible_unit__name="网安大队").order_by("pk").first()


def test_notice_and_record_form_commands(visit, tmp_path):
    out = io.StringIO()
    target = tmp_path / "n.docx"
    with pytest.raises(CommandError, match="尚未签发"):
        call_command("notice", visit.visit_key, "-o", str(target), stdout=out)
    assert not target.exists()
    call_command(
        "notice", str(visit.pk), "-o", str(target), "--issue", "--actor", "张科长", stdout=out
    )
    notice = Notice.objects.get(visit=visit)
    assert f"已签发检查通知书：{notice.number}" in out.getvalue()
    assert AuditEntry.objects.get(action="inspections.issue_notice").actor == "张科长"
    text = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert notice.number in text
    # run again: the same notice, no second number
    call_command("notice", str(visit.pk), "-o", str(target), "--issue", stdout=out)
    assert Notice.objects.count() == 1
    form = tmp_path / "r.docx"
    call_command("record_form", visit.visit_key, "-o", str(form), stdout=out)
    table = docx.Document(str(form)).tables[1]
    assert sum(1 for row in table.rows[1:] if row.cells[0].text.startswith("11. ")) == 13
    with pytest.raises(CommandError, match="找不到检查任务"):
        call_command("record_form", "no-such-visit", "-o", str(form), stdout=out)
