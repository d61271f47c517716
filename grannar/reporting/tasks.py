"""Background jobs of reporting."""

from django_scopes import scopes_disabled
from django_tasks import task

from grannar.reporting.retention import retention_run


@task()
def run_retention() -> int:
    """The daily retention run (when GRANNAR_RETENTION_DAILY is on): carry out what the
    retention rules have made due. Returns the records disposed of."""
    with scopes_disabled():
        return sum(item.count for item in retention_run())
