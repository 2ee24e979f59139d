"""The result table is made in Python (spotcheck.public.rows): the same HTML as the template
it replaced, every value escaped, on every page that lists records."""

from django.template import engines
from django.urls import reverse

from spotcheck.public.rows import result_rows, result_table, row_html, row_values
from spotcheck.public.selectors import published_results, published_versions

# public/_result_table.html, the template the table was made by before it was made in Python
# (with the caption since added).
TEMPLATE_TABLE = (
    '<table class="list">\n'
    '  <caption class="visually-hidden">{{ caption }}</caption>\n'
    '  <thead><tr><th scope="col">检查对象</th><th scope="col">统一社会信用代码</th>'
    '<th scope="col">检查实施机关</th><th scope="col">检查日期</th><th scope="col">检查结果</th>'
    '<th scope="col">公示日期</th></tr></thead>\n'
    '  <tbody>{% for r in rows %}{{ r.html }}{% empty %}<tr><td colspan="6" class="muted">'
    '{{ empty|default:"暂无公示的检查结果" }}</td></tr>{% endfor %}</tbody>\n'
    "</table>\n"
)

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
        # values holding the separator of the cells escaped at once
        row(name="沂源\x00<悦来>", agency="\x00&\x00"),
    ):
        assert row_html(r) == template.render({"r": r})
    assert "<b>" not in row_html(row()) and "&lt;b&gt;" in row_html(row())


def test_the_table_is_the_template_table():
    template = engines["django"].from_string(TEMPLATE_TABLE)
    rows = [{**r, "html": row_html(r)} for r in (row(), row(withdrawn_on="2023-07-01"))]
    caption = "“<b>悦来</b> & 宾馆”的查询结果"
    context = {"rows": rows, "caption": caption}
    assert result_table(rows, caption=caption) == template.render(context)
    assert result_table([], caption=caption) == template.render({**context, "rows": []})
    empty = "没有<找到> & 公示"
    assert result_table([], caption=caption, empty=empty) == template.render(
        {**context, "rows": [], "empty": empty}
    )
    assert "<b>" not in result_table([], caption=caption)


def test_home_and_batch_pages_show_the_table_the_template_made(client, published):
    template = engines["django"].from_string(TEMPLATE_TABLE)
    newest = row_values(published_results().order_by("-published_on", "-pk"))[:10]
    rows = result_rows(newest)
    assert {r["url"] for r in rows} == {reverse("public:result", args=[p.pk]) for p in published}
    home = client.get(reverse("home")).content.decode()
    table = template.render({"rows": rows, "caption": "最新公示的检查结果"})
    assert f"<h2>最新公示的检查结果</h2>\n{table}\n<p>" in home

    publication = published[0].publication
    batch = published_versions().filter(publication=publication).order_by("entity_name", "pk")
    rows = result_rows(row_values(batch))
    assert rows
    page = client.get(reverse("public:batch", args=[publication.pk])).content.decode()
    caption = f"{publication.published_on:%Y-%m-%d}公示的检查结果"
    assert f"</p>\n{template.render({'rows': rows, 'caption': caption})}\n" in page
