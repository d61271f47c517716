from django.urls import path

from grannar.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list_view, name="list"),
    path("new/", views.person_create_view, name="create"),
    path("<int:pk>/", views.person_detail_view, name="detail"),
    path("workplaces/<int:pk>/", views.workplace_detail_view, name="workplace"),
]
