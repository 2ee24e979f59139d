"""Error pages people can act on: 403, 404, 409 and 500 in Chinese, saying what happened and
what to do, with a way back. The API (/api/…) keeps answering JSON errors, also for a path
that names no operation."""

from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

API_PREFIX = "/api/"


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _reason(exception: Exception | None) -> str:
    """A view's own Chinese reason (raise Http404("抽取尚未执行")); Django's English
    defaults ("No Draw matches the given query.") are not shown."""
    message = str(exception.args[0]) if exception and exception.args else ""
    return message if any(ord(c) > 0x2E7F for c in message) else ""


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "角色无权执行此操作"}, status=403)
    return render(request, "403.html", {"reason": _reason(exception)}, status=403)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "Not Found"}, status=404)
    return render(request, "404.html", {"reason": _reason(exception)}, status=404)


def handler500(request: HttpRequest) -> HttpResponse:
    """Rendered without the request context: whatever failed (the database, a context
    processor) must not fail the error page too."""
    if _wants_json(request):
        return JsonResponse({"detail": "服务器内部错误"}, status=500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def conflict(
    request: HttpRequest,
    *,
    title: str,
    problems: Sequence[str],
    advice: str,
    links: Sequence[tuple[str, str]] = (),
) -> HttpResponse:
    """A 409 page: the request is understood but the object's state refuses it. `problems`
    say what exactly (first ten shown), `advice` what to do, `links` (url, text) where to go."""
    context = {"title": title, "problems": list(problems)[:10], "advice": advice, "links": links}
    return render(request, "409.html", context, status=409)
