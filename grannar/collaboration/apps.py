from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "grannar.collaboration"
    label = "collaboration"
