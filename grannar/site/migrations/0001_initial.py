# The tables made by core's migration 0003 are taken over as they are, then renamed.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0004_move_site_pages"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AccessibilityReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created', models.DateTimeField(auto_now_add=True, verbose_name='received')),
                        ('description', models.TextField(max_length=5000, verbose_name='what is the problem?')),
                        ('page_url', models.CharField(blank=True, max_length=500, verbose_name='page')),
                        ('reply_to', models.EmailField(blank=True, max_length=254, verbose_name='e-mail for our reply')),
                    ],
                    options={
                        'verbose_name': 'accessibility report',
                        'verbose_name_plural': 'accessibility reports',
                        'ordering': ['-created'],
                        'db_table': 'core_accessibilityreport',
                    },
                ),
                migrations.CreateModel(
                    name='SitePage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(choices=[('tillganglighet', 'Accessibility statement'), ('personuppgifter', 'Privacy notice')], max_length=40, unique=True, verbose_name='page')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('body', models.TextField(help_text='Blank lines separate paragraphs.', verbose_name='text')),
                        ('updated', models.DateTimeField(auto_now=True, verbose_name='updated')),
                    ],
                    options={
                        'verbose_name': 'site page',
                        'verbose_name_plural': 'site pages',
                        'db_table': 'core_sitepage',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="accessibilityreport", table=None),
        migrations.AlterModelTable(name="sitepage", table=None),
    ]
