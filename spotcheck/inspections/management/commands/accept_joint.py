from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.inspections.actions import InspectionError, accept_joint_visit
from spotcheck.inspections.lookup import find_proposal


class Command(BaseCommand):
    help = "接受联合检查建议：不同单位对同一对象的检查合并为一次联合检查"

    def add_arguments(self, parser):
        parser.add_argument("proposal", help="联合检查建议编号")
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args, proposal, actor, **options):
        try:
            visit = accept_joint_visit(proposal=find_proposal(proposal), actor=actor)
        except (InspectionError, ObjectDoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已合并为联合检查：{visit.visit_key}")
