"""Revisions of a published plan (计划调整): a reason and a date; the changes apply only when the
revision is published beside the plan, with a diff; drawn items are never deleted, only
withdrawn from new draws; the draws stay valid and verifiable; every step audited."""

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import Unit
from spotcheck.audit.models import AuditEntry, verify_chain
from spotcheck.draws import actions as draws
from spotcheck.draws import integrity
from spotcheck.draws.actions import DrawError
from spotcheck.lib import drawdoc
from spotcheck.plans.actions import (
    PlanImportError,
    import_plan,
    publish_plan,
    publish_revision,
    read_plan_upload,
    revise_item,
    start_revision,
    withdraw_item,
)
from spotcheck.plans.forms import PlanItemForm
from spotcheck.plans.models import PlanRevision
from spotcheck.public.models import PublicVersion
from tests.inspections.conftest import (  # noqa: F401
    county,
    directory,
    housing,
    run_draw,
)

pytestmark = pytest.mark.django_db

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"


def _values(item, **changes):
    """The item form's values for an item, with changes (as the form would give them)."""
    data = {k: v for k, v in PlanItemForm.initial_for(item).items() if v is not None}
    data.update(changes)
    form = PlanItemForm({k: v for k, v in data.items() if v not in (None, False)})
    assert form.is_valid(), form.errors
    return form.values()


@pytest.fixture
def drawn(published_plan, coordinator, request):
    request.getfixturevalue("directory")
    """Item 1 of the published 2022 plan drawn (prepare, seed, execute)."""
    return run_draw(published_plan.items.get(number=1), coordinator)


def test_revision_keeps_the_draw_valid_and_verifiable(
    client, coordinator, published_plan, drawn, tmp_path
):
    item = drawn.item
    revision = start_revision(
        plan=published_plan,
        actor=coordinator,
        reason="上级部署专项整治，调整比例",
        effective_date=date(2022, 7, 1),
    )
    revise_item(
        revision=revision, actor=coordinator, item=item, values=_values(item, ratio_percent="8")
    )
    withdraw_item(revision=revision, actor=coordinator, item=published_plan.items.get(number=2))
    add = _values(item, number=None, name="对民宿治安安全情况的检查", ratio_percent="10")
    revise_item(revision=revision, actor=coordinator, values=add)
    # Nothing changes before the revision is published.
    item.refresh_from_db()
    assert item.ratio_percent == 5 and published_plan.items.count() == 12
    publish_revision(revision=revision, actor=coordinator)
    item.refresh_from_db()
    second = published_plan.items.get(number=2)
    added = published_plan.items.get(number=13)
    assert item.ratio_percent == 8 and added.name == "对民宿治安安全情况的检查"
    assert second.withdrawn_on == date(2022, 7, 1) and second.withdrawn_by == revision
    # The draw: its stored rows and document recompute; the exported draw.json verifies.
    drawn.refresh_from_db()
    assert integrity.draw_problems(drawn) == []
    document = draws.export_draw_document(drawn)
    assert document["item"]["item_name"] == item.name
    assert all(r.ok for r in drawdoc.verify_draw_document(document))
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            str(VERIFIER),
            str(path),
            "--population-hash",
            drawn.population_hash,
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert result.returncode == 0 and result.stdout.splitlines()[-1] == "VERIFIED", result.stdout
    # A withdrawn item takes no new draw, alone or in its round; a drawn one stays in its round.
    with pytest.raises(DrawError, match="经计划调整撤回"):
        draws.prepare_draw(item=second, round=1, actor=coordinator)
    round_one = draws.round_items(published_plan, 1)
    assert second not in round_one and item in round_one
    # The revision is public beside the plan, with the diff: for a visitor, the staff page
    # of the revision is that section of the portal's plan page.
    page = client.get(
        reverse("plans:revision", args=[published_plan.pk, revision.pk]), follow=True
    ).text
    assert "上级部署专项整治" in page and "2022年7月1日" in page
    assert "最低抽查比例（%） 5 → 8" in page
    assert "撤回事项2 " in page and "新增事项13 " in page
    assert "第1次调整" in page and "已撤回" in page
    client.force_login(coordinator)
    staff = client.get(reverse("plans:revision", args=[published_plan.pk, revision.pk])).text
    assert "最低抽查比例（%）" in staff and ">5<" in staff and ">8<" in staff
    assert "撤回事项 2." in staff and "新增事项 13." in staff
    client.logout()
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("plan.revision_change") == 3
    assert {"plan.revision_start", "plan.revision_publish"} <= set(actions)
    assert verify_chain().ok


def test_a_drawn_items_name_and_type_are_kept(coordinator, published_plan, drawn):
    item = drawn.item
    revision = start_revision(
        plan=published_plan, actor=coordinator, reason="更名", effective_date=date(2022, 7, 1)
    )
    with pytest.raises(PlanImportError, match="已有抽取，抽查事项不能修改"):
        revise_item(
            revision=revision, actor=coordinator, item=item, values=_values(item, name="新名称")
        )
    assert PlanRevision.objects.get().changes == []
    # An item without draws may be renamed.
    third = published_plan.items.get(number=3)
    revise_item(
        revision=revision, actor=coordinator, item=third, values=_values(third, name="新名称")
    )
    publish_revision(revision=revision, actor=coordinator)
    third.refresh_from_db()
    assert third.name == "新名称"


def test_revision_rules(coordinator, published_plan, seed_plan):
    with pytest.raises(PlanImportError, match="请填写调整原因"):
        start_revision(
            plan=published_plan, actor=coordinator, reason=" ", effective_date=date(2022, 7, 1)
        )
    with pytest.raises(PlanImportError, match="计划年度2022年内"):
        start_revision(
            plan=published_plan, actor=coordinator, reason="x", effective_date=date(2023, 1, 1)
        )
    revision = start_revision(
        plan=published_plan, actor=coordinator, reason="x", effective_date=date(2022, 7, 1)
    )
    with pytest.raises(PlanImportError, match="第1次调整尚未公开"):
        start_revision(
            plan=published_plan, actor=coordinator, reason="y", effective_date=date(2022, 7, 2)
        )
    with pytest.raises(PlanImportError, match="没有任何内容"):
        publish_revision(revision=revision, actor=coordinator)
    item = published_plan.items.get(number=4)
    withdraw_item(revision=revision, actor=coordinator, item=item)
    publish_revision(revision=revision, actor=coordinator)
    with pytest.raises(PlanImportError, match="已公开，不能再修改"):
        withdraw_item(revision=revision, actor=coordinator, item=item)
    later = start_revision(
        plan=published_plan, actor=coordinator, reason="z", effective_date=date(2022, 8, 1)
    )
    assert later.number == 2
    with pytest.raises(PlanImportError, match="已撤回"):
        withdraw_item(revision=later, actor=coordinator, item=item)


def test_draft_revision_is_staff_only_and_web_flow(
    client, coordinator, published_plan, other_users_by_role
):
    from spotcheck.accounts.models import Role

    client.force_login(coordinator)
    response = client.post(
        reverse("plans:revision_new", args=[published_plan.pk]),
        {"reason": "人员调整", "effective_date": "2022-06-15"},
    )
    revision = PlanRevision.objects.get()
    assert response.status_code == 302 and response["Location"] == revision.get_absolute_url()
    item = published_plan.items.get(number=3)
    data = {k: v for k, v in PlanItemForm.initial_for(item).items() if v not in (None, False, "")}
    data["responsible_unit_name"] = "禁毒大队"
    data["entity_type"] = item.entity_type_id
    response = client.post(
        reverse("plans:revision_item_edit", args=[published_plan.pk, revision.pk, item.pk]), data
    )
    assert response.status_code == 302, response.text
    page = client.get(revision.get_absolute_url()).text
    assert "治安大队" in page and "禁毒大队" in page
    url = revision.get_absolute_url()
    client.logout()
    draft = client.get(url)  # a draft is not public: a visitor is asked to sign in
    assert draft.status_code == 302 and draft["Location"].startswith(reverse("login"))
    client.force_login(other_users_by_role[Role.COORDINATOR])
    assert client.get(url).status_code == 404
    client.force_login(coordinator)
    client.post(reverse("plans:revision_publish", args=[published_plan.pk, revision.pk]))
    item.refresh_from_db()
    assert item.responsible_unit_name == "禁毒大队" and item.responsible_unit.name == "禁毒大队"
    client.logout()
    assert client.get(url, follow=True).status_code == 200


def test_a_revision_is_dated_at_its_moments(seed_plan_bytes, coordinator):
    """A revision of the demo's plan on its days of 2022: the revision's rows, a unit it names
    for the first time, its audit entries and the portal's change stamp carry the given moments;
    it is not started before the plan was published nor published before it was started."""

    def moment(*args):
        return timezone.make_aware(datetime(*args))

    parsed = read_plan_upload(data=seed_plan_bytes, filename="plan.txt")
    plan = import_plan(parsed=parsed, actor=coordinator, now=moment(2022, 2, 14, 9))
    plan = publish_plan(plan=plan, actor=coordinator, now=moment(2022, 2, 15, 10))
    with pytest.raises(PlanImportError, match="早于计划的公开时间2022-02-15 10:00"):
        start_revision(plan=plan, actor=coordinator, reason="专项整治",
                       effective_date=date(2022, 7, 1), now=moment(2022, 2, 1, 9))  # fmt: skip
    started_at, edited_at, published_at = (
        moment(2022, 6, 1, 9),
        moment(2022, 6, 1, 10),
        moment(2022, 6, 2, 9),
    )
    revision = start_revision(plan=plan, actor=coordinator, reason="专项整治",
                              effective_date=date(2022, 7, 1), now=started_at)  # fmt: skip
    item = plan.items.get(number=1)
    add = _values(item, number=None, name="对民宿治安安全情况的检查",
                  responsible_unit_name="民宿管理中队")  # fmt: skip
    revise_item(revision=revision, actor=coordinator, values=add, now=edited_at)
    withdraw_item(
        revision=revision, actor=coordinator, item=plan.items.get(number=2), now=edited_at
    )
    with pytest.raises(PlanImportError, match="早于本次调整的创建时间2022-06-01 09:00"):
        publish_revision(revision=revision, actor=coordinator, now=moment(2022, 5, 31, 9))
    publish_revision(revision=revision, actor=coordinator, now=published_at)
    revision.refresh_from_db()
    assert (revision.created_at, revision.published_at) == (started_at, published_at)
    assert Unit.objects.get(name="民宿管理中队").created_at == edited_at
    moments = {
        action: set(AuditEntry.objects.filter(action=action).values_list("created_at", flat=True))
        for action in ("plan.revision_start", "plan.revision_change", "plan.revision_publish")
    }
    assert moments == {
        "plan.revision_start": {started_at},
        "plan.revision_change": {edited_at},
        "plan.revision_publish": {published_at},
    }
    assert PublicVersion.objects.get(year=2022).changed_at == published_at
    assert verify_chain().ok
