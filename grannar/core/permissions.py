"""Role checks for views: a signed-in user without the role gets 403, a visitor the login page.

The roles are recorded on the view (`view.roles`), so that who may open which page can be read
from the URL configuration itself (`url_roles`): the record of processing does so."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, URLResolver, get_resolver


def role_required(*roles: str) -> Callable:
    """Let the view run only for users holding one of `roles` (or superusers)."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not (user.is_superuser or user.has_role(*roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.roles = frozenset(roles)
        return wrapped

    return decorator


def url_views(resolver: URLResolver | None = None, prefix: str = "") -> dict[str, Callable]:
    """Every named URL of the configuration (`namespace:name`) and its view."""
    resolver = resolver or get_resolver()
    views: dict[str, Callable] = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            views.update(url_views(pattern, inner))
        elif isinstance(pattern, URLPattern) and pattern.name:
            views.setdefault(f"{prefix}{pattern.name}", pattern.callback)
    return views


def url_roles(name: str) -> frozenset[str] | None:
    """The roles that may open the URL named `name`, as its view records them; None where the
    view checks access otherwise (or not at all)."""
    view = url_views().get(name)
    if view is None:
        raise LookupError(name)
    return getattr(view, "roles", None)


def object_access(*roles: str) -> Callable:
    """For a view that decides per object whom it shows (another's object is a 404): signed-in
    users only, and `roles` recorded as the roles that reach any of its objects.
    tests/reporting/test_processing.py holds the record to the permission table."""

    def decorator(view: Callable) -> Callable:
        wrapped = login_required(view)
        wrapped.roles = frozenset(roles)
        return wrapped

    return decorator
