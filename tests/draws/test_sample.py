"""`spotcheck sample` against the reference `consistent-sampler`, from a file and from stdin."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import consistent_sampler
import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

# Any UTF-8-encodable text without line breaks (one id per line), CJK and combining marks included.
# Ids are passed as written, not NFC-normalised, exactly as the reference hashes them.
id_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_characters="\n\r"),
        st.sampled_from("统一社会信用代码东方红饭店a\u0301e\u0308\u4e00\u9fa5 \t"),
    ),
    min_size=1,
    max_size=12,
).filter(lambda text: text != "\ufeff" and not text.startswith("\ufeff"))
id_lists = st.lists(id_text, min_size=0, max_size=30, unique=True)
seeds = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30),
)


def reference_lines(seed: object, ids: list[str], take: int | None) -> str:
    kwargs = {"take": take} if take is not None else {}
    drawn = consistent_sampler.sampler(ids, seed=seed, digits=78, **kwargs)
    return "".join(f"{ticket}\t{entity_id}\n" for ticket, entity_id, _ in drawn)


def run_sample(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command("sample", *args, stdout=out, **options)
    return out.getvalue()


@settings(max_examples=60, deadline=None)
@given(seed=seeds, ids=id_lists, take=st.one_of(st.none(), st.integers(0, 35)))
def test_file_input_matches_the_reference(seed, ids, take):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "ids.txt"
        path.write_bytes("".join(i + "\n" for i in ids).encode("utf-8"))
        # --seed=VALUE: a seed may begin with "-" (argparse would read "--seed -x" as an option).
        output = run_sample(f"--seed={seed}", str(path), take=take)
        assert output == reference_lines(seed, ids, take)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, ids=id_lists, take=st.one_of(st.none(), st.integers(0, 35)))
def test_stdin_input_matches_the_reference(seed, ids, take):
    data = "\r\n".join(ids).encode("utf-8")  # CRLF and no final line break
    original = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        assert run_sample(f"--seed={seed}", take=take) == reference_lines(seed, ids, take)
    finally:
        sys.stdin = original


def test_the_console_script_reads_stdin(tmp_path):
    ids = ["91370323MA3C4X5Y6K", "东方红饭店", "Cafe\u0301"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "spotcheck.settings"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "spotcheck.cli",
            "sample",
            "--seed",
            "01382438112797316654",
            "--take",
            "2",
        ],
        input="\n".join(ids).encode("utf-8"),
        capture_output=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode("utf-8") == reference_lines("01382438112797316654", ids, 2)


def test_blank_lines_and_a_byte_order_mark_are_not_ids(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_bytes("\ufeffa\n\nb\r\n\n".encode())
    assert run_sample(str(path), seed="7") == reference_lines("7", ["a", "b"], None)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"a\nb\na\n", "标识重复"), (b"\xff\xfe", "不是 UTF-8")],
)
def test_bad_input_is_refused(tmp_path, content, message):
    path = tmp_path / "ids.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run_sample(str(path), seed="1")


def test_missing_file_and_negative_take(tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run_sample(str(tmp_path / "none.txt"), seed="1")
    with pytest.raises(CommandError, match="不能为负数"):
        run_sample(str(tmp_path / "none.txt"), seed="1", take=-1)
