"""Play the demo plan's year to the end through the real, audited actions (issue 10, "Done when").

After `spotcheck setup-demo`: round 1 drawn at one ceremony (drawn here when setup-demo skipped
it), an event registered and its team matched for every event-driven item, notices, results
recorded per checkpoint with the seeded variety of `spotcheck.lib.demoyear`, one returned and
resubmitted, all approved and published in dated batches, then the follow-ups of the year
(re-checks of 责令改正, measures closed, each an amendment reviewed and published again), and one
published record withdrawn for a data-entry error (its 检查日期) and republished corrected.
Every step is taken at its moment of the year and in time order (`Year`), so the audit log
reads as the year went. The whole year is one transaction: it is played completely or not at
all. Played again, it says so and prints the summary (idempotent); a plan that already has
results or events not left by the demo is refused.
"""

from __future__ import annotations

import heapq
import itertools
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from tqdm import tqdm

from spotcheck.audit.models import AuditEntry, record
from spotcheck.draws import actions as draws
from spotcheck.draws.models import Draw, DrawError
from spotcheck.inspections.actions import (
    InspectionError,
    build_visits,
    issue_notice,
    match_event_team,
    match_teams_for_round,
    record_delivery,
    register_event,
)
from spotcheck.inspections.actions.common import round_locked
from spotcheck.inspections.models import Event, TeamMatching, Visit, VisitItem
from spotcheck.lib import demo, demoyear
from spotcheck.lib.results import ReviewState
from spotcheck.lib.results import category as result_category
from spotcheck.lib.workdays import add_workdays
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.public.actions import publish_results, withdraw_published
from spotcheck.public.models import PublishedResult
from spotcheck.public.selectors import live_results
from spotcheck.registry.models import Entity
from spotcheck.results import actions as results
from spotcheck.results.models import ItemResult, Measure, Result

ACTOR = "demo-year"
PLAYED = "demo.play_year"  # the audit entry that says the year was played
PLAN_YEAR = 2022
# The published record the year withdraws and corrects: its 检查日期 was entered as the day the
# notice was delivered (a slip the unit notices a few working days after publication).
MISDATED_REASON = "录入错误：检查日期误录为检查通知送达日期，已更正后重新公示"
MISDATED_AMENDMENT = "更正检查日期（误录为检查通知送达日期）"
MISDATED_NOTICED_WORKDAYS = 3
# The event registered for each event-driven item of the 2022 plan: (organiser's target type in
# the directory, place, month, day, scale).
EVENTS: dict[str, tuple[str, str, int, int, str]] = {
    "5": (demo.EVENTS, "沂源县体育中心", 6, 18, "约5000人，沂源县第五届全民健身运动会开幕式"),
    "6": (demo.FIREWORKS, "沂源县螳螂河畔", 10, 1, "国庆焰火燃放活动，约2万人观看"),
    "7": (demo.NOISE, "沂源县历山街道城区道路施工现场", 8, 9, "夜间道路破碎施工，持续3晚"),
    "12": (demo.INTERNET, "沂源县城区", 9, 20, "重大活动期间网络安全保卫任务"),
}


def aware(moment: datetime) -> datetime:
    """The played year's steps happen on their own days: each action is given (`now=`) the
    local `moment` the year's timeline gives (lib.demoyear.timeline), not the day the demo is
    run; it stamps its rows and audit entries with it."""
    return timezone.make_aware(moment)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


@dataclass(frozen=True)
class PlannedEvent:
    """An event the year registers: decided before the year is played, registered on its day."""

    item: PlanItem
    organiser: Entity | None
    place: str
    held_on: date
    scale: str
    registered_at: datetime  # local
    witnesses: list[tuple[str, str]]
    facts: demoyear.VisitFacts

    @property
    def key(self) -> str:
        return self.facts.key


class Year:
    """The played year's steps in time order. Each sequence of steps (one visit's, one event's,
    one publication batch's, one follow-up's) is a generator that yields the moment of its next
    step and takes that step when resumed; the earliest next step of all is taken first (at
    the same moment, the sequence started first), so every action, and so every audit entry,
    comes after the one before it in time."""

    def __init__(self) -> None:
        self.queue: list[tuple[datetime, int, Iterator[datetime]]] = []
        self.started = itertools.count()
        self.sequences = 0

    def __len__(self) -> int:
        return self.sequences

    def add(self, steps: Iterator[datetime]) -> None:
        moment = next(steps, None)
        self.sequences += 1
        if moment is not None:
            heapq.heappush(self.queue, (moment, next(self.started), steps))

    def play(self, progress: tqdm) -> None:
        last: datetime | None = None
        while self.queue:
            moment, order, steps = heapq.heappop(self.queue)
            if last is not None and moment < last:
                raise ValueError(f"演示步骤的时间倒流：{moment} 早于 {last}")
            last = moment
            following = next(steps, None)  # takes the step due at `moment`
            if following is None:
                progress.total = self.sequences
                progress.update(1)
            else:
                heapq.heappush(self.queue, (following, order, steps))


class Command(BaseCommand):
    help = (
        "演示一年：在演示计划上用真实的业务操作走完2022年度（抽取、活动、检查、结果、审核、公示）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2022, help="决定检查情况的随机种子")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="网站地址，用于结尾提示公示网站在哪里（默认 make run 的地址）",
        )

    def handle(self, *args, seed: int, no_progress: bool, url: str, **options):
        self.base_url = url.rstrip("/")
        plan = Plan.objects.filter(agency__name=demo.POLICE_AGENCY, year=PLAN_YEAR).first()
        if plan is None:
            raise CommandError(
                f"没有{demo.POLICE_AGENCY}{PLAN_YEAR}年度的演示计划：请先运行 spotcheck setup-demo"
            )
        done = AuditEntry.objects.filter(action=PLAYED, object_id=str(plan.pk)).first()
        if done is not None:
            self.say(
                f"{plan.year}年度已于{timezone.localtime(done.created_at):%Y-%m-%d %H:%M}演示"
                f"（种子{done.details.get('seed')}），不再重复"
            )
            self.report(plan, done.details)
            return
        recorded = Result.objects.filter(visit__plan=plan).count()
        events = Event.objects.filter(item__plan=plan).count()
        if recorded or events:
            raise CommandError(
                f"{plan.year}年度已有{recorded}条检查结果、{events}项登记的活动，不是演示留下的："
                "演示一年只能在刚准备好的演示数据上进行。请使用新的数据库：spotcheck migrate、"
                "spotcheck setup-demo、spotcheck demo-year"
            )
        self.rng = random.Random(seed)
        self.seed = seed
        self.show_progress = not no_progress
        try:
            with transaction.atomic():
                summary = self.play(plan, seed)
                record(actor=ACTOR, action=PLAYED, obj=plan, details={"seed": seed, **summary})
        except (DrawError, InspectionError, ValueError) as exc:
            raise CommandError(f"演示中止，未写入任何数据：{exc}") from exc
        self.report(plan, summary)

    # --- helpers ---------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.stdout.write(text)

    def bar(self, total: int, desc: str) -> tqdm:
        return tqdm(
            total=total,
            desc=desc,
            unit="个",
            file=sys.stderr,
            disable=None if self.show_progress else True,
            dynamic_ncols=True,
        )

    def dice(self) -> list[tuple[str, str]]:
        digits = "0123456789"
        return [
            (name, "".join(self.rng.choice(digits) for _ in range(12)))
            for name in ("王见证", "赵监督")
        ]

    # --- the year --------------------------------------------------------------------------

    def play(self, plan: Plan, seed: int) -> dict[str, int]:
        """Round 1 drawn (if setup-demo did not), then every step of the year taken in time
        order (`Year`): events registered on their days, each visit's notice, result, review
        and approval, the publication batches, the follow-ups and their republication, so that
        the audit log reads as the year went."""
        self.draw_round(plan)
        events = self.planned_events(plan)
        visits = list(
            Visit.objects.filter(plan=plan, recheck_of__isnull=True, event__isnull=True)
            .select_related("plan")
            .prefetch_related("visit_items__item")
        )
        visits.sort(key=self.play_order)
        facts = [self.facts(visit) for visit in visits] + [e.facts for e in events]
        planned = demoyear.plan_year(
            facts,
            seed=seed,
            year=plan.year,
            publish_workdays=settings.SPOTCHECK_PUBLISH_RESULTS_WORKDAYS,
            earliest=date(plan.year, 3, 15),
        )
        self.visits: dict[str, Visit] = {v.visit_key: v for v in visits}
        self.recorded: dict[str, Result] = {}
        self.republish: dict[date, list[Result]] = {}
        self.rechecks = 0
        self.year = year = Year()  # follow-ups add their republication batches as they go
        for event in events:
            year.add(self.event_steps(event))
        not_before = {e.key: e.registered_at for e in events}
        for entry in sorted(planned, key=lambda p: (p.inspected_on, p.key)):
            matched = max(self.round_matched_at(plan), not_before.get(entry.key, datetime.min))
            year.add(self.visit_steps(entry, matched))
        batches: dict[date, list[str]] = defaultdict(list)
        for entry in planned:
            assert entry.published_on is not None
            batches[entry.published_on].append(entry.key)
        for day in sorted(batches):
            year.add(self.publication_steps(day, batches[day]))
        follow_ups = self.follow_ups(planned)
        for step in follow_ups:
            year.add(self.follow_up_steps(*step))
        self.misdated = self.misdated_visit(plan, planned)
        if self.misdated is not None:
            year.add(self.correction_steps(*self.misdated))
        with self.bar(len(year), "演示全年（按时间先后）") as bar:
            year.play(progress=bar)
        self.say(f"已登记{len(events)}项活动（按实际执行的事项），并在掷骰仪式上匹配检查组")
        self.say(f"已录入、审核并公示{len(planned)}个检查任务的结果（{len(batches)}批）")
        self.say(f"后续处置：{self.rechecks}次复查，{len(follow_ups) - self.rechecks}项措施办结")
        if self.misdated is not None:
            self.say("撤回1条公示（检查日期录入错误），更正后重新公示")
        return {"events": len(events), "batches": len(batches) + len(self.republish)}

    def draw_round(self, plan: Plan) -> None:
        """Round 1 of every ratio item at one ceremony (unless setup-demo drew it)."""
        times = demoyear.round_one(plan.year)
        if not Draw.objects.filter(item__plan=plan, round_number=1).exists():
            draws.prepare_round(
                plan=plan, round=1, actor=ACTOR, on=times.day, now=aware(times.prepared_at)
            )
            draws.seed_round(
                plan=plan,
                round=1,
                witnesses=self.dice(),
                actor=ACTOR,
                now=aware(times.seeded_at),
            )
            executed = draws.execute_round(
                plan=plan, round=1, actor=ACTOR, now=aware(times.executed_at)
            )
            self.say(f"第1轮：{len(executed)}个事项在同一仪式上抽取")
        if not round_locked(plan, 1):
            matched_at = aware(self.round_matched_at(plan))
            build_visits(plan=plan, round=1, actor=ACTOR, now=matched_at)
            match_teams_for_round(plan=plan, round=1, actor=ACTOR, now=matched_at)
            self.say("第1轮：已生成检查任务并匹配检查组")

    def round_matched_at(self, plan: Plan) -> datetime:
        """When round 1's teams are taken to be matched: the afternoon of its draw."""
        return demoyear.round_one(plan.year).matched_at

    def planned_events(self, plan: Plan) -> list[PlannedEvent]:
        """The event of each event-driven item, decided (organiser, dice) in the items' order
        before the year is played; registered on its day by `event_steps`."""
        events = []
        items = plan.items.filter(event_driven=True, withdrawn_on__isnull=True).order_by("position")
        for item in items:
            key = str(item.number)
            target_type, place, month, day, scale = EVENTS.get(
                key, (demo.EVENTS, "沂源县城区", 6, 15, "约1000人")
            )
            organisers = list(
                Entity.objects.filter(agency=plan.agency, target_types__name=target_type)
                .order_by("pk")
                .distinct()[:50]
            )
            organiser = self.rng.choice(organisers) if organisers else None
            held_on = date(plan.year, month, day)
            registered = max(
                add_workdays(held_on, -10), add_workdays(date(plan.year, 3, 1), 1)
            )  # reported some two weeks ahead
            # The visit the registration makes is known by the event's key only once it is
            # made: the year is planned under this one (items and day are the visit's).
            planned_key = f"event:{item.position}:{held_on.isoformat()}"
            checkpoints = len(results.checkpoint_texts(VisitItem(item=item)))
            events.append(
                PlannedEvent(
                    item=item,
                    organiser=organiser,
                    place=place,
                    held_on=held_on,
                    scale=scale,
                    registered_at=at(registered, 10),
                    witnesses=self.dice(),
                    facts=demoyear.VisitFacts(
                        planned_key,
                        ((item.key, checkpoints),),
                        held_on,
                        held_on,
                        event=True,
                    ),
                )
            )
        return events

    def event_steps(self, planned: PlannedEvent) -> Iterator[datetime]:
        """The event registered and its team matched at a ceremony right after."""
        registered_at = aware(planned.registered_at)
        yield registered_at
        organiser = planned.organiser
        event = register_event(
            item=planned.item,
            organiser=organiser.name if organiser else f"{demo.COUNTY_NAME}活动主办单位",
            organiser_entity=organiser,
            place=planned.place,
            date=planned.held_on,
            scale=planned.scale,
            actor=ACTOR,
            now=registered_at,
        )
        match_event_team(
            event=event, witnesses=planned.witnesses, beacon=None, actor=ACTOR, now=registered_at
        )
        self.visits[planned.key] = (
            Visit.objects.select_related("plan", "event")
            .prefetch_related("visit_items__item")
            .get(event=event)
        )

    @staticmethod
    def play_order(visit: Visit) -> str:
        """The order the seeded year deals its scenarios to round 1's visits (the events' come
        after them, in their items' order)."""
        return visit.visit_key

    def facts(self, visit: Visit) -> demoyear.VisitFacts:
        items = tuple(
            (results.item_key(vi), len(results.checkpoint_texts(vi)))
            for vi in sorted(visit.visit_items.all(), key=lambda vi: vi.item.position)
        )
        if visit.event is not None:
            day = visit.event.date
            return demoyear.VisitFacts(visit.visit_key, items, day, day, event=True)
        if visit.scheduled_start and visit.scheduled_end:  # the unit scheduled it: on those days
            return demoyear.VisitFacts(
                visit.visit_key, items, visit.scheduled_start, visit.scheduled_end
            )
        return demoyear.VisitFacts(visit.visit_key, items, visit.planned_start, visit.planned_end)

    def content(
        self,
        visit: Visit,
        entry: demoyear.PlannedVisit,
        note: str = "",
        inspected_on: date | None = None,
    ) -> results.ResultInput:
        present = tuple(m.pk for m in visit.current_members().order_by("pk")[:2])
        items: tuple[results.ItemInput, ...] = ()
        if not entry.ending:
            planned = entry.findings or {}
            items = tuple(
                results.ItemInput(
                    visit_item_id=vi.pk,
                    findings=tuple(
                        results.FindingInput(
                            number=f.number,
                            finding=f.finding.value,
                            reason=f.reason,
                            problem=f.problem,
                            note=note if f.number == 1 and note else f.note,
                        )
                        for f in planned[results.item_key(vi)]
                    ),
                )
                for vi in visit.visit_items.select_related("item")
            )
        return results.ResultInput(
            way=entry.way,
            inspected_on=inspected_on or entry.inspected_on,
            present=present,
            representative="" if entry.ending else "单位负责人",
            ending=entry.ending,
            items=items,
        )

    def visit_steps(self, entry: demoyear.PlannedVisit, matched: datetime) -> Iterator[datetime]:
        """Notice, result per checkpoint, measures, submit, (return and resubmit,) approve,
        each at its moment of the visit's timeline (never before its team was matched)."""
        times = demoyear.timeline(entry, seed=self.seed, not_before=matched)
        yield aware(times.notice_at)
        visit = self.visits[entry.key]
        notice = issue_notice(visit=visit, actor=ACTOR, now=aware(times.notice_at))
        delivered_at = aware(times.delivered_at or times.notice_at)
        yield delivered_at
        record_delivery(
            notice=notice,
            method="in_person" if entry.announced else "unannounced",
            delivered_at=delivered_at if entry.announced else None,
            actor=ACTOR,
            now=delivered_at,
        )
        yield aware(times.submitted_at)
        result = self.recorded_and_submitted(visit, entry, aware(times.submitted_at))
        if entry.return_opinion:
            assert times.returned_at is not None and times.resubmitted_at is not None
            yield aware(times.returned_at)
            results.return_result(
                result=result,
                opinion=entry.return_opinion,
                actor=ACTOR,
                now=aware(times.returned_at),
            )
            result.refresh_from_db()
            resubmitted_at = aware(times.resubmitted_at)
            yield resubmitted_at
            result = results.save_draft(
                visit=visit,
                content=self.content(visit, entry, note=demoyear.RETURN_NOTE),
                revision=result.revision,
                actor=ACTOR,
                now=resubmitted_at,
            )
            results.submit_result(result=result, actor=ACTOR, now=resubmitted_at)
        yield aware(times.approved_at)
        self.recorded[entry.key] = results.approve_result(
            result=result, actor=ACTOR, now=aware(times.approved_at)
        )

    def recorded_and_submitted(
        self, visit: Visit, entry: demoyear.PlannedVisit, now: datetime
    ) -> Result:
        misrecorded_on = None  # the misdated visit's slip, corrected after publication
        if self.misdated is not None and self.misdated[0].key == entry.key:
            misrecorded_on = self.misdated[1]
        content = self.content(visit, entry, inspected_on=misrecorded_on)
        result = results.save_draft(visit=visit, content=content, revision=0, actor=ACTOR, now=now)
        by_key = {}
        if entry.measures:
            by_key = {
                results.item_key(ir.visit_item): ir
                for ir in result.items.select_related("visit_item__item")
            }
        for planned in entry.measures:
            item_result = by_key[planned.item]
            taken = planned.opened
            results.add_measure(
                item_result=item_result,
                kind=taken.kind.value,
                opened_on=taken.opened_on,
                deadline=taken.deadline,
                case_number=taken.case_number,
                agency=taken.agency,
                text=taken.text,
                actor=ACTOR,
                now=now,
            )
        result.refresh_from_db()
        results.submit_result(result=result, actor=ACTOR, now=now)
        result.refresh_from_db()
        return result

    def publication_steps(self, day: date, keys: list[str]) -> Iterator[datetime]:
        """A batch of first publications, mid-morning of its day (after the approvals)."""
        yield aware(datetime.combine(day, demoyear.PUBLISH_TIME))
        self.publish(day, [self.recorded[key] for key in keys])

    def publish(self, day: date, batch: list[Result]) -> None:
        publish_results(
            results=batch,
            actor=ACTOR,
            today=day,
            now=aware(datetime.combine(day, demoyear.PUBLISH_TIME)),
        )

    @staticmethod
    def follow_ups(
        planned: list[demoyear.PlannedVisit],
    ) -> list[tuple[date, str, demoyear.PlannedVisit, demoyear.PlannedMeasure]]:
        """Re-checks and measures closed during the year, in date order."""
        steps: list[tuple[date, str, demoyear.PlannedVisit, demoyear.PlannedMeasure]] = []
        for entry in planned:
            for measure in entry.measures:
                if measure.recheck_on is not None:
                    steps.append((measure.recheck_on, "recheck", entry, measure))
                if measure.measure.closed_on is not None:
                    steps.append((measure.measure.closed_on, "close", entry, measure))
        return sorted(steps, key=lambda s: (s[0], s[2].key))

    def follow_up_steps(
        self,
        day: date,
        kind: str,
        entry: demoyear.PlannedVisit,
        planned_measure: demoyear.PlannedMeasure,
    ) -> Iterator[datetime]:
        """A re-check or a measure closed on `day`: each changes an approved result (an
        amendment), which is approved and published again. It is entered once the result was
        first published (the afternoon of `day`, or of the publication day when that is later:
        the unit records the follow-up of a published result)."""
        assert entry.published_on is not None
        entered_on = max(day, entry.published_on)
        yield aware(at(entered_on, 15))
        original = self.recorded[entry.key]
        measure = Measure.objects.get(
            item_result__result=original, kind=planned_measure.measure.kind.value
        )
        if kind == "recheck":
            visit = measure.recheck_visit
            if visit is None or visit.status != Visit.Status.MATCHED:
                return  # no team could be matched: the measure stays open
            yield aware(at(entered_on, 16))
            recheck = self.recheck(visit, day, aware(at(entered_on, 16)))
            yield aware(at(entered_on, 17))
            recheck = results.approve_result(
                result=recheck, actor=ACTOR, now=aware(at(entered_on, 17))
            )
            self.to_republish(self.republished_on(entry, entered_on), recheck)
            self.rechecks += 1
        else:
            results.close_measure(
                measure=measure,
                closed_on=day,
                closing_text=planned_measure.measure.closing_text,
                amend_reason=f"后续处置办结：{planned_measure.measure.closing_text}",
                actor=ACTOR,
                now=aware(at(entered_on, 15)),
            )
        original.refresh_from_db()
        if original.state == ReviewState.PENDING:
            yield aware(at(entered_on, 17))
            results.approve_result(result=original, actor=ACTOR, now=aware(at(entered_on, 17)))
            self.to_republish(self.republished_on(entry, entered_on), original)

    def misdated_visit(
        self, plan: Plan, planned: list[demoyear.PlannedVisit]
    ) -> tuple[demoyear.PlannedVisit, date] | None:
        """The visit whose 检查日期 is first entered as its notice's delivery day: the first (by
        key) clean, announced round-1 visit delivered on an earlier day, published on time
        under the wrong date too (its record is never shown 逾期 for the slip)."""
        workdays = settings.SPOTCHECK_PUBLISH_RESULTS_WORKDAYS
        for entry in sorted(planned, key=lambda p: p.key):
            if (
                entry.scenario is not demoyear.Scenario.CLEAN
                or not entry.announced
                or entry.overdue
                or entry.published_on is None
                or entry.key not in self.visits  # an event's visit is registered later
            ):
                continue
            times = demoyear.timeline(entry, seed=self.seed, not_before=self.round_matched_at(plan))
            if times.delivered_at is None:
                continue
            delivered_on = times.delivered_at.date()
            if delivered_on < entry.inspected_on and entry.published_on <= add_workdays(
                delivered_on, workdays
            ):
                return entry, delivered_on
        return None

    def correction_steps(
        self, entry: demoyear.PlannedVisit, misrecorded_on: date
    ) -> Iterator[datetime]:
        """The misdated record withdrawn a few working days after its publication (through the
        audited withdrawal, with its reason), the result amended with the right date, approved
        and published again the same morning."""
        assert entry.published_on is not None
        day = add_workdays(entry.published_on, MISDATED_NOTICED_WORKDAYS)
        withdrawn_at = aware(at(day, 9))
        yield withdrawn_at
        original = self.recorded[entry.key]
        published = PublishedResult.objects.get(result=original, superseded_at__isnull=True)
        withdraw_published(
            published=published, reason=MISDATED_REASON, actor=ACTOR, now=withdrawn_at
        )
        amended_at = aware(at(day, 9, 30))
        yield amended_at
        original.refresh_from_db()
        amended = results.amend_result(
            result=original,
            reason=MISDATED_AMENDMENT,
            content=self.content(self.visits[entry.key], entry),
            actor=ACTOR,
            now=amended_at,
        )
        yield aware(at(day, 10))
        approved = results.approve_result(result=amended, actor=ACTOR, now=aware(at(day, 10)))
        self.recorded[entry.key] = approved
        self.to_republish(day, approved)

    def to_republish(self, day: date, result: Result) -> None:
        """Add `result` to the republication batch of `day` (started when first needed)."""
        if day not in self.republish:
            self.republish[day] = []
            self.year.add(self.republication_steps(day))
        self.republish[day].append(result)

    def republication_steps(self, day: date) -> Iterator[datetime]:
        yield aware(datetime.combine(day, demoyear.PUBLISH_TIME))
        self.publish(day, self.republish[day])

    @staticmethod
    def republished_on(entry: demoyear.PlannedVisit, day: date) -> date:
        """A follow-up's result is published again two working days after it, and never before
        the result was first published."""
        assert entry.published_on is not None
        return max(add_workdays(day, 2), add_workdays(entry.published_on, 1))

    def recheck(self, visit: Visit, day: date, recorded_at: datetime) -> Result:
        """The re-check, on `day`, finds the problem corrected (submitted at `recorded_at`;
        its approval closes the 责令改正)."""
        entry = demoyear.PlannedVisit(
            visit.visit_key,
            demoyear.Scenario.CLEAN,
            day,
            "on_site",
            announced=False,
            findings=demoyear.clean_findings(
                [
                    (results.item_key(vi), len(results.checkpoint_texts(vi)))
                    for vi in visit.visit_items.select_related("item")
                ]
            ),
        )
        result = results.save_draft(
            visit=visit,
            content=self.content(visit, entry),
            revision=0,
            actor=ACTOR,
            now=recorded_at,
        )
        results.submit_result(result=result, actor=ACTOR, now=recorded_at)
        return result

    # --- the summary -----------------------------------------------------------------------

    def report(self, plan: Plan, summary: dict[str, int]) -> None:
        executed = Draw.objects.filter(item__plan=plan, status=Draw.Status.EXECUTED).count()
        matchings = TeamMatching.objects.filter(plan=plan).count()
        visits = Visit.objects.filter(plan=plan)
        categories = Counter(
            ItemResult.objects.filter(result__visit__plan=plan).values_list("category", flat=True)
        )
        measures = Measure.objects.filter(item_result__result__visit__plan=plan)
        live = live_results().filter(plan=plan).count()
        self.say("")
        self.say(f"{plan.title}：全年演示完成")
        self.say(
            f"抽取：{executed}次（均可用 verify_draw.py 核验）；检查组匹配：{matchings}次；"
            f"登记活动：{summary['events']}项"
        )
        self.say(
            f"检查任务：{visits.count()}个（其中复查{visits.filter(recheck_of__isnull=False).count()}个）"
        )
        self.say("事项检查结果：")
        for code, count in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0])):
            self.say(f"  {result_category(code).label}：{count}")
        self.say(
            f"后续处置：{measures.count()}项，已办结{measures.filter(closed_on__isnull=False).count()}项，"
            f"未办结{measures.filter(closed_on__isnull=True).count()}项"
        )
        withdrawn = PublishedResult.objects.filter(plan=plan, withdrawn_at__isnull=False).count()
        self.say(f"公示：{live}条检查结果（{summary['batches']}批），撤回{withdrawn}条")
        base = self.base_url
        self.say(
            f"公示网站：{base}{reverse('home')}（抽查结果公示：{base}{reverse('public:results')}）"
        )
