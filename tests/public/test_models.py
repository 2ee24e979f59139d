import json

from django.db import models
from hypothesis import example, given
from hypothesis import strategies as st

from spotcheck.lib.publication import snapshot_sha256
from spotcheck.public.models import WITHHELD_TEXT, PublishedResult


def _published(*items: tuple[int, str]) -> PublishedResult:
    snapshot = {"items": [{"number": n, "category_label": label} for n, label in items]}
    return PublishedResult(snapshot=snapshot, snapshot_sha256=snapshot_sha256(snapshot))


def test_one_category_shared_by_merged_items_is_said_once():
    assert _published((8, "迁出"), (9, "迁出"), (10, "迁出"), (11, "迁出")).result_text == "迁出"
    assert _published((1, "未发现问题")).result_text == "未发现问题"


def test_different_categories_name_their_items():
    text = _published((8, "未发现问题"), (11, "发现问题已责令改正")).result_text
    assert text == "事项8：未发现问题；事项11：发现问题已责令改正"


def test_no_items_gives_an_empty_cell():
    assert _published().result_text == ""


def test_a_snapshot_changed_after_publication_is_withheld_from_lists():
    record = _published((1, "未发现问题"))
    record.snapshot["items"][0]["category_label"] = "发现问题已责令改正"
    assert record.result_text == WITHHELD_TEXT


def test_result_text_and_item_heading_name_an_unnumbered_item_by_its_name():
    from django.template import Context, Template

    from spotcheck.public.models import result_text

    items = [
        {"number": "11", "name": "噪声污染", "category_label": "未发现问题"},
        {"number": "p11", "name": "附加事项", "category_label": "发现问题已责令改正"},
    ]
    snapshot = {"items": items}
    assert result_text(snapshot, snapshot_sha256(snapshot)) == (
        "事项11：未发现问题；附加事项：发现问题已责令改正"
    )
    rendered = Template(
        "{% load public_tags %}{% for i in items %}[{{ i|item_heading }}]{% endfor %}"
    ).render(Context({"items": items}))
    assert rendered == "[事项11 噪声污染][附加事项]"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(value=JSON_VALUES, ascii_only=st.booleans())
@example(value={"name": "\ud800", "n": 1}, ascii_only=True)  # a lone surrogate, escaped
@example(value={"name": "\ud800", "n": 1}, ascii_only=False)  # and as it is
@example(value={"n": -9223372036854775809, "code": "1234567890123456789"}, ascii_only=True)
@example(value={"plan": 18446744073709551616}, ascii_only=False)  # past 64 bits
@example(value=[float("nan"), float("inf"), 1e-320, -0.0], ascii_only=True)
def test_snapshots_are_read_as_a_jsonfield_reads_them(value, ascii_only):
    """The snapshot's field reads with orjson where it reads the same, and only there."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    read = PublishedResult._meta.get_field("snapshot").from_db_value(text, None, None)
    assert repr(read) == repr(models.JSONField().from_db_value(text, None, None))
