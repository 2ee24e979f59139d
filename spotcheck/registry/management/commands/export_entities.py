import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from spotcheck.registry.exports import export_entities
from spotcheck.registry.models import Entity


class Command(BaseCommand):
    help = "导出检查对象名录（CSV或xlsx，表头与导入模板相同，可修改后再次导入）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--agency", help="只导出该机构的名录")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("-o", "--output", help="输出文件（默认标准输出；xlsx 必须指定）")

    def handle(self, *args: Any, agency: str, format: str, output: str, **options: Any) -> None:
        entities = Entity.objects.all()
        if agency:
            entities = entities.filter(agency__name=agency)
        if output:
            with Path(output).open("wb") as stream:
                count = export_entities(stream, format, entities)
            self.stderr.write(f"已导出{count}个检查对象到 {output}")
        elif format == "xlsx":
            raise CommandError("xlsx 格式请用 -o 指定输出文件")
        else:
            export_entities(sys.stdout.buffer, format, entities)
            sys.stdout.flush()
