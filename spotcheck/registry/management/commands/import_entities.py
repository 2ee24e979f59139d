from typing import Any

from django.core.management.base import CommandError

from spotcheck.accounts.models import Agency
from spotcheck.registry.actions import import_entities
from spotcheck.registry.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "导入检查对象名录（按统一社会信用代码更新或新增；列名见 docs/directory-columns.md）"

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--agency", help="名录所属机构（系统中只有一个机构时可省略）")

    def handle(self, *args: Any, **options: Any) -> None:
        agency = options["agency"]
        if not agency:
            names = list(Agency.objects.values_list("name", flat=True)[:2])
            if len(names) != 1:
                raise CommandError("请用 --agency 指定名录所属机构")
            agency = names[0]
        self.run(import_entities, options, agency_name=agency)
