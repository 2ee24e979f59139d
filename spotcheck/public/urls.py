"""The public portal, mounted under /public/ (names `public:*`)."""

from django.urls import path

from spotcheck.public import announcement_views, data_views, plan_views, views
from spotcheck.public.feeds import AnnouncementFeed, BulletinFeed

app_name = "public"
urlpatterns = [
    path("feed.xml", AnnouncementFeed(), name="announcements"),
    path("items/", views.item_list, name="items"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:plan_id>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/export.<str:fmt>", plan_views.plan_export, name="plan_export"),
    path("plans/<int:plan_id>/items/<int:item_id>/", plan_views.item_detail, name="plan_item"),
    path("draws/", views.bulletin_list, name="bulletins"),
    path("draws/feed.xml", BulletinFeed(), name="feed"),
    path("draws/<int:draw_id>/", views.bulletin, name="bulletin"),
    path("draws/<int:draw_id>/draw.json", views.draw_json, name="draw_json"),
    path("draws/<int:draw_id>/population.txt", views.population_text, name="population"),
    path("draws/<int:draw_id>/kit.zip", data_views.verification_kit, name="kit"),
    path("matchings/", views.matching_list, name="matchings"),
    path("matchings/<int:matching_id>/", views.matching_detail, name="matching"),
    path("matchings/<int:matching_id>/teams.json", views.matching_json, name="matching_json"),
    path("results/", views.result_index, name="results"),
    path("results/search/", views.search, name="search"),
    path("results/batches/<int:publication_id>/", announcement_views.batch, name="batch"),
    path("results/tasks/<int:item_id>/", views.task_results, name="task_results"),
    path("results/<int:published_id>/", views.result_detail, name="result"),
    path("entities/<str:entity_key>/", views.entity, name="entity"),
    path("statistics/", views.statistics, name="statistics"),
    path("verify/", views.verify_help, name="verify"),
    path("data/", data_views.data_index, name="data"),
    path("data/schema/", data_views.data_schema, name="data_schema"),
    path("data/<int:year>/<str:filename>", data_views.data_download, name="data_file"),
    path("verify_draw.py", views.verifier, name="verifier"),
]
