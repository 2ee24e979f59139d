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
