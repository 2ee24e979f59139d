from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.inspections.actions import InspectionError, replace_team_member
from spotcheck.inspections.lookup import find_member, find_visit


class Command(BaseCommand):
    help = "替换检查组成员：按匹配号顺序由下一名符合条件的人员递补，不能指定人选"

    def add_arguments(self, parser):
        parser.add_argument("visit", help="检查任务编号或检查编号")
        parser.add_argument("inspector", help="被替换人员的执法证号（或警号、姓名）")
        parser.add_argument("--reason", required=True, help="替换原因（如：因病、出差、回避）")
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args, visit, inspector, reason, actor, **options):
        try:
            found = find_visit(visit)
            member = replace_team_member(
                member=find_member(found, inspector), reason=reason, actor=actor
            )
        except (InspectionError, ObjectDoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已由{member.inspector.name}（{member.inspector.certificate_number}）递补，"
            f"角色：{member.get_role_display()}"
        )
