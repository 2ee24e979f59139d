"""The `spotcheck` console script: Django management commands, one verb a file.

`spotcheck import-plan …` runs the `import_plan` command; hyphens are the CLI spelling.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spotcheck.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "spotcheck"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
