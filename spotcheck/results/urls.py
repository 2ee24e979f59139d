from django.urls import path

from spotcheck.results import views

app_name = "results"
urlpatterns = [
    path("visits/<int:visit_id>/", views.result_page, name="visit"),
    path("visits/<int:visit_id>/save/", views.result_save, name="save"),
    path("visits/<int:visit_id>/review/", views.result_review, name="review"),
    path("plans/<int:plan_id>/gsxt/", views.gsxt_export, name="gsxt"),
]
