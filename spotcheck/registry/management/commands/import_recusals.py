from typing import Any

from spotcheck.registry.actions import import_recusals
from spotcheck.registry.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "导入回避关系（按执法证号匹配人员，按统一社会信用代码或名称匹配检查对象）"

    def handle(self, *args: Any, **options: Any) -> None:
        self.run(import_recusals, options)
