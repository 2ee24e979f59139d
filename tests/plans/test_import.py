import json
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.audit.models import AuditEntry, verify_chain
from spotcheck.plans.actions import PlanImportError, import_plan, publish_plan, read_plan_upload
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.public.models import PublicVersion

pytestmark = pytest.mark.django_db


def test_seed_imports_with_all_twelve_items(seed_plan):
    assert seed_plan.agency.name == "沂源县公安局"
    assert seed_plan.year == 2022
    assert seed_plan.items.count() == 12
    assert seed_plan.status == Plan.Status.DRAFT


def test_seed_item_fields_as_the_issue_states(seed_plan):
    items = {i.number: i for i in seed_plan.items.all()}
    first = items[1]
    assert first.mode == PlanItem.Mode.JOINT
    assert first.cooperating_departments == ["住房城乡建设等相关部门"]
    assert (first.window_start_month, first.window_end_month) == (5, 11)
    assert first.responsible_unit_name == "治安大队"
    assert first.ratio_percent == Decimal(5)
    assert first.times_per_year == 1
    second = items[2]
    assert second.mode == PlanItem.Mode.INTERNAL
    assert second.estimated_targets == 5
    assert second.estimated_risk == {"low": 4, "medium_low": 1, "medium": 0, "high": 0}
    assert {n for n, i in items.items() if i.event_driven} == {5, 6, 7, 12}
    assert all(
        (items[n].window_start_month, items[n].window_end_month) == (1, 12) for n in range(8, 13)
    )
    assert len(items[11].checkpoints) == 13
    assert len(items[12].checkpoints) == 5
    assert not any(i.review_flags for i in items.values())


def test_import_creates_the_organisations_the_plan_names(seed_plan):
    police = Agency.objects.get(name="沂源县公安局")
    assert set(Unit.objects.filter(agency=police).values_list("name", flat=True)) == {
        "治安大队",
        "禁毒大队",
        "网安大队",
    }
    housing = Agency.objects.get(name="住房城乡建设部门")
    first = seed_plan.items.get(number=1)
    assert list(first.cooperating_agencies.all()) == [housing]
    assert first.responsible_unit.name == "治安大队"


def test_import_writes_an_audit_entry(seed_plan):
    entry = AuditEntry.objects.get(action="plan.import")
    assert entry.object_id == str(seed_plan.pk)
    assert entry.details["items"] == 12
    assert len(entry.details["source_sha256"]) == 64
    assert verify_chain().ok


def local_moment(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


def test_an_import_and_its_publication_are_dated_at_the_given_moments(seed_plan_bytes, coordinator):
    """setup-demo imports and publishes the 2022 plan in February 2022, not on the day it runs:
    the rows, the audit entries and the portal's change stamp carry the given moments."""
    imported_at, published_at = local_moment(2022, 2, 14, 9, 30), local_moment(2022, 2, 15, 10)
    parsed = read_plan_upload(data=seed_plan_bytes, filename="plan.txt")
    plan = import_plan(parsed=parsed, actor=coordinator, now=imported_at)
    plan = publish_plan(plan=plan, actor=coordinator, now=published_at)
    plan.refresh_from_db()
    assert (plan.imported_at, plan.published_at) == (imported_at, published_at)
    assert AuditEntry.objects.get(action="plan.import").created_at == imported_at
    assert AuditEntry.objects.get(action="plan.publish").created_at == published_at
    assert PublicVersion.objects.get(year=2022).changed_at == published_at
    assert verify_chain().ok


def test_without_a_moment_an_import_and_its_publication_are_dated_now(seed_plan_bytes, coordinator):
    before = timezone.now()
    parsed = read_plan_upload(data=seed_plan_bytes, filename="plan.txt")
    plan = publish_plan(plan=import_plan(parsed=parsed, actor=coordinator), actor=coordinator)
    after = timezone.now()
    assert before <= plan.imported_at <= plan.published_at <= after
    for entry in AuditEntry.objects.filter(action__in=["plan.import", "plan.publish"]):
        assert before <= entry.created_at <= after


def test_a_plan_is_not_published_before_it_was_imported(seed_plan_bytes, coordinator):
    parsed = read_plan_upload(data=seed_plan_bytes, filename="plan.txt")
    plan = import_plan(parsed=parsed, actor=coordinator, now=local_moment(2022, 2, 14, 9, 30))
    with pytest.raises(PlanImportError, match="2022-02-14 09:00早于计划的导入时间2022-02-14 09:30"):
        publish_plan(plan=plan, actor=coordinator, now=local_moment(2022, 2, 14, 9))
    plan.refresh_from_db()
    assert not plan.is_published and not AuditEntry.objects.filter(action="plan.publish")


def test_importing_the_same_plan_twice_asks_for_replace(seed_plan, seed_plan_bytes, coordinator):
    parsed = read_plan_upload(data=seed_plan_bytes, filename="plan.txt")
    with pytest.raises(PlanImportError, match="--replace"):
        import_plan(parsed=parsed, actor=coordinator)
    assert Plan.objects.count() == 1
    replaced = import_plan(parsed=parsed, actor=coordinator, replace=True)
    assert Plan.objects.get() == replaced and replaced.items.count() == 12
    assert AuditEntry.objects.filter(action="plan.replace").count() == 1


def test_published_plan_cannot_be_replaced(published_plan, seed_plan_bytes, coordinator):
    parsed = read_plan_upload(data=seed_plan_bytes, filename="plan.txt")
    with pytest.raises(PlanImportError, match="已公开"):
        import_plan(parsed=parsed, actor=coordinator, replace=True)


def test_agency_and_year_options_override_the_title(seed_plan_bytes, db):
    parsed = read_plan_upload(data=seed_plan_bytes, filename="plan.txt")
    # The console operator imports for any agency; a coordinator only for their own.
    plan = import_plan(parsed=parsed, actor="cli", agency_name="某县公安局", year=2023)
    assert (plan.agency.name, plan.year) == ("某县公安局", 2023)


def test_coordinator_cannot_import_another_agencys_plan(seed_plan_bytes, coordinator):
    parsed = read_plan_upload(data=seed_plan_bytes, filename="plan.txt")
    with pytest.raises(PlanImportError, match="只能导入本机构的计划"):
        import_plan(parsed=parsed, actor=coordinator, agency_name="某县公安局", year=2023)
    assert not Agency.objects.filter(name="某县公安局").exists()
    assert not Plan.objects.exists()


def test_failed_import_writes_nothing(coordinator, seed_plan_bytes, monkeypatch):
    from spotcheck.plans import actions

    parsed = read_plan_upload(data=seed_plan_bytes, filename="plan.txt")
    agencies_before = set(Agency.objects.values_list("name", flat=True))
    calls = {"n": 0}
    original = actions._create_item

    def failing_create_item(**kwargs):
        calls["n"] += 1
        if calls["n"] == 7:
            raise RuntimeError("disk full")
        original(**kwargs)

    monkeypatch.setattr(actions, "_create_item", failing_create_item)
    with pytest.raises(RuntimeError):
        import_plan(parsed=parsed, actor=coordinator)
    assert not Plan.objects.exists() and not PlanItem.objects.exists()
    assert not AuditEntry.objects.exists()
    assert set(Agency.objects.values_list("name", flat=True)) == agencies_before
    assert not Unit.objects.exists()


def test_cli_import_and_json_export(tmp_path, seed_plan_bytes, capsysbinary):
    path = tmp_path / "plan.txt"
    path.write_bytes(seed_plan_bytes)
    call_command("import_plan", str(path))
    capsysbinary.readouterr()
    call_command("export_plan", "沂源县公安局:2022", "--format", "json")
    items = json.loads(capsysbinary.readouterr().out.decode())
    assert len(items) == 12
    first = items[0]
    assert set(first) >= {
        "mode", "number", "domain", "name", "content", "checkpoints", "target_type", "category",
        "ratio_percent", "times_per_year", "event_driven", "initiating_department",
        "cooperating_departments", "inspection_body", "window_start_month", "window_end_month",
        "responsible_unit", "estimated_targets", "estimated_risk",
    }  # fmt: skip
    assert first["ratio_percent"] == 5 and first["times_per_year"] == 1
    assert items[1]["estimated_risk"] == {"low": 4, "medium_low": 1, "medium": 0, "high": 0}
    assert first["estimated_risk"] == {
        "low": None,
        "medium_low": None,
        "medium": None,
        "high": None,
    }


def test_cli_reimport_without_replace_fails_loudly(tmp_path, seed_plan_bytes):
    path = tmp_path / "plan.txt"
    path.write_bytes(seed_plan_bytes)
    call_command("import_plan", str(path))
    with pytest.raises(CommandError, match="--replace"):
        call_command("import_plan", str(path))
    call_command("import_plan", str(path), "--replace")
    assert Plan.objects.count() == 1


def test_cli_bad_file_names_the_problem(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("这不是一个计划\n只有几行字\n", encoding="utf-8")
    with pytest.raises(CommandError, match="表头"):
        call_command("import_plan", str(path))
    assert not Plan.objects.exists()
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_plan", str(tmp_path / "missing.xlsx"))


@pytest.mark.parametrize("fmt", ["xlsx", "tsv"])
def test_seed_round_trips_through_export_and_reimport(tmp_path, seed_plan_bytes, fmt, capsysbinary):
    source = tmp_path / "plan.txt"
    source.write_bytes(seed_plan_bytes)
    call_command("import_plan", str(source))
    capsysbinary.readouterr()
    call_command("export_plan", "2022", "--format", "json")
    before = json.loads(capsysbinary.readouterr().out.decode())
    exported = tmp_path / f"plan.{fmt}"
    call_command("export_plan", "2022", "--format", fmt, "-o", str(exported))
    call_command("import_plan", str(exported), "--replace")
    capsysbinary.readouterr()
    call_command("export_plan", "2022", "--format", "json")
    after = json.loads(capsysbinary.readouterr().out.decode())
    assert after == before
    assert Plan.objects.get().items.count() == 12


def test_the_organisations_an_import_creates_are_dated_at_its_moment(seed_plan_bytes, db):
    """The agency, its units and the cooperating departments an import creates carry the
    import's moment (the demo's February 2022), not the day it runs; those that existed keep
    theirs."""
    existing = Agency.objects.create(name="沂源县公安局")
    kept = existing.created_at
    imported_at = local_moment(2022, 2, 14, 9, 30)
    parsed = read_plan_upload(data=seed_plan_bytes, filename="plan.txt")
    plan = import_plan(parsed=parsed, actor="cli", now=imported_at)
    created = Agency.objects.exclude(pk=existing.pk)
    assert created.exists() and Unit.objects.exists()
    assert {a.created_at for a in created} == {imported_at}
    assert {u.created_at for u in Unit.objects.filter(agency=plan.agency)} == {imported_at}
    existing.refresh_from_db()
    assert existing.created_at == kept
