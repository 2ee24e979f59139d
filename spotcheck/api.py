"""The JSON API under /api/v1/ (OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs)."""

from ninja import NinjaAPI

from spotcheck.draws.api import router as draws_router
from spotcheck.inspections.api import router as inspections_router
from spotcheck.plans.api import router as plans_router
from spotcheck.registry.api import router as registry_router

api = NinjaAPI(
    title="spotcheck API",
    version="1",
    description="双随机、一公开抽查系统接口。公众可读已公开内容；其余需登录并具相应角色。",
    urls_namespace="api",
)
api.add_router("/", plans_router)
api.add_router("/", draws_router)
api.add_router("/", inspections_router)
api.add_router("/", registry_router)
