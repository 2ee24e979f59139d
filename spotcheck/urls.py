from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from spotcheck.api import api
from spotcheck.health import healthz
from spotcheck.public import views as public_views

handler403 = "spotcheck.errors.handler403"
handler404 = "spotcheck.errors.handler404"
handler500 = "spotcheck.errors.handler500"

admin.site.site_header = "spotcheck 管理后台"
admin.site.site_title = "spotcheck"

urlpatterns = [
    path("", public_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("plans/", include("spotcheck.plans.urls")),
    path("draws/", include("spotcheck.draws.urls")),
    path("public/", include("spotcheck.public.urls")),
    path("", include("spotcheck.public.moved_urls")),
    path("publication/", include("spotcheck.public.staff_urls")),
    path("inspections/", include("spotcheck.inspections.urls")),
    path("results/", include("spotcheck.results.urls")),
    path("registry/", include("spotcheck.registry.urls")),
    path("audit/", include("spotcheck.audit.urls")),
    path("stats/", include("spotcheck.stats.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
