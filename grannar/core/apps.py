from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "grannar.core"
    label = "core"
