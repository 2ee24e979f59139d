"""`{% audit_head %}`: the audit chain's head, published with every public announcement
(spotcheck.audit.shown: the head when the page is served, also from the page cache)."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from spotcheck.audit.shown import head_for

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_head(context: Any) -> SafeString:
    return head_for(getattr(context, "request", None))
