from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from spotcheck.registry.actions import DEMO_MAX_ENTITIES, load_demo_directory
from spotcheck.registry.imports import DirectoryImportError
from spotcheck.registry.progress import TqdmProgress


class Command(BaseCommand):
    help = (
        "生成并导入演示县（沂源县）的名录：检查对象、执法检查人员（公安各单位及住建部门）、"
        "回避关系；文件经真实的导入流程写入"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--seed", type=int, default=2022, help="随机种子（同一种子生成同一个县）"
        )
        parser.add_argument(
            "--entities", type=int, default=600, help=f"检查对象数（1–{DEMO_MAX_ENTITIES}）"
        )
        parser.add_argument(
            "--as-of", type=date.fromisoformat, help="生成日期（默认今天；证件有效期等据此推算）"
        )
        parser.add_argument("--dir", help="演示文件写入的目录（默认 var/demo/seed-N）")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        seed = options["seed"]
        directory = Path(options["dir"] or settings.VAR_DIR / "demo" / f"seed-{seed}")
        progress = TqdmProgress(enabled=not options["no_progress"], stream=self.stderr._out)
        try:
            result = load_demo_directory(
                seed=seed,
                entities=options["entities"],
                as_of=options["as_of"],
                directory=directory,
                progress=progress,
            )
        except (ValueError, DirectoryImportError) as error:
            raise CommandError(str(error)) from error
        finally:
            progress.close()
        self.stdout.write(f"演示名录文件：{result.directory}")
        for label, report in (
            ("检查对象", result.entities),
            ("执法检查人员", result.inspectors),
            ("回避关系", result.recusals),
        ):
            self.stdout.write(
                f"{label}：共{report.rows}行，新增{report.created}，更新{report.updated}，"
                f"未变{report.unchanged}"
            )
