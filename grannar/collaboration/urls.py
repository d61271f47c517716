from django.urls import path

from grannar.collaboration import views

app_name = "collaboration"
urlpatterns = [
    path("", views.workshop_list_view, name="workshop_list"),
    path("workshops/new/", views.workshop_create_view, name="workshop_create"),
    path("workshops/<int:pk>/", views.workshop_view, name="workshop"),
    path("workshops/<int:pk>/edit/", views.workshop_edit_view, name="workshop_edit"),
    path("workshops/<int:pk>/members/", views.member_add_view, name="member_add"),
    path("members/<int:pk>/remove/", views.member_remove_view, name="member_remove"),
    path("workshops/<int:pk>/meetings/new/", views.meeting_create_view, name="meeting_create"),
    path("workshops/<int:pk>/routines/new/", views.routine_create_view, name="routine_create"),
    path("routines/<int:pk>/", views.routine_view, name="routine"),
    path("routines/<int:pk>/edit/", views.routine_edit_view, name="routine_edit"),
    path("routines/<int:pk>/<str:step>/", views.routine_step_view, name="routine_step"),
    path("support/", views.support_list_view, name="support_list"),
    path("support/<int:pk>/", views.support_resource_view, name="support_resource"),
    path("support/<int:pk>/engagements/", views.engagement_add_view, name="engagement_add"),
    path("engagements/<int:pk>/remove/", views.engagement_remove_view, name="engagement_remove"),
    path("support/<int:pk>/outcomes/", views.outcome_set_view, name="outcome_set"),
    path("support/<int:pk>/letters/", views.letter_issue_view, name="letter_issue"),
    path("letters/<int:pk>/", views.letter_download_view, name="letter_download"),
    path("plans/", views.plan_list_view, name="plan_list"),
    path("plans/new/", views.plan_create_view, name="plan_create"),
    path("plans/<int:pk>/", views.plan_view, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit_view, name="plan_edit"),
    path("plans/<int:pk>/needs/", views.need_set_view, name="need_set"),
    path("needs/<int:pk>/remove/", views.need_remove_view, name="need_remove"),
    path("plans/<int:pk>/<str:step>/", views.plan_step_view, name="plan_step"),
    path("lessons/", views.lesson_list_view, name="lesson_list"),
    path("lessons/new/", views.lesson_create_view, name="lesson_create"),
    path("lessons/<int:pk>/edit/", views.lesson_edit_view, name="lesson_edit"),
    path("verify/<str:code>/", views.reference_verify_view, name="reference_verify"),
]
