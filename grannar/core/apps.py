from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "grannar.core"
    label = "core"

    def ready(self):
        from grannar.core import signals  # noqa: F401 - connects the receivers
