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

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render

from spotcheck.lib.text import describe_control, find_control, without_controls

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
        # The public search's visitors know the field as 查询内容, not by its parameter's name
        match = request.resolver_match
        search = match is not None and match.view_name == "public:search" and field == "q"
        message = (
            f"{'查询内容' if search else f'“{field}”'}第{position + 1}个字符是控制字符"
            f"{describe_control(text[position])}，请删除后重试"
        )
        if request.path.startswith(API_PREFIX):
            detail = [{"type": "control_character", "loc": list(loc), "msg": message}]
            return JsonResponse({"detail": detail}, status=422)
        # A page, with the site around it and a way back; the search's text (pasted from a
        # spreadsheet it brings tabs) offered back with the controls made spaces.
        q = " ".join(without_controls(text).split()) if search else None
        context = {"message": message, "search": search, "q": q}
        return render(request, "400.html", context, status=400)
    return None


class RefuseControlCharacters:
    """API requests get 422 with ninja's error shape; pages get a 400 page with the reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        return refusal(request, kwargs)


class VisitorPagesGZip(GZipMiddleware):
    """Django's GZipMiddleware (with its padding against BREACH) for what visitors read: pages
    and JSON answers to clients that accept gzip, not signed in. Left as they are: streaming
    downloads and attachments (their Content-Length, strong ETag and sendfile kept; most are
    files the browser saves, several already compressed) and signed-in users' pages, which
    hold a CSRF token and personal data beside text the request chose."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.streaming or "attachment" in response.get("Content-Disposition", ""):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        return super().process_response(request, response)
