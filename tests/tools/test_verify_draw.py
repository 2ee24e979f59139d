"""tools/verify_draw.py run as a subprocess on documents built by spotcheck.lib.drawdoc."""

from __future__ import annotations

import ast
import copy
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from spotcheck.lib import drawdoc
from spotcheck.lib.drawdoc import DrawItem, DrawOptions, Witness, build_draw_document

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    strata = {
        "low": [f"9137{n:014d}" for n in range(1, 84)],
        "medium_low": [f"9237{n:014d}" for n in range(1, 30)],
        "high": [f"9144{n:014d}" for n in range(1, 13)],
        "unknown": ["东方红饭店", "Cafe\u0301 Lumière", "沂源县某某网吧"],
    }
    doc = build_draw_document(
        item=DrawItem("2025年度双随机抽查计划", 2025, "GA-07", "娱乐场所治安管理检查", "娱乐场所"),
        strata=strata,
        ratio_percent=Decimal("5"),
        stratum_ratio_percent={"high": Decimal("30")},
        witnesses=[Witness("张三", "31415926535"), Witness("李四", "8979323846")],
        beacon="2025-05-01 block 845210",
        options=DrawOptions(exclude_recently_inspected=True, exclusion_months=12, excluded_count=4),
    )
    first_low = doc["selection"][0]["id"]
    return drawdoc.add_replacement(doc, first_low, "已注销")


def run_verifier(
    tmp_path: Path, doc: Any, *extra: str, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    # -I: isolated mode, so the verifier cannot lean on spotcheck or anything installed.
    command = [python, "-I", str(VERIFIER), str(path), *extra]
    return subprocess.run(command, capture_output=True, text=True, encoding="utf-8", check=False)


def test_a_genuine_document_is_verified(tmp_path: Path, document: dict[str, Any]) -> None:
    published = document["population"]["hash"]
    result = run_verifier(tmp_path, document, "--population-hash", published)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "VERIFIED"
    assert f"OK   population hash {published} (127 ids in 4 strata)" in lines
    assert "OK   population hash equals the published one" in lines
    assert "OK   allocation low 5/83, medium_low 2/29, high 4/12, unknown 1/3 (floor 5%)" in lines
    assert "OK   seed composed from 2 witnesses (张三, 李四) and a beacon, 21 digits" in lines
    assert "OK   selection (stratum low) 5 of 83" in lines
    assert "OK   selection (stratum high) 4 of 12" in lines
    assert any(line.startswith("OK   replacement 1: ") for line in lines)
    assert "INFO teams: not present" in lines


def test_library_and_tool_agree_on_the_genuine_document(document: dict[str, Any]) -> None:
    assert all(result.ok for result in drawdoc.verify_draw_document(document))


def low_ids(doc: dict[str, Any]) -> list[str]:
    ids: list[str] = doc["population"]["strata"]["low"]
    return ids


def alter(doc: dict[str, Any], change: str) -> None:
    selected_low = {e["id"] for e in doc["selection"] if e["stratum"] == "low"}
    unselected = next(i for i in low_ids(doc) if i not in selected_low)
    if change == "population id altered":
        index = low_ids(doc).index(unselected)
        low_ids(doc)[index] = unselected[:-1] + ("8" if unselected[-1] != "8" else "9")
    elif change == "population id dropped":
        low_ids(doc).remove(unselected)
        doc["population"]["counts"]["low"] -= 1
    elif change == "population hash altered":
        doc["population"]["hash"] = doc["population"]["hash"][::-1]
    elif change == "seed digit altered":
        value = doc["seed"]["value"]
        doc["seed"]["value"] = value[:5] + str((int(value[5]) + 1) % 10) + value[6:]
    elif change == "witness digits altered":
        doc["seed"]["witnesses"][0]["digits"] = "31415926536"
    elif change == "seed and witness altered together":
        doc["seed"]["witnesses"][0]["digits"] = "31415926536"
        doc["seed"]["value"] = "31415926536" + doc["seed"]["value"][11:]
    elif change == "beacon altered":
        doc["seed"]["beacon"] = "2025-05-01 block 845211"
    elif change == "selected id altered":
        doc["selection"][1]["id"] = unselected
    elif change == "selected ticket altered":
        ticket = doc["selection"][1]["ticket"]
        doc["selection"][1]["ticket"] = ticket[:-1] + ("1" if ticket[-1] != "1" else "2")
    elif change == "selection reordered":
        doc["selection"][0], doc["selection"][1] = doc["selection"][1], doc["selection"][0]
    elif change == "selection entry removed":
        del doc["selection"][-1]
    elif change == "allocation altered":
        doc["allocation"]["sizes"]["low"] = 4
    elif change == "policy ratio altered":
        doc["allocation"]["stratum_ratio_percent"]["high"] = "20"
    elif change == "replacement altered":
        doc["replacements"][0]["replacement_id"] = unselected
    else:
        raise AssertionError(change)


CHANGES = [
    "population id altered",
    "population id dropped",
    "population hash altered",
    "seed digit altered",
    "witness digits altered",
    "seed and witness altered together",
    "beacon altered",
    "selected id altered",
    "selected ticket altered",
    "selection reordered",
    "selection entry removed",
    "allocation altered",
    "policy ratio altered",
    "replacement altered",
]


@pytest.mark.parametrize("change", CHANGES)
def test_any_alteration_is_a_mismatch(
    tmp_path: Path, document: dict[str, Any], change: str
) -> None:
    doc = copy.deepcopy(document)
    alter(doc, change)
    result = run_verifier(tmp_path, doc)
    assert result.returncode == 1, result.stdout
    assert result.stdout.splitlines()[-1].startswith("MISMATCH: ")
    assert any(line.startswith("FAIL ") for line in result.stdout.splitlines())
    # The library's own verification reaches the same verdict.
    assert not all(r.ok for r in drawdoc.verify_draw_document(doc))


def test_a_consistently_rewritten_population_fails_against_the_published_hash(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    published = document["population"]["hash"]
    doc = copy.deepcopy(document)
    alter(doc, "population id dropped")
    doc["population"]["hash"] = drawdoc.population_hash(doc["population"]["strata"])
    result = run_verifier(tmp_path, doc, "--population-hash", published)
    assert result.returncode == 1
    assert "population hash differs from the published" in result.stdout


def test_a_teams_section_that_is_not_a_matching_document_is_a_mismatch(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    doc = copy.deepcopy(document)
    doc[drawdoc.TEAMS_KEY] = {"method": "to be defined"}
    result = run_verifier(tmp_path, doc)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    message = "teams: not a spotcheck.matching/1 or spotcheck.matching/2 section (format None)"
    assert f"FAIL {message}" in lines
    assert lines[-1] == f"MISMATCH: {message}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "cannot read"),
        ("[1, 2]", "not a spotcheck draw document"),
        ('{"format": "spotcheck-draw", "format_version": 9}', "format version 9"),
        (b"\xff\xfe\x00", "cannot read"),
    ],
)
def test_unreadable_files_exit_2(tmp_path: Path, content: str | bytes | None, message: str) -> None:
    path = tmp_path / "draw.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_a_malformed_section_is_a_mismatch_not_a_crash(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    doc = copy.deepcopy(document)
    del doc["allocation"]["sizes"]
    result = run_verifier(tmp_path, doc)
    assert result.returncode == 1
    assert "FAIL allocation: malformed section" in result.stdout


def test_the_verifier_is_python_3_8_standard_library_only() -> None:
    source = VERIFIER.read_text(encoding="utf-8")
    tree = ast.parse(source, feature_version=(3, 8))  # rejects match, except*, 3.9+ grammar
    modules = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}
    assert "spotcheck" not in modules
    # Library features newer than 3.8 (annotations are fine: they are never evaluated).
    for newer in ("removeprefix", "removesuffix", "functools.cache", "strict=", "int.from_bytes"):
        assert newer not in source


def python_3_8() -> str | None:
    """A working Python 3.8: $VERIFY_DRAW_PYTHON38, python3.8 on PATH, or one under $PYENV_ROOT."""
    candidates = [os.environ.get("VERIFY_DRAW_PYTHON38"), shutil.which("python3.8")]
    pyenv_root = os.environ.get("PYENV_ROOT")
    if pyenv_root:
        candidates += sorted(str(p) for p in Path(pyenv_root).glob("versions/3.8*/bin/python3.8"))
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return candidate
    return None


def test_the_verifier_runs_on_python_3_8_when_available(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    python38 = python_3_8()
    if python38 is None:
        pytest.skip("no Python 3.8 interpreter on this machine")
    result = run_verifier(tmp_path, document, python=python38)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "VERIFIED"
    doc = copy.deepcopy(document)
    alter(doc, "selected ticket altered")
    assert run_verifier(tmp_path, doc, python=python38).returncode == 1
