"""Writes tests/module_seconds.json, the seconds each test module took, from a pytest JUnit XML
report: `pytest -n 2 --dist loadfile --junitxml=/tmp/report.xml` then
`python tests/module_seconds.py /tmp/report.xml`. tests/conftest.py sends the modules to the
xdist workers longest first (docs/testing.md); a module missing from the file goes last."""

import json
import sys
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

TARGET = Path(__file__).with_name("module_seconds.json")


def module_path(classname: str) -> str:
    # "tests.stats.test_facts" or "tests.stats.test_facts.TestSomething"
    parts = classname.split(".")
    while parts and not parts[-1].startswith("test_"):
        parts.pop()
    return "/".join(parts) + ".py"


def main(reports: list[str]) -> None:
    seconds: dict[str, float] = defaultdict(float)
    for report in reports:
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            seconds[module_path(case.get("classname", ""))] += float(case.get("time") or 0)
    ordered = dict(sorted(((m, round(s, 1)) for m, s in seconds.items()), key=lambda i: -i[1]))
    TARGET.write_text(json.dumps(ordered, indent=0) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
