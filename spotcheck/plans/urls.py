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
    # plans built in forms
    path("new/", views.plan_new, name="new"),
    path("<int:plan_id>/copy/", views.plan_copy, name="copy"),
    path("<int:plan_id>/items/new/", views.item_new, name="item_new"),
    path("<int:plan_id>/items/<int:item_id>/edit/", views.item_edit, name="item_edit"),
    path("<int:plan_id>/items/<int:item_id>/delete/", views.item_delete, name="item_delete"),
    # revisions of a published plan (计划调整)
    path("<int:plan_id>/revisions/new/", views.revision_new, name="revision_new"),
    path("<int:plan_id>/revisions/<int:revision_id>/", views.revision_detail, name="revision"),
    path(
        "<int:plan_id>/revisions/<int:revision_id>/items/new/",
        views.revision_item_new,
        name="revision_item_new",
    ),
    path(
        "<int:plan_id>/revisions/<int:revision_id>/items/<int:item_id>/",
        views.revision_item_edit,
        name="revision_item_edit",
    ),
    path(
        "<int:plan_id>/revisions/<int:revision_id>/items/<int:item_id>/withdraw/",
        views.revision_item_withdraw,
        name="revision_item_withdraw",
    ),
    path(
        "<int:plan_id>/revisions/<int:revision_id>/changes/<int:index>/drop/",
        views.revision_drop,
        name="revision_drop",
    ),
    path(
        "<int:plan_id>/revisions/<int:revision_id>/publish/",
        views.revision_publish,
        name="revision_publish",
    ),
]
