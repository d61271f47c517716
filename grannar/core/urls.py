from django.urls import path

from grannar.core import views

app_name = "core"
urlpatterns = [
    path("", views.start, name="start"),
]
