from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "grannar.programmes"
    label = "programmes"
