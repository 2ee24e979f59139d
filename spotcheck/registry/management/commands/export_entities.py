from spotcheck.registry.exportcommand import DirectoryExportCommand
from spotcheck.registry.exports import export_entities
from spotcheck.registry.models import Entity


class Command(DirectoryExportCommand):
    help = "导出检查对象名录（CSV或xlsx，表头与导入模板相同，可修改后再次导入）"
    model = Entity
    export = export_entities
    done_message = "已导出{count}个检查对象到 {output}"
