from django.urls import path

from grannar.training import calendar_views, evidence_views, import_views, staff_views, views

app_name = "training"
urlpatterns = [
    path("", views.catalogue_view, name="catalogue"),
    path("sessions/<int:pk>/", views.session_view, name="session"),
    path("sessions/<int:pk>/register/", views.register_view, name="register"),
    path("sessions/<int:pk>/register-staff/", views.register_staff_view, name="register_staff"),
    path("sessions/<int:pk>/attendance/", views.attendance_list_view, name="attendance"),
    path("sessions/<int:pk>/checkin-code/", views.checkin_code_view, name="checkin_code"),
    path("registrations/<int:pk>/cancel/", views.cancel_view, name="cancel"),
    path("registrations/<int:pk>/attendance/", views.mark_attendance_view, name="mark_attendance"),
    path(
        "registrations/<int:pk>/attendance/undo/",
        views.undo_attendance_view,
        name="undo_attendance",
    ),
    path("checkin/", views.checkin_view, name="checkin"),
    path("my/", views.my_registrations_view, name="my_registrations"),
    path("attestations/", views.attestations_view, name="attestations"),
    path("attestations/audit/", views.attestation_audit_view, name="attestation_audit"),
    path(
        "attestations/audit/export/",
        evidence_views.attestation_export_view,
        name="attestation_export",
    ),
    path("evidence/", evidence_views.evidence_list_view, name="evidence_list"),
    path("evidence/<int:pk>/", evidence_views.evidence_view, name="evidence"),
    path(
        "registrations/<int:pk>/certificate/",
        views.certificate_download_view,
        name="certificate_download",
    ),
    path(
        "people/<int:person_pk>/monthly/<str:month>/",
        views.monthly_certificate_view,
        name="monthly_certificate",
    ),
    path("imports/", import_views.import_upload_view, name="import_upload"),
    path("imports/<int:pk>/", import_views.import_status_view, name="import_status"),
    path("imports/<int:pk>/confirm/", import_views.import_confirm_view, name="import_confirm"),
    path("courses/", views.course_list_view, name="course_list"),
    path("courses/new/", views.course_edit_view, name="course_create"),
    path("courses/<int:pk>/", views.course_edit_view, name="course_edit"),
    path("courses/<int:pk>/hand-over/", views.course_handover_view, name="course_handover"),
    path("sessions/new/", views.session_edit_view, name="session_create"),
    path("sessions/<int:pk>/edit/", views.session_edit_view, name="session_edit"),
    path("sessions/<int:pk>/reserve/", views.reservation_view, name="reserve"),
    path("sessions/<int:pk>/cancel/", views.session_cancel_view, name="session_cancel"),
    path(
        "sessions/<int:pk>/calendar.ics",
        calendar_views.session_calendar_view,
        name="session_calendar",
    ),
    path("my/calendar/", calendar_views.calendar_feed_manage_view, name="calendar_feed_manage"),
    path("feed/<str:token>.ics", calendar_views.calendar_feed_view, name="calendar_feed"),
    path("municipality/", staff_views.municipality_view, name="municipality"),
    path("people/<int:pk>/", staff_views.person_view, name="person"),
]
