"""The unit's publication pages, mounted under /publication/ (staff, `result.publish`)."""

from django.urls import path

from spotcheck.public import staff_views

app_name = "publication"
urlpatterns = [
    path("", staff_views.publish_page, name="page"),
    path("publish/", staff_views.publish, name="publish"),
    path("records/<int:published_id>/withdraw/", staff_views.withdraw, name="withdraw"),
]
