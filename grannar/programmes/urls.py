from django.urls import path

from grannar.programmes import views

app_name = "programmes"
urlpatterns = [
    path("<slug:code>/", views.programme_overview_view, name="overview"),
]
