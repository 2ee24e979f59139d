from django.urls import path

from spotcheck.results import views

app_name = "results"
urlpatterns = [
    path("visits/<int:visit_id>/", views.result_page, name="visit"),
    path("visits/<int:visit_id>/save/", views.result_save, name="save"),
    path("visits/<int:visit_id>/review/", views.result_review, name="review"),
    path("visits/<int:visit_id>/measures/add/", views.measure_add, name="measure_add"),
    path("visits/<int:visit_id>/measures/close/", views.measure_close, name="measure_close"),
]
