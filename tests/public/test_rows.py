"""The result table's rows are made in Python (spotcheck.public.rows): the same HTML as the
template loop they replace, every value escaped."""

from django.template import engines
from django.template.loader import render_to_string

from spotcheck.public.rows import result_table, row_html

# The row as public/_result_table.html wrote it before the rows were made in Python.
TEMPLATE_ROW = (
    '<tr{% if r.withdrawn_on %} class="withdrawn"{% endif %}>\n'
    '    <td><a href="{{ r.url }}">{{ r.name }}</a>{% if r.withdrawn_on %} <span class="badge'
    ' warn">已于{{ r.withdrawn_on }}撤回</span>{% endif %}{% if r.superseded_on %} <span'
    ' class="badge">已于{{ r.superseded_on }}更正</span>{% endif %}</td>\n'
    '    <td><a href="{{ r.entity_url }}">{{ r.code }}</a></td>\n'
    "    <td>{{ r.agency }}</td>\n"
    '    <td class="nowrap">{{ r.inspected_on }}</td>\n'
    "    <td>{{ r.result }}</td>\n"
    '    <td class="nowrap">{{ r.published_on }}</td>\n'
    "  </tr>"
)


def row(**changes):
    return {
        "url": "/public/results/7/",
        "name": "沂源<b>\"悦来\"</b> & '宾馆'",
        "entity_url": "/public/entities/A%26B/",
        "code": "91370323MA3C<x>",
        "agency": "沂源县公安局 & <i>",
        "inspected_on": "2023-05-06",
        "result": "事项1：未发现问题；事项2：<已整改>",
        "published_on": "2023-06-01",
        "withdrawn_on": "",
        "superseded_on": "",
        **changes,
    }


def test_rows_are_the_template_rows():
    template = engines["django"].from_string(TEMPLATE_ROW)
    for r in (
        row(),
        row(withdrawn_on="2023-07-01"),
        row(superseded_on="2023-07-02"),
        row(withdrawn_on="2023-07-01", superseded_on="2023-07-02"),
    ):
        assert row_html(r) == template.render({"r": r})
    assert "<b>" not in row_html(row()) and "&lt;b&gt;" in row_html(row())


def test_the_table_is_the_template_table():
    rows = [{**r, "html": row_html(r)} for r in (row(), row(withdrawn_on="2023-07-01"))]
    assert result_table(rows) == render_to_string("public/_result_table.html", {"rows": rows})
    assert result_table([]) == render_to_string("public/_result_table.html", {"rows": []})
    empty = "没有<找到> & 公示"
    assert result_table([], empty=empty) == render_to_string(
        "public/_result_table.html", {"rows": [], "empty": empty}
    )
