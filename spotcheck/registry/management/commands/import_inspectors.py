from typing import Any

from spotcheck.registry.actions import import_inspectors
from spotcheck.registry.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "导入执法检查人员名录（按执法证号更新或新增；“单位”为机关，“部门”为内设单位）"

    def handle(self, *args: Any, **options: Any) -> None:
        self.run(import_inspectors, options)
