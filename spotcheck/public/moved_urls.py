"""Addresses the public pages had before they moved into `spotcheck.public`: each answers a
permanent redirect (301) to its new address, query string kept, so old links and bookmarks
keep working."""

from collections.abc import Callable
from typing import Any

from django.urls import path
from django.views.generic import RedirectView


def moved(to: str) -> Callable[..., Any]:
    return RedirectView.as_view(pattern_name=to, permanent=True, query_string=True)


app_name = "moved"
urlpatterns = [
    path("inspections/matchings/", moved("public:matchings"), name="matchings"),
    path("inspections/matchings/<int:matching_id>/", moved("public:matching"), name="matching"),
    path(
        "inspections/matchings/<int:matching_id>/teams.json",
        moved("public:matching_json"),
        name="matching_json",
    ),
    path("inspections/draws/<int:draw_id>/draw.json", moved("public:draw_json"), name="draw_json"),
    # the portal's prefix on its own (the README names the portal /public/): its home page
    path("public/", moved("home"), name="portal"),
]
