import sys
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.plans.exports import export_plan_bytes, find_plan


class Command(BaseCommand):
    help = "导出抽查计划：json（结构化）、xlsx 或 tsv（公布格式，可再次导入）"

    def add_arguments(self, parser):
        parser.add_argument("plan", help="计划编号，或“机构:年度”")
        parser.add_argument("--format", choices=["json", "xlsx", "tsv"], default="json")
        parser.add_argument("-o", "--output", help="输出文件（默认标准输出；xlsx 必须指定）")

    def handle(self, *args, plan, format, output, **options):
        try:
            found = find_plan(plan)
        except ObjectDoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        content = export_plan_bytes(found, format)
        if output:
            Path(output).write_bytes(content)
            self.stderr.write(f"已写入 {output}")
        elif format == "xlsx":
            raise CommandError("xlsx 格式请用 -o 指定输出文件")
        else:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
