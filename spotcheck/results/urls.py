from django.urls import path

from spotcheck.results import views

app_name = "results"
urlpatterns = [
    path("due/", views.due_list, name="due"),
    path("visits/<int:visit_id>/", views.result_page, name="visit"),
    path("visits/<int:visit_id>/save/", views.result_save, name="save"),
    path("visits/<int:visit_id>/review/", views.result_review, name="review"),
]
