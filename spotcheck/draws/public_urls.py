"""Public draw pages, mounted under /public/."""

from django.urls import path

from spotcheck.draws import public_views
from spotcheck.draws.feeds import BulletinFeed

app_name = "bulletins"
urlpatterns = [
    path("draws/", public_views.bulletin_list, name="list"),
    path("draws/feed.xml", BulletinFeed(), name="feed"),
    path("draws/<int:draw_id>/", public_views.bulletin, name="detail"),
    path("draws/<int:draw_id>/draw.json", public_views.draw_json, name="json"),
    path("draws/<int:draw_id>/population.txt", public_views.population_text, name="population"),
    path("verify/", public_views.verify_help, name="verify"),
    path("verify_draw.py", public_views.verifier, name="verifier"),
]
