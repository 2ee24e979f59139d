"""Just enough Markdown for the packaged documents the portal renders (spotcheck/kit/docs).

Headings, paragraphs, fenced code blocks, pipe tables, "- " lists, inline code, **bold** and
[links](url). Everything is HTML-escaped first; only http(s) and relative link targets are kept.
"""

import re
from html import escape

_INLINE_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _inline(text: str) -> str:
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        code = _INLINE_CODE.fullmatch(part)
        if code:
            out.append(f"<code>{escape(code.group(1))}</code>")
            continue
        html = escape(part, quote=False)
        html = _BOLD.sub(r"<strong>\1</strong>", html)
        html = _LINK.sub(_link, html)
        out.append(html)
    return "".join(out)


def _link(match: re.Match[str]) -> str:
    label, target = match.group(1), match.group(2)
    if not re.match(r"^(https?://|/|#)", target):
        return label
    # Both are already HTML-escaped (quote=False): only the attribute's quotes remain.
    return f'<a href="{target.replace(chr(34), "&quot;")}">{label}</a>'


_ITEM = re.compile(r"^[-*]\s+(.*)$")
_RULE = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


_CELL_EDGE = re.compile(r"(?<!\\)\|")  # a "|" not escaped as "\|"


def _cells(row: str) -> list[str]:
    r"""A table row's cells; "\|" is a "|" inside a cell (in code too, as on GitHub)."""
    row = row.strip().removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_EDGE.split(row)]


def _plain(text: str) -> str:
    """Inline Markdown as plain text: code ticks, bold stars and links' targets dropped."""
    return _LINK.sub(r"\1", text).replace("`", "").replace("**", "")


def _table(rows: list[str], caption: str) -> str:
    """A pipe table: the first row is the header when the second is a rule (| --- |). Its
    caption (for a screen reader's list of tables) is visually hidden: the heading above, or
    the header's cells, say it on the page."""
    head: list[str] = []
    if len(rows) > 1 and _RULE.match(rows[1]):
        head, rows = _cells(rows[0]), rows[2:]
    caption = caption or "、".join(_plain(c) for c in head) or "表格"
    parts = [
        '<div class="table-wrap"><table class="list">'
        f'<caption class="visually-hidden">{escape(caption, quote=False)}</caption>'
    ]
    if head:
        parts.append(
            "<thead><tr>"
            + "".join(f'<th scope="col">{_inline(c)}</th>' for c in head)
            + "</tr></thead>"
        )
    parts.append("<tbody>")
    labels = [escape(c.strip("`")) for c in head]  # the phone layout labels each cell
    for row in rows:
        cells = []
        for n, cell in enumerate(_cells(row)):
            label = f' data-label="{labels[n]}"' if n < len(labels) else ""
            cells.append(f"<td{label}>{_inline(cell)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def render_markdown(source: str) -> str:
    html: list[str] = []
    paragraph: list[str] = []
    lines = source.splitlines()
    index = 0
    last_heading = ""  # a table's caption

    def flush() -> None:
        if paragraph:
            html.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            flush()
            language = line[3:].strip()
            block = []
            index += 1
            while index < len(lines) and not lines[index].startswith("```"):
                block.append(lines[index])
                index += 1
            css = f' class="language-{escape(language)}"' if language else ""
            html.append(f"<pre><code{css}>{escape(chr(10).join(block))}</code></pre>")
        elif line.startswith("|"):
            flush()
            rows = []
            while index < len(lines) and lines[index].startswith("|"):
                rows.append(lines[index])
                index += 1
            html.append(_table(rows, last_heading))
            continue
        elif _ITEM.match(line):
            flush()
            entries = []
            while index < len(lines) and (item := _ITEM.match(lines[index])):
                entries.append(f"<li>{_inline(item.group(1))}</li>")
                index += 1
            html.append("<ul>" + "".join(entries) + "</ul>")
            continue
        elif heading := re.match(r"^(#{1,6})\s+(.*)$", line):
            flush()
            level = min(len(heading.group(1)) + 1, 6)  # the page has its own h1
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            last_heading = _plain(heading.group(2)).strip()
        elif not line.strip():
            flush()
        else:
            paragraph.append(line.strip())
        index += 1
    flush()
    return "\n".join(html)
