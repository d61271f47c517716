from django.urls import path

from grannar.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.survey_list_view, name="survey_list"),
    path("new/<slug:code>/", views.survey_create_view, name="survey_create"),
    path("<int:pk>/", views.survey_view, name="survey"),
    path("<int:pk>/status/", views.survey_status_view, name="survey_status"),
    path("<int:pk>/series/", views.survey_series_view, name="survey_series"),
    path("<int:pk>/invite/", views.survey_invite_view, name="survey_invite"),
    path("<int:pk>/results/", views.survey_results_view, name="survey_results"),
    path("<int:pk>/export.<str:fmt>", views.survey_export_view, name="survey_export"),
    path("questions/<int:pk>/", views.question_edit_view, name="question_edit"),
]
