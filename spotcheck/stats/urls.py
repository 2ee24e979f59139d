from django.urls import path

from spotcheck.stats import report_views, views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("summary.xlsx", report_views.summary_download, name="summary"),
    path("<slug:key>.csv", views.table_csv, name="csv"),
]
