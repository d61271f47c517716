from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "grannar.people"
    label = "people"

    def ready(self):
        from django.core import checks

        from grannar.people.sso import sso_settings_check

        checks.register(sso_settings_check)
