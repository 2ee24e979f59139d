from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.inspections.actions import InspectionError, issue_notice
from spotcheck.inspections.lookup import find_visit
from spotcheck.inspections.papers import PaperError, notice_bytes


class Command(BaseCommand):
    help = (
        "导出检查任务的检查通知书（.docx）；加 --issue 时先签发（取得本单位当年的下一个文书编号）"
    )

    def add_arguments(self, parser):
        parser.add_argument("visit", help="检查任务编号或检查编号")
        parser.add_argument("-o", "--output", required=True, help="输出的 .docx 文件")
        parser.add_argument("--issue", action="store_true", help="尚未签发时先签发")
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args, visit, output, issue, actor, **options):
        try:
            found = find_visit(visit)
            if issue and found.current_notice() is None:
                notice = issue_notice(visit=found, actor=actor)
                self.stdout.write(f"已签发检查通知书：{notice.number}")
            data = notice_bytes(found)
        except (InspectionError, PaperError, ObjectDoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        Path(output).write_bytes(data)
        self.stdout.write(f"已写入{output}")
