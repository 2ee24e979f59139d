"""The shared body of the directory export commands (one verb a file, one implementation)."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Model, QuerySet


class DirectoryExportCommand(BaseCommand):
    model: type[Model]
    export: Callable[[BinaryIO, str, QuerySet[Any]], int]
    done_message = "已导出{count}条记录到 {output}"
    agency_help = "只导出该机构的名录"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--agency", help=self.agency_help)
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("-o", "--output", help="输出文件（默认标准输出；xlsx 必须指定）")

    def handle(self, *args: Any, agency: str, format: str, output: str, **options: Any) -> None:
        rows = self.model.objects.all()
        if agency:
            rows = rows.filter(agency__name=agency)
        export = type(self).export
        if output:
            with Path(output).open("wb") as stream:
                count = export(stream, format, rows)
            self.stderr.write(self.done_message.format(count=count, output=output))
        elif format == "xlsx":
            raise CommandError("xlsx 格式请用 -o 指定输出文件")
        else:
            export(sys.stdout.buffer, format, rows)
            sys.stdout.flush()
