from django.urls import path

from grannar.site import views

app_name = "site"
urlpatterns = [
    path("", views.start, name="start"),
    path("about/<slug:slug>/", views.page_view, name="page"),
    path("about/<slug:slug>/edit/", views.page_edit_view, name="page_edit"),
    path("accessibility/report/", views.accessibility_report_view, name="accessibility_report"),
    path("my-data/", views.my_data_view, name="my_data"),
    path("my-data/data.<str:fmt>", views.my_data_download_view, name="my_data_download"),
    path("audit/", views.audit_log_view, name="audit_log"),
    path("audit/export.<str:fmt>", views.audit_log_export_view, name="audit_log_export"),
]
