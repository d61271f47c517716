from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "grannar.evaluation"
    label = "evaluation"

    def ready(self):
        from grannar.evaluation import receivers  # noqa: F401 - connects the signal receivers
