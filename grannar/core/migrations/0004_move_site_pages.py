# Site pages and accessibility reports now belong to the site app (grannar.site); the tables
# stay and are renamed by site's first migration. Here they only leave core's state.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_accessibilityreport_sitepage"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AccessibilityReport"),
                migrations.DeleteModel(name="SitePage"),
            ],
            database_operations=[],
        ),
    ]
