"""Draw workflows: prepare → seed → execute (then locked), replace, cancel, export.

Every action runs in one transaction, locks the draw row (and the plan item when preparing),
writes one audit entry and raises DrawError with a Chinese message naming the rule it enforces.
On SQLite the settings make every transaction IMMEDIATE, so two concurrent actions serialise on
the database write lock; on PostgreSQL the row locks (SELECT … FOR UPDATE) do it. Either way the
second of two simultaneous requests sees the first one's result and is refused with a message.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count
from django.utils import timezone

from spotcheck.accounts.permissions import Actor, ensure_actor_agency
from spotcheck.audit.models import actor_label, record
from spotcheck.draws.expectations import record_bins
from spotcheck.draws.models import (
    Draw,
    DrawError,
    DrawLocked,
    DrawReplacement,
    DrawSelection,
    compress_text,
)
from spotcheck.lib import ceremony, drawdoc
from spotcheck.lib.drawdoc import STRATA, STRATUM_NAMES, DrawItem, DrawOptions, Witness
from spotcheck.limits import LimitError, check_fields
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.public.models import note_public_change
from spotcheck.registry.models import Entity, EntityStatus
from spotcheck.registry.selectors import known_operators
from spotcheck.results.selectors import last_inspections
from spotcheck.stats.facts import refresh_drawn

Progress = Callable[[int], None]
"""Called with the number of directory rows read since the last call (for progress bars)."""

STATUS_REASONS = {
    DrawReplacement.Reason.DEREGISTERED: EntityStatus.DEREGISTERED,
    DrawReplacement.Reason.REVOKED: EntityStatus.REVOKED,
    DrawReplacement.Reason.CANCELLED: EntityStatus.CANCELLED,
    DrawReplacement.Reason.MOVED_OUT: EntityStatus.MOVED_OUT,
}


# --- helpers -------------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (clamped to the month's end: 3-31 → 2-28)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def stratum_of(risk_level: str) -> str:
    return risk_level if risk_level in STRATA else "unknown"


def parse_risk_policy(raw: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """Per-stratum ratios from keys like "high" or "高"/"高风险" and values like "100" or "100%"."""
    by_name = {name: key for key, name in STRATUM_NAMES.items()}
    by_name.update({f"{name}风险": key for key, name in STRATUM_NAMES.items()})
    policy: dict[str, Decimal] = {}
    for raw_key, raw_value in (raw or {}).items():
        key = str(raw_key).strip()
        stratum = key if key in STRATA else by_name.get(key)
        if stratum is None:
            raise DrawError(f"未知的风险分层“{raw_key}”（可用：低、中低、中、高、未分级）")
        if raw_value in (None, ""):
            continue
        try:
            value = Decimal(str(raw_value).strip().removesuffix("%"))
        except InvalidOperation:
            raise DrawError(
                f"{STRATUM_NAMES[stratum]}风险分层的比例“{raw_value}”不是数字"
            ) from None
        if not value.is_finite() or not 0 < value <= 100:
            raise DrawError(f"{STRATUM_NAMES[stratum]}风险分层的比例须大于0且不超过100%")
        policy[stratum] = value
    return policy


def _ratio(value: Decimal) -> Decimal:
    """5.000 → 5, 100.000 → 100 (without the exponent form normalize() would give)."""
    normalized = Decimal(value).normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral() else normalized


def ratio_text(value: Decimal | str) -> str:
    return format(_ratio(Decimal(value)), "f")


def _lock_draw(draw: Draw | int) -> Draw:
    pk = draw.pk if isinstance(draw, Draw) else draw
    found = (
        Draw.objects.select_for_update(of=("self",))
        .select_related("item", "item__plan", "item__plan__agency", "item__entity_type")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise DrawError(f"找不到编号为 {pk} 的抽取")
    return found


def _refuse_unless(draw: Draw, wanted: str, doing: str) -> None:
    if draw.status == wanted:
        return
    if draw.status == Draw.Status.CANCELLED:
        raise DrawError(f"抽取已作废（{draw.cancel_reason}），不能{doing}")
    if draw.status == Draw.Status.EXECUTED:
        raise DrawLocked(
            f"该事项第{draw.round_number}轮已有执行完毕的抽取（编号 {draw.pk}），"
            f"抽取已锁定，不能{doing}"
        )
    if draw.status == Draw.Status.SEEDED:
        raise DrawError(
            f"种子已于{timezone.localtime(draw.seeded_at):%Y-%m-%d %H:%M}录入，不能{doing}"
        )
    raise DrawError(f"尚未在抽取仪式上录入种子，不能{doing}")


# --- the population ------------------------------------------------------------------------


@dataclass
class Population:
    strata: dict[str, list[str]]
    excluded: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {s: len(self.strata[s]) for s in STRATA if self.strata.get(s)}


def check_item_drawable(item: PlanItem) -> None:
    if not item.plan.is_published:
        raise DrawError("计划未公开，不能抽取")
    if item.withdrawn_on is not None:  # by a revision of the plan (计划调整)
        raise DrawError(f"该事项已于{item.withdrawn_on:%Y年%m月%d日}经计划调整撤回，不再抽取")
    if item.event_driven:
        raise DrawError("按实际执行的事项没有抽取")
    if item.ratio_percent is None:
        raise DrawError("该事项没有抽查比例，不能按比例抽取")
    if item.entity_type_id is None:
        raise DrawError("该事项未关联名录中的检查对象类型，不能确定抽取范围")


def pool_queryset(item: PlanItem) -> Any:
    """Operating entities of the item's target type in the plan agency's directory."""
    return Entity.objects.filter(
        agency_id=item.plan.agency_id,
        status=EntityStatus.ACTIVE,
        target_types=item.entity_type_id,
    )


def recently_inspected(item: PlanItem, on: date, months: int) -> set[int]:
    """Pool entities whose latest approved inspection for this item (results.selectors) in the
    `months` before `on` found no problem (an inspection exactly `months` ago is no longer
    recent)."""
    since = months_before(on, months)
    latest = last_inspections(
        pool_queryset(item).values("pk"),
        item_name=item.name,
        before=on + timedelta(days=1),
        since=since,
    )
    return {entity_id for entity_id, last in latest.items() if not last.problem_found}


def freeze_population(
    item: PlanItem,
    *,
    on: date,
    exclude_recently_inspected: bool,
    months: int,
    progress: Progress | None = None,
) -> Population:
    excluded_pks = recently_inspected(item, on, months) if exclude_recently_inspected else set()
    strata: dict[str, list[str]] = {s: [] for s in STRATA}
    excluded: list[str] = []
    rows = pool_queryset(item).values_list("pk", "public_id", "risk_level", "name")
    pending = 0
    for pk, public_id, risk_level, name in rows.iterator(chunk_size=20_000):
        if not unicodedata.is_normalized("NFC", public_id):
            raise DrawError(f"对象“{name}”的公开标识不是 NFC 规范形式，请先在名录中更正")
        if pk in excluded_pks:
            excluded.append(public_id)
        else:
            strata[stratum_of(risk_level)].append(public_id)
        pending += 1
        if progress is not None and pending >= 10_000:
            progress(pending)
            pending = 0
    if progress is not None and pending:
        progress(pending)
    return Population({s: ids for s, ids in strata.items() if ids}, sorted(excluded))


def plan_estimates(item: PlanItem) -> dict[str, int | None]:
    return {"total": item.estimated_targets, **item.estimated_risk}


def allocation_warnings(
    item: PlanItem, counts: Mapping[str, int], sizes: Mapping[str, int]
) -> list[str]:
    """Where the allocation differs from the plan's estimated targets and risk mix."""
    warnings: list[str] = []
    total = sum(sizes.values())
    population = sum(counts.values())
    if item.estimated_targets is not None and item.estimated_targets != total:
        warnings.append(
            f"计划预估抽查{item.estimated_targets}家，按名录现有{population}户和比例应抽{total}家"
        )
    for stratum, estimate in item.estimated_risk.items():
        if estimate is not None and estimate != sizes.get(stratum, 0):
            warnings.append(
                f"{STRATUM_NAMES[stratum]}风险：计划预估{estimate}家，"
                f"名录中{counts.get(stratum, 0)}户，应抽{sizes.get(stratum, 0)}家"
            )
    if counts.get("unknown"):
        warnings.append(
            f"有{counts['unknown']}户未评定风险等级，单独作为“未分级”层抽取{sizes.get('unknown', 0)}家"
        )
    return warnings


# --- prepare ---------------------------------------------------------------------------------


def prepare_draw(
    *,
    item: PlanItem,
    round: int = 1,  # noqa: A002 - the issue's name for the round number
    actor: Actor,
    exclude_recently_inspected: bool = False,
    risk_policy: Mapping[str, Any] | None = None,
    on: date | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Draw:
    """Freeze and publish the population, its hash, the allocation and the options, at `now`
    (default the current time; the population as of `on`, default the day of `now`).

    The directory is read before the transaction (a million rows take seconds, and SQLite would
    hold its write lock all that time); every rule is checked again under the item's lock.
    """
    now = now or timezone.now()
    on = on or timezone.localdate(now)
    policy = parse_risk_policy(risk_policy)
    months = settings.SPOTCHECK_RECENT_INSPECTION_MONTHS
    item = PlanItem.objects.select_related("plan", "plan__agency", "entity_type").get(pk=item.pk)
    ensure_actor_agency(actor, item.plan.agency_id)
    _check_prepare(item, round, policy)
    population = freeze_population(
        item,
        on=on,
        exclude_recently_inspected=exclude_recently_inspected,
        months=months,
        progress=progress,
    )
    try:
        text = drawdoc.population_canonical_text(population.strata)
    except ValueError as error:
        raise DrawError(f"名录中的对象标识无效：{error}") from error
    if not text:
        raise DrawError(
            f"名录中没有可抽取的对象（{item.plan.agency.name}、{item.entity_type.name}、在营）"
        )
    population_gz = compress_text(text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    counts = population.counts
    with transaction.atomic():
        item = (
            PlanItem.objects.select_for_update(of=("self",))
            .select_related("plan", "plan__agency", "entity_type")
            .get(pk=item.pk)
        )
        floor = _check_prepare(item, round, policy)
        sizes = drawdoc.allocate(counts, floor, policy)
        ratios = drawdoc.effective_ratios(counts, floor, policy)
        options = {
            "exclude_recently_inspected": exclude_recently_inspected,
            "exclusion_months": months if exclude_recently_inspected else None,
            "excluded_count": len(population.excluded),
            "risk_policy": {s: ratio_text(v) for s, v in policy.items()},
            "plan_estimates": plan_estimates(item),
        }
        draw = Draw(
            item=item,
            round_number=round,
            status=Draw.Status.PREPARED,
            population_date=on,
            options=options,
            ratio_percent=floor,
            stratum_ratio_percent={s: ratio_text(v) for s, v in policy.items()},
            effective_ratio_percent={s: ratio_text(v) for s, v in ratios.items()},
            population_hash=digest,
            population_counts=counts,
            population_size=sum(counts.values()),
            population_gz=population_gz,
            excluded_gz=compress_text("\n".join(population.excluded)),
            allocation=sizes,
            warnings=allocation_warnings(item, counts, sizes)
            + [w for w in [population_date_warning(item.plan.year, on)] if w],
            prepared_at=now,
            prepared_by=actor_label(actor),
        )
        try:
            with transaction.atomic():
                draw.save()
        except IntegrityError:
            raise DrawError(f"该事项第{round}轮已有抽取，不能重复准备") from None
        record(
            actor=actor,
            action="draw.prepare",
            obj=draw,
            details={
                "item": item.pk,
                "round": round,
                "population_hash": draw.population_hash,
                "population_counts": counts,
                "allocation": sizes,
                "options": {k: v for k, v in options.items() if k != "plan_estimates"},
            },
            at=now,
        )
        note_public_change(draw.item.plan.year, now=now)
    return draw


def _check_prepare(item: PlanItem, round: int, policy: Mapping[str, Decimal]) -> Decimal:  # noqa: A002
    """The rules of prepare; returns the item's minimum ratio (the floor of every stratum)."""
    check_item_drawable(item)
    if isinstance(round, bool) or not isinstance(round, int) or round < 1:
        raise DrawError("轮次须为正整数")
    if item.times_per_year and round > item.times_per_year:
        raise DrawError(f"该事项每年抽查{item.times_per_year}次，不能抽取第{round}轮")
    existing = (
        Draw.objects.filter(item=item, round_number=round)
        .exclude(status=Draw.Status.CANCELLED)
        .first()
    )
    if existing is not None:
        raise _already_drawn(existing)
    floor = _ratio(item.ratio_percent)
    for stratum, value in policy.items():
        if value < floor:
            raise DrawError(
                f"{STRATUM_NAMES[stratum]}风险分层的比例{ratio_text(value)}%低于事项的最低比例"
                f"{ratio_text(floor)}%：公布的比例是每一层的下限，分层比例只能提高"
            )
    return floor


def _already_drawn(existing: Draw) -> DrawError:
    if existing.status == Draw.Status.EXECUTED:
        return DrawLocked(
            f"该事项第{existing.round_number}轮已有执行完毕的抽取（编号 {existing.pk}）"
        )
    return DrawError(
        f"该事项第{existing.round_number}轮已有抽取（编号 {existing.pk}，"
        f"{existing.get_status_display()}）；未掷骰的抽取可先作废再重新准备"
    )


def _check_reason(model: type[models.Model], field: str, reason: str) -> None:
    """A reason longer than its column is refused, never cut (what is audited is what is kept)."""
    try:
        check_fields(model, {field: reason}, multi_line=[field])
    except LimitError as exc:
        raise DrawError(str(exc)) from exc


# --- cancel ----------------------------------------------------------------------------------


def cancel_draw(*, draw: Draw | int, reason: str, actor: Actor) -> Draw:
    """Cancel a prepared draw before its seed exists; it stays published as cancelled."""
    reason = (reason or "").strip()
    with transaction.atomic():
        draw = _lock_draw(draw)
        ensure_actor_agency(actor, draw.item.plan.agency_id)
        if draw.status == Draw.Status.SEEDED:
            raise DrawError("种子已录入，结果已经确定，不能作废；请执行抽取")
        _refuse_unless(draw, Draw.Status.PREPARED, "作废")
        if not reason:
            raise DrawError("作废须写明原因")
        _check_reason(Draw, "cancel_reason", reason)
        draw.status = Draw.Status.CANCELLED
        draw.cancelled_at = timezone.now()
        draw.cancelled_by = actor_label(actor)
        draw.cancel_reason = reason
        draw.save()
        record(actor=actor, action="draw.cancel", obj=draw, details={"reason": reason})
        note_public_change(draw.item.plan.year)
    return draw


# --- seed ------------------------------------------------------------------------------------


def seed_draw(
    *,
    draw: Draw | int,
    witnesses: Sequence[tuple[str, str]],
    beacon: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> Draw:
    """Record the seed rolled at the public ceremony (at `now`, default the current time): each
    witness's dice digits, then a beacon (the ceremony rule is `lib.ceremony.check_ceremony`,
    shared with events' teams)."""
    now = now or timezone.now()
    with transaction.atomic():
        draw = _lock_draw(draw)
        ensure_actor_agency(actor, draw.item.plan.agency_id)
        _refuse_unless(draw, Draw.Status.PREPARED, "录入种子")
        try:
            checked = ceremony.check_ceremony(
                witnesses,
                beacon,
                min_witnesses=settings.SPOTCHECK_MIN_WITNESSES,
                min_digits=settings.SPOTCHECK_MIN_SEED_DIGITS,
            )
            seed = checked.seed
        except ValueError as error:
            raise DrawError(str(error)) from error
        beacon = checked.beacon
        draw.status = Draw.Status.SEEDED
        draw.seed = seed
        draw.witnesses = [{"name": w.name, "digits": w.digits} for w in checked.witnesses]
        draw.beacon = beacon or ""
        draw.seeded_at = now
        draw.seeded_by = actor_label(actor)
        draw.save()
        record(
            actor=actor,
            action="draw.seed",
            obj=draw,
            details={"seed": seed, "witnesses": draw.witnesses, "beacon": beacon},
            at=now,
        )
        note_public_change(draw.item.plan.year, now=now)
    return draw


def seed_draws(
    *,
    draws: Sequence[Draw | int],
    witnesses: Sequence[tuple[str, str]],
    beacon: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> list[Draw]:
    """One ceremony for several prepared draws of a round: all get the same seed, or none does.

    A shared seed is what lets items on the same target type select the same entities, so that
    they become one visit, and lets the round's teams be verified inside every draw.json.
    """
    if not draws:
        raise DrawError("请至少指定一个抽取")
    with transaction.atomic():
        return [
            seed_draw(draw=draw, witnesses=witnesses, beacon=beacon, actor=actor, now=now)
            for draw in draws
        ]


# --- execute ---------------------------------------------------------------------------------


def draw_item(draw: Draw) -> DrawItem:
    item = draw.item
    return DrawItem(
        plan_title=item.plan.title,
        year=item.plan.year,
        item_number=item.key,  # "p<position>" without a number, as in the visits
        item_name=item.name,
        target_type=item.entity_type.name if item.entity_type else item.target_type,
    )


def entities_by_public_id(public_ids: Sequence[str]) -> dict[str, Entity]:
    """Look entities up in slices (SQLite limits the number of query parameters)."""
    found: dict[str, Entity] = {}
    for start in range(0, len(public_ids), 2_000):
        chunk = public_ids[start : start + 2_000]
        found.update((e.public_id, e) for e in Entity.objects.filter(public_id__in=chunk))
    return found


def _entity_info(entities: Mapping[str, Entity]) -> dict[str, dict[str, str]]:
    """The document's `entities`: the names as published (a sole trader's operator masked), so
    that the stored document never holds a natural person's name."""
    return {
        public_id: {"name": DrawSelection.public_name_of(e), "credit_code": e.credit_code}
        for public_id, e in sorted(entities.items())
    }


def execute_draw(*, draw: Draw | int, actor: Actor, now: datetime | None = None) -> Draw:
    """Compute and store the selection (executed at `now`, default the current time); the draw
    is locked afterwards.

    The selection is computed before the transaction (it can take seconds for a big population)
    and stored under the draw's lock after checking that the draw is still seeded, unchanged.
    """
    pk = draw.pk if isinstance(draw, Draw) else draw
    current = (
        Draw.objects.select_related("item", "item__plan", "item__plan__agency", "item__entity_type")
        .filter(pk=pk)
        .first()
    )
    if current is None:
        raise DrawError(f"找不到编号为 {pk} 的抽取")
    ensure_actor_agency(actor, current.item.plan.agency_id)
    _refuse_unless(current, Draw.Status.SEEDED, "执行抽取")
    document = compute_document(current)
    with transaction.atomic():
        draw = _lock_draw(pk)
        _refuse_unless(draw, Draw.Status.SEEDED, "执行抽取")
        if (draw.seed, draw.population_hash) != (current.seed, current.population_hash):
            raise DrawError("抽取在计算期间被改动，抽取中止")
        selected = [entry["id"] for entry in document["selection"]]
        entities = entities_by_public_id(selected)
        missing = [i for i in selected if i not in entities]
        if missing:
            raise DrawError(f"名录中找不到抽中的对象：{'、'.join(missing[:5])}")
        now = now or timezone.now()
        document["draw"] = _draw_section(draw, executed_at=now)
        document["entities"] = _entity_info(entities)
        DrawSelection.objects.bulk_create(
            DrawSelection(
                draw=draw,
                entity=entities[entry["id"]],
                kind=DrawSelection.Kind.DRAWN,
                public_id=entry["id"],
                name=entities[entry["id"]].name,
                credit_code=entities[entry["id"]].credit_code,
                public_name=DrawSelection.public_name_of(entities[entry["id"]]),
                stratum=entry["stratum"],
                rank=entry["rank"],
                ticket=entry["ticket"],
                position=position,
            )
            for position, entry in enumerate(document["selection"], start=1)
        )
        draw.status = Draw.Status.EXECUTED
        draw.executed_at = now
        draw.executed_by = actor_label(actor)
        draw.document_gz = compress_text(json.dumps(document, ensure_ascii=False))
        draw.save()
        refresh_drawn([draw.item_id])
        record_bins(draw)  # what the fairness statistics read, never the population again
        selection_json = json.dumps(document["selection"], ensure_ascii=False, sort_keys=True)
        record(
            actor=actor,
            action="draw.execute",
            obj=draw,
            details={
                "population_hash": draw.population_hash,
                "seed": draw.seed,
                "selected": len(selected),
                "selection_sha256": hashlib.sha256(selection_json.encode("utf-8")).hexdigest(),
                "first": document["selection"][:20],
            },
            at=now,
        )
        note_public_change(draw.item.plan.year, now=now)
    return draw


def compute_document(draw: Draw) -> dict[str, Any]:
    """The draw document recomputed from the frozen population and the recorded seed."""
    options = draw.options
    document = drawdoc.build_draw_document(
        item=draw_item(draw),
        strata=draw.population_strata(),
        ratio_percent=Decimal(draw.ratio_percent),
        stratum_ratio_percent={s: Decimal(v) for s, v in draw.stratum_ratio_percent.items()},
        witnesses=[Witness(w["name"], w["digits"]) for w in draw.witnesses],
        beacon=draw.beacon or None,
        options=DrawOptions(
            exclude_recently_inspected=options["exclude_recently_inspected"],
            exclusion_months=options["exclusion_months"],
            excluded_count=options["excluded_count"],
        ),
    )
    if (
        document["population"]["hash"] != draw.population_hash
        or document["allocation"]["sizes"] != draw.allocation
    ):
        raise DrawError("重新计算的名录哈希或抽取数与公布的不符，抽取中止")
    return document


def _draw_section(draw: Draw, *, executed_at: Any) -> dict[str, Any]:
    """Informative metadata (not part of the checks of format version 1)."""

    def stamp(moment: Any) -> str | None:
        return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None

    return {
        "id": draw.pk,
        "agency": draw.item.plan.agency.name,
        "round": draw.round_number,
        "population_date": draw.population_date.isoformat(),
        "prepared_at": stamp(draw.prepared_at),
        "seeded_at": stamp(draw.seeded_at),
        "executed_at": stamp(executed_at),
    }


# --- replace ---------------------------------------------------------------------------------


def replace_target(
    *,
    draw: Draw | int,
    entity: Entity,
    reason_code: str,
    out_of_scope_since: date,
    reason: str,
    actor: Actor,
) -> DrawReplacement:
    """Replace an out-of-scope target by the next ticket of its stratum (never a chosen one).

    Allowed only when the directory records the target as out of scope — deregistered, revoked,
    cancelled or moved out (its status says so), or no longer of the item's target type — since
    a date on or before the draw date. A target that went out of scope after the draw is
    inspected as drawn and its result recorded (注销, 被吊销, …) instead.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        draw = _lock_draw(draw)
        ensure_actor_agency(actor, draw.item.plan.agency_id)
        if draw.status != Draw.Status.EXECUTED:
            raise DrawError("只有执行完毕的抽取才能替补检查对象")
        entity = Entity.objects.get(pk=entity.pk)
        active = active_selections(draw)
        target = next((s for s in active if s.entity_id == entity.pk), None)
        if target is None:
            raise DrawError(f"“{entity.name}”不是本次抽取当前的检查对象，不能替换")
        if reason_code not in DrawReplacement.Reason.values:
            raise DrawError("请选择不在检查范围的情形（注销、吊销、撤销、迁出或不属于该类型）")
        code = DrawReplacement.Reason(reason_code)
        if not reason:
            raise DrawError("替换须写明原因")
        _check_reason(DrawReplacement, "reason", reason)
        if code in STATUS_REASONS:
            if entity.status != STATUS_REASONS[code]:
                raise DrawError(
                    f"名录记载“{entity.name}”的经营状态为“{entity.get_status_display()}”，"
                    f"不是“{code.label}”：请先在名录中更正，不能凭手工选择替换"
                )
        elif entity.target_types.filter(pk=draw.item.entity_type_id).exists():
            raise DrawError(
                f"名录记载“{entity.name}”仍属于“{draw.item.entity_type}”，不能以不属于该类型为由替换"
            )
        draw_date = timezone.localdate(draw.executed_at)
        if out_of_scope_since > draw_date:
            raise DrawError(
                f"该对象于抽取日期（{draw_date:%Y-%m-%d}）之后才不在检查范围内，"
                "应照常检查并如实录入检查结果，不能替换"
            )
        _check_out_of_scope_history(
            entity=entity,
            code=code,
            since=out_of_scope_since,
            draw_date=draw_date,
            target_type=draw.item.entity_type.name,
        )
        text = f"{code.label}（{out_of_scope_since:%Y-%m-%d}）：{reason}"
        document = export_draw_document(draw)
        try:
            updated = drawdoc.add_replacement(document, target.public_id, text)
        except ValueError as error:
            raise DrawError(str(error)) from error
        entry = updated["replacements"][-1]
        successor = Entity.objects.filter(public_id=entry["replacement_id"]).first()
        if successor is None:
            raise DrawError(f"名录中找不到替补对象 {entry['replacement_id']}")
        position = draw.selections.count() + 1
        replacement = DrawSelection(
            draw=draw,
            entity=successor,
            kind=DrawSelection.Kind.REPLACEMENT,
            public_id=entry["replacement_id"],
            name=successor.name,
            credit_code=successor.credit_code,
            public_name=DrawSelection.public_name_of(successor),
            stratum=entry["stratum"],
            rank=entry["rank"],
            ticket=entry["ticket"],
            position=position,
        )
        replacement.save()
        record_row = DrawReplacement(
            draw=draw,
            sequence=draw.replacements.count() + 1,
            original=target,
            replacement=replacement,
            reason_code=code,
            out_of_scope_since=out_of_scope_since,
            reason=reason,
            entity_status=entity.status,
            document_entry=entry,
            created_at=timezone.now(),
            created_by=actor_label(actor),
        )
        record_row.save()
        refresh_drawn([draw.item_id])
        record(
            actor=actor,
            action="draw.replace",
            obj=draw,
            details={"replacement": entry, "entity_status": entity.status},
        )
        note_public_change(draw.item.plan.year)
    return record_row


def _check_out_of_scope_history(
    *, entity: Entity, code: DrawReplacement.Reason, since: date, draw_date: date, target_type: str
) -> None:
    """The typed "out of scope since" date must agree with the directory's recorded history:
    at the end of that day, and still at the end of the draw day, the entity was recorded as
    out of scope for the stated reason. A date the history does not support is refused."""

    def out_of_scope(day: date) -> tuple[bool, str]:
        state = entity.state_on(day)
        if state is None:
            return False, "尚未录入名录"
        if code in STATUS_REASONS:
            status = EntityStatus(state["status"])
            return status == STATUS_REASONS[code], f"经营状态为“{status.label}”"
        if target_type in state["target_types"]:
            return False, f"仍属于“{target_type}”"
        return True, f"不属于“{target_type}”"

    for day, label in ((since, "所填发生日期"), (draw_date, "抽取日期")):
        ok, said = out_of_scope(day)
        if not ok:
            raise DrawError(
                f"名录变更记录显示“{entity.name}”在{label}（{day:%Y-%m-%d}）{said}，"
                f"与“{code.label}（{since:%Y-%m-%d}起）”不符：发生日期须是名录记载该情形之后的日期，"
                "不能凭手工填写的日期替换"
            )


def active_selections(draw: Draw) -> list[DrawSelection]:
    """The targets to inspect now: drawn ones, each replaced one swapped for its successor."""
    selections = list(draw.selections.select_related("entity").order_by("position"))
    replaced = set(draw.replacements.values_list("original_id", flat=True))
    return [s for s in selections if s.pk not in replaced]


# --- export ----------------------------------------------------------------------------------


def export_draw_document(draw: Draw) -> dict[str, Any]:
    """draw.json: the stored document plus the replacements made since, in order, their
    reasons as published (`DrawReplacement.public_reason`: the verifier only asks that each
    has one); every entity named as published (`DrawSelection.public_name`), also in documents
    stored before names were masked in them (`entities` is informative: no check of the
    verifier reads it)."""
    document = draw.document()
    if document is None:
        raise DrawError("抽取尚未执行，还没有抽取文档（draw.json）")
    replacements = list(draw.replacements.order_by("sequence"))
    document["replacements"] = [r.public_document_entry for r in replacements]
    entities = document.setdefault("entities", {})
    for selection in draw.selections.order_by("position"):
        entities[selection.public_id] = {
            "name": selection.public_name,
            "credit_code": selection.credit_code,
        }
    document["entities"] = dict(sorted(entities.items()))
    return document


# --- corrections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemaskedNames:
    """What `remask_public_names` did: selections and draws read, and per draw (by id, in
    order) how many public names it masked again. Counts only: never a name."""

    selections: int
    draws: int
    changed: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.changed.values())


def remask_public_names(*, actor: Actor, now: datetime | None = None) -> RemaskedNames:
    """Mask again, under the masking rules as they are now, the public name of every target of
    every executed draw (what the bulletin, draw.json, the kit, the API and the open data show):
    a draw executed under earlier rules kept names those rules did not mask (a sole trader known
    by an old 注册号, an entity without any code). A public name only gains masks, with every
    operator name the directory has recorded for the entity; the names as drawn, the stored
    documents and everything the verifier checks stay as they are. Idempotent: a second run
    changes nothing. One audit entry with the counts per draw (never a name); the portal's
    pages and the affected years' open data are rebuilt."""
    now = now or timezone.now()
    with transaction.atomic():
        executed = Draw.objects.filter(status=Draw.Status.EXECUTED)
        rows = list(
            DrawSelection.objects.filter(draw__in=executed)
            .order_by("draw_id", "position")
            .only("pk", "draw_id", "entity_id", "name", "credit_code", "public_name")
        )
        operators = known_operators(row.entity_id for row in rows)
        names: dict[int, str] = {}
        changed: dict[int, int] = defaultdict(int)
        for row in rows:
            public_name = row.remasked_public_name(operators.get(row.entity_id, ()))
            if public_name != row.public_name:
                names[row.pk] = public_name
                changed[row.draw_id] += 1
        draws = {row.draw_id for row in rows}
        if names:
            locked = Draw.objects.select_for_update(of=("self",)).filter(pk__in=sorted(changed))
            years = set(locked.values_list("item__plan__year", flat=True))
            DrawSelection.objects.set_public_names(names)
            note_public_change(*years, now=now)
        report = RemaskedNames(selections=len(rows), draws=len(draws), changed=dict(changed))
        record(
            actor=actor,
            action="draw.remask_public_names",
            details={
                "selections": report.selections,
                "draws": report.draws,
                "changed": {str(pk): n for pk, n in report.changed.items()},
            },
            at=now,
        )
    return report


def draw_document_bytes(draw: Draw) -> bytes:
    document = export_draw_document(draw)
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def population_preview(item: PlanItem, on: date | None = None) -> dict[str, Any]:
    """Counts for the prepare form: the pool per stratum and how many the exclusion removes."""
    on = on or timezone.localdate()
    months = settings.SPOTCHECK_RECENT_INSPECTION_MONTHS
    counts: dict[str, int] = {}
    for row in pool_queryset(item).values("risk_level").annotate(n=Count("pk")).order_by():
        key = stratum_of(row["risk_level"])
        counts[key] = counts.get(key, 0) + row["n"]
    return {
        "counts": [(STRATUM_NAMES[s], counts[s]) for s in STRATA if s in counts],
        "total": sum(counts.values()),
        "recent": len(recently_inspected(item, on, months)),
        "months": months,
        "since": months_before(on, months) + timedelta(days=1),
        "on": on,
    }


# --- rounds: one ceremony for all the ratio items of a round ----------------------------------
#
# The round is the unit of the ceremony: every ratio item's population is frozen and published at
# once (prepare_round), one dice ceremony gives every prepared draw of the round the same seed
# (seed_round), and every seeded draw is executed at once (execute_round). Items on the same
# population (items 8-11 of the 2022 plan) then select the same entities and become one visit,
# and the round's teams, matched from that one seed, can be verified inside every draw.json.
# A draw prepared after the round's ceremony needs a ceremony of its own (a seed is only ever
# chosen after the population it draws from is published), so the round then has several seeds.


def round_items(plan: Plan, round: int) -> list[PlanItem]:  # noqa: A002
    """The ratio-based items of the plan that are drawn in this round (in plan order)."""
    items = (
        plan.items.filter(event_driven=False, ratio_percent__isnull=False)
        .select_related("plan", "plan__agency", "entity_type")
        .order_by("position", "pk")
    )
    items = [i for i in items if not i.times_per_year or round <= i.times_per_year]
    # An item withdrawn by a revision of the plan (计划调整) takes no new draw; a draw it
    # already has in this round stays in the round.
    return [i for i in items if i.withdrawn_on is None or _has_live_draw(i, round)]


def round_draws(plan: Plan, round: int) -> list[Draw]:  # noqa: A002
    """The live (not cancelled) draws of the plan's round, in plan order."""
    return list(
        Draw.objects.filter(item__plan=plan, round_number=round)
        .exclude(status=Draw.Status.CANCELLED)
        .select_related("item", "item__plan", "item__plan__agency", "item__entity_type")
        .order_by("item__position", "item__pk")
    )


def open_rounds(item: PlanItem) -> list[int]:
    """The rounds an item can still be prepared in: up to its times per year (or one past its
    last round when the plan sets none), without a live draw."""
    live = set(
        Draw.objects.filter(item=item)
        .exclude(status=Draw.Status.CANCELLED)
        .values_list("round_number", flat=True)
    )
    last = item.times_per_year or (max(live, default=0) + 1)
    return [n for n in range(1, last + 1) if n not in live]


def default_population_date(year: int, today: date | None = None) -> date:
    """A base date inside the plan's year: today when today is in it, else its nearest day."""
    today = today or timezone.localdate()
    return min(max(today, date(year, 1, 1)), date(year, 12, 31))


def population_date_warning(year: int, on: date) -> str:
    """A warning when the base date is outside the plan's year (not refused: it is published)."""
    if on.year == year:
        return ""
    return (
        f"基准日期 {on:%Y-%m-%d} 不在计划年度（{year}年）内：近期检查的排除期将由这一天往前计算，"
        "请确认没有填错年份"
    )


@dataclass
class ItemPreview:
    """What preparing one item would freeze now (nothing is frozen by a preview)."""

    item: PlanItem
    draw: Draw | None = None
    problem: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    excluded: int = 0
    sizes: dict[str, int] = field(default_factory=dict)
    ratios: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def population(self) -> int:
        return sum(self.counts.values())

    @property
    def total(self) -> int:
        return sum(self.sizes.values())

    @property
    def estimate(self) -> int | None:
        return self.item.estimated_targets

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "name": STRATUM_NAMES[s],
                "population": self.counts[s],
                "ratio": self.ratios.get(s, ""),
                "size": self.sizes.get(s, 0),
                "estimate": self.item.estimated_risk.get(s),
            }
            for s in STRATA
            if s in self.counts
        ]


def _pool_counts(item: PlanItem, excluded_pks: set[int]) -> tuple[dict[str, int], int]:
    counts: dict[str, int] = {}
    rows = pool_queryset(item).values("risk_level").annotate(n=Count("pk")).order_by()
    for row in rows:
        key = stratum_of(row["risk_level"])
        counts[key] = counts.get(key, 0) + row["n"]
    excluded = 0
    pks = sorted(excluded_pks)
    for start in range(0, len(pks), 2_000):
        chunk = pks[start : start + 2_000]
        for risk_level in Entity.objects.filter(pk__in=chunk).values_list("risk_level", flat=True):
            key = stratum_of(risk_level)
            counts[key] -= 1
            excluded += 1
    return {s: counts[s] for s in STRATA if counts.get(s)}, excluded


def preview_round(
    *,
    plan: Plan,
    round: int,  # noqa: A002
    on: date,
    exclude_recently_inspected: bool = False,
    risk_policy: Mapping[str, Any] | None = None,
) -> list[ItemPreview]:
    """Per item of the round: its pool, allocation and the plan's estimate as preparing it now
    would freeze them, or the draw already prepared. Reads only; nothing is frozen."""
    policy = parse_risk_policy(risk_policy)
    months = settings.SPOTCHECK_RECENT_INSPECTION_MONTHS
    live = {d.item_id: d for d in round_draws(plan, round)}
    previews = []
    for item in round_items(plan, round):
        preview = ItemPreview(item=item, draw=live.get(item.pk))
        previews.append(preview)
        if preview.draw is not None:
            continue
        try:
            check_item_drawable(item)
            floor = _ratio(item.ratio_percent)
            for stratum, value in policy.items():
                if value < floor:
                    raise DrawError(
                        f"{STRATUM_NAMES[stratum]}风险分层的比例{ratio_text(value)}%低于"
                        f"事项的最低比例{ratio_text(floor)}%，该事项按最低比例抽取时不能使用此设置"
                    )
        except DrawError as error:
            preview.problem = str(error)
            continue
        excluded = recently_inspected(item, on, months) if exclude_recently_inspected else set()
        preview.counts, preview.excluded = _pool_counts(item, excluded)
        if not preview.counts:
            preview.problem = (
                f"名录中没有可抽取的对象（{plan.agency.name}、{item.entity_type.name}、在营）"
            )
            continue
        preview.sizes = drawdoc.allocate(preview.counts, floor, policy)
        preview.ratios = {
            s: ratio_text(v)
            for s, v in drawdoc.effective_ratios(preview.counts, floor, policy).items()
        }
        preview.warnings = allocation_warnings(item, preview.counts, preview.sizes)
    return previews


def prepare_round(
    *,
    plan: Plan,
    round: int,  # noqa: A002
    actor: Actor,
    on: date | None = None,
    exclude_recently_inspected: bool = False,
    risk_policy: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> list[Draw]:
    """Freeze and publish the population of every item of the round not yet prepared, all at
    once (at `now`, default the current time): every one is prepared, or none is (a refusal
    names the item)."""
    now = now or timezone.now()
    on = on or default_population_date(plan.year)
    items = [i for i in round_items(plan, round) if not _has_live_draw(i, round)]
    if not items:
        raise DrawError(f"第{round}轮没有待公布名录的按比例抽查事项")
    ensure_actor_agency(actor, plan.agency_id)
    warning = population_date_warning(plan.year, on)
    prepared = []
    with transaction.atomic():
        for item in items:
            try:
                draw = prepare_draw(
                    item=item,
                    round=round,
                    actor=actor,
                    exclude_recently_inspected=exclude_recently_inspected,
                    risk_policy=risk_policy,
                    on=on,
                    progress=progress,
                    now=now,
                )
            except DrawError as error:
                raise type(error)(f"事项{item.number}（{item.name}）：{error}") from error
            prepared.append(draw)
        record(
            actor=actor,
            action="draw.prepare_round",
            obj=plan,
            details={
                "round": round,
                "population_date": on.isoformat(),
                "draws": [d.pk for d in prepared],
                "population_hashes": {str(d.item.number): d.population_hash for d in prepared},
                "warning": warning,
            },
            at=now,
        )
    return prepared


def _has_live_draw(item: PlanItem, round: int) -> bool:  # noqa: A002
    return (
        Draw.objects.filter(item=item, round_number=round)
        .exclude(status=Draw.Status.CANCELLED)
        .exists()
    )


def round_seeds(plan: Plan, round: int) -> list[str]:  # noqa: A002
    """The distinct seeds already recorded in the round (seeded or executed draws)."""
    seeds = [d.seed for d in round_draws(plan, round) if d.seed]
    return list(dict.fromkeys(seeds))


def seed_round(
    *,
    plan: Plan,
    round: int,  # noqa: A002
    witnesses: Sequence[tuple[str, str]],
    beacon: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> list[Draw]:
    """One dice ceremony for every prepared draw of the round (at `now`, default the current
    time): all get the same seed, or none."""
    now = now or timezone.now()
    ensure_actor_agency(actor, plan.agency_id)
    with transaction.atomic():
        waiting = [d for d in round_draws(plan, round) if d.status == Draw.Status.PREPARED]
        if not waiting:
            raise DrawError(f"第{round}轮没有已公布名录、待掷骰的抽取：请先冻结并公布名录")
        earlier = round_seeds(plan, round)
        seeded = seed_draws(draws=waiting, witnesses=witnesses, beacon=beacon, actor=actor, now=now)
        record(
            actor=actor,
            action="draw.seed_round",
            obj=plan,
            details={
                "round": round,
                "seed": seeded[0].seed,
                "draws": [d.pk for d in seeded],
                "earlier_seeds": earlier,
            },
            at=now,
        )
    return seeded


def execute_round(
    *,
    plan: Plan,
    round: int,  # noqa: A002
    actor: Actor,
    now: datetime | None = None,
) -> list[Draw]:
    """Execute every seeded draw of the round at once (at `now`, default the current time): all
    are locked, or none is."""
    now = now or timezone.now()
    ensure_actor_agency(actor, plan.agency_id)
    with transaction.atomic():
        waiting = [d for d in round_draws(plan, round) if d.status == Draw.Status.SEEDED]
        if not waiting:
            raise DrawError(f"第{round}轮没有已录入种子、待执行的抽取")
        executed = [execute_draw(draw=d, actor=actor, now=now) for d in waiting]
        record(
            actor=actor,
            action="draw.execute_round",
            obj=plan,
            details={
                "round": round,
                "draws": {str(d.item.number): d.pk for d in executed},
                "selected": {str(d.item.number): d.total_allocation for d in executed},
            },
            at=now,
        )
    return executed
