"""Recording and reviewing results (检查结果录入与审核). Each action is one transaction and writes
one audit entry; each checks the actor's agency (ensure_actor_agency) and role on the visit.

Who may do what follows spotcheck.lib.results.TRANSITIONS: the visit's current team members
record and submit (the leader of the visit's responsible unit may do it on their behalf, which
the audit entry says); the unit leader returns (with an opinion) or approves; an approved result
changes only by an amendment with a reason, which keeps the approved version (ResultVersion) and
goes through review again. A supervisor takes no step. Console operators (a string actor) act as
the unit leader.

Drafts carry a `revision`: saving with a revision older than the stored one is refused with a
conflict message, so two members never silently overwrite each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from spotcheck.accounts.models import Role as UserRole
from spotcheck.accounts.models import User
from spotcheck.accounts.permissions import (
    Actor,
    ensure_actor_agency,
    has_right,
    is_deployment_wide,
)
from spotcheck.audit.models import actor_label, record
from spotcheck.inspections.actions.visits import create_recheck_visit
from spotcheck.inspections.models import Visit
from spotcheck.lib import results as rules
from spotcheck.lib.attachments import AttachmentError
from spotcheck.lib.directory import RiskLevel, RowError
from spotcheck.lib.resultfile import ResultSheet, SheetVisit, VisitContext, check_sheet
from spotcheck.lib.workdays import Overrides, publication_deadline
from spotcheck.limits import LimitError, check_fields
from spotcheck.plans.models import Plan
from spotcheck.registry.actions import set_entity_risk
from spotcheck.registry.models import Inspector
from spotcheck.results import files as files_
from spotcheck.results.models import (
    Attachment,
    CheckpointFinding,
    ItemResult,
    Measure,
    Result,
    ResultVersion,
    RiskProposal,
    checkpoint_texts,
    item_key,
    workday_overrides,
)
from spotcheck.stats.facts import batched_refresh, refresh_visits

Role = rules.Role


class ResultInputError(ValueError):
    """Bad or incomplete content; `errors` are Chinese, each naming the item, checkpoint, field."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors))
        self.errors = errors


class ResultConflictError(ValueError):
    """The draft was saved by someone else since the writer loaded it: `by` (who saved last,
    by name), `at` (when) and `revision` (the stored one) say so to the writer."""

    def __init__(
        self, message: str, *, by: str = "", at: datetime | None = None, revision: int = 0
    ) -> None:
        super().__init__(message)
        self.by = by
        self.at = at
        self.revision = revision


def writer_name(user: User | None) -> str:
    """A user as colleagues know them: the officer's name in the directory, else the account."""
    if user is None:
        return ""
    name = Inspector.objects.filter(user=user).values_list("name", flat=True).first()
    username = user.get_username()
    return f"{name}（{username}）" if name else (user.get_full_name() or username)


class ResultPermissionError(PermissionDenied):
    """The actor holds no role on this visit for this step."""


# --- content as submitted by a form, the API or a file ---------------------------------------


@dataclass(frozen=True, kw_only=True)
class FindingInput:
    number: int
    """1-based, as on the record form."""
    finding: str = ""
    """A key of lib.results.Finding, or "" while not filled in."""
    reason: str = ""
    problem: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class ItemInput:
    visit_item_id: int
    findings: tuple[FindingInput, ...] = ()
    category: str = ""
    """A chosen category code; "" lets the findings and measures decide."""


@dataclass(frozen=True, kw_only=True)
class ResultInput:
    way: str = ""
    inspected_on: date | None = None
    present: tuple[int, ...] = ()
    """Ids of the visit's current TeamMember rows."""
    representative: str = ""
    ending: str = ""
    items: tuple[ItemInput, ...] = ()


# --- who is acting --------------------------------------------------------------------------


def roles_on_visit(actor: Actor, visit: Visit) -> set[rules.Role]:
    """The workflow roles the actor holds on this visit (empty: may take no step)."""
    if not isinstance(actor, User):
        return {Role.LEADER}
    roles: set[rules.Role] = set()
    if is_deployment_wide(actor):
        roles.add(Role.LEADER)
    if not actor.is_active:
        return roles
    if visit.members.filter(inspector__user=actor, replaced_at__isnull=True).exists():
        roles.add(Role.MEMBER)
    if actor.role == UserRole.UNIT_LEADER and actor.unit_id == visit.responsible_unit_id:
        roles.add(Role.LEADER)
    if actor.role == UserRole.COORDINATOR:
        roles.add(Role.COORDINATOR)
    return roles


def _check_agency(actor: Actor, visit: Visit) -> None:
    agency_id = visit.plan.agency_id
    # A cooperating department's officer sits on a joint visit's team.
    if (
        isinstance(actor, User)
        and actor.agency_id is not None
        and visit.cooperating_agencies.filter(pk=actor.agency_id).exists()
    ):
        agency_id = actor.agency_id
    ensure_actor_agency(actor, agency_id)


def review_step(result: Result, action: str, actor: Actor, opinion: str = "") -> rules.ReviewState:
    """The state `action` leads to for this actor; ResultPermissionError when their roles may
    not take it at all, rules.ReviewError when the result's state does not allow it."""
    roles = roles_on_visit(actor, result.visit)
    try:
        return rules.transition(result.review_state, action, roles=roles, opinion=opinion)
    except rules.ReviewError as exc:
        if not roles & next(t.roles for t in rules.TRANSITIONS if t.action == action):
            raise ResultPermissionError(str(exc)) from exc
        raise


def _require_recorder(actor: Actor, visit: Visit) -> set[rules.Role]:
    roles = roles_on_visit(actor, visit)
    if not roles & {Role.MEMBER, Role.LEADER}:
        raise ResultPermissionError("仅本检查组成员或责任单位负责人可以录入检查结果")
    return roles


def _on_behalf(roles: set[rules.Role]) -> bool:
    return Role.MEMBER not in roles


# --- helpers --------------------------------------------------------------------------------


def _lock(visit: Visit, now: datetime | None = None) -> Result:
    """The visit's result, created on first use (at `now`), locked for this transaction."""
    Visit.objects.select_for_update().filter(pk=visit.pk).first()
    now = now or timezone.now()
    result, created = Result.objects.select_for_update().get_or_create(
        visit=visit, defaults={"created_at": now, "updated_at": now}
    )
    if created:
        for visit_item in visit.visit_items.all():
            ItemResult.objects.create(result=result, visit_item=visit_item)
    result.visit = visit
    return result


def _lock_result(result: Result) -> Result:
    locked = (
        Result.objects.select_for_update().select_related("visit", "visit__plan").get(pk=result.pk)
    )
    return locked


def _content_errors(visit: Visit, content: ResultInput) -> list[str]:
    """What is wrong with content even as a draft (unknown values, strangers, bad rows)."""
    errors: list[str] = []
    if content.way and content.way not in rules.WAYS:
        errors.append(f"核查方式：“{content.way}”不是可选的核查方式")
    if content.ending and content.ending not in {c.code for c in rules.ENDINGS}:
        errors.append(f"结束情形：“{content.ending}”不是可选的结束情形")
    team = set(visit.current_members().values_list("pk", flat=True))
    strangers = sorted(set(content.present) - team)
    if strangers:
        errors.append(f"在场检查人员：{'、'.join(map(str, strangers))}不是本次检查组的现任成员")
    try:
        check_fields(Result, {"representative": content.representative})
    except LimitError as exc:
        errors.append(str(exc))
    visit_items = {vi.pk: vi for vi in visit.visit_items.select_related("item")}
    codes = {c.code for c in rules.CATEGORIES}
    findings = {f.value for f in rules.Finding}
    for item in content.items:
        visit_item = visit_items.get(item.visit_item_id)
        if visit_item is None:
            errors.append(f"事项（编号{item.visit_item_id}）：不是本次检查的事项")
            continue
        label = f"事项{item_key(visit_item)}“{visit_item.item.name}”"
        if item.category and item.category not in codes:
            errors.append(f"{label}检查结果：未知的结果代码“{item.category}”")
        count = len(checkpoint_texts(visit_item))
        for finding in item.findings:
            where = f"{label}第{finding.number}项检查要点"
            if not 1 <= finding.number <= count:
                errors.append(f"{label}：没有第{finding.number}项检查要点（共{count}项）")
            if finding.finding and finding.finding not in findings:
                errors.append(f"{where}：“{finding.finding}”不是可选的检查情况")
            for name in ("reason", "problem", "note"):
                try:
                    check_fields(
                        CheckpointFinding,
                        {name: getattr(finding, name)},
                        where=f"{where}：",
                        multi_line=(name,),
                    )
                except LimitError as exc:
                    errors.append(str(exc))
    return errors


def _write_content(result: Result, content: ResultInput, actor: Actor) -> None:
    visit = result.visit
    errors = _content_errors(visit, content)
    if errors:
        raise ResultInputError(errors)
    result.way = content.way
    result.inspected_on = content.inspected_on
    result.present = sorted(set(content.present))
    result.representative = content.representative.strip()
    result.ending = content.ending
    _set_deadline(result)
    if isinstance(actor, User):
        result.recorded_by = actor
    result.save()
    items = {ir.visit_item_id: ir for ir in result.items.select_related("visit_item__item")}
    stored = {
        (f.item_result_id, f.number): f
        for f in CheckpointFinding.objects.filter(item_result__result=result)
    }
    added: list[CheckpointFinding] = []
    for item in content.items:
        item_result = items[item.visit_item_id]
        if item_result.chosen_category != item.category:
            item_result.chosen_category = item.category
            item_result.save(update_fields=["chosen_category"])
        texts = checkpoint_texts(item_result.visit_item)
        for finding in item.findings:
            values = {
                "text": texts[finding.number - 1],
                "finding": finding.finding,
                "reason": finding.reason.strip() if finding.finding == "not_applicable" else "",
                "problem": finding.problem.strip(),
                "note": finding.note.strip(),
            }
            row = stored.get((item_result.pk, finding.number))
            if row is None:
                added.append(
                    CheckpointFinding(item_result=item_result, number=finding.number, **values)
                )
            elif any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                row.save()
    # One insert for the new rows: the result row is locked (select_for_update) and checked
    # editable above, which is what each row's save() would check again, query by query.
    CheckpointFinding.objects.bulk_create(added)
    refresh_categories(result)


def _set_deadline(result: Result, overrides: Overrides | None = None) -> None:
    """Due for publication N working days after the inspection (a setting), counted with
    chinesecalendar and the administrators' holiday table; a year neither covers is estimated
    Monday to Friday with a warning (due_warning), never an error."""
    if result.inspected_on is None:
        result.due_on, result.due_warning = None, ""
        return
    deadline = publication_deadline(
        result.inspected_on,
        workdays=settings.SPOTCHECK_PUBLISH_RESULTS_WORKDAYS,
        overrides=workday_overrides() if overrides is None else overrides,
    )
    result.due_on = deadline.due
    result.due_warning = "\n".join(deadline.warnings)


def _rule_findings(item_result: ItemResult) -> tuple[rules.CheckpointFinding, ...]:
    return tuple(
        rules.CheckpointFinding(
            number=f.number,
            finding=rules.Finding(f.finding) if f.finding else None,
            reason=f.reason,
            problem=f.problem,
            note=f.note,
        )
        for f in item_result.findings.all()
    )


def _rule_item(item_result: ItemResult) -> rules.ItemResult:
    return rules.ItemResult(
        item_key=item_key(item_result.visit_item),
        findings=_rule_findings(item_result),
        category=item_result.chosen_category or None,
        measures=tuple(m.as_rule() for m in item_result.measures.all()),
    )


def refresh_categories(result: Result) -> None:
    """Each item's category: the ending, the chosen one, or what its findings and measures give
    (lib.results.category_after_measures); empty while nothing is recorded."""
    for item_result in result.items.select_related("visit_item__item").prefetch_related(
        "findings", "measures"
    ):
        if result.ending:
            code = result.ending
        elif item_result.chosen_category:
            code = item_result.chosen_category
        elif any(f.finding for f in item_result.findings.all()):
            rule = _rule_item(item_result)
            code = rules.category_after_measures(rule.findings, rule.measures).code
        else:
            code = ""
        if code != item_result.category:
            item_result.category = code
            item_result.save(update_fields=["category"])


def _visit_record(result: Result) -> tuple[rules.VisitRecord, dict[str, list[str]], dict[str, str]]:
    visit = result.visit
    item_results = list(
        result.items.select_related("visit_item__item").prefetch_related("findings", "measures")
    )
    checkpoints = {item_key(ir.visit_item): checkpoint_texts(ir.visit_item) for ir in item_results}
    titles = {item_key(ir.visit_item): ir.visit_item.item.name for ir in item_results}
    recorded = [
        _rule_item(ir)
        for ir in item_results
        if result.ending or ir.chosen_category or ir.findings.all() or ir.measures.all()
    ]
    team = tuple(str(pk) for pk in visit.current_members().values_list("pk", flat=True))
    record_ = rules.VisitRecord(
        inspected_on=result.inspected_on,
        way=result.way or None,
        present=tuple(str(pk) for pk in result.present),
        team=team,
        representative=result.representative,
        ending=result.ending or None,
        items=tuple(recorded),
    )
    return record_, checkpoints, titles


def _validate(result: Result, now: datetime | None = None) -> None:
    record_, checkpoints, titles = _visit_record(result)
    errors = rules.validate_visit(
        record_,
        checkpoints,
        item_titles=titles,
        min_present=settings.SPOTCHECK_MIN_MEMBERS_PRESENT,
        today=timezone.localdate(now),
    )
    if errors:
        raise ResultInputError(errors)


def snapshot(result: Result) -> dict[str, Any]:
    """The result's content as JSON (what an approved version keeps)."""
    members = {m.pk: m.inspector.name for m in result.visit.members.select_related("inspector")}
    return {
        "visit": result.visit.visit_key,
        "version": result.version,
        "way": result.way,
        "inspected_on": result.inspected_on.isoformat() if result.inspected_on else None,
        "present": [{"member": pk, "name": members.get(pk, "")} for pk in result.present],
        "representative": result.representative,
        "ending": result.ending,
        "due_on": result.due_on.isoformat() if result.due_on else None,
        "items": [
            {
                "item": item_key(ir.visit_item),
                "name": ir.visit_item.item.name,
                "category": ir.category,
                "chosen_category": ir.chosen_category,
                "findings": [
                    {
                        "number": f.number,
                        "text": f.text,
                        "finding": f.finding,
                        "reason": f.reason,
                        "problem": f.problem,
                        "note": f.note,
                    }
                    for f in ir.findings.all()
                ],
                "measures": [
                    {
                        "kind": m.kind,
                        "opened_on": m.opened_on.isoformat(),
                        "deadline": m.deadline.isoformat() if m.deadline else None,
                        "case_number": m.case_number,
                        "agency": m.agency,
                        "text": m.text,
                        "closed_on": m.closed_on.isoformat() if m.closed_on else None,
                        "closing_text": m.closing_text,
                    }
                    for m in ir.measures.all()
                ],
            }
            for ir in result.items.select_related("visit_item__item").prefetch_related(
                "findings", "measures"
            )
        ],
    }


def _require_editable(result: Result) -> None:
    if not rules.is_editable(result.review_state):
        if result.is_locked:
            raise ValueError("该结果已审核，已锁定；修改须通过更正（说明理由，重新审核）")
        raise ValueError(f"“{result.review_state.label}”的结果不能修改")


def bump_revision(result: Result, *fields: str, now: datetime | None = None) -> None:
    """Save `fields` with the next revision (drafts open at an older one are then refused),
    stamped `now`, and recount the visit's statistics: every change of a result goes through
    here, after its parts (items, measures, publications) are written."""
    result.revision += 1
    result.updated_at = now or timezone.now()
    result.save(update_fields=["revision", "updated_at", *fields])
    refresh_visits([result.visit_id])


# --- actions --------------------------------------------------------------------------------


@transaction.atomic
def refresh_deadlines(*, actor: Actor, since: date | None = None) -> int:
    """Recompute the publication deadline of every unpublished result inspected on or after
    `since` (all when None), after administrators changed the holiday table or the setting.
    Returns how many deadlines changed; one audit entry lists them."""
    overrides = workday_overrides()
    results = Result.objects.select_for_update().filter(inspected_on__isnull=False)
    results = results.exclude(state=rules.ReviewState.PUBLISHED)
    if since is not None:
        results = results.filter(inspected_on__gte=since)
    changed: list[dict[str, Any]] = []
    now = timezone.now()
    for result in results.order_by("pk"):
        before = (result.due_on, result.due_warning)
        _set_deadline(result, overrides)
        if (result.due_on, result.due_warning) != before:
            result.updated_at = now
            result.save(update_fields=["due_on", "due_warning", "updated_at"])
            changed.append(
                {
                    "visit": result.visit_id,
                    "from": before[0],
                    "to": result.due_on,
                    "estimated": bool(result.due_warning),
                }
            )
    refresh_visits([c["visit"] for c in changed])
    record(
        actor=actor,
        action="result.refresh_deadlines",
        obj=None,
        details={"since": since, "changed": changed},
    )
    return len(changed)


@transaction.atomic
def save_draft(
    *,
    visit: Visit,
    content: ResultInput,
    revision: int,
    actor: Actor,
    now: datetime | None = None,
) -> Result:
    """Save what the team has recorded so far. `revision` is the one the writer loaded (0 for a
    result not saved yet); an older one than stored is a conflict, never an overwrite. `now`
    (default the current time) is when it is saved, here and in every action below."""
    now = now or timezone.now()
    _check_agency(actor, visit)
    roles = _require_recorder(actor, visit)
    result = _lock(visit, now)
    if revision != result.revision:
        by = writer_name(result.recorded_by) or "另一名检查人员"
        at = timezone.localtime(result.updated_at)
        raise ResultConflictError(
            f"另一名检查人员已修改该结果：{by}于{at:%Y-%m-%d %H:%M}保存了第{result.revision}次"
            f"（您打开的是第{revision}次），请刷新后重新填写，以免覆盖对方的修改",
            by=by,
            at=result.updated_at,
            revision=result.revision,
        )
    _require_editable(result)
    _write_content(result, content, actor)
    bump_revision(result, now=now)
    record(
        actor=actor,
        action="result.save_draft",
        obj=result,
        details={
            "visit": visit.visit_key,
            "revision": result.revision,
            "on_behalf": _on_behalf(roles),
        },
        at=now,
    )
    return result


@transaction.atomic
def submit_result(*, result: Result, actor: Actor, now: datetime | None = None) -> Result:
    """未录入 / 退回 → 待审核, once the content is complete (lib.results.validate_visit)."""
    now = now or timezone.now()
    result = _lock_result(result)
    _check_agency(actor, result.visit)
    roles = _require_recorder(actor, result.visit)
    target = review_step(result, "submit", actor)
    _validate(result, now)
    result.state = target
    result.submitted_at = now
    bump_revision(result, "state", "submitted_at", now=now)
    record(
        actor=actor,
        action="result.submit",
        obj=result,
        details={"visit": result.visit.visit_key, "on_behalf": _on_behalf(roles)},
        at=now,
    )
    return result


@transaction.atomic
def return_result(
    *, result: Result, opinion: str, actor: Actor, now: datetime | None = None
) -> Result:
    """待审核 → 退回 with the unit leader's opinion, shown to the team."""
    now = now or timezone.now()
    result = _lock_result(result)
    _check_agency(actor, result.visit)
    target = review_step(result, "return", actor, opinion)
    try:
        check_fields(Result, {"last_opinion": opinion.strip()}, multi_line=("last_opinion",))
    except LimitError as exc:
        raise ResultInputError([str(exc)]) from exc
    result.state = target
    result.last_opinion = opinion.strip()
    result.reviewed_at = now
    result.reviewed_by = actor if isinstance(actor, User) else None
    bump_revision(result, "state", "last_opinion", "reviewed_at", "reviewed_by", now=now)
    record(
        actor=actor,
        action="result.return",
        obj=result,
        details={"visit": result.visit.visit_key, "opinion": result.last_opinion},
        at=now,
    )
    return result


@transaction.atomic
@batched_refresh()  # one recount at the end, however many changes
def approve_result(*, result: Result, actor: Actor, now: datetime | None = None) -> Result:
    """待审核 → 已审核: the result is locked and its content kept as a version."""
    now = now or timezone.now()
    result = _lock_result(result)
    _check_agency(actor, result.visit)
    target = review_step(result, "approve", actor)
    ResultVersion.objects.create(
        result=result,
        number=result.version,
        snapshot=snapshot(result),
        reason=result.amend_reason,
        amended_by=result.recorded_by.get_username()
        if result.version > 1 and result.recorded_by
        else "",
        approved_by=actor_label(actor),
        approved_at=now,
    )
    result.state = target
    result.reviewed_at = now
    result.reviewed_by = actor if isinstance(actor, User) else None
    bump_revision(result, "state", "reviewed_at", "reviewed_by", now=now)
    record(
        actor=actor,
        action="result.approve",
        obj=result,
        details={"visit": result.visit.visit_key, "version": result.version},
        at=now,
    )
    proposal = _propose_risk(result, now)
    if proposal is not None:
        record(
            actor=actor,
            action="result.propose_risk",
            obj=proposal,
            details={
                "visit": result.visit.visit_key,
                "version": result.version,
                "entity": proposal.entity.public_id,
                "from": proposal.current_level,
                "to": proposal.proposed_level,
            },
            at=now,
        )
    _close_by_recheck(result, actor, now)
    # Where the agency publishes on approval, the portal publishes it now (same transaction).
    from spotcheck.public.actions import publish_on_approval  # public builds on results

    if publish_on_approval(result=result, actor=actor, now=now) is not None:
        result.refresh_from_db()
    return result


def _begin_amendment(
    result: Result, reason: str, actor: Actor, now: datetime | None = None
) -> rules.ReviewState:
    target = review_step(result, "amend", actor, reason)
    try:
        check_fields(Result, {"amend_reason": reason.strip()}, multi_line=("amend_reason",))
    except LimitError as exc:
        raise ResultInputError([str(exc)]) from exc
    result.state = target
    result.version += 1
    result.amend_reason = reason.strip()
    result.submitted_at = now or timezone.now()
    bump_revision(result, "state", "version", "amend_reason", "submitted_at", now=now)
    return target


@transaction.atomic
@batched_refresh()  # one recount at the end, however many changes
def amend_result(
    *,
    result: Result,
    reason: str,
    content: ResultInput,
    actor: Actor,
    now: datetime | None = None,
) -> Result:
    """Correct an approved (or published) result at `now` (default the current time): the
    approved version stays in its ResultVersion, the corrected content goes to 待审核 as the
    next version."""
    now = now or timezone.now()
    result = _lock_result(result)
    _check_agency(actor, result.visit)
    roles = _require_recorder(actor, result.visit)
    before = result.version
    _begin_amendment(result, reason, actor, now)
    _write_content(result, content, actor)
    _validate(result, now)
    refresh_visits([result.visit_id])  # the corrected content, written after the state
    record(
        actor=actor,
        action="result.amend",
        obj=result,
        details={
            "visit": result.visit.visit_key,
            "from_version": before,
            "to_version": result.version,
            "reason": result.amend_reason,
            "on_behalf": _on_behalf(roles),
        },
        at=now,
    )
    return result


@transaction.atomic
def add_measure(
    *,
    item_result: ItemResult,
    kind: str,
    opened_on: date,
    actor: Actor,
    deadline: date | None = None,
    case_number: str = "",
    agency: str = "",
    text: str = "",
    amend_reason: str = "",
    now: datetime | None = None,
) -> Measure:
    """A follow-up measure (后续处置) on an item with a problem; the item's category follows.
    On an approved result (a measure decided later, e.g. a penalty) this is an amendment:
    `amend_reason` is required and the result is reviewed again."""
    now = now or timezone.now()
    result = _lock_result(item_result.result)
    _check_agency(actor, result.visit)
    roles = _require_recorder(actor, result.visit)
    item_result = ItemResult.objects.select_related("visit_item__item").get(pk=item_result.pk)
    if item_result.result_id != result.pk:
        raise ValueError("该事项不属于此检查结果")
    if kind not in rules.MEASURE_KINDS:
        raise ResultInputError([f"后续处置：“{kind}”不是可选的措施"])
    if result.ending:
        raise ResultInputError(["后续处置：检查以结束情形结束，不应填写后续处置措施"])
    if not item_result.findings.filter(finding=rules.Finding.PROBLEM).exists():
        label = f"事项{item_key(item_result.visit_item)}“{item_result.visit_item.item.name}”"
        raise ResultInputError([f"{label}后续处置：未发现问题，不应有后续处置措施"])
    rule = rules.Measure(
        kind=rules.MeasureKind(kind),
        opened_on=opened_on,
        deadline=deadline,
        case_number=case_number.strip(),
        agency=agency.strip(),
        text=text.strip(),
    )
    errors = [f"后续处置{message}" for message in rules.validate_measure(rule)]
    values = {"case_number": rule.case_number, "agency": rule.agency, "text": rule.text}
    try:
        check_fields(Measure, values, where="后续处置：", multi_line=("text",))
    except LimitError as exc:
        errors.append(str(exc))
    if errors:
        raise ResultInputError(errors)
    amended = result.is_locked
    if amended:
        _begin_amendment(result, amend_reason, actor, now)
    else:
        _require_editable(result)
    measure = Measure.objects.create(
        item_result=item_result,
        **values,
        kind=kind,
        opened_on=opened_on,
        deadline=deadline,
        created_at=now,
    )
    if kind == rules.MeasureKind.CORRECTION and deadline is not None:
        # 责令改正 is re-checked: the same entity and item, a team by the round's rules.
        measure.recheck_visit = create_recheck_visit(
            original=result.visit,
            items=[item_result.visit_item.item],
            after=deadline,
            actor=actor,
            now=now,
        )
        measure.save(update_fields=["recheck_visit"])
    refresh_categories(result)
    bump_revision(result, now=now)
    record(
        actor=actor,
        action="result.add_measure",
        obj=result,
        details={
            "measure": measure.pk,
            "kind": kind,
            "amendment": amended,
            "recheck_visit": measure.recheck_visit.visit_key if measure.recheck_visit else None,
            "on_behalf": _on_behalf(roles),
        },
        at=now,
    )
    return measure


@transaction.atomic
def close_measure(
    *,
    measure: Measure,
    closed_on: date,
    closing_text: str,
    actor: Actor,
    amend_reason: str = "",
    now: datetime | None = None,
) -> Measure:
    """Close a measure with its date and text; the item's category follows. On an approved
    result this is an amendment: `amend_reason` is required and the result is reviewed again."""
    now = now or timezone.now()
    result = _lock_result(measure.item_result.result)
    _check_agency(actor, result.visit)
    roles = _require_recorder(actor, result.visit)
    measure = Measure.objects.select_related("item_result").get(pk=measure.pk)
    if measure.closed_on is not None:
        raise ValueError(f"该措施已于{measure.closed_on}办结")
    amended = result.is_locked
    if amended:
        _begin_amendment(result, amend_reason, actor, now)
    else:
        _require_editable(result)
    rule = measure.as_rule()
    closed = rules.Measure(
        kind=rule.kind,
        opened_on=rule.opened_on,
        deadline=rule.deadline,
        case_number=rule.case_number,
        agency=rule.agency,
        text=rule.text,
        closed_on=closed_on,
        closing_text=closing_text.strip(),
    )
    errors = [f"后续处置{message}" for message in rules.validate_measure(closed)]
    if errors:
        raise ResultInputError(errors)
    measure.closed_on = closed_on
    measure.closing_text = closing_text.strip()
    measure.save()
    refresh_categories(result)
    bump_revision(result, now=now)
    record(
        actor=actor,
        action="result.close_measure",
        obj=result,
        details={
            "measure": measure.pk,
            "closed_on": closed_on,
            "amendment": amended,
            "on_behalf": _on_behalf(roles),
        },
        at=now,
    )
    return measure


# --- results typed in from paper (spotcheck import-results) ------------------------------------


class ResultFileError(ValueError):
    """The sheet is refused as a whole; `errors` name the row and column of each problem."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("；".join(map(str, errors)))
        self.errors = errors


@dataclass(frozen=True)
class ImportReport:
    recorded: tuple[str, ...]
    """Visit keys recorded and submitted for review."""
    measures: int
    blank: int
    """Visits of the sheet with nothing filled in (left alone)."""


def _sheet_visits(
    sheet: ResultSheet, plan: Plan | None, round: int | None
) -> tuple[dict[str, Visit], list[RowError]]:
    refs = {ref: v for ref, v in sheet.visits.items() if not v.blank}
    found = Visit.objects.filter(visit_key__in=list(refs)).select_related("plan")
    if plan is not None:
        found = found.filter(plan=plan)
    if round is not None:
        found = found.filter(round=round)
    by_key: dict[str, list[Visit]] = {}
    for visit in found:
        by_key.setdefault(visit.visit_key, []).append(visit)
    visits: dict[str, Visit] = {}
    errors: list[RowError] = []
    for ref, sheet_visit in refs.items():
        matches = by_key.get(ref, [])
        if len(matches) > 1:
            errors.append(
                RowError(
                    sheet_visit.first_row,
                    "检查编号",
                    f"“{ref}”对应{len(matches)}个检查任务（不同计划或轮次），请指定计划和轮次",
                )
            )
        elif matches:
            visits[ref] = matches[0]
    return visits, errors


def _context(visit: Visit) -> VisitContext:
    items = visit.visit_items.select_related("item")
    return VisitContext(
        team=tuple(m.inspector.certificate_number for m in visit.current_members()),
        checkpoints={item_key(vi): checkpoint_texts(vi) for vi in items},
        item_titles={item_key(vi): vi.item.name for vi in items},
    )


def _sheet_content(visit: Visit, sheet_visit: SheetVisit) -> ResultInput:
    members = {m.inspector.certificate_number: m.pk for m in visit.current_members()}
    record_ = sheet_visit.record(tuple(members))
    visit_items = {item_key(vi): vi for vi in visit.visit_items.select_related("item")}
    return ResultInput(
        way=record_.way or "",
        inspected_on=record_.inspected_on,
        present=tuple(members[cert] for cert in record_.present),
        representative=record_.representative,
        ending=record_.ending or "",
        items=tuple(
            ItemInput(
                visit_item_id=visit_items[item.item_key].pk,
                category=item.category or "",
                findings=tuple(
                    FindingInput(
                        number=f.number,
                        finding=f.finding.value if f.finding else "",
                        reason=f.reason,
                        problem=f.problem,
                        note=f.note,
                    )
                    for f in item.findings
                ),
            )
            for item in record_.items
        ),
    )


def _import_measures(result: Result, sheet_visit: SheetVisit, actor: Actor) -> int:
    """Add the sheet's measures the result does not have yet, and close those the sheet closes."""
    count = 0
    item_results = {
        item_key(ir.visit_item): ir for ir in result.items.select_related("visit_item__item")
    }
    for key, sheet_item in sheet_visit.items.items():
        item_result = item_results[key]
        for wanted in sheet_item.measures:
            same = [
                m
                for m in item_result.measures.all()
                if (m.kind, m.opened_on, m.deadline, m.case_number, m.agency, m.text)
                == (
                    wanted.kind.value,
                    wanted.opened_on,
                    wanted.deadline,
                    wanted.case_number,
                    wanted.agency,
                    wanted.text,
                )
            ]
            measure = same[0] if same else None
            if measure is None:
                measure = add_measure(
                    item_result=item_result,
                    kind=wanted.kind.value,
                    opened_on=wanted.opened_on,
                    deadline=wanted.deadline,
                    case_number=wanted.case_number,
                    agency=wanted.agency,
                    text=wanted.text,
                    actor=actor,
                )
                count += 1
            if wanted.closed_on is not None and measure.closed_on is None:
                close_measure(
                    measure=measure,
                    closed_on=wanted.closed_on,
                    closing_text=wanted.closing_text,
                    actor=actor,
                )
    return count


@transaction.atomic
@batched_refresh()  # one recount at the end, however many changes
def import_results(
    *,
    sheet: ResultSheet,
    actor: Actor,
    plan: Plan | None = None,
    round: int | None = None,
    filename: str = "",
) -> ImportReport:
    """Record and submit for review every visit the sheet fills in, through the same actions
    as the result page (each audited, the console acting as the unit leader). All or nothing:
    any problem, in the file or against the system (unknown visit, a stranger present, a missing
    checkpoint, a result already submitted or approved), raises ResultFileError naming the row and
    column, and nothing is written."""
    errors = list(sheet.errors)
    if errors:
        raise ResultFileError(errors)
    visits, errors = _sheet_visits(sheet, plan, round)
    contexts = {ref: _context(visit) for ref, visit in visits.items()}
    errors += check_sheet(
        sheet,
        contexts,
        min_present=settings.SPOTCHECK_MIN_MEMBERS_PRESENT,
        today=timezone.localdate(),
    )
    stored = {r.visit_id: r for r in Result.objects.filter(visit__in=list(visits.values()))}
    for ref, visit in visits.items():
        result = stored.get(visit.pk)
        if result is not None and not rules.is_editable(result.review_state):
            errors.append(
                RowError(
                    sheet.visits[ref].first_row,
                    "检查编号",
                    f"该检查的结果为“{result.review_state.label}”，不能通过导入修改"
                    "（待审核的须先退回；已审核的须更正）",
                )
            )
    if errors:
        raise ResultFileError(sorted(errors, key=lambda e: e.row))
    recorded: list[str] = []
    measures = 0
    for ref, visit in visits.items():
        sheet_visit = sheet.visits[ref]
        try:
            result = stored.get(visit.pk)
            result = save_draft(
                visit=visit,
                content=_sheet_content(visit, sheet_visit),
                revision=result.revision if result else 0,
                actor=actor,
            )
            measures += _import_measures(result, sheet_visit, actor)
            submit_result(result=result, actor=actor)
        except ResultInputError as exc:
            errors += [RowError(sheet_visit.first_row, "检查编号", e) for e in exc.errors]
        except (ValueError, PermissionDenied) as exc:
            errors.append(RowError(sheet_visit.first_row, "检查编号", str(exc)))
        else:
            recorded.append(ref)
    if errors:
        raise ResultFileError(errors)  # rolls back every visit recorded above
    blank = sum(1 for v in sheet.visits.values() if v.blank)
    record(
        actor=actor,
        action="result.import",
        obj=None,
        details={"file": filename, "visits": recorded, "measures": measures, "blank": blank},
    )
    return ImportReport(recorded=tuple(recorded), measures=measures, blank=blank)


# --- attachments (photos and documents) -----------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AttachmentInput:
    name: str
    """The name the phone gave the file: shown, never used to store or to judge the type."""
    size: int
    """The size announced by the upload (checked against the limit before anything else)."""
    data: bytes


def _item_result_for(result: Result, visit_item_id: int | None) -> ItemResult | None:
    if visit_item_id is None:
        return None
    item_result = result.items.filter(visit_item_id=visit_item_id).first()
    if item_result is None:
        raise ResultInputError([f"事项（编号{visit_item_id}）：不是本次检查的事项"])
    return item_result


@transaction.atomic
def attach_files(
    *,
    visit: Visit,
    files: list[AttachmentInput],
    actor: Actor,
    visit_item_id: int | None = None,
) -> list[Attachment]:
    """Attach photos or PDFs to the visit's result (or one of its items), all or none: each is
    checked by content (type, size, pixels), stored by SHA-256 with a thumbnail and its capture
    time (EXIF when present, else now). Only while the result may be edited."""
    _check_agency(actor, visit)
    roles = _require_recorder(actor, visit)
    result = _lock(visit)
    _require_editable(result)
    item_result = _item_result_for(result, visit_item_id)
    if not files:
        raise ResultInputError(["请选择要上传的照片或文件"])
    now = timezone.now()
    checked, errors = [], []
    for upload in files:
        name = upload.name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "未命名"
        try:
            check_fields(Attachment, {"name": name})
            checked.append(files_.check(name, upload.size, upload.data, now=now))
        except (AttachmentError, LimitError) as exc:
            errors.append(str(exc))
    if errors:
        raise ResultInputError(errors)
    attachments = []
    for item in checked:
        path, thumb = files_.store(item)
        attachments.append(
            Attachment.objects.create(
                result=result,
                item_result=item_result,
                kind=item.kind.value,
                name=item.name,
                size=len(item.data),
                sha256=item.digest,
                path=path,
                thumbnail=thumb,
                width=item.width,
                height=item.height,
                captured_at=item.captured_at,
                captured_from_exif=item.captured_from_exif,
                uploaded_by=actor if isinstance(actor, User) else None,
                uploaded_at=now,
            )
        )
    record(
        actor=actor,
        action="result.attach",
        obj=result,
        details={
            "visit": visit.visit_key,
            "item": visit_item_id,
            "files": [
                {"attachment": a.pk, "name": a.name, "sha256": a.sha256, "size": a.size}
                for a in attachments
            ],
            "on_behalf": _on_behalf(roles),
        },
    )
    return attachments


@transaction.atomic
def withdraw_attachment(*, attachment: Attachment, reason: str, actor: Actor) -> Attachment:
    """Withdraw an attachment (it is kept, marked withdrawn with the reason and who did it);
    only while the result may be edited: after approval a change is an amendment."""
    result = _lock_result(attachment.result)
    _check_agency(actor, result.visit)
    roles = _require_recorder(actor, result.visit)
    _require_editable(result)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.withdrawn_at is not None:
        raise ValueError(f"附件“{attachment.name}”已于{attachment.withdrawn_at:%Y-%m-%d %H:%M}撤回")
    reason = reason.strip()
    if not reason:
        raise ResultInputError([f"撤回附件“{attachment.name}”须说明理由"])
    try:
        check_fields(Attachment, {"withdraw_reason": reason}, multi_line=("withdraw_reason",))
    except LimitError as exc:
        raise ResultInputError([str(exc)]) from exc
    attachment.withdrawn_at = timezone.now()
    attachment.withdrawn_by = actor if isinstance(actor, User) else None
    attachment.withdraw_reason = reason
    attachment.save()
    record(
        actor=actor,
        action="result.withdraw_attachment",
        obj=result,
        details={
            "attachment": attachment.pk,
            "name": attachment.name,
            "sha256": attachment.sha256,
            "reason": reason,
            "on_behalf": _on_behalf(roles),
        },
    )
    return attachment


# --- re-checks (复查) --------------------------------------------------------------------------


def _close_by_recheck(result: Result, actor: Actor, now: datetime | None = None) -> Measure | None:
    """An approved re-check with every item 未发现问题 closes the 责令改正 that asked for it (the
    entity corrected); on an approved original this is an amendment, reviewed again. A
    re-check that found problems leaves the measure open (the team decides what follows)."""
    visit = result.visit
    if visit.recheck_of_id is None:
        return None
    measure = (
        Measure.objects.filter(recheck_visit=visit, closed_on__isnull=True)
        .select_related("item_result__result")
        .first()
    )
    if measure is None or result.inspected_on is None:
        return None
    codes = list(result.items.values_list("category", flat=True))
    if not codes or any(code != "no_problem" for code in codes):
        return None
    original = measure.item_result.result
    text = f"复查（{visit.visit_key}，{result.inspected_on}）未发现问题，已整改到位"
    if not (original.is_locked or rules.is_editable(original.review_state)):
        return None  # the original is under review: its team closes the measure by hand
    return close_measure(
        measure=measure,
        closed_on=result.inspected_on,
        closing_text=text,
        amend_reason=f"复查结果已审核：{text}" if original.is_locked else "",
        actor=actor,
        now=now,
    )


# --- results feed risk -------------------------------------------------------------------------


def _propose_risk(result: Result, now: datetime | None = None) -> RiskProposal | None:
    """The risk level this approved result proposes for its entity (lib.results.propose_risk:
    problems one level up; clean one level down when SPOTCHECK_RISK_LOWER_WHEN_CLEAN)."""
    entity = result.visit.entity
    if entity is None:
        return None
    codes = [code for code in result.items.values_list("category", flat=True) if code]
    current = RiskLevel(entity.risk_level) if entity.risk_level else None
    proposal = rules.propose_risk(
        current, codes, lower_when_clean=settings.SPOTCHECK_RISK_LOWER_WHEN_CLEAN
    )
    if proposal is None:
        return None
    return RiskProposal.objects.create(
        result=result,
        version=result.version,
        entity=entity,
        current_level=entity.risk_level,
        proposed_level=proposal.proposed.value,
        reason=f"{result.visit.visit_key}（{result.inspected_on}）{proposal.reason}"[:300],
        created_at=now or timezone.now(),
    )


@transaction.atomic
def decide_risk_proposal(
    *,
    proposal: RiskProposal,
    accept: bool,
    actor: Actor,
    note: str = "",
    now: datetime | None = None,
) -> RiskProposal:
    """The coordinator accepts a risk proposal (the entity's level changes; its history names
    the result as the source) or rejects it, at `now` (default the current time). Decided once;
    a proposal made from a level the entity no longer has is refused (reject it and let the
    next result propose again)."""
    now = now or timezone.now()
    proposal = (
        RiskProposal.objects.select_for_update()
        .select_related("entity", "result__visit")
        .get(pk=proposal.pk)
    )
    ensure_actor_agency(actor, proposal.entity.agency_id)
    if isinstance(actor, User) and not (
        has_right(actor, "risk.decide") or is_deployment_wide(actor)
    ):
        raise ResultPermissionError("仅协调员可以决定风险等级调整建议")
    if proposal.state != RiskProposal.State.OPEN:
        raise ValueError(
            f"该建议已于{proposal.decided_at:%Y-%m-%d}决定（{proposal.get_state_display()}）"
        )
    note = note.strip()
    try:
        check_fields(RiskProposal, {"decision_note": note}, multi_line=("decision_note",))
    except LimitError as exc:
        raise ResultInputError([str(exc)]) from exc
    visit = proposal.result.visit
    changes: dict[str, list[Any]] = {}
    if accept:
        entity = proposal.entity
        entity.refresh_from_db()
        if entity.risk_level != proposal.current_level:
            raise ValueError(
                f"检查对象的风险等级已由“{proposal.current_label}”变更，该建议已过时，请不予采纳"
            )
        changes = set_entity_risk(
            entity=entity,
            level=proposal.proposed_level,
            reason=proposal.reason,
            source=f"检查结果 {visit.visit_key}（第{proposal.version}版，结果编号{proposal.result_id}）",
            actor=actor,
            now=now,
        )
    proposal.state = RiskProposal.State.ACCEPTED if accept else RiskProposal.State.REJECTED
    proposal.decided_at = now
    proposal.decided_by = actor if isinstance(actor, User) else None
    proposal.decision_note = note
    proposal.save()
    record(
        actor=actor,
        action="result.risk_accept" if accept else "result.risk_reject",
        obj=proposal,
        details={
            "visit": visit.visit_key,
            "entity": proposal.entity.public_id,
            "from": proposal.current_level,
            "to": proposal.proposed_level,
            "changes": changes,
            "note": note,
        },
        at=now,
    )
    return proposal
