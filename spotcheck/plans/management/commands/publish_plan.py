from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.plans.actions import PlanImportError, publish_plan
from spotcheck.plans.exports import find_plan


class Command(BaseCommand):
    help = "公开抽查计划（公开后方可抽取检查对象）"

    def add_arguments(self, parser):
        parser.add_argument("plan", help="计划编号，或“机构:年度”")
        parser.add_argument("--actor", default="cli")

    def handle(self, *args, plan, actor, **options):
        try:
            published = publish_plan(plan=find_plan(plan), actor=actor)
        except (PlanImportError, ObjectDoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已公开“{published.title}”")
