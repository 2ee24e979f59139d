"""Results as a user may reach them, and the last inspection of an entity for an item.

- `results_for_user`: the results of the visits the user may see (visits_for_user: agency,
  unit and own seat scoping), so a result is never reachable where its visit is not.
- `get_attachment_for_user`: an attachment, only through a result the user may see.
- `result_sheet`: a visit's result item by item, checkpoint by checkpoint (the result page and
  the results API show the same rows).
- `due_results`: unpublished results overdue or due within a few days, per responsible unit,
  within what `results_for_user` reaches (the per-unit lists for leaders and coordinators).
- `last_inspections` / `last_inspections_by_item` / `inspection_history`: "when was this entity
  last inspected for this item, by whom, with what result", over approved (and published)
  results only. The draw's exclude-recently-inspected option and matching's
  not-the-last-inspector rule read them (registry.InspectionRecord is retired).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.permissions import is_deployment_wide, user_agency_id
from spotcheck.inspections.models import TeamMember, Visit, VisitItem
from spotcheck.inspections.selectors import visits_for_user
from spotcheck.lib.results import (
    CategoryKind,
    DueStatus,
    Finding,
    ReviewState,
    category,
    due_status,
)
from spotcheck.plans.models import Plan
from spotcheck.results.models import (
    LOCKED_STATES,
    Attachment,
    CheckpointFinding,
    ItemResult,
    Measure,
    Result,
    RiskProposal,
    checkpoint_texts,
)


def results_for_user(user: AnyUser) -> QuerySet[Result]:
    return Result.objects.filter(visit__in=visits_for_user(user).values("pk"))


def get_attachment_for_user(user: AnyUser, pk: int) -> Attachment:
    """An attachment of a result the user may see (another unit's or agency's: 404)."""
    return get_object_or_404(
        Attachment.objects.filter(result__in=results_for_user(user).values("pk")).select_related(
            "result", "result__visit"
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class SheetPoint:
    number: int
    """1-based, as on the record form."""
    text: str
    stored: CheckpointFinding | None
    """What was recorded for this checkpoint; None while nothing is."""


@dataclass(frozen=True)
class SheetItem:
    visit_item: VisitItem
    item_result: ItemResult | None
    points: tuple[SheetPoint, ...]
    measures: tuple[Measure, ...]

    @property
    def category(self) -> str:
        return self.item_result.category if self.item_result else ""

    @property
    def category_label(self) -> str:
        return self.item_result.get_category_display() if self.item_result else ""

    @property
    def chosen_category(self) -> str:
        return self.item_result.chosen_category if self.item_result else ""

    @property
    def has_problem(self) -> bool:
        return any(
            p.stored is not None and p.stored.finding == Finding.PROBLEM for p in self.points
        )


@dataclass(frozen=True)
class ResultRows:
    result: Result | None
    """None while nothing is recorded for the visit."""
    items: tuple[SheetItem, ...]


def result_sheet(visit: Visit) -> ResultRows:
    """The visit's result (if any) and one row per visit item, in the visit's order, with each
    checkpoint's text and stored finding and the item's measures. `visit` is already scoped to
    the user (get_visit_for_user); a fixed number of queries whatever the number of items."""
    result = Result.objects.filter(visit=visit).first()
    stored: dict[int, ItemResult] = {}
    if result is not None:
        with_visits = Prefetch("measures", Measure.objects.select_related("recheck_visit"))
        stored = {
            ir.visit_item_id: ir for ir in result.items.prefetch_related("findings", with_visits)
        }
    items = []
    for visit_item in visit.visit_items.select_related("item"):
        item_result = stored.get(visit_item.pk)
        findings = {f.number: f for f in item_result.findings.all()} if item_result else {}
        items.append(
            SheetItem(
                visit_item=visit_item,
                item_result=item_result,
                points=tuple(
                    SheetPoint(number=n, text=text, stored=findings.get(n))
                    for n, text in enumerate(checkpoint_texts(visit_item), start=1)
                ),
                measures=tuple(item_result.measures.all()) if item_result else (),
            )
        )
    return ResultRows(result=result, items=tuple(items))


@dataclass(frozen=True)
class DueRow:
    result: Result
    days_left: int
    """Calendar days to the deadline; negative when overdue."""

    @property
    def overdue_days(self) -> int:
        return max(0, -self.days_left)


@dataclass
class UnitDue:
    """One responsible unit's overdue and nearly due results, earliest deadline first."""

    unit: str
    overdue: list[DueRow] = field(default_factory=list)
    due_soon: list[DueRow] = field(default_factory=list)


def due_results(results: QuerySet[Result], *, today: date, soon_days: int) -> list[UnitDue]:
    """The unpublished results of `results` (already scoped) due by `today + soon_days`,
    grouped by the visit's responsible unit. Results without an inspection date have no
    deadline yet and are not listed."""
    rows = (
        results.exclude(state=ReviewState.PUBLISHED)
        .filter(due_on__isnull=False, due_on__lte=today + timedelta(days=soon_days))
        .select_related("visit", "visit__plan", "visit__responsible_unit")
        .order_by("visit__responsible_unit__name", "due_on", "visit__visit_key")
    )
    units: dict[int, UnitDue] = {}
    for result in rows:
        unit = result.visit.responsible_unit
        group = units.setdefault(unit.pk, UnitDue(unit.name))
        row = DueRow(result, (result.due_on - today).days)
        if due_status(result.due_on, today, soon_days=soon_days) is DueStatus.OVERDUE:
            group.overdue.append(row)
        else:
            group.due_soon.append(row)
    return list(units.values())


def deadline_warnings(results: QuerySet[Result]) -> dict[str, int]:
    """Why deadlines of unpublished results had to be estimated (a year neither chinesecalendar
    nor the holiday table covers): each warning with how many results it concerns."""
    warnings: dict[str, int] = {}
    estimated = results.exclude(state=ReviewState.PUBLISHED).exclude(due_warning="")
    for text in estimated.values_list("due_warning", flat=True):
        for line in filter(None, text.splitlines()):
            warnings[line] = warnings.get(line, 0) + 1
    return warnings


@dataclass(frozen=True)
class LastInspection:
    entity_id: int
    item_name: str
    inspected_on: date
    category: str
    """The item's category code (lib.results.CATEGORIES)."""
    problem_found: bool
    inspector_ids: tuple[int, ...]
    """Registry Inspector ids of the team members present."""
    result_id: int
    certificates: tuple[str, ...] = ()
    """Certificate numbers (执法证号) of the same members, as the matching rules name them."""
    visit_id: int | None = None


def _entity_filter(entity_ids: Iterable[int] | QuerySet[Any]) -> Any:
    return entity_ids if isinstance(entity_ids, QuerySet) else list(entity_ids)


def inspection_history(
    entity_ids: Iterable[int] | QuerySet[Any],
    *,
    item_names: Iterable[str] | None = None,
    target_type: str | None = None,
    before: date | None = None,
    since: date | None = None,
) -> dict[tuple[int, str], list[LastInspection]]:
    """Every approved (or published) inspection of these entities, per (entity id, item name),
    newest first. `entity_ids` may be a queryset of ids (a subquery, for large pools);
    `before` keeps inspections strictly before a date, `since` those strictly after one.
    Three queries whatever the number of rows."""
    rows = ItemResult.objects.filter(
        result__state__in=LOCKED_STATES,
        result__visit__entity_id__in=_entity_filter(entity_ids),
        result__inspected_on__isnull=False,
    )
    if item_names is not None:
        rows = rows.filter(visit_item__item__name__in=list(item_names))
    if target_type is not None:
        rows = rows.filter(visit_item__item__target_type=target_type)
    if before is not None:
        rows = rows.filter(result__inspected_on__lt=before)
    if since is not None:
        rows = rows.filter(result__inspected_on__gt=since)
    values = list(
        rows.order_by("-result__inspected_on", "-result__pk", "pk").values_list(
            "result_id",
            "result__visit_id",
            "result__visit__entity_id",
            "result__inspected_on",
            "result__present",
            "visit_item__item__name",
            "category",
        )
    )
    seats = {pk for row in values for pk in (row[4] or ())}
    members = {
        pk: (inspector_id, certificate)
        for pk, inspector_id, certificate in TeamMember.objects.filter(pk__in=seats).values_list(
            "pk", "inspector_id", "inspector__certificate_number"
        )
    }
    history: dict[tuple[int, str], list[LastInspection]] = {}
    for result_id, visit_id, entity_id, inspected_on, present, name, code in values:
        team = [members[pk] for pk in sorted(present or ()) if pk in members]
        history.setdefault((entity_id, name), []).append(
            LastInspection(
                entity_id=entity_id,
                item_name=name,
                inspected_on=inspected_on,
                category=code,
                problem_found=bool(code) and category(code).kind is CategoryKind.PROBLEM,
                inspector_ids=tuple(inspector_id for inspector_id, _ in team),
                result_id=result_id,
                certificates=tuple(certificate for _, certificate in team),
                visit_id=visit_id,
            )
        )
    return history


def last_inspections_by_item(
    entity_ids: Iterable[int] | QuerySet[Any],
    item_names: Iterable[str] | None,
    *,
    before: date | None = None,
    since: date | None = None,
) -> dict[tuple[int, str], LastInspection]:
    """The latest approved inspection of each (entity id, item name) pair (of the given item
    names, or every item when None), before / since a date when given; pairs never inspected
    are absent."""
    history = inspection_history(entity_ids, item_names=item_names, before=before, since=since)
    return {key: rows[0] for key, rows in history.items()}


def last_inspections(
    entity_ids: Iterable[int] | QuerySet[Any],
    *,
    item_name: str | None = None,
    target_type: str | None = None,
    before: date | None = None,
    since: date | None = None,
) -> dict[int, LastInspection]:
    """The latest approved inspection of each entity (for an item name or a target type, and
    before / since a date when given), keyed by entity id; entities never inspected are
    absent. "When was this entity last inspected for this item, by whom, with what result"."""
    history = inspection_history(
        entity_ids,
        item_names=None if item_name is None else [item_name],
        target_type=target_type,
        before=before,
        since=since,
    )
    found: dict[int, LastInspection] = {}
    for rows in history.values():
        latest = rows[0]
        known = found.get(latest.entity_id)
        if known is None or (latest.inspected_on, latest.result_id) > (
            known.inspected_on,
            known.result_id,
        ):
            found[latest.entity_id] = latest
    return found


def risk_proposals_for_user(user: AnyUser) -> QuerySet[RiskProposal]:
    """Risk proposals on the entities of the user's agency (all for deployment-wide users)."""
    proposals = RiskProposal.objects.all()
    if is_deployment_wide(user):
        return proposals
    agency_id = user_agency_id(user)
    if agency_id is None:
        return proposals.none()
    return proposals.filter(entity__agency_id=agency_id)


def exportable_plans(user: AnyUser) -> QuerySet[Plan]:
    """The plans whose results sheet the user may download: their own agency's, and those in
    which a cooperating department has visits the user may see."""
    plans = Plan.objects.all()
    if is_deployment_wide(user):
        return plans
    visible = visits_for_user(user).values("plan_id")
    return plans.filter(Q(agency_id=user_agency_id(user)) | Q(pk__in=visible))
