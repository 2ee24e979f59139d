"""The correction of items imported before the reader dropped the 撤回情况 column
(spotcheck.plans.actions.drop_withdrawn_columns, `spotcheck drop-withdrawn-columns`): such an
item kept the export's withdrawal note among its unrecognised columns, with a review flag."""

import io

import pytest
from django.core.management import call_command

from spotcheck.accounts.permissions import OtherAgencyError
from spotcheck.audit.models import AuditEntry, verify_chain
from spotcheck.plans.actions import drop_withdrawn_columns
from spotcheck.plans.models import PlanItem

pytestmark = pytest.mark.django_db

NOTE = "已于2022-07-01经第1次计划调整撤回"
NOTE_FLAG = f"未识别的列“撤回情况”：内容“{NOTE}”已原样保留在附加字段中"
SECOND_FLAG = "未识别的列“撤回情况（2）”：内容“已于2022-08-01撤回”已原样保留在附加字段中"
CONTACT_FLAG = "未识别的列“联系人”：内容“张三”已原样保留在附加字段中"
OTHER_FLAG = "检查时间“全年”未能识别为月份，已原样保留"


@pytest.fixture
def old_items(published_plan):
    """Items 1 and 2 as an import before the fix left them: item 1 with the note beside a
    column of its own, item 2 with the header repeated; item 3 with a column of its own only."""
    items = {n: published_plan.items.get(number=n) for n in (1, 2, 3)}
    items[1].extra = {"联系人": "张三", "撤回情况": NOTE}
    items[1].review_flags = [CONTACT_FLAG, NOTE_FLAG, OTHER_FLAG]
    items[2].extra = {"撤回情况": NOTE, "撤回情况（2）": "已于2022-08-01撤回"}
    items[2].review_flags = [NOTE_FLAG, SECOND_FLAG]
    items[3].extra = {"联系人": "李四"}
    items[3].review_flags = [CONTACT_FLAG]
    for item in items.values():
        item.save(update_fields=["extra", "review_flags"])
    return items


def stored(items) -> dict[int, tuple[dict, list]]:
    return {
        n: (i.extra, i.review_flags)
        for n, i in ((n, PlanItem.objects.get(pk=item.pk)) for n, item in items.items())
    }


def test_removes_the_columns_and_their_flags_only(old_items):
    untouched = PlanItem.objects.exclude(pk__in=[i.pk for i in old_items.values()])
    others = {i.pk: (i.extra, i.review_flags) for i in untouched}
    removed = drop_withdrawn_columns(actor="ops")
    assert [(e.item.number, e.columns, e.flags) for e in removed] == [
        (1, {"撤回情况": NOTE}, [NOTE_FLAG]),
        (2, {"撤回情况": NOTE, "撤回情况（2）": "已于2022-08-01撤回"}, [NOTE_FLAG, SECOND_FLAG]),
    ]
    assert stored(old_items) == {
        1: ({"联系人": "张三"}, [CONTACT_FLAG, OTHER_FLAG]),
        2: ({}, []),
        3: ({"联系人": "李四"}, [CONTACT_FLAG]),
    }
    assert {i.pk: (i.extra, i.review_flags) for i in untouched} == others


def test_one_audit_entry_names_what_was_removed_per_item(old_items):
    before = AuditEntry.objects.count()
    drop_withdrawn_columns(actor="ops")
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.actor) == ("plan.drop_withdrawn_columns", "ops")
    plan = old_items[1].plan_id
    assert entry.details == {
        "items": {
            str(old_items[1].pk): {
                "plan": plan,
                "columns": {"撤回情况": NOTE},
                "flags": [NOTE_FLAG],
            },
            str(old_items[2].pk): {
                "plan": plan,
                "columns": {"撤回情况": NOTE, "撤回情况（2）": "已于2022-08-01撤回"},
                "flags": [NOTE_FLAG, SECOND_FLAG],
            },
        }
    }
    assert verify_chain().ok


def test_a_second_run_changes_nothing(old_items):
    drop_withdrawn_columns(actor="ops")
    after_first = stored(old_items)
    head = AuditEntry.objects.latest("seq").seq
    assert drop_withdrawn_columns(actor="ops") == []
    assert stored(old_items) == after_first
    assert AuditEntry.objects.latest("seq").seq == head  # nothing to record


def test_another_agencys_user_changes_nothing(old_items, other_users_by_role):
    before = stored(old_items)
    with pytest.raises(OtherAgencyError):
        drop_withdrawn_columns(actor=other_users_by_role["coordinator"])
    assert stored(old_items) == before


def test_the_staff_item_page_no_longer_shows_the_note(client, coordinator, old_items):
    client.force_login(coordinator)
    page = old_items[2].get_absolute_url()
    assert "撤回情况" in client.get(page).content.decode()
    drop_withdrawn_columns(actor=coordinator)
    body = client.get(page).content.decode()
    assert "撤回情况" not in body and "已于2022-08-01撤回" not in body
    assert "待复核" not in body


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("drop_withdrawn_columns", *args, stdout=out)
    return out.getvalue()


def test_the_dry_run_lists_and_changes_nothing(old_items):
    before, entries = stored(old_items), AuditEntry.objects.count()
    lines = command("--dry-run").splitlines()
    assert len(lines) == 3
    assert lines[0].endswith("：将删除“撤回情况”列及1条待复核提示")
    assert "事项2" in lines[1] and lines[1].endswith(
        "：将删除“撤回情况”、“撤回情况（2）”列及2条待复核提示"
    )
    assert lines[2] == "共2个事项（1个计划）将删除“撤回情况”列（试运行，未作任何更改）"
    assert stored(old_items) == before and AuditEntry.objects.count() == entries


def test_the_command_corrects_then_finds_nothing(old_items):
    out = command("--actor", "ops")
    assert out.splitlines()[-1] == "共2个事项（1个计划）已删除“撤回情况”列"
    assert AuditEntry.objects.latest("seq").actor == "ops"
    assert stored(old_items)[2] == ({}, [])
    assert command("--dry-run").splitlines() == [
        "共0个事项（0个计划）将删除“撤回情况”列（试运行，未作任何更改）"
    ]
