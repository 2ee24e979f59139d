"""`{% same_for_visitors %}`: page chrome a visitor sees, rendered once per process.

Every public page carries the same header, navigation and asset links; for a visitor (not
signed in) they depend only on settings, the static manifest and the URLconf, yet each page
paid for their `{% url %}`s and `{% static %}`s (a third of the search page's CPU). The
fragment between `{% same_for_visitors %}` and `{% endsame_for_visitors %}` is rendered for a
visitor once, with nothing of the request in its context but an anonymous user, and kept
(spotcheck.public.chrome: per settings' generation, URLconf and script prefix; here also per
URL namespace of the page, `{% url %}`'s current app, language and autoescaping). A signed-in
user's fragment is rendered as usual on every page.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser
from django.template import Context
from django.template.base import Node, NodeList, Parser, Token
from django.template.loader_tags import BlockNode
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from spotcheck.public.chrome import generation, url_key

register = template.Library()


def _current_app(context: Context) -> str | None:
    """The namespace `{% url %}` reverses in on this page (as django.template.defaulttags.URLNode
    finds it)."""
    request = getattr(context, "request", None)
    try:
        return request.current_app  # type: ignore[union-attr]
    except AttributeError:
        try:
            return request.resolver_match.namespace  # type: ignore[union-attr]
        except AttributeError:
            return None


class SameForVisitorsNode(Node):
    # The fragment never holds a page's blocks (refused when parsed), so `{% extends %}`, which
    # looks for blocks through the whole base template on every page, need not walk it.
    child_nodelists: tuple[str, ...] = ()

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.generation = -1
        self.kept: dict[tuple[Any, ...], SafeString] = {}

    def render(self, context: Context) -> str:
        user = context.get("user")
        if user is None or user.is_authenticated:
            return self.nodelist.render(context)
        key = (*url_key(), _current_app(context), get_language(), context.autoescape)
        if self.generation != generation():
            self.kept, self.generation = {}, generation()
        try:
            return self.kept[key]
        except KeyError:
            pass
        alone = Context({"user": AnonymousUser()}, autoescape=context.autoescape)
        # Only `{% url %}` reads the request (its current app); it is not a variable here, so a
        # fragment that used `request` would render differently, and the tests would say so.
        alone.request = getattr(context, "request", None)  # type: ignore[attr-defined]
        with alone.bind_template(context.template):
            html = self.nodelist.render(alone)
        self.kept[key] = html
        return html


@register.tag
def same_for_visitors(parser: Parser, token: Token) -> SameForVisitorsNode:
    """`{% same_for_visitors %}...{% endsame_for_visitors %}`: a fragment that, for a visitor,
    is the same on every page (see the module's docstring)."""
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("same_for_visitors takes no arguments")
    nodelist = parser.parse(("endsame_for_visitors",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        # A page's own block would be ignored: the fragment is rendered once for every page.
        raise template.TemplateSyntaxError("same_for_visitors cannot hold a {% block %}")
    return SameForVisitorsNode(nodelist)
