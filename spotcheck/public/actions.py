"""Publishing results (检查结果公示) and withdrawing a published record.

`publish_results` publishes approved results in one batch (a `Publication` with its date): each
result's approved version becomes a public snapshot (spotcheck.lib.publication decides what is
public and masks it), the result goes 已审核 → 已公示 (lib.results.TRANSITIONS: the unit leader
of the visit's unit or a coordinator of the agency), and one audit entry lists the batch. Where
the agency says so (`Agency.publish_on_approval`) approving a result publishes it at once.

`withdraw_published` needs a reason; the record stays, marked withdrawn with the date, and the
public pages say so. `publication_problems` checks a published record against what is stored.
Every action here is one transaction and moves the portal's version in it (the page cache's
key: spotcheck.public.cache).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from spotcheck.accounts.models import User
from spotcheck.accounts.permissions import Actor, ensure_actor_agency
from spotcheck.audit.models import actor_label, record
from spotcheck.lib import publication as pub
from spotcheck.lib import results as rules
from spotcheck.lib.pinyin import name_key, search_keys
from spotcheck.lib.publication import snapshot_matches, snapshot_sha256
from spotcheck.plans.models import Plan
from spotcheck.public.models import (
    Publication,
    PublicName,
    PublishedItem,
    PublishedResult,
    note_public_change,
    renumber_task_pages,
)
from spotcheck.registry.selectors import known_operators
from spotcheck.results.actions import (
    ResultPermissionError,
    bump_revision,
    item_key,
    review_step,
    roles_on_visit,
)
from spotcheck.results.models import Result, ResultVersion, find_visit_item
from spotcheck.stats.facts import batched_refresh, refresh_visits

SCHEMA = "spotcheck.published-result/1"


class Missing:
    """Not given (None means something else)."""


MISSING = Missing()


class PublicationError(ValueError):
    """A result that cannot be published or withdrawn; the message is Chinese."""


def _approved_version(result: Result) -> ResultVersion:
    version = result.versions.filter(number=result.version).first()
    if version is None:
        raise PublicationError(f"{result.visit}：没有审核通过的版本，不能公示")
    return version


def _item_rows(result: Result, version: ResultVersion) -> list[dict[str, Any]]:
    """The public part of each item of the approved version, in the version's order."""
    visit_items = {
        item_key(vi): vi
        for vi in result.visit.visit_items.select_related("item", "selection__draw")
    }
    rows = []
    for entry in version.snapshot.get("items", []):
        visit_item = find_visit_item(visit_items, entry["item"], name=entry.get("name"))
        if visit_item is None:
            raise PublicationError(f"{result.visit}：事项{entry['item']}不在该检查任务中")
        draw = visit_item.selection.draw if visit_item.selection_id else None
        follow_up = pub.follow_up_state(m["closed_on"] is not None for m in entry["measures"])
        rows.append(
            {
                "number": entry["item"],
                "name": visit_item.item.name,
                "plan_item": visit_item.item_id,
                "check_type": pub.check_type(visit_item.item.mode),
                "draw": {"id": draw.pk, "round": draw.round_number} if draw else None,
                "category": entry["category"],
                "category_label": rules.category(entry["category"]).label
                if entry["category"]
                else "",
                "follow_up": follow_up.value,
                "follow_up_label": follow_up.label,
            }
        )
    return rows


def public_snapshot(result: Result, version: ResultVersion) -> dict[str, Any]:
    """What the public sees of one approved version; nothing else of the result is published."""
    visit = result.visit
    plan = visit.plan
    entity = visit.entity
    credit_code = entity.credit_code if entity is not None else ""
    operators = [entity.legal_representative] if entity is not None else []
    snapshot: dict[str, Any] = {
        "schema": SCHEMA,
        "version": version.number,
        "entity": {
            "key": visit.entity_key,
            "name": pub.public_entity_name(
                visit.entity_name, credit_code=credit_code, operators=operators
            ),
            "credit_code": credit_code,
        },
        "agency": plan.agency.name,
        "cooperating_agencies": sorted(a.name for a in visit.cooperating_agencies.all()),
        "plan": {"id": plan.pk, "year": plan.year, "title": plan.title},
        "inspected_on": version.snapshot.get("inspected_on"),
        "items": _item_rows(result, version),
    }
    if plan.agency.publish_inspector_names:
        snapshot["inspectors"] = [p["name"] for p in version.snapshot.get("present", [])]
    return snapshot


def _require_publisher(actor: Actor, result: Result) -> None:
    ensure_actor_agency(actor, result.visit.plan.agency_id)
    try:
        review_step(result, "publish", actor)
    except rules.ReviewError as exc:
        raise PublicationError(f"{result.visit}：{exc}") from exc


@transaction.atomic
@batched_refresh()  # the published visits recounted together
def publish_results(
    *,
    results: Iterable[Result],
    actor: Actor,
    automatic: bool = False,
    today: date | None = None,
    now: datetime | None = None,
) -> Publication:
    """Publish approved results of one agency in one batch dated `today` (default: the day of
    `now`), at `now` (default: the current time)."""
    now = now or timezone.now()
    ids = sorted({r.pk for r in results})
    if not ids:
        raise PublicationError("请选择要公示的检查结果")
    locked = list(
        Result.objects.select_for_update(of=("self",))
        .select_related("visit", "visit__plan", "visit__plan__agency", "visit__entity")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    agencies = {r.visit.plan.agency_id for r in locked}
    if len(agencies) != 1:
        raise PublicationError("一次公示只能包含同一机关的检查结果")
    for result in locked:
        _require_publisher(actor, result)
    publication = Publication.objects.create(
        agency=locked[0].visit.plan.agency,
        published_at=now,
        published_on=today or timezone.localdate(now),
        published_by=actor if isinstance(actor, User) else None,
        actor=actor_label(actor),
        automatic=automatic,
    )
    # the tasks' rows this publication changes: those of the records it supersedes ...
    task_key = ("plan_item", "published_on", "published_id")
    superseded = PublishedItem.objects.filter(published__result__in=ids, current=True)
    changed = list(superseded.values_list(*task_key))
    for result in locked:
        _publish_one(publication, result, now)
    # ... and its own
    own = PublishedItem.objects.filter(published__publication=publication)
    changed += own.values_list(*task_key)
    renumber_task_pages(changed)
    record(
        actor=actor,
        action="result.publish",
        obj=publication,
        details={
            "published_on": publication.published_on,
            "automatic": automatic,
            "results": [{"visit": r.visit.visit_key, "version": r.version} for r in locked],
        },
        at=now,
    )
    note_public_change(*{r.visit.plan.year for r in locked}, now=now)
    return publication


def _name_columns(name: str) -> dict[str, str]:
    """A published record's name and what the search reads of it (its key and its pinyin
    initials, as `PublicName.index` indexes them)."""
    return {
        "entity_name": name,
        "name_key": name_key(name)[:400],
        "name_initials": search_keys(name)[1][:200],
    }


def _publish_one(publication: Publication, result: Result, now: datetime) -> PublishedResult:
    version = _approved_version(result)
    snapshot = public_snapshot(result, version)
    PublishedResult.objects.filter(result=result, superseded_at__isnull=True).update(
        superseded_at=now
    )
    PublishedItem.objects.filter(published__result=result, current=True).update(current=False)
    name = snapshot["entity"]["name"]
    name_columns = _name_columns(name)
    published = PublishedResult.objects.create(
        publication=publication,
        result=result,
        result_version=version.number,
        agency=publication.agency,
        plan=result.visit.plan,
        entity_key=snapshot["entity"]["key"],
        credit_code=snapshot["entity"]["credit_code"],
        **name_columns,
        inspected_on=result.inspected_on,
        published_on=publication.published_on,
        due_on=result.due_on,
        snapshot=snapshot,
        snapshot_sha256=snapshot_sha256(snapshot),
    )
    PublicName.index(name, name_columns["name_initials"])
    PublishedItem.objects.bulk_create(
        PublishedItem(
            published=published,
            plan_item_id=row["plan_item"],
            draw_id=row["draw"]["id"] if row["draw"] else None,
            category=row["category"],
            follow_up=row["follow_up"],
            published_on=publication.published_on,
        )
        for row in snapshot["items"]
    )
    result.state = rules.ReviewState.PUBLISHED  # the step _require_publisher allowed
    bump_revision(result, "state", now=now)
    return published


def publish_on_approval(
    *, result: Result, actor: Actor, now: datetime | None = None
) -> Publication | None:
    """Called by the approval (inside its transaction, with its `now`): publish at once where
    the agency says so."""
    if not result.visit.plan.agency.publish_on_approval:
        return None
    return publish_results(results=[result], actor=actor, automatic=True, now=now)


@transaction.atomic
def withdraw_published(
    *, published: PublishedResult, reason: str, actor: Actor, now: datetime | None = None
) -> PublishedResult:
    """Withdraw a published record at `now` (default the current time): it stays, marked
    withdrawn with the date and the reason."""
    now = now or timezone.now()
    published = (
        PublishedResult.objects.select_for_update(of=("self",))
        .select_related("result__visit__plan")
        .get(pk=published.pk)
    )
    ensure_actor_agency(actor, published.agency_id)
    roles = roles_on_visit(actor, published.result.visit)
    if not roles & {rules.Role.LEADER, rules.Role.COORDINATOR}:
        raise ResultPermissionError("仅责任单位负责人或统筹协调员可以撤回公示")
    reason = reason.strip()
    if not reason:
        raise PublicationError("撤回公示须填写理由")
    if len(reason) > 1000:
        raise PublicationError("撤回理由：不能超过1000字")
    if published.withdrawn_at is not None:
        raise PublicationError(
            f"该公示已于{timezone.localtime(published.withdrawn_at):%Y-%m-%d}撤回"
        )
    published.withdrawn_at = now
    published.withdraw_reason = reason
    published.withdrawn_by = actor_label(actor)
    published.save(update_fields=["withdrawn_at", "withdraw_reason", "withdrawn_by"])
    refresh_visits([published.result.visit_id])
    record(
        actor=actor,
        action="result.withdraw_publication",
        obj=published,
        details={"visit": published.result.visit.visit_key, "reason": reason},
        at=now,
    )
    note_public_change(published.result.visit.plan.year, now=now)
    return published


def publication_problems(
    published: PublishedResult, *, approved: dict[str, Any] | None | Missing = MISSING
) -> list[str]:
    """What disagrees between a published record and what is stored: its snapshot's hash, and
    the snapshot against the approved version it was made from (`approved`: that version's
    snapshot when the caller fetched it in bulk, None when there is none). Empty when all agree."""
    problems = []
    if not snapshot_matches(published.snapshot, published.snapshot_sha256):
        problems.append("公示内容与其SHA-256不一致（公示记录被改动）")
    if isinstance(approved, Missing):
        version = published.result.versions.filter(number=published.result_version).first()
        approved = version.snapshot if version is not None else None
    if approved is None:
        return [*problems, f"找不到公示所依据的第{published.result_version}版审核结果"]
    stored = approved
    snapshot = published.snapshot
    if snapshot.get("inspected_on") != stored.get("inspected_on"):
        problems.append("检查日期与审核通过的结果不一致")
    ours = [(i["number"], i["category"], i["follow_up"]) for i in snapshot.get("items", [])]
    theirs = [
        (
            i["item"],
            i["category"],
            pub.follow_up_state(m["closed_on"] is not None for m in i["measures"]).value,
        )
        for i in stored.get("items", [])
    ]
    if ours != theirs:
        problems.append("公示的事项、检查结果或后续处置与审核通过的结果不一致")
    if snapshot.get("entity", {}).get("key") != published.entity_key:
        problems.append("公示的检查对象与记录不一致")
    return problems


# --- names published under earlier masking rules ---------------------------------------------


@dataclass(frozen=True)
class RemaskedRecords:
    """What `remask_published_names` did: the published records read, per plan (by id) how
    many it corrected, and the ids of those it left because their content no longer matches
    their hash (a record changed behind the actions is reported, never hashed again). Ids and
    counts only: never a name."""

    records: int
    changed: dict[int, int]
    tampered: list[int]

    @property
    def total(self) -> int:
        return sum(self.changed.values())


def remask_published_names(*, actor: Actor, now: datetime | None = None) -> RemaskedRecords:
    """Mask again, under the masking rules as they are now, the entity name of every published
    record published under earlier rules (a sole trader known by an old 注册号, an entity
    without any code), current or superseded (the result page shows both): the name only gains
    masks, with every operator name the directory holds or has held for the entity; the
    snapshot's hash is computed again and the search index follows (a name no record carries
    any more leaves it). The correction workflow would not do: a result corrected and published
    again keeps the earlier record, with the name, on its page. The approved versions are
    untouched and `publication_problems` still holds. Idempotent. One audit entry: per record
    its id and new hash, never a name."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = PublishedResult.objects.values_list(
            "pk", "entity_name", "credit_code", "result__visit__entity_id"
        )
        read, candidates = 0, []
        for row in rows.iterator(chunk_size=5000):
            read += 1
            if pub.may_be_natural_person(row[2]):
                candidates.append(row)
        operators = known_operators(row[3] for row in candidates if row[3] is not None)
        due = [
            row[0]
            for row in candidates
            if pub.public_entity_name(
                row[1], credit_code=row[2], operators=operators.get(row[3], ())
            )
            != row[1]
        ]
        entity_of = {row[0]: row[3] for row in candidates}
        locked = (
            PublishedResult.objects.select_for_update(of=("self",))
            .filter(pk__in=due)
            .order_by("pk")
        )
        changed: dict[int, int] = defaultdict(int)
        corrected: list[dict[str, Any]] = []
        tampered: list[int] = []
        old_names: set[str] = set()
        new_names: dict[str, str] = {}  # indexed once each: many records share a masked name
        for published in locked:
            if not snapshot_matches(published.snapshot, published.snapshot_sha256):
                tampered.append(published.pk)
                continue
            entity = published.snapshot["entity"]
            name = pub.public_entity_name(
                entity["name"],
                credit_code=entity.get("credit_code", ""),
                operators=operators.get(entity_of[published.pk], ()),
            )
            snapshot = {**published.snapshot, "entity": {**entity, "name": name}}
            digest = snapshot_sha256(snapshot)
            name_columns = _name_columns(name)
            PublishedResult.objects.filter(pk=published.pk).update(
                snapshot=snapshot, snapshot_sha256=digest, **name_columns
            )
            new_names[name] = name_columns["name_initials"]
            old_names.add(published.entity_name)
            changed[published.plan_id] += 1
            corrected.append({"published": published.pk, "sha256": digest})
        for name, initials in new_names.items():
            PublicName.index(name, initials)
        still = PublishedResult.objects.filter(entity_name__in=old_names)
        PublicName.objects.filter(name__in=old_names).exclude(
            name__in=still.values("entity_name")
        ).delete()
        if corrected:
            years = Plan.objects.filter(pk__in=list(changed)).values_list("year", flat=True)
            note_public_change(*set(years), now=now)
        report = RemaskedRecords(records=read, changed=dict(changed), tampered=tampered)
        record(
            actor=actor,
            action="public.remask_published_names",
            details={
                "records": report.records,
                "changed": {str(plan): n for plan, n in report.changed.items()},
                "corrected": corrected,
                "tampered": tampered,
            },
            at=now,
        )
    return report
