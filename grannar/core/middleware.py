from django_scopes import scope


class ScopeMiddleware:
    """Run each request inside the municipality scope of its user (django-scopes).

    A safety net under the explicit filters in selectors: a query on a scoped model that a
    selector forgot to narrow still cannot reach another municipality's rows.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        municipalities = user.municipality_scope() if user.is_authenticated else []
        with scope(municipality=municipalities):
            return self.get_response(request)
