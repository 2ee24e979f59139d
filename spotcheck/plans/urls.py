from django.urls import path

from spotcheck.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("import/", views.plan_upload, name="upload"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/publish/", views.plan_publish, name="publish"),
    path("<int:plan_id>/export.<str:fmt>", views.plan_export, name="export"),
    path("<int:plan_id>/items/<int:item_id>/", views.item_detail, name="item"),
]
