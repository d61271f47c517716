from django.contrib.auth import views as auth_views
from django.urls import include, path

from grannar.api import views as api_views
from grannar.api.api import api
from grannar.evaluation import views as evaluation_views
from grannar.people.account_views import LoginView
from grannar.site import views as site_views
from grannar.training import views as training_views

urlpatterns = [
    path("healthz", site_views.healthz, name="healthz"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", site_views.language_view, name="set_language"),
    path("account/", include("grannar.people.account_urls")),
    path("account/api-tokens/", api_views.token_list_view, name="api_tokens"),
    path(
        "account/api-tokens/<int:pk>/revoke/", api_views.token_revoke_view, name="api_token_revoke"
    ),
    path("api/v1/", api.urls),
    path("people/", include("grannar.people.urls")),
    path("programmes/", include("grannar.programmes.urls")),
    path("training/", include("grannar.training.urls")),
    path("reporting/", include("grannar.reporting.urls")),
    path("evaluation/", include("grannar.evaluation.urls")),
    path("collaboration/", include("grannar.collaboration.urls")),
    path("s/<str:token>/", evaluation_views.survey_answer_view, name="survey_answer"),
    path("verify/<str:code>/", training_views.certificate_verify_view, name="certificate_verify"),
    path("", include("grannar.site.urls")),
]

# A database that cannot be reached gets a "try again" page (503); other errors the 500 page.
handler500 = "grannar.core.errors.server_error"
