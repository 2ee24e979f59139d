from spotcheck.registry.exportcommand import DirectoryExportCommand
from spotcheck.registry.exports import export_inspectors
from spotcheck.registry.models import Inspector


class Command(DirectoryExportCommand):
    help = "导出执法检查人员名录（CSV或xlsx，表头与导入模板相同）"
    model = Inspector
    export = export_inspectors
    done_message = "已导出{count}名执法检查人员到 {output}"
    agency_help = "只导出该机构的人员"
