"""How a signed-in user is loaded for each request."""

from django.contrib.auth.backends import ModelBackend

from grannar.people.models import User


class UserBackend(ModelBackend):
    """Django's model backend, loading the user's participant record in the same query: the
    scope of every request and most pages need both."""

    def get_user(self, user_id):
        found = User._default_manager.select_related("person").filter(pk=user_id)[:1]
        user = next(iter(found), None)
        return user if user is not None and self.user_can_authenticate(user) else None
