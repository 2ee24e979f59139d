"""Directory workflows: imports (entities, inspectors, recusals), edits, recusals, demo data.

Each verb writes in one transaction with one audit entry; an import writes a single entry with
its counts, file name and SHA-256 (never one per row). See `imports.py` for how the imports
validate, stage and write.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.accounts.orgs import canonical_agency_name, get_or_create_agency, get_or_create_unit
from spotcheck.accounts.permissions import Actor, actor_may_act_for, ensure_actor_agency
from spotcheck.audit.models import actor_label, record
from spotcheck.lib import demo
from spotcheck.lib.pinyin import name_key
from spotcheck.limits import LimitError, check_fields
from spotcheck.registry.imports import (
    DirectoryImportError,
    EntityImport,
    ImportReport,
    InspectorImport,
    Progress,
    RecusalImport,
    Source,
    _SmallImport,
    write_rejects,
)
from spotcheck.registry.models import (
    ENTITY_EDITABLE_FIELDS,
    INSPECTOR_EDITABLE_FIELDS,
    Entity,
    EntityHistory,
    ImportBatch,
    Inspector,
    InspectorHistory,
    Recusal,
)
from spotcheck.registry.search import search_keys
from spotcheck.registry.selectors import inspectors_for_user
from spotcheck.stats import coverage
from spotcheck.stats.facts import refresh_entities

__all__ = [
    "DirectoryImportError",
    "ImportReport",
    "add_recusal",
    "end_recusal",
    "import_entities",
    "import_inspectors",
    "import_recusals",
    "link_inspector_user",
    "load_demo_directory",
    "update_entity",
    "set_entity_risk",
    "update_inspector",
]


# ---------------------------------------------------------------------------------------------
# Imports


def import_entities(
    *,
    source: Source,
    filename: str,
    agency_name: str,
    actor: Actor,
    skip_invalid: bool = False,
    dry_run: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import the entity directory of `agency_name` from a CSV or xlsx file, upserting by
    public id (credit code). Nothing is written when a row is bad, unless `skip_invalid`; a
    dry run only reports. The rejects file, when asked for, lists every bad row. The import
    happens at `now` (default the current time): its batch, the entities it creates, their
    history and its audit entry are dated then; rows are checked as of `today` (default the
    day of `now`).

    A dry run checks into temporary tables only. A real import streams the file inside its
    write transaction, inserting new entities as their rows pass (the database works while the
    next rows are checked); when a bad row turns up and bad rows are not to be skipped, the
    counts and the rejects file are taken and the transaction is rolled back, so nothing is
    written. On SQLite the database is locked for writing meanwhile (other writers wait)."""
    if not agency_name.strip():
        raise DirectoryImportError("请指定名录所属机构")
    try:
        check_fields(Agency, {"name": canonical_agency_name(agency_name)}, where="名录所属机构：")
    except LimitError as exc:
        raise DirectoryImportError(str(exc)) from exc
    named = Agency.objects.filter(name=canonical_agency_name(agency_name)).first()
    if not actor_may_act_for(actor, named if named is not None else 0):
        raise DirectoryImportError(f"只能导入本机构的检查对象名录，不能导入“{agency_name}”的名录")
    now = now or timezone.now()
    job = EntityImport(
        source=source,
        filename=filename,
        agency_name=agency_name,
        today=today or timezone.localdate(now),
        progress=progress,
    )
    report = job.report
    report.skip_invalid = skip_invalid
    try:
        if dry_run:
            job.validate()
            job.compare()
            _write_rejects(job, rejects_path)
        else:
            job.fingerprint()  # before the write transaction: SQLite is locked during it
            with _refusing_races():
                written = _write_entities(job=job, actor=actor, rejects_path=rejects_path, now=now)
            if written:
                _write_rejects(job, rejects_path)  # the staging tables outlive the commit
    finally:
        job.close()
    return report


def _write_rejects(job: EntityImport | _SmallImport, rejects_path: Path | None) -> None:
    report = job.report
    if rejects_path is not None and report.invalid:
        write_rejects(job.source, job.filename, job.rejected_rows(), rejects_path)
        report.rejects_path = str(rejects_path)


# Directory imports of one kind write one after the other: on PostgreSQL two imports with
# overlapping new codes would both insert them (one dies on the unique constraint). SQLite's
# IMMEDIATE transactions serialise writers already.
_IMPORT_LOCKS = {"entities": 0x5C0E_0001, "inspectors": 0x5C0E_0002, "recusals": 0x5C0E_0003}
RACE_MESSAGE = "另一项导入同时写入了相同的记录，本次未写入任何内容；请重新确认导入"


def _lock_imports(kind: str) -> None:
    """Wait for any other import of this kind to commit (inside the write transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCKS[kind]])


class _refusing_races:
    """A write that still meets a unique constraint (an edit or an import that validated
    before another import committed) is refused with a clear message, never a traceback."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> bool:
        if isinstance(error, IntegrityError):
            raise DirectoryImportError(RACE_MESSAGE) from error
        return False


@transaction.atomic
def _write_entities(
    *, job: EntityImport, actor: Actor, rejects_path: Path | None, now: datetime
) -> bool:
    """Stream the file into the directory; False when it was rolled back (a bad row)."""
    _lock_imports("entities")  # validation below then sees every committed import
    report = job.report
    if job.agency is None:
        job.agency = get_or_create_agency(job.agency_name, now=now)[0]
    batch = _start_batch(report, actor=actor, agency=job.agency, now=now)
    job.validate(batch=batch)
    if not (report.ok or report.skip_invalid):
        job.compare(batch=batch, count_only=True)
        _write_rejects(job, rejects_path)  # before the rollback takes the staging tables
        transaction.set_rollback(True)
        return False
    job.settle_new(batch=batch)
    coverage.count_batch(batch.pk)  # the coverage counts of the entities it created
    job.compare(batch=batch, actor=actor_label(actor))
    job.check_created(batch=batch)
    _finish_batch(batch, report, actor=actor, action="registry.import_entities")
    return True


def _start_batch(
    report: ImportReport, *, actor: Actor, agency: Agency | None, now: datetime
) -> ImportBatch:
    """The import's batch, dated `now`: what the import writes is dated by it
    (`batch.created_at`), its audit entry too."""
    return ImportBatch.objects.create(
        created_at=now,
        kind=report.kind,
        agency=agency,
        filename=report.filename[:300],
        sha256=report.sha256,
        actor=actor_label(actor),
        rows=report.rows,
        skip_invalid=report.skip_invalid,
    )


def _finish_batch(batch: ImportBatch, report: ImportReport, *, actor: Actor, action: str) -> None:
    batch.rows = report.rows
    batch.sha256 = report.sha256
    batch.created = report.created
    batch.updated = report.updated
    batch.unchanged = report.unchanged
    batch.invalid = report.invalid
    batch.save(update_fields=["rows", "sha256", "created", "updated", "unchanged", "invalid"])
    report.written = True
    report.batch_id = batch.pk
    record(
        actor=actor,
        action=action,
        obj=batch,
        details={
            "filename": report.filename,
            "sha256": report.sha256,
            "agency": batch.agency.name if batch.agency else "",
            "skip_invalid": report.skip_invalid,
            **report.counts(),
        },
        at=batch.created_at,
    )


def _run_small(
    job: _SmallImport,
    *,
    actor: Actor,
    skip_invalid: bool,
    dry_run: bool,
    rejects_path: Path | None,
    write: Any,
    action: str,
    now: datetime,
) -> ImportReport:
    job.validate()
    report = job.report
    report.skip_invalid = skip_invalid
    if not dry_run and (report.ok or skip_invalid):
        with _refusing_races(), transaction.atomic():
            _lock_imports(report.kind)
            batch = _start_batch(report, actor=actor, agency=None, now=now)
            write(job, batch, actor)
            _finish_batch(batch, report, actor=actor, action=action)
    _write_rejects(job, rejects_path)
    return report


def import_inspectors(
    *,
    source: Source,
    filename: str,
    actor: Actor,
    skip_invalid: bool = False,
    dry_run: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import the inspector directory, upserting by certificate number (执法证号). The 单位
    column names the agency (matched as `imports.find_agency` says, else created), 部门 the
    unit inside it (the same Unit rows plan imports use). Dated `now` and checked as of `today`
    as `import_entities` says."""
    now = now or timezone.now()
    job = InspectorImport(
        source=source, filename=filename, today=today or timezone.localdate(now), progress=progress
    )
    return _run_small(
        job,
        actor=actor,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        rejects_path=rejects_path,
        write=_write_inspectors,
        action="registry.import_inspectors",
        now=now,
    )


def _write_inspectors(job: InspectorImport, batch: ImportBatch, actor: Actor) -> None:
    now = batch.created_at
    agencies: dict[str, Agency] = {}
    units: dict[tuple[int, str], Unit | None] = {}

    def placed(values: dict[str, Any]) -> tuple[Agency, Unit | None]:
        name = values["agency"]
        if name not in agencies:
            agencies[name] = (
                Agency.objects.filter(name=name).first() or get_or_create_agency(name, now=now)[0]
            )
        agency = agencies[name]
        key = (agency.pk, values["unit"])
        if key not in units:
            units[key] = (
                get_or_create_unit(agency, values["unit"], now=now)[0] if values["unit"] else None
            )
        return agency, units[key]

    created, changed, history = [], [], []
    for item in job.planned:
        record_, values = item.record
        agency, unit = placed(values)
        if item.target is not None and item.changes:
            # Defence in depth: a user changes only the officers their directory lists.
            _ensure_inspector_in_scope(actor, item.target)
        if item.target is None:
            full, initials = search_keys(values["name"])
            created.append(
                Inspector(
                    agency=agency,
                    unit=unit,
                    name=values["name"],
                    badge_number=values["badge_number"],
                    certificate_number=values["certificate_number"],
                    certificate_valid_until=record_.certificate_valid_until,
                    post=values["post"],
                    qualifications=values["qualifications"],
                    is_active=values["is_active"],
                    inactive_reason=values["inactive_reason"],
                    pinyin=full[:200],
                    pinyin_initials=initials[:50],
                    name_key=name_key(values["name"])[:100],
                    created_batch=batch,
                    created_at=now,
                    updated_at=now,
                )
            )
        elif item.changes:
            inspector = item.target
            for name in item.changes:
                if name == "agency":
                    inspector.agency = agency
                elif name == "unit":
                    inspector.unit = unit
                elif name == "certificate_valid_until":
                    inspector.certificate_valid_until = record_.certificate_valid_until
                else:
                    setattr(inspector, name, values[name])
            if "name" in item.changes:
                full, initials = search_keys(inspector.name)
                inspector.pinyin, inspector.pinyin_initials = full[:200], initials[:50]
                inspector.name_key = name_key(inspector.name)[:100]
            inspector.updated_at = now
            changed.append(inspector)
            history.append(
                InspectorHistory(
                    inspector=inspector,
                    changed_at=now,
                    actor=actor_label(actor),
                    action="import",
                    changes=item.changes,
                    state=inspector.snapshot(),
                    batch=batch,
                )
            )
    Inspector.objects.bulk_create(created, batch_size=500)
    if changed:
        fields = [
            "agency",
            "unit",
            "name",
            "badge_number",
            "certificate_valid_until",
            "post",
            "qualifications",
            "is_active",
            "inactive_reason",
            "pinyin",
            "pinyin_initials",
            "name_key",
            "updated_at",
        ]
        Inspector.objects.bulk_update(changed, fields, batch_size=500)
        InspectorHistory.objects.bulk_create(history, batch_size=500)


def import_recusals(
    *,
    source: Source,
    filename: str,
    actor: Actor,
    skip_invalid: bool = False,
    dry_run: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import recusal relations (回避关系); inspectors and entities must already be in the
    directories. Dated `now` and checked as of `today` as `import_entities` says."""
    now = now or timezone.now()
    job = RecusalImport(
        source=source, filename=filename, today=today or timezone.localdate(now), progress=progress
    )
    return _run_small(
        job,
        actor=actor,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        rejects_path=rejects_path,
        write=_write_recusals,
        action="registry.import_recusals",
        now=now,
    )


def _write_recusals(job: RecusalImport, batch: ImportBatch, actor: Actor) -> None:
    now = batch.created_at
    created, changed = [], []
    for item in job.planned:
        # Defence in depth: a user records recusals on their own agency's entities only.
        ensure_actor_agency(actor, item.record["entity"].agency_id)
        if item.target is None:
            created.append(Recusal(**item.record, created_at=now, updated_at=now))
        elif item.changes:
            item.target.valid_until = item.record["valid_until"]
            item.target.note = item.record["note"]
            item.target.updated_at = now
            changed.append(item.target)
    Recusal.objects.bulk_create(created, batch_size=500)
    Recusal.objects.bulk_update(changed, ["valid_until", "note", "updated_at"], batch_size=500)


# ---------------------------------------------------------------------------------------------
# Edits


@transaction.atomic
def update_entity(
    *,
    entity: Entity,
    actor: Actor,
    values: dict[str, Any],
    note: str = "",
    now: datetime | None = None,
) -> dict[str, list[Any]]:
    """Change an entity by hand at `now` (default the current time); returns the changes
    ({field: [old, new]}) also kept in its history. `values` may hold any of
    ENTITY_EDITABLE_FIELDS and "target_types" (TargetType rows). The entity's `updated_at`, its
    history row and the audit entry are dated `now`; an edit that changes nothing writes
    nothing."""
    now = now or timezone.now()
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    ensure_actor_agency(actor, entity.agency_id)
    before = entity.snapshot()
    for name in ENTITY_EDITABLE_FIELDS:
        if name in values:
            setattr(entity, name, values[name])
    if entity.risk_level != before["risk_level"] and "risk_set_on" not in values:
        entity.risk_set_on = timezone.localdate(now)
    after = entity.snapshot()
    if "target_types" in values:
        after["target_types"] = sorted({t.name for t in values["target_types"]})
    changes = _changes(before, after)
    if not changes:
        return {}
    if entity.name != before["name"]:
        entity.pinyin, entity.pinyin_initials = (
            part[:limit] for part, limit in zip(search_keys(entity.name), (400, 200), strict=True)
        )
        entity.name_key = name_key(entity.name)[:400]
    entity.updated_at = now
    with coverage.moving([entity.pk]):  # status, town, risk level and types are counted
        entity.save()
        if "target_types" in values:
            entity.target_types.set(values["target_types"])
    if entity.town != before["town"]:  # findings count by the entity's town
        refresh_entities([entity.pk])
    _keep_edit(
        history=EntityHistory(entity=entity),
        obj=entity,
        changes=changes,
        state=after,
        actor=actor,
        action="registry.entity.update",
        note=note,
        now=now,
    )
    return changes


@transaction.atomic
def update_inspector(
    *,
    inspector: Inspector,
    actor: Actor,
    values: dict[str, Any],
    note: str = "",
    now: datetime | None = None,
) -> dict[str, list[Any]]:
    """Change an officer's record by hand at `now` (default the current time); returns the
    changes also kept in their history. Dated as `update_entity` says."""
    now = now or timezone.now()
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    _ensure_inspector_in_scope(actor, inspector)
    before = inspector.snapshot()
    for name in INSPECTOR_EDITABLE_FIELDS:
        if name in values:
            setattr(inspector, name, values[name])
    if inspector.is_active:
        inspector.inactive_reason = ""
    after = inspector.snapshot()
    changes = _changes(before, after)
    if not changes:
        return {}
    if inspector.name != before["name"]:
        full, initials = search_keys(inspector.name)
        inspector.pinyin, inspector.pinyin_initials = full[:200], initials[:50]
        inspector.name_key = name_key(inspector.name)[:100]
    inspector.updated_at = now
    inspector.save()
    _keep_edit(
        history=InspectorHistory(inspector=inspector),
        obj=inspector,
        changes=changes,
        state=after,
        actor=actor,
        action="registry.inspector.update",
        note=note,
        now=now,
    )
    return changes


@transaction.atomic
def link_inspector_user(
    *, inspector: Inspector, user: Any, actor: Actor, now: datetime | None = None
) -> Inspector:
    """Link an officer to their system account at `now` (default the current time): the
    officer's `updated_at` and the audit entry are dated then."""
    now = now or timezone.now()
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    _ensure_inspector_in_scope(actor, inspector)
    if inspector.user_id is not None and inspector.user_id != user.pk:
        raise ValueError(f"{inspector.name}已关联系统账户，不能再关联{user.get_username()}")
    inspector.user = user
    inspector.updated_at = now
    inspector.save(update_fields=["user", "updated_at"])
    record(
        actor=actor,
        action="registry.link_user",
        obj=inspector,
        details={"user": user.get_username()},
        at=now,
    )
    return inspector


def _ensure_inspector_in_scope(actor: Actor, inspector: Inspector) -> None:
    """A user edits only the officers their directory lists (see registry.selectors)."""
    if actor_may_act_for(actor, inspector.agency_id):
        return
    if isinstance(actor, str) or actor is None:
        return
    if not inspectors_for_user(actor).filter(pk=inspector.pk).exists():
        ensure_actor_agency(actor, inspector.agency_id)


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in after if before[k] != after[k]}


def _keep_edit(
    *,
    history: EntityHistory | InspectorHistory,
    obj: Entity | Inspector,
    changes: dict[str, list[Any]],
    state: dict[str, Any],
    actor: Actor,
    action: str,
    note: str,
    now: datetime,
) -> None:
    """Write the history row and the audit entry of a hand edit, both dated `now`."""
    history.changed_at = now
    history.actor = actor_label(actor)
    history.action = "edit"
    history.changes = changes
    history.state = state
    history.save()
    record(actor=actor, action=action, obj=obj, details={"changes": changes, "note": note}, at=now)


@transaction.atomic
def add_recusal(
    *,
    inspector: Inspector,
    entity: Entity,
    reason: str,
    actor: Actor,
    valid_from: date | None = None,
    valid_until: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Recusal:
    """Record at `now` (default the current time) that `inspector` must not inspect `entity`
    (回避) for the given days (from the day of `now` unless `valid_from` says)."""
    now = now or timezone.now()
    ensure_actor_agency(actor, entity.agency_id)
    _ensure_inspector_in_scope(actor, inspector)
    valid_from = valid_from or timezone.localdate(now)
    if valid_until is not None and valid_until < valid_from:
        raise ValueError("失效日期早于生效日期")
    recusal = Recusal.objects.create(
        inspector=inspector,
        entity=entity,
        reason=reason,
        valid_from=valid_from,
        valid_until=valid_until,
        note=note,
        created_at=now,
        updated_at=now,
    )
    record(
        actor=actor,
        action="registry.recusal.add",
        obj=recusal,
        details={
            "inspector": inspector.certificate_number,
            "entity": entity.public_id,
            "reason": reason,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "note": note,
        },
        at=now,
    )
    return recusal


@transaction.atomic
def end_recusal(
    *, recusal: Recusal, actor: Actor, on: date | None = None, now: datetime | None = None
) -> Recusal:
    """End a recusal on `on` (default the day of `now`), recorded at `now` (default the
    current time); the relation is kept as evidence."""
    now = now or timezone.now()
    recusal = Recusal.objects.select_for_update().select_related("entity").get(pk=recusal.pk)
    ensure_actor_agency(actor, recusal.entity.agency_id)
    on = on or timezone.localdate(now)
    if on < recusal.valid_from:
        raise ValueError("结束日期早于生效日期")
    previous = recusal.valid_until
    recusal.valid_until = on
    recusal.updated_at = now
    recusal.save(update_fields=["valid_until", "updated_at"])
    record(
        actor=actor,
        action="registry.recusal.end",
        obj=recusal,
        details={"valid_until": [previous, on]},
        at=now,
    )
    return recusal


# ---------------------------------------------------------------------------------------------
# Demo directory

DEMO_MAX_ENTITIES = 2000
# The plan names the housing department loosely; the demo's officers belong to that agency.
PLAN_HOUSING_DEPARTMENT = "住房城乡建设等相关部门"


@dataclass
class DemoResult:
    directory: Path
    entities: ImportReport
    inspectors: ImportReport
    recusals: ImportReport


def load_demo_directory(
    *,
    seed: int,
    entities: int = 600,
    as_of: date | None = None,
    directory: Path | None = None,
    actor: Actor = "demo-data",
    progress: Progress | None = None,
    now: datetime | None = None,
) -> DemoResult:
    """Generate the demo county (`spotcheck.lib.demo`), write its three CSV files and import
    them through the real imports: entities of 沂源县公安局, officers of the bureau's units and of
    the housing department (the agency the 2022 plan's joint item names), and recusals. All
    three are imported at `now` (default the current time); the county is as of `as_of`
    (default the day of `now`)."""
    if not 1 <= entities <= DEMO_MAX_ENTITIES:
        raise ValueError(
            f"演示名录的检查对象数应在1到{DEMO_MAX_ENTITIES}之间"
            "（演示县的名称组合有限；更大的名录请用 bench/import_entities.py 生成）"
        )
    now = now or timezone.now()
    as_of = as_of or timezone.localdate(now)
    county = demo.generate_county(seed, entities, as_of=as_of)
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="spotcheck-demo-"))
    paths = demo.write_demo_files(county, directory)
    get_or_create_agency(PLAN_HOUSING_DEPARTMENT, now=now)
    entity_report = import_entities(
        source=paths["entities.csv"],
        filename="entities.csv",
        agency_name=demo.POLICE_AGENCY,
        actor=actor,
        progress=progress,
        today=as_of,
        now=now,
    )
    inspector_report = import_inspectors(
        source=paths["inspectors.csv"],
        filename="inspectors.csv",
        actor=actor,
        progress=progress,
        today=as_of,
        now=now,
    )
    recusal_report = import_recusals(
        source=paths["recusals.csv"],
        filename="recusals.csv",
        actor=actor,
        progress=progress,
        today=as_of,
        now=now,
    )
    for report in (entity_report, inspector_report, recusal_report):
        if not report.written:
            raise DirectoryImportError(
                f"演示文件{report.filename}未能导入：" + "；".join(str(e) for e in report.errors)
            )
    return DemoResult(directory, entity_report, inspector_report, recusal_report)


@transaction.atomic
def set_entity_risk(
    *,
    entity: Entity,
    level: str,
    reason: str,
    source: str,
    actor: Actor,
    now: datetime | None = None,
) -> dict[str, list[Any]]:
    """Set an entity's risk level from another record (e.g. an approved inspection result) at
    `now` (default the current time): its history keeps the change with `source` naming that
    record; audited. Dated as `update_entity` says."""
    now = now or timezone.now()
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    ensure_actor_agency(actor, entity.agency_id)
    before = entity.snapshot()
    entity.risk_level = level
    entity.risk_set_on = timezone.localdate(now)
    entity.risk_reason = reason[:300]
    entity.updated_at = now
    with coverage.moving([entity.pk]):
        entity.save(update_fields=["risk_level", "risk_set_on", "risk_reason", "updated_at"])
    after = entity.snapshot()
    changes = _changes(before, after)
    EntityHistory.objects.create(
        entity=entity,
        changed_at=now,
        actor=actor_label(actor),
        action="risk",
        changes=changes,
        state=after,
        source=source[:300],
    )
    record(
        actor=actor,
        action="registry.entity.set_risk",
        obj=entity,
        details={"changes": changes, "source": source},
        at=now,
    )
    return changes
