import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from spotcheck.registry.exports import export_inspectors
from spotcheck.registry.models import Inspector


class Command(BaseCommand):
    help = "导出执法检查人员名录（CSV或xlsx，表头与导入模板相同）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--agency", help="只导出该机构的人员")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("-o", "--output", help="输出文件（默认标准输出；xlsx 必须指定）")

    def handle(self, *args: Any, agency: str, format: str, output: str, **options: Any) -> None:
        inspectors = Inspector.objects.all()
        if agency:
            inspectors = inspectors.filter(agency__name=agency)
        if output:
            with Path(output).open("wb") as stream:
                count = export_inspectors(stream, format, inspectors)
            self.stderr.write(f"已导出{count}名执法检查人员到 {output}")
        elif format == "xlsx":
            raise CommandError("xlsx 格式请用 -o 指定输出文件")
        else:
            export_inspectors(sys.stdout.buffer, format, inspectors)
            sys.stdout.flush()
