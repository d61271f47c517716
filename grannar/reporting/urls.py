from django.urls import path

from grannar.reporting import privacy_views, views

app_name = "reporting"
urlpatterns = [
    path("privacy/retention/", privacy_views.retention_view, name="retention"),
    path("privacy/erasure/", privacy_views.erasure_view, name="erasure"),
    path(
        "privacy/erasure/<int:pk>/decide/",
        privacy_views.erasure_decide_view,
        name="erasure_decide",
    ),
    path("<slug:code>/", views.dashboard_view, name="dashboard"),
    path("<slug:code>/processing/", views.processing_view, name="processing"),
    path("<slug:code>/processing.pdf", views.processing_document_view, name="processing_document"),
    path("<slug:code>/esf/<str:kind>.xlsx", views.esf_export_view, name="esf_export"),
    path("<slug:code>/summary.<str:fmt>", views.summary_view, name="summary"),
    path("<slug:code>/final.<str:fmt>", views.final_report_view, name="final_report"),
    path(
        "<slug:code>/final-brief.<str:fmt>",
        views.final_report_view,
        {"short": True},
        name="final_summary",
    ),
]
