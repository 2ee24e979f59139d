"""Filters of the public pages."""

from typing import Any

from django import template

from spotcheck.lib.publication import item_heading

register = template.Library()


@register.filter(name="item_heading")
def item_heading_filter(item: dict[str, Any]) -> str:
    """A published snapshot's item as the public reads it ("事项3 名称", or the name alone)."""
    return item_heading(item.get("number"), item.get("name", ""))
