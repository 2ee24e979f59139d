from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.inspections.lookup import find_visit
from spotcheck.inspections.papers import PaperError, record_form_bytes


class Command(BaseCommand):
    help = "导出检查任务的检查记录表（.docx）：每个合并事项的每个检查要点一行"

    def add_arguments(self, parser):
        parser.add_argument("visit", help="检查任务编号或检查编号")
        parser.add_argument("-o", "--output", required=True, help="输出的 .docx 文件")

    def handle(self, *args, visit, output, **options):
        try:
            data = record_form_bytes(find_visit(visit))
        except (PaperError, ObjectDoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        Path(output).write_bytes(data)
        self.stdout.write(f"已写入{output}")
