from django.urls import path

from spotcheck.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:key>.csv", views.table_csv, name="csv"),
]
