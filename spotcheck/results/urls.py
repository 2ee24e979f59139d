from django.urls import path

from spotcheck.results import views

app_name = "results"
urlpatterns = [
    path("due/", views.due_list, name="due"),
    path("plans/<int:plan_id>/export/", views.export_sheet, name="export"),
    path("visits/<int:visit_id>/", views.result_page, name="visit"),
    path("visits/<int:visit_id>/save/", views.result_save, name="save"),
    path("visits/<int:visit_id>/draft/", views.result_draft, name="draft"),
    path("visits/<int:visit_id>/review/", views.result_review, name="review"),
    path("visits/<int:visit_id>/measures/add/", views.measure_add, name="measure_add"),
    path("visits/<int:visit_id>/measures/close/", views.measure_close, name="measure_close"),
    path("visits/<int:visit_id>/attachments/", views.attachment_upload, name="attach"),
    path("attachments/<int:attachment_id>/", views.attachment_file, name="attachment"),
    path(
        "attachments/<int:attachment_id>/thumbnail/",
        views.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path(
        "attachments/<int:attachment_id>/withdraw/",
        views.attachment_withdraw,
        name="attachment_withdraw",
    ),
    path("risk/", views.risk_proposals, name="risk"),
    path("risk/decide/", views.risk_decide, name="risk_decide"),
    path("plans/<int:plan_id>/gsxt/", views.gsxt_export, name="gsxt"),
    path("plans/<int:plan_id>/gsxt/overview/", views.gsxt_overview, name="gsxt_overview"),
]
