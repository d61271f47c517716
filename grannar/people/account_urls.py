from django.urls import path

from grannar.people import account_views

app_name = "account"
urlpatterns = [
    path("sso/", account_views.SsoStartView.as_view(), name="sso"),
    path("sso/callback/", account_views.sso_callback_view, name="sso_callback"),
    path("two-factor/", account_views.two_factor_view, name="two_factor"),
    path("two-factor/setup/", account_views.two_factor_setup_view, name="two_factor_setup"),
    path("two-factor/recovery-codes/", account_views.recovery_codes_view, name="recovery_codes"),
]
