"""Shared parts of the directory import commands."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from spotcheck.registry.imports import DirectoryImportError, ImportReport
from spotcheck.registry.progress import TqdmProgress

SHOWN_ERRORS = 20


class ImportCommand(BaseCommand):
    """`spotcheck import-… PATH`: validate everything first; write nothing when a row is bad
    unless --skip-invalid; list the bad rows and write them to a rejects file."""

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="CSV（UTF-8、带BOM的UTF-8、GBK/GB18030）或xlsx文件")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="导入无误的行，有误的行写入退回文件（默认：有任何一行有误则不导入）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入")
        parser.add_argument(
            "--rejects", help="有误的行写入此CSV文件（默认：与导入文件同目录的 *.rejects.csv）"
        )
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def run(self, action: Any, options: dict[str, Any], **kwargs: Any) -> ImportReport:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        rejects = Path(options["rejects"]) if options["rejects"] else _default_rejects(path)
        progress = TqdmProgress(enabled=not options["no_progress"], stream=self.stderr._out)
        try:
            report = action(
                source=path,
                filename=path.name,
                actor=options["actor"],
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
                rejects_path=rejects,
                progress=progress,
                **kwargs,
            )
        except DirectoryImportError as error:
            raise CommandError(str(error)) from error
        finally:
            progress.close()
        self.show(report)
        if not report.ok and not report.written and not options["dry_run"]:
            raise CommandError(
                f"未写入任何内容：{report.invalid}行有误。修改后重新导入，"
                "或使用 --skip-invalid 只导入无误的行"
            )
        return report

    def show(self, report: ImportReport) -> None:
        out = self.stdout.write
        verb = "已导入" if report.written else "校验"
        out(
            f"{verb} {report.filename}（SHA-256 {report.sha256[:16]}…）："
            f"共{report.rows}行，新增{report.created}，更新{report.updated}，"
            f"未变{report.unchanged}，有误{report.invalid}"
            + (f"（导入批次 {report.batch_id}）" if report.batch_id else "")
        )
        for warning in report.header_warnings:
            out(f"  提示：{warning}")
        if report.warning_count:
            out(f"  警告{report.warning_count}条（不影响导入），例如：")
            for warning in report.warnings[:5]:
                out(f"    {warning}")
        if report.error_count:
            out(f"  错误{report.error_count}处：")
            for error in report.errors[:SHOWN_ERRORS]:
                out(f"    {error}")
            if report.error_count > SHOWN_ERRORS:
                out(f"    ……另有{report.error_count - SHOWN_ERRORS}处")
        if report.rejects_path:
            out(f"  有误的行已写入 {report.rejects_path}")


def _default_rejects(path: Path) -> Path:
    return path.with_name(path.stem + ".rejects.csv")
