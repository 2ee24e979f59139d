from django.urls import path

from spotcheck.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("import/", views.plan_upload, name="upload"),
    path("import/<str:token>/", views.plan_import_preview, name="import_preview"),
    path("import/<str:token>/correct/", views.plan_import_correct, name="import_correct"),
    path("import/<str:token>/confirm/", views.plan_import_confirm, name="import_confirm"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/publish/", views.plan_publish, name="publish"),
    path("<int:plan_id>/export.<str:fmt>", views.plan_export, name="export"),
    path("<int:plan_id>/items/<int:item_id>/", views.item_detail, name="item"),
]
