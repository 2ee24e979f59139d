from django.urls import path

from spotcheck.inspections import calendar_views, notice_views, views

app_name = "inspections"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("print/", views.team_print, name="print"),
    path("calendar/", calendar_views.visit_calendar, name="calendar"),
    path("calendar/schedule/", calendar_views.calendar_schedule, name="calendar_schedule"),
    path("visits/<int:visit_id>/", views.visit_detail, name="visit"),
    path("visits/<int:visit_id>/schedule/", views.visit_schedule, name="schedule"),
    path("visits/<int:visit_id>/notice/", notice_views.notice_issue, name="notice_issue"),
    path(
        "visits/<int:visit_id>/notice/delivery/",
        notice_views.notice_delivery,
        name="notice_delivery",
    ),
    path("visits/<int:visit_id>/notice.docx", notice_views.notice_docx, name="notice_docx"),
    path(
        "visits/<int:visit_id>/record-form.docx",
        notice_views.record_form_docx,
        name="record_form_docx",
    ),
    path("members/<int:member_id>/replace/", views.member_replace, name="replace"),
    path("plans/<int:plan_id>/rounds/<int:round>/", views.round_detail, name="round"),
    path("plans/<int:plan_id>/rounds/<int:round>/build/", views.round_build, name="build"),
    path("plans/<int:plan_id>/rounds/<int:round>/match/", views.round_match, name="match"),
    path("plans/<int:plan_id>/settings/", views.item_setting, name="item_setting"),
    path("plans/<int:plan_id>/events/", views.event_register, name="event_register"),
    path("proposals/<int:proposal_id>/accept/", views.proposal_accept, name="accept"),
    path("proposals/<int:proposal_id>/decline/", views.proposal_decline, name="decline"),
    path("events/<int:event_id>/match/", views.event_match, name="event_match"),
    path("events/<int:event_id>/cancel/", views.event_cancel, name="event_cancel"),
    path("matchings/<int:matching_id>/kit.json", views.matching_kit, name="matching_kit"),
]
