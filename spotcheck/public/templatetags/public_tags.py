"""Filters of the public pages."""

import re
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from spotcheck.lib.publication import item_heading

register = template.Library()


@register.filter(name="item_heading")
def item_heading_filter(item: dict[str, Any]) -> str:
    """A published snapshot's item as the public reads it ("事项3 名称", or the name alone)."""
    return item_heading(item.get("number"), item.get("name", ""))


# A date in running text: 2022-12-09 (and a time after it), 2022年3月1日, 2022年.
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?|\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?"
)


@register.filter(is_safe=True)
def dates_kept_whole(text: Any) -> SafeString:
    """`text` escaped, each date in it kept on one line (a long title on a phone otherwise
    breaks "2022-12-" from "09"); the title wraps at its other characters."""
    escaped = conditional_escape(text)  # digits, "-", ":" and 年月日 come through unchanged
    return mark_safe(_DATE.sub(r'<span class="nowrap">\g<0></span>', escaped))  # noqa: S308
