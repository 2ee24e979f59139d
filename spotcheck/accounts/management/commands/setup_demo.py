"""Prepare a demo installation: the bundled 2022 plan, a demo directory and one login per role.

Dated inside the plan's year, not the day it is run (`lib.demoyear.groundwork`): the accounts
and the directory at the start of the year, the plan imported and published in February, round
1 drawn on 1 March; `spotcheck demo-year` then plays the rest of the year."""

from datetime import datetime, time, timedelta
from importlib import resources

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from spotcheck.accounts.models import Agency, Role, User
from spotcheck.accounts.orgs import get_or_create_agency, get_or_create_unit
from spotcheck.audit.models import record
from spotcheck.lib import demoyear
from spotcheck.lib.planfile import ParsedPlan
from spotcheck.lib.workdays import add_workdays, is_workday
from spotcheck.plans.actions import import_plan, publish_plan, read_plan_upload
from spotcheck.plans.models import Plan
from spotcheck.registry.actions import link_inspector_user, load_demo_directory
from spotcheck.registry.models import Entity, Inspector, Recusal

# The demo round's seed ceremony (one ceremony for every draw of round 1: items on the same
# target type then select the same entities and become one visit).
DEMO_DICE = [("张三", "3141592653"), ("李四", "5897932384")]

DEMO_PASSWORD = "spotcheck-demo"
BUNDLED_PLAN = "2022-county-police-plan.txt"
DEMO_SEED = 2022
DEMO_ENTITIES = 600
DEMO_USERS = [
    ("coordinator", Role.COORDINATOR, "统筹", "协调员", None),
    ("leader", Role.UNIT_LEADER, "治安大队", "负责人", "治安大队"),
    ("inspector", Role.INSPECTOR, "检查", "人员", "治安大队"),
    ("supervisor", Role.SUPERVISOR, "纪检", "监督员", None),
    ("admin", Role.ADMINISTRATOR, "系统", "管理员", None),
]


class Command(BaseCommand):
    help = "准备演示环境：导入随附的2022年计划、演示名录和各角色演示账户（可重复执行）"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument(
            "--no-round",
            dest="round",
            action="store_false",
            help="不准备第1轮（默认：第1轮全部抽取、生成检查任务并匹配检查组）",
        )

    def handle(self, *args, password, **options):
        data = resources.files("spotcheck.data").joinpath(BUNDLED_PLAN).read_bytes()
        parsed = read_plan_upload(data=data, filename=BUNDLED_PLAN)
        if parsed.year is None:
            raise CommandError(f"随附的计划文件{BUNDLED_PLAN}的标题中没有年度")
        times = demoyear.groundwork(parsed.year)
        agency, _ = get_or_create_agency(
            parsed.agency or "", now=timezone.make_aware(times.directory_at)
        )
        # in the order of their dates, so the audit log reads as the year went
        self.create_users(password, agency, now=timezone.make_aware(times.directory_at))
        self.load_directory(now=timezone.make_aware(times.directory_at))
        plan = self.load_plan(data, parsed, agency, times)
        visits = self.prepare_round(plan) if options.get("round", True) else 0
        self.stdout.write(
            f"演示计划：“{plan.title}”，{plan.items.count()}个抽查事项\n"
            f"演示名录：{Entity.objects.count()}个检查对象，{Inspector.objects.count()}名执法检查人员，"
            f"{Recusal.objects.count()}条回避关系\n"
            f"第1轮：已抽取、已匹配检查组，共{visits}个检查任务\n"
            f"演示登录：用户名 coordinator，密码 {password}"
            "（另有 leader、inspector、supervisor、admin，密码相同）"
        )

    def load_plan(
        self, data: bytes, parsed: ParsedPlan, agency: Agency, times: demoyear.Groundwork
    ) -> Plan:
        """The bundled plan, imported and published on their days of its year, once."""
        existing = Plan.objects.filter(agency=agency, year=parsed.year).first()
        if existing is not None:
            return existing
        plan = import_plan(
            parsed=parsed,
            actor="setup-demo",
            source_filename=BUNDLED_PLAN,
            source_bytes=data,
            now=timezone.make_aware(times.plan_imported_at),
        )
        return publish_plan(
            plan=plan, actor="setup-demo", now=timezone.make_aware(times.plan_published_at)
        )

    def load_directory(self, *, now: datetime) -> None:
        """The demo county's directory, once (skipped when entities exist): imported at `now`,
        its dates (risk assessments, licences, certificates, recusals) as of that day."""
        if Entity.objects.exists():
            return
        load_demo_directory(
            seed=DEMO_SEED,
            entities=DEMO_ENTITIES,
            directory=settings.VAR_DIR / "demo" / f"seed-{DEMO_SEED}",
            actor="setup-demo",
            now=now,
        )

    @transaction.atomic
    def create_users(self, password: str, agency: Agency, *, now: datetime) -> None:
        for username, role, first, last, unit_name in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            unit = get_or_create_unit(agency, unit_name, now=now)[0] if unit_name else None
            user = User.objects.create_user(
                username=username,
                password=password,
                role=role,
                first_name=first,
                last_name=last,
                agency=agency,
                unit=unit,
                is_staff=role == Role.ADMINISTRATOR,
                is_superuser=role == Role.ADMINISTRATOR,
                date_joined=now,
            )
            record(
                actor="setup-demo",
                action="user.create",
                obj=user,
                details={"role": role},
                at=now,
            )

    def prepare_round(self, plan: Plan) -> int:
        """Round 1 drawn (one ceremony), its visits built and teams matched, once; then the
        demo `inspector` is linked to an officer of the leader's unit who sits on visits, and a
        few of the unit's visits are scheduled, so every demo login sees a meaningful year."""
        from spotcheck.draws import actions as draws
        from spotcheck.draws.models import Draw
        from spotcheck.inspections.actions import (
            build_visits,
            match_teams_for_round,
            schedule_visits,
        )
        from spotcheck.inspections.models import TeamMatching, Visit

        actor = "setup-demo"
        # Dated on round 1's day of the plan's year (as demo-year would draw it), not today:
        # the year played afterwards inspects what was drawn before it.
        times = demoyear.round_one(plan.year)
        matched_at = timezone.make_aware(times.matched_at)
        if not TeamMatching.objects.filter(plan=plan, round=1, event__isnull=True).exists():
            with transaction.atomic():
                prepared = []
                for item in plan.items.filter(event_driven=False).order_by("position"):
                    if Draw.objects.filter(item=item, round_number=1).exists():
                        continue
                    prepared.append(
                        draws.prepare_draw(
                            item=item,
                            round=1,
                            actor=actor,
                            on=times.day,
                            now=timezone.make_aware(times.prepared_at),
                        )
                    )
                if prepared:
                    draws.seed_draws(
                        draws=prepared,
                        witnesses=DEMO_DICE,
                        actor=actor,
                        now=timezone.make_aware(times.seeded_at),
                    )
                    for draw in prepared:
                        draws.execute_draw(
                            draw=draw, actor=actor, now=timezone.make_aware(times.executed_at)
                        )
                build_visits(plan=plan, round=1, actor=actor, now=matched_at)
                match_teams_for_round(plan=plan, round=1, actor=actor, now=matched_at)
        # the leader schedules a few of the unit's visits the next working morning
        scheduled_at = timezone.make_aware(datetime.combine(add_workdays(times.day, 1), time(9)))
        self.link_demo_people(
            plan, schedule_visits, linked_at=matched_at, scheduled_at=scheduled_at
        )
        return Visit.objects.filter(plan=plan, round=1).count()

    @transaction.atomic
    def link_demo_people(
        self, plan: Plan, schedule_visits, *, linked_at: datetime, scheduled_at: datetime
    ) -> None:
        from spotcheck.inspections.models import Visit

        leader = User.objects.filter(username="leader").first()
        user = User.objects.filter(username="inspector").first()
        if user is None or leader is None or leader.unit is None:
            return
        if not Inspector.objects.filter(user=user).exists():
            officer = (
                Inspector.objects.filter(
                    unit=user.unit,
                    team_seats__replaced_at__isnull=True,
                    team_seats__visit__plan=plan,
                    user__isnull=True,
                )
                .order_by("pk")
                .first()
            )
            if officer is not None:
                link_inspector_user(inspector=officer, user=user, actor="setup-demo", now=linked_at)
        own = Visit.objects.filter(
            plan=plan, round=1, responsible_unit=leader.unit, status=Visit.Status.MATCHED
        ).order_by("ticket", "visit_key")
        if own.exists() and not own.filter(scheduled_start__isnull=False).exists():
            for visit in own[:3]:
                day = visit.planned_start  # the first working day of its window (not 5月1日)
                while not is_workday(day) and day < visit.planned_end:
                    day += timedelta(days=1)
                schedule_visits(visits=[visit], start=day, end=day, actor=leader, now=scheduled_at)
