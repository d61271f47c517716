from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "grannar.people"
    label = "people"
