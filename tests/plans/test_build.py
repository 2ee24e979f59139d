"""Plans built in the app's forms: a plan made only in the forms is published, drawn and matched
like an imported one; last year's plan copied as this year's start; drafts only."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import Role, Unit
from spotcheck.audit.models import AuditEntry, verify_chain
from spotcheck.inspections.actions import build_visits, match_teams_for_round
from spotcheck.inspections.models import Visit
from spotcheck.plans.actions import (
    PlanImportError,
    copy_plan,
    create_plan,
    delete_plan_item,
    save_plan_item,
)
from spotcheck.plans.models import Plan
from tests.inspections.conftest import (  # noqa: F401
    county,
    directory,
    housing,
    run_draw,
)

pytestmark = pytest.mark.django_db


def _item_post(**changes):
    data = {
        "name": "对宾馆、旅店治安安全情况的检查",
        "mode": "joint",
        "domain": "治安管理",
        "checkpoints": "是否取得特种行业许可证\n是否如实登记旅客信息\n\n是否配备安全设施",
        "target_type": "各类宾馆、旅店",
        "category": "general",
        "ratio_percent": "5",
        "times_per_year": "1",
        "risk_low": "3",
        "risk_high": "20",
        "window_start_month": "3",
        "window_end_month": "11",
        "responsible_unit_name": "治安大队",
        "initiating_department": "县公安局",
        "cooperating_departments": "住房城乡建设等相关部门",
        "inspection_body": "县公安局",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.usefixtures("directory")
def test_a_plan_made_only_in_the_forms_is_published_drawn_and_matched(
    client, coordinator, published_plan
):
    client.force_login(coordinator)
    response = client.post(reverse("plans:new"), {"year": "2023", "title": ""})
    plan = Plan.objects.get(year=2023)
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:item_new", args=[plan.pk])
    assert plan.title == "沂源县公安局2023年度“双随机、一公开”抽查工作计划"
    response = client.post(reverse("plans:item_new", args=[plan.pk]), _item_post(another="1"))
    assert response.status_code == 302, response.content.decode()
    client.post(
        reverse("plans:item_new", args=[plan.pk]),
        _item_post(
            name="对大型群众性活动的监督检查",
            event_driven="on",
            ratio_percent=None,
            times_per_year=None,
            risk_low=None,
            risk_high=None,
            cooperating_departments="",
        ),
    )
    first, second = plan.items.order_by("position")
    assert (first.number, second.number) == (1, 2)
    assert first.checkpoints == [
        "是否取得特种行业许可证",
        "是否如实登记旅客信息",
        "是否配备安全设施",
    ]
    assert first.risk_ratios == {"low": "3", "high": "20"}
    assert first.cooperating_departments == ["住房城乡建设等相关部门"]
    assert list(first.cooperating_agencies.values_list("name", flat=True)) == ["住房城乡建设部门"]
    assert first.responsible_unit.name == "治安大队" and first.is_joint
    assert (first.window_start_month, first.window_end_month) == (3, 11)
    seed_type = published_plan.items.get(number=1).entity_type
    assert first.entity_type == seed_type  # resolved from 检查对象 like an imported item
    assert second.event_driven and second.ratio_percent is None
    assert client.post(reverse("plans:publish", args=[plan.pk])).status_code == 302
    plan.refresh_from_db()
    assert plan.is_published
    draw = run_draw(first, coordinator)
    assert draw.status == draw.Status.EXECUTED and draw.selections.exists()
    build_visits(plan=plan, round=1, actor=coordinator)
    matching = match_teams_for_round(plan=plan, round=1, actor=coordinator)
    visits = Visit.objects.filter(plan=plan, round=1)
    assert visits.count() > 0
    assert all(v.current_members().count() >= 2 for v in visits)
    assert matching.plan_id == plan.pk
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"plan.create", "plan.item_add", "plan.publish"} <= actions
    assert verify_chain().ok


def test_item_form_refuses_bad_windows_and_ratios(client, coordinator):
    plan = create_plan(actor=coordinator, agency=coordinator.agency, year=2024)
    client.force_login(coordinator)
    url = reverse("plans:item_new", args=[plan.pk])
    body = client.post(url, _item_post(window_start_month="9", window_end_month="3")).text
    assert "结束月份（3月）早于开始月份（9月）" in body
    body = client.post(url, _item_post(ratio_max_percent="2")).text
    assert "最高抽查比例须不低于最低抽查比例" in body
    body = client.post(url, _item_post(ratio_percent="150")).text
    assert "100" in body
    body = client.post(url, _item_post(event_driven="on")).text
    assert "按实际执行的事项不设抽查比例" in body
    assert not plan.items.exists()


def test_numbers_are_unique_and_items_edit_and_delete_in_a_draft(client, coordinator):
    plan = create_plan(actor=coordinator, agency=coordinator.agency, year=2024)
    client.force_login(coordinator)
    client.post(reverse("plans:item_new", args=[plan.pk]), _item_post(number="3"))
    item = plan.items.get()
    body = client.post(reverse("plans:item_new", args=[plan.pk]), _item_post(number="3")).text
    assert "编号3已被事项" in body
    response = client.post(
        reverse("plans:item_edit", args=[plan.pk, item.pk]),
        _item_post(number="3", ratio_percent="8"),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.ratio_percent == 8
    edit = AuditEntry.objects.get(action="plan.item_edit")
    assert edit.details["before"]["ratio_percent"] == "5"
    assert edit.details["after"]["ratio_percent"] == "8"
    client.post(reverse("plans:item_delete", args=[plan.pk, item.pk]))
    assert not plan.items.exists()
    assert AuditEntry.objects.filter(action="plan.item_delete").count() == 1


def test_a_published_plan_is_not_edited_in_place(client, coordinator, published_plan):
    item = published_plan.items.get(number=1)
    client.force_login(coordinator)
    client.post(reverse("plans:item_edit", args=[published_plan.pk, item.pk]), _item_post())
    client.post(reverse("plans:item_delete", args=[published_plan.pk, item.pk]))
    item.refresh_from_db()
    assert item.name == "对宾馆、旅店取得许可证及治安安全情况的检查"
    with pytest.raises(PlanImportError, match="只能通过计划调整修改"):
        save_plan_item(plan=published_plan, actor=coordinator, values={"name": "x"}, item=item)


def test_copy_last_years_plan(client, coordinator, seed_plan):
    client.force_login(coordinator)
    response = client.post(reverse("plans:copy", args=[seed_plan.pk]), {"year": "2023"})
    plan = Plan.objects.get(year=2023)
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.title == "沂源县公安局2023年度“双随机、一公开”抽查工作计划"
    assert not plan.is_published and plan.items.count() == 12
    old, new = seed_plan.items.get(number=1), plan.items.get(number=1)
    for key in (
        "name",
        "checkpoints",
        "ratio_percent",
        "times_per_year",
        "window_start_month",
        "responsible_unit_id",
        "entity_type_id",
        "cooperating_departments",
        "mode",
    ):
        assert getattr(new, key) == getattr(old, key), key
    assert list(new.cooperating_agencies.all()) == list(old.cooperating_agencies.all())
    assert new.estimated_targets is None and new.original == {}
    with pytest.raises(PlanImportError, match="2023年度计划已存在"):
        copy_plan(source=seed_plan, year=2023, actor=coordinator)
    assert AuditEntry.objects.get(action="plan.copy").details["source_plan"] == seed_plan.pk


@pytest.mark.parametrize("role", [Role.UNIT_LEADER, Role.INSPECTOR, Role.SUPERVISOR])
def test_only_plan_managers_build_plans(client, users_by_role, role):
    client.force_login(users_by_role[role])
    assert client.get(reverse("plans:new")).status_code == 403
    assert client.post(reverse("plans:new"), {"year": "2024"}).status_code == 403
    assert not Plan.objects.exists()


def test_another_agencys_plan_is_not_found(client, other_users_by_role, seed_plan):
    client.force_login(other_users_by_role[Role.COORDINATOR])
    item = seed_plan.items.first()
    assert client.get(reverse("plans:item_new", args=[seed_plan.pk])).status_code == 404
    assert (
        client.post(reverse("plans:copy", args=[seed_plan.pk]), {"year": "2023"}).status_code == 404
    )
    assert client.get(reverse("plans:item_edit", args=[seed_plan.pk, item.pk])).status_code == 404


def test_hand_edits_of_a_plan_are_dated_at_their_moments(coordinator):
    """A plan made in the forms on given moments: the plan, a unit named for the first time
    and the audit entries carry them (as the demo's year dates every record it writes)."""
    created_at = timezone.make_aware(datetime(2022, 1, 20, 9))
    edited_at = timezone.make_aware(datetime(2022, 1, 21, 10))
    plan = create_plan(actor=coordinator, agency=coordinator.agency, year=2022, now=created_at)
    values = {"name": "对民宿治安安全情况的检查", "responsible_unit_name": "新设民宿管理中队"}
    item = save_plan_item(plan=plan, actor=coordinator, values=values, now=edited_at)
    copy = copy_plan(source=plan, year=2023, actor=coordinator, now=edited_at)
    delete_plan_item(item=item, actor=coordinator, now=edited_at)
    plan.refresh_from_db()
    assert plan.imported_at == created_at and copy.imported_at == edited_at
    assert Unit.objects.get(name="新设民宿管理中队").created_at == edited_at
    moments = dict(AuditEntry.objects.values_list("action", "created_at"))
    assert moments == {
        "plan.create": edited_at,  # the copy's, the later of the two
        "plan.item_add": edited_at,
        "plan.copy": edited_at,
        "plan.item_delete": edited_at,
    }
    assert AuditEntry.objects.filter(action="plan.create", created_at=created_at).count() == 1
    assert verify_chain().ok
