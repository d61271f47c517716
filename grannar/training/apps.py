from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "grannar.training"
    label = "training"
