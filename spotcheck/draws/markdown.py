"""Just enough Markdown for docs/verification.md, rendered on the public verification page.

Headings, paragraphs, fenced code blocks, inline code, **bold** and [links](url). Everything is
HTML-escaped first; only http(s) and relative link targets are kept.
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


def render_markdown(source: str) -> str:
    html: list[str] = []
    paragraph: list[str] = []
    lines = source.splitlines()
    index = 0

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
        elif heading := re.match(r"^(#{1,6})\s+(.*)$", line):
            flush()
            level = min(len(heading.group(1)) + 1, 6)  # the page has its own h1
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif not line.strip():
            flush()
        else:
            paragraph.append(line.strip())
        index += 1
    flush()
    return "\n".join(html)
