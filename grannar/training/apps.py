from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "grannar.training"
    label = "training"

    def ready(self):
        from grannar.training import receivers  # noqa: F401 - connects the signal receivers
