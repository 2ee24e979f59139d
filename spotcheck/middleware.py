"""Refuse control characters at the edge, before any view or query sees them.

NUL cannot be stored or even compared by PostgreSQL (every filter would be a 500) and on
SQLite it makes look-alike names; other C0/C1 controls are never legitimate in a form or a
query string either. Query strings are single-line: every control is refused. Form fields
may be multi-line (reasons, notes): tab, LF and CR are allowed there. JSON bodies of the API
are checked the same way as form fields. Uploaded files are checked by their parsers, which
name the row and column.
"""

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from spotcheck.lib.text import describe_control, find_control

API_PREFIX = "/api/"


def _strings(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(str(key), (*loc, "<key>"))
            yield from _strings(item, (*loc, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*loc, index))


def _inputs(
    request: HttpRequest, path_kwargs: dict[str, Any]
) -> Iterator[tuple[tuple[str | int, ...], str, bool]]:
    """(location, text, multi-line allowed) of every text field of the request."""
    for name, value in path_kwargs.items():
        if isinstance(value, str):
            yield ("path", name), value, False
    for name, values in request.GET.lists():
        yield ("query", "<name>"), name, False
        for value in values:
            yield ("query", name), value, False
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, values in request.POST.lists():
            yield ("form", "<name>"), name, False
            for value in values:
                yield ("form", name), value, True
    elif content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            return  # the API answers malformed JSON itself
        for loc, text in _strings(body, ("body",)):
            yield loc, text, True


def refusal(request: HttpRequest, path_kwargs: dict[str, Any]) -> HttpResponse | None:
    for loc, text, multi_line in _inputs(request, path_kwargs):
        position = find_control(text, multi_line=multi_line)
        if position is None:
            continue
        field = str(loc[-1])
        message = (
            f"“{field}”第{position + 1}个字符是控制字符{describe_control(text[position])}，"
            "请删除后重试"
        )
        if request.path.startswith(API_PREFIX):
            detail = [{"type": "control_character", "loc": list(loc), "msg": message}]
            return JsonResponse({"detail": detail}, status=422)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return None


class RefuseControlCharacters:
    """API requests get 422 with ninja's error shape; pages get 400 with the reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        return refusal(request, kwargs)
