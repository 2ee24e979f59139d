"""Import preview and correction: nothing is written before the coordinator confirms; a
column's meaning or a row's field can be corrected; the fix is kept with the plan and audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from spotcheck.audit.models import AuditEntry
from spotcheck.lib import planfile
from spotcheck.plans.models import Plan

pytestmark = pytest.mark.django_db

# A plan as a bureau publishes it: 完成时限 names the window, an unknown column, a ratio
# phrase the parser cannot structure.
PLAN = (
    "某县市场监督管理局2024年度双随机抽查工作计划\n"
    "序号\t抽查事项\t抽查对象\t抽查比例\t完成时限\t股室\t联系人\n"
    "1\t食品经营许可情况检查\t食品经营者\t5%；1次/年\t3月—6月\t食品股\t张三\n"
    "2\t特种设备使用情况检查\t特种设备使用单位\t约百分之五\t10月底\t特设股\t李四\n"
)


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def market(coordinator):
    coordinator.agency.name = "某县市场监督管理局"
    coordinator.agency.save()
    return coordinator


def _upload(client, text=PLAN, name="plan.txt"):
    upload = SimpleUploadedFile(name, text.encode(), content_type="text/plain")
    response = client.post(reverse("plans:upload"), {"file": upload})
    assert response.status_code == 302, response.content.decode()
    return response["Location"].rstrip("/").split("/")[-1]


def test_upload_shows_a_preview_and_writes_nothing(client, market):
    client.force_login(market)
    token = _upload(client)
    assert not Plan.objects.exists() and not AuditEntry.objects.filter(action="plan.import")
    body = client.get(reverse("plans:import_preview", args=[token])).content.decode()
    assert "食品经营许可情况检查" in body and "特种设备使用情况检查" in body
    assert "约百分之五" in body  # the original cell beside the parsed fields
    assert "待复核" in body and "未识别的列“联系人”" in body
    assert "完成时限" in body and "检查时间" in body  # how each column was read
    assert not Plan.objects.exists()


def test_corrected_cell_and_column_are_imported_and_recorded(client, market):
    client.force_login(market)
    token = _upload(client)
    correct = reverse("plans:import_correct", args=[token])
    response = client.post(
        correct, {"what": "cell", "source": "第4行", "field": "sampling_rule", "text": "5%"}
    )
    assert response.status_code == 302
    client.post(correct, {"what": "column", "header": "联系人", "field": ""})
    body = client.get(reverse("plans:import_preview", args=[token])).content.decode()
    assert "已更正" in body and "约百分之五" not in body.split("已做的更正")[0]
    assert not Plan.objects.exists()
    response = client.post(reverse("plans:import_confirm", args=[token]))
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    second = plan.items.get(number=2)
    assert second.ratio_percent == 5 and not second.review_flags
    assert second.extra == {"联系人": "李四"}
    assert plan.import_corrections == {
        "columns": {"联系人": None},
        "cells": [{"source": "第4行", "field": "sampling_rule", "was": "约百分之五", "now": "5%"}],
    }
    entry = AuditEntry.objects.get(action="plan.import")
    assert entry.details["corrections"] == plan.import_corrections
    # A second confirm does not import again.
    client.post(reverse("plans:import_confirm", args=[token]))
    assert Plan.objects.count() == 1


def test_a_correction_that_breaks_the_file_is_refused(client, market):
    client.force_login(market)
    token = _upload(client)
    correct = reverse("plans:import_correct", args=[token])
    response = client.post(
        correct, {"what": "column", "header": "抽查事项", "field": ""}, follow=True
    )
    assert "未采用该更正" in response.content.decode()
    response = client.post(
        correct, {"what": "cell", "source": "第9行", "field": "name", "text": "x"}, follow=True
    )
    assert "第9行不是抽查事项行" in response.content.decode()
    client.post(reverse("plans:import_confirm", args=[token]))
    assert Plan.objects.get().import_corrections == {}


def test_bad_file_is_refused_on_upload(client, market):
    client.force_login(market)
    upload = SimpleUploadedFile("x.txt", "只是一段文字\n".encode(), content_type="text/plain")
    response = client.post(reverse("plans:upload"), {"file": upload})
    assert response.status_code == 200 and "这不是一份抽查计划" in response.content.decode()


def test_another_users_upload_is_not_reachable(client, market, other_users_by_role, users_by_role):
    from spotcheck.accounts.models import Role

    client.force_login(market)
    token = _upload(client)
    client.force_login(other_users_by_role[Role.COORDINATOR])
    assert client.get(reverse("plans:import_preview", args=[token])).status_code == 404
    assert client.post(reverse("plans:import_confirm", args=[token])).status_code == 404
    client.force_login(users_by_role[Role.INSPECTOR])
    assert client.get(reverse("plans:import_preview", args=[token])).status_code == 403
    # A plan upload is not a directory upload.
    client.force_login(market)
    assert client.get(reverse("registry:import_preview", args=[token])).status_code == 404
    assert not Plan.objects.exists()


def test_corrections_in_the_parser():
    data = PLAN.encode()
    plain = planfile.read_plan_bytes(data, "p.txt")
    assert plain.columns["完成时限"] == "window" and plain.columns["联系人"] is None
    fixed = planfile.read_plan_bytes(
        data,
        "p.txt",
        planfile.Corrections(
            columns={"完成时限": None, "联系人": "inspection_body"},
            cells={("第3行", "window"): "4月-5月"},
        ),
    )
    first, second = fixed.items
    assert (first.window_start_month, first.window_end_month) == (4, 5)
    assert first.extra == {"完成时限": "3月—6月"} and first.inspection_body == "张三"
    assert second.window_start_month is None and second.inspection_body == "李四"
    assert not any("完成时限" in flag for flag in second.review_flags)
    # The window column is ignored, so the row had no window to correct.
    assert fixed.applied_cells == [
        {"source": "第3行", "field": "window", "was": "", "now": "4月-5月"}
    ]
    with pytest.raises(planfile.PlanFileError, match="更正的列“备注”不在表头中"):
        planfile.read_plan_bytes(data, "p.txt", planfile.Corrections(columns={"备注": None}))


@pytest.mark.parametrize(
    "text,key",
    [("window", "window"), ("完成时限", "window"), ("检查时间", "window"), ("忽略", None)],
)
def test_resolve_field(text, key):
    assert planfile.resolve_field(text) == key


def test_resolve_field_names_the_choices():
    with pytest.raises(planfile.PlanFileError, match="未知的字段“颜色”.*抽查事项"):
        planfile.resolve_field("颜色")


def test_cli_dry_run_prints_the_table_and_flags_and_writes_nothing(tmp_path, capsys, db):
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    call_command("import_plan", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "完成时限 → 检查时间" in out
    assert "2\t第4行\t特种设备使用情况检查" in out
    assert "待复核：抽查比例和频次“约百分之五”" in out
    assert "共2个抽查事项，2个待复核" in out  # 联系人 is an unknown column on both rows
    assert not Plan.objects.exists()


def test_cli_map_and_fix(tmp_path, capsys, db):
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    call_command(
        "import_plan",
        str(path),
        "--map",
        "联系人=检查主体",
        "--fix",
        "第4行:抽查比例=5%",
    )
    plan = Plan.objects.get()
    second = plan.items.get(number=2)
    assert second.inspection_body == "李四" and second.ratio_percent == 5
    assert plan.import_corrections["columns"] == {"联系人": "inspection_body"}
    assert "更正 第4行“抽查比例和频次”：“约百分之五”→“5%”" in capsys.readouterr().out
    with pytest.raises(CommandError, match="未知的字段“颜色”"):
        call_command("import_plan", str(path), "--dry-run", "--map", "联系人=颜色")
    with pytest.raises(CommandError, match="--fix 应写作"):
        call_command("import_plan", str(path), "--dry-run", "--fix", "第4行=5%")
