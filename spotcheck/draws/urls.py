from django.urls import path

from spotcheck.draws import round_views, views

app_name = "draws"
urlpatterns = [
    path("", views.draw_list, name="list"),
    path("items/<int:item_id>/", views.item_draws, name="item"),
    path("<int:draw_id>/", views.draw_detail, name="detail"),
    path("<int:draw_id>/ceremony/", views.ceremony, name="ceremony"),
    path("<int:draw_id>/seed/", views.seed, name="seed"),
    path("<int:draw_id>/execute/", views.execute, name="execute"),
    path("<int:draw_id>/cancel/", views.cancel, name="cancel"),
    path("<int:draw_id>/replace/", views.replace, name="replace"),
    # the round as one ceremony
    path("plans/<int:plan_id>/rounds/<int:round>/", round_views.round_ceremony, name="round"),
    path(
        "plans/<int:plan_id>/rounds/<int:round>/prepare/",
        round_views.round_prepare,
        name="round_prepare",
    ),
    path("plans/<int:plan_id>/rounds/<int:round>/seed/", round_views.round_seed, name="round_seed"),
    path(
        "plans/<int:plan_id>/rounds/<int:round>/execute/",
        round_views.round_execute,
        name="round_execute",
    ),
]
