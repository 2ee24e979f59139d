"""The JSON API under /api/v1/ (OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs)."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from spotcheck.draws.api import router as draws_router
from spotcheck.inspections.api import router as inspections_router
from spotcheck.plans.api import router as plans_router
from spotcheck.registry.api import router as registry_router
from spotcheck.results.api import router as results_router

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "object"}},
            ]
        }
    },
    "required": ["detail"],
}
ERROR_DESCRIPTIONS = {
    "400": "请求体不是有效的JSON",
    "401": "未登录",
    "403": "角色无权执行此操作，或缺少CSRF令牌",
    "404": "对象不存在或不可见",
    "409": "当前状态下不能执行此操作（原因见 detail）",
    "422": "参数或请求体无效（含控制字符、页码超出范围等）",
}


def error_codes(method: str, operation: dict[str, Any]) -> list[str]:
    """The error statuses an operation really answers, by what it has: every operation
    validates its input (422, also for control characters in any query parameter; 400 for a
    body that is not JSON); an id in
    the path may name nothing (404); a signed-in operation answers 401 and 403; a POST
    refuses a transition its object's state does not allow (409)."""
    codes = ["422"]
    if "requestBody" in operation:
        codes.append("400")
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        codes.append("404")
    if operation.get("security"):
        codes += ["401", "403"]
    if method == "post":
        codes.append("409")
    return sorted(codes)


class SpotcheckAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for code in error_codes(method, operation):
                    responses.setdefault(
                        code,
                        {
                            "description": ERROR_DESCRIPTIONS[code],
                            "content": {"application/json": {"schema": ERROR_SCHEMA}},
                        },
                    )
        return schema


class VendoredSwagger(Swagger):
    """Swagger UI from spotcheck/static/vendor/swagger-ui (see its README): ninja's own page
    loads a CDN when ninja is not an installed app, which the Content-Security-Policy blocks,
    leaving a blank page. Ours loads only this host's files and starts without inline script."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        openapi_url = self.get_openapi_url(api, kwargs)
        settings = {**self.settings, "url": openapi_url}
        context = {
            "swagger_settings": json.dumps(settings).replace("<", "\\u003c"),
            "openapi_url": openapi_url,
            "api": api,
        }
        return render(request, "api/docs.html", context)


api = SpotcheckAPI(
    title="spotcheck API",
    version="1",
    description="双随机、一公开抽查系统接口。公众可读已公开内容；其余需登录并具相应角色。",
    urls_namespace="api",
    docs=VendoredSwagger(settings={"docExpansion": "list", "defaultModelsExpandDepth": 0}),
)
api.add_router("/", plans_router)
api.add_router("/", draws_router)
api.add_router("/", inspections_router)
api.add_router("/", registry_router)
api.add_router("/", results_router)
