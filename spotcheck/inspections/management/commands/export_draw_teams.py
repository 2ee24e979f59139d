import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spotcheck.draws.models import Draw
from spotcheck.inspections.exports import draw_document_with_teams_bytes


class Command(BaseCommand):
    help = "导出含本轮检查组（teams）的抽取文档 draw.json，可用 tools/verify_draw.py 复核"

    def add_arguments(self, parser):
        parser.add_argument("draw", type=int, help="抽取编号")
        parser.add_argument("-o", "--output", help="输出文件（默认标准输出）")

    def handle(self, *args, draw, output, **options):
        found = Draw.objects.filter(pk=draw).select_related("item__plan").first()
        if found is None:
            raise CommandError(f"找不到抽取{draw}")
        try:
            data = draw_document_with_teams_bytes(found)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if output:
            Path(output).write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
