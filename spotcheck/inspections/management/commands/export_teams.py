import json
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.inspections.models import TeamMatching


class Command(BaseCommand):
    help = "导出公开的检查人员匹配记录（JSON，只含人数统计和名单承诺值，不含可参与名单、回避关系和证件日期）"

    def add_arguments(self, parser):
        parser.add_argument("matching", type=int, help="匹配记录编号")
        parser.add_argument("-o", "--output", help="输出文件（默认标准输出）")

    def handle(self, *args, matching, output, **options):
        try:
            match = TeamMatching.objects.get(pk=matching)
        except TeamMatching.DoesNotExist as exc:
            raise CommandError(f"找不到匹配记录{matching}") from exc
        except ObjectDoesNotExist as exc:  # pragma: no cover
            raise CommandError(str(exc)) from exc
        text = json.dumps(match.public_document(), ensure_ascii=False, indent=2)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)
