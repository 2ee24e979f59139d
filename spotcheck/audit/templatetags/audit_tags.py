"""`{% audit_head %}`: the audit chain's head, published with every public announcement."""

from typing import Any

from django import template

from spotcheck.audit.models import current_head

register = template.Library()


@register.inclusion_tag("audit/_head.html")
def audit_head() -> dict[str, Any]:
    return {"head": current_head()}
