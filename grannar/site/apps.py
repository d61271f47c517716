from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top of the house: start pages, health check, site pages, and the commands that run it."""

    name = "grannar.site"
    label = "site"

    def ready(self) -> None:
        from grannar.reporting.own_data import register
        from grannar.site import receivers  # noqa: F401
        from grannar.site.selectors import own_accessibility_reports

        register(own_accessibility_reports)
