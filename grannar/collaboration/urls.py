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
]
