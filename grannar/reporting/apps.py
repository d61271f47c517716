from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "grannar.reporting"
    label = "reporting"
