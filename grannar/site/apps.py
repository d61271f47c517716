from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top of the house: start pages, health check, site pages, and the commands that run it."""

    name = "grannar.site"
    label = "site"

    def ready(self) -> None:
        from grannar.site import receivers  # noqa: F401
