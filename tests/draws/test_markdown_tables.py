"""The packaged documents' Markdown: pipe tables (labelled cells for the phone layout) and lists,
escaped like everything else."""

from spotcheck.draws.markdown import render_markdown


def test_tables_and_lists():
    html = render_markdown(
        "| 字段 | 含义 |\n| --- | --- |\n| `a` | <b>x</b> |\n\n- one\n- **two**\n\ntext"
    )
    assert '<th scope="col">字段</th>' in html
    assert '<td data-label="字段"><code>a</code></td>' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html
    assert "<ul><li>one</li><li><strong>two</strong></li></ul>" in html
    assert html.endswith("<p>text</p>")


def test_a_table_is_captioned_by_the_heading_above_it_or_its_header():
    html = render_markdown(
        "## `plans`：抽查 <计划>\n\n说明\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n"
        "\n## 没有表头\n\n| x |\n| y |"
    )
    assert (
        '<table class="list"><caption class="visually-hidden">plans：抽查 &lt;计划&gt;</caption>'
        in html
    )
    assert '<caption class="visually-hidden">没有表头</caption>' in html
    # no heading above: the header's cells, as plain text
    untitled = render_markdown("| 字段 | `含义` |\n| --- | --- |\n| a | b |")
    assert '<caption class="visually-hidden">字段、含义</caption>' in untitled


def test_an_escaped_bar_stays_in_its_cell():
    html = render_markdown("| a | b |\n| --- | --- |\n| 接“\\|信标值” | `x\\|y` |")
    assert (
        '<td data-label="a">接“|信标值”</td><td data-label="b"><code>x|y</code></td></tr>' in html
    )
