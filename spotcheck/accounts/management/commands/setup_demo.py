"""Prepare a demo installation: the bundled 2022 plan, a demo directory and one login per role."""

from importlib import resources

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from spotcheck.accounts.models import Role, User
from spotcheck.accounts.orgs import get_or_create_agency, get_or_create_unit
from spotcheck.audit.models import record
from spotcheck.plans.actions import import_plan, publish_plan, read_plan_upload
from spotcheck.plans.models import Plan
from spotcheck.registry.actions import load_demo_directory
from spotcheck.registry.models import Entity, Inspector, Recusal

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

    def handle(self, *args, password, **options):
        plan = self.load_plan()
        self.create_users(password, plan.agency)
        self.load_directory()
        self.stdout.write(
            f"演示计划：“{plan.title}”，{plan.items.count()}个抽查事项\n"
            f"演示名录：{Entity.objects.count()}个检查对象，{Inspector.objects.count()}名执法检查人员，"
            f"{Recusal.objects.count()}条回避关系\n"
            f"演示登录：用户名 coordinator，密码 {password}"
            "（另有 leader、inspector、supervisor、admin，密码相同）"
        )

    def load_plan(self) -> Plan:
        data = resources.files("spotcheck.data").joinpath(BUNDLED_PLAN).read_bytes()
        parsed = read_plan_upload(data=data, filename=BUNDLED_PLAN)
        agency, _ = get_or_create_agency(parsed.agency or "")
        existing = Plan.objects.filter(agency=agency, year=parsed.year).first()
        if existing is not None:
            return existing
        plan = import_plan(
            parsed=parsed, actor="setup-demo", source_filename=BUNDLED_PLAN, source_bytes=data
        )
        return publish_plan(plan=plan, actor="setup-demo")

    def load_directory(self) -> None:
        """The demo county's directory, once: skipped when entities exist."""
        if Entity.objects.exists():
            return
        load_demo_directory(
            seed=DEMO_SEED,
            entities=DEMO_ENTITIES,
            directory=settings.VAR_DIR / "demo" / f"seed-{DEMO_SEED}",
            actor="setup-demo",
        )

    @transaction.atomic
    def create_users(self, password, agency) -> None:
        for username, role, first, last, unit_name in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            unit = get_or_create_unit(agency, unit_name)[0] if unit_name else None
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
            )
            record(actor="setup-demo", action="user.create", obj=user, details={"role": role})
