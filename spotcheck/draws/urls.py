from django.urls import path

from spotcheck.draws import views

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
]
