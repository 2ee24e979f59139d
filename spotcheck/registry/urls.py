from django.urls import path

from spotcheck.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.index, name="index"),
    path("entities/", views.entity_list, name="entities"),
    path("entities/export.<str:fmt>", views.entity_export, name="entity_export"),
    path("entities/<int:entity_id>/", views.entity_detail, name="entity"),
    path("entities/<int:entity_id>/edit/", views.entity_edit, name="entity_edit"),
    path("entities/<int:entity_id>/recusals/new/", views.recusal_add, name="recusal_add"),
    path("recusals/<int:recusal_id>/end/", views.recusal_end, name="recusal_end"),
    path("inspectors/", views.inspector_list, name="inspectors"),
    path("inspectors/export.<str:fmt>", views.inspector_export, name="inspector_export"),
    path("inspectors/<int:inspector_id>/", views.inspector_detail, name="inspector"),
    path("inspectors/<int:inspector_id>/edit/", views.inspector_edit, name="inspector_edit"),
    path("import/", views.import_upload, name="import"),
    path("import/<str:token>/", views.import_preview, name="import_preview"),
    path("import/<str:token>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<str:token>/rejects.csv", views.import_rejects, name="import_rejects"),
]
